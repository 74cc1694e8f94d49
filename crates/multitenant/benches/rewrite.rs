//! The rewriter's cost, each figure beside its baseline in the same run: sqlparser's own parse
//! and print of the same statement (the floor a parse-rewrite-print cannot go below), and the
//! cache on one and two threads beside work that shares nothing (the scaling the machine has).
//!
//! `cargo bench -p multitenant --bench rewrite`
//!
//! The `print_*` groups measure the print step alone: today's `to_string()` of the rewritten
//! tree against a prototype that splices the predicates into the original text instead
//! (`rewrite/splice.rs`). The `fast_path_*` groups measure what keeping comments adds to text
//! that holds none: parsing every token with statement ranges (as `src/parse.rs` does) and the
//! check for `--` and `/*`, against `Parser::parse_sql`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "rewrite/splice.rs"]
mod splice;

use common::schema;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use multitenant::{Dialect, Output, Rewriter, Scope};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

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

/// The parse of `src/parse.rs` (the crate keeps it private): statements with their token
/// ranges, every token consumed.
fn parse_whole(
    sql: &str,
) -> (Vec<sqlparser::ast::Statement>, Vec<std::ops::Range<usize>>, Vec<TokenWithSpan>) {
    let mut parser = Parser::new(&PostgreSqlDialect {}).try_with_sql(sql).expect("tokenizes");
    let (mut statements, mut ranges) = (Vec::new(), Vec::new());
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token_ref().token == Token::EOF {
            break;
        }
        let mut start = parser.index();
        while matches!(parser.token_at(start).token, Token::Whitespace(_)) {
            start += 1;
        }
        statements.push(parser.parse_statement().expect("parses"));
        let mut end = parser.index();
        while end > start && matches!(parser.token_at(end - 1).token, Token::Whitespace(_)) {
            end -= 1;
        }
        ranges.push(start..end);
        assert!(matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF));
    }
    (statements, ranges, parser.into_tokens())
}

/// What the comment handling adds to text without comments, beside `Parser::parse_sql`.
fn fast_path(c: &mut Criterion) {
    for (name, sql) in
        [("fast_path_point_read", POINT_READ), ("fast_path_join3_subquery", JOIN_WITH_SUBQUERY)]
    {
        let mut group = c.benchmark_group(name);
        group.bench_function("parse_sql", |b| {
            b.iter(|| black_box(Parser::parse_sql(&PostgreSqlDialect {}, black_box(sql)).expect("parses")))
        });
        group.bench_function("parse_whole_and_check", |b| {
            b.iter(|| {
                let sql = black_box(sql);
                black_box((parse_whole(sql), sql.contains("--") || sql.contains("/*")))
            })
        });
        // The same code again: how far two slots of one run differ with nothing changed.
        group.bench_function("parse_sql_repeated", |b| {
            b.iter(|| black_box(Parser::parse_sql(&PostgreSqlDialect {}, black_box(sql)).expect("parses")))
        });
        group.bench_function("comment_check", |b| {
            b.iter(|| {
                let sql = black_box(sql);
                black_box(sql.contains("--") || sql.contains("/*"))
            })
        });
        group.finish();
    }
}

/// 64 distinct statements: the repeated queries of a service.
fn workload() -> Vec<String> {
    (0..64)
        .map(|i| match i % 4 {
            0 => format!("SELECT * FROM ads WHERE id = $1 AND clicks > {i}"),
            1 => format!(
                "SELECT a.id, c.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id WHERE a.id = $1 LIMIT {i}"
            ),
            2 => format!("UPDATE campaigns SET name = $1 WHERE id = $2 AND budget > {i}"),
            _ => format!("SELECT count(*) FROM analytics.events WHERE ad_id = $1 OFFSET {i}"),
        })
        .collect()
}

/// Wall time of `threads` threads each running `iters` rounds of the work `setup` makes for it
/// (set up, and warmed, before the clock starts).
fn wall_time<W: FnMut()>(threads: usize, iters: u64, setup: impl Fn() -> W + Sync) -> Duration {
    let ready = Barrier::new(threads + 1);
    thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut round = setup();
                    round();
                    ready.wait();
                    (0..iters).for_each(|_| round());
                })
            })
            .collect();
        ready.wait();
        let start = Instant::now();
        workers.into_iter().for_each(|w| w.join().expect("a worker panicked"));
        start.elapsed()
    })
}

/// Cached rewrites of the same 64 statements on 1 and 2 threads, beside shared-nothing work.
/// A round is one pass over the 64 statements per thread; throughput counts all threads.
fn threads(c: &mut Criterion) {
    let sql = &workload();
    let shared = &Rewriter::new(schema(), Dialect::Postgres);
    let mut group = c.benchmark_group("cache_threads");
    on_1_and_2_threads(&mut group, "baseline_private_map", sql.len(), |threads, iters| {
        wall_time(threads, iters, || {
            let map: HashMap<Box<str>, Arc<str>> =
                sql.iter().map(|s| (s.as_str().into(), s.as_str().into())).collect();
            move || sql.iter().for_each(|s| drop(black_box(map.get(black_box(s.as_str())).cloned())))
        })
    });
    on_1_and_2_threads(&mut group, "cached_shared_rewriter", sql.len(), |threads, iters| {
        wall_time(threads, iters, || {
            // A scope of the thread's own, as each request has.
            let scope = Scope::tenant(42_i64);
            move || pass(shared, &scope, sql)
        })
    });
    on_1_and_2_threads(&mut group, "cached_private_rewriter", sql.len(), |threads, iters| {
        wall_time(threads, iters, || {
            let (private, scope) = (Rewriter::new(schema(), Dialect::Postgres), Scope::tenant(42_i64));
            move || pass(&private, &scope, sql)
        })
    });
    group.finish();
}

/// Benchmarks `run(threads, iters)` on 1 and then 2 threads, one after the other, so both see
/// the same machine; each round does `per_round` operations per thread.
fn on_1_and_2_threads(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    per_round: usize,
    run: impl Fn(usize, u64) -> Duration,
) {
    for threads in [1, 2] {
        group.throughput(Throughput::Elements((per_round * threads) as u64));
        group.bench_function(BenchmarkId::new(name, threads), |b| b.iter_custom(|iters| run(threads, iters)));
    }
}

/// One pass of cached rewrites over `sql`.
fn pass(rewriter: &Rewriter, scope: &Scope, sql: &[String]) {
    for s in sql {
        drop(black_box(rewriter.rewrite_in(Some(scope), black_box(s), Output::Bind).expect("scoped")));
    }
}

criterion_group!(benches, statements, print_step, fast_path, threads);
criterion_main!(benches);
