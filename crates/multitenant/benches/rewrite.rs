//! The rewriter's cost, each figure beside its baseline in the same run: sqlparser's own parse
//! and print of the same statement (the floor a parse-rewrite-print cannot go below).
//!
//! `cargo bench -p multitenant --bench rewrite`

use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;

use common::schema;
use criterion::{Criterion, criterion_group, criterion_main};
use multitenant::{Dialect, Output, Rewriter, Scope};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

const POINT_READ: &str = "SELECT * FROM ads WHERE id = $1";
const JOIN_WITH_SUBQUERY: &str = "SELECT a.id, a.title, c.name, g.name FROM ads a \
     JOIN campaigns c ON a.campaign_id = c.id JOIN geo g ON g.id = a.geo_id \
     WHERE a.clicks > (SELECT avg(clicks) FROM ads a2 WHERE a2.campaign_id = c.id) ORDER BY a.id LIMIT 10";

fn statements(c: &mut Criterion) {
    let cold = Rewriter::with_cache_capacity(schema(), Dialect::Postgres, 0);
    let cached = Rewriter::new(schema(), Dialect::Postgres);
    let scope = Scope::tenant(42_i64);
    for (name, sql) in [("point_read", POINT_READ), ("join3_subquery", JOIN_WITH_SUBQUERY)] {
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

criterion_group!(benches, statements);
criterion_main!(benches);
