//! `multitenant citus tenants` and `multitenant citus isolate`: the busiest tenants of a
//! Citus cluster, and one tenant moved into shards of its own (and optionally onto another
//! node). Results go to stdout, progress to stderr; exit 0 on success, 1 when Citus or the
//! database refuses (Citus not installed, tracking off, no distributed table, a Citus
//! error), 2 for bad arguments and an unreachable database.

use std::process::ExitCode;

use multitenant_citus::tenants::{
    self, DistributedTable, Isolated, Moved, Node, Placement, TenantStats, TenantsError,
};
use sqlx::PgConnection;

use crate::failure::{self, Failure};

/// The arguments of `multitenant citus tenants`.
#[derive(Debug, clap::Args)]
pub(crate) struct TenantsArgs {
    /// The Citus coordinator, as a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: String,

    /// How many tenants to list, busiest first (by queries in this and the previous period of
    /// citus.stat_tenants_period).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    top: u32,
}

/// The arguments of `multitenant citus isolate`.
#[derive(Debug, clap::Args)]
pub(crate) struct IsolateArgs {
    /// The tenant: a value of the distribution column, read as that column's type.
    #[arg(long, value_name = "VALUE")]
    tenant: String,

    /// The Citus coordinator, as a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: String,

    /// A hash-distributed table of the tenant's colocation group [default: the one whose name
    /// sorts first].
    #[arg(long, value_name = "TABLE")]
    table: Option<String>,

    /// Then move the tenant's shards to this node (as pg_dist_node names it).
    #[arg(long, value_name = "HOST:PORT")]
    to_node: Option<Node>,
}

impl From<TenantsError> for Failure {
    fn from(error: TenantsError) -> Self {
        match &error {
            TenantsError::UnknownTable { .. }
            | TenantsError::NotDistributed { .. }
            | TenantsError::InvalidTenant { .. }
            | TenantsError::InvalidNode { .. }
            | TenantsError::UnknownNode { .. }
            | TenantsError::Database { .. } => Self::cannot_decide(error),
            _ => Self::problem(error),
        }
    }
}

/// Runs `multitenant citus tenants`.
pub(crate) fn tenants(args: &TenantsArgs) -> ExitCode {
    run(async {
        let mut conn = connect(&args.database_url).await?;
        let rows = tenants::busiest(&mut conn, args.top).await?;
        if rows.is_empty() {
            eprintln!(
                "no tenant statistics yet: citus_stat_tenants has counted no query for a tenant of a \
                 distributed table in this or the previous period"
            );
        }
        print_table(
            &["TENANT", "QUERIES", "READS", "CPU_SECONDS", "SHARD", "NODE", "TABLE"],
            &stats_rows(&rows),
        );
        Ok(())
    })
}

fn stats_rows(rows: &[TenantStats]) -> Vec<Vec<String>> {
    let row = |s: &TenantStats| {
        vec![
            s.tenant.clone(),
            s.recent_queries().to_string(),
            (s.reads_this_period + s.reads_last_period).to_string(),
            format!("{:.3}", s.cpu_seconds_this_period + s.cpu_seconds_last_period),
            s.shard_id.to_string(),
            s.node.to_string(),
            s.table.clone(),
        ]
    };
    rows.iter().map(row).collect()
}

/// Runs `multitenant citus isolate`.
pub(crate) fn isolate(args: &IsolateArgs) -> ExitCode {
    run(async {
        let mut conn = connect(&args.database_url).await?;
        let table = DistributedTable::find(&mut conn, args.table.as_deref()).await?;
        let chosen =
            if args.table.is_some() { "" } else { " (the first by name; choose another with --table)" };
        eprintln!(
            "table: {}, distributed by {} ({}){chosen}",
            table.name(),
            table.column(),
            table.column_type()
        );
        let tenant = table.parse_tenant(&args.tenant)?;
        if let Some(node) = &args.to_node {
            tenants::check_node(&mut conn, node).await?;
        }
        eprintln!(
            "isolating tenant {tenant} of {} and its co-located tables (isolate_tenant_to_new_shard, CASCADE, \
             block_writes)",
            table.name()
        );
        match tenants::isolate(&mut conn, &table, &tenant).await? {
            Isolated::NewShard(shard) => {
                eprintln!("isolated: tenant {tenant} is alone in shard {shard} of {}", table.name())
            }
            Isolated::AlreadyIsolated(shard) => {
                eprintln!(
                    "tenant {tenant} is already alone in shard {shard} of {}: not isolated again",
                    table.name()
                );
            }
            other => eprintln!("{other:?}"),
        }
        if let Some(node) = &args.to_node {
            eprintln!("moving tenant {tenant}'s shards to {node} (citus_move_shard_placement, block_writes)");
            match tenants::move_tenant(&mut conn, &table, &tenant, node).await? {
                Moved::Moved { shard_id, from, to } => {
                    eprintln!("moved: shard {shard_id} and its co-located shards from {from} to {to}");
                }
                Moved::AlreadyThere { shard_id, node } => {
                    eprintln!("shard {shard_id} is already on {node}: not moved");
                }
                other => eprintln!("{other:?}"),
            }
        }
        let placements = tenants::placements(&mut conn, &table, &tenant).await?;
        print_table(&["TABLE", "SHARD", "NODE", "ALONE"], &placement_rows(&placements));
        Ok(())
    })
}

fn placement_rows(placements: &[Placement]) -> Vec<Vec<String>> {
    let alone = |isolated| if isolated { "yes" } else { "no" };
    let row = |p: &Placement| {
        vec![p.table.clone(), p.shard_id.to_string(), p.node.to_string(), alone(p.isolated).to_owned()]
    };
    placements.iter().map(row).collect()
}

/// Connects and checks for Citus, saying which version on stderr.
async fn connect(url: &str) -> Result<PgConnection, Failure> {
    let mut conn = multitenant_citus::connect(url).await.map_err(|error| {
        Failure::cannot_decide(anyhow::anyhow!("{error} (the URL is --database-url, or DATABASE_URL)"))
    })?;
    let version = tenants::citus_version(&mut conn).await?;
    eprintln!("connected: Citus {version}");
    Ok(conn)
}

/// Runs a command (see [`failure::run`]).
fn run(command: impl Future<Output = Result<(), Failure>>) -> ExitCode {
    failure::run(async { command.await.map(|()| ExitCode::SUCCESS) })
}

/// Prints rows under a header, in columns two spaces apart.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
