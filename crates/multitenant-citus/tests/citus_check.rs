//! `check` and `dump` on the shared Citus cluster (`CITUS_URL`; skipped without it): tables
//! distributed with raw Citus SQL, in a schema of the test's own. Distributed right, `check`
//! finds nothing but the superuser the tests connect as, and `dump` reads Citus's metadata
//! back into the schema expected; distributed wrong, `check` finds each problem.

mod common;

use common::{CitusSchema, run};
use multitenant::{Schema, TenantType};
use multitenant_citus::{DumpOptions, Problem, ProblemKind, check_database, dump_database};

/// Tables, then their distribution, then their foreign keys (added after: fact D3).
const DISTRIBUTED: &str = "
    CREATE TABLE {s}.ck_companies (id bigint PRIMARY KEY, name text);
    CREATE TABLE {s}.ck_geo (id int PRIMARY KEY, name text);
    CREATE TABLE {s}.ck_campaigns (company_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (company_id, id));
    CREATE TABLE {s}.ck_ads (company_id bigint NOT NULL, id bigint NOT NULL, campaign_id bigint NOT NULL, geo_id int, PRIMARY KEY (company_id, id));
    SELECT create_reference_table('{s}.ck_geo');
    SELECT create_distributed_table('{s}.ck_companies', 'id');
    SELECT create_distributed_table('{s}.ck_campaigns', 'company_id', colocate_with => '{s}.ck_companies');
    SELECT create_distributed_table('{s}.ck_ads', 'company_id', colocate_with => '{s}.ck_companies');
    ALTER TABLE {s}.ck_campaigns ADD CONSTRAINT fk_a FOREIGN KEY (company_id) REFERENCES {s}.ck_companies (id);
    ALTER TABLE {s}.ck_ads ADD CONSTRAINT fk_a FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.ck_campaigns (company_id, id);
    ALTER TABLE {s}.ck_ads ADD CONSTRAINT fk_b FOREIGN KEY (geo_id) REFERENCES {s}.ck_geo (id);
";

const SCHEMA: &str = r#"
    [tables."{s}.ck_companies"]
    tenant_column = "id"
    [tables."{s}.ck_campaigns"]
    tenant_column = "company_id"
    [tables."{s}.ck_ads"]
    tenant_column = "company_id"
    [tables."{s}.ck_geo"]
    reference = true
"#;

fn kinds(problems: &[Problem]) -> Vec<(ProblemKind, String)> {
    problems.iter().map(|p| (p.kind, p.table.clone())).collect()
}

async fn problems(citus: &CitusSchema, schema: &str) -> Vec<Problem> {
    let schema = Schema::from_toml_str(&citus.sql(schema)).expect("schema");
    let mut conn = citus.connect().await;
    check_database(&mut conn, &schema, None).await.expect("check")
}

/// The tests connect as postgres, a superuser: the one problem a right schema still has.
fn superuser() -> (ProblemKind, String) {
    (ProblemKind::SuperuserRole, "postgres".to_owned())
}

#[tokio::test]
async fn a_schema_distributed_right_has_no_problem_but_the_superuser() {
    let Some(citus) =
        CitusSchema::create("a_schema_distributed_right_has_no_problem_but_the_superuser").await
    else {
        return;
    };
    run(&mut citus.connect().await, &citus.sql(DISTRIBUTED)).await;
    let problems = problems(&citus, SCHEMA).await;
    assert_eq!(kinds(&problems), vec![superuser()], "{problems:#?}");
}

