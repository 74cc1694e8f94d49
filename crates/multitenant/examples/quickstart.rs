//! Quickstart: two tenants in one in-memory SQLite database, no server needed.
//!
//! ```text
//! cargo run -p multitenant --example quickstart
//! ```
//!
//! Both tenants' ads live in one `ads` table, told apart by `company_id`, and their ids repeat
//! (each tenant has an ad 1 and an ad 2). The service writes its SQL without the tenant
//! column; the rewriter adds it from the tenant set with `multitenant::with_tenant`, and
//! refuses the statement when no tenant is set.

use anyhow::{Context, ensure};
use multitenant::{Dialect, Rewriter, Rewritten, Schema, TenantBinding, TenantId};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection};
use sqlx::{Arguments, AssertSqlSafe, Connection, Encode, Row, Type};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/multitenant.toml");

/// Creates the tables and the ads of two tenants. This is setup, run as the database owner
/// would run a migration: it names the tenant column itself and does not go through the
/// rewriter.
const SETUP: &str = "
    CREATE TABLE companies (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE ads (
        company_id INTEGER NOT NULL REFERENCES companies (id),
        id INTEGER NOT NULL,
        title TEXT NOT NULL,
        PRIMARY KEY (company_id, id)
    );
    INSERT INTO companies (id, name) VALUES (1, 'Acme'), (2, 'Globex');
    INSERT INTO ads (company_id, id, title) VALUES
        (1, 1, 'Acme: anvils'), (1, 2, 'Acme: rockets'),
        (2, 1, 'Globex: lamps'), (2, 2, 'Globex: kettles');
";

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // One connection: every connection to `sqlite::memory:` is a database of its own.
    let mut db = SqliteConnection::connect("sqlite::memory:").await?;
    sqlx::raw_sql(SETUP).execute(&mut db).await?;

    let schema = Schema::from_toml_file(SCHEMA).context("loading examples/multitenant.toml")?;
    let rewriter = Rewriter::new(schema, Dialect::Sqlite);

    multitenant::with_tenant(1_i64, async {
        println!("tenant 1 adds an ad, naming no tenant:");
        let insert = rewriter.rewrite("INSERT INTO ads (id, title) VALUES (?1, ?2)")?;
        let mut args = SqliteArguments::default();
        push(&mut args, 3_i64)?;
        push(&mut args, "Acme: magnets")?;
        scoped_query(&insert, args)?.execute(&mut db).await?;

        println!("tenant 1 lists its ads:");
        list_ads(&mut db, &rewriter, 1).await
    })
    .await?;

    multitenant::with_tenant(2_i64, async {
        println!("tenant 2 runs the same SELECT and sees only its own ads:");
        list_ads(&mut db, &rewriter, 2).await
    })
    .await?;

    println!("no tenant set:");
    match rewriter.rewrite("SELECT id, title FROM ads") {
        Err(refusal) => println!("  refused: {refusal}"),
        Ok(rewritten) => anyhow::bail!("ran without a tenant: {}", rewritten.sql()),
    }
    Ok(())
}

/// Lists the ads the current tenant sees, checking that each belongs to `tenant`.
async fn list_ads(db: &mut SqliteConnection, rewriter: &Rewriter, tenant: i64) -> anyhow::Result<()> {
    let select = rewriter.rewrite("SELECT company_id, id, title FROM ads WHERE id >= ?1 ORDER BY id")?;
    let mut args = SqliteArguments::default();
    push(&mut args, 1_i64)?;
    for row in scoped_query(&select, args)?.fetch_all(db).await? {
        let company_id: i64 = row.try_get("company_id")?;
        let (id, title): (i64, String) = (row.try_get("id")?, row.try_get("title")?);
        println!("    company_id = {company_id}, id = {id}, title = {title}");
        ensure!(company_id == tenant, "tenant {tenant} saw a row of tenant {company_id}");
    }
    Ok(())
}

/// The rewritten statement with the caller's `args` and then the tenant bound, printing its SQL.
fn scoped_query(
    rewritten: &Rewritten,
    mut args: SqliteArguments,
) -> anyhow::Result<Query<'static, Sqlite, SqliteArguments>> {
    println!("  {}", rewritten.sql());
    // A parameter that fills a tenant column must be checked with `Rewritten::check_parameter`
    // before it runs; this example binds none.
    ensure!(rewritten.guarded_parameters().is_empty(), "this example binds no tenant column itself");
    if let Some(parameter) = rewritten.tenant_parameter() {
        ensure!(
            parameter.index() == args.len() + 1,
            "the tenant goes in parameter {}, but {} arguments are bound",
            parameter.index(),
            args.len()
        );
        match parameter.binding() {
            TenantBinding::One(tenant) => bind_tenant(&mut args, tenant)?,
            TenantBinding::Many(tenants, _) => push(&mut args, TenantBinding::json_array(tenants))?,
            other => anyhow::bail!("this example does not bind {other:?}"),
        }
    }
    Ok(sqlx::query_with(AssertSqlSafe(rewritten.sql().to_owned()), args))
}

/// Binds one tenant as the SQLite value its tenant column holds.
fn bind_tenant(args: &mut SqliteArguments, tenant: &TenantId) -> anyhow::Result<()> {
    match tenant {
        TenantId::I64(id) => push(args, *id),
        TenantId::I32(id) => push(args, *id),
        TenantId::Uuid(id) => push(args, id.to_string()),
        TenantId::Text(id) => push(args, id.to_string()),
        other => anyhow::bail!("this example does not bind {} tenants", other.kind()),
    }
}

/// Binds the next argument.
fn push<'t, T: Encode<'t, Sqlite> + Type<Sqlite>>(
    args: &mut SqliteArguments,
    value: T,
) -> anyhow::Result<()> {
    args.add(value).map_err(anyhow::Error::from_boxed)
}
