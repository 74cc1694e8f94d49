//! The busiest tenants, from Citus's own statistics (`citus_stat_tenants`), with the shard
//! and node each lives on; and whether those statistics are being kept.

use std::fmt;

use sqlx::{PgConnection, Row};

use super::{Node, TenantsError, citus_version};

/// A node whose `citus.stat_tenants_track` was read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrackedNode {
    /// The coordinator, the node connected to.
    Coordinator,
    /// A worker, as `pg_dist_node` names it.
    Worker(Node),
}

impl fmt::Display for TrackedNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Coordinator => f.write_str("the coordinator"),
            Self::Worker(node) => write!(f, "worker {node}"),
        }
    }
}

/// One node's `citus.stat_tenants_track`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTracking {
    /// The node.
    pub node: TrackedNode,
    /// Its setting (`none` or `all`), or why it could not be read.
    pub setting: String,
}

impl NodeTracking {
    /// Whether the node counts every tenant's queries.
    pub fn is_on(&self) -> bool {
        self.setting == "all"
    }
}

impl fmt::Display for NodeTracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (citus.stat_tenants_track = {})", self.node, self.setting)
    }
}

/// `citus.stat_tenants_track` on the coordinator (as this session sees it) and on every
/// worker (through `run_command_on_workers`).
pub async fn tracking(conn: &mut PgConnection) -> Result<Vec<NodeTracking>, TenantsError> {
    citus_version(conn).await?;
    let operation = "read citus.stat_tenants_track";
    let coordinator: String = sqlx::query_scalar("SELECT current_setting('citus.stat_tenants_track')")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| TenantsError::from_sqlx(operation, e))?;
    let mut nodes = vec![NodeTracking { node: TrackedNode::Coordinator, setting: coordinator }];
    let workers = sqlx::query(
        "SELECT nodename, nodeport, success, result \
         FROM run_command_on_workers($$SHOW citus.stat_tenants_track$$) ORDER BY nodename, nodeport",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx(operation, e))?;
    for row in workers {
        let read = |e| TenantsError::from_sqlx(operation, e);
        let node = Node::from_catalog(row.try_get(0).map_err(read)?, row.try_get(1).map_err(read)?);
        let success: bool = row.try_get(2).map_err(read)?;
        let result: String = row.try_get(3).map_err(read)?;
        let setting = if success { result } else { format!("unreadable: {result}") };
        nodes.push(NodeTracking { node: TrackedNode::Worker(node), setting });
    }
    Ok(nodes)
}

/// One tenant's counts in `citus_stat_tenants`, summed over the nodes, and where it lives.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TenantStats {
    /// The tenant: its distribution-column value, as text (`citus_stat_tenants.tenant_attribute`).
    pub tenant: String,
    /// The colocation group the counts are for.
    pub colocation_id: i32,
    /// The group's hash-distributed table whose name sorts first: the one `shard_id` is of.
    pub table: String,
    /// Queries in the current period (`citus.stat_tenants_period` seconds).
    pub queries_this_period: i64,
    /// Queries in the previous period.
    pub queries_last_period: i64,
    /// Read queries in the current period.
    pub reads_this_period: i64,
    /// Read queries in the previous period.
    pub reads_last_period: i64,
    /// CPU seconds in the current period.
    pub cpu_seconds_this_period: f64,
    /// CPU seconds in the previous period.
    pub cpu_seconds_last_period: f64,
    /// The tenant's shard of `table` (its co-located tables' shards sit with it).
    pub shard_id: i64,
    /// The node holding that shard.
    pub node: Node,
}

impl TenantStats {
    /// Queries in the current and the previous period: what [`busiest`] orders by.
    pub fn recent_queries(&self) -> i64 {
        self.queries_this_period + self.queries_last_period
    }
}

const BUSIEST: &str = "
    WITH stats AS (
        SELECT colocation_id, tenant_attribute,
               sum(query_count_in_this_period)::int8 AS q_this, sum(query_count_in_last_period)::int8 AS q_last,
               sum(read_count_in_this_period)::int8 AS r_this, sum(read_count_in_last_period)::int8 AS r_last,
               sum(cpu_usage_in_this_period)::float8 AS c_this, sum(cpu_usage_in_last_period)::float8 AS c_last
        FROM citus_stat_tenants
        WHERE tenant_attribute IS NOT NULL
        GROUP BY colocation_id, tenant_attribute
    ), anchors AS (
        SELECT DISTINCT ON (colocationid) colocationid, logicalrelid
        FROM pg_dist_partition WHERE partmethod = 'h'
        ORDER BY colocationid, logicalrelid::regclass::text
    ), located AS (
        SELECT s.*, a.logicalrelid::regclass::text AS table_name,
               get_shard_id_for_distribution_column(a.logicalrelid, s.tenant_attribute) AS shard_id
        FROM stats s JOIN anchors a ON a.colocationid = s.colocation_id
    )
    SELECT l.tenant_attribute, l.colocation_id, l.table_name, l.q_this, l.q_last, l.r_this, l.r_last,
           l.c_this, l.c_last, l.shard_id, p.nodename::text, p.nodeport
    FROM located l
    CROSS JOIN LATERAL (
        SELECT nodename, nodeport FROM pg_dist_shard_placement
        WHERE shardid = l.shard_id ORDER BY nodename, nodeport LIMIT 1
    ) p
    ORDER BY l.q_this + l.q_last DESC, l.colocation_id, l.tenant_attribute
    LIMIT $1";

/// The `top` busiest tenants by [`TenantStats::recent_queries`], busiest first, each with
/// its shard and node.
///
/// Refuses with [`TenantsError::TrackingOff`] unless `citus.stat_tenants_track` is `all` on
/// every node: with it off anywhere, the counts would leave tenants out. Tenants of tables
/// since dropped are left out. `citus.stat_tenants_limit` (default 100) caps how many
/// tenants each node keeps counts for.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::tenants::TenantsError> {
/// let top = multitenant_citus::tenants::busiest(conn, 10).await?;
/// # Ok(())
/// # }
/// ```
pub async fn busiest(conn: &mut PgConnection, top: u32) -> Result<Vec<TenantStats>, TenantsError> {
    let off: Vec<NodeTracking> = tracking(conn).await?.into_iter().filter(|n| !n.is_on()).collect();
    if !off.is_empty() {
        return Err(TenantsError::TrackingOff { nodes: off });
    }
    let operation = "read citus_stat_tenants";
    let rows = sqlx::query(BUSIEST)
        .bind(i64::from(top))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| TenantsError::from_sqlx(operation, e))?;
    rows.iter().map(|row| stats(row).map_err(|e| TenantsError::from_sqlx(operation, e))).collect()
}

fn stats(row: &sqlx::postgres::PgRow) -> Result<TenantStats, sqlx::Error> {
    Ok(TenantStats {
        tenant: row.try_get(0)?,
        colocation_id: row.try_get(1)?,
        table: row.try_get(2)?,
        queries_this_period: row.try_get(3)?,
        queries_last_period: row.try_get(4)?,
        reads_this_period: row.try_get(5)?,
        reads_last_period: row.try_get(6)?,
        cpu_seconds_this_period: row.try_get(7)?,
        cpu_seconds_last_period: row.try_get(8)?,
        shard_id: row.try_get(9)?,
        node: Node::from_catalog(row.try_get(10)?, row.try_get(11)?),
    })
}
