//! The audit refuses SQL that leaves a tenant-table reference unguarded, wherever it is, and
//! accepts the placements that are correct.

mod common;

use common::schema;
use multitenant::{Dialect, Problem, Scope, audit_sql};

fn audit(sql: &str) -> Result<(), Problem> {
    audit_sql(sql, &schema(), Dialect::Postgres, &Scope::tenant(5_i64), Some(1)).map_err(|e| e.problem())
}

macro_rules! audits {
    ($($name:ident: $sql:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_eq!(audit($sql), $expected, "{}", $sql);
            }
        )*
    };
}

audits! {
    where_guard: "SELECT * FROM ads WHERE ads.company_id = $1" => Ok(());
    literal_guard: "SELECT * FROM ads a WHERE a.company_id = 5" => Ok(());
    other_tenant_literal: "SELECT * FROM ads a WHERE a.company_id = 6" => Err(Problem::Unguarded);
    no_guard: "SELECT * FROM ads" => Err(Problem::Unguarded);
    guard_under_or: "SELECT * FROM ads WHERE ads.company_id = $1 OR true" => Err(Problem::Unguarded);
    wrong_qualifier: "SELECT * FROM ads a, ads b WHERE a.company_id = $1" => Err(Problem::Unguarded);
    inner_join_on: "SELECT * FROM ads a JOIN campaigns c ON c.id = a.campaign_id AND c.company_id = $1 WHERE a.company_id = $1" => Ok(());
    nullable_side_in_where: "SELECT * FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id WHERE c.company_id = $1 AND a.company_id = $1" => Err(Problem::Unguarded);
    nullable_side_in_on: "SELECT * FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id AND a.company_id = $1 WHERE c.company_id = $1" => Ok(());
    preserved_side_in_on: "SELECT * FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id AND a.company_id = $1 AND c.company_id = $1" => Err(Problem::Unguarded);
    full_join_unwrapped: "SELECT * FROM campaigns c FULL JOIN ads a ON a.campaign_id = c.id AND a.company_id = $1 AND c.company_id = $1" => Err(Problem::Unguarded);
    subquery_unguarded: "SELECT * FROM campaigns c WHERE c.company_id = $1 AND EXISTS (SELECT 1 FROM ads)" => Err(Problem::Unguarded);
    select_list_subquery: "SELECT (SELECT count(*) FROM ads) FROM geo" => Err(Problem::Unguarded);
    cte_body_unguarded: "WITH x AS (SELECT * FROM ads) SELECT * FROM x" => Err(Problem::Unguarded);
    cte_shadow: "WITH ads AS (SELECT 1) SELECT * FROM ads" => Ok(());
    cte_defined_later_is_table: "WITH a AS (SELECT * FROM ads), ads AS (SELECT 1) SELECT * FROM a" => Err(Problem::Unguarded);
    union_side: "SELECT id FROM ads WHERE ads.company_id = $1 UNION SELECT id FROM campaigns" => Err(Problem::Unguarded);
    insert_without_tenant: "INSERT INTO ads (id) VALUES (1)" => Err(Problem::InsertedTenant);
    insert_other_tenant: "INSERT INTO ads (id, company_id) VALUES (1, 6)" => Err(Problem::InsertedTenant);
    insert_tenant: "INSERT INTO ads (id, company_id) VALUES (1, $1)" => Ok(());
    update_assigns_tenant: "UPDATE ads SET company_id = 6 WHERE ads.company_id = $1" => Err(Problem::TenantAssigned);
    update_unguarded: "UPDATE ads SET title = 'x'" => Err(Problem::Unguarded);
    update_keeps_tenant: "UPDATE ads SET company_id = 5 WHERE ads.company_id = 5 AND ads.company_id = $1" => Ok(());
    update_keeps_tenant_unequated: "UPDATE ads SET company_id = 5 WHERE ads.company_id = $1" => Err(Problem::TenantAssigned);
    update_other_tenant_equated: "UPDATE ads SET company_id = 6 WHERE ads.company_id = 6 AND ads.company_id = $1" => Err(Problem::TenantAssigned);
    update_unguarded_parameter: "UPDATE ads SET company_id = $2 WHERE ads.company_id = $2 AND ads.company_id = $1" => Err(Problem::TenantAssigned);
    update_tenant_itself: "UPDATE ads a SET company_id = a.company_id WHERE a.company_id = $1" => Ok(());
    update_tuple_tenant: "UPDATE ads SET (company_id, title) = (5, 'x') WHERE ads.company_id = 5 AND ads.company_id = $1" => Err(Problem::TenantAssigned);
    upsert_excluded_equated: "INSERT INTO ads (id, company_id) VALUES (1, $1) ON CONFLICT (company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id WHERE ads.company_id = $1 AND ads.company_id = EXCLUDED.company_id" => Ok(());
    upsert_excluded_unequated: "INSERT INTO ads (id, company_id) VALUES (1, $1) ON CONFLICT (company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id WHERE ads.company_id = $1" => Err(Problem::TenantAssigned);
    delete_using_unguarded: "DELETE FROM ads USING campaigns c WHERE ads.company_id = $1" => Err(Problem::Unguarded);
    truncate: "TRUNCATE ads" => Err(Problem::Opaque);
    reference_only: "SELECT * FROM geo" => Ok(());
    regression_from_only_unguarded: "SELECT * FROM ONLY ads" => Err(Problem::Unguarded);
    regression_from_only_guarded: "SELECT * FROM ONLY ads WHERE ads.company_id = $1" => Ok(());
}

