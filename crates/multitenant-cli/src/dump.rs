//! `multitenant schema dump`: writes the schema file of a live database to standard output,
//! read from Citus's metadata, or on plain PostgreSQL from the tenant column given. Exits with
//! 2 when it cannot (no tenant column given where it is needed, a database it cannot reach).

use std::process::ExitCode;

use anyhow::Context;
use multitenant_citus::DumpOptions;

use crate::database;
use crate::failure::{self, Failure};

/// The arguments of `multitenant schema`.
#[derive(Debug, clap::Args)]
pub(crate) struct SchemaArgs {
    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SchemaCommand {
    /// Write the schema file (TOML) of a live database to standard output.
    Dump(DumpArgs),
}

/// The arguments of `multitenant schema dump`.
#[derive(Debug, clap::Args)]
struct DumpArgs {
    /// The database to read (a postgres:// URL).
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,

    /// The tenant column, as stored (`company_id`): every table with it is a tenant table.
    /// Needed unless Citus's metadata says which tables are distributed, which then decides.
    #[arg(long, value_name = "NAME")]
    tenant_column: Option<String>,

    /// Dump only the tables of this PostgreSQL schema; repeat it for more [default: all].
    #[arg(long = "db-schema", value_name = "NAME")]
    db_schemas: Vec<String>,
}

/// Runs `multitenant schema ...`.
pub(crate) fn main(args: &SchemaArgs) -> ExitCode {
    let SchemaCommand::Dump(args) = &args.command;
    failure::run(async { dump(args).await.map_err(Failure::cannot_decide) })
}

async fn dump(args: &DumpArgs) -> anyhow::Result<ExitCode> {
    let mut options = DumpOptions::new();
    if let Some(column) = &args.tenant_column {
        options.tenant_column(column);
    }
    for schema in &args.db_schemas {
        options.schema(schema);
    }
    let mut conn = database::connect(&args.database_url).await?;
    let dumped =
        multitenant_citus::dump_database(&mut conn, &options).await.context("cannot dump the schema")?;
    if let (Some(column), true) = (&args.tenant_column, dumped.from_citus_metadata) {
        eprintln!(
            "note: --tenant-column {column} is not used: tables are distributed, so Citus's metadata says \
             which tables are tenant tables and by which column"
        );
    }
    print!("{}", dumped.toml);
    Ok(ExitCode::SUCCESS)
}
