//! The rewriter's cost, each figure beside its baseline in the same run: sqlparser's own parse
//! and print of the same statement (the floor a parse-rewrite-print cannot go below), and the
//! cache on one and two threads beside work that shares nothing (the scaling the machine has).
//!
//! `cargo bench -p multitenant --bench rewrite`

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;

use common::schema;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, statements, threads);
criterion_main!(benches);
