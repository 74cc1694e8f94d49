//! Throwaway places to run DDL in: a PostgreSQL database of its own per test, and on the shared
//! Citus cluster (`CITUS_URL`) a schema of its own per test; both dropped with the test, also
//! when it fails.

#![allow(dead_code, unreachable_pub)]

pub mod shapes;

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The PostgreSQL server the tests use: `DATABASE_URL`, or the local trust-auth server.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The Citus coordinator, when `CITUS_URL` is set.
pub fn citus_url() -> Option<String> {
    std::env::var("CITUS_URL").ok().filter(|url| !url.is_empty())
}

/// A name no other test (nor another process) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Runs `sql`, statements ending in `;` at the end of a line, one statement at a time (Citus
/// refuses to propagate DDL sent as several statements in one query), panicking with the
/// statement on failure.
pub async fn run(conn: &mut PgConnection, sql: &str) {
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        let statement = statement.trim_end_matches(';');
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(statement.to_owned())).execute(&mut *conn).await {
            panic!("{statement}\nfailed: {e}");
        }
    }
}

/// A PostgreSQL database of its own for one test, dropped with it.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let name = unique("mt_citus");
        let mut admin = PgConnection::connect(&server_url()).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {} ({e}): start it, or set DATABASE_URL", server_url())
        });
        run(&mut admin, &format!("CREATE DATABASE {name}")).await;
        let url = match server_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name"),
        };
        Self { name, url }
    }

    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        blocking(async move {
            let Ok(mut admin) = PgConnection::connect(&server_url()).await else { return };
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await);
        });
    }
}

/// A schema of its own on the shared Citus cluster, dropped (with everything in it) with the test.
pub struct CitusSchema {
    pub name: String,
    pub url: String,
}

impl CitusSchema {
    /// `None` (after printing that the test skipped) when `CITUS_URL` is not set.
    pub async fn create(test: &str) -> Option<Self> {
        let Some(url) = citus_url() else {
            println!("skipped: CITUS_URL is not set (the Citus test {test} needs a Citus coordinator)");
            return None;
        };
        let name = unique("mt_plan");
        let mut conn = PgConnection::connect(&url).await.expect("connect to Citus at CITUS_URL");
        run(&mut conn, &format!("CREATE SCHEMA {name}")).await;
        Some(Self { name, url })
    }

    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to Citus")
    }

    /// `sql` with every `{s}` replaced by this schema's name.
    pub fn sql(&self, sql: &str) -> String {
        sql.replace("{s}", &self.name)
    }
}

impl Drop for CitusSchema {
    fn drop(&mut self) {
        let (name, url) = (std::mem::take(&mut self.name), std::mem::take(&mut self.url));
        blocking(async move {
            let Ok(mut conn) = PgConnection::connect(&url).await else { return };
            // A test may have made `<name>_analytics` too (see `shapes::TWO_SCHEMAS`).
            let sql = format!("DROP SCHEMA IF EXISTS {name}, {name}_analytics CASCADE");
            drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await);
        });
    }
}

/// Runs `work` to completion on a thread and runtime of its own: Drop runs inside the test's
/// runtime, maybe while panicking.
fn blocking(work: impl std::future::Future<Output = ()> + Send + 'static) {
    let done = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(work);
    });
    drop(done.join());
}
