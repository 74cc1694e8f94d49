//! Properties of the rewriter over generated input: it never panics; whatever it accepts with
//! a tenant set parses again, passes the audit, and is deterministic; inline output is a fixed
//! point (rewriting it again changes nothing). Statements get comments before and after them,
//! as tracing adds them and as an attacker would, and must keep them.

mod common;

use common::schema;
use multitenant::{Dialect, Output, Rewriter, Scope};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() }
}

fn scopes() -> Vec<Option<Scope>> {
    vec![Some(Scope::tenant(42_i64)), Scope::tenants([1_i64, 2]), Some(Scope::Unscoped), None]
}

/// Rewrites `sql` every way there is; only a panic fails.
fn rewrite_every_way(rewriters: &[Rewriter], sql: &str) {
    for rewriter in rewriters {
        for scope in scopes() {
            for output in [Output::Bind, Output::Guarded, Output::Inline] {
                let _ = rewriter.rewrite_in(scope.as_ref(), sql, output);
            }
        }
    }
}

fn rewriters() -> Vec<Rewriter> {
    vec![Rewriter::new(schema(), Dialect::Postgres), Rewriter::new(schema(), Dialect::Sqlite)]
}

/// Words and punctuation that SQL is made of, to build inputs close to real statements.
fn token_soup() -> impl Strategy<Value = String> {
    let tokens = [
        "SELECT",
        "*",
        "FROM",
        "ads",
        "campaigns",
        "geo",
        "companies",
        "WHERE",
        "JOIN",
        "LEFT",
        "FULL",
        "ON",
        "USING",
        "(",
        ")",
        ",",
        "=",
        "AND",
        "OR",
        "NOT",
        "EXISTS",
        "IN",
        "WITH",
        "RECURSIVE",
        "AS",
        "UNION",
        "INSERT",
        "INTO",
        "VALUES",
        "UPDATE",
        "SET",
        "DELETE",
        "RETURNING",
        "ON CONFLICT",
        "DO",
        "NOTHING",
        "company_id",
        "id",
        "a",
        "c",
        ".",
        "$1",
        "?",
        "?2",
        "'x'",
        "1",
        ";",
        "LATERAL",
        "\"ads\"",
        "ADS",
        "TRUNCATE",
        "LIMIT",
        "ORDER BY",
    ];
    proptest::collection::vec(proptest::sample::select(tokens.to_vec()), 0..40).prop_map(|t| t.join(" "))
}

fn table() -> BoxedStrategy<String> {
    prop_oneof![Just("ads"), Just("campaigns"), Just("companies"), Just("geo"), Just("ADS"), Just("\"ads\"")]
        .prop_map(str::to_owned)
        .boxed()
}

