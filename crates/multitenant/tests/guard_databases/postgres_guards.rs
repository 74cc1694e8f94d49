//! The guards on PostgreSQL: each tenant type (bigint, integer, text, uuid), with the plan
//! cache forced to custom plans (the parameters' values are known when the statement is
//! planned, so PostgreSQL folds what it can) and to the generic plan (planned once, values
//! unknown), one connection each, so that every statement is prepared once and executed again.

use multitenant::{Dialect, Output, Rewriter, Rewritten, Scope, TenantBinding, TenantId, TenantType};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgConnection, PgHasArrayType, PgTypeInfo, Postgres};
use sqlx::{Arguments, AssertSqlSafe, Connection, Encode, Type};
use uuid::Uuid;

use super::{Arg, Database, Row, postgres, scenario};

const PLAN_MODES: [&str; 2] = ["force_custom_plan", "force_generic_plan"];

#[tokio::test]
async fn bigint_tenants() {
    run(TenantType::BigInt, [7001_i64, 7002, 7003].map(TenantId::from)).await;
}

#[tokio::test]
async fn integer_tenants() {
    run(TenantType::Integer, [801_i32, 802, 803].map(TenantId::from)).await;
}

#[tokio::test]
async fn text_tenants() {
    run(TenantType::Text, ["acme", "globex", "o'brien"].map(TenantId::from)).await;
}

#[tokio::test]
async fn uuid_tenants() {
    let ids = [0x0b7e_5a4c_u128, 0x0b7e_5a4d, 0x0b7e_5a4e].map(|n| TenantId::from(Uuid::from_u128(n << 64)));
    run(TenantType::Uuid, ids).await;
}

/// The guard checks the value written, after the statement's own cast: `CAST($1 AS
/// varchar(2))` would write `o'` for the tenant `o'brien`, another tenant's id.
#[tokio::test]
async fn a_cast_that_makes_another_tenant_is_refused() {
    let databases = postgres::Databases::create(1).await;
    let mut db = Pg::connect(&databases, TenantType::Text).await;
    let tenants = ["o'brien", "o'", "acme"].map(TenantId::from);
    db.reset(&tenants).await;
    let rewriter = Rewriter::new(super::schema(), Dialect::Postgres);
    let scope = Scope::tenant(tenants[0].clone());
    let sql = "INSERT INTO ads (company_id, id, title) VALUES (CAST($1 AS varchar(2)), $2, $3)";
    let guarded = rewriter.rewrite_in(Some(&scope), sql, Output::Guarded).expect("accepted");
    let before = db.rows().await;
    let args = [Arg::Tenant(tenants[0].clone()), Arg::Int(9), Arg::Text("cast".into())];
    let message = db.execute(&guarded, &args).await.expect_err("refused by the guard");
    super::assert_guard_failure(&guarded, &message);
    assert_eq!(db.rows().await, before, "nothing written");
}

/// The scenario under each plan mode, on a database of its own.
async fn run(tenant_type: TenantType, tenants: [TenantId; 3]) {
    let databases = postgres::Databases::create(1).await;
    for mode in PLAN_MODES {
        let mut db = Pg::connect(&databases, tenant_type).await;
        let set = format!("SET plan_cache_mode = {mode}");
        sqlx::raw_sql(AssertSqlSafe(set)).execute(&mut db.conn).await.expect("plan mode set");
        scenario(&mut db, tenants.clone()).await;
    }
}

struct Pg {
    conn: PgConnection,
    tenant_type: TenantType,
}

impl Pg {
    async fn connect(databases: &postgres::Databases, tenant_type: TenantType) -> Self {
        let server = postgres::server_url();
        let (server, _) = server.rsplit_once('/').expect("a database URL");
        let url = format!("{server}/{}", databases.names()[0]);
        let conn = PgConnection::connect(&url).await.expect("connect to the test database");
        Self { conn, tenant_type }
    }
}

