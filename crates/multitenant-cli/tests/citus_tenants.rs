//! Runs `multitenant citus tenants` and `multitenant citus isolate` as a user would: on plain
//! PostgreSQL (Citus is not installed: exit 1), with bad arguments (exit 2), and, with
//! `CITUS_URL` set, against the Citus cluster (skipped, saying so, when it is unset), each
//! test in a schema of its own that it drops.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn multitenant(args: &[&str], database_url: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_multitenant"));
    command.args(args).env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn assert_fails(run: &Run, code: i32, needle: &str) {
    assert_eq!(run.code, Some(code), "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(run.stderr.contains(needle), "stderr should mention {needle:?}: {run:?}");
}

fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Runs statements one by one on one fresh connection.
fn sql(url: &str, statements: &[String]) {
    block_on(async {
        let mut conn = PgConnection::connect(url).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        for statement in statements {
            conn.execute(AssertSqlSafe(statement.clone()))
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    });
}

/// The value of a query that returns one row and column, as text.
fn value(url: &str, query: &str) -> String {
    block_on(async {
        let mut conn = PgConnection::connect(url).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        let text: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!("SELECT ({query})::text")))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        text.unwrap_or_else(|| panic!("{query}: NULL"))
    })
}

/// Drops what a test made when it ends, also when it fails.
struct Cleanup(String, Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (url, statements) = (self.0.clone(), std::mem::take(&mut self.1));
        let done = std::thread::spawn(move || {
            block_on(async {
                let Ok(mut conn) = PgConnection::connect(&url).await else { return };
                for statement in statements {
                    drop(conn.execute(AssertSqlSafe(statement)).await);
                }
            });
        });
        drop(done.join());
    }
}

#[test]
fn on_plain_postgresql_both_commands_say_citus_is_not_installed_and_exit_1() {
    let server = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = unique("mt_cli_citus");
    sql(&server, &[format!("CREATE DATABASE {name}")]);
    let _cleanup = Cleanup(server.clone(), vec![format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")]);
    let url = format!("{}/{name}", server.rsplit_once('/').expect("a database in the URL").0);
    let not_citus = "Citus is not installed";
    assert_fails(&multitenant(&["citus", "tenants", "--database-url", &url], None), 1, not_citus);
    assert_fails(
        &multitenant(&["citus", "isolate", "--tenant", "1", "--database-url", &url], None),
        1,
        not_citus,
    );
    // DATABASE_URL in place of --database-url.
    assert_fails(&multitenant(&["citus", "tenants"], Some(&url)), 1, not_citus);
    assert_fails(&multitenant(&["citus", "isolate", "--tenant", "1"], Some(&url)), 1, not_citus);
}

#[test]
fn bad_arguments_and_an_unreachable_database_exit_2() {
    let nowhere = "postgres://postgres@127.0.0.1:1/postgres";
    let cases: &[(&str, &[&str], &str)] = &[
        ("no database URL", &["citus", "tenants"], "--database-url"),
        ("unreachable", &["citus", "tenants", "--database-url", nowhere], "cannot connect"),
        (
            "unreachable isolate",
            &["citus", "isolate", "--tenant", "1", "--database-url", nowhere],
            "cannot connect",
        ),
        ("no tenant", &["citus", "isolate", "--database-url", nowhere], "--tenant"),
        ("top zero", &["citus", "tenants", "--top", "0", "--database-url", nowhere], "--top"),
        (
            "node without port",
            &["citus", "isolate", "--tenant", "1", "--to-node", "h", "--database-url", nowhere],
            "HOST:PORT",
        ),
        (
            "node port not a number",
            &["citus", "isolate", "--tenant", "1", "--to-node", "h:x", "--database-url", nowhere],
            "HOST:PORT",
        ),
    ];
    for (name, args, needle) in cases {
        let run = multitenant(args, None);
        assert_eq!(run.code, Some(2), "{name}: {run:?}");
        assert!(run.stderr.contains(needle), "{name}: stderr should mention {needle:?}: {run:?}");
    }
}

fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        eprintln!("skipped: CITUS_URL is not set (e.g. postgres://postgres@127.0.0.1:5433/postgres)");
    }
    url
}

