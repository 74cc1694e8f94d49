//! The oracle: every statement of `corpus.sql`, and of the ORM corpus (`orm.rs`), rewritten
//! and run on real PostgreSQL and SQLite databases holding all tenants, against the original
//! on databases holding only the scope's tenants. See `check.rs` for the exact comparison.

mod check;
mod comments;
#[path = "../common/mod.rs"]
mod common;
mod corpus;
mod dataset;
mod db;
mod orm;
mod postgres;

use std::collections::BTreeMap;

use multitenant::{Dialect, Rewriter};
use sqlx::sqlite::SqlitePoolOptions;

use check::{Oracle, Proof};
use corpus::{Entry, ScopeSpec};
use db::Db;

const CORPUS: &str = include_str!("corpus.sql");

/// The entries of one corpus, with the fewest it must have (a guard against entries silently
/// lost).
struct Corpus {
    name: &'static str,
    entries: Vec<Entry>,
    minimum: usize,
    /// Entries not run: they wait for fixes of the core (see `orm::PENDING_CORE_FIXES`).
    pending: Vec<String>,
}

/// The tenant sets the corpora restrict databases to: each tenant alone (for unscoped
/// entries), and every scope they use.
fn restricted_sets(corpora: &[Corpus]) -> Vec<Vec<i64>> {
    let mut sets: Vec<Vec<i64>> = dataset::TENANTS.iter().map(|t| vec![*t]).collect();
    for entry in corpora.iter().flat_map(|c| &c.entries) {
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

/// `corpus.sql` and the ORM corpus, for `dialect`.
fn corpora(dialect: Dialect, corpus_minimum: usize, orm_minimum: usize) -> Vec<Corpus> {
    let entries = corpus::parse(CORPUS).into_iter().filter(|e| e.dialects.contains(&dialect)).collect();
    let (orm_entries, pending) = orm::entries(dialect);
    vec![
        Corpus { name: "corpus", entries, minimum: corpus_minimum, pending: Vec::new() },
        Corpus { name: "orm", entries: orm_entries, minimum: orm_minimum, pending },
    ]
}

/// Runs every entry of every corpus, prints a line per corpus, and panics with all failures
/// together.
async fn verify(oracle: &Oracle, corpora: &[Corpus]) {
    let mut failures = Vec::new();
    for corpus in corpora {
        failures.extend(verify_corpus(oracle, corpus).await);
    }
    assert!(failures.is_empty(), "{} entries failed:\n{}", failures.len(), failures.join("\n"));
}

async fn verify_corpus(oracle: &Oracle, corpus: &Corpus) -> Vec<String> {
    let (entries, minimum) = (&corpus.entries, corpus.minimum);
    assert!(entries.len() >= minimum, "{} has {} entries, fewer than {minimum}", corpus.name, entries.len());
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
        "oracle ({:?}) {}: {} entries: {discriminating} scoped and discriminating, {insensitive} insensitive, \
         {refused} refused as required, {} failed{}",
        oracle.full.dialect(),
        corpus.name,
        entries.len(),
        failures.len(),
        match corpus.pending.as_slice() {
            [] => String::new(),
            pending => format!("; {} not run, pending core fixes: {}", pending.len(), pending.join(", ")),
        }
    );
    failures
}

#[tokio::test]
async fn postgres_oracle() {
    let corpora = corpora(Dialect::Postgres, 80, 50);
    let databases = postgres::Databases::create(1 + restricted_sets(&corpora).len()).await;
    let mut names = databases.names().iter();
    let full = databases.pool(names.next().expect("a database")).await;
    full.load(&dataset::TENANTS).await;
    let mut restricted = BTreeMap::new();
    for tenants in restricted_sets(&corpora) {
        let db = databases.pool(names.next().expect("a database")).await;
        db.load(&tenants).await;
        restricted.insert(tenants, db);
    }
    let before = full.snapshot().await;
    let oracle =
        Oracle { full, restricted, rewriter: Rewriter::new(common::schema(), Dialect::Postgres), before };
    verify(&oracle, &corpora).await;
}

#[tokio::test]
async fn sqlite_oracle() {
    let corpora = corpora(Dialect::Sqlite, 60, 50);
    let memory = || async {
        let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await;
        Db::Sqlite(pool.expect("in-memory SQLite opens"))
    };
    let full = memory().await;
    full.load(&dataset::TENANTS).await;
    let mut restricted = BTreeMap::new();
    for tenants in restricted_sets(&corpora) {
        let db = memory().await;
        db.load(&tenants).await;
        restricted.insert(tenants, db);
    }
    let before = full.snapshot().await;
    let oracle =
        Oracle { full, restricted, rewriter: Rewriter::new(common::schema(), Dialect::Sqlite), before };
    verify(&oracle, &corpora).await;
}
