//! Throwaway databases with one schema: two stores (tenants 1 and 2) whose products reuse the
//! same ids, so a statement that misses its tenant predicate returns or changes wrong rows.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};

use multitenant::Schema;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool, SqlitePool};

pub const DDL: &str = "
    CREATE TABLE stores (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE products (
        store_id bigint NOT NULL REFERENCES stores (id),
        id bigint NOT NULL,
        name text NOT NULL,
        price_cents bigint NOT NULL,
        PRIMARY KEY (store_id, id)
    );
    INSERT INTO stores VALUES (1, 'north'), (2, 'south');
    INSERT INTO products VALUES
        (1, 1, 'north tea', 300), (1, 2, 'north cake', 450),
        (2, 1, 'south tea', 310), (2, 2, 'south cake', 460), (2, 3, 'south pie', 500);
";

pub fn schema() -> Schema {
    Schema::builder()
        .tenant_table("stores", "id")
        .tenant_table("products", "store_id")
        .build()
        .expect("valid schema")
}

/// The server the tests use: `DATABASE_URL`, or the local trust-auth PostgreSQL.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A PostgreSQL database of its own for one test, dropped with it (also when the test fails).
pub struct PgDatabase {
    pub name: String,
    pub pool: PgPool,
}

impl PgDatabase {
    pub async fn create(max_connections: u32) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("mt_sqlx_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = PgConnection::connect(&server_url()).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {} ({e}): start it, or set DATABASE_URL", server_url())
        });
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create database");
        let url = match server_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name"),
        };
        let pool =
            PgPoolOptions::new().max_connections(max_connections).connect(&url).await.expect("connect");
        sqlx::raw_sql(DDL).execute(&pool).await.expect("create the schema");
        Self { name, pool }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        // Drop runs inside the test's runtime, maybe while panicking: drop the database from a
        // thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(mut admin) = PgConnection::connect(&server_url()).await else { return };
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await);
            });
        });
        drop(dropped.join());
    }
}

/// An in-memory SQLite database with the schema, on one connection.
pub async fn sqlite() -> SqlitePool {
    let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.expect("open");
    sqlx::raw_sql(DDL).execute(&pool).await.expect("create the schema");
    pool
}

/// Every product as (store, id, name), read on the raw pool, for before/after comparisons.
pub async fn all_products_pg(pool: &PgPool) -> Vec<(i64, i64, String)> {
    sqlx::query_as("SELECT store_id, id, name FROM products ORDER BY store_id, id")
        .fetch_all(pool)
        .await
        .expect("read every product")
}

pub async fn all_products_sqlite(pool: &SqlitePool) -> Vec<(i64, i64, String)> {
    sqlx::query_as("SELECT store_id, id, name FROM products ORDER BY store_id, id")
        .fetch_all(pool)
        .await
        .expect("read every product")
}