/// A schema of its own with co-located `companies`, `campaigns`, `ads` (tenants 1 to 6); the
/// cleanup drops it.
fn citus_schema(url: &str) -> (String, Cleanup) {
    let name = unique("mt_cli_tenants");
    let cleanup = Cleanup(url.to_owned(), vec![format!("DROP SCHEMA IF EXISTS {name} CASCADE")]);
    let statements = [
        format!("CREATE SCHEMA {name}"),
        format!("CREATE TABLE {name}.companies (id bigint PRIMARY KEY, name text)"),
        format!(
            "CREATE TABLE {name}.campaigns (company_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (company_id, id))"
        ),
        format!(
            "CREATE TABLE {name}.ads (company_id bigint NOT NULL, id bigint NOT NULL, title text, PRIMARY KEY (company_id, id))"
        ),
        format!("SELECT create_distributed_table('{name}.companies', 'id', colocate_with => 'none')"),
        format!(
            "SELECT create_distributed_table('{name}.campaigns', 'company_id', colocate_with => '{name}.companies')"
        ),
        format!(
            "SELECT create_distributed_table('{name}.ads', 'company_id', colocate_with => '{name}.companies')"
        ),
        format!("INSERT INTO {name}.companies SELECT c, 'company ' || c FROM generate_series(1, 6) c"),
        format!(
            "INSERT INTO {name}.campaigns SELECT c, k FROM generate_series(1, 6) c, generate_series(1, 3) k"
        ),
        format!(
            "INSERT INTO {name}.ads SELECT c, a, 'ad' FROM generate_series(1, 6) c, generate_series(1, 10) a"
        ),
    ];
    sql(url, &statements);
    (name, cleanup)
}

/// `citus.stat_tenants_track = 'all'` on every node until dropped, when each node's previous
/// setting comes back (`RESET` unless it came from ALTER SYSTEM).
fn enable_tracking(url: &str) -> Cleanup {
    let read = "SELECT setting || '|' || coalesce(sourcefile, '') FROM pg_settings WHERE name = 'citus.stat_tenants_track'";
    let restore = |previous: &str| match previous.split_once('|') {
        Some((setting, file)) if file.ends_with("postgresql.auto.conf") => {
            format!("ALTER SYSTEM SET citus.stat_tenants_track = '{setting}'")
        }
        _ => "ALTER SYSTEM RESET citus.stat_tenants_track".to_owned(),
    };
    let coordinator = value(url, read);
    let worker = value(url, &format!("SELECT result FROM run_command_on_workers($cmd${read}$cmd$) LIMIT 1"));
    let cleanup = Cleanup(
        url.to_owned(),
        vec![
            restore(&coordinator),
            "SELECT pg_reload_conf()".to_owned(),
            format!("SELECT run_command_on_workers($${}$$)", restore(&worker)),
            "SELECT run_command_on_workers($$SELECT pg_reload_conf()$$)".to_owned(),
        ],
    );
    sql(url, &multitenant_citus::tenants::ENABLE_TRACKING.map(str::to_owned));
    let on = "SELECT current_setting('citus.stat_tenants_track') = 'all' AND \
              (SELECT bool_and(result = 'all') FROM run_command_on_workers($$SHOW citus.stat_tenants_track$$))";
    for _ in 0..50 {
        if value(url, on) == "true" {
            return cleanup;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("tracking did not turn on");
}

/// The rows of a printed table, split on runs of spaces.
fn table_rows(stdout: &str) -> Vec<Vec<&str>> {
    stdout.lines().skip(1).map(|line| line.split_whitespace().collect()).collect()
}

#[test]
fn tenants_lists_the_busiest_tenants_first_with_counts_shard_and_node() {
    let Some(url) = citus_url() else { return };
    let (schema, _cleanup) = citus_schema(&url);
    let _tracking = enable_tracking(&url);
    let mut queries = Vec::new();
    for (tenant, times) in [(2, 4), (6, 2), (1, 1)] {
        queries.extend(
            (0..times).map(|_| format!("SELECT count(*) FROM {schema}.ads WHERE company_id = {tenant}")),
        );
    }
    sql(&url, &queries);
    let run = multitenant(&["citus", "tenants", "--top", "100000", "--database-url", &url], None);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.starts_with("TENANT"), "{run:?}");
    let ads = format!("{schema}.ads");
    let ours: Vec<Vec<&str>> =
        table_rows(&run.stdout).into_iter().filter(|row| row.last() == Some(&ads.as_str())).collect();
    let counts: Vec<(&str, &str)> = ours.iter().map(|row| (row[0], row[1])).collect();
    assert_eq!(counts, [("2", "4"), ("6", "2"), ("1", "1")], "{run:?}");
    for row in &ours {
        let placement = value(
            &url,
            &format!(
                "SELECT shardid || ' ' || nodename || ':' || nodeport FROM pg_dist_shard_placement \
                 WHERE shardid = get_shard_id_for_distribution_column('{ads}', {})",
                row[0]
            ),
        );
        assert_eq!(format!("{} {}", row[4], row[5]), placement, "{row:?}");
    }
}

/// Every shard of the schema's tables, with its hash range and node, for before/after checks.
fn shards(url: &str, schema: &str) -> String {
    value(
        url,
        &format!(
            "SELECT string_agg(s.logicalrelid::text || ' ' || s.shardid || ' ' || s.shardminvalue || '..' || \
             s.shardmaxvalue || ' ' || p.nodeport, ', ' ORDER BY s.shardid) \
             FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid) \
             WHERE s.logicalrelid::text LIKE '{schema}.%'"
        ),
    )
}

#[test]
fn isolate_puts_a_tenant_alone_in_its_shards_and_moves_them_to_the_node_given() {
    let Some(url) = citus_url() else { return };
    let (schema, _cleanup) = citus_schema(&url);
    let ads = format!("{schema}.ads");
    let home = value(
        &url,
        &format!(
            "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = get_shard_id_for_distribution_column('{ads}', 3)"
        ),
    );
    let other = value(
        &url,
        &format!("SELECT nodeport FROM pg_dist_node WHERE shouldhaveshards AND nodeport <> {home} LIMIT 1"),
    );
    let to = format!("127.0.0.1:{other}");

    let run =
        multitenant(&["citus", "isolate", "--tenant", "3", "--table", &ads, "--to-node", &to], Some(&url));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.contains("isolated: tenant 3 is alone") && run.stderr.contains("moved: "), "{run:?}");
    let rows = table_rows(&run.stdout);
    let tables: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        tables,
        [ads.clone(), format!("{schema}.campaigns"), format!("{schema}.companies")],
        "{run:?}"
    );
    for row in &rows {
        let [table, shard, node, alone] = row[..] else { panic!("{row:?}") };
        assert_eq!((node, alone), (to.as_str(), "yes"), "{row:?}");
        let column = if table.ends_with(".companies") { "id" } else { "company_id" };
        let catalog = value(
            &url,
            &format!(
                "SELECT s.shardid || ' ' || (s.shardminvalue = s.shardmaxvalue) || ' ' || p.nodeport \
                 FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid) \
                 WHERE s.shardid = get_shard_id_for_distribution_column('{table}', 3)"
            ),
        );
        assert_eq!(catalog, format!("{shard} true {other}"), "{row:?}");
        let tenants = value(
            &url,
            &format!(
                "SELECT result FROM run_command_on_shards('{table}', $$SELECT count(DISTINCT {column}) FROM %s$$) \
                 WHERE shardid = {shard}"
            ),
        );
        assert_eq!(tenants, "1", "only tenant 3 in {table}'s shard {shard}");
    }
    assert_eq!(value(&url, &format!("SELECT count(*) FROM {ads}")), "60", "no row lost");

    // Again: already isolated and already there; nothing changes.
    let before = shards(&url, &schema);
    let again =
        multitenant(&["citus", "isolate", "--tenant", "3", "--table", &ads, "--to-node", &to], Some(&url));
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(again.stderr.contains("already alone") && again.stderr.contains("not moved"), "{again:?}");
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(shards(&url, &schema), before);
}

