//! On plain PostgreSQL: the plan for each schema shape is exactly the expected SQL, applying
//! it there changes nothing and says so, and what Citus would refuse (C1, C2, C3), missing
//! tables and columns, and foreign keys to undeclared tables are errors naming the table,
//! before any DDL.

mod common;

use common::shapes::{self, Shape};
use common::{PgDatabase, run};
use multitenant::Schema;
use multitenant_citus::{Applied, Catalog, Error, Plan};

fn schema(toml: &str) -> Schema {
    Schema::from_toml_str(toml).unwrap_or_else(|e| panic!("{toml}\n{e}"))
}

/// The plan for `shape` with its tables in `schema_name`, named `qualifier`-qualified.
async fn plan_on_postgres(shape: &Shape, schema_name: &str, qualifier: &str) {
    let db = PgDatabase::create().await;
    let mut conn = db.connect().await;
    if schema_name != "public" {
        run(&mut conn, &format!("CREATE SCHEMA {schema_name};\n")).await;
    }
    run(&mut conn, &Shape::fill(shape.ddl, schema_name, "")).await;
    let schema = schema(&Shape::fill(shape.toml, schema_name, qualifier));
    let before = Catalog::read(&mut conn).await.expect("read the catalog");

    let plan = Plan::distribute(&schema, &before).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
    assert_eq!(plan.to_string(), Shape::fill(shape.plan, schema_name, ""), "shape {}", shape.name);
    assert_eq!(plan.citus(), None);

    // Applying on PostgreSQL without Citus runs nothing.
    let applied = multitenant_citus::apply(&mut conn, &schema, |step| panic!("ran {step}")).await;
    assert_eq!(applied.expect("apply"), Applied::NotCitus, "shape {}", shape.name);
    assert_eq!(Catalog::read(&mut conn).await.expect("read the catalog"), before, "shape {}", shape.name);

    // Undoing has nothing to undo.
    let undo = Plan::undo(&schema, &before).expect("undo plan");
    assert!(undo.is_empty(), "shape {}: {undo}", shape.name);
    let printed = undo.to_string();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), schema.tables().count() + 1, "{printed}");
    assert!(
        lines.iter().take(lines.len() - 1).all(|l| l.ends_with(": already a plain table, skipped")),
        "{printed}"
    );
    assert_eq!(lines.last(), Some(&"-- nothing to do"));
}

#[tokio::test]
async fn plan_chain_of_foreign_keys_unqualified_names_resolve_through_public() {
    plan_on_postgres(&shapes::CHAIN, "public", "").await;
}

#[tokio::test]
async fn plan_chain_of_foreign_keys_qualified() {
    plan_on_postgres(&shapes::CHAIN, "app", "app.").await;
}

#[tokio::test]
async fn plan_tenant_table_as_reference_table() {
    plan_on_postgres(&shapes::TENANT_AS_REFERENCE, "app", "app.").await;
}

#[tokio::test]
async fn plan_reference_table_referenced_by_tenant_tables() {
    plan_on_postgres(&shapes::SHARED_REFERENCE, "app", "app.").await;
}

#[tokio::test]
async fn plan_schema_qualified_tables_in_two_schemas() {
    plan_on_postgres(&shapes::TWO_SCHEMAS, "app", "app.").await;
}

#[tokio::test]
async fn plan_names_that_need_quoting() {
    plan_on_postgres(&shapes::QUOTED_NAMES, "app", "app.").await;
}