// Functions that run SQL text or read tables by name fail wherever they stand, even when every
// table reference is guarded: nothing they read is.
audits! {
    function_in_from: "SELECT * FROM query_to_xml('select * from ads', true, true, '')" => Err(Problem::UnscopableFunction);
    function_beside_guarded_table: "SELECT * FROM ads, LATERAL query_to_xml('select * from ads', true, true, '') x WHERE ads.company_id = $1" => Err(Problem::UnscopableFunction);
    function_in_select_list: "SELECT pg_catalog.TABLE_TO_XML('ads', true, true, '')" => Err(Problem::UnscopableFunction);
    function_in_guarded_subquery: "SELECT * FROM ads WHERE ads.company_id = $1 AND EXISTS (SELECT 1 FROM dblink('select 1') AS t(i int))" => Err(Problem::UnscopableFunction);
    function_in_update_set: "UPDATE ads SET title = dblink_exec('delete from ads')::text WHERE ads.company_id = $1" => Err(Problem::UnscopableFunction);
    function_called: "CALL dblink_exec('delete from ads')" => Err(Problem::UnscopableFunction);
    function_in_prepare: "PREPARE p AS SELECT ts_stat('select v from ads')" => Err(Problem::UnscopableFunction);
    function_unicode_escaped: "SELECT U&\"query\\005fto_xml\"('select * from ads', true, true, '')" => Err(Problem::UnscopableFunction);
    harmless_function: "SELECT * FROM ads, generate_series(1, 2) g WHERE ads.company_id = $1" => Ok(());
}

// Cursors and COPY of a query are proven through their query.
audits! {
    cursor_guarded: "DECLARE c NO SCROLL CURSOR FOR SELECT * FROM ads WHERE ads.company_id = $1" => Ok(());
    cursor_unguarded: "DECLARE c CURSOR FOR SELECT * FROM ads" => Err(Problem::Unguarded);
    cursor_unguarded_subquery: "DECLARE c CURSOR FOR SELECT * FROM geo WHERE id IN (SELECT geo_id FROM ads)" => Err(Problem::Unguarded);
    cursor_held_over_tenant_table: "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ads WHERE ads.company_id = $1" => Err(Problem::HeldCursor);
    cursor_held_over_reference_table: "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM geo" => Ok(());
    fetch_and_close: "FETCH FORWARD 10 FROM ads; CLOSE ads; CLOSE ALL" => Ok(());
    fetch_into_tenant_table: "FETCH 1 FROM c INTO ads" => Err(Problem::Opaque);
    copy_query_guarded: "COPY (SELECT * FROM ads WHERE ads.company_id = 5) TO STDOUT" => Ok(());
    copy_query_unguarded: "COPY (SELECT * FROM ads) TO STDOUT" => Err(Problem::Unguarded);
    copy_table: "COPY ads TO STDOUT" => Err(Problem::Opaque);
    copy_from: "COPY ads FROM STDIN" => Err(Problem::Opaque);
}

/// The PostgreSQL guard (`Output::Guarded`) of parameter `k` by `test`, naming parameter `named`.
fn guard(k: usize, test: &str, named: usize) -> String {
    guard_of(&format!("${k}"), test, named)
}

/// The PostgreSQL guard of `value` by `test`, naming parameter `named`.
fn guard_of(value: &str, test: &str, named: usize) -> String {
    format!(
        "CASE WHEN {test} THEN {value} WHEN CAST('multitenant: parameter {named} is not a current tenant' || \
         coalesce(left(CAST({value} AS TEXT), 0), '') AS INT) = 0 THEN {value} END"
    )
}

