//! On a real Citus cluster (`CITUS_URL`; skipped, saying so, when unset), in a schema of its
//! own per test: each shape's plan applies with foreign keys and data in place, as Citus's own
//! catalog confirms; applying twice changes nothing; the core's scoped statements route to one
//! shard and unscoped joins along foreign keys run; undo returns to plain tables.

mod common;

use common::shapes::{self, Shape};
use common::{CitusSchema, run};
use multitenant::{Dialect, Output, Rewriter, Schema, Scope, TenantBinding, TenantId};
use multitenant_citus::{Applied, Catalog, CatalogTable, Error, Plan};
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, AssertSqlSafe, PgConnection, Row};

/// Undoing `shapes::CHAIN`: the foreign keys dropped, tenant tables then reference tables
/// undistributed, the foreign keys added back.
const CHAIN_UNDO: &str = "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_company_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_company_id_campaign_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_geo_id_fkey;
SELECT undistribute_table('{s}.companies');
SELECT undistribute_table('{s}.campaigns');
SELECT undistribute_table('{s}.ads');
SELECT undistribute_table('{s}.geo');
ALTER TABLE {s}.campaigns ADD CONSTRAINT campaigns_company_id_fkey FOREIGN KEY (company_id) REFERENCES {s}.companies(id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_company_id_campaign_id_fkey FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns(company_id, id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_geo_id_fkey FOREIGN KEY (geo_id) REFERENCES {s}.geo(id);
COMMIT;
";

/// The declared tables as they are in the catalog, in declaration order.
fn declared_tables(schema: &Schema, catalog: &Catalog) -> Vec<CatalogTable> {
    schema
        .tables()
        .map(|t| catalog.table(t.name()).unwrap_or_else(|| panic!("{} is in the catalog", t.name())).clone())
        .collect()
}

fn qualified(table: &CatalogTable) -> String {
    multitenant_citus::ddl::qualified(&table.schema, &table.name)
}

async fn row_counts(conn: &mut PgConnection, tables: &[CatalogTable]) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in tables {
        let sql = format!("SELECT count(*) FROM {}", qualified(table));
        counts.push(sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *conn).await.expect("count"));
    }
    counts
}

/// What Citus's own catalog says of a table: (partmethod, distribution column, colocation id,
/// repmodel), or `None` when it does not know it. Read independently of `Catalog`.
async fn pg_dist_partition(
    conn: &mut PgConnection,
    table: &CatalogTable,
) -> Option<(String, Option<String>, i32, String)> {
    sqlx::query_as(
        "SELECT partmethod::text, column_to_column_name(logicalrelid, partkey), colocationid, repmodel::text
         FROM pg_dist_partition WHERE logicalrelid = $1::regclass",
    )
    .bind(qualified(table))
    .fetch_optional(&mut *conn)
    .await
    .expect("read pg_dist_partition")
}

fn without_distribution(tables: &[CatalogTable]) -> Vec<CatalogTable> {
    tables.iter().cloned().map(|t| CatalogTable { distribution: None, ..t }).collect()
}

