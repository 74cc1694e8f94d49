//! `multitenant`: the command line of the multitenant crate.
//!
//! `multitenant rewrite` shows what the rewriter makes of a statement, or why it refuses it.
//! `multitenant citus plan|apply|undo` puts the schema's tables on Citus (or shows how, or
//! takes them off); `multitenant citus tenants` lists the busiest tenants of a Citus cluster
//! and `multitenant citus isolate` moves one into shards of its own (see `citus_tenants`).
//! `multitenant check` checks a live database against the schema file and Citus's rules, and
//! `multitenant schema dump` writes the schema file from a live database.
//! Refusals and problems found print `error: <reason>` on stderr and exit with 1; usage errors
//! (and a database URL that is bad or cannot be reached) exit with 2.

mod check;
mod citus;
mod citus_tenants;
mod database;
mod dump;
mod failure;
mod rewrite;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

/// Fail-closed multi-tenancy for SQL on one shared schema.
#[derive(Debug, Parser)]
#[command(name = "multitenant", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scope a statement to a tenant and print it, or print why it is refused.
    Rewrite(rewrite::Args),
    /// Check a live database against the schema file and Citus's rules; print every problem with its fix.
    Check(check::Args),
    /// Work with the schema file: `multitenant schema dump` writes it from a live database.
    Schema(dump::SchemaArgs),
    /// Citus: put the schema's tables on it (`plan` prints the SQL, `apply` runs it, `undo`
    /// reverts), and operate its tenants.
    #[command(subcommand)]
    Citus(CitusCommand),
}

#[derive(Debug, Subcommand)]
enum CitusCommand {
    #[command(flatten)]
    Schema(citus::Action),
    /// The busiest tenants, from citus_stat_tenants, with their shard and node.
    Tenants(citus_tenants::TenantsArgs),
    /// Move one tenant into shards of its own, optionally onto another node.
    Isolate(citus_tenants::IsolateArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Rewrite(args) => main_rewrite(&args),
        Command::Check(args) => check::main(&args),
        Command::Schema(args) => dump::main(&args),
        Command::Citus(CitusCommand::Schema(action)) => citus::main(&action),
        Command::Citus(CitusCommand::Tenants(args)) => citus_tenants::tenants(&args),
        Command::Citus(CitusCommand::Isolate(args)) => citus_tenants::isolate(&args),
    }
}

fn main_rewrite(args: &rewrite::Args) -> ExitCode {
    match rewrite(args) {
        Ok(printed) => {
            for note in &printed.notes {
                eprintln!("{note}");
            }
            println!("{}", printed.sql);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", failure::describe(&error));
            ExitCode::FAILURE
        }
    }
}

/// Runs `multitenant rewrite`. A `--tenant` that does not read as its type exits as a usage
/// error; it is read once the schema, which may declare the type, is loaded.
fn rewrite(args: &rewrite::Args) -> anyhow::Result<rewrite::Printed> {
    let schema = args.schema()?;
    let scope = args.scope(&schema).unwrap_or_else(|invalid| usage_error("rewrite", invalid));
    rewrite::run(args, schema, scope.as_ref())
}

/// Exits as clap does for an argument it rejects itself, with the subcommand's usage.
fn usage_error(subcommand: &str, message: impl std::fmt::Display) -> ! {
    let mut cli = Cli::command();
    cli.build();
    let command = cli.find_subcommand_mut(subcommand).expect("the subcommand is declared in `Command`");
    command.error(ErrorKind::ValueValidation, message).exit()
}
