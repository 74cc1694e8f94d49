//! Guarded output (`Output::Guarded`), as `input -> expected SQL` tables: each of the
//! statement's own parameters that fills a tenant column is wrapped, there, in a guard the
//! database evaluates (the value when it is a current tenant, an error naming the parameter
//! otherwise), and nothing is left for the driver to check. Every case also checks that the
//! output parses again and passes the audit, that the bound rewrite of the same statement
//! leaves exactly those parameters to the driver, and that the guarded output is not guarded
//! twice when rewritten again. `tests/guard_databases/` runs the guards on real databases.

mod common;

use common::schema;
use multitenant::{Dialect, Error, Output, Rewriter, Scope};

fn t42() -> Option<Scope> {
    Some(Scope::tenant(42_i64))
}

fn t13() -> Option<Scope> {
    Scope::tenants([1_i64, 3])
}

/// The PostgreSQL guard of `$k` by the tenant parameter `$t`, one tenant set.
fn pg(k: usize, t: usize) -> String {
    pg_guard(&format!("${k}"), k, &format!("${k} = ${t}"))
}

/// The PostgreSQL guard of `$k`, several tenants set.
fn pg_many(k: usize, t: usize) -> String {
    pg_guard(&format!("${k}"), k, &format!("${k} = ANY(${t})"))
}

/// The PostgreSQL guard of `value` (parameter `k`, maybe cast) by `test`.
fn pg_guard(value: &str, k: usize, test: &str) -> String {
    format!(
        "CASE WHEN {test} THEN {value} WHEN CAST('multitenant: parameter {k} is not a current tenant' || \
         coalesce(left(CAST({value} AS TEXT), 0), '') AS INT) = 0 THEN {value} END"
    )
}

/// The SQLite guard of `?k` by the tenant parameter `?t`, one tenant set.
fn sqlite(k: usize, t: usize) -> String {
    sqlite_guard(k, &format!("?{k} = ?{t}"))
}

/// The SQLite guard of `?k`, several tenants set.
fn sqlite_many(k: usize, t: usize) -> String {
    sqlite_guard(k, &format!("?{k} IN (SELECT value FROM json_each(?{t}))"))
}

fn sqlite_guard(k: usize, test: &str) -> String {
    format!(
        "CASE WHEN {test} THEN ?{k} ELSE json_extract('{{}}', 'multitenant: parameter {k} is not a current tenant') END"
    )
}

/// Checks one case: the expected output, that it parses and passes the audit, and that
/// nothing is left to the driver.
fn check(dialect: Dialect, scope: Option<Scope>, input: &str, expected: &str) {
    let rewriter = Rewriter::new(schema(), dialect);
    let guarded = rewriter
        .rewrite_in(scope.as_ref(), input, Output::Guarded)
        .unwrap_or_else(|e| panic!("{input}\n  refused: {e}"));
    assert_eq!(guarded.sql(), expected, "\n  input: {input}");
    let reparsed = match dialect {
        Dialect::Sqlite => {
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, expected)
        }
        _ => sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, expected),
    };
    assert!(reparsed.is_ok(), "output does not parse: {expected}");
    if let Err(e) = multitenant::audit(&guarded, rewriter.schema(), dialect) {
        panic!("audit: {e}\n  in:  {input}\n  out: {expected}");
    }
    assert_eq!(guarded.guarded_parameters(), &[] as &[usize], "nothing is left to the driver");
}

/// [`check`], for a statement whose bound rewrite leaves parameters `guarded` to the driver:
/// the guarded rewrite names each of them in a guard, and is not guarded again when rewritten.
fn check_guarded(dialect: Dialect, scope: Option<Scope>, input: &str, expected: &str, guarded: &[usize]) {
    check(dialect, scope.clone(), input, expected);
    let rewriter = Rewriter::new(schema(), dialect);
    let bound = rewriter.rewrite_in(scope.as_ref(), input, Output::Bind).expect("bound");
    let mut listed = bound.guarded_parameters().to_vec();
    listed.dedup();
    assert_eq!(listed, guarded, "the bound rewrite leaves these to the driver");
    let rewritten = rewriter.rewrite_in(scope.as_ref(), input, Output::Guarded).expect("guarded");
    for &k in guarded {
        let message = format!("multitenant: parameter {k} is not a current tenant");
        assert!(
            matches!(rewritten.guard_failure(&message), Some(Error::ForeignTenantGuard { index }) if index == k)
        );
    }
    let again = rewriter.rewrite_in(scope.as_ref(), expected, Output::Guarded);
    assert!(again.is_err(), "a guard is not a tenant value the rewriter takes: {again:?}");
}

