//! Every SeaORM operation through a `ScopedDatabase` on an in-memory SQLite database, with two
//! stores whose ids repeat.

#[macro_use]
mod common;

operation_tests!(common::Fixture::sqlite);

use std::io::Write;
use std::sync::{Arc, Mutex};

use multitenant::{Rewriter, with_tenant};
use multitenant_sea_orm::{Error, ScopedDatabase};
use sea_orm::{ConnectionTrait, Database, Statement};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A rewriter for another dialect than the connection's is refused when the connection is built.
#[tokio::test]
async fn a_rewriter_of_another_dialect_is_refused() {
    let _shared = common::LOGGING.read().await;
    let conn = Database::connect("sqlite::memory:").await.expect("open SQLite");
    let rewriter = Rewriter::new(common::schema(), multitenant::Dialect::Postgres);
    let refused = ScopedDatabase::with_rewriter(conn, rewriter).map(drop).expect_err("refused");
    assert!(matches!(refused, Error::DialectMismatch { .. }), "{refused}");
}

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

/// Runs the same point read twice for a tenant whose id appears nowhere else, logging at
/// `level` (SeaORM's own sqlx statement log is on, at info, as by default).
async fn logs_at(level: tracing::Level) -> String {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(captured.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let fixture = common::Fixture::sqlite().await;
    for _ in 0..2 {
        let select = Statement::from_sql_and_values(
            fixture.backend(),
            "SELECT name FROM products WHERE id = ?",
            [1_i64.into()],
        );
        let rows = with_tenant(90417_i64, fixture.db.query_all_raw(select)).await.expect("query");
        assert!(rows.is_empty());
    }
    captured.text()
}

/// One test, so that no other subscriber's level changes tracing's global filter meanwhile.
#[tokio::test]
async fn each_statement_has_a_debug_span_and_no_tenant_value_is_logged_above_debug() {
    let _exclusive = common::LOGGING.write().await;
    let logs = logs_at(tracing::Level::DEBUG).await;
    let spans: Vec<&str> = logs.lines().filter(|l| l.contains("multitenant.statement")).collect();
    assert!(spans.iter().any(|l| l.contains("kind=\"query\"") && l.contains("cache_hit=false")), "{logs}");
    assert!(spans.iter().any(|l| l.contains("cache_hit=true")), "the second read is a cache hit: {logs}");
    assert!(spans.iter().any(|l| l.contains("90417")), "the span names the tenant: {logs}");
    assert!(logs.contains("products.store_id = ?2"), "the SQL that is sent, at debug level: {logs}");

    let logs = logs_at(tracing::Level::INFO).await;
    assert!(!logs.contains("90417"), "{logs}");
    assert!(!logs.contains("multitenant.statement"), "{logs}");
}
