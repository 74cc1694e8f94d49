//! What the executors log: one span per statement with its kind, tenant and cache hit, the
//! SQL at debug level, no tenant value above debug, and adoption mode's warning.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use multitenant::with_tenant;
use multitenant_sqlx::{Adoption, ScopedPool};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A writer that keeps what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Runs two point reads for a tenant whose id appears nowhere else, logging at `level`.
async fn logs_at(level: tracing::Level) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(captured.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let pool = common::sqlite().await;
    sqlx::query("INSERT INTO stores VALUES (90417, 'far')").execute(&pool).await.expect("a store");
    let scoped = ScopedPool::new(pool, common::schema());
    for _ in 0..2 {
        let count: i64 = with_tenant(
            90417_i64,
            sqlx::query_scalar("SELECT count(*) FROM products WHERE id = ?").bind(1_i64).fetch_one(&scoped),
        )
        .await
        .expect("count");
        assert_eq!(count, 0);
    }
    captured.text()
}

#[tokio::test]
async fn each_statement_has_a_debug_span_with_its_kind_tenant_and_cache_hit() {
    let logs = logs_at(tracing::Level::DEBUG).await;
    let spans: Vec<&str> = logs.lines().filter(|l| l.contains("multitenant.statement")).collect();
    assert!(spans.iter().any(|l| l.contains("kind=\"query\"") && l.contains("cache_hit=false")), "{logs}");
    assert!(spans.iter().any(|l| l.contains("cache_hit=true")), "the second read is a cache hit: {logs}");
    assert!(spans.iter().all(|l| l.contains("90417")), "the span names the tenant: {logs}");
    assert!(logs.contains("products.store_id = ?2"), "the SQL that is sent, at debug level: {logs}");
}

#[tokio::test]
async fn no_tenant_value_is_logged_above_debug() {
    let logs = logs_at(tracing::Level::INFO).await;
    assert!(!logs.contains("90417"), "{logs}");
}

#[tokio::test]
async fn adoption_mode_warns_with_the_reason_and_runs_the_statement() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let pool = common::sqlite().await;
    let adopting = ScopedPool::builder(common::schema()).adoption(Adoption::LogAndRunUnscoped).build(pool);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&adopting)
        .await
        .expect("runs as written");
    assert_eq!(count, 5, "every store's products: it ran unscoped");
    let inserted = with_tenant(
        1_i64,
        sqlx::query("INSERT INTO products (store_id, id, name, price_cents) VALUES (77123, 1, 'x', 1)")
            .execute(&adopting),
    )
    .await;
    assert!(inserted.is_err(), "the store 77123 does not exist: the foreign key refuses the row");
    let logs = captured.text();
    assert!(logs.contains("WARN") && logs.contains("adoption mode"), "{logs}");
    assert!(logs.contains("no tenant is set"), "the reason: {logs}");
    assert!(logs.contains("is given a value that is not the current tenant"), "{logs}");
    assert!(
        !logs.contains("77123 is not") && !logs.contains("given 77123"),
        "no tenant value in the reason: {logs}"
    );
}
