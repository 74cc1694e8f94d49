//! `multitenant check`: reads a live database and the schema file, and prints every problem
//! with its fix, before Citus (or a tenant) finds it. Exits with 0 when there is none, 1 when
//! there are some, 2 when it cannot decide (bad arguments, a database it cannot reach).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use multitenant::Schema;
use multitenant_citus::Problem;

use crate::database;
use crate::failure::{self, Failure};

/// The arguments of `multitenant check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The schema file (TOML) declaring tenant and reference tables.
    #[arg(long, value_name = "FILE")]
    schema: PathBuf,

    /// The database to check (a postgres:// URL).
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,

    /// The role the application connects as, whose privileges are checked [default: the
    /// connecting user].
    #[arg(long, value_name = "NAME")]
    role: Option<String>,

    /// How to print the problems: one per line with its fix, or a JSON array of objects with
    /// `table`, `kind`, `message` and `fix`.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs `multitenant check`.
pub(crate) fn main(args: &Args) -> ExitCode {
    failure::run(async { run(args).await.map_err(Failure::cannot_decide) })
}

async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let schema = Schema::from_toml_file(&args.schema)?;
    let mut conn = database::connect(&args.database_url).await?;
    let problems = multitenant_citus::check_database(&mut conn, &schema, args.role.as_deref())
        .await
        .context("cannot check the database")?;
    match args.format {
        Format::Text => print_text(&problems),
        Format::Json => println!("{}", json(&problems)),
    }
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_text(problems: &[Problem]) {
    for problem in problems {
        println!("{problem}");
    }
    match problems.len() {
        0 => eprintln!("no problems found"),
        n => eprintln!("{n} problem(s) found"),
    }
}

fn json(problems: &[Problem]) -> serde_json::Value {
    let objects = problems.iter().map(|p| {
        serde_json::json!({ "table": p.table, "kind": p.kind.name(), "message": p.message, "fix": p.fix })
    });
    serde_json::Value::Array(objects.collect())
}
