//! The rewriter's statement forms, as `input -> expected SQL` tables. Every case also checks
//! that the output parses again and that rewriting the output (inline) changes nothing.

mod common;

use common::schema;
use multitenant::{Dialect, Error, Output, Rewriter, Scope};

fn rewrite(dialect: Dialect, scope: Option<&Scope>, output: Output, sql: &str) -> Result<String, Error> {
    let rewriter = Rewriter::new(schema(), dialect);
    rewriter.rewrite_in(scope, sql, output).map(|r| r.sql().to_owned())
}

/// Checks one case: the expected output, that it parses, and (inline) that a second rewrite
/// changes nothing.
fn check(dialect: Dialect, scope: Option<Scope>, output: Output, input: &str, expected: &str) {
    let got =
        rewrite(dialect, scope.as_ref(), output, input).unwrap_or_else(|e| panic!("{input}\n  refused: {e}"));
    assert_eq!(got, expected, "\n  input: {input}");
    let reparsed = match dialect {
        Dialect::Sqlite => sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, &got),
        _ => sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &got),
    };
    assert!(reparsed.is_ok(), "output does not parse: {got}");
    if output == Output::Inline {
        let again = rewrite(dialect, scope.as_ref(), output, &got).expect("output rewrites");
        assert_eq!(again, got, "rewriting twice changed the output");
    }
}

macro_rules! cases {
    ($($name:ident: $scope:expr, $output:expr, $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check(Dialect::Postgres, $scope, $output, $input, $expected);
            }
        )*
    };
}

macro_rules! sqlite_cases {
    ($($name:ident: $scope:expr, $output:expr, $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check(Dialect::Sqlite, $scope, $output, $input, $expected);
            }
        )*
    };
}

macro_rules! refusals {
    ($($name:ident: $dialect:expr, $scope:expr, $input:expr => $pattern:pat,)*) => {
        $(
            #[test]
            fn $name() {
                match rewrite($dialect, $scope.as_ref(), Output::Bind, $input) {
                    Err(error) => {
                        assert!(matches!(error, $pattern), "{}: wrong refusal: {error:?}", $input);
                        assert!(!error.to_string().is_empty());
                    }
                    Ok(sql) => panic!("{} was let through as {sql}", $input),
                }
            }
        )*
    };
}

fn t42() -> Option<Scope> {
    Some(Scope::tenant(42_i64))
}

use Output::{Bind, Inline};

cases! {
    point_read: t42(), Bind, "SELECT * FROM ads WHERE id = $1"
        => "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2";
    inner_join: t42(), Inline, "SELECT * FROM ads JOIN campaigns c ON ads.campaign_id = c.id"
        => "SELECT * FROM ads JOIN campaigns c ON ads.campaign_id = c.id WHERE ads.company_id = 42 AND c.company_id = 42";
    left_join_goes_to_on: t42(), Inline, "SELECT * FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id"
        => "SELECT * FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id AND a.company_id = 42 WHERE c.company_id = 42";
    full_join_wraps: t42(), Inline, "SELECT * FROM campaigns c FULL JOIN ads a ON a.campaign_id = c.id"
        => "SELECT * FROM (SELECT * FROM campaigns c WHERE c.company_id = 42) AS c FULL JOIN (SELECT * FROM ads a WHERE a.company_id = 42) AS a ON a.campaign_id = c.id";
    or_is_grouped: t42(), Inline, "SELECT * FROM ads WHERE id = 1 OR id = 2"
        => "SELECT * FROM ads WHERE (id = 1 OR id = 2) AND ads.company_id = 42";
    cte_shadows_table: t42(), Inline, "WITH ads AS (SELECT 1 AS id) SELECT * FROM ads"
        => "WITH ads AS (SELECT 1 AS id) SELECT * FROM ads";
    subquery_in_where: t42(), Inline, "SELECT * FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id)"
        => "SELECT * FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.company_id = 42) AND c.company_id = 42";
    insert_adds_tenant: t42(), Bind, "INSERT INTO ads (id, title) VALUES ($1, $2), (3, 'x')"
        => "INSERT INTO ads (id, title, company_id) VALUES ($1, $2, $3), (3, 'x', $3)";
    many_tenants_bind: Scope::tenants([1_i64, 2]), Bind, "SELECT * FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id = ANY($1)";
    many_tenants_inline: Scope::tenants([1_i64, 2]), Inline, "SELECT * FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id IN (1, 2)";
    unscoped_colocates: Some(Scope::Unscoped), Inline, "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id"
        => "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id AND a.company_id = c.company_id";
    update_from: t42(), Inline, "UPDATE ads SET title = 'x' FROM campaigns c WHERE ads.campaign_id = c.id"
        => "UPDATE ads SET title = 'x' FROM campaigns c WHERE ads.campaign_id = c.id AND ads.company_id = 42 AND c.company_id = 42";
    delete_using: t42(), Inline, "DELETE FROM ads USING campaigns c WHERE ads.campaign_id = c.id RETURNING ads.id"
        => "DELETE FROM ads USING campaigns c WHERE ads.campaign_id = c.id AND ads.company_id = 42 AND c.company_id = 42 RETURNING ads.id";
    on_conflict_update: t42(), Inline, "INSERT INTO ads (company_id, id, title) VALUES (42, 1, 'x') ON CONFLICT (company_id, id) DO UPDATE SET title = excluded.title"
        => "INSERT INTO ads (company_id, id, title) VALUES (42, 1, 'x') ON CONFLICT(company_id, id) DO UPDATE SET title = excluded.title WHERE ads.company_id = 42";
    geo_untouched: None, Bind, "select * from geo" => "select * from geo";
}

fn t13() -> Option<Scope> {
    Scope::tenants([1_i64, 3])
}

fn unscoped() -> Option<Scope> {
    Some(Scope::Unscoped)
}

// Joins of every kind, and where each side's predicate goes.
cases! {
    comma_join: t42(), Inline, "SELECT * FROM ads, campaigns WHERE ads.campaign_id = campaigns.id"
        => "SELECT * FROM ads, campaigns WHERE ads.campaign_id = campaigns.id AND ads.company_id = 42 AND campaigns.company_id = 42";
    right_join_left_side_to_on: t42(), Inline, "SELECT * FROM ads a RIGHT JOIN campaigns c ON a.campaign_id = c.id"
        => "SELECT * FROM ads a RIGHT JOIN campaigns c ON a.campaign_id = c.id AND a.company_id = 42 WHERE c.company_id = 42";
    cross_join: t42(), Inline, "SELECT * FROM ads CROSS JOIN geo"
        => "SELECT * FROM ads CROSS JOIN geo WHERE ads.company_id = 42";
    left_join_using_wraps: t42(), Inline, "SELECT * FROM campaigns LEFT JOIN ads USING (company_id)"
        => "SELECT * FROM campaigns LEFT JOIN (SELECT * FROM ads WHERE ads.company_id = 42) AS ads USING(company_id) WHERE campaigns.company_id = 42";
    natural_left_join_wraps: t42(), Inline, "SELECT * FROM campaigns NATURAL LEFT JOIN ads"
        => "SELECT * FROM campaigns NATURAL LEFT JOIN (SELECT * FROM ads WHERE ads.company_id = 42) AS ads WHERE campaigns.company_id = 42";
    left_then_inner_chain: t42(), Inline, "SELECT * FROM companies co LEFT JOIN campaigns c ON c.company_id = co.id JOIN geo g ON g.id = 1"
        => "SELECT * FROM companies co LEFT JOIN campaigns c ON c.company_id = co.id AND c.company_id = 42 JOIN geo g ON g.id = 1 WHERE co.id = 42";
    inner_then_right_chain: t42(), Inline, "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id RIGHT JOIN companies co ON co.id = c.company_id"
        => "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id RIGHT JOIN companies co ON co.id = c.company_id AND a.company_id = 42 AND c.company_id = 42 WHERE co.id = 42";
    nested_join_on_nullable_side: t42(), Inline, "SELECT * FROM companies co LEFT JOIN (campaigns c JOIN ads a ON a.campaign_id = c.id) ON c.company_id = co.id"
        => "SELECT * FROM companies co LEFT JOIN (campaigns c JOIN ads a ON a.campaign_id = c.id) ON c.company_id = co.id AND c.company_id = 42 AND a.company_id = 42 WHERE co.id = 42";
    lateral_join: t42(), Inline, "SELECT * FROM campaigns c CROSS JOIN LATERAL (SELECT a.id FROM ads a WHERE a.campaign_id = c.id) x"
        => "SELECT * FROM campaigns c CROSS JOIN LATERAL (SELECT a.id FROM ads a WHERE a.campaign_id = c.id AND a.company_id = 42) x WHERE c.company_id = 42";
    reference_join_only_tenant_filtered: t42(), Bind, "SELECT * FROM ads JOIN geo ON geo.id = ads.geo_id WHERE ads.id = $1"
        => "SELECT * FROM ads JOIN geo ON geo.id = ads.geo_id WHERE ads.id = $1 AND ads.company_id = $2";
}