async fn apply_and_undo(shape: &Shape) {
    let Some(place) = CitusSchema::create(shape.name).await else { return };
    let s = place.name.clone();
    let mut conn = place.connect().await;
    run(&mut conn, &Shape::fill(shape.ddl, &s, "")).await;
    let schema = Schema::from_toml_str(&Shape::fill(shape.toml, &s, &format!("{s}."))).expect("schema file");
    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
    let before = declared_tables(&schema, &catalog);
    let counts = row_counts(&mut conn, &before).await;

    let plan = Plan::distribute(&schema, &catalog).expect("plan");
    assert_eq!(plan.to_string(), Shape::fill(shape.plan, &s, ""), "shape {}", shape.name);
    let mut progress = Vec::new();
    let applied = plan.run(&mut conn, |step| progress.push(step.to_string())).await;
    assert_eq!(applied.expect("apply"), Applied::Done { tables: before.len() }, "shape {}", shape.name);
    assert_eq!(progress.len(), before.len(), "{progress:?}");

    // Citus's catalog: tenant tables hash-distributed by their tenant column, all in one
    // colocation group; reference tables reference tables.
    let mut groups = Vec::new();
    for table in &before {
        let found = pg_dist_partition(&mut conn, table).await;
        match shape.tenant_tables.iter().find(|(name, _)| *name == table.name) {
            Some((_, column)) => match found {
                Some((method, Some(c), group, _)) if method == "h" && c == *column => groups.push(group),
                other => panic!("{}: {other:?}, not distributed by {column}", table.name),
            },
            None => {
                assert!(shape.reference_tables.contains(&table.name.as_str()));
                assert!(
                    matches!(&found, Some((m, None, _, r)) if m == "n" && r == "t"),
                    "{}: {found:?}",
                    table.name
                );
            }
        }
    }
    groups.dedup();
    assert_eq!(
        groups.len(),
        usize::from(!shape.tenant_tables.is_empty()),
        "one colocation group: {groups:?}"
    );

    // Data and constraints as they were.
    let after = declared_tables(&schema, &Catalog::read(&mut conn).await.expect("read the catalog"));
    assert_eq!(without_distribution(&after), before, "shape {}: constraints changed", shape.name);
    assert_eq!(row_counts(&mut conn, &after).await, counts);

    // Twice: nothing to do.
    let again =
        Plan::distribute(&schema, &Catalog::read(&mut conn).await.expect("read")).expect("plan again");
    assert!(again.is_empty(), "{again}");
    assert_eq!(again.skipped().len(), before.len());
    let applied = multitenant_citus::apply(&mut conn, &schema, |step| panic!("ran {step}")).await;
    assert_eq!(applied.expect("apply again"), Applied::NothingToDo);

    if shape.name == shapes::CHAIN.name {
        routes_and_joins(&mut conn, &schema, &s).await;
        let undo = Plan::undo(&schema, &Catalog::read(&mut conn).await.expect("read")).expect("undo plan");
        assert_eq!(undo.to_string(), CHAIN_UNDO.replace("{s}", &s));
    }

    // Undo: plain tables again, with their foreign keys.
    let mut progress = Vec::new();
    let undone = multitenant_citus::undo(&mut conn, &schema, |step| progress.push(step.to_string())).await;
    assert_eq!(undone.expect("undo"), Applied::Done { tables: before.len() }, "shape {}", shape.name);
    assert_eq!(progress.len(), before.len());
    for table in &before {
        assert_eq!(pg_dist_partition(&mut conn, table).await, None, "{} is still on Citus", table.name);
    }
    let undone = declared_tables(&schema, &Catalog::read(&mut conn).await.expect("read the catalog"));
    assert_eq!(undone, before, "shape {}: not back as it was", shape.name);
    assert_eq!(row_counts(&mut conn, &undone).await, counts);
    let again = multitenant_citus::undo(&mut conn, &schema, |step| panic!("ran {step}")).await;
    assert_eq!(again.expect("undo again"), Applied::NothingToDo);
}

/// Runs `sql` with the tenant bound (if the rewrite has one); the first column of each row as
/// text, or the database's refusal.
async fn query(
    conn: &mut PgConnection,
    sql: &str,
    tenant: Option<TenantBinding<'_>>,
) -> Result<Vec<String>, String> {
    let mut arguments = PgArguments::default();
    if let Some(TenantBinding::One(TenantId::I64(t))) = tenant {
        arguments.add(*t).expect("binds");
    }
    let rows = sqlx::query_with(AssertSqlSafe(sql.to_owned()), arguments).fetch_all(&mut *conn).await;
    let rows = rows.map_err(|e| e.to_string())?;
    Ok(rows.iter().map(|r| r.try_get::<String, _>(0).unwrap_or_else(|_| "?".to_owned())).collect())
}