impl Database for Pg {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn reset(&mut self, tenants: &[TenantId]) {
        let rows: Vec<String> = tenants
            .iter()
            .flat_map(|t| (1..=3).map(move |id| format!("({}, {id}, 'ad {id}')", t.to_sql_literal())))
            .collect();
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS ads (company_id {} NULL, id int NOT NULL, title text NOT NULL, \
             UNIQUE (company_id, id)); DELETE FROM ads; INSERT INTO ads VALUES {}",
            self.tenant_type.name(),
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
        let sql = "SELECT company_id::text, id::bigint, title FROM ads ORDER BY 1, 2, 3";
        sqlx::query_as(sql).fetch_all(&mut self.conn).await.expect("the table reads")
    }
}

/// `args`, then the tenant (when the rewrite binds it) at the rewrite's tenant parameter.
fn arguments(rewritten: &Rewritten, args: &[Arg]) -> PgArguments {
    let mut out = PgArguments::default();
    for arg in args {
        let added = match arg {
            Arg::Tenant(tenant) => add_tenant(&mut out, tenant),
            Arg::Null(TenantType::BigInt) => out.add(None::<i64>),
            Arg::Null(TenantType::Integer) => out.add(None::<i32>),
            Arg::Null(TenantType::Text) => out.add(None::<String>),
            Arg::Null(TenantType::Uuid) => out.add(None::<PgUuid>),
            Arg::Int(v) => out.add(*v),
            Arg::Text(s) => out.add(s.clone()),
            other => panic!("unexpected argument {other:?}"),
        };
        added.expect("the argument binds");
    }
    if let Some(tenant) = rewritten.tenant_parameter() {
        assert_eq!(tenant.index(), args.len() + 1, "the tenant comes after the statement's own");
        let added = match tenant.binding() {
            TenantBinding::One(tenant) => add_tenant(&mut out, tenant),
            TenantBinding::Many(tenants, _) => add_tenant_array(&mut out, tenants),
            other => panic!("unexpected binding {other:?}"),
        };
        added.expect("the tenant binds");
    }
    out
}

fn add_tenant(out: &mut PgArguments, tenant: &TenantId) -> Result<(), BoxDynError> {
    match tenant {
        TenantId::I64(v) => out.add(*v),
        TenantId::I32(v) => out.add(*v),
        TenantId::Text(v) => out.add(v.to_string()),
        TenantId::Uuid(v) => out.add(PgUuid(*v)),
        other => panic!("unexpected tenant {other:?}"),
    }
}

fn add_tenant_array(out: &mut PgArguments, tenants: &[TenantId]) -> Result<(), BoxDynError> {
    fn each<T>(tenants: &[TenantId], f: impl Fn(&TenantId) -> Option<T>) -> Vec<T> {
        tenants.iter().map(|t| f(t).expect("tenants of one kind")).collect()
    }
    match tenants.first().map(TenantId::tenant_type) {
        Some(TenantType::BigInt) => out.add(each(tenants, |t| match t {
            TenantId::I64(v) => Some(*v),
            _ => None,
        })),
        Some(TenantType::Integer) => out.add(each(tenants, |t| match t {
            TenantId::I32(v) => Some(*v),
            _ => None,
        })),
        Some(TenantType::Text) => out.add(each(tenants, |t| Some(t.to_string()))),
        Some(TenantType::Uuid) => out.add(each(tenants, |t| match t {
            TenantId::Uuid(v) => Some(PgUuid(*v)),
            _ => None,
        })),
        other => panic!("unexpected tenants {other:?}"),
    }
}

/// A UUID as PostgreSQL's `uuid` (the workspace builds sqlx without its `uuid` feature).
#[derive(Debug, Clone, Copy)]
struct PgUuid(Uuid);

impl Type<Postgres> for PgUuid {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("uuid")
    }
}

impl PgHasArrayType for PgUuid {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("_uuid")
    }
}

impl Encode<'_, Postgres> for PgUuid {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}