// Subqueries wherever an expression can stand, and derived tables.
cases! {
    subquery_in_select_list: t42(), Inline, "SELECT c.id, (SELECT count(*) FROM ads a WHERE a.campaign_id = c.id) FROM campaigns c"
        => "SELECT c.id, (SELECT count(*) FROM ads a WHERE a.campaign_id = c.id AND a.company_id = 42) FROM campaigns c WHERE c.company_id = 42";
    subquery_in_having: t42(), Inline, "SELECT campaign_id FROM ads GROUP BY campaign_id HAVING count(*) > (SELECT count(*) FROM campaigns)"
        => "SELECT campaign_id FROM ads WHERE ads.company_id = 42 GROUP BY campaign_id HAVING count(*) > (SELECT count(*) FROM campaigns WHERE campaigns.company_id = 42)";
    subquery_in_on: t42(), Inline, "SELECT * FROM geo JOIN ads ON ads.geo_id = geo.id AND ads.id IN (SELECT id FROM campaigns)"
        => "SELECT * FROM geo JOIN ads ON ads.geo_id = geo.id AND ads.id IN (SELECT id FROM campaigns WHERE campaigns.company_id = 42) WHERE ads.company_id = 42";
    subquery_in_order_by: t42(), Inline, "SELECT * FROM geo ORDER BY (SELECT count(*) FROM ads WHERE ads.geo_id = geo.id)"
        => "SELECT * FROM geo ORDER BY (SELECT count(*) FROM ads WHERE ads.geo_id = geo.id AND ads.company_id = 42)";
    subquery_in_limit: t42(), Inline, "SELECT * FROM geo LIMIT (SELECT count(*) FROM ads)"
        => "SELECT * FROM geo LIMIT (SELECT count(*) FROM ads WHERE ads.company_id = 42)";
    subquery_in_case: t42(), Inline, "SELECT CASE WHEN EXISTS (SELECT 1 FROM ads) THEN 1 ELSE 0 END"
        => "SELECT CASE WHEN EXISTS (SELECT 1 FROM ads WHERE ads.company_id = 42) THEN 1 ELSE 0 END";
    subquery_in_function_argument: t42(), Inline, "SELECT coalesce((SELECT max(id) FROM ads), 0)"
        => "SELECT coalesce((SELECT max(id) FROM ads WHERE ads.company_id = 42), 0)";
    subquery_in_values: t42(), Inline, "VALUES ((SELECT count(*) FROM ads))"
        => "VALUES ((SELECT count(*) FROM ads WHERE ads.company_id = 42))";
    derived_table: t42(), Inline, "SELECT * FROM (SELECT id FROM ads) AS x JOIN geo ON true"
        => "SELECT * FROM (SELECT id FROM ads WHERE ads.company_id = 42) AS x JOIN geo ON true";
    where_already_nested: t42(), Inline, "SELECT * FROM ads WHERE (id = 1 OR id = 2)"
        => "SELECT * FROM ads WHERE (id = 1 OR id = 2) AND ads.company_id = 42";
    regression_fuzz_bare_not_is_grouped: t42(), Inline, "SELECT id FROM ads WHERE NOT"
        => "SELECT id FROM ads WHERE (NOT) AND ads.company_id = 42";
    negation_is_grouped: t42(), Inline, "SELECT id FROM ads WHERE NOT id = 1"
        => "SELECT id FROM ads WHERE (NOT id = 1) AND ads.company_id = 42";
    and_or_mix_is_grouped: t42(), Inline, "SELECT * FROM ads WHERE id = 1 AND title = 'a' OR clicks > 3"
        => "SELECT * FROM ads WHERE (id = 1 AND title = 'a' OR clicks > 3) AND ads.company_id = 42";
}

// CTEs, set operations, names.
cases! {
    cte_body_scoped: t42(), Inline, "WITH x AS (SELECT * FROM ads) SELECT * FROM x"
        => "WITH x AS (SELECT * FROM ads WHERE ads.company_id = 42) SELECT * FROM x";
    cte_defined_after_use_is_table: t42(), Inline, "WITH a AS (SELECT * FROM ads), ads AS (SELECT 1 AS id) SELECT * FROM a, ads"
        => "WITH a AS (SELECT * FROM ads WHERE ads.company_id = 42), ads AS (SELECT 1 AS id) SELECT * FROM a, ads";
    cte_visible_in_subquery: t42(), Inline, "WITH ads AS (SELECT 1 AS id) SELECT * FROM geo WHERE id IN (SELECT id FROM ads)"
        => "WITH ads AS (SELECT 1 AS id) SELECT * FROM geo WHERE id IN (SELECT id FROM ads)";
    cte_scope_ends_with_its_query: t42(), Inline, "SELECT * FROM (WITH ads AS (SELECT 1 AS id) SELECT * FROM ads) x, ads"
        => "SELECT * FROM (WITH ads AS (SELECT 1 AS id) SELECT * FROM ads) x, ads WHERE ads.company_id = 42";
    recursive_cte: t42(), Inline, "WITH RECURSIVE r AS (SELECT id FROM campaigns UNION ALL SELECT r.id + 1 FROM r WHERE r.id < 3) SELECT * FROM r"
        => "WITH RECURSIVE r AS (SELECT id FROM campaigns WHERE campaigns.company_id = 42 UNION ALL SELECT r.id + 1 FROM r WHERE r.id < 3) SELECT * FROM r";
    data_modifying_cte: t42(), Inline, "WITH d AS (DELETE FROM ads WHERE id = 1 RETURNING id) SELECT * FROM d"
        => "WITH d AS (DELETE FROM ads WHERE id = 1 AND ads.company_id = 42 RETURNING id) SELECT * FROM d";
    union_each_side: t42(), Inline, "SELECT id FROM ads UNION SELECT id FROM campaigns EXCEPT SELECT id FROM geo"
        => "SELECT id FROM ads WHERE ads.company_id = 42 UNION SELECT id FROM campaigns WHERE campaigns.company_id = 42 EXCEPT SELECT id FROM geo";
    alias_shadows_table_name: t42(), Inline, "SELECT * FROM campaigns AS ads"
        => "SELECT * FROM campaigns AS ads WHERE ads.company_id = 42";
    reference_aliased_as_tenant_name: t42(), Inline, "SELECT * FROM geo AS ads"
        => "SELECT * FROM geo AS ads";
    upper_case_name: t42(), Inline, "SELECT * FROM ADS"
        => "SELECT * FROM ADS WHERE ADS.company_id = 42";
    quoted_lower_case_name: t42(), Inline, "SELECT * FROM \"ads\""
        => "SELECT * FROM \"ads\" WHERE \"ads\".company_id = 42";
    quoted_other_case_is_other_table: t42(), Inline, "SELECT * FROM \"Ads\""
        => "SELECT * FROM \"Ads\"";
    quoted_declared_name: t42(), Inline, "SELECT * FROM \"Visits\""
        => "SELECT * FROM \"Visits\" WHERE \"Visits\".company_id = 42";
    unquoted_folds_away_from_quoted: t42(), Inline, "SELECT * FROM Visits"
        => "SELECT * FROM Visits";
    schema_qualified: t42(), Inline, "SELECT * FROM public.ads"
        => "SELECT * FROM public.ads WHERE public.ads.company_id = 42";
    qualified_declared: t42(), Inline, "SELECT * FROM analytics.events e"
        => "SELECT * FROM analytics.events e WHERE e.company_id = 42";
    qualified_declared_other_schema: t42(), Inline, "SELECT * FROM public.events"
        => "SELECT * FROM public.events";
    unqualified_matches_qualified: t42(), Inline, "SELECT * FROM events"
        => "SELECT * FROM events WHERE events.company_id = 42";
    tenant_table_itself: t42(), Inline, "SELECT name FROM companies"
        => "SELECT name FROM companies WHERE companies.id = 42";
    for_update: t42(), Bind, "SELECT * FROM ads WHERE id = $1 FOR UPDATE"
        => "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2 FOR UPDATE";
    text_tenant_is_quoted: Some(Scope::tenant("o'brien")), Inline, "SELECT * FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id = 'o''brien'";
    explain_is_scoped: t42(), Inline, "EXPLAIN SELECT * FROM ads"
        => "EXPLAIN SELECT * FROM ads WHERE ads.company_id = 42";
    several_statements: t42(), Inline, "SELECT * FROM ads; DELETE FROM campaigns WHERE id = 1"
        => "SELECT * FROM ads WHERE ads.company_id = 42; DELETE FROM campaigns WHERE id = 1 AND campaigns.company_id = 42";
    ddl_without_tenant_table_passes: t42(), Bind, "CREATE TABLE notes (id int)"
        => "CREATE TABLE notes (id int)";
}

// Regression: sqlparser reads PostgreSQL's `ONLY ads` as a table `ONLY` aliased `ads`; it is
// the table `ads` and must be scoped.
cases! {
    regression_from_only_is_the_table: t42(), Inline, "SELECT * FROM ONLY ads"
        => "SELECT * FROM ONLY ads WHERE ads.company_id = 42";
    regression_update_only: t42(), Inline, "UPDATE ONLY ads SET title = 'x'"
        => "UPDATE ONLY ads SET title = 'x' WHERE ads.company_id = 42";
    regression_delete_only: t42(), Inline, "DELETE FROM ONLY ads"
        => "DELETE FROM ONLY ads WHERE ads.company_id = 42";
    regression_full_join_only_wraps: t42(), Inline, "SELECT * FROM geo FULL JOIN ONLY ads ON ads.geo_id = geo.id"
        => "SELECT * FROM geo FULL JOIN (SELECT * FROM ONLY ads WHERE ads.company_id = 42) AS ads ON ads.geo_id = geo.id";
}

// Writes.
cases! {
    update_where: t42(), Bind, "UPDATE ads SET title = $1 WHERE id = $2 RETURNING id"
        => "UPDATE ads SET title = $1 WHERE id = $2 AND ads.company_id = $3 RETURNING id";
    update_subquery_in_set: t42(), Inline, "UPDATE campaigns SET name = (SELECT max(title) FROM ads WHERE ads.campaign_id = campaigns.id)"
        => "UPDATE campaigns SET name = (SELECT max(title) FROM ads WHERE ads.campaign_id = campaigns.id AND ads.company_id = 42) WHERE campaigns.company_id = 42";
    delete_where: t42(), Bind, "DELETE FROM ads WHERE id = $1"
        => "DELETE FROM ads WHERE id = $1 AND ads.company_id = $2";
    insert_tenant_literal_accepted: t42(), Inline, "INSERT INTO ads (company_id, id) VALUES (42, 7)"
        => "INSERT INTO ads (company_id, id) VALUES (42, 7)";
    insert_tenant_parameter_guarded: t42(), Bind, "INSERT INTO ads (company_id, id) VALUES ($1, 7)"
        => "INSERT INTO ads (company_id, id) VALUES ($1, 7)";
    insert_select: t42(), Inline, "INSERT INTO ads (id, campaign_id, title) SELECT id + 100, id, name FROM campaigns"
        => "INSERT INTO ads (id, campaign_id, title, company_id) SELECT id + 100, id, name, 42 FROM campaigns WHERE campaigns.company_id = 42";
    insert_returning_subquery: t42(), Inline, "INSERT INTO ads (id) VALUES (9) RETURNING (SELECT count(*) FROM campaigns)"
        => "INSERT INTO ads (id, company_id) VALUES (9, 42) RETURNING (SELECT count(*) FROM campaigns WHERE campaigns.company_id = 42)";
    insert_on_conflict_nothing: t42(), Bind, "INSERT INTO ads (id) VALUES ($1) ON CONFLICT DO NOTHING"
        => "INSERT INTO ads (id, company_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    insert_into_reference_table: t42(), Bind, "INSERT INTO geo (id, name) VALUES ($1, $2)"
        => "INSERT INTO geo (id, name) VALUES ($1, $2)";
    insert_into_reference_from_tenant: t42(), Inline, "INSERT INTO geo (id, name) SELECT id, title FROM ads"
        => "INSERT INTO geo (id, name) SELECT id, title FROM ads WHERE ads.company_id = 42";
}

