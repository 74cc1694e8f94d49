//! Statements checked on a real PostgreSQL beyond what the oracle compares: what a refused
//! function would leak, and (below) server-side cursors and `COPY` of a query. The data set is
//! the oracle's (three tenants whose ids repeat); the scope is tenant 2.

#[path = "common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "oracle/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "oracle/dataset.rs"]
mod dataset;
#[allow(dead_code)]
#[path = "oracle/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "oracle/postgres.rs"]
mod postgres;

use multitenant::{Dialect, Error, Output, Rewriter, Scope};
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Row};

const TENANT: i64 = 2;

/// A database holding every tenant's rows, dropped with the returned guard.
async fn all_tenants() -> (postgres::Databases, PgPool) {
    let databases = postgres::Databases::create(1).await;
    let db = databases.pool(&databases.names()[0]).await;
    db.load(&dataset::TENANTS).await;
    let db::Db::Postgres(pool) = db else { unreachable!("a PostgreSQL database") };
    (databases, pool)
}

fn rewrite(sql: &str, output: Output) -> Result<multitenant::Rewritten, Error> {
    Rewriter::new(common::schema(), Dialect::Postgres).rewrite_in(Some(&Scope::tenant(TENANT)), sql, output)
}

/// The refusal matters: on the real database, `query_to_xml` in `FROM` reads every tenant's
/// rows, which no predicate on the statement's own tables could filter.
#[tokio::test]
async fn sql_text_function_in_from_reads_every_tenant() {
    let (_databases, pool) = all_tenants().await;
    let sql = "SELECT x::text FROM query_to_xml('select company_id, title from ads', true, false, '') AS x";
    let row = sqlx::query(AssertSqlSafe(sql.to_owned())).fetch_one(&pool).await.expect("query_to_xml runs");
    let xml: String = row.try_get(0).expect("text");
    for tenant in dataset::TENANTS {
        assert!(xml.contains(&format!("<title>t{tenant} ad 1</title>")), "tenant {tenant}'s rows: {xml}");
    }
    assert!(matches!(rewrite(sql, Output::Bind), Err(Error::UnscopableFunction { .. })));
}
