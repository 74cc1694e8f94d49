//! `dump` on plain PostgreSQL round-trips, for several shapes: the file it writes loads as the
//! schema expected, equal to the one it returns, and `check` finds nothing wrong with it on
//! the database it came from. Without a tenant column to go by, it says to pass one.

mod common;
mod fixture;

use fixture::Fixture;
use multitenant::{Schema, TenantType};
use multitenant_citus::{DumpOptions, Error, dump_database};

async fn round_trip(ddl: &str, options: &DumpOptions, expected: &Schema) {
    let fixture = Fixture::new(ddl).await;
    let mut conn = fixture.db.connect().await;
    let dumped = dump_database(&mut conn, options).await.expect("dump");
    let loaded = Schema::from_toml_str(&dumped.toml).unwrap_or_else(|e| panic!("{e}\n{}", dumped.toml));
    assert_eq!(&loaded, expected, "{}", dumped.toml);
    assert_eq!(dumped.schema, loaded);
    let problems = fixture.problems(&dumped.toml).await;
    assert_eq!(problems, vec![], "{}", dumped.toml);
}

#[tokio::test]
async fn tenants_own_table_tenant_tables_and_the_reference_tables_they_reach() {
    let ddl = "
        CREATE TABLE countries (code text PRIMARY KEY);
        CREATE TABLE geo (id int PRIMARY KEY, country text REFERENCES countries (code));
        CREATE TABLE companies (id bigint PRIMARY KEY, name text);
        CREATE TABLE campaigns (company_id bigint NOT NULL REFERENCES companies (id), id bigint NOT NULL, PRIMARY KEY (company_id, id));
        CREATE TABLE ads (company_id bigint NOT NULL, id bigint NOT NULL, campaign_id bigint NOT NULL, geo_id int,
                          PRIMARY KEY (company_id, id),
                          CONSTRAINT a_campaign FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id),
                          CONSTRAINT b_company FOREIGN KEY (company_id) REFERENCES companies (id),
                          CONSTRAINT c_geo FOREIGN KEY (geo_id) REFERENCES geo (id));
        CREATE TABLE schema_migrations (version bigint PRIMARY KEY);
    ";
    let expected = Schema::builder()
        .tenant_type(TenantType::BigInt)
        .tenant_table("ads", "company_id")
        .foreign_key("ads", ["company_id", "campaign_id"], "campaigns", ["company_id", "id"])
        .foreign_key("ads", ["company_id"], "companies", ["id"])
        .foreign_key("ads", ["geo_id"], "geo", ["id"])
        .tenant_table("campaigns", "company_id")
        .foreign_key("campaigns", ["company_id"], "companies", ["id"])
        .tenant_table("companies", "id")
        .reference_table("geo")
        .foreign_key("geo", ["country"], "countries", ["code"])
        .reference_table("countries")
        .build()
        .expect("schema");
    round_trip(ddl, DumpOptions::new().tenant_column("company_id"), &expected).await;
}

#[tokio::test]
async fn qualified_and_quoted_names_and_a_text_tenant() {
    let ddl = r#"
        CREATE SCHEMA app;
        CREATE TABLE app.orders (tenant text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant, id));
        CREATE TABLE app."LineItems" (tenant text NOT NULL, order_id bigint NOT NULL, "Qty" int,
                                      FOREIGN KEY (tenant, order_id) REFERENCES app.orders (tenant, id));
        CREATE TABLE public.other (tenant text NOT NULL);
    "#;
    let expected = Schema::builder()
        .tenant_type(TenantType::Text)
        .tenant_table("app.\"LineItems\"", "tenant")
        .foreign_key("app.\"LineItems\"", ["tenant", "order_id"], "app.orders", ["tenant", "id"])
        .tenant_table("app.orders", "tenant")
        .build()
        .expect("schema");
    round_trip(ddl, DumpOptions::new().tenant_column("tenant").schema("app"), &expected).await;
}

#[tokio::test]
async fn a_quoted_tenant_column_of_type_uuid_and_no_foreign_keys() {
    let ddl = r#"
        CREATE TABLE stores ("TenantId" uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY ("TenantId", id));
        CREATE TABLE visits ("TenantId" uuid NOT NULL, at timestamptz);
        CREATE TABLE settings (key text PRIMARY KEY);
    "#;
    let expected = Schema::builder()
        .tenant_type(TenantType::Uuid)
        .tenant_table("stores", "\"TenantId\"")
        .tenant_table("visits", "\"TenantId\"")
        .build()
        .expect("schema");
    round_trip(ddl, DumpOptions::new().tenant_column("TenantId"), &expected).await;
}

#[tokio::test]
async fn tenant_columns_of_two_types_are_dumped_without_a_tenant_type() {
    let fixture = Fixture::new(
        "CREATE TABLE a (company_id bigint NOT NULL);\nCREATE TABLE b (company_id integer NOT NULL);",
    )
    .await;
    let mut conn = fixture.db.connect().await;
    let dumped =
        dump_database(&mut conn, DumpOptions::new().tenant_column("company_id")).await.expect("dump");
    assert_eq!(dumped.schema.tenant_type(), None, "{}", dumped.toml);
    let kinds: Vec<_> = fixture.problems(&dumped.toml).await.into_iter().map(|p| (p.kind, p.table)).collect();
    assert_eq!(kinds, vec![(multitenant_citus::ProblemKind::TenantColumnType, "public.b".to_owned())]);
}

#[tokio::test]
async fn without_citus_metadata_the_tenant_column_is_needed() {
    let fixture = Fixture::new("CREATE TABLE ads (company_id bigint NOT NULL);").await;
    let mut conn = fixture.db.connect().await;
    let error = dump_database(&mut conn, &DumpOptions::new()).await.expect_err("no hint");
    assert!(matches!(error, Error::NoTenantColumnHint), "{error:?}");
    assert!(error.to_string().contains("--tenant-column"), "{error}");
}

#[tokio::test]
async fn a_tenant_column_no_table_has_is_an_error() {
    let fixture = Fixture::new("CREATE TABLE ads (company_id bigint NOT NULL);").await;
    let mut conn = fixture.db.connect().await;
    let error =
        dump_database(&mut conn, DumpOptions::new().tenant_column("tenant_id")).await.expect_err("no table");
    assert!(
        matches!(&error, Error::NoTableWithTenantColumn { column, .. } if column == "tenant_id"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_view_of_a_tenant_table_is_named_in_a_comment_for_you_to_declare() {
    let fixture = Fixture::new(
        "CREATE TABLE ads (company_id bigint NOT NULL);\nCREATE VIEW ad_list AS SELECT * FROM ads;",
    )
    .await;
    let mut conn = fixture.db.connect().await;
    let dumped =
        dump_database(&mut conn, DumpOptions::new().tenant_column("company_id")).await.expect("dump");
    assert!(
        dumped.toml.contains("# Not dumped: view public.ad_list reads the tenant table public.ads"),
        "{}",
        dumped.toml
    );
}