// Unscoped mode: no filter; foreign-key joins get their tenant columns equated.
cases! {
    unscoped_no_filter: unscoped(), Bind, "SELECT * FROM ads WHERE id = $1"
        => "SELECT * FROM ads WHERE id = $1";
    unscoped_where_join: unscoped(), Inline, "SELECT * FROM ads a, campaigns c WHERE a.campaign_id = c.id"
        => "SELECT * FROM ads a, campaigns c WHERE a.campaign_id = c.id AND a.company_id = c.company_id";
    unscoped_reversed_join: unscoped(), Inline, "SELECT * FROM campaigns c JOIN ads a ON c.id = a.campaign_id"
        => "SELECT * FROM campaigns c JOIN ads a ON c.id = a.campaign_id AND c.company_id = a.company_id";
    unscoped_already_equated: unscoped(), Inline, "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id AND c.company_id = a.company_id"
        => "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id AND c.company_id = a.company_id";
    unscoped_tenant_fk_needs_nothing: unscoped(), Inline, "SELECT * FROM campaigns c JOIN companies co ON c.company_id = co.id"
        => "SELECT * FROM campaigns c JOIN companies co ON c.company_id = co.id";
    unscoped_non_fk_join_untouched: unscoped(), Inline, "SELECT * FROM ads a JOIN campaigns c ON a.id = c.id"
        => "SELECT * FROM ads a JOIN campaigns c ON a.id = c.id";
    unscoped_correlated_subquery: unscoped(), Inline, "SELECT * FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id)"
        => "SELECT * FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.company_id = c.company_id)";
    unscoped_correlated_delete: unscoped(), Inline, "DELETE FROM ads WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = ads.campaign_id)"
        => "DELETE FROM ads WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = ads.campaign_id AND c.company_id = ads.company_id)";
    unscoped_inner_alias_shadows_outer: unscoped(), Inline, "SELECT * FROM campaigns a WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = a.id)"
        => "SELECT * FROM campaigns a WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = a.id)";
    unscoped_lateral_correlation: unscoped(), Inline, "SELECT * FROM campaigns c CROSS JOIN LATERAL (SELECT a.title FROM ads a WHERE a.campaign_id = c.id LIMIT 1) x"
        => "SELECT * FROM campaigns c CROSS JOIN LATERAL (SELECT a.title FROM ads a WHERE a.campaign_id = c.id AND a.company_id = c.company_id LIMIT 1) x";
    unscoped_on_clause_subquery: unscoped(), Inline, "SELECT * FROM campaigns c JOIN geo g ON EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.geo_id = g.id)"
        => "SELECT * FROM campaigns c JOIN geo g ON EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id AND a.geo_id = g.id AND a.company_id = c.company_id)";
    unscoped_truncate_passes: unscoped(), Inline, "TRUNCATE ads"
        => "TRUNCATE ads";
}

// Several tenants.
cases! {
    many_tenants_join: t13(), Bind, "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id"
        => "SELECT * FROM ads a JOIN campaigns c ON a.campaign_id = c.id AND a.company_id = c.company_id WHERE a.company_id = ANY($1) AND c.company_id = ANY($1)";
    many_tenants_insert_named: t13(), Inline, "INSERT INTO ads (company_id, id) VALUES (3, 1)"
        => "INSERT INTO ads (company_id, id) VALUES (3, 1)";
}

// Spanning tenants, every relation along a declared key is co-located however SQL writes it:
// through parentheses, as a comparison with a subquery, through the same key.
cases! {
    // A derived table named like an enclosing tenant table hides it: `x.id` here is the
    // derived table's, so nothing relates along a key (the old matcher equated the enclosing
    // `ads x`, writing `x.company_id`, a column the derived table does not have).
    regression_colocate_derived_table_hides_enclosing_alias: unscoped(), Inline, "SELECT * FROM ads x WHERE EXISTS (SELECT 1 FROM (SELECT id FROM campaigns) AS x JOIN ads y ON x.id = y.id)"
        => "SELECT * FROM ads x WHERE EXISTS (SELECT 1 FROM (SELECT id FROM campaigns) AS x JOIN ads y ON x.id = y.id)";
    colocate_django_parenthesized_exists: unscoped(), Inline, r#"SELECT * FROM campaigns WHERE EXISTS(SELECT 1 AS "a" FROM "ads" U0 WHERE (U0."campaign_id" = ("campaigns"."id") AND U0."clicks" >= 4) LIMIT 1)"#
        => r#"SELECT * FROM campaigns WHERE EXISTS (SELECT 1 AS "a" FROM "ads" U0 WHERE (U0."campaign_id" = ("campaigns"."id") AND U0."clicks" >= 4) AND U0.company_id = campaigns.company_id LIMIT 1)"#;
    colocate_parenthesized_on: unscoped(), Inline, "SELECT * FROM ads a JOIN campaigns c ON ((a.campaign_id = c.id) AND (c.name = 'x'))"
        => "SELECT * FROM ads a JOIN campaigns c ON ((a.campaign_id = c.id) AND (c.name = 'x')) AND a.company_id = c.company_id";
    colocate_in_subquery: unscoped(), Inline, "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.name = 'x')"
        => "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.name = 'x' AND a.company_id = c.company_id)";
    colocate_in_subquery_unqualified: unscoped(), Inline, "SELECT * FROM ads WHERE campaign_id IN (SELECT id FROM campaigns)"
        => "SELECT * FROM ads WHERE campaign_id IN (SELECT id FROM campaigns WHERE ads.company_id = campaigns.company_id)";
    colocate_not_in_subquery: unscoped(), Inline, "SELECT * FROM ads a WHERE a.campaign_id NOT IN (SELECT c.id FROM campaigns c)"
        => "SELECT * FROM ads a WHERE a.campaign_id NOT IN (SELECT c.id FROM campaigns c WHERE a.company_id = c.company_id)";
    colocate_any_subquery: unscoped(), Inline, "SELECT * FROM ads a WHERE a.campaign_id = ANY (SELECT c.id FROM campaigns c)"
        => "SELECT * FROM ads a WHERE a.campaign_id = ANY(SELECT c.id FROM campaigns c WHERE a.company_id = c.company_id)";
    colocate_scalar_subquery_compared: unscoped(), Inline, "SELECT * FROM ads a WHERE (SELECT c.id FROM campaigns c WHERE c.name = a.title) = (a.campaign_id)"
        => "SELECT * FROM ads a WHERE (SELECT c.id FROM campaigns c WHERE c.name = a.title AND a.company_id = c.company_id) = (a.campaign_id)";
    colocate_scalar_count_parenthesized: unscoped(), Inline, "SELECT c.id, (SELECT count(*) FROM ads U0 WHERE U0.campaign_id = (c.id)) FROM campaigns c"
        => "SELECT c.id, (SELECT count(*) FROM ads U0 WHERE U0.campaign_id = (c.id) AND U0.company_id = c.company_id) FROM campaigns c";
    colocate_in_union_subquery: unscoped(), Inline, "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c UNION SELECT d.id FROM campaigns d)"
        => "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE a.company_id = c.company_id UNION SELECT d.id FROM campaigns d WHERE a.company_id = d.company_id)";
    colocate_update_in_same_table: unscoped(), Inline, "UPDATE ads SET title = 'x' WHERE id IN (SELECT U0.id FROM ads U0 JOIN campaigns U1 ON (U0.campaign_id = U1.id) WHERE U1.name = 'y')"
        => "UPDATE ads SET title = 'x' WHERE id IN (SELECT U0.id FROM ads U0 JOIN campaigns U1 ON (U0.campaign_id = U1.id) AND U0.company_id = U1.company_id WHERE U1.name = 'y' AND ads.company_id = U0.company_id)";
    colocate_siblings_by_the_same_key: unscoped(), Inline, "SELECT * FROM analytics.events e JOIN \"Visits\" v ON e.ad_id = v.ad_id"
        => "SELECT * FROM analytics.events e JOIN \"Visits\" v ON e.ad_id = v.ad_id AND e.company_id = v.company_id";
    colocate_self_join_by_foreign_key: unscoped(), Inline, "SELECT * FROM ads a JOIN ads b ON a.campaign_id = b.campaign_id"
        => "SELECT * FROM ads a JOIN ads b ON a.campaign_id = b.campaign_id AND a.company_id = b.company_id";
    colocate_unrelated_in_subquery_untouched: unscoped(), Inline, "SELECT * FROM ads a WHERE a.id IN (SELECT c.id FROM campaigns c)"
        => "SELECT * FROM ads a WHERE a.id IN (SELECT c.id FROM campaigns c)";
    colocate_not_a_key_untouched: unscoped(), Inline, "SELECT * FROM ads a JOIN ads b ON a.title = b.title"
        => "SELECT * FROM ads a JOIN ads b ON a.title = b.title";
    colocate_several_tenants_in_subquery: t13(), Bind, "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c)"
        => "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.company_id = ANY($1) AND a.company_id = c.company_id) AND a.company_id = ANY($1)";
    colocate_one_tenant_adds_nothing: t42(), Inline, "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c)"
        => "SELECT * FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.company_id = 42) AND a.company_id = 42";
}

