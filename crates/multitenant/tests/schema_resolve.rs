//! `Schema::resolve`: which declared table a name written in a statement denotes.

use multitenant::{Dialect, Resolved, Schema, TableKind, TableName};
use sqlparser::ast::ObjectName;
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

fn schema() -> Schema {
    Schema::from_toml_str(
        r#"
        [tables.ads]
        tenant_column = "company_id"
        [tables."analytics.events"]
        tenant_column = "company_id"
        [tables.'"Visits"']
        tenant_column = "company_id"
        [tables.geo]
        reference = true
        "#,
    )
    .expect("valid schema")
}

/// `text` parsed as the name of a table in a statement for `dialect`.
fn written(text: &str, dialect: Dialect) -> ObjectName {
    let parser = match dialect {
        Dialect::Sqlite => Parser::new(&SQLiteDialect {}),
        _ => Parser::new(&PostgreSqlDialect {}),
    };
    parser.try_with_sql(text).and_then(|mut p| p.parse_object_name(false)).expect("a table name")
}

/// The declared name `text` resolves to, or how it fails to.
fn resolve(schema: &Schema, text: &str, dialect: Dialect) -> Result<String, Resolved<'static>> {
    match schema.resolve(&written(text, dialect), dialect) {
        Resolved::Table(table) => Ok(table.name().to_string()),
        Resolved::Undeclared => Err(Resolved::Undeclared),
        Resolved::Ambiguous => Err(Resolved::Ambiguous),
    }
}

#[test]
fn an_unqualified_name_matches_a_declared_table_in_any_schema() {
    let schema = schema();
    assert_eq!(resolve(&schema, "ads", Dialect::Postgres), Ok("ads".into()));
    assert_eq!(resolve(&schema, "ADS", Dialect::Postgres), Ok("ads".into()));
    assert_eq!(resolve(&schema, "events", Dialect::Postgres), Ok("analytics.events".into()));
    assert_eq!(resolve(&schema, "campaigns", Dialect::Postgres), Err(Resolved::Undeclared));
}

#[test]
fn a_qualified_name_matches_its_schema_or_an_unqualified_declaration_only() {
    let schema = schema();
    assert_eq!(resolve(&schema, "analytics.events", Dialect::Postgres), Ok("analytics.events".into()));
    assert_eq!(resolve(&schema, "Analytics.Events", Dialect::Postgres), Ok("analytics.events".into()));
    assert_eq!(resolve(&schema, "db.analytics.events", Dialect::Postgres), Ok("analytics.events".into()));
    assert_eq!(resolve(&schema, "public.ads", Dialect::Postgres), Ok("ads".into()));
    assert_eq!(resolve(&schema, "anything.ads", Dialect::Postgres), Ok("ads".into()));
    assert_eq!(resolve(&schema, "public.events", Dialect::Postgres), Err(Resolved::Undeclared));
    assert_eq!(resolve(&schema, "db.public.events", Dialect::Postgres), Err(Resolved::Undeclared));
    assert_eq!(resolve(&schema, "\"Analytics\".events", Dialect::Postgres), Err(Resolved::Undeclared));
}

#[test]
fn quoted_names_are_exact_on_postgres_and_caseless_on_sqlite() {
    let schema = schema();
    assert_eq!(resolve(&schema, "\"Ads\"", Dialect::Postgres), Err(Resolved::Undeclared));
    assert_eq!(resolve(&schema, "\"ads\"", Dialect::Postgres), Ok("ads".into()));
    assert_eq!(resolve(&schema, "\"Ads\"", Dialect::Sqlite), Ok("ads".into()));
    assert_eq!(resolve(&schema, "\"Visits\"", Dialect::Postgres), Ok("\"Visits\"".into()));
    assert_eq!(resolve(&schema, "visits", Dialect::Postgres), Err(Resolved::Undeclared));
    assert_eq!(resolve(&schema, "VISITS", Dialect::Postgres), Err(Resolved::Undeclared));
    assert_eq!(resolve(&schema, "visits", Dialect::Sqlite), Ok("\"Visits\"".into()));
}

#[test]
fn an_unqualified_name_of_tables_of_different_kinds_is_ambiguous() {
    let schema = Schema::from_toml_str(
        r#"
        [tables."a.geo"]
        tenant_column = "company_id"
        [tables."b.geo"]
        reference = true
        [tables."a.t"]
        tenant_column = "company_id"
        [tables."b.t"]
        tenant_column = "org_id"
        [tables."a.same"]
        tenant_column = "company_id"
        [tables."b.same"]
        tenant_column = "company_id"
        "#,
    )
    .expect("valid schema");
    assert_eq!(resolve(&schema, "geo", Dialect::Postgres), Err(Resolved::Ambiguous));
    assert_eq!(resolve(&schema, "GEO", Dialect::Sqlite), Err(Resolved::Ambiguous));
    assert_eq!(resolve(&schema, "t", Dialect::Postgres), Err(Resolved::Ambiguous));
    assert_eq!(resolve(&schema, "a.geo", Dialect::Postgres), Ok("a.geo".into()));
    assert_eq!(resolve(&schema, "b.geo", Dialect::Postgres), Ok("b.geo".into()));
    assert_eq!(resolve(&schema, "b.t", Dialect::Postgres), Ok("b.t".into()));

    let Resolved::Table(same) = schema.resolve(&written("same", Dialect::Postgres), Dialect::Postgres) else {
        panic!("tables of one kind are not ambiguous");
    };
    assert_eq!(same.tenant_column(), Some("company_id"));
}

#[test]
fn a_name_matching_an_unqualified_and_a_qualified_declaration_of_different_kinds_is_ambiguous() {
    // `geo` may live in any schema, `shared` included: fail closed rather than guess.
    let schema = Schema::builder()
        .tenant_table("geo", "company_id")
        .reference_table("shared.geo")
        .build()
        .expect("valid declarations");
    assert_eq!(resolve(&schema, "geo", Dialect::Postgres), Err(Resolved::Ambiguous));
    assert_eq!(resolve(&schema, "shared.geo", Dialect::Postgres), Err(Resolved::Ambiguous));
    assert_eq!(resolve(&schema, "other.geo", Dialect::Postgres), Ok("geo".into()));
    let shared = schema.table(&TableName::parse("shared.geo").expect("valid name")).expect("declared");
    assert_eq!(shared.kind(), &TableKind::Reference);
}
