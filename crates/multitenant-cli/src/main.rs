//! `multitenant`: the command line of the multitenant crate.
//!
//! `multitenant rewrite` shows what the rewriter makes of a statement, or why it refuses it.
//! `multitenant citus plan|apply|undo` puts the schema's tables on Citus (or shows how, or
//! takes them off). Refusals and problems found print `error: <reason>` on stderr and exit with
//! 1; usage errors (and a database URL that is bad or cannot be reached) exit with 2.

mod citus;
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
    /// Put the schema's tables on Citus: `plan` prints the SQL, `apply` runs it, `undo` reverts.
    Citus(citus::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Rewrite(args) => main_rewrite(&args),
        Command::Citus(args) => main_citus(&args),
    }
}

fn main_citus(args: &citus::Args) -> ExitCode {
    match citus::run(args) {
        Ok(printed) => {
            print!("{printed}");
            ExitCode::SUCCESS
        }
        Err(citus::Failure::Problem(error)) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::FAILURE
        }
        Err(citus::Failure::Usage(error)) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::from(2)
        }
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