#[tokio::test]
async fn tables_distributed_wrong_are_each_a_problem() {
    let Some(citus) = CitusSchema::create("tables_distributed_wrong_are_each_a_problem").await else {
        return;
    };
    let wrong = "
        CREATE TABLE {s}.ck_notes (company_id bigint NOT NULL, id bigint);
        CREATE TABLE {s}.ck_clicks (company_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (company_id, id));
        SELECT create_distributed_table('{s}.ck_clicks', 'id');
        CREATE TABLE {s}.ck_views (company_id bigint NOT NULL, id bigint);
        SELECT create_distributed_table('{s}.ck_views', 'company_id', colocate_with => 'none');
        CREATE TABLE {s}.ck_countries (code text PRIMARY KEY);
        CREATE TABLE {s}.ck_regions (id int PRIMARY KEY);
        SELECT create_distributed_table('{s}.ck_regions', 'id');
    ";
    run(&mut citus.connect().await, &citus.sql(&format!("{DISTRIBUTED}\n{wrong}"))).await;
    let schema = format!(
        "{SCHEMA}
        [tables.\"{{s}}.ck_notes\"]
        tenant_column = \"company_id\"
        [tables.\"{{s}}.ck_clicks\"]
        tenant_column = \"company_id\"
        [tables.\"{{s}}.ck_views\"]
        tenant_column = \"company_id\"
        [tables.\"{{s}}.ck_countries\"]
        reference = true
        [tables.\"{{s}}.ck_regions\"]
        reference = true
        "
    );
    let problems = problems(&citus, &schema).await;
    let s = &citus.name;
    let expected = vec![
        (ProblemKind::WrongDistributionColumn, format!("{s}.ck_clicks")),
        (ProblemKind::NotReferenceTable, format!("{s}.ck_countries")),
        (ProblemKind::NotDistributed, format!("{s}.ck_notes")),
        (ProblemKind::NotReferenceTable, format!("{s}.ck_regions")),
        (ProblemKind::NotColocated, format!("{s}.ck_views")),
        superuser(),
    ];
    let mut found = kinds(&problems);
    found.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(found, expected, "{problems:#?}");
}

#[tokio::test]
async fn dump_reads_citus_metadata_back_and_round_trips() {
    let Some(citus) = CitusSchema::create("dump_reads_citus_metadata_back_and_round_trips").await else {
        return;
    };
    run(&mut citus.connect().await, &citus.sql(DISTRIBUTED)).await;
    let s = &citus.name;
    let t = |name: &str| format!("{s}.{name}");
    let expected = Schema::builder()
        .tenant_type(TenantType::BigInt)
        .tenant_table(&t("ck_ads"), "company_id")
        .foreign_key(&t("ck_ads"), ["company_id", "campaign_id"], &t("ck_campaigns"), ["company_id", "id"])
        .foreign_key(&t("ck_ads"), ["geo_id"], &t("ck_geo"), ["id"])
        .tenant_table(&t("ck_campaigns"), "company_id")
        .foreign_key(&t("ck_campaigns"), ["company_id"], &t("ck_companies"), ["id"])
        .tenant_table(&t("ck_companies"), "id")
        .reference_table(&t("ck_geo"))
        .build()
        .expect("schema");
    let mut conn = citus.connect().await;
    // No tenant column given: Citus's metadata says which tables are tenant tables.
    let dumped = dump_database(&mut conn, DumpOptions::new().schema(s)).await.expect("dump");
    let loaded = Schema::from_toml_str(&dumped.toml).expect("the dump loads");
    assert_eq!(loaded, expected, "{}", dumped.toml);
    assert_eq!(dumped.schema, loaded);
    let problems = check_database(&mut conn, &loaded, None).await.expect("check");
    assert_eq!(kinds(&problems), vec![superuser()], "{problems:#?}\n{}", dumped.toml);
}

/// A role of the test's own on the cluster (Citus propagates it to the workers), dropped after.
struct CitusRole {
    name: String,
    url: String,
}

impl Drop for CitusRole {
    fn drop(&mut self) {
        let (name, url) = (std::mem::take(&mut self.name), std::mem::take(&mut self.url));
        let done = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                use sqlx::Connection;
                let Ok(mut conn) = sqlx::PgConnection::connect(&url).await else { return };
                let sql = format!("DROP ROLE IF EXISTS {name}");
                drop(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await);
            });
        });
        drop(done.join());
    }
}

#[tokio::test]
async fn citus_functions_that_run_sql_on_the_nodes_are_unsafe_for_the_application_role() {
    let Some(citus) = CitusSchema::create("citus_functions_that_run_sql_on_the_nodes_are_unsafe").await
    else {
        return;
    };
    run(&mut citus.connect().await, &citus.sql(DISTRIBUTED)).await;
    let role = CitusRole { name: common::unique("mt_ck_app"), url: citus.url.clone() };
    run(&mut citus.connect().await, &format!("CREATE ROLE {} NOLOGIN", role.name)).await;
    let schema = Schema::from_toml_str(&citus.sql(SCHEMA)).expect("schema");
    let mut conn = citus.connect().await;
    let problems = check_database(&mut conn, &schema, Some(&role.name)).await.expect("check");
    // Citus grants these to PUBLIC: every role may run SQL on the workers through them.
    let unsafe_functions: Vec<&str> =
        problems.iter().filter(|p| p.kind == ProblemKind::UnsafeFunction).map(|p| p.table.as_str()).collect();
    for expected in ["run_command_on_workers(text,boolean)", "query_to_xml(text,boolean,boolean,text)"] {
        assert!(unsafe_functions.contains(&expected), "{expected} not in {unsafe_functions:#?}");
    }
    // Nothing else: the tables are right, and the role is no superuser.
    let others: Vec<_> = problems.iter().filter(|p| p.kind != ProblemKind::UnsafeFunction).collect();
    assert_eq!(others, Vec::<&Problem>::new());
    let fix =
        problems.iter().find(|p| p.table == "run_command_on_workers(text,boolean)").map(|p| p.fix.as_str());
    assert!(
        fix.is_some_and(
            |f| f.starts_with("REVOKE EXECUTE ON ROUTINE run_command_on_workers(text,boolean) FROM PUBLIC")
        ),
        "{fix:?}"
    );
}
