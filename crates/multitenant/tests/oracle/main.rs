//! The oracle: every statement of `corpus.sql`, rewritten and run on real PostgreSQL and
//! SQLite databases holding all tenants, against the original on databases holding only the
//! scope's tenants. See `check.rs` for the exact comparison.

mod check;
mod comments;
#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod dataset;
mod db;
mod postgres;

use std::collections::BTreeMap;

use multitenant::{Dialect, Rewriter};
use sqlx::sqlite::SqlitePoolOptions;

use check::{Oracle, Proof};
use corpus::{Entry, ScopeSpec};
use db::Db;

const CORPUS: &str = include_str!("corpus.sql");

/// The tenant sets the corpus restricts databases to: each tenant alone (for unscoped
/// entries), and every scope the corpus uses.
fn restricted_sets(entries: &[Entry]) -> Vec<Vec<i64>> {
    let mut sets: Vec<Vec<i64>> = dataset::TENANTS.iter().map(|t| vec![*t]).collect();
    for entry in entries {
        if let ScopeSpec::Tenants(tenants) = &entry.scope {
            let mut tenants = tenants.clone();
            tenants.sort_unstable();
            if !sets.contains(&tenants) {
                sets.push(tenants);
            }
        }
    }
    sets
}

fn entries(dialect: Dialect) -> Vec<Entry> {
    corpus::parse(CORPUS).into_iter().filter(|e| e.dialects.contains(&dialect)).collect()
}

/// Runs every entry and panics with all failures together.
async fn verify(oracle: &Oracle, entries: &[Entry], minimum: usize) {
    assert!(entries.len() >= minimum, "the corpus has {} entries, fewer than {minimum}", entries.len());
    let (mut discriminating, mut insensitive, mut refused, mut failures) = (0, 0, 0, Vec::new());
    for entry in entries {
        match oracle.check(entry).await {
            Ok(Proof::Discriminating) => discriminating += 1,
            Ok(Proof::Insensitive) => insensitive += 1,
            Ok(Proof::Refused) => refused += 1,
            Err(problem) => failures.push(format!("  {}: {}\n      {problem}", entry.name, entry.sql)),
        }
    }
    println!(
        "oracle ({:?}): {} entries: {discriminating} scoped and discriminating, {insensitive} insensitive, \
         {refused} refused as required, {} failed",
        oracle.full.dialect(),
        entries.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} corpus entries failed:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn postgres_oracle() {
    let entries = entries(Dialect::Postgres);
    let databases = postgres::Databases::create(1 + restricted_sets(&entries).len()).await;
    let mut names = databases.names().iter();
    let full = databases.pool(names.next().expect("a database")).await;
    full.load(&dataset::TENANTS).await;
    let mut restricted = BTreeMap::new();
    for tenants in restricted_sets(&entries) {
        let db = databases.pool(names.next().expect("a database")).await;
        db.load(&tenants).await;
        restricted.insert(tenants, db);
    }
    let before = full.snapshot().await;
    let oracle =
        Oracle { full, restricted, rewriter: Rewriter::new(common::schema(), Dialect::Postgres), before };
    verify(&oracle, &entries, 80).await;
}

#[tokio::test]
async fn sqlite_oracle() {
    let entries = entries(Dialect::Sqlite);
    let memory = || async {
        let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await;
        Db::Sqlite(pool.expect("in-memory SQLite opens"))
    };
    let full = memory().await;
    full.load(&dataset::TENANTS).await;
    let mut restricted = BTreeMap::new();
    for tenants in restricted_sets(&entries) {
        let db = memory().await;
        db.load(&tenants).await;
        restricted.insert(tenants, db);
    }
    let before = full.snapshot().await;
    let oracle =
        Oracle { full, restricted, rewriter: Rewriter::new(common::schema(), Dialect::Sqlite), before };
    verify(&oracle, &entries, 60).await;
}
