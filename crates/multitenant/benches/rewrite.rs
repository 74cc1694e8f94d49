//! The rewriter's cost, each figure beside its baseline in the same run: sqlparser's own parse
//! and print of the same statement (the floor a parse-rewrite-print cannot go below).
//!
//! `cargo bench -p multitenant --bench rewrite`
//!
//! The `print_*` groups measure the print step alone: today's `to_string()` of the rewritten
//! tree against a prototype that splices the predicates into the original text instead
//! (`rewrite/splice.rs`).

use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "rewrite/splice.rs"]
mod splice;

use common::schema;
use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::{Dialect, Output, Rewriter, Scope};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::TokenWithSpan;

const POINT_READ: &str = "SELECT * FROM ads WHERE id = $1";
const JOIN_WITH_SUBQUERY: &str = "SELECT a.id, a.title, c.name, g.name FROM ads a \
     JOIN campaigns c ON a.campaign_id = c.id JOIN geo g ON g.id = a.geo_id \
     WHERE a.clicks > (SELECT avg(clicks) FROM ads a2 WHERE a2.campaign_id = c.id) ORDER BY a.id LIMIT 10";
/// The point read as tracing tags it (sqlcommenter, as OpenTelemetry and marginalia add it).
const SQLCOMMENTER_POINT_READ: &str = "SELECT * FROM ads WHERE id = $1 \
     /*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',route='%2Fads%2F%3Aid'*/";

fn statements(c: &mut Criterion) {
    let cold = Rewriter::with_cache_capacity(schema(), Dialect::Postgres, 0);
    let cached = Rewriter::new(schema(), Dialect::Postgres);
    let scope = Scope::tenant(42_i64);
    let cases = [
        ("point_read", POINT_READ),
        ("join3_subquery", JOIN_WITH_SUBQUERY),
        ("sqlcommenter_point_read", SQLCOMMENTER_POINT_READ),
    ];
    for (name, sql) in cases {
        let mut group = c.benchmark_group(name);
        group.bench_function("baseline_sqlparser_parse_print", |b| {
            b.iter(|| {
                let statements = Parser::parse_sql(&PostgreSqlDialect {}, black_box(sql)).expect("parses");
                black_box(statements.iter().map(ToString::to_string).collect::<Vec<_>>())
            })
        });
        group.bench_function("cold_rewrite", |b| {
            b.iter(|| black_box(cold.rewrite_in(Some(&scope), black_box(sql), Output::Bind).expect("scoped")))
        });
        group.bench_function("cached_rewrite", |b| {
            b.iter(|| {
                black_box(cached.rewrite_in(Some(&scope), black_box(sql), Output::Bind).expect("scoped"))
            })
        });
        group.bench_function("cached_rewrite_task_scope", |b| {
            multitenant::with_tenant_sync(42_i64, || {
                b.iter(|| black_box(cached.rewrite(black_box(sql)).expect("scoped")))
            })
        });
        group.finish();
    }
}

/// The statements parsed with their tokens, as the splice needs them.
fn parse_with_tokens(sql: &str) -> (Vec<sqlparser::ast::Statement>, Vec<TokenWithSpan>) {
    let mut parser = Parser::new(&PostgreSqlDialect {}).try_with_sql(sql).expect("tokenizes");
    let statements = parser.parse_statements().expect("parses");
    (statements, parser.into_tokens())
}

/// The print step alone, on the same statements: printing the rewritten tree, and splicing the
/// added predicates into the original text (the prototype's output is checked to be the
/// rewriter's, byte for byte).
fn print_step(c: &mut Criterion) {
    let rewriter = Rewriter::with_cache_capacity(schema(), Dialect::Postgres, 0);
    let scope = Scope::tenant(42_i64);
    for (name, sql) in [("print_point_read", POINT_READ), ("print_join3_subquery", JOIN_WITH_SUBQUERY)] {
        let rewritten = rewriter.rewrite_in(Some(&scope), sql, Output::Bind).expect("scoped");
        let tenant = Dialect::Postgres.placeholder(rewritten.tenant_parameter().expect("a tenant").index());
        let tree = Parser::parse_sql(&PostgreSqlDialect {}, rewritten.sql()).expect("parses");
        let (original, tokens) = parse_with_tokens(sql);
        assert_eq!(
            splice::splice(sql, &original, &tokens, &tenant),
            rewritten.sql(),
            "the prototype is faithful"
        );
        let mut group = c.benchmark_group(name);
        group.bench_function("to_string", |b| {
            b.iter(|| {
                black_box(black_box(&tree).iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            })
        });
        group.bench_function("splice_prototype", |b| {
            b.iter(|| black_box(splice::splice(black_box(sql), black_box(&original), &tokens, &tenant)))
        });
        group.finish();
    }
}

criterion_group!(benches, statements, print_step);
criterion_main!(benches);
