//! `multitenant citus plan|apply|undo`: show the SQL that puts the schema's tables on Citus,
//! run it, or take them back off. The work is `multitenant-citus`'s; this reads the arguments,
//! prints, and picks the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use multitenant::Schema;
use multitenant_citus::{Applied, Catalog, Plan};

use crate::failure::{self, Failure};

/// `multitenant citus plan|apply|undo`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Print the SQL that distributes the tenant tables and makes the reference tables
    /// reference tables; changes nothing.
    Plan(Target),
    /// Run that SQL in one transaction (on plain PostgreSQL: say so and change nothing).
    Apply(Target),
    /// Turn the declared tables that are on Citus back into plain tables, foreign keys kept.
    Undo(Target),
}

#[derive(Debug, clap::Args)]
pub(crate) struct Target {
    /// The schema file (TOML) declaring tenant and reference tables.
    #[arg(long, value_name = "FILE")]
    schema: PathBuf,

    /// The database (the Citus coordinator): postgres://user[:password]@host[:port]/database.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
}

/// Runs `multitenant citus plan|apply|undo`: prints what it did on stdout.
pub(crate) fn main(action: &Action) -> ExitCode {
    failure::run(async {
        print!("{}", run_action(action).await?);
        Ok(ExitCode::SUCCESS)
    })
}

async fn run_action(action: &Action) -> Result<String, Failure> {
    let target = match action {
        Action::Plan(target) | Action::Apply(target) | Action::Undo(target) => target,
    };
    let schema = Schema::from_toml_file(&target.schema).map_err(Failure::problem)?;
    let mut conn = multitenant_citus::connect(&target.database_url).await?;
    let progress = |step: &multitenant_citus::Step| eprintln!("{step}");
    match action {
        Action::Plan(_) => {
            let plan = Plan::distribute(&schema, &Catalog::read(&mut conn).await?)?;
            if plan.citus().is_none() {
                eprintln!(
                    "note: the database has no citus extension (plain PostgreSQL); `apply` would change nothing"
                );
            }
            Ok(plan.to_string())
        }
        Action::Apply(_) => {
            Ok(report(multitenant_citus::apply(&mut conn, &schema, progress).await?, "apply"))
        }
        Action::Undo(_) => Ok(report(multitenant_citus::undo(&mut conn, &schema, progress).await?, "undo")),
    }
}

fn report(applied: Applied, what: &str) -> String {
    match applied {
        Applied::NotCitus => {
            format!(
                "the database has no citus extension (plain PostgreSQL): nothing to {what}, nothing changed\n"
            )
        }
        Applied::NothingToDo => format!("nothing to {what}: every declared table already is as asked\n"),
        Applied::Done { tables } => {
            format!("{what}: {tables} table(s) converted, committed in one transaction\n")
        }
        _ => format!("{what}: done\n"),
    }
}
