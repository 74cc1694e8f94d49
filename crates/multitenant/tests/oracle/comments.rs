//! Comment tricks on real databases: no comment, nested or not, may make PostgreSQL or SQLite
//! run a statement the rewriter did not see, whether the rewriter printed the statement again
//! (it changed) or returned it as written (it did not).
//!
//! Each trick hides `DELETE FROM ads` where one reading of the text sees a comment (or where
//! sqlparser used to stop reading) and another sees a statement. The rewriter's output for
//! tenant 2 (and for no tenant) is run as a script, in a transaction, on a database holding
//! every tenant: every other tenant's rows must be as they were. The database may refuse the
//! output (SQLite reads `E'..'` as a column `E` and a string, as sqlparser does): SQLite has run
//! the statements before the error, so they are checked like any others; PostgreSQL runs a
//! script in one implicit transaction and undoes all of it on an error. The same texts run as
//! written show that the check can fail: many of them, unrewritten, delete other tenants' rows,
//! the `END` ones included, which the rewriter used to return as written.

use multitenant::{Output, Rewriter, Scope};
use sqlx::sqlite::SqlitePoolOptions;

use super::common;
use super::dataset;
use super::db::{Db, Snapshot};
use super::postgres;

/// The tenant the scoped runs are for.
const TENANT: i64 = 2;

/// Texts whose statements a database and a tokenizer that disagreed on comments would split
/// differently. The rewriter must refuse them or produce SQL the database runs as it was seen.
const TRICKS: &[&str] = &[
    // PostgreSQL nests block comments, SQLite does not.
    "SELECT 1 /* /* */ ; DELETE FROM ads; /* */ */",
    "SELECT * FROM ads /* /* */ ; DELETE FROM ads; /* */ */",
    "SELECT * FROM geo /* /* */ ; DELETE FROM ads; /* */ */",
    "SELECT * FROM ads WHERE id = 1 /* a /* b */ ; DELETE FROM ads; -- */",
    "SELECT * FROM geo /* a /* b */ ; DELETE FROM ads; -- */",
    "SELECT 1 /*/ ; DELETE FROM ads; /*/",
    "SELECT 1 /* */ */ ; DELETE FROM ads",
    // A carriage return ends a `--` comment on PostgreSQL, not on SQLite.
    "SELECT 1 -- a\r; DELETE FROM ads",
    "SELECT * FROM ads -- a\r; DELETE FROM ads",
    "SELECT 1 -- a\x0b; DELETE FROM ads",
    "SELECT 1 -- a\u{2028}; DELETE FROM ads",
    // Comment markers inside comments, strings and quoted names.
    "SELECT 1 --/*\n; DELETE FROM ads; -- */",
    "SELECT * FROM ads /* -- */ ; DELETE FROM ads",
    "SELECT '/*' FROM ads; DELETE FROM ads; SELECT '*/'",
    "SELECT '--' FROM geo; DELETE FROM ads",
    "SELECT \"/*\" FROM (SELECT 1 AS \"/*\") t; DELETE FROM ads; SELECT 1 AS \"*/\"",
    "SELECT E'\\'/*' FROM geo; DELETE FROM ads; -- */",
    "SELECT '\\'; DELETE FROM ads; -- '",
    "SELECT $$/*$$ FROM geo; DELETE FROM ads; SELECT $$*/$$",
    "SELECT 1 */* x */ 2; DELETE FROM ads",
    "SELECT 1 --\n; DELETE FROM ads",
    // sqlparser's `parse_sql` stopped at `END` after a statement and dropped the rest; both
    // databases read `END` as a column alias.
    "SELECT 1 END; DELETE FROM ads",
    "SELECT 1 END /* x */; DELETE FROM ads",
    "SELECT id END FROM ads; DELETE FROM ads",
    "SELECT (SELECT count(*) FROM ads) END; DELETE FROM ads",
];

/// What running a text did.
#[derive(Debug, PartialEq)]
enum Effect {
    /// The database refused it.
    Failed,
    /// It ran and left other tenants' rows alone.
    Contained,
    /// It ran and changed rows outside the scope.
    Escaped,
}

/// The rows outside the scope: all of them without a tenant, otherwise every row whose tenant
/// column is not the tenant's (reference tables included).
fn outside(snapshot: &Snapshot, tenant: Option<i64>) -> Vec<(String, String)> {
    let own = tenant.map(|t| t.to_string());
    let mut rows = Vec::new();
    for (table, table_rows) in snapshot {
        for (row_tenant, row) in table_rows {
            if own.is_none() || row_tenant.as_ref() != own.as_ref() {
                rows.push((table.clone(), row.clone()));
            }
        }
    }
    rows
}

async fn effect(db: &Db, before: &Snapshot, sql: &str, tenant: Option<i64>) -> Effect {
    let outcome = db.run(sql, &[], None, true).await;
    if outside(&outcome.tables, tenant) != outside(before, tenant) {
        return Effect::Escaped;
    }
    match outcome.rows {
        Ok(_) => Effect::Contained,
        Err(_) => Effect::Failed,
    }
}

/// Runs every trick rewritten, for tenant 2 and for no tenant, and as written; panics with
/// every trick whose rewrite escaped or that the database read differently.
async fn verify(db: &Db) {
    let dialect = db.dialect();
    let rewriter = Rewriter::new(common::schema(), dialect);
    let before = db.snapshot().await;
    let (mut escaped, mut escaping_as_written, mut refused, mut failed) = (Vec::new(), 0, 0, 0);
    for trick in TRICKS {
        let as_written = effect(db, &before, trick, Some(TENANT)).await;
        if trick.contains(" END") {
            assert_eq!(as_written, Effect::Escaped, "{trick:?} run as written must show the hole it pins");
        }
        if as_written == Effect::Escaped {
            escaping_as_written += 1;
        }
        for tenant in [Some(TENANT), None] {
            let scope = tenant.map(Scope::tenant);
            let Ok(rewritten) = rewriter.rewrite_in(scope.as_ref(), trick, Output::Inline) else {
                refused += 1;
                continue;
            };
            match effect(db, &before, rewritten.sql(), tenant).await {
                Effect::Contained => {}
                Effect::Failed => failed += 1,
                Effect::Escaped => {
                    escaped.push(format!("  {trick:?} (tenant {tenant:?}) ran as {:?}", rewritten.sql()))
                }
            }
        }
    }
    println!(
        "comment tricks ({dialect:?}): {} texts, {escaping_as_written} escape when run as written; of {} \
         rewrites {refused} refused, {failed} refused by the database, {} escaped",
        TRICKS.len(),
        2 * TRICKS.len(),
        escaped.len()
    );
    assert!(escaped.is_empty(), "{} comment tricks got through:\n{}", escaped.len(), escaped.join("\n"));
}

#[tokio::test]
async fn comment_tricks_postgres() {
    let databases = postgres::Databases::create(1).await;
    let db = databases.pool(&databases.names()[0]).await;
    db.load(&dataset::TENANTS).await;
    verify(&db).await;
}

#[tokio::test]
async fn comment_tricks_sqlite() {
    let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await;
    let db = Db::Sqlite(pool.expect("in-memory SQLite opens"));
    db.load(&dataset::TENANTS).await;
    verify(&db).await;
}
