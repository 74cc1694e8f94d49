//! `tenants` against a real Citus cluster (set `CITUS_URL`; skipped, saying so, when unset):
//! the busiest tenants by Citus's statistics, isolation of one tenant across its colocation
//! group, and moving it to another node; and, on plain PostgreSQL, that Citus is missing.
//!
//! Each test works in a schema of its own (unique name, dropped afterwards), so tests sharing
//! the cluster do not see each other's tables.

use std::sync::atomic::{AtomicUsize, Ordering};

use multitenant::{Dialect, Output, Rewriter, Schema, Scope, TenantId};
use multitenant_citus::tenants::{self, DistributedTable, Isolated, Moved, Node, TenantsError};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        eprintln!("skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:5433/postgres)");
    }
    url
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Runs statements one by one on a fresh connection from a thread of its own (for `Drop`,
/// maybe while panicking).
fn run_detached(url: String, statements: Vec<String>) {
    let done = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let Ok(mut conn) = PgConnection::connect(&url).await else { return };
            for sql in statements {
                drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await);
            }
        });
    });
    drop(done.join());
}

/// A schema of its own on the cluster, dropped with its tables when the test ends.
struct CitusSchema {
    url: String,
    name: String,
}

impl CitusSchema {
    /// Creates the schema and, in it, three co-located tables (`companies` by `id`,
    /// `campaigns` and `ads` by `company_id`) and a reference table `geo`, with rows for
    /// tenants 1 to 6.
    async fn create(url: &str) -> (Self, PgConnection) {
        let name = unique("mt_tenants");
        let mut conn = PgConnection::connect(url).await.expect("CITUS_URL is reachable");
        let schema = Self { url: url.to_owned(), name: name.clone() };
        let sql = format!(
            "CREATE SCHEMA {name}; SET search_path TO {name}, public;
             CREATE TABLE companies (id bigint PRIMARY KEY, name text);
             CREATE TABLE geo (id int PRIMARY KEY, name text);
             CREATE TABLE campaigns (company_id bigint NOT NULL, id bigint NOT NULL, name text,
                                     PRIMARY KEY (company_id, id));
             CREATE TABLE ads (company_id bigint NOT NULL, id bigint NOT NULL, campaign_id bigint NOT NULL,
                               title text, PRIMARY KEY (company_id, id));
             SELECT create_reference_table('geo');
             SELECT create_distributed_table('companies', 'id', colocate_with => 'none');
             SELECT create_distributed_table('campaigns', 'company_id', colocate_with => 'companies');
             SELECT create_distributed_table('ads', 'company_id', colocate_with => 'companies');
             INSERT INTO geo VALUES (1, 'geo');
             INSERT INTO companies SELECT c, 'company ' || c FROM generate_series(1, 6) c;
             INSERT INTO campaigns SELECT c, k, 'campaign' FROM generate_series(1, 6) c, generate_series(1, 3) k;
             INSERT INTO ads SELECT c, a, a % 3 + 1, 'ad' FROM generate_series(1, 6) c, generate_series(1, 10) a;"
        );
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await.expect("create the tables");
        (schema, conn)
    }
}

impl Drop for CitusSchema {
    fn drop(&mut self) {
        run_detached(self.url.clone(), vec![format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name)]);
    }
}

/// Turns `citus.stat_tenants_track` to `all` on every node, and puts each node's previous
/// setting back when dropped (`ALTER SYSTEM RESET` where it did not come from ALTER SYSTEM).
struct Tracking {
    url: String,
    restore: Vec<String>,
}

impl Tracking {
    async fn enable(conn: &mut PgConnection, url: &str) -> Self {
        let read = "SELECT setting || '|' || coalesce(sourcefile, '') FROM pg_settings \
                    WHERE name = 'citus.stat_tenants_track'";
        let coordinator: String = sqlx::query_scalar(read).fetch_one(&mut *conn).await.expect("read setting");
        let workers: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT result FROM run_command_on_workers($cmd${read}$cmd$)"
        )))
        .fetch_all(&mut *conn)
        .await
        .expect("read the workers' settings");
        // One restore for all workers: the value the first one had (they are set together).
        let restore = vec![
            restore_statement(&coordinator),
            "SELECT pg_reload_conf()".to_owned(),
            format!(
                "SELECT run_command_on_workers($${}$$)",
                restore_statement(workers.first().map_or("none|", String::as_str))
            ),
            "SELECT run_command_on_workers($$SELECT pg_reload_conf()$$)".to_owned(),
        ];
        let tracking = Self { url: url.to_owned(), restore };
        for statement in tenants::ENABLE_TRACKING {
            conn.execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        for _ in 0..50 {
            let nodes = tenants::tracking(conn).await.expect("read tracking");
            if nodes.iter().all(|n| n.is_on()) {
                return tracking;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "citus.stat_tenants_track did not become 'all' on every node after {:?}",
            tenants::ENABLE_TRACKING
        );
    }
}

