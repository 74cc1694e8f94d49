//! Runs the `multitenant` binary as a user would, against `examples/multitenant.toml`.

use std::io::Write;
use std::process::{Command, Stdio};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/multitenant.toml");

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `multitenant rewrite --schema examples/multitenant.toml <args>` with `stdin` as input.
fn rewrite(args: &[&str], stdin: &str) -> Run {
    let mut all = vec!["rewrite", "--schema", SCHEMA];
    all.extend_from_slice(args);
    run(&all, stdin)
}

fn run(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_multitenant"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()).expect("stdin is written");
    let output = child.wait_with_output().expect("the binary finishes");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Asserts a successful run that printed exactly `sql` and a newline.
fn assert_prints(run: &Run, sql: &str) {
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout, format!("{sql}\n"), "{run:?}");
}

/// Asserts a refusal: exit code 1, nothing on stdout, `error: ` on stderr mentioning `needle`.
fn assert_refused(run: &Run, needle: &str) {
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(run.stderr.contains(needle), "stderr should mention {needle:?}: {run:?}");
}

/// Asserts a usage error as clap reports them: exit code 2, nothing on stdout.
fn assert_usage_error(run: &Run, needle: &str) {
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(run.stderr.contains(needle), "stderr should mention {needle:?}: {run:?}");
}

#[test]
fn inlines_one_tenant_as_a_literal() {
    let run = rewrite(&["--tenant", "42", "SELECT * FROM ads WHERE id = 1"], "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 42");
    assert_eq!(run.stderr, "");
}

#[test]
fn binds_the_tenant_as_a_parameter_and_says_which() {
    let run = rewrite(&["--tenant", "42", "--bind", "SELECT * FROM ads WHERE id = 1"], "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = $1");
    assert!(run.stderr.contains("$1"), "{run:?}");
}

#[test]
fn binds_after_the_statements_own_parameters_in_sqlite() {
    let args = ["--tenant", "42", "--bind", "--dialect", "sqlite", "SELECT * FROM ads WHERE id = ?1"];
    let run = rewrite(&args, "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = ?1 AND ads.company_id = ?2");
    assert!(run.stderr.contains("?2"), "{run:?}");
}

#[test]
fn several_tenants_inline_as_a_list() {
    let run = rewrite(&["--tenant", "1", "--tenant", "2", "SELECT * FROM ads WHERE id = 1"], "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id IN (1, 2)");
}

#[test]
fn text_tenants_are_quoted() {
    let args = ["--tenant-type", "text", "--tenant", "o'brien", "SELECT * FROM ads WHERE id = 1"];
    let run = rewrite(&args, "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 'o''brien'");
}

#[test]
fn uuid_tenants_are_quoted() {
    let tenant = "0b7e5a4c-3f7d-4c1e-9a51-2d0f8f6c1a23";
    let run = rewrite(&["--tenant-type", "uuid", "--tenant", tenant, "SELECT * FROM ads WHERE id = 1"], "");
    assert_prints(&run, &format!("SELECT * FROM ads WHERE id = 1 AND ads.company_id = '{tenant}'"));
}

#[test]
fn reads_the_sql_from_stdin_when_no_argument_is_given() {
    let run = rewrite(&["--tenant", "42"], "SELECT * FROM ads WHERE id = 1\n");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 42");
}

#[test]
fn refuses_a_tenant_table_without_a_tenant() {
    let run = rewrite(&["SELECT * FROM ads WHERE id = 1"], "");
    assert_refused(&run, "with_tenant");
}

#[test]
fn refuses_truncate_of_a_tenant_table() {
    let run = rewrite(&["--tenant", "42", "TRUNCATE ads"], "");
    assert_refused(&run, "TRUNCATE");
}

#[test]
fn refuses_an_insert_for_another_tenant() {
    let run = rewrite(&["--tenant", "42", "INSERT INTO ads (id, company_id) VALUES (1, 7)"], "");
    assert_refused(&run, "company_id");
}

#[test]
fn refuses_sql_that_does_not_parse() {
    let run = rewrite(&["--tenant", "42", "SELEC * FROM ads"], "");
    assert_refused(&run, "parse");
}

#[test]
fn leaves_reference_tables_alone_without_a_tenant() {
    let run = rewrite(&["SELECT * FROM geo"], "");
    assert_prints(&run, "SELECT * FROM geo");
}

#[test]
fn unscoped_adds_no_tenant_filter() {
    let run = rewrite(&["--unscoped", "SELECT * FROM ads WHERE id = 1"], "");
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1");
}

#[test]
fn a_missing_schema_file_is_an_error_naming_the_path() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/no-such-schema.toml");
    let run = run(&["rewrite", "--schema", path, "--tenant", "42", "SELECT 1"], "");
    assert_refused(&run, path);
}

#[test]
fn empty_input_is_an_error() {
    let run = rewrite(&["--tenant", "42"], "  \n");
    assert_refused(&run, "no SQL given");
}

#[test]
fn tenant_with_unscoped_is_a_usage_error() {
    let run = rewrite(&["--tenant", "42", "--unscoped", "SELECT * FROM ads"], "");
    assert_usage_error(&run, "--unscoped");
}

#[test]
fn a_tenant_that_does_not_read_as_the_tenant_type_is_a_usage_error() {
    let run = rewrite(&["--tenant", "acme", "SELECT * FROM ads"], "");
    assert_usage_error(&run, "\"acme\" is not a valid bigint");
    assert!(
        run.stderr.contains("the schema's tenant_type"),
        "examples/multitenant.toml declares bigint: {run:?}"
    );
    let run = rewrite(&["--tenant-type", "integer", "--tenant", "4294967296", "SELECT * FROM ads"], "");
    assert_usage_error(&run, "\"4294967296\" is not a valid integer");
    let run = rewrite(&["--tenant-type", "uuid", "--tenant", "42", "SELECT * FROM ads"], "");
    assert_usage_error(&run, "\"42\" is not a valid uuid");
}

