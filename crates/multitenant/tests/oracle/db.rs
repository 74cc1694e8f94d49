//! Running a statement on a real database, inside a transaction that is rolled back, and
//! reading back what it returned and what the tables hold afterwards.

use std::collections::BTreeMap;

use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, Row, Type, TypeInfo, ValueRef};

use super::corpus::Param;
use super::dataset;
use multitenant::Dialect;

/// What to bind for the tenant parameter.
#[derive(Debug, Clone)]
pub enum TenantArg {
    One(i64),
    Many(Vec<i64>),
}

/// Rows of every table: name -> (tenant, row text), sorted.
pub type Snapshot = BTreeMap<String, Vec<(Option<String>, String)>>;

/// What a statement did: the rows it returned (or its error), and the tables after it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub rows: Result<Vec<String>, String>,
    pub tables: Snapshot,
}

/// One database of the oracle.
pub enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Postgres(_) => Dialect::Postgres,
            Self::Sqlite(_) => Dialect::Sqlite,
        }
    }

    pub async fn load(&self, tenants: &[i64]) {
        let sql =
            format!("{}{}", dataset::ddl(self.dialect(), tenants), dataset::data(self.dialect(), tenants));
        let loaded = match self {
            Self::Postgres(pool) => sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await.map(drop),
            Self::Sqlite(pool) => sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await.map(drop),
        };
        loaded.expect("the data set loads");
    }

    /// Runs `sql` in a transaction, reads the tables, rolls back.
    pub async fn run(
        &self,
        sql: &str,
        params: &[Param],
        tenant: Option<&TenantArg>,
        script: bool,
    ) -> Outcome {
        match self {
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                let rows = if script {
                    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                        .fetch_all(&mut *tx)
                        .await
                        .map(|rows| rows.iter().map(pg_row).collect())
                } else {
                    let args = pg_args(params, tenant);
                    sqlx::query_with(AssertSqlSafe(sql.to_owned()), args)
                        .fetch_all(&mut *tx)
                        .await
                        .map(|rows| rows.iter().map(pg_row).collect())
                };
                let rows = rows.map_err(|e| e.to_string());
                if rows.is_err() {
                    drop(tx.rollback().await);
                    return Outcome { rows, tables: self.snapshot().await };
                }
                let tables = pg_snapshot(&mut tx).await;
                tx.rollback().await.expect("rollback");
                Outcome { rows, tables }
            }
            Self::Sqlite(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                let rows = if script {
                    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                        .fetch_all(&mut *tx)
                        .await
                        .map(|rows| rows.iter().map(sqlite_row).collect())
                } else {
                    let args = sqlite_args(params, tenant);
                    sqlx::query_with(AssertSqlSafe(sql.to_owned()), args)
                        .fetch_all(&mut *tx)
                        .await
                        .map(|rows| rows.iter().map(sqlite_row).collect())
                };
                let rows = rows.map_err(|e| e.to_string());
                let tables = sqlite_snapshot(&mut tx).await;
                tx.rollback().await.expect("rollback");
                Outcome { rows, tables }
            }
        }
    }

    /// The tables as they are now.
    pub async fn snapshot(&self) -> Snapshot {
        match self {
            Self::Postgres(pool) => {
                let mut conn = pool.acquire().await.expect("connection");
                pg_snapshot(&mut conn).await
            }
            Self::Sqlite(pool) => {
                let mut conn = pool.acquire().await.expect("connection");
                sqlite_snapshot(&mut conn).await
            }
        }
    }
}

/// The statement's own parameters, then the tenant; several tenants as `many` binds them.
fn arguments<A>(params: &[Param], tenant: Option<&TenantArg>, many: impl FnOnce(&mut A, &[i64])) -> A
where
    A: Arguments,
    for<'t> i64: Encode<'t, A::Database> + Type<A::Database>,
    for<'t> Option<i64>: Encode<'t, A::Database> + Type<A::Database>,
    for<'t> String: Encode<'t, A::Database> + Type<A::Database>,
{
    let mut args = A::default();
    for param in params {
        match param {
            Param::Int(v) => args.add(*v),
            Param::Text(s) => args.add(s.clone()),
            Param::Null => args.add(None::<i64>),
        }
        .expect("parameter binds");
    }
    match tenant {
        Some(TenantArg::One(t)) => args.add(*t).expect("tenant binds"),
        Some(TenantArg::Many(ts)) => many(&mut args, ts),
        None => {}
    }
    args
}

