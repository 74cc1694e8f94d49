//! Throwaway PostgreSQL databases for one test run, dropped afterwards (also on failure).

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::db::Db;

/// The server the tests use: `DATABASE_URL`, or the local trust-auth PostgreSQL.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Databases with unique names, dropped when this is dropped.
pub struct Databases {
    names: Vec<String>,
}

impl Databases {
    pub async fn create(count: usize) -> Self {
        static RUN: AtomicUsize = AtomicUsize::new(0);
        let run = RUN.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let names: Vec<String> =
            (0..count).map(|i| format!("mt_oracle_{}_{run}_{nanos}_{i}", std::process::id())).collect();
        let mut admin = PgConnection::connect(&server_url()).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {} ({e}); the oracle needs it: start it, or set DATABASE_URL",
                server_url()
            )
        });
        for name in &names {
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create database");
        }
        Self { names }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub async fn pool(&self, name: &str) -> Db {
        let url = match server_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name"),
        };
        Db::Postgres(
            PgPoolOptions::new()
                .max_connections(2)
                .connect(&url)
                .await
                .expect("connect to the test database"),
        )
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        // Drop runs inside the test's runtime, maybe while panicking: drop the databases from a
        // thread of our own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(mut admin) = PgConnection::connect(&server_url()).await else { return };
                for name in names {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await);
                }
            });
        });
        drop(dropped.join());
    }
}