// How `--tenant` values are typed: `--tenant-type`, else the schema's `tenant_type`, else bigint.

/// A schema file holding `text`, removed when dropped.
struct SchemaFile(std::path::PathBuf);

impl SchemaFile {
    fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("multitenant-cli-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).expect("the schema file is written");
        Self(path)
    }

    /// Runs `multitenant rewrite --schema <this file> <args>`.
    fn rewrite(&self, args: &[&str]) -> Run {
        let path = self.0.to_str().expect("the temporary path is UTF-8");
        let mut all = vec!["rewrite", "--schema", path];
        all.extend_from_slice(args);
        run(&all, "")
    }
}

impl Drop for SchemaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const ADS: &str = "[tables.ads]\ntenant_column = \"company_id\"\n";
const UUID: &str = "0b7e5a4c-3f7d-4c1e-9a51-2d0f8f6c1a23";

#[test]
fn a_schema_declared_text_tenant_is_read_as_text_and_quoted() {
    let schema = SchemaFile::new("text-top-level", &format!("tenant_type = \"text\"\n{ADS}"));
    let run = schema.rewrite(&["--tenant", "o'brien", "SELECT * FROM ads WHERE id = 1"]);
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 'o''brien'");
    let run = schema.rewrite(&["--tenant", "42", "SELECT * FROM ads WHERE id = 1"]);
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = '42'");
}

#[test]
fn a_tenant_type_declared_on_the_table_types_the_tenant_too() {
    let schema = SchemaFile::new("text-per-table", &format!("{ADS}tenant_type = \"text\"\n"));
    let run = schema.rewrite(&["--tenant", "o'brien", "--tenant", "acme", "SELECT * FROM ads"]);
    assert_prints(&run, "SELECT * FROM ads WHERE ads.company_id IN ('o''brien', 'acme')");
}

#[test]
fn a_schema_declared_uuid_tenant_is_read_as_a_uuid() {
    let schema = SchemaFile::new("uuid", &format!("tenant_type = \"uuid\"\n{ADS}"));
    let run = schema.rewrite(&["--tenant", UUID, "SELECT * FROM ads WHERE id = 1"]);
    assert_prints(&run, &format!("SELECT * FROM ads WHERE id = 1 AND ads.company_id = '{UUID}'"));
}

#[test]
fn tenant_type_overrides_the_schemas_tenant_type() {
    let schema = SchemaFile::new("override", &format!("tenant_type = \"text\"\n{ADS}"));
    let run =
        schema.rewrite(&["--tenant-type", "bigint", "--tenant", "42", "SELECT * FROM ads WHERE id = 1"]);
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 42");
    let run = schema.rewrite(&["--tenant-type", "bigint", "--tenant", "o'brien", "SELECT * FROM ads"]);
    assert_usage_error(&run, "\"o'brien\" is not a valid bigint");
}

#[test]
fn without_a_tenant_type_anywhere_tenants_are_bigints() {
    let schema = SchemaFile::new("untyped", ADS);
    let run = schema.rewrite(&["--tenant", "42", "SELECT * FROM ads WHERE id = 1"]);
    assert_prints(&run, "SELECT * FROM ads WHERE id = 1 AND ads.company_id = 42");
    let run = schema.rewrite(&["--tenant", "o'brien", "SELECT * FROM ads"]);
    assert_usage_error(
        &run,
        "--tenant: tenant value \"o'brien\" is not a valid bigint (invalid digit found in string)",
    );
    assert!(run.stderr.contains("declare tenant_type in the schema file, or pass --tenant-type"), "{run:?}");
}

#[test]
fn a_tenant_of_the_wrong_type_is_a_usage_error_naming_the_type_and_its_source() {
    let schema = SchemaFile::new("wrong-type", &format!("tenant_type = \"uuid\"\n{ADS}"));
    let run = schema.rewrite(&["--tenant", UUID, "--tenant", "42", "SELECT * FROM ads"]);
    assert_usage_error(&run, "--tenant: tenant value \"42\" is not a valid uuid (");
    assert!(
        run.stderr.contains(
            "it is read as the schema's tenant_type: pass a valid uuid, or override the type with --tenant-type"
        ),
        "{run:?}"
    );
    let run = schema.rewrite(&["--tenant-type", "integer", "--tenant", "4294967296", "SELECT * FROM ads"]);
    assert_usage_error(&run, "\"4294967296\" is not a valid integer (number too large");
    assert!(run.stderr.contains("it is read as the --tenant-type given"), "{run:?}");
}

#[test]
fn an_unknown_tenant_type_flag_is_a_usage_error_listing_the_types() {
    let run = rewrite(&["--tenant-type", "int8", "--tenant", "42", "SELECT * FROM ads"], "");
    assert_usage_error(&run, "[possible values: bigint, integer, uuid, text]");
}

#[test]
fn a_schema_whose_tenant_types_disagree_is_refused_naming_the_line() {
    let schema =
        SchemaFile::new("conflict", &format!("tenant_type = \"text\"\n{ADS}tenant_type = \"uuid\"\n"));
    let run = schema.rewrite(&["--tenant", "acme", "SELECT * FROM ads"]);
    assert_refused(
        &run,
        "table ads (line 4): tenant_type uuid disagrees with text, declared at the top level",
    );
}