fn condition(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("id = 1".to_owned()),
        Just("title LIKE 'a%'".to_owned()),
        Just("clicks > 2".to_owned()),
        Just("id = $1".to_owned()),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = condition(depth - 1);
    prop_oneof![
        leaf,
        (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
        inner.clone().prop_map(|a| format!("NOT ({a})")),
        select(depth - 1).prop_map(|q| format!("EXISTS ({q})")),
        select(depth - 1).prop_map(|q| format!("id IN ({q})")),
    ]
    .boxed()
}

fn factor(depth: u32, alias: &'static str) -> BoxedStrategy<String> {
    let named = (table(), any::<bool>()).prop_map(move |(t, aliased)| match aliased {
        true => format!("{t} AS {alias}"),
        false => t,
    });
    if depth == 0 {
        return named.boxed();
    }
    prop_oneof![named, select(depth - 1).prop_map(move |q| format!("({q}) AS {alias}"))].boxed()
}

fn from_clause(depth: u32) -> BoxedStrategy<String> {
    let join = prop_oneof![
        Just("JOIN"),
        Just("LEFT JOIN"),
        Just("RIGHT JOIN"),
        Just("FULL JOIN"),
        Just("CROSS JOIN")
    ];
    let constraint = prop_oneof![
        Just(" ON x.id = y.id".to_owned()),
        Just(" USING (id)".to_owned()),
        condition(0).prop_map(|c| format!(" ON {c}"))
    ];
    let joined = (join, factor(depth, "y"), constraint).prop_map(|(kind, right, on)| match kind {
        "CROSS JOIN" => format!(" {kind} {right}"),
        _ => format!(" {kind} {right}{on}"),
    });
    (factor(depth, "x"), proptest::collection::vec(joined, 0..3))
        .prop_map(|(first, joins)| format!("{first}{}", joins.concat()))
        .boxed()
}

fn select(depth: u32) -> BoxedStrategy<String> {
    let items = prop_oneof![Just("*".to_owned()), Just("id, title".to_owned()), Just("count(*)".to_owned())];
    let subquery_item = if depth > 0 {
        select(depth - 1).prop_map(|q| format!("id, ({q}) AS s")).boxed()
    } else {
        Just("id".to_owned()).boxed()
    };
    let filter = proptest::option::of(condition(depth));
    (prop_oneof![items, subquery_item], from_clause(depth), filter)
        .prop_map(|(items, from, filter)| match filter {
            Some(c) => format!("SELECT {items} FROM {from} WHERE {c}"),
            None => format!("SELECT {items} FROM {from}"),
        })
        .boxed()
}

fn statement() -> BoxedStrategy<String> {
    prop_oneof![
        select(2),
        (select(1), select(1)).prop_map(|(a, b)| format!("{a} UNION {b}")),
        (select(1), select(1)).prop_map(|(c, q)| format!("WITH ads AS ({c}) {q}")),
        (select(1), select(1)).prop_map(|(c, q)| format!("WITH t AS ({c}) {q}")),
        (table(), condition(1)).prop_map(|(t, c)| format!("UPDATE {t} SET title = 'x' WHERE {c}")),
        (table(), condition(1)).prop_map(|(t, c)| format!("DELETE FROM {t} WHERE {c} RETURNING id")),
        table().prop_map(|t| format!("INSERT INTO {t} (id, title) VALUES (1, 'a'), ($1, 'b')")),
        table().prop_map(|t| format!("INSERT INTO {t} (company_id, id) VALUES ($1, $2), ($1, $1)")),
        (table(), condition(1))
            .prop_map(|(t, c)| format!("UPDATE {t} SET company_id = $1, title = 'x' WHERE {c}")),
        (table(), select(1)).prop_map(|(t, q)| format!("INSERT INTO {t} (id) {q}")),
        (table(), from_clause(1), condition(1))
            .prop_map(|(t, from, c)| format!("INSERT INTO {t} (id) SELECT x.id FROM {from} WHERE {c}")),
    ]
    .boxed()
}

/// A comment as tracing adds it, or one that tries to hide a statement.
fn comment() -> BoxedStrategy<String> {
    prop_oneof![
        Just("/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',route='%2Fads'*/"),
        Just("/* a /* nested */ ; DELETE FROM ads; */"),
        Just("/* -- */"),
        Just("/**/"),
        Just("-- tagged"),
        Just("-- */ ; DELETE FROM ads"),
    ]
    .prop_map(str::to_owned)
    .boxed()
}

/// A statement with maybe a comment before and after it, and the comments it holds.
fn commented_statement() -> BoxedStrategy<(String, Vec<String>)> {
    (proptest::option::of(comment()), statement(), proptest::option::of(comment()))
        .prop_map(|(leading, statement, trailing)| {
            let sql = match (&leading, &trailing) {
                (Some(l), Some(t)) => format!("{l}\n{statement} {t}"),
                (Some(l), None) => format!("{l}\n{statement}"),
                (None, Some(t)) => format!("{statement} {t}"),
                (None, None) => statement,
            };
            (sql, leading.into_iter().chain(trailing).collect())
        })
        .boxed()
}

/// One to three commented statements separated by `;` (a `--` comment before a `;` ends at a
/// newline), the comments they hold, and how many statements there are.
fn commented_statements() -> BoxedStrategy<(String, Vec<String>, usize)> {
    proptest::collection::vec(commented_statement(), 1..4)
        .prop_map(|statements| {
            let count = statements.len();
            let sql = statements.iter().map(|(sql, _)| sql.as_str()).collect::<Vec<_>>().join("\n; ");
            (sql, statements.into_iter().flat_map(|(_, comments)| comments).collect(), count)
        })
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_panics_on_any_text(sql in any::<String>()) {
        rewrite_every_way(&rewriters(), &sql);
    }

    #[test]
    fn never_panics_on_sql_like_text(sql in token_soup()) {
        rewrite_every_way(&rewriters(), &sql);
    }

    #[test]
    fn accepted_statements_are_scoped((sql, comments, count) in commented_statements()) {
        let rewriter = Rewriter::new(schema(), Dialect::Postgres);
        for scope in [Scope::tenant(42_i64), Scope::tenants([1_i64, 2]).expect("two tenants")] {
            for output in [Output::Bind, Output::Guarded, Output::Inline] {
                let first = rewriter.rewrite_in(Some(&scope), &sql, output);
                let again = rewriter.rewrite_in(Some(&scope), &sql, output);
                let (first, again) = match (first, again) {
                    (Ok(first), Ok(again)) => (first, again),
                    (Err(a), Err(b)) => {
                        prop_assert_eq!(a.to_string(), b.to_string());
                        continue;
                    }
                    (a, b) => return Err(TestCaseError::fail(format!("not deterministic: {a:?} / {b:?}"))),
                };
                prop_assert_eq!(first.sql(), again.sql(), "cached and fresh rewrites differ");
                let parsed = sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, first.sql());
                prop_assert_eq!(parsed.map(|p| p.len()).ok(), Some(count), "output does not parse into its {} statements: {}", count, first.sql());
                if let Err(e) = multitenant::audit(&first, rewriter.schema(), Dialect::Postgres) {
                    return Err(TestCaseError::fail(format!("audit: {e}\n  in:  {sql}\n  out: {}", first.sql())));
                }
                for comment in &comments {
                    prop_assert!(first.sql().contains(comment.as_str()), "comment {} lost: {}", comment, first.sql());
                }
                if output == Output::Inline {
                    let twice = rewriter.rewrite_in(Some(&scope), first.sql(), output)
                        .map_err(|e| TestCaseError::fail(format!("output refused: {e}: {}", first.sql())))?;
                    prop_assert_eq!(twice.sql(), first.sql(), "rewriting twice changed the output");
                }
            }
        }
    }
}
