//! The guards on SQLite (the bundled library), with integer and text tenants, on an in-memory
//! database of one connection, so that every statement is prepared once and executed again.

use multitenant::{Dialect, Rewritten, TenantBinding, TenantId, TenantType};
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, Connection};

use super::{Arg, Database, Row, scenario};

#[tokio::test]
async fn integer_tenants() {
    run(TenantType::BigInt, [7001_i64, 7002, 7003].map(TenantId::from)).await;
}

#[tokio::test]
async fn text_tenants() {
    run(TenantType::Text, ["acme", "globex", "o'brien"].map(TenantId::from)).await;
}

async fn run(tenant_type: TenantType, tenants: [TenantId; 3]) {
    let conn = SqliteConnection::connect("sqlite::memory:").await.expect("an in-memory database");
    scenario(&mut Sqlite { conn, tenant_type }, tenants).await;
}

struct Sqlite {
    conn: SqliteConnection,
    tenant_type: TenantType,
}

impl Database for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn reset(&mut self, tenants: &[TenantId]) {
        let column_type = match self.tenant_type {
            TenantType::Text => "TEXT",
            _ => "INTEGER",
        };
        let rows: Vec<String> = tenants
            .iter()
            .flat_map(|t| (1..=3).map(move |id| format!("({}, {id}, 'ad {id}')", t.to_sql_literal())))
            .collect();
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS ads (company_id {column_type}, id INTEGER NOT NULL, title TEXT NOT NULL, \
             UNIQUE (company_id, id)); DELETE FROM ads; INSERT INTO ads VALUES {}",
            rows.join(", ")
        );
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut self.conn).await.expect("the table is reset");
    }

    async fn execute(&mut self, rewritten: &Rewritten, args: &[Arg]) -> Result<u64, String> {
        let query = sqlx::query_with(AssertSqlSafe(rewritten.sql().to_owned()), arguments(rewritten, args));
        match query.execute(&mut self.conn).await {
            Ok(done) => Ok(done.rows_affected()),
            Err(error) => {
                Err(error.as_database_error().map_or_else(|| error.to_string(), |e| e.message().to_owned()))
            }
        }
    }

    async fn rows(&mut self) -> Vec<Row> {
        let sql = "SELECT CAST(company_id AS TEXT), id, title FROM ads ORDER BY 1, 2, 3";
        sqlx::query_as(sql).fetch_all(&mut self.conn).await.expect("the table reads")
    }
}

/// `args`, then the tenant (when the rewrite binds it) at the rewrite's tenant parameter:
/// several tenants as the text of a JSON array.
fn arguments(rewritten: &Rewritten, args: &[Arg]) -> SqliteArguments {
    let mut out = SqliteArguments::default();
    for arg in args {
        let added = match arg {
            Arg::Tenant(tenant) => add_tenant(&mut out, tenant),
            Arg::Null(TenantType::Text) => out.add(None::<String>),
            Arg::Null(_) => out.add(None::<i64>),
            Arg::Int(v) => out.add(i64::from(*v)),
            Arg::Text(s) => out.add(s.clone()),
        };
        added.expect("the argument binds");
    }
    if let Some(tenant) = rewritten.tenant_parameter() {
        assert_eq!(tenant.index(), args.len() + 1, "the tenant comes after the statement's own");
        let added = match tenant.binding() {
            TenantBinding::One(tenant) => add_tenant(&mut out, tenant),
            TenantBinding::Many(tenants, _) => out.add(TenantBinding::json_array(tenants)),
            other => panic!("unexpected binding {other:?}"),
        };
        added.expect("the tenant binds");
    }
    out
}

fn add_tenant(out: &mut SqliteArguments, tenant: &TenantId) -> Result<(), BoxDynError> {
    match tenant {
        TenantId::I64(v) => out.add(*v),
        TenantId::Text(v) => out.add(v.to_string()),
        other => panic!("unexpected tenant {other:?}"),
    }
}
