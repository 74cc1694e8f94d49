//! What scoping costs on a real PostgreSQL, four ways over one workload in one run:
//!
//! - `hand`: hand-written scoped SQL (the tenant predicates written out) on a plain sqlx pool;
//! - `scoped`: the same statements without tenant predicates, through the scoped pool;
//! - `rls`: row-level security as other Rust crates do it: a transaction per request that runs
//!   `set_config('app.tenant', $1, true)` before the statement, under a policy;
//! - `cold`: `scoped` with the rewrite cache disabled (every statement parsed).
//!
//! The ways take turns, in short rounds (a few hundred requests each), so each sees the same
//! machine; the figures are the median of the rounds' throughputs and of the rounds' ratios.
//! Workloads: point reads, a join, an insert and an update over 100 stores, each on one
//! connection, and as a pool of 8 under 32 concurrent tasks, with and without the pool's ping
//! before each acquire.
//!
//! `cargo bench -p multitenant-sqlx --bench overhead` (`DATABASE_URL` names the server, default
//! the local one; the bench creates a database and a role of its own and drops them).
//!
//! With `MT_BENCH_REQUESTS="<way> <op> <n>"` (way `hand`, `scoped`, `rls` or `cold`; op
//! `point_read`, `join`, `insert` or `update`) it runs only `n` requests of that way on one
//! connection, after a warm-up, and exits: run under `valgrind --tool=callgrind` for two values
//! of `n`, the difference of the instruction counts divided by the difference of `n` is what
//! the client spends per request, free of the noise of timing (docs/benchmarks.md).
//!
//! With `MT_BENCH_DELAY_US=<us>` the four ways reach the server through a relay that holds
//! each chunk of bytes at least that long in each direction (`delay.rs` beside this file): a
//! database on another host. The bench prints the round trip it measures. Setting up and
//! dropping the database go direct. `MT_BENCH_ROUNDS` sets the number of rounds (41), for runs
//! that a delay makes long.

mod delay;

use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use multitenant::{Schema, with_tenant};
use multitenant_sqlx::{ScopedConnection, ScopedPool};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPoolOptions;
use sqlx::postgres::PgQueryResult;
use sqlx::{Acquire, AssertSqlSafe, Connection, Executor, PgConnection, PgPool, Postgres};

const STORES: i64 = 100;
const PRODUCTS: i64 = 50;
/// Rounds per op and set-up, after a warm-up round; `MT_BENCH_ROUNDS` sets another number.
const ROUNDS: usize = 41;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    PointRead,
    Join,
    Insert,
    Update,
}

impl Op {
    const ALL: [Op; 4] = [Op::PointRead, Op::Join, Op::Insert, Op::Update];

    fn name(self) -> &'static str {
        match self {
            Op::PointRead => "point_read",
            Op::Join => "join",
            Op::Insert => "insert",
            Op::Update => "update",
        }
    }
}

/// The statements of each op: without tenant predicates, and written out by hand.
fn sql(op: Op, hand: bool) -> &'static str {
    match (op, hand) {
        (Op::PointRead, false) => "SELECT name, price_cents FROM products WHERE id = $1",
        (Op::PointRead, true) => {
            "SELECT name, price_cents FROM products WHERE id = $1 AND products.store_id = $2"
        }
        (Op::Join, false) => {
            "SELECT p.name, count(*) FROM purchases u JOIN products p ON p.id = u.product_id WHERE u.product_id = $1 GROUP BY p.name"
        }
        (Op::Join, true) => {
            "SELECT p.name, count(*) FROM purchases u JOIN products p ON p.id = u.product_id AND p.store_id = $2 WHERE u.product_id = $1 AND u.store_id = $2 GROUP BY p.name"
        }
        (Op::Insert, false) => "INSERT INTO purchases (product_id, quantity) VALUES ($1, 1)",
        (Op::Insert, true) => "INSERT INTO purchases (product_id, quantity, store_id) VALUES ($1, 1, $2)",
        (Op::Update, false) => "UPDATE products SET price_cents = price_cents + 1 WHERE id = $1",
        (Op::Update, true) => {
            "UPDATE products SET price_cents = price_cents + 1 WHERE id = $1 AND products.store_id = $2"
        }
    }
}

#[derive(Clone)]
enum Way {
    Hand(PgPool),
    Scoped(ScopedPool<Postgres>),
    Rls(PgPool),
}

impl Way {
    async fn run(&self, op: Op, store: i64, id: i64) {
        let rows = match self {
            Way::Hand(pool) => hand(pool, op, store, id).await,
            Way::Scoped(pool) => scoped(pool, op, store, id).await,
            Way::Rls(pool) => rls(pool, op, store, id).await,
        };
        assert!(rows.rows_affected() > 0, "{op:?} touched no row");
    }
}

