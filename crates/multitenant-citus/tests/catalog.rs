//! The catalog reads back exactly the DDL a test created: on plain PostgreSQL, and on Citus
//! (when `CITUS_URL` is set) with each table's distribution.

mod common;

use common::{CitusSchema, PgDatabase, run};
use multitenant::TableName;
use multitenant_citus::{Catalog, CatalogForeignKey, CatalogTable, Column, Distribution, Key, KeyKind};

const DDL: &str = r#"
    CREATE SCHEMA analytics;
    CREATE TABLE companies (id bigint PRIMARY KEY, name varchar(40) NOT NULL);
    CREATE TABLE campaigns (
        company_id bigint NOT NULL REFERENCES companies (id),
        id bigint NOT NULL,
        dropped int,
        "Title" text,
        PRIMARY KEY (company_id, id),
        CONSTRAINT campaigns_title UNIQUE ("Title", company_id)
    );
    ALTER TABLE campaigns DROP COLUMN dropped;
    CREATE UNIQUE INDEX campaigns_by_id ON campaigns (id);
    CREATE TABLE analytics.events (
        company_id bigint NOT NULL,
        campaign_id bigint NOT NULL,
        at timestamptz,
        CONSTRAINT events_campaign FOREIGN KEY (company_id, campaign_id)
            REFERENCES campaigns (company_id, id) ON DELETE CASCADE
    );
    CREATE VIEW analytics.campaign_events AS
        SELECT c.id, e.at FROM campaigns c JOIN analytics.events e ON e.campaign_id = c.id;
    CREATE MATERIALIZED VIEW company_names AS SELECT name FROM companies;
    CREATE VIEW constant AS SELECT 1 AS one;
"#;

fn column(name: &str, type_name: &str, not_null: bool, ordinal: i16) -> Column {
    Column { name: name.to_owned(), type_name: type_name.to_owned(), not_null, ordinal }
}

fn key(name: &str, kind: KeyKind, columns: &[&str]) -> Key {
    Key { name: name.to_owned(), kind, columns: columns.iter().map(|c| (*c).to_owned()).collect() }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|c| (*c).to_owned()).collect()
}

fn expected_tables(schema: &str, analytics: &str) -> Vec<CatalogTable> {
    let s = schema.to_owned();
    vec![
        CatalogTable {
            schema: analytics.to_owned(),
            name: "events".to_owned(),
            columns: vec![
                column("company_id", "bigint", true, 1),
                column("campaign_id", "bigint", true, 2),
                column("at", "timestamp with time zone", false, 3),
            ],
            keys: vec![],
            foreign_keys: vec![CatalogForeignKey {
                name: "events_campaign".to_owned(),
                columns: strings(&["company_id", "campaign_id"]),
                referenced_schema: s.clone(),
                referenced_table: "campaigns".to_owned(),
                referenced_columns: strings(&["company_id", "id"]),
                definition: format!(
                    "FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns(company_id, id) ON DELETE CASCADE"
                ),
            }],
            distribution: None,
        },
        CatalogTable {
            schema: s.clone(),
            name: "campaigns".to_owned(),
            columns: vec![
                column("company_id", "bigint", true, 1),
                column("id", "bigint", true, 2),
                column("Title", "text", false, 4),
            ],
            keys: vec![
                key("campaigns_by_id", KeyKind::UniqueIndex, &["id"]),
                key("campaigns_pkey", KeyKind::PrimaryKey, &["company_id", "id"]),
                key("campaigns_title", KeyKind::Unique, &["Title", "company_id"]),
            ],
            foreign_keys: vec![CatalogForeignKey {
                name: "campaigns_company_id_fkey".to_owned(),
                columns: strings(&["company_id"]),
                referenced_schema: s.clone(),
                referenced_table: "companies".to_owned(),
                referenced_columns: strings(&["id"]),
                definition: format!("FOREIGN KEY (company_id) REFERENCES {s}.companies(id)"),
            }],
            distribution: None,
        },
        CatalogTable {
            schema: s,
            name: "companies".to_owned(),
            columns: vec![column("id", "bigint", true, 1), column("name", "character varying(40)", true, 2)],
            keys: vec![key("companies_pkey", KeyKind::PrimaryKey, &["id"])],
            foreign_keys: vec![],
            distribution: None,
        },
    ]
}

