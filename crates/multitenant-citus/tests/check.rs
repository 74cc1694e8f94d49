//! `check` on plain PostgreSQL: each kind of problem, made on purpose in a database of its own,
//! is found (its exact kind and table, and nothing else), and a clean database has none. The
//! role checked is one of the test's own, with PostgreSQL's unsafe functions revoked from
//! `PUBLIC` in the test database, so that a clean database really is clean.

mod common;
mod fixture;

use common::run;
use fixture::{CLEAN, Fixture, SCHEMA};
use multitenant::Schema;
use multitenant_citus::{Error, Problem, ProblemKind, check_database};

fn kinds(problems: &[Problem]) -> Vec<(ProblemKind, &str)> {
    problems.iter().map(|p| (p.kind, p.table.as_str())).collect()
}

/// One named test per case: extra DDL, extra schema text, the problems expected (kind, table).
macro_rules! cases {
    ($($name:ident: $ddl:expr, $schema:expr => [$(($kind:ident, $table:expr)),* $(,)?];)*) => {$(
        #[tokio::test]
        async fn $name() {
            let fixture = Fixture::new(&format!("{CLEAN}\n{}", $ddl)).await;
            let problems = fixture.problems(&format!("{}\n{SCHEMA}", $schema)).await;
            let expected: Vec<(ProblemKind, &str)> = vec![$((ProblemKind::$kind, $table)),*];
            assert_eq!(kinds(&problems), expected, "{problems:#?}");
            for problem in &problems {
                assert!(!problem.message.is_empty() && !problem.fix.is_empty(), "{problem:?}");
            }
        }
    )*};
}

cases! {
    a_clean_database_has_no_problem: "", "" => [];
    a_declared_table_that_is_missing: "", "[tables.clicks]\ntenant_column = \"company_id\"" => [(MissingTable, "clicks")];
    a_tenant_table_without_its_tenant_column:
        "CREATE TABLE notes (id bigint);", "[tables.notes]\ntenant_column = \"company_id\""
        => [(MissingTenantColumn, "public.notes")];
    a_nullable_tenant_column:
        "CREATE TABLE notes (company_id bigint, id bigint);", "[tables.notes]\ntenant_column = \"company_id\""
        => [(NullableTenantColumn, "public.notes")];
    a_tenant_column_of_another_type_than_the_others:
        "CREATE TABLE notes (company_id integer NOT NULL);", "[tables.notes]\ntenant_column = \"company_id\""
        => [(TenantColumnType, "public.notes")];
    tenant_columns_of_another_type_than_the_schemas_tenant_type:
        "", "tenant_type = \"integer\""
        => [(TenantColumnType, "public.ads"), (TenantColumnType, "public.campaigns"), (TenantColumnType, "public.companies")];
    c1_a_primary_key_without_the_tenant_column:
        "CREATE TABLE notes (company_id bigint NOT NULL, id bigint PRIMARY KEY);", "[tables.notes]\ntenant_column = \"company_id\""
        => [(KeyWithoutTenantColumn, "public.notes")];
    c1_a_unique_index_without_the_tenant_column:
        "CREATE UNIQUE INDEX campaigns_by_id ON campaigns (id);", ""
        => [(KeyWithoutTenantColumn, "public.campaigns")];
    c2_a_foreign_key_with_the_tenant_column_in_another_position:
        "CREATE TABLE notes (company_id bigint NOT NULL, campaign_id bigint NOT NULL, FOREIGN KEY (campaign_id, company_id) REFERENCES campaigns (company_id, id));",
        "[tables.notes]\ntenant_column = \"company_id\""
        => [(ForeignKeyWithoutTenantColumn, "public.notes")];
    c2_a_foreign_key_between_tenant_tables_without_the_tenant_column:
        "CREATE UNIQUE INDEX campaigns_tenant_id ON campaigns (company_id, id); CREATE TABLE notes (company_id bigint NOT NULL, campaign_id bigint, campaign_company bigint, FOREIGN KEY (campaign_company, campaign_id) REFERENCES campaigns (company_id, id));",
        "[tables.notes]\ntenant_column = \"company_id\""
        => [(ForeignKeyWithoutTenantColumn, "public.notes")];
    c3_a_foreign_key_from_a_reference_table_to_a_tenant_table:
        "ALTER TABLE geo ADD COLUMN owner bigint REFERENCES companies (id);", ""
        => [(ForeignKeyToTenantTable, "public.geo")];
    a_table_with_the_tenant_column_that_is_not_declared:
        "CREATE TABLE clicks (company_id bigint NOT NULL, id bigint);", ""
        => [(UndeclaredTenantTable, "public.clicks")];
    a_view_of_a_tenant_table_that_is_not_declared:
        "CREATE VIEW ad_list AS SELECT id FROM ads;", ""
        => [(UndeclaredView, "public.ad_list")];
    a_materialized_view_of_a_tenant_table_that_is_not_declared:
        "CREATE MATERIALIZED VIEW ad_count AS SELECT count(*) FROM ads;", ""
        => [(UndeclaredView, "public.ad_count")];
    a_declared_view_is_no_problem:
        "CREATE VIEW ad_list AS SELECT company_id, id FROM ads;", "[tables.ad_list]\ntenant_column = \"company_id\""
        => [];
    a_function_whose_body_reads_a_tenant_table:
        "CREATE FUNCTION all_ads() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM ADS';", ""
        => [(FunctionReadsTenantTable, "public.ads")];
    a_plpgsql_function_granted_to_the_role_reads_a_tenant_table:
        "CREATE FUNCTION camps() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM public.campaigns); END $$;\nREVOKE EXECUTE ON FUNCTION camps() FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION camps() TO {role};", ""
        => [(FunctionReadsTenantTable, "public.campaigns")];
    a_function_the_role_may_not_execute_is_no_problem:
        "CREATE FUNCTION all_ads() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM ads';\nREVOKE EXECUTE ON FUNCTION all_ads() FROM PUBLIC;", ""
        => [];
    an_unsafe_function_granted_to_the_role:
        "GRANT EXECUTE ON FUNCTION query_to_xml(text, boolean, boolean, text) TO {role};", ""
        => [(UnsafeFunction, "query_to_xml(text,boolean,boolean,text)")];
    an_unsafe_function_granted_to_public:
        "GRANT EXECUTE ON FUNCTION table_to_xml(regclass, boolean, boolean, text) TO PUBLIC;", ""
        => [(UnsafeFunction, "table_to_xml(regclass,boolean,boolean,text)")];
    the_three_argument_ts_rewrite_takes_no_sql_and_is_no_problem:
        "GRANT EXECUTE ON FUNCTION ts_rewrite(tsquery, tsquery, tsquery) TO PUBLIC;", ""
        => [];
    the_two_argument_ts_rewrite_runs_sql:
        "GRANT EXECUTE ON FUNCTION ts_rewrite(tsquery, text) TO PUBLIC;", ""
        => [(UnsafeFunction, "ts_rewrite(tsquery,text)")];
    a_cursor_reading_function_granted_to_public:
        "GRANT EXECUTE ON FUNCTION cursor_to_xml(refcursor, integer, boolean, boolean, text) TO PUBLIC;", ""
        => [(UnsafeFunction, "cursor_to_xml(refcursor,integer,boolean,boolean,text)")];
}