/// One connection taken from the pool once, and every request run on it.
enum Held {
    Hand(PoolConnection<Postgres>),
    Scoped(ScopedConnection<Postgres>),
    Rls(PoolConnection<Postgres>),
}

impl Held {
    async fn take(way: &Way) -> Self {
        match way {
            Way::Hand(pool) => Held::Hand(pool.acquire().await.expect("a connection")),
            Way::Scoped(pool) => Held::Scoped(pool.acquire().await.expect("a connection")),
            Way::Rls(pool) => Held::Rls(pool.acquire().await.expect("a connection")),
        }
    }

    async fn run(&mut self, op: Op, store: i64, id: i64) {
        let rows = match self {
            Held::Hand(conn) => hand(&mut **conn, op, store, id).await,
            Held::Scoped(conn) => scoped(&mut *conn, op, store, id).await,
            Held::Rls(conn) => rls(&mut *conn, op, store, id).await,
        };
        assert!(rows.rows_affected() > 0, "{op:?} touched no row");
    }
}

/// A request written with its tenant predicates, on a plain executor.
async fn hand<'e>(on: impl Executor<'e, Database = Postgres>, op: Op, store: i64, id: i64) -> PgQueryResult {
    sqlx::query(sql(op, true)).bind(id).bind(store).execute(on).await.expect("hand")
}

/// A request without tenant predicates, on a scoped executor, in the store's scope.
async fn scoped<'e>(
    on: impl Executor<'e, Database = Postgres>,
    op: Op,
    store: i64,
    id: i64,
) -> PgQueryResult {
    with_tenant(store, sqlx::query(sql(op, false)).bind(id).execute(on)).await.expect("scoped")
}

/// A request without tenant predicates under row-level security: a transaction that sets the
/// tenant first.
async fn rls<'a>(on: impl Acquire<'a, Database = Postgres>, op: Op, store: i64, id: i64) -> PgQueryResult {
    let mut tx = on.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.tenant', $1, true)")
        .bind(store.to_string())
        .execute(&mut *tx)
        .await
        .expect("set the tenant");
    let rows = sqlx::query(sql(op, false)).bind(id).execute(&mut *tx).await.expect("rls");
    tx.commit().await.expect("commit");
    rows
}

/// The store and product of request `state`'s next step.
fn next(state: &mut u64) -> (i64, i64) {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    (((*state >> 33) as i64 % STORES) + 1, ((*state >> 17) as i64 % PRODUCTS) + 1)
}

/// Requests per second of `ops` requests of `op` on one connection held throughout.
async fn throughput_held(held: &mut Held, op: Op, ops: usize, seed: u64) -> f64 {
    let mut state = seed;
    let start = Instant::now();
    for _ in 0..ops {
        let (store, id) = next(&mut state);
        held.run(op, store, id).await;
    }
    ops as f64 / start.elapsed().as_secs_f64()
}

