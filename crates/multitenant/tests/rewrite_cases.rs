//! The rewriter's statement forms, as `input -> expected SQL` tables. Every case also checks
//! that the output parses again and that rewriting the output (inline) changes nothing.

use multitenant::{Dialect, Error, Output, Rewriter, Schema, Scope};

fn schema() -> Schema {
    Schema::builder()
        .tenant_table("companies", "id")
        .tenant_table("campaigns", "company_id")
        .foreign_key("campaigns", ["company_id"], "companies", ["id"])
        .tenant_table("ads", "company_id")
        .foreign_key("ads", ["campaign_id"], "campaigns", ["id"])
        .tenant_table("analytics.events", "company_id")
        .tenant_table("\"Visits\"", "company_id")
        .reference_table("geo")
        .build()
        .expect("test schema is valid")
}

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
    let reparsed = sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &got);
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

#[test]
fn missing_tenant_is_refused() {
    let err = rewrite(Dialect::Postgres, None, Bind, "SELECT * FROM ads").unwrap_err();
    assert!(matches!(err, Error::MissingTenant { .. }), "{err}");
}

#[test]
fn truncate_is_refused() {
    let err = rewrite(Dialect::Postgres, t42().as_ref(), Bind, "TRUNCATE ads").unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}