fn restore_statement(previous: &str) -> String {
    match previous.split_once('|') {
        Some((setting, file)) if file.ends_with("postgresql.auto.conf") => {
            format!("ALTER SYSTEM SET citus.stat_tenants_track = '{setting}'")
        }
        _ => "ALTER SYSTEM RESET citus.stat_tenants_track".to_owned(),
    }
}

impl Drop for Tracking {
    fn drop(&mut self) {
        run_detached(self.url.clone(), std::mem::take(&mut self.restore));
    }
}

async fn query_count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn busiest_lists_the_busiest_tenants_first_with_their_shard_and_node() {
    let Some(url) = citus_url() else { return };
    let (_schema, mut conn) = CitusSchema::create(&url).await;
    let _tracking = Tracking::enable(&mut conn, &url).await;
    for (tenant, times) in [(3, 5), (5, 3), (1, 1)] {
        for _ in 0..times {
            query_count(&mut conn, &format!("SELECT count(*) FROM ads WHERE company_id = {tenant}")).await;
        }
    }
    let table = DistributedTable::find(&mut conn, Some("ads")).await.expect("ads is distributed");
    let all = tenants::busiest(&mut conn, 100_000).await.expect("tracking is on");
    let ours: Vec<_> = all.iter().filter(|s| s.colocation_id == table.colocation_id()).collect();
    let counts: Vec<(&str, i64)> = ours.iter().map(|s| (s.tenant.as_str(), s.recent_queries())).collect();
    assert_eq!(counts, [("3", 5), ("5", 3), ("1", 1)], "{all:#?}");
    for stats in &ours {
        assert_eq!(stats.table, "ads", "the group's first table by name, on the search path: {stats:?}");
        let (shard, host, port): (i64, String, i32) = sqlx::query_as(
            "SELECT shardid, nodename::text, nodeport FROM pg_dist_shard_placement \
             WHERE shardid = get_shard_id_for_distribution_column('ads', $1::bigint)",
        )
        .bind(stats.tenant.parse::<i64>().expect("a bigint tenant"))
        .fetch_one(&mut conn)
        .await
        .expect("the tenant's placement");
        assert_eq!((stats.shard_id, &stats.node), (shard, &Node { host, port: port as u16 }), "{stats:?}");
    }
    let top = tenants::busiest(&mut conn, 1).await.expect("tracking is on");
    assert_eq!(top.len(), 1, "--top 1 gives one tenant: {top:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn busiest_refuses_when_a_node_does_not_track_tenants_and_says_how_to_enable_it() {
    let Some(url) = citus_url() else { return };
    let mut conn = PgConnection::connect(&url).await.expect("CITUS_URL is reachable");
    // This session only: the coordinator looks off to it, which changes nothing for others.
    conn.execute("SET citus.stat_tenants_track = 'none'").await.expect("set for the session");
    let error = tenants::busiest(&mut conn, 10).await.expect_err("tracking is off on the coordinator");
    let TenantsError::TrackingOff { nodes } = &error else { panic!("{error:?}") };
    assert!(nodes.iter().any(|n| n.node == tenants::TrackedNode::Coordinator), "{nodes:?}");
    let message = error.to_string();
    for needle in
        ["ALTER SYSTEM SET citus.stat_tenants_track = 'all'", "pg_reload_conf()", "run_command_on_workers"]
    {
        assert!(message.contains(needle), "{message}");
    }
}

/// How many distinct tenants shard `shard_id` of `table` holds, counted on the shard itself.
async fn tenants_in_shard(conn: &mut PgConnection, table: &str, column: &str, shard_id: i64) -> i64 {
    let sql = format!(
        "SELECT result::int8 FROM run_command_on_shards('{table}', $$SELECT count(DISTINCT {column}) FROM %s$$) \
         WHERE shardid = {shard_id}"
    );
    query_count(conn, &sql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn isolate_puts_one_tenant_alone_in_shards_of_its_own_and_moves_them() {
    let Some(url) = citus_url() else { return };
    let (_schema, mut conn) = CitusSchema::create(&url).await;
    let table = DistributedTable::find(&mut conn, Some("ads")).await.expect("ads is distributed");
    assert_eq!((table.column(), table.column_type()), ("company_id", "bigint"));
    let tenant = table.parse_tenant("4").expect("a bigint");
    let before = query_count(&mut conn, "SELECT count(*) FROM ads").await;

    let isolated = tenants::isolate(&mut conn, &table, &tenant).await.expect("isolates");
    let Isolated::NewShard(shard_id) = isolated else { panic!("{isolated:?}") };
    let placements = tenants::placements(&mut conn, &table, &tenant).await.expect("placements");
    let names: Vec<&str> = placements.iter().map(|p| p.table.as_str()).collect();
    assert_eq!(names, ["ads", "campaigns", "companies"]);
    assert!(placements.iter().all(|p| p.isolated), "{placements:?}");
    assert_eq!(placements[0].shard_id, shard_id);
    for (placement, column) in placements.iter().zip(["company_id", "company_id", "id"]) {
        let alone = tenants_in_shard(&mut conn, &placement.table, column, placement.shard_id).await;
        assert_eq!(alone, 1, "only tenant 4 in {placement:?}");
    }
    assert_eq!(query_count(&mut conn, "SELECT count(*) FROM ads").await, before, "no row lost");
    assert_eq!(query_count(&mut conn, "SELECT count(*) FROM ads WHERE company_id = 4").await, 10);

    // A scoped statement from the rewriter, with the tenant bound, still goes to one shard.
    let rewriter = Rewriter::new(
        Schema::builder()
            .tenant_table("companies", "id")
            .tenant_table("campaigns", "company_id")
            .tenant_table("ads", "company_id")
            .build()
            .expect("valid schema"),
        Dialect::Postgres,
    );
    let scope = Scope::tenants([TenantId::I64(4)]).expect("one tenant");
    let sql = "SELECT a.title FROM ads a JOIN campaigns c ON c.id = a.campaign_id";
    let rewritten = rewriter.rewrite_in(Some(&scope), sql, Output::Bind).expect("rewrites");
    let explain = format!("EXPLAIN (COSTS OFF) {}", rewritten.sql());
    let plan: Vec<String> =
        sqlx::query_scalar(AssertSqlSafe(explain)).bind(4_i64).fetch_all(&mut conn).await.expect("explains");
    let plan = plan.join("\n");
    assert!(plan.contains("Task Count: 1\n"), "{}\n{plan}", rewritten.sql());

    // Again: already isolated, nothing changes.
    let again = tenants::isolate(&mut conn, &table, &tenant).await.expect("already isolated is not an error");
    assert_eq!(again, Isolated::AlreadyIsolated(shard_id));
    assert_eq!(tenants::placements(&mut conn, &table, &tenant).await.expect("placements"), placements);

    // Move to the other worker: every co-located shard goes with it.
    let from = placements[0].node.clone();
    let workers: Vec<(String, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport FROM pg_dist_node WHERE shouldhaveshards AND isactive ORDER BY nodeport",
    )
    .fetch_all(&mut conn)
    .await
    .expect("workers");
    let to = workers
        .into_iter()
        .map(|(host, port)| Node { host, port: port as u16 })
        .find(|node| *node != from)
        .expect("a second worker");
    let moved = tenants::move_tenant(&mut conn, &table, &tenant, &to).await.expect("moves");
    assert_eq!(moved, Moved::Moved { shard_id, from, to: to.clone() });
    let after = tenants::placements(&mut conn, &table, &tenant).await.expect("placements");
    assert!(after.iter().all(|p| p.node == to && p.isolated), "{after:?}");
    let ports: Vec<i32> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT nodeport FROM citus_shards WHERE shardid IN ({}) ORDER BY shardid",
        after.iter().map(|p| p.shard_id.to_string()).collect::<Vec<_>>().join(", ")
    )))
    .fetch_all(&mut conn)
    .await
    .expect("citus_shards");
    assert_eq!(ports, [i32::from(to.port); 3], "citus_shards shows the new port");
    assert_eq!(query_count(&mut conn, "SELECT count(*) FROM ads WHERE company_id = 4").await, 10);
    let there = tenants::move_tenant(&mut conn, &table, &tenant, &to).await.expect("already there");
    assert_eq!(there, Moved::AlreadyThere { shard_id, node: to });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn bad_input_is_refused_with_a_typed_error_and_changes_nothing() {
    let Some(url) = citus_url() else { return };
    let (schema, mut conn) = CitusSchema::create(&url).await;
    let table = DistributedTable::find(&mut conn, Some("ads")).await.expect("ads is distributed");
    let shards =
        || format!("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid::text LIKE '{}.%'", schema.name);
    let before = query_count(&mut conn, &shards()).await;

    let error = table.parse_tenant("acme").expect_err("not a bigint");
    assert!(
        matches!(error, TenantsError::InvalidTenant { .. }) && error.to_string().contains("bigint"),
        "{error}"
    );
    let error = DistributedTable::find(&mut conn, Some("no_such_table")).await.expect_err("no such table");
    assert!(matches!(error, TenantsError::UnknownTable { .. }), "{error:?}");
    let error = DistributedTable::find(&mut conn, Some("geo")).await.expect_err("a reference table");
    assert!(matches!(error, TenantsError::NotDistributed { kind: "a reference table", .. }), "{error:?}");
    let tenant = table.parse_tenant("2").expect("a bigint");
    let nowhere = Node { host: "127.0.0.1".to_owned(), port: 1 };
    let error = tenants::move_tenant(&mut conn, &table, &tenant, &nowhere).await.expect_err("unknown node");
    assert!(
        matches!(error, TenantsError::UnknownNode { .. }) && error.to_string().contains("5434"),
        "{error}"
    );
    let worker = Node { host: "127.0.0.1".to_owned(), port: 5435 };
    let error = tenants::move_tenant(&mut conn, &table, &tenant, &worker).await.expect_err("not isolated");
    assert!(matches!(error, TenantsError::NotIsolated { .. }), "{error:?}");
    assert_eq!(query_count(&mut conn, &shards()).await, before, "no shard added or removed");
}

#[test]
fn nodes_read_as_host_and_port_or_say_what_is_wrong() {
    let cases: &[(&str, Option<(&str, u16)>)] = &[
        ("127.0.0.1:5434", Some(("127.0.0.1", 5434))),
        ("worker-1.internal:6432", Some(("worker-1.internal", 6432))),
        ("127.0.0.1", None),
        (":5432", None),
        ("host:0", None),
        ("host:70000", None),
        ("host:port", None),
    ];
    for (input, expected) in cases {
        let read = input.parse::<Node>();
        match expected {
            Some((host, port)) => assert_eq!(
                read.as_ref().ok(),
                Some(&Node { host: (*host).to_owned(), port: *port }),
                "{input}"
            ),
            None => assert!(matches!(read, Err(TenantsError::InvalidNode { .. })), "{input}: {read:?}"),
        }
    }
}

#[tokio::test]
async fn on_plain_postgresql_citus_is_not_installed() {
    let server = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = unique("mt_citus_tenants");
    let mut admin =
        PgConnection::connect(&server).await.expect("PostgreSQL is reachable (or set DATABASE_URL)");
    admin.execute(AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
    struct Dropped(String, String);
    impl Drop for Dropped {
        fn drop(&mut self) {
            run_detached(self.0.clone(), vec![format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1)]);
        }
    }
    let _dropped = Dropped(server.clone(), name.clone());
    let url = format!("{}/{name}", server.rsplit_once('/').expect("a database in the URL").0);
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let error = tenants::busiest(&mut conn, 10).await.expect_err("not Citus");
    assert!(matches!(error, TenantsError::NotCitus), "{error:?}");
    let error = DistributedTable::find(&mut conn, None).await.expect_err("not Citus");
    assert!(matches!(error, TenantsError::NotCitus), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn with_no_distributed_table_isolate_says_to_distribute_first() {
    let Some(url) = citus_url() else { return };
    // A database of its own on the coordinator, with the extension but no distributed table
    // (database creation is not propagated to the workers; the metadata is per database).
    let name = unique("mt_citus_empty");
    let mut admin = PgConnection::connect(&url).await.expect("CITUS_URL is reachable");
    admin.execute(AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
    struct Dropped(String, String);
    impl Drop for Dropped {
        fn drop(&mut self) {
            run_detached(self.0.clone(), vec![format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1)]);
        }
    }
    let _dropped = Dropped(url.clone(), name.clone());
    let empty = format!("{}/{name}", url.rsplit_once('/').expect("a database in the URL").0);
    let mut conn = PgConnection::connect(&empty).await.expect("connect");
    conn.execute("CREATE EXTENSION citus").await.expect("create the extension");
    conn.execute("CREATE TABLE plain (t bigint)").await.expect("a plain table");
    let error = DistributedTable::find(&mut conn, None).await.expect_err("no distributed table");
    assert!(matches!(error, TenantsError::NoDistributedTables), "{error:?}");
    let error = DistributedTable::find(&mut conn, Some("plain")).await.expect_err("a plain table");
    assert!(
        matches!(error, TenantsError::NotDistributed { kind: "a plain PostgreSQL table", .. }),
        "{error:?}"
    );
    conn.close().await.expect("close");
}