/// Requests per second of `ops` requests of `op`, run by `tasks` tasks at once.
async fn throughput(way: &Way, op: Op, ops: usize, tasks: usize, seed: u64) -> f64 {
    let start = Instant::now();
    let workers = (0..tasks).map(|t| {
        let way = way.clone();
        tokio::spawn(async move {
            let mut state = seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for _ in 0..ops / tasks {
                let (store, id) = next(&mut state);
                way.run(op, store, id).await;
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.expect("a worker");
    }
    (ops / tasks * tasks) as f64 / start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The `host:port` of `DATABASE_URL`.
fn server_host() -> String {
    let server = server_url();
    let (base, _) = server.rsplit_once('/').expect("DATABASE_URL names a database");
    let (_, rest) = base.split_once("://").expect("a URL");
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if host.contains(':') { host.to_owned() } else { format!("{host}:5432") }
}

/// The URL of `database` as `user`, on the server at `host` (`host:port`).
fn url_of(host: &str, database: &str, user: &str) -> String {
    format!("postgres://{user}@{host}/{database}")
}

/// Where the ways connect: the server, or with `MT_BENCH_DELAY_US` a delaying relay to it.
fn ways_host() -> String {
    let Ok(delay) = std::env::var("MT_BENCH_DELAY_US") else {
        return server_host();
    };
    let delay = Duration::from_micros(delay.parse().expect("MT_BENCH_DELAY_US is a number of microseconds"));
    let upstream = server_host().to_socket_addrs().expect("the server's address").next().expect("an address");
    let relay = delay::start(upstream, delay).expect("start the delay relay");
    println!("through a relay that holds each direction at least {} us", delay.as_micros());
    relay.to_string()
}

const SETUP: &str = "
    CREATE TABLE stores (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE products (store_id bigint NOT NULL REFERENCES stores (id), id bigint NOT NULL,
        name text NOT NULL, price_cents bigint NOT NULL, PRIMARY KEY (store_id, id));
    CREATE TABLE purchases (store_id bigint NOT NULL, id bigserial, product_id bigint NOT NULL,
        quantity int NOT NULL, PRIMARY KEY (store_id, id),
        FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id));
    INSERT INTO stores SELECT s, 'store ' || s FROM generate_series(1, 100) s;
    INSERT INTO products SELECT s, p, 'product ' || p, 100 * p FROM generate_series(1, 100) s, generate_series(1, 50) p;
    INSERT INTO purchases (store_id, product_id, quantity) SELECT s, p, 1 FROM generate_series(1, 100) s, generate_series(1, 50) p, generate_series(1, 4);
    CREATE INDEX ON purchases (store_id, product_id);
    ALTER TABLE products ENABLE ROW LEVEL SECURITY;
    ALTER TABLE purchases ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON products USING (store_id = current_setting('app.tenant')::bigint);
    CREATE POLICY tenant ON purchases USING (store_id = current_setting('app.tenant')::bigint)
        WITH CHECK (store_id = current_setting('app.tenant')::bigint);
    ALTER TABLE purchases ALTER COLUMN store_id SET DEFAULT current_setting('app.tenant', true)::bigint;
    GRANT SELECT, INSERT, UPDATE ON stores, products, purchases TO mt_bench_app, mt_bench_rls;
    GRANT USAGE ON SEQUENCE purchases_id_seq TO mt_bench_app, mt_bench_rls;
    ANALYZE;
";

/// What `MT_BENCH_REQUESTS` asks for: one way, one op, a number of requests.
struct Requests {
    way: String,
    op: Op,
    count: usize,
}

impl Requests {
    fn from_env() -> Option<Self> {
        let spec = std::env::var("MT_BENCH_REQUESTS").ok()?;
        let usage = "MT_BENCH_REQUESTS is \"<hand|scoped|rls|cold> <point_read|join|insert|update> <n>\"";
        let mut words = spec.split_whitespace();
        let (Some(way), Some(op), Some(count), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            panic!("{usage}");
        };
        let op = Op::ALL.into_iter().find(|o| o.name() == op).unwrap_or_else(|| panic!("{usage}"));
        let count = count.parse().unwrap_or_else(|_| panic!("{usage}"));
        Some(Self { way: way.to_owned(), op, count })
    }
}

#[tokio::main]
async fn main() {
    let database = format!("mt_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&server_url()).await.expect("PostgreSQL is reachable");
    let roles = "DROP ROLE IF EXISTS mt_bench_app; DROP ROLE IF EXISTS mt_bench_rls;
                 CREATE ROLE mt_bench_app LOGIN BYPASSRLS; CREATE ROLE mt_bench_rls LOGIN";
    sqlx::raw_sql(roles).execute(&mut admin).await.expect("create the roles");
    let create = format!("CREATE DATABASE {database}");
    sqlx::raw_sql(AssertSqlSafe(create)).execute(&mut admin).await.expect("create the database");
    let mut owner =
        PgConnection::connect(&url_of(&server_host(), &database, "postgres")).await.expect("connect");
    sqlx::raw_sql(SETUP).execute(&mut owner).await.expect("create the schema");
    drop(owner);

    let schema = Schema::builder()
        .tenant_table("stores", "id")
        .tenant_table("products", "store_id")
        .tenant_table("purchases", "store_id")
        .build()
        .expect("valid schema");
    // The same privileges; the policies bind `mt_bench_rls` only (`mt_bench_app` bypasses them).
    let host = ways_host();
    let (app, rls) = (url_of(&host, &database, "mt_bench_app"), url_of(&host, &database, "mt_bench_rls"));
    match Requests::from_env() {
        Some(requests) => count_requests(&requests, &schema, &app, &rls).await,
        None => {
            println!("round trip to the server: {:.0} us (median of 1,000 pings)", round_trip(&app).await);
            compare(&schema, &app, &rls).await;
        }
    }
    let drop_database = format!("DROP DATABASE {database} WITH (FORCE)");
    sqlx::raw_sql(AssertSqlSafe(drop_database)).execute(&mut admin).await.expect("drop the database");
    sqlx::raw_sql("DROP ROLE mt_bench_app; DROP ROLE mt_bench_rls")
        .execute(&mut admin)
        .await
        .expect("drop the roles");
}

/// The median time of a ping on a connection to `url`, in microseconds.
async fn round_trip(url: &str) -> f64 {
    let mut connection = PgConnection::connect(url).await.expect("connect");
    let mut times = Vec::new();
    for _ in 0..1_000 {
        let start = Instant::now();
        connection.ping().await.expect("ping");
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    median(times)
}

/// The four ways over the given pools, named.
fn ways(schema: &Schema, pool: &PgPool, rls_pool: &PgPool) -> [(&'static str, Way); 4] {
    [
        ("hand", Way::Hand(pool.clone())),
        ("scoped", Way::Scoped(ScopedPool::new(pool.clone(), schema.clone()))),
        ("rls", Way::Rls(rls_pool.clone())),
        ("cold", Way::Scoped(ScopedPool::builder(schema.clone()).cache_capacity(0).build(pool.clone()))),
    ]
}

/// Runs `requests.count` requests of one way on one connection, after a warm-up of 100: what
/// callgrind counts.
async fn count_requests(requests: &Requests, schema: &Schema, app: &str, rls: &str) {
    let pool = PgPoolOptions::new().max_connections(1).connect(app).await.expect("connect");
    let rls_pool = PgPoolOptions::new().max_connections(1).connect(rls).await.expect("connect");
    let ways = ways(schema, &pool, &rls_pool);
    let (_, way) = ways.iter().find(|(name, _)| *name == requests.way).unwrap_or_else(|| {
        panic!("no way named {:?}: hand, scoped, rls or cold", requests.way);
    });
    let mut held = Held::take(way).await;
    throughput_held(&mut held, requests.op, 100, u64::MAX).await;
    throughput_held(&mut held, requests.op, requests.count, 1).await;
    drop(held);
    pool.close().await;
    rls_pool.close().await;
}

/// The ways taking turns over every op, on one connection and in a pool: the tables of
/// docs/benchmarks.md.
async fn compare(schema: &Schema, app: &str, rls: &str) {
    let rounds = std::env::var("MT_BENCH_ROUNDS")
        .map_or(ROUNDS, |rounds| rounds.parse().expect("MT_BENCH_ROUNDS is a number of rounds"));
    // sqlx's pool pings a connection before it hands it out (`test_before_acquire`, on by
    // default): a round trip of its own before every request, the same for every way. The
    // second pool turns it off, to show the ways without it.
    for (label, connections, tasks, ops, ping) in [
        ("one connection", 1, 1, 400, true),
        ("pool of 8, 32 tasks", 8, 32, 1_600, true),
        ("pool of 8, 32 tasks, no ping before acquire", 8, 32, 1_600, false),
    ] {
        // On one connection, each way holds one of its own for the whole run (three share `app`).
        let app_connections = if tasks == 1 { 3 } else { connections };
        let options = |max| PgPoolOptions::new().max_connections(max).test_before_acquire(ping);
        let pool = options(app_connections).connect(app).await.expect("connect");
        let rls_pool = options(connections).connect(rls).await.expect("connect");
        let ways = ways(schema, &pool, &rls_pool);
        println!("\n## {label} ({ops} requests per way per round, {rounds} rounds, median)\n");
        println!(
            "| op | hand/s | scoped/s | rls/s | cold/s | scoped/hand | scoped/rls | hand/rls | cold/hand |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for op in Op::ALL {
            let mut rates: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
            let mut held = Vec::new();
            for (_, way) in &ways {
                held.push(Held::take(way).await);
            }
            for round in 0..=rounds {
                for k in 0..ways.len() {
                    let w = (k + round) % ways.len();
                    let seed = round as u64;
                    let rate = match tasks {
                        1 => throughput_held(&mut held[w], op, ops, seed).await,
                        _ => throughput(&ways[w].1, op, ops, tasks, seed).await,
                    };
                    if round > 0 {
                        rates[w].push(rate); // round 0 warms every way up
                    }
                }
            }
            let ratio =
                |a: usize, b: usize| median(rates[a].iter().zip(&rates[b]).map(|(x, y)| x / y).collect());
            let m: Vec<f64> = rates.iter().cloned().map(median).collect();
            println!(
                "| {op:?} | {:.0} | {:.0} | {:.0} | {:.0} | {:.3} | {:.2} | {:.2} | {:.3} |",
                m[0],
                m[1],
                m[2],
                m[3],
                ratio(1, 0),
                ratio(1, 2),
                ratio(0, 2),
                ratio(3, 0)
            );
        }
        pool.close().await;
        rls_pool.close().await;
    }
}