#[tokio::test]
async fn plain_postgres_reads_back_the_ddl() {
    let db = PgDatabase::create().await;
    let mut conn = db.connect().await;
    run(&mut conn, DDL).await;

    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");

    assert_eq!(catalog.citus, None);
    assert_eq!(catalog.tables, expected_tables("public", "analytics"));
    let views: Vec<_> = catalog
        .views
        .iter()
        .map(|v| (v.schema.as_str(), v.name.as_str(), v.materialized, v.reads.clone()))
        .collect();
    let pair = |s: &str, n: &str| (s.to_owned(), n.to_owned());
    assert_eq!(
        views,
        vec![
            (
                "analytics",
                "campaign_events",
                false,
                vec![pair("analytics", "events"), pair("public", "campaigns")]
            ),
            ("public", "company_names", true, vec![pair("public", "companies")]),
            ("public", "constant", false, vec![]),
        ]
    );
    let readers: Vec<_> = catalog.views_reading("public", "campaigns").map(|v| v.name.as_str()).collect();
    assert_eq!(readers, ["campaign_events"]);
}

/// Lookups follow the core's `TableName` rules: unquoted names fold, unqualified ones mean
/// `public`, quoted ones are exact.
#[tokio::test]
async fn lookups_by_qualified_name() {
    let db = PgDatabase::create().await;
    let mut conn = db.connect().await;
    run(&mut conn, DDL).await;
    run(&mut conn, "CREATE TABLE \"Mixed\" (id int);\nCREATE TABLE analytics.companies (id int);\n").await;
    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
    let found = |name: &str| {
        let name = TableName::parse(name).expect("a valid name");
        catalog.table(&name).map(|t| format!("{}.{}", t.schema, t.name))
    };

    let cases: &[(&str, &str, Option<&str>)] = &[
        ("unqualified_means_public", "companies", Some("public.companies")),
        ("unquoted_folds", "COMPANIES", Some("public.companies")),
        ("qualified", "analytics.companies", Some("analytics.companies")),
        ("qualified_only_in_its_schema", "analytics.campaigns", None),
        ("unqualified_is_not_searched_elsewhere", "events", None),
        ("quoted_is_exact", r#""Mixed""#, Some("public.Mixed")),
        ("unquoted_does_not_match_mixed_case", "Mixed", None),
        ("absent", "nothing", None),
    ];
    for (case, name, expected) in cases {
        assert_eq!(found(name).as_deref(), *expected, "case {case}");
    }
}

#[tokio::test]
async fn citus_reads_back_the_ddl_and_the_distribution() {
    let Some(schema) = CitusSchema::create("citus_reads_back_the_ddl_and_the_distribution").await else {
        return;
    };
    let mut conn = schema.connect().await;
    let analytics = format!("{}_a", schema.name);
    let ddl = DDL
        .replace(
            "CREATE SCHEMA analytics;",
            &format!("CREATE SCHEMA {analytics}; SET search_path TO {};", schema.name),
        )
        .replace("analytics.", &format!("{analytics}."))
        .replace("CREATE UNIQUE INDEX campaigns_by_id ON campaigns (id);", "");
    // The second schema is dropped with the test too.
    let _analytics = common::CitusSchema { name: analytics.clone(), url: schema.url.clone() };
    run(&mut conn, &ddl).await;
    run(&mut conn, "RESET search_path;\n").await;
    let s = &schema.name;
    let q = |sql: &str| sql.replace("{s}", s).replace("{a}", &analytics);
    run(
        &mut conn,
        &q("BEGIN;
            SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
            ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_company_id_fkey;
            ALTER TABLE {a}.events DROP CONSTRAINT events_campaign;
            SELECT create_reference_table('{s}.companies');
            SELECT create_distributed_table('{s}.campaigns', 'company_id');
            SELECT create_distributed_table('{a}.events', 'company_id', colocate_with => '{s}.campaigns');
            ALTER TABLE {s}.campaigns ADD CONSTRAINT campaigns_company_id_fkey FOREIGN KEY (company_id) REFERENCES {s}.companies(id);
            ALTER TABLE {a}.events ADD CONSTRAINT events_campaign FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns(company_id, id) ON DELETE CASCADE;
            COMMIT;\n"),
    )
    .await;

    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");

    let version: String = sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        .fetch_one(&mut conn)
        .await
        .expect("citus version");
    assert_eq!(catalog.citus.as_ref().map(|c| c.version.as_str()), Some(version.as_str()));
    let colocation: i32 = sqlx::query_scalar(sqlx::AssertSqlSafe(q(
        "SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = '{s}.campaigns'::regclass",
    )))
    .fetch_one(&mut conn)
    .await
    .expect("colocation id");
    let mine: Vec<CatalogTable> =
        catalog.tables.iter().filter(|t| t.schema == *s || t.schema == analytics).cloned().collect();
    let mut expected = expected_tables(s, &analytics);
    for table in &mut expected {
        table.keys.retain(|k| k.name != "campaigns_by_id");
        table.distribution = Some(match table.name.as_str() {
            "companies" => Distribution::Reference,
            _ => Distribution::Hash { column: "company_id".to_owned(), colocation_id: colocation },
        });
    }
    expected.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    assert_eq!(mine, expected);
}