/// The core's scoped statements on the tables the plan distributed: one task each; unscoped
/// joins along the foreign keys run co-located (and are refused unrewritten).
async fn routes_and_joins(conn: &mut PgConnection, schema: &Schema, s: &str) {
    run(conn, &format!("SET search_path TO {s};\n")).await;
    let rewriter = Rewriter::new(schema.clone(), Dialect::Postgres);
    let tenant = Scope::tenant(5_i64);
    for sql in [
        "SELECT title FROM ads WHERE id > 3",
        "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id",
        "SELECT a.title FROM ads a JOIN geo g ON g.id = a.geo_id",
        "SELECT c.name FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id)",
        "SELECT name FROM companies",
    ] {
        let rewritten = rewriter.rewrite_in(Some(&tenant), sql, Output::Bind).expect("rewrite");
        let explain = format!("EXPLAIN (COSTS OFF) {}", rewritten.sql());
        let plan =
            query(conn, &explain, rewritten.tenant_parameter().map(|p| p.binding())).await.expect("explain");
        assert!(
            plan.iter().any(|l| l.contains("Task Count: 1")),
            "{}:\n{}",
            rewritten.sql(),
            plan.join("\n")
        );
    }
    let scoped = rewriter
        .rewrite_in(
            Some(&tenant),
            "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id",
            Output::Bind,
        )
        .expect("rewrite");
    let titles =
        query(conn, scoped.sql(), scoped.tenant_parameter().map(|p| p.binding())).await.expect("scoped join");
    assert_eq!(titles.len(), 20);
    assert!(titles.iter().all(|t| t.starts_with("c5 ")), "{titles:?}");

    let join = "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id JOIN companies o ON o.id = c.company_id";
    assert!(
        query(conn, join, None).await.is_err(),
        "Citus ran the unrewritten join: the check below proves nothing"
    );
    let unscoped = rewriter.rewrite_in(Some(&Scope::Unscoped), join, Output::Bind).expect("rewrite");
    let titles =
        query(conn, unscoped.sql(), None).await.unwrap_or_else(|e| panic!("{}: {e}", unscoped.sql()));
    assert_eq!(titles.len(), 120);
    run(conn, "RESET search_path;\n").await;
}

#[tokio::test]
async fn citus_apply_and_undo_chain_of_foreign_keys() {
    apply_and_undo(&shapes::CHAIN).await;
}

#[tokio::test]
async fn citus_apply_and_undo_tenant_table_as_reference_table() {
    apply_and_undo(&shapes::TENANT_AS_REFERENCE).await;
}

#[tokio::test]
async fn citus_apply_and_undo_reference_table_referenced_by_tenant_tables() {
    apply_and_undo(&shapes::SHARED_REFERENCE).await;
}

#[tokio::test]
async fn citus_apply_and_undo_schema_qualified_tables() {
    apply_and_undo(&shapes::TWO_SCHEMAS).await;
}

#[tokio::test]
async fn citus_apply_and_undo_names_that_need_quoting() {
    apply_and_undo(&shapes::QUOTED_NAMES).await;
}

/// A table already on Citus otherwise than the schema asks is an error naming it and what it
/// is; nothing runs.
#[tokio::test]
async fn citus_distributed_differently_is_refused() {
    let Some(place) = CitusSchema::create("citus_distributed_differently_is_refused").await else { return };
    let s = place.name.clone();
    let mut conn = place.connect().await;
    run(
        &mut conn,
        &place.sql(
            "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
             CREATE TABLE {s}.users (account_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (account_id, id));
             CREATE TABLE {s}.tags (account_id bigint NOT NULL, name text NOT NULL, PRIMARY KEY (account_id, name));
             SELECT create_distributed_table('{s}.accounts', 'id', colocate_with => 'none');
             SELECT create_distributed_table('{s}.users', 'id', colocate_with => 'none');
             SELECT create_reference_table('{s}.tags');
            ",
        ),
    )
    .await;
    let cases = [
        (
            "other_column",
            format!(
                "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\""
            ),
            format!("table {s}.users is already distributed by id in colocation group "),
        ),
        (
            "other_group",
            format!(
                "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"id\""
            ),
            format!("table {s}.users is already distributed by id in colocation group "),
        ),
        (
            "reference_not_distributed",
            format!("[tables.\"{s}.tags\"]\ntenant_column = \"account_id\""),
            format!(
                "table {s}.tags is already a reference table on Citus, but the schema wants it distributed by account_id; undo it first"
            ),
        ),
        (
            "distributed_not_reference",
            format!("[tables.\"{s}.accounts\"]\nreference = true"),
            format!("table {s}.accounts is already distributed by id in colocation group "),
        ),
    ];
    for (case, toml, message) in cases {
        let schema = Schema::from_toml_str(&toml).expect("schema file");
        let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
        let error =
            Plan::distribute(&schema, &catalog).err().unwrap_or_else(|| panic!("case {case}: planned"));
        assert!(matches!(error, Error::DistributedDifferently { .. }), "case {case}: {error}");
        assert!(error.to_string().starts_with(&message), "case {case}: {error}");
    }
}