#[tokio::test]
async fn the_fix_of_an_unsafe_function_revokes_it_from_whom_it_was_granted_to() {
    let fixture = Fixture::new(&format!(
        "{CLEAN}\nGRANT EXECUTE ON FUNCTION query_to_xml(text, boolean, boolean, text) TO {{role}};\nGRANT EXECUTE ON FUNCTION schema_to_xml(name, boolean, boolean, text) TO PUBLIC;"
    ))
    .await;
    let problems = fixture.problems(SCHEMA).await;
    let fixes: Vec<&str> = problems.iter().map(|p| p.fix.as_str()).collect();
    let role = &fixture.role.0;
    assert_eq!(fixes.len(), 2, "{problems:#?}");
    assert!(
        fixes[0].starts_with(&format!(
            "REVOKE EXECUTE ON ROUTINE query_to_xml(text,boolean,boolean,text) FROM {role} "
        )),
        "{}",
        fixes[0]
    );
    assert!(
        fixes[1]
            .starts_with("REVOKE EXECUTE ON ROUTINE schema_to_xml(name,boolean,boolean,text) FROM PUBLIC "),
        "{}",
        fixes[1]
    );
    // The fixes work: run them, and the role may execute neither.
    let mut conn = fixture.db.connect().await;
    run(&mut conn, &format!("REVOKE EXECUTE ON ROUTINE query_to_xml(text,boolean,boolean,text) FROM {role};\nREVOKE EXECUTE ON ROUTINE schema_to_xml(name,boolean,boolean,text) FROM PUBLIC;")).await;
    assert_eq!(fixture.problems(SCHEMA).await, vec![]);
}