#[test]
fn isolate_refuses_bad_input_and_citus_refusals_changing_nothing() {
    let Some(url) = citus_url() else { return };
    let (schema, _cleanup) = citus_schema(&url);
    let (ads, plain, replicated) =
        (format!("{schema}.ads"), format!("{schema}.plain"), format!("{schema}.replicated"));
    sql(
        &url,
        &[
            format!("CREATE TABLE {plain} (t bigint)"),
            format!("CREATE TABLE {replicated} (t bigint, id int)"),
            "SET citus.shard_replication_factor = 2".to_owned(),
            format!(
                "SELECT create_distributed_table('{replicated}', 't', colocate_with => 'none', shard_count => 4)"
            ),
            format!("INSERT INTO {replicated} SELECT t, 1 FROM generate_series(1, 6) t"),
        ],
    );
    let before = shards(&url, &schema);
    let cases: &[(&str, &[&str], i32, &str)] = &[
        ("wrong type", &["--tenant", "acme", "--table", &ads], 2, "is bigint: pass a tenant of that type"),
        (
            "unknown node",
            &["--tenant", "2", "--table", &ads, "--to-node", "127.0.0.1:1"],
            2,
            "not an active primary node",
        ),
        ("unknown table", &["--tenant", "2", "--table", "mt_no_such_table"], 2, "there is no table"),
        ("plain table", &["--tenant", "2", "--table", &plain], 2, "a plain PostgreSQL table"),
        (
            "Citus refuses",
            &["--tenant", "2", "--table", &replicated],
            1,
            "cannot isolate tenants when using shard replication",
        ),
    ];
    for (name, args, code, needle) in cases {
        let mut all = vec!["citus", "isolate"];
        all.extend_from_slice(args);
        let run = multitenant(&all, Some(&url));
        assert_eq!(run.code, Some(*code), "{name}: {run:?}");
        assert_eq!(run.stdout, "", "{name}: {run:?}");
        assert!(run.stderr.contains(needle), "{name}: stderr should mention {needle:?}: {run:?}");
        assert_eq!(shards(&url, &schema), before, "{name}: nothing changed");
    }
}
