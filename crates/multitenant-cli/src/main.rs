//! `multitenant`: the command line of the multitenant crate.
//!
//! `multitenant rewrite` shows what the rewriter makes of a statement, or why it refuses it.
//! Refusals print `error: <reason>` on stderr and exit with 1; usage errors exit with 2.

mod check;
mod database;
mod dump;
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
}

fn main() -> ExitCode {
    let args = match Cli::parse().command {
        Command::Rewrite(args) => args,
        Command::Check(args) => return check::main(&args),
        Command::Schema(args) => return dump::main(&args),
    };
    match rewrite(&args) {
        Ok(printed) => {
            for note in &printed.notes {
                eprintln!("{note}");
            }
            println!("{}", printed.sql);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", describe(&error));
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

/// The error and its causes on one line, leaving out a cause whose text an outer message
/// already includes.
fn describe(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}