/// A step Citus refuses (here: NULL tenant values in the data) is `Refused` with Citus's own
/// message, and rolls every step back.
#[tokio::test]
async fn citus_refused_step_rolls_back() {
    let Some(place) = CitusSchema::create("citus_refused_step_rolls_back").await else { return };
    let s = place.name.clone();
    let mut conn = place.connect().await;
    run(
        &mut conn,
        &place.sql(
            "CREATE TABLE {s}.geo (id int PRIMARY KEY);
             CREATE TABLE {s}.notes (account_id bigint, body text, geo_id int REFERENCES {s}.geo (id));
             INSERT INTO {s}.geo VALUES (1);
             INSERT INTO {s}.notes VALUES (1, 'a', 1), (NULL, 'orphan', 1);
            ",
        ),
    )
    .await;
    let toml = format!(
        "[tables.\"{s}.geo\"]\nreference = true\n[tables.\"{s}.notes\"]\ntenant_column = \"account_id\""
    );
    let schema = Schema::from_toml_str(&toml).expect("schema file");
    let before = Catalog::read(&mut conn).await.expect("read the catalog");

    let error =
        multitenant_citus::apply(&mut conn, &schema, |_| {}).await.expect_err("Citus refuses NULL tenants");
    match &error {
        Error::Refused { step, message, .. } => {
            assert!(step.starts_with(&format!("SELECT create_distributed_table('{s}.notes'")), "{step}");
            assert!(message.contains("partition column"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("nothing was changed"), "{error}");
    let after = Catalog::read(&mut conn).await.expect("read the catalog");
    assert_eq!(declared_tables(&schema, &after), declared_tables(&schema, &before));
    let geo = &declared_tables(&schema, &after)[0];
    assert_eq!(pg_dist_partition(&mut conn, geo).await, None, "the reference table was not rolled back");
}

/// A table added to the schema after the others were applied joins their colocation group
/// (co-located with the first tenant table already distributed); the others are skipped.
#[tokio::test]
async fn citus_table_added_later_joins_the_group() {
    let Some(place) = CitusSchema::create("citus_table_added_later_joins_the_group").await else { return };
    let s = place.name.clone();
    let mut conn = place.connect().await;
    run(
        &mut conn,
        &place.sql(
            "CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
             CREATE TABLE {s}.users (account_id bigint NOT NULL REFERENCES {s}.accounts (id), id bigint NOT NULL,
                                     PRIMARY KEY (account_id, id));
             CREATE TABLE {s}.tags (account_id bigint NOT NULL, name text NOT NULL, PRIMARY KEY (account_id, name));
             INSERT INTO {s}.accounts SELECT generate_series(1, 3);
             INSERT INTO {s}.tags SELECT a, 't' || a FROM generate_series(1, 3) a;
            ",
        ),
    )
    .await;
    let first = format!(
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\"\n"
    );
    let first = Schema::from_toml_str(&first).expect("schema file");
    assert_eq!(
        multitenant_citus::apply(&mut conn, &first, |_| {}).await.expect("apply"),
        Applied::Done { tables: 2 }
    );

    let all = format!(
        "[tables.\"{s}.accounts\"]\ntenant_column = \"id\"\n[tables.\"{s}.users\"]\ntenant_column = \"account_id\"\n\
         [tables.\"{s}.tags\"]\ntenant_column = \"account_id\"\n"
    );
    let all = Schema::from_toml_str(&all).expect("schema file");
    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
    let group = match catalog.table_in(&s, "accounts").and_then(|t| t.distribution.clone()) {
        Some(multitenant_citus::Distribution::Hash { colocation_id, .. }) => colocation_id,
        other => panic!("accounts: {other:?}"),
    };
    let plan = Plan::distribute(&all, &catalog).expect("plan");
    assert_eq!(
        plan.to_string(),
        format!(
            "-- {s}.accounts: already distributed by id in colocation group {group}, skipped
-- {s}.users: already distributed by account_id in colocation group {group}, skipped
BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
SELECT create_distributed_table('{s}.tags', 'account_id', colocate_with => '{s}.accounts');
COMMIT;
"
        )
    );
    assert_eq!(plan.run(&mut conn, |_| {}).await.expect("apply"), Applied::Done { tables: 1 });
    let catalog = Catalog::read(&mut conn).await.expect("read the catalog");
    let tags = catalog.table_in(&s, "tags").expect("tags");
    assert_eq!(
        pg_dist_partition(&mut conn, tags).await,
        Some(("h".to_owned(), Some("account_id".to_owned()), group, "s".to_owned()))
    );
}