fn insert(value: &str) -> String {
    format!("INSERT INTO ads (company_id, id) VALUES ({value}, 7)")
}

fn update(value: &str, condition: &str) -> String {
    format!("UPDATE ads SET company_id = {value} WHERE ads.id = 3 AND {condition} AND ads.company_id = $1")
}

// A parameter guarded in the SQL by the database (`Output::Guarded`) is a tenant value, in
// exactly the guard's shape: the parameter, compared with the tenant parameter, failing with a
// text that names it. The tenant parameter is $1 here.
audits! {
    guarded_insert: &insert(&guard(2, "$2 = $1", 2)) => Ok(());
    guarded_insert_cast: &insert(&guard_of("$2::BIGINT", "$2::BIGINT = $1", 2)) => Ok(());
    guarded_insert_cast_outside_the_guard: &insert(&format!("{}::VARCHAR(2)", guard(2, "$2 = $1", 2))) => Err(Problem::InsertedTenant);
    guard_tests_the_value_uncast: &insert(&guard_of("$2::VARCHAR(2)", "$2 = $1", 2)) => Err(Problem::InsertedTenant);
    guarded_insert_select: &format!("INSERT INTO ads (company_id, id) SELECT {}, id FROM geo", guard(2, "$2 = $1", 2)) => Ok(());
    guarded_insert_any: &insert(&guard(2, "$2 = ANY($1)", 2)) => Ok(());
    unguarded_parameter_insert: &insert("$2") => Err(Problem::InsertedTenant);
    guard_compares_with_another_parameter: &insert(&guard(2, "$2 = $3", 2)) => Err(Problem::InsertedTenant);
    guard_tests_another_parameter: &insert(&guard(2, "$3 = $1", 2)) => Err(Problem::InsertedTenant);
    guard_names_another_parameter: &insert(&guard(2, "$2 = $1", 3)) => Err(Problem::InsertedTenant);
    guard_test_negated: &insert(&guard(2, "$2 <> $1", 2)) => Err(Problem::InsertedTenant);
    guard_test_or_true: &insert(&guard(2, "$2 = $1 OR true", 2)) => Err(Problem::InsertedTenant);
    guard_yields_another_value: &insert("CASE WHEN $2 = $1 THEN $3 WHEN CAST('multitenant: parameter 2 is not a current tenant' || coalesce(left(CAST($2 AS TEXT), 0), '') AS INT) = 0 THEN $2 END") => Err(Problem::InsertedTenant);
    guard_failure_does_not_fail: &insert("CASE WHEN $2 = $1 THEN $2 ELSE $2 END") => Err(Problem::InsertedTenant);
    guard_without_failure: &insert("CASE WHEN $2 = $1 THEN $2 END") => Err(Problem::InsertedTenant);
    guard_with_sqlite_failure_on_postgres: &insert("CASE WHEN $2 = $1 THEN $2 ELSE json_extract('{}', 'multitenant: parameter 2 is not a current tenant') END") => Err(Problem::InsertedTenant);
    guarded_update_equated: &update(&guard(2, "$2 = $1", 2), "ads.company_id = $2") => Ok(());
    guarded_update_unequated: &update(&guard(2, "$2 = $1", 2), "ads.title = $2") => Err(Problem::TenantAssigned);
    guarded_update_equated_with_another: &update(&guard(2, "$2 = $1", 2), "ads.company_id = $3") => Err(Problem::TenantAssigned);
}

#[test]
fn sqlite_guard_is_a_tenant_value_in_its_own_form_only() {
    let sqlite = |sql: &str| {
        audit_sql(sql, &schema(), Dialect::Sqlite, &Scope::tenant(5_i64), Some(1)).map_err(|e| e.problem())
    };
    let failure = "json_extract('{}', 'multitenant: parameter 2 is not a current tenant')";
    let guarded = format!("CASE WHEN ?2 = ?1 THEN ?2 ELSE {failure} END");
    assert_eq!(sqlite(&insert(&guarded).replace('$', "?")), Ok(()));
    let many = format!("CASE WHEN ?2 IN (SELECT value FROM json_each(?1)) THEN ?2 ELSE {failure} END");
    assert_eq!(sqlite(&insert(&many).replace('$', "?")), Ok(()));
    let postgres_form = guard(2, "$2 = $1", 2).replace('$', "?");
    assert_eq!(sqlite(&insert(&postgres_form)), Err(Problem::InsertedTenant));
    let other_text = guarded.replace("parameter 2", "parameter 3");
    assert_eq!(sqlite(&insert(&other_text)), Err(Problem::InsertedTenant));
}