#[tokio::test]
async fn a_superuser_role_is_a_problem_of_its_own() {
    let fixture = Fixture::new(CLEAN).await;
    let schema = Schema::from_toml_str(SCHEMA).expect("schema");
    let mut conn = fixture.db.connect().await;
    // The connecting user, postgres, is a superuser.
    let problems = check_database(&mut conn, &schema, None).await.expect("check");
    assert_eq!(kinds(&problems), vec![(ProblemKind::SuperuserRole, "postgres")], "{problems:#?}");
}

#[tokio::test]
async fn an_unknown_role_is_an_error() {
    let fixture = Fixture::new(CLEAN).await;
    let schema = Schema::from_toml_str(SCHEMA).expect("schema");
    let mut conn = fixture.db.connect().await;
    let error =
        check_database(&mut conn, &schema, Some("no_such_role_mt")).await.expect_err("an unknown role");
    assert!(matches!(&error, Error::UnknownRole { role } if role == "no_such_role_mt"), "{error:?}");
    assert!(error.to_string().contains("--role"), "{error}");
}

#[tokio::test]
async fn problems_are_ordered_by_table_then_kind() {
    let fixture = Fixture::new(&format!(
        "{CLEAN}\nCREATE TABLE zz (company_id bigint, id bigint PRIMARY KEY);\nCREATE TABLE aa (company_id bigint NOT NULL);"
    ))
    .await;
    let problems = fixture.problems(&format!("[tables.zz]\ntenant_column = \"company_id\"\n{SCHEMA}")).await;
    let expected = vec![
        (ProblemKind::UndeclaredTenantTable, "public.aa"),
        (ProblemKind::NullableTenantColumn, "public.zz"),
        (ProblemKind::KeyWithoutTenantColumn, "public.zz"),
    ];
    assert_eq!(kinds(&problems), expected, "{problems:#?}");
}

#[tokio::test]
async fn every_dblink_function_the_role_may_execute_is_unsafe_once_the_extension_is_installed() {
    let fixture = Fixture::new(&format!("{CLEAN}\nCREATE EXTENSION dblink;")).await;
    let problems = fixture.problems(SCHEMA).await;
    assert!(
        problems.iter().all(|p| p.kind == ProblemKind::UnsafeFunction && p.table.starts_with("dblink")),
        "{problems:#?}"
    );
    let functions: Vec<&str> = problems.iter().map(|p| p.table.as_str()).collect();
    for expected in [
        "dblink(text,text)",
        "dblink_exec(text)",
        "dblink_build_sql_insert(text,int2vector,integer,text[],text[])",
    ] {
        assert!(functions.contains(&expected), "{expected} not in {functions:#?}");
    }
    assert!(problems.iter().all(|p| p.fix.contains("FROM PUBLIC")), "{problems:#?}");
}

#[tokio::test]
async fn tablefuncs_crosstab_and_connectby_are_unsafe() {
    let fixture = Fixture::new(&format!("{CLEAN}\nCREATE EXTENSION tablefunc;")).await;
    let functions: Vec<String> = fixture.problems(SCHEMA).await.into_iter().map(|p| p.table).collect();
    for expected in ["crosstab(text)", "crosstab(text,text)", "connectby(text,text,text,text,integer)"] {
        assert!(functions.iter().any(|f| f == expected), "{expected} not in {functions:#?}");
    }
    assert!(!functions.iter().any(|f| f.starts_with("normal_rand")), "{functions:#?}");
}

/// The fix of a foreign key that names the referenced tenant with a column of its own
/// (`campaign_company -> company_id`) puts the table's tenant column in that column's place.
#[tokio::test]
async fn a_foreign_keys_fix_pairs_the_tenant_columns_in_place_of_a_copy_of_the_tenant() {
    let ddl = "CREATE UNIQUE INDEX campaigns_tenant_id ON campaigns (company_id, id); CREATE TABLE notes (company_id bigint NOT NULL, campaign_id bigint, campaign_company bigint, FOREIGN KEY (campaign_company, campaign_id) REFERENCES campaigns (company_id, id));";
    let fixture = Fixture::new(&format!("{CLEAN}\n{ddl}")).await;
    let problems =
        fixture.problems(&format!("[tables.notes]\ntenant_column = \"company_id\"\n{SCHEMA}")).await;
    let fixes: Vec<&str> = problems.iter().map(|p| p.fix.as_str()).collect();
    assert_eq!(
        fixes,
        [
            "replace it with FOREIGN KEY (company_id, campaign_id) REFERENCES public.campaigns (company_id, id) \
          (the referenced columns need a key)"
        ]
    );
}