// Full-row saves: the tenant column may be assigned the row's own tenant (checked on every use,
// and equated with the column in the WHERE, so no other value can be written); nothing else.
cases! {
    full_row_update_literal: t42(), Inline, r#"UPDATE "ads" SET "company_id" = 42, "title" = 'x' WHERE "ads"."id" = 3"#
        => r#"UPDATE "ads" SET "company_id" = 42, "title" = 'x' WHERE "ads"."id" = 3 AND "ads".company_id = 42"#;
    full_row_update_literal_bound: t42(), Bind, "UPDATE ads SET company_id = 42, title = $1 WHERE id = $2"
        => "UPDATE ads SET company_id = 42, title = $1 WHERE id = $2 AND ads.company_id = 42 AND ads.company_id = $3";
    full_row_update_parameter: t42(), Bind, r#"UPDATE "ads" SET "company_id" = $1, "title" = $2 WHERE "ads"."id" = $3"#
        => r#"UPDATE "ads" SET "company_id" = $1, "title" = $2 WHERE "ads"."id" = $3 AND "ads".company_id = $1 AND "ads".company_id = $4"#;
    full_row_update_alias: t42(), Inline, "UPDATE ads AS a SET company_id = 42 WHERE a.id = 3"
        => "UPDATE ads AS a SET company_id = 42 WHERE a.id = 3 AND a.company_id = 42";
    full_row_update_itself: t42(), Inline, "UPDATE ads SET company_id = company_id, title = 'x' WHERE id = 3"
        => "UPDATE ads SET company_id = company_id, title = 'x' WHERE id = 3 AND ads.company_id = 42";
    full_row_update_itself_qualified: t42(), Inline, "UPDATE ads SET company_id = ads.company_id WHERE id = 3"
        => "UPDATE ads SET company_id = ads.company_id WHERE id = 3 AND ads.company_id = 42";
    full_row_update_several_tenants: t13(), Inline, "UPDATE ads SET company_id = 3, title = 'x' WHERE id = 5"
        => "UPDATE ads SET company_id = 3, title = 'x' WHERE id = 5 AND ads.company_id = 3 AND ads.company_id IN (1, 3)";
    full_row_update_several_tenants_parameter: t13(), Bind, "UPDATE ads SET company_id = $1 WHERE id = $2"
        => "UPDATE ads SET company_id = $1 WHERE id = $2 AND ads.company_id = $1 AND ads.company_id = ANY($3)";
    full_row_update_itself_unscoped: unscoped(), Inline, "UPDATE ads SET company_id = company_id WHERE id = 3"
        => "UPDATE ads SET company_id = company_id WHERE id = 3";
    execute_unscoped: unscoped(), Inline, "EXECUTE p(1)" => "EXECUTE p(1)";
    full_row_update_itself_in_parentheses: t42(), Inline, "UPDATE ads SET company_id = ((company_id)) WHERE id = 3"
        => "UPDATE ads SET company_id = ((company_id)) WHERE id = 3 AND ads.company_id = 42";
    upsert_tenant_from_excluded: t42(), Bind, "INSERT INTO ads (company_id, id, title) VALUES ($1, 1, $2) ON CONFLICT (company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id, title = EXCLUDED.title"
        => "INSERT INTO ads (company_id, id, title) VALUES ($1, 1, $2) ON CONFLICT(company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id, title = EXCLUDED.title WHERE ads.company_id = $3 AND ads.company_id = EXCLUDED.company_id";
    upsert_tenant_from_excluded_added: t42(), Inline, "INSERT INTO ads (id, title) VALUES (1, 'x') ON CONFLICT (company_id, id) DO UPDATE SET company_id = excluded.company_id"
        => "INSERT INTO ads (id, title, company_id) VALUES (1, 'x', 42) ON CONFLICT(company_id, id) DO UPDATE SET company_id = excluded.company_id WHERE ads.company_id = 42 AND ads.company_id = excluded.company_id";
    upsert_tenant_from_excluded_several: t13(), Inline, "INSERT INTO ads (company_id, id) VALUES (3, 1) ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id"
        => "INSERT INTO ads (company_id, id) VALUES (3, 1) ON CONFLICT(id) DO UPDATE SET company_id = EXCLUDED.company_id WHERE ads.company_id IN (1, 3) AND ads.company_id = EXCLUDED.company_id";
}

refusals! {
    full_row_update_other_tenant: Dialect::Postgres, t42(), "UPDATE ads SET company_id = 7, title = 'x' WHERE id = 3" => Error::ForeignTenant { statement: "UPDATE", .. },
    full_row_update_outside_set: Dialect::Postgres, t13(), "UPDATE ads SET company_id = 2 WHERE id = 3" => Error::ForeignTenant { .. },
    full_row_update_null: Dialect::Postgres, t42(), "UPDATE ads SET company_id = NULL WHERE id = 3" => Error::ForeignTenant { .. },
    full_row_update_expression: Dialect::Postgres, t42(), "UPDATE ads SET company_id = company_id + 1 WHERE id = 3" => Error::TenantColumnAssigned { .. },
    full_row_update_subquery: Dialect::Postgres, t42(), "UPDATE ads SET company_id = (SELECT 42) WHERE id = 3" => Error::TenantColumnAssigned { .. },
    full_row_update_other_tables_column: Dialect::Postgres, t42(), "UPDATE ads SET company_id = c.company_id FROM campaigns c WHERE c.id = ads.campaign_id" => Error::TenantColumnAssigned { .. },
    full_row_update_excluded_outside_upsert: Dialect::Postgres, t42(), "UPDATE ads SET company_id = excluded.company_id FROM ads excluded WHERE ads.id = excluded.id" => Error::TenantColumnAssigned { .. },
    full_row_update_tuple: Dialect::Postgres, t42(), "UPDATE ads SET (company_id, title) = (42, 'x') WHERE id = 3" => Error::TenantColumnAssigned { .. },
    // Checked before the cast, the value could name one tenant and write another's
    // ('007'::bigint is 7); only guarded output checks after it.
    regression_full_row_update_cast_parameter: Dialect::Postgres, t42(), "UPDATE ads SET company_id = $1::bigint WHERE id = $2" => Error::TenantColumnAssigned { .. },
    regression_insert_cast_parameter: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES ($1::bigint, $2)" => Error::Unsupported { .. },
    regression_insert_cast_literal: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (CAST('42' AS varchar(1)), 1)" => Error::Unsupported { .. },
    full_row_update_unscoped_value: Dialect::Postgres, unscoped(), "UPDATE ads SET company_id = 2 WHERE id = 3" => Error::TenantColumnAssigned { .. },
    // A cast of the row's own tenant may be another tenant (42::numeric(2,-1) is 40, and a
    // real cannot hold every bigint): only the column itself, maybe in parentheses, keeps it.
    regression_full_row_update_own_tenant_cast: Dialect::Postgres, t42(), "UPDATE ads SET company_id = company_id::numeric(2,-1) WHERE id = $1" => Error::TenantColumnAssigned { .. },
    regression_full_row_update_own_tenant_cast_qualified: Dialect::Postgres, t42(), "UPDATE ads SET company_id = CAST(ads.company_id AS real)" => Error::TenantColumnAssigned { .. },
    regression_full_row_update_own_tenant_cast_unscoped: Dialect::Postgres, unscoped(), "UPDATE ads SET company_id = (company_id)::numeric(2,-1)" => Error::TenantColumnAssigned { .. },
    regression_full_row_update_own_tenant_cast_several: Dialect::Postgres, t13(), "UPDATE ads SET company_id = company_id::numeric(1,-1) WHERE id = 5" => Error::TenantColumnAssigned { .. },
    regression_upsert_excluded_cast: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (42, 1) ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id::numeric(2,-1)" => Error::TenantColumnAssigned { .. },
    full_row_update_no_tenant: Dialect::Postgres, None::<Scope>, "UPDATE ads SET company_id = 2 WHERE id = 3" => Error::MissingTenant { .. },
    upsert_tenant_from_other_expression: Dialect::Postgres, t42(), "INSERT INTO ads (id) VALUES (1) ON CONFLICT (company_id, id) DO UPDATE SET company_id = ads.id" => Error::TenantColumnAssigned { .. },
}

sqlite_cases! {
    sqlite_full_row_update_parameter: t42(), Bind, "UPDATE ads SET company_id = ?, title = ? WHERE id = ?"
        => "UPDATE ads SET company_id = ?1, title = ?2 WHERE id = ?3 AND ads.company_id = ?1 AND ads.company_id = ?4";
    // Unscoped (admin work across tenants), OR REPLACE stays the caller's choice.
    sqlite_update_or_replace_unscoped: unscoped(), Inline, "UPDATE OR REPLACE ads SET id = 2 WHERE id = 1"
        => "UPDATE OR REPLACE ads SET id = 2 WHERE id = 1";
    sqlite_update_or_ignore: t42(), Inline, "UPDATE OR IGNORE ads SET id = 2 WHERE id = 1"
        => "UPDATE OR IGNORE ads SET id = 2 WHERE id = 1 AND ads.company_id = 42";
}

// SQLite: `?` placeholders are made explicit so the tenant parameter cannot shift them.
sqlite_cases! {
    sqlite_anonymous_parameters_numbered: t42(), Bind, "SELECT * FROM ads WHERE id = ? ORDER BY id LIMIT ?"
        => "SELECT * FROM ads WHERE id = ?1 AND ads.company_id = ?3 ORDER BY id LIMIT ?2";
    sqlite_numbered_parameters_kept: t42(), Bind, "SELECT * FROM ads WHERE id = ?2 AND title = ?1"
        => "SELECT * FROM ads WHERE id = ?2 AND title = ?1 AND ads.company_id = ?3";
    sqlite_insert: t42(), Bind, "INSERT INTO ads (id, title) VALUES (?, ?)"
        => "INSERT INTO ads (id, title, company_id) VALUES (?1, ?2, ?3)";
    sqlite_many_tenants: t13(), Bind, "SELECT * FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id IN (SELECT value FROM json_each(?1))";
    sqlite_quoted_name_ignores_case: t42(), Inline, "SELECT * FROM \"ADS\""
        => "SELECT * FROM \"ADS\" WHERE \"ADS\".company_id = 42";
    regression_sqlite_later_cte_is_visible_to_earlier: t42(), Inline, "WITH a AS (SELECT id FROM ads), ads AS (SELECT id FROM campaigns) SELECT id FROM a"
        => "WITH a AS (SELECT id FROM ads), ads AS (SELECT id FROM campaigns WHERE campaigns.company_id = 42) SELECT id FROM a";
    sqlite_untouched_keeps_anonymous: None, Bind, "SELECT * FROM geo WHERE id = ?"
        => "SELECT * FROM geo WHERE id = ?";
}