macro_rules! guarded {
    ($($name:ident: $dialect:expr, $scope:expr, $input:expr, guards $guarded:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check_guarded($dialect, $scope, $input, &$expected, &$guarded);
            }
        )*
    };
}

/// A value cast before it fills the tenant column: only the guard checks it after the cast,
/// so the bound and inline rewrites refuse it (they would check the value before the cast).
fn check_cast(dialect: Dialect, scope: Option<Scope>, input: &str, expected: &str, guarded: &[usize]) {
    check(dialect, scope.clone(), input, expected);
    let rewriter = Rewriter::new(schema(), dialect);
    let rewritten = rewriter.rewrite_in(scope.as_ref(), input, Output::Guarded).expect("guarded");
    for &k in guarded {
        let message = format!("multitenant: parameter {k} is not a current tenant");
        assert!(
            matches!(rewritten.guard_failure(&message), Some(Error::ForeignTenantGuard { index }) if index == k)
        );
    }
    for output in [Output::Bind, Output::Inline] {
        let refused = rewriter.rewrite_in(scope.as_ref(), input, output);
        assert!(refused.is_err(), "{output:?} checks before the cast, so it must refuse: {refused:?}");
    }
}

macro_rules! cast {
    ($($name:ident: $dialect:expr, $scope:expr, $input:expr, guards $guarded:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check_cast($dialect, $scope, $input, &$expected, &$guarded);
            }
        )*
    };
}

macro_rules! unguarded {
    ($($name:ident: $dialect:expr, $scope:expr, $input:expr => $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check($dialect, $scope, $input, $expected);
            }
        )*
    };
}

use Dialect::{Postgres, Sqlite};

// PostgreSQL, one tenant. The first case spells the guard out; the others build it with `pg`.
guarded! {
    insert_values: Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES ($1, $2)", guards [1]
        => "INSERT INTO ads (company_id, id) VALUES (CASE WHEN $1 = $3 THEN $1 WHEN \
            CAST('multitenant: parameter 1 is not a current tenant' || coalesce(left(CAST($1 AS TEXT), 0), '') AS INT) = 0 \
            THEN $1 END, $2)";
    insert_values_without_other_parameters: Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES ($1, 7)", guards [1]
        => format!("INSERT INTO ads (company_id, id) VALUES ({}, 7)", pg(1, 2));
    insert_rows_each_guarded_other_uses_not: Postgres, t42(), "INSERT INTO ads (company_id, id, title) VALUES ($1, 1, $2), ($1, 2, $1::text)", guards [1]
        => format!("INSERT INTO ads (company_id, id, title) VALUES ({g}, 1, $2), ({g}, 2, $1::TEXT)", g = pg(1, 3));
    insert_rows_with_two_parameters: Postgres, t42(), "INSERT INTO ads (id, company_id) VALUES ($1, $2), ($3, $4)", guards [2, 4]
        => format!("INSERT INTO ads (id, company_id) VALUES ($1, {}), ($3, {})", pg(2, 5), pg(4, 5));
    // The guard checks the value written, after the cast (which could make one tenant's id
    // another's: `'acme'::varchar(2)` is 'ac').
    insert_select: Postgres, t42(), "INSERT INTO ads (company_id, id, title) SELECT $1, id + 100, name FROM campaigns WHERE id = $2", guards [1]
        => format!("INSERT INTO ads (company_id, id, title) SELECT {}, id + 100, name FROM campaigns WHERE id = $2 AND campaigns.company_id = $3", pg(1, 3));
    insert_select_aliased: Postgres, t42(), "INSERT INTO ads (id, company_id) SELECT id, $1 AS company_id FROM campaigns", guards [1]
        => format!("INSERT INTO ads (id, company_id) SELECT id, {} AS company_id FROM campaigns WHERE campaigns.company_id = $2", pg(1, 2));
    update_set_tenant: Postgres, t42(), "UPDATE ads SET company_id = $1, title = $2 WHERE id = $3", guards [1]
        => format!("UPDATE ads SET company_id = {}, title = $2 WHERE id = $3 AND ads.company_id = $1 AND ads.company_id = $4", pg(1, 4));
    upsert_values_and_set: Postgres, t42(), "INSERT INTO ads (company_id, id, title) VALUES ($1, $2, $3) ON CONFLICT (company_id, id) DO UPDATE SET company_id = $1, title = EXCLUDED.title", guards [1]
        => format!("INSERT INTO ads (company_id, id, title) VALUES ({g}, $2, $3) ON CONFLICT(company_id, id) DO UPDATE SET company_id = {g}, title = EXCLUDED.title WHERE ads.company_id = $4 AND ads.company_id = $1", g = pg(1, 4));
    upsert_excluded: Postgres, t42(), "INSERT INTO ads (company_id, id, title) VALUES ($1, $2, $3) ON CONFLICT (company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id, title = EXCLUDED.title", guards [1]
        => format!("INSERT INTO ads (company_id, id, title) VALUES ({}, $2, $3) ON CONFLICT(company_id, id) DO UPDATE SET company_id = EXCLUDED.company_id, title = EXCLUDED.title WHERE ads.company_id = $4 AND ads.company_id = EXCLUDED.company_id", pg(1, 4));
    insert_in_cte: Postgres, t42(), "WITH x AS (INSERT INTO ads (company_id, id) VALUES ($1, $2) RETURNING id) SELECT id FROM x", guards [1]
        => format!("WITH x AS (INSERT INTO ads (company_id, id) VALUES ({}, $2) RETURNING id) SELECT id FROM x", pg(1, 3));
}

