//! Throwaway PostgreSQL databases, one per test, for both test support modules (`common`,
//! `support`): the servers the tests use, and a database dropped with its test.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

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

/// A database of its own on the server at `server` (a URL naming some database), dropped with
/// the test, also when it fails.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    server: String,
}

impl TestDatabase {
    pub async fn create(server: &str) -> Self {
        let name = unique("mt_seaorm");
        let admin = Database::connect(server).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {server} ({e}): start it, or set DATABASE_URL")
        });
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create the database");
        admin.close().await.expect("close");
        let url = match server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("the server URL has no database name"),
        };
        Self { name, url, server: server.to_owned() }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (name, server) = (std::mem::take(&mut self.name), self.server.clone());
        let done = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let Ok(admin) = Database::connect(&server).await else { return };
                drop(admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await);
                drop(admin.close().await);
            });
        });
        drop(done.join());
    }
}
