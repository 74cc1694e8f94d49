//! Operating tenants once their tables are distributed: which tenants are busiest, by
//! Citus's own statistics ([`busiest`]), and moving one tenant into shards of its own across
//! its colocation group ([`isolate`]), optionally onto another node ([`move_tenant`]), then
//! where it lives ([`placements`]).
//!
//! Every function takes a connection to the Citus coordinator and first checks that Citus is
//! installed there ([`citus_version`]). Isolation and moves use `shard_transfer_mode =>
//! 'block_writes'`: Citus's default, `'auto'`, needs `wal_level = logical`, and a tenant's
//! writes are blocked only while its own shards are copied.
//!
//! ```no_run
//! # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::tenants::TenantsError> {
//! use multitenant_citus::tenants::{self, DistributedTable};
//!
//! for stats in tenants::busiest(conn, 5).await? {
//!     println!("{} {} queries, shard {} on {}", stats.tenant, stats.recent_queries(), stats.shard_id, stats.node);
//! }
//! let table = DistributedTable::find(conn, Some("ads")).await?;
//! let tenant = table.parse_tenant("42")?;
//! tenants::isolate(conn, &table, &tenant).await?;
//! for placement in tenants::placements(conn, &table, &tenant).await? {
//!     println!("{} shard {} on {}", placement.table, placement.shard_id, placement.node);
//! }
//! # Ok(())
//! # }
//! ```

mod isolate;
mod node;
mod stats;

use std::fmt;

use multitenant::InvalidTenant;
use sqlx::PgConnection;

pub use isolate::{
    DistributedTable, Isolated, Moved, Placement, check_node, isolate, move_tenant, placements,
};
pub use node::Node;
pub use stats::{NodeTracking, TenantStats, TrackedNode, busiest, tracking};

/// How to turn tenant statistics on, on the coordinator and every worker (fact O1: set on
/// the coordinator alone, `citus_stat_tenants` stays empty): statements to run one by one
/// on the coordinator as a superuser (`ALTER SYSTEM` cannot run in a transaction block, so
/// not as one multi-statement string).
pub const ENABLE_TRACKING: [&str; 4] = [
    "ALTER SYSTEM SET citus.stat_tenants_track = 'all'",
    "SELECT pg_reload_conf()",
    "SELECT run_command_on_workers($$ALTER SYSTEM SET citus.stat_tenants_track = 'all'$$)",
    "SELECT run_command_on_workers($$SELECT pg_reload_conf()$$)",
];

/// What went wrong operating on tenants, with what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantsError {
    /// The database has no `citus` extension.
    #[error(
        "Citus is not installed in this database (no `citus` row in pg_extension): connect to the Citus \
         coordinator, or run CREATE EXTENSION citus there first"
    )]
    NotCitus,
    /// `citus.stat_tenants_track` is not `all` on every node, so `citus_stat_tenants` misses
    /// tenants.
    #[error(
        "tenant statistics are not tracked on {}: citus_stat_tenants counts only what nodes with \
         citus.stat_tenants_track = 'all' run; as a superuser on the coordinator, run one at a time: {}",
        list(.nodes), ENABLE_TRACKING.join("; ")
    )]
    TrackingOff {
        /// The nodes whose setting is not `all`, and what it is.
        nodes: Vec<NodeTracking>,
    },
    /// No hash-distributed table exists to pick.
    #[error(
        "no hash-distributed table in this database: distribute the tenant tables first \
         (`multitenant citus plan` / `apply`, or create_distributed_table)"
    )]
    NoDistributedTables,
    /// The table named does not exist (on the search path, if it is not schema-qualified).
    #[error(
        "there is no table {table:?}: name a distributed table, schema-qualified if it is not on the search path"
    )]
    UnknownTable {
        /// The name given.
        table: String,
    },
    /// The table named exists but is not hash-distributed.
    #[error(
        "{table} is {kind}, not a hash-distributed table: tenants live in distributed tables; name one of those"
    )]
    NotDistributed {
        /// The table.
        table: String,
        /// What it is instead, e.g. `a reference table`.
        kind: &'static str,
    },
    /// The distribution column has a type tenants cannot be read as.
    #[error(
        "{table}.{column} is of type {column_type}, which tenant values cannot be read as (bigint, integer, \
         uuid, text or character varying): isolate this tenant with Citus's isolate_tenant_to_new_shard directly"
    )]
    UnsupportedColumnType {
        /// The table.
        table: String,
        /// Its distribution column.
        column: String,
        /// The column's type.
        column_type: String,
    },
    /// The tenant value does not read as the distribution column's type.
    #[error(
        "--tenant: {source}; {table}.{column}, the distribution column, is {column_type}: pass a tenant of that type"
    )]
    InvalidTenant {
        /// The table.
        table: String,
        /// Its distribution column.
        column: String,
        /// The column's type.
        column_type: String,
        /// Why the value does not read as that type.
        source: Box<InvalidTenant>,
    },
    /// `HOST:PORT` did not read as a node.
    #[error("{input:?} is not a node: write it as HOST:PORT, e.g. 10.0.0.5:5432 ({reason})")]
    InvalidNode {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The node is not an active primary node of the cluster.
    #[error("{node} is not an active primary node of this Citus cluster: use one of {}, as pg_dist_node lists them", list(.known))]
    UnknownNode {
        /// The node given.
        node: Node,
        /// The active primary nodes.
        known: Vec<Node>,
    },
    /// Moving the tenant's shard would move other tenants with it.
    #[error(
        "the tenant {tenant} shares shard {shard_id} of {table} with other tenants, so moving it would move them \
         too: isolate the tenant first (`multitenant citus isolate` isolates it before moving it)"
    )]
    NotIsolated {
        /// The tenant.
        tenant: String,
        /// The table.
        table: String,
        /// The shard it shares.
        shard_id: i64,
    },
    /// Citus refused an operation; its message and hint say why.
    #[error("Citus refused to {operation}: {message}{}; fix what Citus names and run it again", hint.as_ref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
    Refused {
        /// What was being done, e.g. `isolate tenant 7 of ads`.
        operation: String,
        /// Citus's error message.
        message: String,
        /// Citus's hint, if it gave one.
        hint: Option<String>,
        /// The error as sqlx returned it.
        source: sqlx::Error,
    },
    /// The database could not be reached or answered something unexpected.
    #[error("cannot {operation}: {source}; check that the database is reachable")]
    Database {
        /// What was being done.
        operation: String,
        /// The error as sqlx returned it.
        source: sqlx::Error,
    },
}

impl TenantsError {
    /// Wraps a sqlx error: the server's own refusals as [`TenantsError::Refused`], anything
    /// else (I/O, protocol) as [`TenantsError::Database`].
    pub(crate) fn from_sqlx(operation: impl Into<String>, source: sqlx::Error) -> Self {
        let operation = operation.into();
        match source.as_database_error() {
            Some(database) => {
                let message = database.message().to_owned();
                let hint = database
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .and_then(|pg| pg.hint())
                    .map(str::to_owned);
                Self::Refused { operation, message, hint, source }
            }
            None => Self::Database { operation, source },
        }
    }
}

/// Items joined with commas.
fn list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The version of the `citus` extension, or [`TenantsError::NotCitus`].
pub async fn citus_version(conn: &mut PgConnection) -> Result<String, TenantsError> {
    let version: Option<String> =
        sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| TenantsError::from_sqlx("read pg_extension", e))?;
    version.ok_or(TenantsError::NotCitus)
}
