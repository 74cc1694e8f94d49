//! `multitenant check` and `multitenant schema dump` through the built binary, on a PostgreSQL
//! database of the test's own (dropped with it): exit codes 0 (clean), 1 (problems, one per
//! line or as JSON), 2 (bad arguments, an unreachable database, no tenant column to dump by).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn execute(url: &str, sql: &str) {
    let mut conn = PgConnection::connect(url).await.unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(statement.to_owned())).execute(&mut conn).await {
            panic!("{statement}\nfailed: {e}");
        }
    }
}

/// A database and a role of the test's own, both dropped with it (the database first).
struct Database {
    name: String,
    role: String,
    url: String,
}

const DDL: &str = "
    CREATE TABLE companies (id bigint PRIMARY KEY);
    CREATE TABLE ads (company_id bigint NOT NULL REFERENCES companies (id), id bigint NOT NULL, PRIMARY KEY (company_id, id));
    DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid FROM pg_proc p WHERE p.proname ~ '^(query|table|schema|database|cursor)_to_xml' OR p.proname IN ('ts_stat', 'ts_rewrite') LOOP EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f); END LOOP; END $$;
";

const SCHEMA: &str =
    "[tables.companies]\ntenant_column = \"id\"\n[tables.ads]\ntenant_column = \"company_id\"\n";

impl Database {
    async fn create(ddl: &str) -> Self {
        let (name, role) = (unique("mt_cli"), unique("mt_cli_app"));
        execute(&server_url(), &format!("CREATE DATABASE {name};\nCREATE ROLE {role} NOLOGIN")).await;
        let url = match server_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name"),
        };
        let db = Self { name, role, url };
        execute(&db.url, &format!("{DDL}\n{ddl}")).await;
        db
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let sql =
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE);\nDROP ROLE IF EXISTS {}", self.name, self.role);
        let done = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let Ok(mut admin) = PgConnection::connect(&server_url()).await else { return };
                for statement in sql.split(";\n") {
                    drop(sqlx::raw_sql(AssertSqlSafe(statement.to_owned())).execute(&mut admin).await);
                }
            });
        });
        drop(done.join());
    }
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn multitenant(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_multitenant"));
    command.args(args).env_remove("DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    }
}

/// Writes `text` to a schema file of the test's own, removed with the returned guard.
struct SchemaFile(std::path::PathBuf);

impl SchemaFile {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{}.toml", unique("mt_cli_schema")));
        std::fs::write(&path, text).expect("write the schema file");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }
}

impl Drop for SchemaFile {
    fn drop(&mut self) {
        drop(std::fs::remove_file(&self.0));
    }
}

#[tokio::test]
async fn check_exits_0_on_a_clean_database() {
    let db = Database::create("").await;
    let file = SchemaFile::new(SCHEMA);
    let run =
        multitenant(&["check", "--schema", file.path(), "--database-url", &db.url, "--role", &db.role], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), ""), "{run:?}");
    assert!(run.stderr.contains("no problems found"), "{run:?}");
}

#[tokio::test]
async fn check_exits_1_with_one_problem_per_line_and_its_fix() {
    let db = Database::create("CREATE TABLE clicks (company_id bigint NOT NULL);\nCREATE TABLE notes (company_id bigint, id bigint)").await;
    let file = SchemaFile::new(&format!("{SCHEMA}[tables.notes]\ntenant_column = \"company_id\"\n"));
    let run =
        multitenant(&["check", "--schema", file.path(), "--database-url", &db.url, "--role", &db.role], &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].starts_with("public.clicks: ")
            && lines[0].contains("[undeclared_tenant_table]; fix: declare it"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("public.notes: ")
            && lines[1].ends_with("fix: ALTER TABLE public.notes ALTER COLUMN company_id SET NOT NULL"),
        "{}",
        lines[1]
    );
}