fn pg_args(params: &[Param], tenant: Option<&TenantArg>) -> PgArguments {
    arguments(params, tenant, |args: &mut PgArguments, ts| args.add(ts.to_vec()).expect("tenants bind"))
}

/// SQLite takes several tenants as a JSON array in text.
fn sqlite_args(params: &[Param], tenant: Option<&TenantArg>) -> SqliteArguments {
    arguments(params, tenant, |args: &mut SqliteArguments, ts| {
        let json = format!("[{}]", ts.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
        args.add(json).expect("tenants bind")
    })
}

/// A row as text, column by column, with `value` rendering each column.
fn row_text<R: Row>(row: &R, value: fn(&R, usize) -> String) -> String {
    (0..row.columns().len()).map(|i| value(row, i)).collect::<Vec<_>>().join(" | ")
}

fn pg_row(row: &PgRow) -> String {
    row_text(row, pg_value)
}

fn pg_value(row: &PgRow, i: usize) -> String {
    let raw = row.try_get_raw(i).expect("column exists");
    if raw.is_null() {
        return "NULL".to_owned();
    }
    let type_name = raw.type_info().name().to_owned();
    let decoded = match type_name.as_str() {
        "INT8" => row.try_get::<i64, _>(i).map(|v| v.to_string()),
        "INT4" => row.try_get::<i32, _>(i).map(|v| v.to_string()),
        "INT2" => row.try_get::<i16, _>(i).map(|v| v.to_string()),
        "TEXT" | "VARCHAR" | "NAME" => row.try_get::<String, _>(i),
        "BOOL" => row.try_get::<bool, _>(i).map(|v| v.to_string()),
        _ => Ok(format!("{type_name}:{:02x?}", raw.as_bytes().unwrap_or_default())),
    };
    decoded.expect("value decodes")
}

fn sqlite_row(row: &SqliteRow) -> String {
    row_text(row, sqlite_value)
}

fn sqlite_value(row: &SqliteRow, i: usize) -> String {
    let raw = row.try_get_raw(i).expect("column exists");
    if raw.is_null() {
        return "NULL".to_owned();
    }
    let storage = raw.type_info().name().to_owned();
    let decoded = match storage.as_str() {
        "INTEGER" => row.try_get::<i64, _>(i).map(|v| v.to_string()),
        "REAL" => row.try_get::<f64, _>(i).map(|v| v.to_string()),
        "TEXT" => row.try_get::<String, _>(i),
        _ => row.try_get::<Vec<u8>, _>(i).map(|v| format!("{v:02x?}")),
    };
    decoded.expect("value decodes")
}

async fn pg_snapshot(conn: &mut sqlx::PgConnection) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for (table, tenant_first) in dataset::tables(Dialect::Postgres) {
        let sql = format!("SELECT * FROM {table}");
        let rows = conn.fetch_all(AssertSqlSafe(sql)).await.expect("table reads");
        let rows = rows.iter().map(|r| (tenant_first.then(|| pg_value(r, 0)), pg_row(r))).collect();
        snapshot.insert(table.to_owned(), sorted_pairs(rows));
    }
    snapshot
}

async fn sqlite_snapshot(conn: &mut sqlx::SqliteConnection) -> Snapshot {
    let mut snapshot = Snapshot::new();
    for (table, tenant_first) in dataset::tables(Dialect::Sqlite) {
        let sql = format!("SELECT * FROM {table}");
        let rows = conn.fetch_all(AssertSqlSafe(sql)).await.expect("table reads");
        let rows = rows.iter().map(|r| (tenant_first.then(|| sqlite_value(r, 0)), sqlite_row(r))).collect();
        snapshot.insert(table.to_owned(), sorted_pairs(rows));
    }
    snapshot
}

fn sorted_pairs(mut rows: Vec<(Option<String>, String)>) -> Vec<(Option<String>, String)> {
    rows.sort();
    rows
}