refusals! {
    no_tenant_select: Dialect::Postgres, None::<Scope>, "SELECT * FROM ads" => Error::MissingTenant { .. },
    no_tenant_in_subquery: Dialect::Postgres, None::<Scope>, "SELECT * FROM geo WHERE id IN (SELECT geo_id FROM ads)" => Error::MissingTenant { .. },
    no_tenant_insert: Dialect::Postgres, None::<Scope>, "INSERT INTO ads (id) VALUES (1)" => Error::MissingTenant { .. },
    no_tenant_truncate: Dialect::Postgres, None::<Scope>, "TRUNCATE ads" => Error::MissingTenant { .. },
    truncate: Dialect::Postgres, t42(), "TRUNCATE ads" => Error::Unsupported { .. },
    copy: Dialect::Postgres, t42(), "COPY ads FROM STDIN" => Error::Unsupported { .. },
    merge: Dialect::Postgres, t42(), "MERGE INTO ads USING geo ON ads.geo_id = geo.id WHEN MATCHED THEN DELETE" => Error::Unsupported { .. },
    drop_table: Dialect::Postgres, t42(), "DROP TABLE ads" => Error::Unsupported { .. },
    create_view_over_tenant_table: Dialect::Postgres, t42(), "CREATE VIEW v AS SELECT * FROM ads" => Error::Unsupported { .. },
    table_statement_does_not_parse: Dialect::Postgres, t42(), "TABLE ads" => Error::Parse { .. },
    unparseable: Dialect::Postgres, t42(), "SELEC * FROM ads" => Error::Parse { .. },
    one_bad_statement_refuses_all: Dialect::Postgres, t42(), "SELECT * FROM ads; TRUNCATE ads" => Error::Unsupported { .. },
    update_sets_tenant: Dialect::Postgres, t42(), "UPDATE ads SET company_id = 7 WHERE id = 1" => Error::ForeignTenant { .. },
    update_sets_tenant_qualified_upper: Dialect::Postgres, t42(), "UPDATE ads SET COMPANY_ID = 7" => Error::ForeignTenant { .. },
    regression_update_only_sets_tenant: Dialect::Postgres, t42(), "UPDATE ONLY ads SET company_id = 7" => Error::ForeignTenant { .. },
    update_sets_tenant_in_tuple: Dialect::Postgres, t42(), "UPDATE ads SET (title, company_id) = ('x', 7)" => Error::TenantColumnAssigned { .. },
    on_conflict_sets_tenant: Dialect::Postgres, t42(), "INSERT INTO ads (id) VALUES (1) ON CONFLICT (company_id, id) DO UPDATE SET company_id = 7" => Error::ForeignTenant { .. },
    insert_other_tenant_literal: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (7, 1)" => Error::ForeignTenant { .. },
    insert_second_row_other_tenant: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (42, 1), (7, 2)" => Error::ForeignTenant { .. },
    insert_null_tenant: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (NULL, 1)" => Error::ForeignTenant { .. },
    insert_tenant_expression: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (40 + 2, 1)" => Error::Unsupported { .. },
    insert_tenant_from_select_column: Dialect::Postgres, t42(), "INSERT INTO ads (company_id, id) SELECT company_id, id FROM campaigns" => Error::Unsupported { .. },
    insert_values_wider_than_columns: Dialect::Postgres, t42(), "INSERT INTO ads (id) VALUES (1, 'x')" => Error::Unsupported { .. },
    insert_select_wider_than_columns: Dialect::Postgres, t42(), "INSERT INTO ads (id) SELECT id, title FROM ads" => Error::Unsupported { .. },
    insert_select_star: Dialect::Postgres, t42(), "INSERT INTO ads (id, title) SELECT * FROM geo" => Error::Unsupported { .. },
    insert_set_operation: Dialect::Postgres, t42(), "INSERT INTO ads (id) SELECT 1 UNION SELECT 2" => Error::Unsupported { .. },
    regression_fuzz_string_literal_alias: Dialect::Postgres, t42(), "SELECT a.id FROM ads''''" => Error::Unsupported { .. },
    regression_string_literal_alias_sqlite: Dialect::Sqlite, t42(), "SELECT * FROM ads 'a'" => Error::Unsupported { .. },
    regression_fuzz_at_sign_schema: Dialect::Postgres, t42(), "SELECT (SELECT max(clicks) FROM @F.ads) AS top" => Error::Unsupported { .. },
    regression_fuzz_keyword_alias: Dialect::Postgres, t42(), "SELECT v.id, a.title FROM \"Visits\" v LEFT JOIN ads NULL" => Error::Unsupported { .. },
    regression_parameter_number_overflow: Dialect::Postgres, t42(), "SELECT * FROM ads WHERE id = $18446744073709551615" => Error::UnsupportedParameter { .. },
    regression_sqlite_parameter_number_overflow: Dialect::Sqlite, t42(), "SELECT * FROM ads WHERE id = ?18446744073709551615" => Error::UnsupportedParameter { .. },
    insert_without_columns: Dialect::Postgres, t42(), "INSERT INTO ads VALUES (42, 1)" => Error::MissingColumnList { .. },
    insert_default_values: Dialect::Postgres, t42(), "INSERT INTO ads DEFAULT VALUES" => Error::MissingColumnList { .. },
    insert_ambiguous_tenant: Dialect::Postgres, t13(), "INSERT INTO ads (id) VALUES (1)" => Error::AmbiguousTenant { .. },
    insert_outside_tenant_set: Dialect::Postgres, t13(), "INSERT INTO ads (company_id, id) VALUES (2, 1)" => Error::ForeignTenant { .. },
    column_aliases_hide_tenant: Dialect::Postgres, t42(), "SELECT * FROM ads AS a(x, y)" => Error::ColumnAliases { .. },
    do_block_does_not_parse: Dialect::Postgres, t42(), "DO $$ BEGIN DELETE FROM ads; END $$" => Error::Parse { .. },
    function_body_names_tenant_table: Dialect::Postgres, t42(), "CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM ads $$ LANGUAGE sql" => Error::Unsupported { .. },
    prepare_over_tenant_table: Dialect::Postgres, t42(), "PREPARE p AS SELECT * FROM ads" => Error::Unsupported { .. },
    runs_sql_text: Dialect::Postgres, t42(), "SELECT query_to_xml('SELECT * FROM ads', true, true, '')" => Error::UnscopableFunction { .. },
    question_mark_in_postgres: Dialect::Postgres, t42(), "SELECT * FROM ads WHERE id = ?" => Error::Parse { .. },
    sqlite_named_parameter: Dialect::Sqlite, t42(), "SELECT * FROM ads WHERE id = :id" => Error::UnsupportedParameter { .. },
    sqlite_insert_or_replace: Dialect::Sqlite, t42(), "INSERT OR REPLACE INTO ads (id) VALUES (1)" => Error::Unsupported { .. },
    // What EXECUTE runs was prepared where the rewriter never saw it (it refuses PREPARE under
    // a scope): it could read any tenant's rows.
    regression_execute_with_a_tenant: Dialect::Postgres, t42(), "EXECUTE p(1)" => Error::Unverifiable { statement: "EXECUTE", .. },
    regression_execute_with_several_tenants: Dialect::Postgres, t13(), "EXECUTE p" => Error::Unverifiable { .. },
    regression_execute_without_a_tenant: Dialect::Postgres, None::<Scope>, "EXECUTE p(1)" => Error::Unverifiable { .. },
    prepare_with_a_tenant: Dialect::Postgres, t42(), "PREPARE p AS SELECT * FROM ads WHERE id = $1" => Error::Unsupported { .. },
    // Its conflicting rows are deleted whoever's they are (a key without the tenant column).
    regression_sqlite_update_or_replace: Dialect::Sqlite, t42(), "UPDATE OR REPLACE ads SET id = 2 WHERE id = 1" => Error::Unsupported { .. },
    regression_sqlite_update_or_replace_several: Dialect::Sqlite, t13(), "UPDATE OR REPLACE ads SET title = 'x'" => Error::Unsupported { .. },
    mixed_tenant_kinds: Dialect::Postgres, Scope::tenants([multitenant::TenantId::from(1_i64), multitenant::TenantId::from("x")]), "SELECT 1" => Error::MixedTenantKinds { .. },
}

#[test]
fn guarded_parameter_is_checked_at_execution() {
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let scope = Scope::tenant(42_i64);
    let sql = "INSERT INTO ads (company_id, id) VALUES ($1, $2)";
    let rewritten = rewriter.rewrite_in(Some(&scope), sql, Bind).expect("accepted at rewrite time");
    assert_eq!(rewritten.guarded_parameters(), &[1]);
    assert!(rewritten.check_parameter(1, &42_i64.into()).is_ok());
    assert!(matches!(
        rewritten.check_parameter(1, &7_i64.into()),
        Err(Error::ForeignTenantParameter { index: 1, .. })
    ));
    assert!(rewritten.check_parameter(2, &7_i64.into()).is_ok(), "parameter 2 is not a tenant column");
}

#[test]
fn single_table_statement_compares_tenant_once() {
    // Citus keeps its fast-path router only when the tenant column is compared exactly once.
    let got = rewrite(Dialect::Postgres, t42().as_ref(), Bind, "SELECT count(*) FROM ads WHERE id > $1")
        .expect("scoped");
    assert_eq!(got.matches("company_id").count(), 1, "{got}");
}

#[test]
fn cached_rewrite_is_checked_against_each_tenant() {
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let sql = "INSERT INTO ads (company_id, id) VALUES (42, 1)";
    assert!(rewriter.rewrite_in(t42().as_ref(), sql, Bind).is_ok());
    let other = Scope::tenant(7_i64);
    assert!(matches!(rewriter.rewrite_in(Some(&other), sql, Bind), Err(Error::ForeignTenant { .. })));
}

#[test]
fn tenant_parameter_binding() {
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let rewritten =
        rewriter.rewrite_in(t13().as_ref(), "SELECT * FROM ads WHERE id = $1", Bind).expect("scoped");
    let parameter = rewritten.tenant_parameter().expect("a tenant parameter");
    assert_eq!(parameter.index(), 2);
    let multitenant::TenantBinding::Many(tenants, _) = parameter.binding() else { panic!("two tenants") };
    assert_eq!(tenants, &[1_i64.into(), 3_i64.into()]);
    assert_eq!(multitenant::TenantBinding::json_array(tenants), "[1,3]");
}

// ---------------------------------------------------------------------------------------------
// Functions that run SQL text or read tables by name, wherever a function can be called.
// Regression: `SELECT * FROM query_to_xml('select * from ads', ...)` (the function in FROM) was
// let through unchanged and returned every tenant's rows; the check now runs once over the
// whole statement tree, independent of the walk.

/// A call of a refused function, reading every tenant's ads, to put wherever a call can stand.
macro_rules! xml {
    () => {
        "query_to_xml('select * from ads', true, true, '')"
    };
}