#[tokio::test]
async fn check_prints_json_objects_with_table_kind_message_and_fix() {
    let db = Database::create("CREATE TABLE clicks (company_id bigint NOT NULL)").await;
    let file = SchemaFile::new(SCHEMA);
    let run = multitenant(
        &["check", "--schema", file.path(), "--format", "json", "--role", &db.role],
        &[("DATABASE_URL", &db.url)],
    );
    assert_eq!(run.code, Some(1), "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let problems = json.as_array().expect("an array");
    assert_eq!(problems.len(), 1, "{json}");
    let problem = &problems[0];
    assert_eq!(problem["table"], "public.clicks");
    assert_eq!(problem["kind"], "undeclared_tenant_table");
    assert!(problem["message"].as_str().is_some_and(|m| m.contains("company_id")), "{problem}");
    assert!(
        problem["fix"].as_str().is_some_and(|f| f.contains("[tables.clicks] tenant_column = \"company_id\"")),
        "{problem}"
    );
    let object = problem.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["fix", "kind", "message", "table"]);
}

#[tokio::test]
async fn check_prints_an_empty_json_array_when_clean() {
    let db = Database::create("").await;
    let file = SchemaFile::new(SCHEMA);
    let run = multitenant(
        &[
            "check",
            "--schema",
            file.path(),
            "--format",
            "json",
            "--database-url",
            &db.url,
            "--role",
            &db.role,
        ],
        &[],
    );
    assert_eq!((run.code, run.stdout.trim()), (Some(0), "[]"), "{run:?}");
}

#[test]
fn check_exits_2_when_the_database_is_unreachable() {
    let file = SchemaFile::new(SCHEMA);
    let run = multitenant(
        &["check", "--schema", file.path(), "--database-url", "postgres://postgres@127.0.0.1:1/x"],
        &[],
    );
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{run:?}");
    assert!(run.stderr.starts_with("error: cannot connect to the database at 127.0.0.1:1/x"), "{run:?}");
}

#[test]
fn check_exits_2_on_bad_arguments() {
    let file = SchemaFile::new(SCHEMA);
    let cases: [(&[&str], &str); 4] = [
        (&["check", "--database-url", "postgres://x"], "--schema"),
        (&["check", "--schema", "schema.toml"], "--database-url"),
        (&["check", "--schema", file.path(), "--database-url", "postgres://x", "--format", "yaml"], "yaml"),
        (
            &["check", "--schema", "/no/such/schema.toml", "--database-url", "postgres://x"],
            "/no/such/schema.toml",
        ),
    ];
    for (args, needle) in cases {
        let run = multitenant(args, &[]);
        assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{args:?}: {run:?}");
        assert!(run.stderr.contains(needle), "{args:?} should mention {needle}: {run:?}");
    }
}

#[tokio::test]
async fn check_exits_2_for_a_role_that_does_not_exist() {
    let db = Database::create("").await;
    let file = SchemaFile::new(SCHEMA);
    let run = multitenant(
        &["check", "--schema", file.path(), "--database-url", &db.url, "--role", "no_such_role_mt"],
        &[],
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("role \"no_such_role_mt\" does not exist"), "{run:?}");
}

#[tokio::test]
async fn schema_dump_writes_a_file_that_loads_and_checks_clean() {
    let db = Database::create(
        "CREATE TABLE geo (id int PRIMARY KEY);\nALTER TABLE ads ADD COLUMN geo_id int REFERENCES geo (id)",
    )
    .await;
    let run = multitenant(&["schema", "dump", "--tenant-column", "company_id"], &[("DATABASE_URL", &db.url)]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let schema = multitenant::Schema::from_toml_str(&run.stdout).expect("the dump loads");
    let expected = multitenant::Schema::builder()
        .tenant_type(multitenant::TenantType::BigInt)
        .tenant_table("ads", "company_id")
        .foreign_key("ads", ["company_id"], "companies", ["id"])
        .foreign_key("ads", ["geo_id"], "geo", ["id"])
        .tenant_table("companies", "id")
        .reference_table("geo")
        .build()
        .expect("schema");
    assert_eq!(schema, expected, "{}", run.stdout);
    let file = SchemaFile::new(&run.stdout);
    let check =
        multitenant(&["check", "--schema", file.path(), "--database-url", &db.url, "--role", &db.role], &[]);
    assert_eq!(check.code, Some(0), "{check:?}\n{}", run.stdout);
}

#[tokio::test]
async fn schema_dump_without_a_tenant_column_on_plain_postgresql_exits_2_saying_to_pass_it() {
    let db = Database::create("").await;
    let run = multitenant(&["schema", "dump", "--database-url", &db.url], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""), "{run:?}");
    assert!(run.stderr.contains("--tenant-column"), "{run:?}");
}