/// Each case: DDL (in schema `{s}`), a schema file, and the error's message.
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "c1_primary_key_without_tenant_column",
        "CREATE TABLE {s}.items (tenant_id bigint NOT NULL, id bigint PRIMARY KEY);",
        "[tables.\"{s}.items\"]\ntenant_column = \"tenant_id\"",
        "table {s}.items: items_pkey (id) does not include the tenant column tenant_id; Citus refuses it on a distributed table: make it (tenant_id, id) (in Rust, `multitenant_citus::ddl::composite_primary_key` writes it)",
    ),
    (
        "c1_unique_index_without_tenant_column",
        "CREATE TABLE {s}.items (tenant_id bigint NOT NULL, id bigint, email text, PRIMARY KEY (tenant_id, id));
         CREATE UNIQUE INDEX items_email ON {s}.items (email);",
        "[tables.\"{s}.items\"]\ntenant_column = \"tenant_id\"",
        "table {s}.items: items_email (email) does not include the tenant column tenant_id; Citus refuses it on a distributed table: make it (tenant_id, email) (in Rust, `multitenant_citus::ddl::composite_primary_key` writes it)",
    ),
    (
        "c2_foreign_key_with_tenant_columns_in_different_positions",
        "CREATE TABLE {s}.a (tenant bigint, id bigint, PRIMARY KEY (tenant, id));
         CREATE TABLE {s}.b (tenant bigint, id bigint, a_id bigint, PRIMARY KEY (tenant, id),
                             CONSTRAINT b_a FOREIGN KEY (a_id, tenant) REFERENCES {s}.a (tenant, id));",
        "[tables.\"{s}.a\"]\ntenant_column = \"tenant\"\n[tables.\"{s}.b\"]\ntenant_column = \"tenant\"",
        "table {s}.b: foreign key b_a (a_id, tenant) -> {s}.a (tenant, id) does not join the tenant columns (tenant -> tenant) in the same position; Citus refuses it between distributed tables: make it (a_id, tenant) -> (id, tenant) (in Rust, `multitenant_citus::ddl::composite_foreign_key` writes it)",
    ),
    (
        "c2_foreign_key_without_the_tenant_column",
        "CREATE TABLE {s}.a (tenant bigint, id bigint, PRIMARY KEY (tenant, id));
         CREATE TABLE {s}.b (tenant bigint, id bigint, a_tenant bigint, a_id bigint, PRIMARY KEY (tenant, id),
                             CONSTRAINT b_a FOREIGN KEY (a_tenant, a_id) REFERENCES {s}.a (tenant, id));",
        "[tables.\"{s}.a\"]\ntenant_column = \"tenant\"\n[tables.\"{s}.b\"]\ntenant_column = \"tenant\"",
        "table {s}.b: foreign key b_a (a_tenant, a_id) -> {s}.a (tenant, id) does not join the tenant columns (tenant -> tenant) in the same position; Citus refuses it between distributed tables: make it (a_id, tenant) -> (id, tenant) (in Rust, `multitenant_citus::ddl::composite_foreign_key` writes it)",
    ),
    (
        "c3_reference_table_references_tenant_table",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
         CREATE TABLE {s}.plans (id int PRIMARY KEY, showcase bigint CONSTRAINT plans_showcase REFERENCES {s}.accounts (id));",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.plans\"]\nreference = true",
        "table {s}.plans is a reference table but its foreign key plans_showcase references the tenant table {s}.accounts; Citus refuses foreign keys from reference and local tables to distributed tables: drop the foreign key, or declare {s}.plans a tenant table",
    ),
    (
        "missing_table",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.ghosts\"]\ntenant_column = \"account_id\"",
        "table {s}.ghosts is declared in the schema but does not exist in the database; create it (run your migrations) or remove it from the schema",
    ),
    (
        "unqualified_name_is_looked_up_in_public_only",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);",
        "[tables.accounts]\ntenant_column = \"id\"",
        "table accounts is declared in the schema but does not exist in the database; create it (run your migrations) or remove it from the schema",
    ),
    (
        "declared_twice_qualified_and_not",
        "CREATE TABLE public.{s}_t (id bigint PRIMARY KEY);",
        "[tables.{s}_t]\ntenant_column = \"id\"\n[tables.\"public.{s}_t\"]\ntenant_column = \"id\"",
        "table public.{s}_t is declared twice, as {s}_t and as public.{s}_t; declare it once",
    ),
    (
        "missing_tenant_column",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
         CREATE TABLE {s}.users (account bigint, id bigint, PRIMARY KEY (account, id));",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\"",
        "table {s}.users has no column account_id, its declared tenant column; add the column or fix `tenant_column` in the schema",
    ),
    (
        "foreign_key_to_an_undeclared_table",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
         CREATE TABLE {s}.plans (id int PRIMARY KEY);
         CREATE TABLE {s}.users (account_id bigint REFERENCES {s}.accounts (id), id bigint, plan int REFERENCES {s}.plans (id), PRIMARY KEY (account_id, id));",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\"",
        "table {s}.users: foreign key users_plan_fkey references {s}.plans, which the schema does not declare; Citus would refuse it or silently add {s}.plans to its metadata as a Citus local table: declare {s}.plans in the schema (as a reference or tenant table) or drop the foreign key",
    ),
    (
        "foreign_key_from_an_undeclared_table",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
         CREATE TABLE {s}.audit (account_id bigint REFERENCES {s}.accounts (id), at timestamptz);",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"",
        "table {s}.accounts: foreign key audit_account_id_fkey is referenced by {s}.audit, which the schema does not declare; Citus would refuse it or silently add {s}.audit to its metadata as a Citus local table: declare {s}.audit in the schema (as a reference or tenant table) or drop the foreign key",
    ),
    (
        "tenant_columns_of_different_types",
        "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
         CREATE TABLE {s}.users (account_id int, id bigint, PRIMARY KEY (account_id, id));",
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\"",
        "table {s}.users: tenant column account_id is integer, but {s}.accounts.id is bigint; co-located tables need one tenant column type: alter {s}.users.account_id to bigint",
    ),
];

#[tokio::test]
async fn refused_before_any_ddl() {
    let db = PgDatabase::create().await;
    let mut conn = db.connect().await;
    for (i, (case, ddl, toml, message)) in REFUSED.iter().enumerate() {
        let s = format!("case{i}");
        run(&mut conn, &format!("CREATE SCHEMA {s};\n{};\n", ddl.replace("{s}", &s))).await;
        let schema = schema(&toml.replace("{s}", &s));
        let before = Catalog::read(&mut conn).await.expect("read the catalog");

        let error =
            Plan::distribute(&schema, &before).err().unwrap_or_else(|| panic!("case {case}: planned"));
        assert_eq!(error.to_string(), message.replace("{s}", &s), "case {case}");
        let applied =
            multitenant_citus::apply(&mut conn, &schema, |step| panic!("case {case}: ran {step}")).await;
        assert_eq!(applied.err().map(|e| e.to_string()), Some(message.replace("{s}", &s)), "case {case}");
        assert_eq!(Catalog::read(&mut conn).await.expect("read the catalog"), before, "case {case}");
        run(&mut conn, &format!("DROP SCHEMA {s} CASCADE;\n")).await;
    }
}

/// The typed error carries the table, for a caller that acts on it.
#[tokio::test]
async fn missing_table_names_the_table() {
    let db = PgDatabase::create().await;
    let mut conn = db.connect().await;
    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
    let schema = schema("[tables.'\"Ghosts\"']\nreference = true");
    match Plan::distribute(&schema, &catalog) {
        Err(Error::MissingTable { table }) => assert_eq!(table, "\"Ghosts\""),
        other => panic!("{other:?}"),
    }
}