refusals! {
    regression_sql_text_function_in_from: Dialect::Postgres, t42(), concat!("SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_select_list: Dialect::Postgres, t42(), concat!("SELECT ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_where: Dialect::Postgres, t42(), concat!("SELECT id FROM geo WHERE ", xml!(), " IS NOT NULL") => Error::UnscopableFunction { .. },
    sql_text_function_in_argument: Dialect::Postgres, t42(), concat!("SELECT coalesce(", xml!(), "::text, '')") => Error::UnscopableFunction { .. },
    sql_text_function_in_filter: Dialect::Postgres, t42(), concat!("SELECT count(*) FILTER (WHERE ", xml!(), " IS NULL) FROM geo") => Error::UnscopableFunction { .. },
    sql_text_function_in_from_with_tenant_table: Dialect::Postgres, t42(), concat!("SELECT * FROM ads, ", xml!(), " x") => Error::UnscopableFunction { .. },
    sql_text_function_lateral: Dialect::Postgres, t42(), concat!("SELECT * FROM geo, LATERAL ", xml!(), " x") => Error::UnscopableFunction { .. },
    sql_text_function_cross_join_lateral: Dialect::Postgres, t42(), "SELECT * FROM ads CROSS JOIN LATERAL table_to_xml('ads', true, true, '') x" => Error::UnscopableFunction { .. },
    sql_text_function_table_form: Dialect::Postgres, t42(), concat!("SELECT * FROM geo, TABLE(", xml!(), ")") => Error::UnscopableFunction { .. },
    sql_text_function_in_join_on: Dialect::Postgres, t42(), concat!("SELECT * FROM geo JOIN ads ON ", xml!(), " IS NOT NULL") => Error::UnscopableFunction { .. },
    sql_text_function_joined: Dialect::Postgres, t42(), "SELECT * FROM geo JOIN dblink('dbname=app', 'select id from ads') AS t(id int) ON t.id = geo.id" => Error::UnscopableFunction { .. },
    sql_text_function_left_joined: Dialect::Postgres, t42(), concat!("SELECT * FROM ads LEFT JOIN ", xml!(), " x ON true") => Error::UnscopableFunction { .. },
    sql_text_function_in_nested_join: Dialect::Postgres, t42(), concat!("SELECT * FROM geo LEFT JOIN (ads JOIN ", xml!(), " x ON true) ON true") => Error::UnscopableFunction { .. },
    sql_text_function_in_select_list_subquery: Dialect::Postgres, t42(), concat!("SELECT (SELECT ", xml!(), ")") => Error::UnscopableFunction { .. },
    sql_text_function_in_where_subquery: Dialect::Postgres, t42(), "SELECT * FROM geo WHERE EXISTS (SELECT 1 FROM schema_to_xml('public', true, true, ''))" => Error::UnscopableFunction { .. },
    sql_text_function_in_from_subquery: Dialect::Postgres, t42(), "SELECT * FROM (SELECT * FROM database_to_xml(true, true, '')) AS d" => Error::UnscopableFunction { .. },
    sql_text_function_in_lateral_subquery: Dialect::Postgres, t42(), concat!("SELECT * FROM ads, LATERAL (SELECT * FROM ", xml!(), " x) y") => Error::UnscopableFunction { .. },
    sql_text_function_in_having_subquery: Dialect::Postgres, t42(), "SELECT campaign_id FROM ads GROUP BY campaign_id HAVING count(*) > (SELECT count(*) FROM dblink('select 1') AS t(i int))" => Error::UnscopableFunction { .. },
    sql_text_function_in_order_by_subquery: Dialect::Postgres, t42(), concat!("SELECT * FROM geo ORDER BY (SELECT length(", xml!(), "::text))") => Error::UnscopableFunction { .. },
    sql_text_function_in_limit: Dialect::Postgres, t42(), concat!("SELECT * FROM geo LIMIT (SELECT length(", xml!(), "::text))") => Error::UnscopableFunction { .. },
    sql_text_function_in_cte: Dialect::Postgres, t42(), concat!("WITH x AS (SELECT * FROM ", xml!(), ") SELECT * FROM x") => Error::UnscopableFunction { .. },
    sql_text_function_in_set_operation: Dialect::Postgres, t42(), concat!("SELECT name FROM geo UNION SELECT ", xml!(), "::text") => Error::UnscopableFunction { .. },
    sql_text_function_in_values: Dialect::Postgres, t42(), concat!("VALUES (", xml!(), ")") => Error::UnscopableFunction { .. },
    sql_text_function_in_update_from: Dialect::Postgres, t42(), "UPDATE ads SET title = 'x' FROM dblink('select id from ads') AS t(id int) WHERE ads.id = t.id" => Error::UnscopableFunction { .. },
    sql_text_function_in_update_set: Dialect::Postgres, t42(), concat!("UPDATE ads SET title = ", xml!(), "::text") => Error::UnscopableFunction { .. },
    sql_text_function_in_update_where: Dialect::Postgres, t42(), "UPDATE geo SET name = 'x' WHERE dblink_exec('delete from ads') IS NULL" => Error::UnscopableFunction { .. },
    sql_text_function_in_update_returning: Dialect::Postgres, t42(), concat!("UPDATE ads SET title = 'x' RETURNING ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_delete_using: Dialect::Postgres, t42(), "DELETE FROM ads USING dblink('select 1') AS t(i int) WHERE ads.id = t.i" => Error::UnscopableFunction { .. },
    sql_text_function_in_delete_returning: Dialect::Postgres, t42(), concat!("DELETE FROM ads WHERE id = 1 RETURNING ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_insert_values: Dialect::Postgres, t42(), concat!("INSERT INTO ads (id, title) VALUES (1, ", xml!(), "::text)") => Error::UnscopableFunction { .. },
    sql_text_function_in_insert_select: Dialect::Postgres, t42(), concat!("INSERT INTO ads (id, title) SELECT 1, x::text FROM ", xml!(), " x") => Error::UnscopableFunction { .. },
    sql_text_function_in_insert_returning: Dialect::Postgres, t42(), concat!("INSERT INTO ads (id) VALUES (1) RETURNING ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_on_conflict: Dialect::Postgres, t42(), "INSERT INTO ads (id) VALUES (1) ON CONFLICT (company_id, id) DO UPDATE SET title = dblink_exec('delete from ads')::text" => Error::UnscopableFunction { .. },
    sql_text_function_in_data_modifying_cte: Dialect::Postgres, t42(), concat!("WITH d AS (DELETE FROM ads RETURNING ", xml!(), ") SELECT 1") => Error::UnscopableFunction { .. },
    sql_text_function_rows_from_does_not_parse: Dialect::Postgres, t42(), concat!("SELECT * FROM ROWS FROM (", xml!(), ")") => Error::Parse { .. },
    sql_text_function_in_prepare: Dialect::Postgres, t42(), concat!("PREPARE p AS SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_explain: Dialect::Postgres, t42(), concat!("EXPLAIN ANALYZE SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_called: Dialect::Postgres, t42(), "CALL dblink_exec('delete from ads')" => Error::UnscopableFunction { .. },
    sql_text_function_in_view: Dialect::Postgres, t42(), concat!("CREATE VIEW v AS SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_column_default: Dialect::Postgres, t42(), concat!("CREATE TABLE t (x text DEFAULT ", xml!(), "::text)") => Error::UnscopableFunction { .. },
    sql_text_function_in_cursor: Dialect::Postgres, t42(), concat!("DECLARE c CURSOR FOR SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_in_copy: Dialect::Postgres, t42(), concat!("COPY (SELECT * FROM ", xml!(), ") TO STDOUT") => Error::UnscopableFunction { .. },
    sql_text_function_behind_operator: Dialect::Postgres, t42(), "CREATE OPERATOR public.<~> (LEFTARG = tsquery, RIGHTARG = text, PROCEDURE = pg_catalog.ts_rewrite)" => Error::UnscopableFunction { .. },
    sql_text_function_in_second_statement: Dialect::Postgres, t42(), concat!("SELECT 1; SELECT ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_schema_qualified: Dialect::Postgres, t42(), "SELECT * FROM pg_catalog.query_to_xml('select * from ads', true, true, '')" => Error::UnscopableFunction { .. },
    sql_text_function_upper_case: Dialect::Postgres, t42(), "SELECT PG_CATALOG.QUERY_TO_XML('select * from ads', true, true, '')" => Error::UnscopableFunction { .. },
    sql_text_function_quoted: Dialect::Postgres, t42(), "SELECT * FROM \"pg_catalog\".\"query_to_xml\"('select * from ads', true, true, '')" => Error::UnscopableFunction { .. },
    regression_unicode_escaped_function_name: Dialect::Postgres, t42(), "SELECT U&\"query\\005fto_xml\"('select * from ads', true, true, '')" => Error::UnscopableFunction { .. },
    sql_text_function_without_tenant: Dialect::Postgres, None::<Scope>, concat!("SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sql_text_function_several_tenants: Dialect::Postgres, t13(), concat!("SELECT * FROM ", xml!()) => Error::UnscopableFunction { .. },
    sqlite_sql_text_function_in_where: Dialect::Sqlite, t42(), "SELECT * FROM geo WHERE query_to_xml('select * from ads', 1, 1, '') IS NOT NULL" => Error::UnscopableFunction { .. },
    sqlite_sql_text_function_in_from: Dialect::Sqlite, t42(), "SELECT * FROM geo, dblink('select * from ads')" => Error::UnscopableFunction { .. },
    sqlite_sql_text_function_in_insert: Dialect::Sqlite, t42(), "INSERT INTO ads (id, title) VALUES (1, query_to_xml('select * from ads', 1, 1, ''))" => Error::UnscopableFunction { .. },
    sqlite_load_extension: Dialect::Sqlite, t42(), "SELECT load_extension('/tmp/x.so')" => Error::UnscopableFunction { .. },
}

// One of each group of refused functions (see `src/functions.rs`).
refusals! {
    refused_query_to_xmlschema: Dialect::Postgres, t42(), "SELECT query_to_xml_and_xmlschema('select * from ads', true, true, '')" => Error::UnscopableFunction { .. },
    refused_table_to_xml: Dialect::Postgres, t42(), "SELECT table_to_xml('ads', true, true, '')" => Error::UnscopableFunction { .. },
    refused_cursor_to_xml: Dialect::Postgres, t42(), "SELECT cursor_to_xml('c', 10, true, true, '')" => Error::UnscopableFunction { .. },
    refused_ts_stat: Dialect::Postgres, t42(), "SELECT * FROM ts_stat('select to_tsvector(title) from ads')" => Error::UnscopableFunction { .. },
    refused_ts_rewrite_with_query: Dialect::Postgres, t42(), "SELECT ts_rewrite('a'::tsquery, 'select t, s from ads')" => Error::UnscopableFunction { .. },
    refused_crosstab: Dialect::Postgres, t42(), "SELECT * FROM crosstab3('select title, id::text, title from ads')" => Error::UnscopableFunction { .. },
    refused_connectby: Dialect::Postgres, t42(), "SELECT * FROM connectby('ads', 'id', 'campaign_id', '1', 0) AS t(id int, parent int, level int)" => Error::UnscopableFunction { .. },
    refused_xpath_table: Dialect::Postgres, t42(), "SELECT * FROM xpath_table('id', 'title', 'ads', '/a', 'true') AS t(id int, a text)" => Error::UnscopableFunction { .. },
    refused_dblink_build_sql: Dialect::Postgres, t42(), "SELECT dblink_build_sql_insert('ads', '1 2', 2, '{2,1}', '{2,1}')" => Error::UnscopableFunction { .. },
    refused_dblink_connect: Dialect::Postgres, t42(), "SELECT dblink_connect('c', 'dbname=app')" => Error::UnscopableFunction { .. },
    refused_get_raw_page: Dialect::Postgres, t42(), "SELECT * FROM heap_page_items(get_raw_page('ads', 0))" => Error::UnscopableFunction { .. },
    refused_bt_page_items: Dialect::Postgres, t42(), "SELECT * FROM bt_page_items('ads_pkey', 1)" => Error::UnscopableFunction { .. },
    refused_heap_force_kill: Dialect::Postgres, t42(), "SELECT heap_force_kill('ads'::regclass, ARRAY['(0,1)']::tid[])" => Error::UnscopableFunction { .. },
    refused_pg_read_binary_file: Dialect::Postgres, t42(), "SELECT pg_read_binary_file('base/1/2')" => Error::UnscopableFunction { .. },
    refused_logical_changes: Dialect::Postgres, t42(), "SELECT * FROM pg_logical_slot_peek_changes('slot', NULL, NULL)" => Error::UnscopableFunction { .. },
    refused_citus_run_command: Dialect::Postgres, t42(), "SELECT * FROM run_command_on_shards('ads', 'select count(*) from %s')" => Error::UnscopableFunction { .. },
    refused_citus_master_run_on_worker: Dialect::Postgres, t42(), "SELECT * FROM master_run_on_worker(ARRAY['w'], ARRAY[5432], ARRAY['select 1'], false)" => Error::UnscopableFunction { .. },
    refused_citus_intermediate_result: Dialect::Postgres, t42(), "SELECT create_intermediate_result('r', 'select * from ads')" => Error::UnscopableFunction { .. },
}

cases! {
    ts_rewrite_without_query_passes: t42(), Inline, "SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)"
        => "SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)";
    harmless_function_in_from_beside_tenant_table: t42(), Inline, "SELECT * FROM ads, generate_series(1, 2) AS g"
        => "SELECT * FROM ads, generate_series(1, 2) AS g WHERE ads.company_id = 42";
    harmless_lateral_function: t42(), Inline, "SELECT * FROM ads a, LATERAL unnest(ARRAY[a.id]) WITH ORDINALITY"
        => "SELECT * FROM ads a, LATERAL unnest(ARRAY[a.id]) WITH ORDINALITY WHERE a.company_id = 42";
    unscoped_sql_text_function_passes: unscoped(), Inline, "SELECT * FROM query_to_xml('select * from ads', true, true, '')"
        => "SELECT * FROM query_to_xml('select * from ads', true, true, '')";
}

// ---------------------------------------------------------------------------------------------
// Server-side cursors and COPY of a query: the query inside is scoped like any other, so the
// cursor or the copy holds only the tenant's rows. Every output is audited too.

fn check_audited(scope: Option<Scope>, output: Output, input: &str, expected: &str) {
    check(Dialect::Postgres, scope.clone(), output, input, expected);
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let rewritten = rewriter.rewrite_in(scope.as_ref(), input, output).expect("accepted");
    if let Err(error) = multitenant::audit(&rewritten, &schema(), Dialect::Postgres) {
        panic!("the audit refuses {}: {error}", rewritten.sql());
    }
}

macro_rules! audited_cases {
    ($($name:ident: $scope:expr, $output:expr, $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check_audited($scope, $output, $input, $expected);
            }
        )*
    };
}

audited_cases! {
    declare_cursor: t42(), Inline, "DECLARE c CURSOR FOR SELECT * FROM ads"
        => "DECLARE c CURSOR FOR SELECT * FROM ads WHERE ads.company_id = 42";
    declare_cursor_bound: t42(), Bind, "DECLARE c CURSOR FOR SELECT id FROM ads WHERE id > $1"
        => "DECLARE c CURSOR FOR SELECT id FROM ads WHERE id > $1 AND ads.company_id = $2";
    declare_no_scroll_without_hold: t42(), Bind, "DECLARE \"_django_curs_1_sync_1\" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT a.id FROM ads a JOIN campaigns c ON c.id = a.campaign_id"
        => "DECLARE \"_django_curs_1_sync_1\" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT a.id FROM ads a JOIN campaigns c ON c.id = a.campaign_id WHERE a.company_id = $1 AND c.company_id = $1";
    declare_binary_insensitive_scroll: t42(), Inline, "DECLARE c BINARY INSENSITIVE SCROLL CURSOR FOR SELECT id FROM campaigns WHERE id IN (SELECT campaign_id FROM ads)"
        => "DECLARE c BINARY INSENSITIVE SCROLL CURSOR FOR SELECT id FROM campaigns WHERE id IN (SELECT campaign_id FROM ads WHERE ads.company_id = 42) AND campaigns.company_id = 42";
    declare_asensitive_with_cte: t42(), Inline, "DECLARE c ASENSITIVE CURSOR FOR WITH x AS (SELECT id FROM ads) SELECT * FROM x"
        => "DECLARE c ASENSITIVE CURSOR FOR WITH x AS (SELECT id FROM ads WHERE ads.company_id = 42) SELECT * FROM x";
    declare_several_tenants: t13(), Bind, "DECLARE c CURSOR FOR SELECT * FROM ads"
        => "DECLARE c CURSOR FOR SELECT * FROM ads WHERE ads.company_id = ANY($1)";
    declare_with_hold_over_reference_table: t42(), Inline, "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM geo"
        => "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM geo";
    declare_with_hold_unscoped: unscoped(), Inline, "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ads"
        => "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ads";
    fetch_passes: t42(), Bind, "FETCH FORWARD 2000 FROM \"_django_curs_1_sync_1\""
        => "FETCH FORWARD 2000 FROM \"_django_curs_1_sync_1\"";
    fetch_forms_pass: t42(), Bind, "FETCH NEXT FROM c; FETCH PRIOR IN c; FETCH ABSOLUTE 3 FROM c; FETCH BACKWARD ALL IN c; FETCH 10 FROM c"
        => "FETCH NEXT FROM c; FETCH PRIOR IN c; FETCH ABSOLUTE 3 FROM c; FETCH BACKWARD ALL IN c; FETCH 10 FROM c";
    regression_fetch_cursor_named_like_tenant_table: t42(), Bind, "FETCH ALL FROM ads"
        => "FETCH ALL FROM ads";
    close_passes: t42(), Bind, "CLOSE c; CLOSE ALL"
        => "CLOSE c; CLOSE ALL";
    declare_fetch_close_script: t42(), Inline, "DECLARE c CURSOR FOR SELECT id FROM ads; FETCH 2 FROM c; CLOSE c"
        => "DECLARE c CURSOR FOR SELECT id FROM ads WHERE ads.company_id = 42; FETCH 2 FROM c; CLOSE c";
    copy_query_to_stdout: t42(), Inline, "COPY (SELECT id, title FROM ads) TO STDOUT"
        => "COPY (SELECT id, title FROM ads WHERE ads.company_id = 42) TO STDOUT";
    copy_query_csv_join: t42(), Inline, "COPY (SELECT a.id, c.name FROM ads a JOIN campaigns c ON c.id = a.campaign_id) TO STDOUT WITH (FORMAT csv, HEADER)"
        => "COPY (SELECT a.id, c.name FROM ads a JOIN campaigns c ON c.id = a.campaign_id WHERE a.company_id = 42 AND c.company_id = 42) TO STDOUT (FORMAT csv, HEADER)";
    copy_query_to_file: t42(), Inline, "COPY (SELECT * FROM ads) TO '/tmp/ads.csv'"
        => "COPY (SELECT * FROM ads WHERE ads.company_id = 42) TO '/tmp/ads.csv'";
    copy_query_to_program: t42(), Inline, "COPY (SELECT * FROM ads) TO PROGRAM 'gzip > /tmp/ads.gz'"
        => "COPY (SELECT * FROM ads WHERE ads.company_id = 42) TO PROGRAM 'gzip > /tmp/ads.gz'";
    copy_delete_returning: t42(), Inline, "COPY (DELETE FROM ads WHERE id = 1 RETURNING id) TO STDOUT"
        => "COPY (DELETE FROM ads WHERE id = 1 AND ads.company_id = 42 RETURNING id) TO STDOUT";
    copy_several_tenants: t13(), Inline, "COPY (SELECT * FROM ads) TO STDOUT"
        => "COPY (SELECT * FROM ads WHERE ads.company_id IN (1, 3)) TO STDOUT";
    copy_reference_table_bound: t42(), Bind, "COPY (SELECT * FROM geo) TO STDOUT"
        => "COPY (SELECT * FROM geo) TO STDOUT";
    copy_query_unscoped: unscoped(), Bind, "COPY (SELECT * FROM ads) TO STDOUT"
        => "COPY (SELECT * FROM ads) TO STDOUT";
}

refusals! {
    declare_with_hold_over_tenant_table: Dialect::Postgres, t42(), "DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT * FROM ads" => Error::Unsupported { .. },
    declare_with_hold_tenant_table_in_subquery: Dialect::Postgres, t42(), "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM geo WHERE id IN (SELECT geo_id FROM ads)" => Error::Unsupported { .. },
    declare_without_tenant: Dialect::Postgres, None::<Scope>, "DECLARE c CURSOR FOR SELECT * FROM ads" => Error::MissingTenant { .. },
    declare_with_hold_without_tenant: Dialect::Postgres, None::<Scope>, "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ads" => Error::MissingTenant { .. },
    declare_cursor_assigning_tenant: Dialect::Postgres, t42(), "DECLARE c CURSOR FOR UPDATE ads SET company_id = 7 RETURNING id" => Error::ForeignTenant { .. },
    move_does_not_parse: Dialect::Postgres, t42(), "MOVE FORWARD 5 IN c" => Error::Parse { .. },
    fetch_into_tenant_table: Dialect::Postgres, t42(), "FETCH 1 FROM c INTO ads" => Error::Unsupported { .. },
    copy_table_to_stdout: Dialect::Postgres, t42(), "COPY ads TO STDOUT" => Error::Unsupported { .. },
    copy_table_columns_to_stdout: Dialect::Postgres, t42(), "COPY ads (id, title) TO STDOUT" => Error::Unsupported { .. },
    copy_table_from_stdin: Dialect::Postgres, t42(), "COPY ads (id, title) FROM STDIN" => Error::Unsupported { .. },
    copy_table_from_file: Dialect::Postgres, t42(), "COPY campaigns FROM '/tmp/c.csv' WITH (FORMAT csv)" => Error::Unsupported { .. },
    copy_query_from_does_not_parse: Dialect::Postgres, t42(), "COPY (SELECT * FROM ads) FROM STDIN" => Error::Parse { .. },
    copy_query_bound_tenant: Dialect::Postgres, t42(), "COPY (SELECT * FROM ads) TO STDOUT" => Error::Unsupported { .. },
    copy_query_without_tenant: Dialect::Postgres, None::<Scope>, "COPY (SELECT * FROM ads) TO STDOUT" => Error::MissingTenant { .. },
}

#[test]
fn copy_table_keeps_its_message() {
    let error = rewrite(Dialect::Postgres, t42().as_ref(), Bind, "COPY ads TO STDOUT").expect_err("refused");
    assert_eq!(
        error.to_string(),
        "refused COPY on tenant table ads: COPY reads or writes whole tables; use INSERT or SELECT, \
         or run it inside multitenant::unscoped(..)"
    );
}

#[test]
fn with_hold_refusal_says_what_to_do() {
    let sql = "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM ads";
    let error = rewrite(Dialect::Postgres, t42().as_ref(), Bind, sql).expect_err("refused").to_string();
    assert!(error.contains("without WITH HOLD inside a transaction"), "{error}");
}

#[test]
fn sql_text_function_refusal_names_the_function() {
    let sql = "SELECT * FROM pg_catalog.query_to_xml('select * from ads', true, true, '')";
    let error = rewrite(Dialect::Postgres, t42().as_ref(), Bind, sql).expect_err("refused").to_string();
    assert!(error.starts_with("refused call to pg_catalog.query_to_xml: it runs SQL text"), "{error}");
}

// Regression: sqlparser's `parse_sql` stops at `END` after a statement and drops the rest, which
// both databases run (`END` is a column alias to them); such text is refused, by the rewriter
// and by the audit.
refusals! {
    regression_end_after_statement_hid_the_rest: Dialect::Postgres, t42(), "SELECT 1 END; DELETE FROM ads" => Error::Parse { .. },
    regression_end_after_statement_hid_the_rest_sqlite: Dialect::Sqlite, t42(), "SELECT 1 END; DELETE FROM ads" => Error::Parse { .. },
    regression_end_after_scoped_statement: Dialect::Postgres, t42(), "SELECT (SELECT count(*) FROM ads) END; DELETE FROM ads" => Error::Parse { .. },
    regression_end_without_scope: Dialect::Postgres, None::<Scope>, "SELECT * FROM geo END DELETE FROM ads" => Error::Parse { .. },
}

#[test]
fn regression_audit_end_hid_the_rest() {
    let scope = Scope::tenant(42_i64);
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let audited = multitenant::audit_sql(
            "SELECT * FROM geo END; DELETE FROM ads",
            &schema(),
            dialect,
            &scope,
            None,
        );
        assert_eq!(audited.map_err(|e| e.problem()), Err(multitenant::Problem::Unparseable), "{dialect:?}");
    }
}

// Comments survive the rewrite: a statement's leading and trailing comments are kept where
// they were (sqlcommenter tags, `-- ..` at the end with the newline that ends it, several
// statements each with their own); comments between a statement's tokens are dropped when it
// changes, and a statement that needs no change is returned as written. Every output here also
// passes the audit.

/// Like `cases!` for `dialect`; the output must also pass the audit.
macro_rules! comment_cases {
    ($dialect:expr; $($name:ident: $scope:expr, $output:expr, $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check($dialect, $scope, $output, $input, $expected);
                audited($dialect, $scope, $output, $input);
            }
        )*
    };
}

fn audited(dialect: Dialect, scope: Option<Scope>, output: Output, input: &str) {
    let rewriter = Rewriter::new(schema(), dialect);
    let rewritten = rewriter.rewrite_in(scope.as_ref(), input, output).expect("accepted");
    if let Err(e) = multitenant::audit(&rewritten, rewriter.schema(), dialect) {
        panic!("audit: {e}\n  in:  {input}\n  out: {}", rewritten.sql());
    }
}

const TRACEPARENT: &str = "traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'";

comment_cases! { Dialect::Postgres;
    comment_before: t42(), Bind, "/* app='ads' */ SELECT * FROM ads WHERE id = $1"
        => "/* app='ads' */ SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2";
    comment_after: t42(), Bind, "SELECT * FROM ads WHERE id = $1 /* after */"
        => "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2 /* after */";
    comment_after_before_semicolon: t42(), Bind, "SELECT * FROM ads /* after */;"
        => "SELECT * FROM ads WHERE ads.company_id = $1 /* after */";
    line_comment_at_end_keeps_its_newline: t42(), Bind, "SELECT * FROM ads WHERE id = $1 -- tagged"
        => "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2 -- tagged\n";
    line_comment_before: t42(), Inline, "-- monthly report\nSELECT count(*) FROM ads"
        => "-- monthly report\nSELECT count(*) FROM ads WHERE ads.company_id = 42";
    sqlcommenter: t42(), Inline, &format!("SELECT * FROM ads WHERE id = 1 /*{TRACEPARENT},route='%2Fads%2F%3Aid'*/")
        => &format!("SELECT * FROM ads WHERE id = 1 AND ads.company_id = 42 /*{TRACEPARENT},route='%2Fads%2F%3Aid'*/");
    sqlcommenter_marginalia: t42(), Inline, "UPDATE ads SET title = 'x' WHERE id = 1 /*application:Shop,controller:ads,action:update*/"
        => "UPDATE ads SET title = 'x' WHERE id = 1 AND ads.company_id = 42 /*application:Shop,controller:ads,action:update*/";
    several_statements_each_with_comments: t42(), Inline,
        "/* a */ SELECT * FROM ads /* a2 */; /* b */ UPDATE ads SET title = 'x' -- b2\n; -- c\nDELETE FROM ads WHERE id = 1; /* end */"
        => "/* a */ SELECT * FROM ads WHERE ads.company_id = 42 /* a2 */; /* b */ UPDATE ads SET title = 'x' WHERE ads.company_id = 42 -- b2\n; -- c\nDELETE FROM ads WHERE id = 1 AND ads.company_id = 42 /* end */";
    several_comments_in_a_row: t42(), Inline, "/* a */ -- b\n/* c */ SELECT * FROM ads /* d */ -- e\n/* f */"
        => "/* a */ -- b\n/* c */ SELECT * FROM ads WHERE ads.company_id = 42 /* d */ -- e\n /* f */";
    comments_around_empty_statements: t42(), Inline, "; /* a */ ;; SELECT * FROM ads ;; /* z */ ;"
        => "/* a */ SELECT * FROM ads WHERE ads.company_id = 42 /* z */";
    unchanged_statement_next_to_changed_one: t42(), Inline, "SELECT 1 /* one */; SELECT * FROM ads /* two */"
        => "SELECT 1 /* one */; SELECT * FROM ads WHERE ads.company_id = 42 /* two */";
    nested_comment_kept_whole: t42(), Inline, "SELECT * FROM ads /* outer /* inner */ ; DELETE FROM ads; */"
        => "SELECT * FROM ads WHERE ads.company_id = 42 /* outer /* inner */ ; DELETE FROM ads; */";
    line_comment_holding_block_markers: t42(), Inline, "SELECT * FROM ads -- */ ; DELETE FROM ads /*"
        => "SELECT * FROM ads WHERE ads.company_id = 42 -- */ ; DELETE FROM ads /*\n";
    carriage_return_ends_line_comment: t42(), Inline, "SELECT * FROM ads -- tagged\r"
        => "SELECT * FROM ads WHERE ads.company_id = 42 -- tagged\n";
    comment_inside_changed_statement_is_dropped: t42(), Inline, "SELECT * /* inner */ FROM ads /* after */"
        => "SELECT * FROM ads WHERE ads.company_id = 42 /* after */";
    unchanged_statement_kept_as_written: t42(), Inline, "SELECT *  /* inner */ FROM geo -- x"
        => "SELECT *  /* inner */ FROM geo -- x";
}

comment_cases! { Dialect::Sqlite;
    sqlite_comments_before_and_after: t42(), Bind, "/* a */ SELECT * FROM ads WHERE id = ? -- b"
        => "/* a */ SELECT * FROM ads WHERE id = ?1 AND ads.company_id = ?2 -- b\n";
    sqlite_sqlcommenter: t42(), Inline, &format!("DELETE FROM ads WHERE id = 1 /*{TRACEPARENT}*/")
        => &format!("DELETE FROM ads WHERE id = 1 AND ads.company_id = 42 /*{TRACEPARENT}*/");
    sqlite_several_statements: t42(), Inline, "SELECT * FROM ads /* a */; -- b\nSELECT * FROM campaigns"
        => "SELECT * FROM ads WHERE ads.company_id = 42 /* a */; -- b\nSELECT * FROM campaigns WHERE campaigns.company_id = 42";
    sqlite_comments_do_not_nest: t42(), Inline, "SELECT * FROM ads /* a /* b */"
        => "SELECT * FROM ads WHERE ads.company_id = 42 /* a /* b */";
    sqlite_carriage_return_does_not_end_line_comment: t42(), Inline, "SELECT * FROM ads -- a\r; DELETE FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id = 42 -- a\r; DELETE FROM ads\n";
}

refusals! {
    unterminated_comment: Dialect::Postgres, t42(), "SELECT * FROM ads /* open" => Error::Parse { .. },
    unterminated_nested_comment: Dialect::Postgres, t42(), "SELECT * FROM ads /* a /* b */" => Error::Parse { .. },
    sqlite_unterminated_comment: Dialect::Sqlite, t42(), "SELECT * FROM ads /* open" => Error::Parse { .. },
    sqlite_does_not_nest: Dialect::Sqlite, None::<Scope>, "SELECT 1 /* /* */ ; DELETE FROM ads; /* */ */" => Error::Parse { .. },
}

// Regression (found by the fuzzer): sqlparser reads `10 .com` as a field of the number 10 and
// prints it `10.com`, which reads back as `10. AS com`; neither database reads the input.
refusals! {
    regression_field_of_a_number: Dialect::Postgres, t42(), "SELECT title FROM ads WHERE clicks > ALL (SELECT budget / 10 .com FROM campaigns)" => Error::Parse { .. },
    regression_field_of_a_number_sqlite: Dialect::Sqlite, t42(), "SELECT 10 .com FROM ads" => Error::Parse { .. },
}