/// With `CITUS_URL`: `schema dump` reads Citus's metadata (no `--tenant-column`), and `check`
/// of the file finds only that the tests connect as a superuser (exit 1, that one line).
#[tokio::test]
async fn on_citus_schema_dump_reads_the_metadata_and_check_agrees() {
    let Some(url) = std::env::var("CITUS_URL").ok().filter(|u| !u.is_empty()) else {
        println!("skipped: CITUS_URL is not set (this Citus test needs a Citus coordinator)");
        return;
    };
    let s = unique("mt_cli");
    let ddl = format!(
        "CREATE SCHEMA {s};
        CREATE TABLE {s}.companies (id bigint PRIMARY KEY);
        CREATE TABLE {s}.ads (company_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (company_id, id));
        SELECT create_distributed_table('{s}.companies', 'id');
        SELECT create_distributed_table('{s}.ads', 'company_id', colocate_with => '{s}.companies');
        ALTER TABLE {s}.ads ADD CONSTRAINT ads_company FOREIGN KEY (company_id) REFERENCES {s}.companies (id)"
    );
    struct DropSchema(String, String);
    impl Drop for DropSchema {
        fn drop(&mut self) {
            let (url, sql) = (self.0.clone(), format!("DROP SCHEMA IF EXISTS {} CASCADE", self.1));
            let done = std::thread::spawn(move || {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async move {
                    let Ok(mut conn) = PgConnection::connect(&url).await else { return };
                    drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await);
                });
            });
            drop(done.join());
        }
    }
    let _guard = DropSchema(url.clone(), s.clone());
    execute(&url, &ddl).await;
    let run = multitenant(&["schema", "dump", "--database-url", &url, "--db-schema", &s], &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let expected = multitenant::Schema::builder()
        .tenant_type(multitenant::TenantType::BigInt)
        .tenant_table(&format!("{s}.ads"), "company_id")
        .foreign_key(&format!("{s}.ads"), ["company_id"], &format!("{s}.companies"), ["id"])
        .tenant_table(&format!("{s}.companies"), "id")
        .build()
        .expect("schema");
    assert_eq!(multitenant::Schema::from_toml_str(&run.stdout).expect("loads"), expected, "{}", run.stdout);
    assert!(!run.stderr.contains("--tenant-column"), "{run:?}");
    // A tenant column hint is not used once tables are distributed, and the dump says so.
    let hinted =
        ["schema", "dump", "--database-url", &url, "--db-schema", &s, "--tenant-column", "campaign_id"];
    let hinted = multitenant(&hinted, &[]);
    assert_eq!((hinted.code, hinted.stdout.as_str()), (Some(0), run.stdout.as_str()), "{hinted:?}");
    assert!(hinted.stderr.contains("note: --tenant-column campaign_id is not used"), "{hinted:?}");
    let file = SchemaFile::new(&run.stdout);
    let check = multitenant(&["check", "--schema", file.path(), "--database-url", &url], &[]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert_eq!(check.stdout.lines().count(), 1, "{check:?}");
    assert!(check.stdout.contains("[superuser_role]"), "{check:?}");
}