// Casts: only the guard checks the value written, after the cast.
cast! {
    insert_cast_parameter: Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES ($1::bigint, $2)", guards [1]
        => format!("INSERT INTO ads (company_id, id) VALUES ({}, $2)", pg_guard("$1::BIGINT", 1, "$1::BIGINT = $3"));
    insert_cast_to_shorter_text: Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (CAST($1 AS varchar(2)), $2)", guards [1]
        => format!("INSERT INTO ads (company_id, id) VALUES ({}, $2)", pg_guard("CAST($1 AS VARCHAR(2))", 1, "CAST($1 AS VARCHAR(2)) = $3"));
    update_set_tenant_cast: Postgres, t42(), "UPDATE ads AS a SET company_id = $1::bigint WHERE a.id = $2", guards [1]
        => format!("UPDATE ads AS a SET company_id = {} WHERE a.id = $2 AND a.company_id = $1 AND a.company_id = $3", pg_guard("$1::BIGINT", 1, "$1::BIGINT = $3"));
}

// PostgreSQL, several tenants: the membership test the tenant predicate uses.
guarded! {
    many_insert_values: Postgres, t13(), "INSERT INTO ads (company_id, id) VALUES ($1, $2)", guards [1]
        => format!("INSERT INTO ads (company_id, id) VALUES ({}, $2)", pg_many(1, 3));
    many_insert_select: Postgres, t13(), "INSERT INTO ads (company_id, id, campaign_id) SELECT $1, id + 100, id FROM campaigns", guards [1]
        => format!("INSERT INTO ads (company_id, id, campaign_id) SELECT {}, id + 100, id FROM campaigns WHERE campaigns.company_id = ANY($2)", pg_many(1, 2));
    many_update_set_tenant: Postgres, t13(), "UPDATE ads SET company_id = $1 WHERE id = $2", guards [1]
        => format!("UPDATE ads SET company_id = {} WHERE id = $2 AND ads.company_id = $1 AND ads.company_id = ANY($3)", pg_many(1, 3));
}

