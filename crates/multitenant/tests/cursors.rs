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

use futures_util::StreamExt;
use multitenant::{Dialect, Error, Output, Rewriter, Scope};
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{AssertSqlSafe, Connection, Row};

const TENANT: i64 = 2;

/// A database holding every tenant's rows, and one holding only [`TENANT`]'s (the oracle's
/// definition of correct: the original statement there), dropped with the returned guard.
struct Databases {
    _guard: postgres::Databases,
    full: PgPool,
    restricted: PgPool,
}

async fn databases() -> Databases {
    let guard = postgres::Databases::create(2).await;
    let full = load(&guard, 0, &dataset::TENANTS).await;
    let restricted = load(&guard, 1, &[TENANT]).await;
    Databases { _guard: guard, full, restricted }
}

async fn load(databases: &postgres::Databases, index: usize, tenants: &[i64]) -> PgPool {
    let db = databases.pool(&databases.names()[index]).await;
    db.load(tenants).await;
    let db::Db::Postgres(pool) = db else { unreachable!("a PostgreSQL database") };
    pool
}

async fn all_tenants() -> (postgres::Databases, PgPool) {
    let databases = postgres::Databases::create(1).await;
    let pool = load(&databases, 0, &dataset::TENANTS).await;
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

/// The refusal matters: a statement prepared outside a tenant scope (PREPARE itself is refused
/// in one), then run with `EXECUTE` on the same connection, reads every tenant's rows; so
/// `EXECUTE` is refused in a tenant scope, and passes only unscoped.
#[tokio::test]
async fn execute_of_a_statement_prepared_unscoped_reads_every_tenant() {
    let (_databases, pool) = all_tenants().await;
    let unscoped = Rewriter::new(common::schema(), Dialect::Postgres);
    let prepare = "PREPARE ads_titles AS SELECT DISTINCT company_id FROM ads ORDER BY company_id";
    let prepared =
        unscoped.rewrite_in(Some(&Scope::Unscoped), prepare, Output::Inline).expect("passes unscoped");
    let mut conn = pool.acquire().await.expect("a connection");
    sqlx::raw_sql(AssertSqlSafe(prepared.sql().to_owned())).execute(&mut *conn).await.expect("PREPARE runs");
    let rows = sqlx::raw_sql("EXECUTE ads_titles").fetch_all(&mut *conn).await.expect("EXECUTE runs");
    let tenants: Vec<i64> = rows.iter().map(|row| row.try_get(0).expect("bigint")).collect();
    assert_eq!(tenants, dataset::TENANTS, "EXECUTE read every tenant's rows");
    assert!(matches!(rewrite("EXECUTE ads_titles", Output::Bind), Err(Error::Unverifiable { .. })));
    assert!(matches!(rewrite(prepare, Output::Bind), Err(Error::Unsupported { .. })));
}

// ---------------------------------------------------------------------------------------------
// Server-side cursors and COPY of a query.

/// A read over joins and a subquery, with ids that repeat across tenants.
const READ: &str = "SELECT format('%s %s %s %s', a.company_id, a.id, a.title, c.name) FROM ads a \
     JOIN campaigns c ON c.id = a.campaign_id WHERE a.id IN (SELECT ad_id FROM \"Visits\") OR a.clicks > $1";

/// Declares cursor `c` with `declare` (binding `own` and, when the rewrite has one, the
/// tenant), fetches it two rows at a time as Django's `.iterator()` and psycopg's named
/// cursors do, and closes it, all inside one transaction.
async fn through_cursor(conn: &mut PgConnection, declare: &str, tenant: Option<i64>) -> Vec<String> {
    let mut tx = conn.begin().await.expect("begin");
    let mut declared = sqlx::query(AssertSqlSafe(declare.to_owned())).bind(24_i64);
    if let Some(tenant) = tenant {
        declared = declared.bind(tenant);
    }
    declared.execute(&mut *tx).await.expect("DECLARE runs");
    let fetch = rewrite("FETCH FORWARD 2 FROM c", Output::Bind).expect("FETCH passes");
    let mut rows = Vec::new();
    loop {
        let batch =
            sqlx::query(AssertSqlSafe(fetch.sql().to_owned())).fetch_all(&mut *tx).await.expect("FETCH");
        if batch.is_empty() {
            break;
        }
        rows.extend(batch.iter().map(|row| row.try_get::<String, _>(0).expect("text")));
    }
    let close = rewrite("CLOSE c", Output::Bind).expect("CLOSE passes");
    sqlx::query(AssertSqlSafe(close.sql().to_owned())).execute(&mut *tx).await.expect("CLOSE");
    tx.rollback().await.expect("rollback");
    rows.sort();
    rows
}

#[tokio::test]
async fn declared_cursor_fetches_only_the_tenants_rows() {
    let dbs = databases().await;
    let declare = format!("DECLARE c NO SCROLL CURSOR FOR {READ}");
    let rewritten = rewrite(&declare, Output::Bind).expect("DECLARE is scoped");
    assert_eq!(rewritten.tenant_parameter().map(|p| p.index()), Some(2), "{}", rewritten.sql());
    let mut full = dbs.full.acquire().await.expect("connection");
    let mut restricted = dbs.restricted.acquire().await.expect("connection");

    let got = through_cursor(&mut full, rewritten.sql(), Some(TENANT)).await;
    let want = through_cursor(&mut restricted, &declare, None).await;
    assert_eq!(got, want, "rewritten: {}", rewritten.sql());
    assert!(!want.is_empty() && want.iter().all(|row| row.starts_with("2 ")), "{want:?}");
    let unscoped = through_cursor(&mut full, &declare, None).await;
    assert_ne!(unscoped, want, "the data set must tell a cursor over every tenant apart");
}

/// Runs `COPY ... TO STDOUT` and returns its lines, sorted.
async fn copy_out(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    let mut stream = conn.copy_out_raw(sql).await.expect("COPY runs");
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("COPY data"));
    }
    let mut lines: Vec<String> = String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn copy_of_a_query_returns_only_the_tenants_rows() {
    let dbs = databases().await;
    let copy = "COPY (SELECT a.company_id, a.id, a.title, c.name FROM ads a JOIN campaigns c ON c.id = a.campaign_id \
                WHERE a.id IN (SELECT ad_id FROM \"Visits\") OR a.clicks > 24) TO STDOUT WITH (FORMAT csv)";
    assert!(
        matches!(rewrite(copy, Output::Bind), Err(Error::Unsupported { .. })),
        "COPY cannot bind the tenant"
    );
    let rewritten = rewrite(copy, Output::Inline).expect("COPY (query) is scoped");
    let mut full = dbs.full.acquire().await.expect("connection");
    let mut restricted = dbs.restricted.acquire().await.expect("connection");

    let got = copy_out(&mut full, rewritten.sql()).await;
    let want = copy_out(&mut restricted, copy).await;
    assert_eq!(got, want, "rewritten: {}", rewritten.sql());
    assert!(!want.is_empty() && want.iter().all(|line| line.starts_with("2,")), "{want:?}");
    assert_ne!(copy_out(&mut full, copy).await, want, "the data set must tell a copy of every tenant apart");
}

#[tokio::test]
async fn copy_of_a_delete_changes_only_the_tenants_rows() {
    let dbs = databases().await;
    let copy = "COPY (DELETE FROM ads WHERE id = 1 RETURNING company_id, id) TO STDOUT";
    let rewritten = rewrite(copy, Output::Inline).expect("COPY (DELETE ...) is scoped");
    let mut tx = dbs.full.begin().await.expect("begin");
    assert_eq!(copy_out(&mut tx, rewritten.sql()).await, [format!("{TENANT}\t1")]);
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ads WHERE id = 1").fetch_one(&mut *tx).await.expect("count");
    assert_eq!(left, 2, "the other tenants' ad 1 is still there");
    tx.rollback().await.expect("rollback");
}
