//! Runs `multitenant citus plan|apply|undo` as a user would: exit codes and output on plain
//! PostgreSQL (a database of its own per test), and, when `CITUS_URL` is set, on Citus (a
//! schema of its own per test).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

const DDL: &str = "
    CREATE TABLE {s}.companies (id bigint PRIMARY KEY, name text);
    CREATE TABLE {s}.campaigns (company_id bigint NOT NULL REFERENCES {s}.companies (id), id bigint NOT NULL,
                                PRIMARY KEY (company_id, id));
    INSERT INTO {s}.companies SELECT generate_series(1, 3);
    INSERT INTO {s}.campaigns SELECT c, k FROM generate_series(1, 3) c, generate_series(1, 2) k;
";

const TOML: &str = "[tables.\"{s}.companies\"]\ntenant_column = \"id\"\n[tables.\"{s}.campaigns\"]\ntenant_column = \"company_id\"\n";

const PLAN: &str = "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_company_id_fkey;
SELECT create_distributed_table('{s}.companies', 'id', colocate_with => 'none');
SELECT create_distributed_table('{s}.campaigns', 'company_id', colocate_with => '{s}.companies');
ALTER TABLE {s}.campaigns ADD CONSTRAINT campaigns_company_id_fkey FOREIGN KEY (company_id) REFERENCES {s}.companies(id);
COMMIT;
";

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args`, `DATABASE_URL` set to `env_url` or removed.
fn multitenant(args: &[&str], env_url: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_multitenant"));
    command.args(args);
    match env_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    }
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn run_sql(conn: &mut PgConnection, sql: &str) {
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(statement.to_owned())).execute(&mut *conn).await {
            panic!("{statement}: {e}");
        }
    }
}

/// Somewhere to put the test's tables, dropped with the test: a database on PostgreSQL, a
/// schema on the shared Citus cluster.
struct Place {
    /// The URL the binary is given.
    url: String,
    /// The schema the tables are in.
    schema: String,
    /// The URL to clean up on, and the statement that does.
    cleanup: (String, String),
    /// The schema file.
    toml: std::path::PathBuf,
}

impl Place {
    async fn postgres() -> Self {
        let server = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = unique("mt_cli");
        let mut admin = PgConnection::connect(&server).await.expect("PostgreSQL at 127.0.0.1:5432");
        run_sql(&mut admin, &format!("CREATE DATABASE {name}")).await;
        let url = match server.rsplit_once('/') {
            Some((host, _)) => format!("{host}/{name}"),
            None => panic!("the server URL has no database"),
        };
        let place = Self::new(
            url,
            "public".to_owned(),
            (server, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
        );
        place.setup().await;
        place
    }

    async fn citus(test: &str) -> Option<Self> {
        let Some(url) = std::env::var("CITUS_URL").ok().filter(|u| !u.is_empty()) else {
            println!("skipped: CITUS_URL is not set (the Citus test {test} needs a Citus coordinator)");
            return None;
        };
        let schema = unique("mt_cli");
        let mut conn = PgConnection::connect(&url).await.expect("Citus at CITUS_URL");
        run_sql(&mut conn, &format!("CREATE SCHEMA {schema}")).await;
        let place =
            Self::new(url.clone(), schema.clone(), (url, format!("DROP SCHEMA IF EXISTS {schema} CASCADE")));
        place.setup().await;
        Some(place)
    }

    fn new(url: String, schema: String, cleanup: (String, String)) -> Self {
        let toml = std::env::temp_dir().join(format!("{}.toml", unique("mt_cli_schema")));
        std::fs::write(&toml, TOML.replace("{s}", &schema)).expect("write the schema file");
        Self { url, schema, cleanup, toml }
    }

    async fn setup(&self) {
        let mut conn = PgConnection::connect(&self.url).await.expect("connect");
        run_sql(&mut conn, &DDL.replace("{s}", &self.schema)).await;
    }

    fn toml(&self) -> &str {
        self.toml.to_str().expect("a UTF-8 temporary path")
    }

    fn run(&self, action: &str) -> Run {
        multitenant(&["citus", action, "--schema", self.toml(), "--database-url", &self.url], None)
    }

    async fn sql(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url).await.expect("connect");
        run_sql(&mut conn, &sql.replace("{s}", &self.schema)).await;
    }

    /// The tables of the test's schema Citus knows.
    async fn on_citus(&self) -> i64 {
        let mut conn = PgConnection::connect(&self.url).await.expect("connect");
        let sql = format!(
            "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{}'",
            self.schema
        );
        sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut conn).await.expect("count")
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        drop(std::fs::remove_file(&self.toml));
        let (url, sql) = std::mem::take(&mut self.cleanup);
        let done = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(mut conn) = PgConnection::connect(&url).await else { return };
                drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await);
            });
        });
        drop(done.join());
    }
}

#[tokio::test]
async fn plan_prints_the_sql_and_notes_plain_postgres() {
    let place = Place::postgres().await;
    let run = place.run("plan");
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, PLAN.replace("{s}", "public"));
    assert!(run.stderr.contains("no citus extension"), "{run:?}");
}

#[tokio::test]
async fn apply_and_undo_on_plain_postgres_change_nothing_and_say_so() {
    let place = Place::postgres().await;
    for (action, what) in [("apply", "nothing to apply"), ("undo", "nothing to undo")] {
        let run = place.run(action);
        assert_eq!(run.code, Some(0), "{run:?}");
        assert_eq!(
            run.stdout,
            format!("the database has no citus extension (plain PostgreSQL): {what}, nothing changed\n")
        );
        assert_eq!(run.stderr, "", "no step ran: {run:?}");
    }
    // Still exactly the same plan: nothing changed.
    assert_eq!(place.run("plan").stdout, PLAN.replace("{s}", "public"));
}

#[tokio::test]
async fn database_url_from_the_environment() {
    let place = Place::postgres().await;
    let run = multitenant(&["citus", "plan", "--schema", place.toml()], Some(&place.url));
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, PLAN.replace("{s}", "public"));
}

#[tokio::test]
async fn problems_found_exit_1_naming_the_table() {
    let place = Place::postgres().await;
    let cases = [
        (
            "missing_table",
            "[tables.ghosts]\nreference = true\n",
            "error: table ghosts is declared in the schema but does not exist in the database",
        ),
        (
            "missing_column",
            "[tables.companies]\ntenant_column = \"company\"\n",
            "error: table public.companies has no column company",
        ),
        (
            "c2",
            "[tables.companies]\ntenant_column = \"id\"\n[tables.campaigns]\ntenant_column = \"id\"\n",
            "error: table public.campaigns: foreign key campaigns_company_id_fkey (company_id) -> public.companies (id) does not join the tenant columns",
        ),
        ("bad_schema_file", "[tables.companies]\n", "error: table companies"),
    ];
    for (case, toml, message) in cases {
        let path = std::env::temp_dir().join(format!("{}.toml", unique(case)));
        std::fs::write(&path, toml).expect("write");
        let run = multitenant(
            &["citus", "apply", "--schema", path.to_str().expect("UTF-8"), "--database-url", &place.url],
            None,
        );
        drop(std::fs::remove_file(&path));
        assert_eq!(run.code, Some(1), "case {case}: {run:?}");
        assert_eq!(run.stdout, "", "case {case}");
        assert!(run.stderr.starts_with(message), "case {case}: {run:?}");
    }
}

#[test]
fn bad_arguments_and_unreachable_databases_exit_2() {
    let schema = std::env::temp_dir().join(format!("{}.toml", unique("mt_cli_args")));
    std::fs::write(&schema, TOML.replace("{s}", "public")).expect("write");
    let schema = schema.to_str().expect("UTF-8");
    let cases: &[(&str, &[&str], &str)] = &[
        ("no_database_url", &["citus", "apply", "--schema", schema], "--database-url <URL>"),
        (
            "not_a_postgres_url",
            &["citus", "plan", "--schema", schema, "--database-url", "mysql://x/y"],
            "error: the database URL starts with \"mysql\"",
        ),
        (
            "unparsable_url",
            &["citus", "plan", "--schema", schema, "--database-url", "postgres://u@[x/y"],
            "error: invalid database URL",
        ),
        (
            "unreachable",
            &["citus", "apply", "--schema", schema, "--database-url", "postgres://postgres@127.0.0.1:1/db"],
            "error: cannot connect to the database at 127.0.0.1:1/db",
        ),
        ("no_action", &["citus"], "Usage: multitenant citus"),
    ];
    for (case, args, message) in cases {
        let run = multitenant(args, None);
        assert_eq!(run.code, Some(2), "case {case}: {run:?}");
        assert_eq!(run.stdout, "", "case {case}");
        assert!(run.stderr.contains(message), "case {case}: {run:?}");
    }
    drop(std::fs::remove_file(schema));
}

#[tokio::test]
async fn citus_apply_twice_then_undo() {
    let Some(place) = Place::citus("citus_apply_twice_then_undo").await else { return };
    let s = &place.schema;
    let plan = place.run("plan");
    assert_eq!((plan.code, plan.stdout.as_str()), (Some(0), PLAN.replace("{s}", s).as_str()), "{plan:?}");
    assert_eq!(plan.stderr, "");

    let apply = place.run("apply");
    assert_eq!(apply.code, Some(0), "{apply:?}");
    assert_eq!(apply.stdout, "apply: 2 table(s) converted, committed in one transaction\n");
    assert_eq!(
        apply.stderr,
        format!(
            "{s}.companies: distributed by id, in a colocation group of its own\n\
             {s}.campaigns: distributed by company_id, co-located with {s}.companies\n"
        )
    );
    assert_eq!(place.on_citus().await, 2);

    let again = place.run("apply");
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (Some(0), "nothing to apply: every declared table already is as asked\n")
    );
    let plan = place.run("plan");
    assert!(plan.stdout.ends_with("-- nothing to do\n"), "{plan:?}");

    let undo = place.run("undo");
    assert_eq!(undo.code, Some(0), "{undo:?}");
    assert_eq!(undo.stdout, "undo: 2 table(s) converted, committed in one transaction\n");
    assert_eq!(
        undo.stderr,
        format!("{s}.companies: back to a plain table\n{s}.campaigns: back to a plain table\n")
    );
    assert_eq!(place.on_citus().await, 0);
}

#[tokio::test]
async fn citus_refused_step_exits_1_with_citus_message() {
    let Some(place) = Place::citus("citus_refused_step_exits_1_with_citus_message").await else { return };
    // A row with no tenant: validation cannot see it, Citus refuses to distribute it.
    place
        .sql(
            "ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_pkey;\n\
             ALTER TABLE {s}.campaigns ALTER COLUMN company_id DROP NOT NULL;\n\
             INSERT INTO {s}.campaigns VALUES (NULL, 9);\n",
        )
        .await;
    let run = place.run("apply");
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("was refused: the partition column of table"), "{run:?}");
    assert!(run.stderr.contains("nothing was changed: the transaction was rolled back"), "{run:?}");
    assert_eq!(place.on_citus().await, 0, "the first table's distribution was rolled back");
}