// SQLite: anonymous `?` numbered, one tenant and several.
guarded! {
    sqlite_insert_values: Sqlite, t42(), "INSERT INTO ads (company_id, id) VALUES (?, ?)", guards [1]
        => "INSERT INTO ads (company_id, id) VALUES (CASE WHEN ?1 = ?3 THEN ?1 ELSE \
            json_extract('{}', 'multitenant: parameter 1 is not a current tenant') END, ?2)";
    sqlite_insert_select: Sqlite, t42(), "INSERT INTO ads (id, company_id) SELECT id, ? FROM campaigns WHERE id > ?", guards [1]
        => format!("INSERT INTO ads (id, company_id) SELECT id, {} FROM campaigns WHERE id > ?2 AND campaigns.company_id = ?3", sqlite(1, 3));
    sqlite_update_set_tenant: Sqlite, t42(), "UPDATE ads SET company_id = ?, title = ? WHERE id = ?", guards [1]
        => format!("UPDATE ads SET company_id = {}, title = ?2 WHERE id = ?3 AND ads.company_id = ?1 AND ads.company_id = ?4", sqlite(1, 4));
    sqlite_upsert: Sqlite, t42(), "INSERT INTO ads (company_id, id, title) VALUES (?1, ?2, ?3) ON CONFLICT (company_id, id) DO UPDATE SET title = excluded.title", guards [1]
        => format!("INSERT INTO ads (company_id, id, title) VALUES ({}, ?2, ?3) ON CONFLICT(company_id, id) DO UPDATE SET title = excluded.title WHERE ads.company_id = ?4", sqlite(1, 4));
    sqlite_many_insert_values: Sqlite, t13(), "INSERT INTO ads (company_id, id) VALUES (?, ?)", guards [1]
        => format!("INSERT INTO ads (company_id, id) VALUES ({}, ?2)", sqlite_many(1, 3));
    sqlite_many_update_set_tenant: Sqlite, t13(), "UPDATE ads SET company_id = ?2 WHERE id = ?1", guards [2]
        => format!("UPDATE ads SET company_id = {} WHERE id = ?1 AND ads.company_id = ?2 AND ads.company_id IN (SELECT value FROM json_each(?3))", sqlite_many(2, 3));
}

// Where no parameter fills a tenant column, guarded output is bound output.
unguarded! {
    point_read: Postgres, t42(), "SELECT * FROM ads WHERE id = $1"
        => "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2";
    insert_adds_tenant: Postgres, t42(), "INSERT INTO ads (id, title) VALUES ($1, $2)"
        => "INSERT INTO ads (id, title, company_id) VALUES ($1, $2, $3)";
    insert_tenant_literal: Postgres, t42(), "INSERT INTO ads (company_id, id) VALUES (42, $1)"
        => "INSERT INTO ads (company_id, id) VALUES (42, $1)";
    update_keeps_own_tenant: Postgres, t42(), "UPDATE ads SET company_id = company_id WHERE id = $1"
        => "UPDATE ads SET company_id = company_id WHERE id = $1 AND ads.company_id = $2";
    many_read: Postgres, t13(), "SELECT * FROM ads"
        => "SELECT * FROM ads WHERE ads.company_id = ANY($1)";
    unscoped_read: Postgres, Some(Scope::Unscoped), "SELECT * FROM ads WHERE id = $1"
        => "SELECT * FROM ads WHERE id = $1";
    sqlite_read: Sqlite, t42(), "SELECT * FROM ads WHERE id = ?"
        => "SELECT * FROM ads WHERE id = ?1 AND ads.company_id = ?2";
}

#[test]
fn refusals_are_those_of_bound_output() {
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let refused = |scope: Option<Scope>, sql: &str| {
        rewriter.rewrite_in(scope.as_ref(), sql, Output::Guarded).expect_err(sql)
    };
    let insert = "INSERT INTO ads (company_id, id) VALUES ($1, $2)";
    assert!(matches!(refused(None, insert), Error::MissingTenant { .. }));
    assert!(matches!(
        refused(Some(Scope::Unscoped), "UPDATE ads SET company_id = $1"),
        Error::TenantColumnAssigned { .. }
    ));
    assert!(matches!(
        refused(t42(), "INSERT INTO ads (company_id, id) VALUES (7, 1)"),
        Error::ForeignTenant { .. }
    ));
    assert!(matches!(refused(t42(), "COPY (SELECT * FROM ads) TO STDOUT"), Error::Unsupported { .. }));
}

#[test]
fn guard_failure_names_only_this_rewrites_guards() {
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let sql = "INSERT INTO ads (company_id, id) VALUES ($2, $1)";
    let guarded = rewriter.rewrite_in(t42().as_ref(), sql, Output::Guarded).expect("guarded");
    let failure = |k: usize| {
        format!(
            "invalid input syntax for type integer: \"multitenant: parameter {k} is not a current tenant\""
        )
    };
    let error = guarded.guard_failure(&failure(2)).expect("parameter 2 is guarded");
    assert!(matches!(error, Error::ForeignTenantGuard { index: 2 }));
    let message = error.to_string();
    assert!(
        message.contains("parameter 2 fills a tenant column") && message.contains("with_tenant"),
        "{message}"
    );
    assert!(guarded.guard_failure(&failure(1)).is_none(), "parameter 1 is not guarded");
    let bound = rewriter.rewrite_in(t42().as_ref(), sql, Output::Bind).expect("bound");
    assert!(bound.guard_failure(&failure(2)).is_none(), "bound output has no guard in its SQL");
}
