//! One tenant into shards of its own: which table's tenants these are ([`DistributedTable`]),
//! isolating the tenant across the table's colocation group ([`isolate`]), moving its shards
//! to another node ([`move_tenant`]), and where it then lives ([`placements`]).

use multitenant::{TenantId, TenantType};
use sqlx::{PgConnection, Row};

use super::{Node, TenantsError, citus_version};

/// A hash-distributed table and its distribution column: whose tenants are isolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributedTable {
    name: String,
    column: String,
    column_type: String,
    tenant_type: TenantType,
    colocation_id: i32,
}

const DISTRIBUTED: &str = "
    SELECT p.logicalrelid::regclass::text, a.attname::text, a.atttypid::regtype::text, p.colocationid
    FROM pg_dist_partition p
    JOIN pg_attribute a ON a.attrelid = p.logicalrelid
                       AND a.attname = column_to_column_name(p.logicalrelid, p.partkey)
    WHERE p.partmethod = 'h' AND ($1::regclass IS NULL OR p.logicalrelid = $1::regclass)
    ORDER BY p.logicalrelid::regclass::text
    LIMIT 1";

impl DistributedTable {
    /// The table named (resolved on the search path), or, with `None`, the hash-distributed
    /// table whose name sorts first (schema-qualified when not on the search path, as
    /// `regclass` prints it). Checks that Citus is installed.
    pub async fn find(conn: &mut PgConnection, table: Option<&str>) -> Result<Self, TenantsError> {
        citus_version(conn).await?;
        let oid = match table {
            Some(name) => Some(resolve(conn, name).await?),
            None => None,
        };
        let operation = "read pg_dist_partition";
        let row = sqlx::query(DISTRIBUTED)
            .bind(oid)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| TenantsError::from_sqlx(operation, e))?;
        let Some(row) = row else {
            return Err(match (table, oid) {
                (Some(name), Some(oid)) => not_distributed(conn, name, oid).await?,
                _ => TenantsError::NoDistributedTables,
            });
        };
        let read = |e| TenantsError::from_sqlx(operation, e);
        let (name, column, column_type): (String, String, String) =
            (row.try_get(0).map_err(read)?, row.try_get(1).map_err(read)?, row.try_get(2).map_err(read)?);
        let colocation_id = row.try_get(3).map_err(read)?;
        let Some(tenant_type) = tenant_type(&column_type) else {
            return Err(TenantsError::UnsupportedColumnType { table: name, column, column_type });
        };
        Ok(Self { name, column, column_type, tenant_type, colocation_id })
    }

    /// The table, as `regclass` prints it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its distribution column.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The column's type, as PostgreSQL names it.
    pub fn column_type(&self) -> &str {
        &self.column_type
    }

    /// The type tenant values are read as.
    pub fn tenant_type(&self) -> TenantType {
        self.tenant_type
    }

    /// The table's colocation group.
    pub fn colocation_id(&self) -> i32 {
        self.colocation_id
    }

    /// Reads a tenant value as the distribution column's type.
    pub fn parse_tenant(&self, value: &str) -> Result<TenantId, TenantsError> {
        self.tenant_type.parse(value).map_err(|source| TenantsError::InvalidTenant {
            table: self.name.clone(),
            column: self.column.clone(),
            column_type: self.column_type.clone(),
            source: Box::new(source),
        })
    }
}

/// The type tenants of a distribution column of `column_type` are read as.
fn tenant_type(column_type: &str) -> Option<TenantType> {
    match column_type {
        "bigint" => Some(TenantType::BigInt),
        "integer" => Some(TenantType::Integer),
        "uuid" => Some(TenantType::Uuid),
        "text" | "character varying" => Some(TenantType::Text),
        _ => None,
    }
}

/// The table's oid, or [`TenantsError::UnknownTable`].
async fn resolve(conn: &mut PgConnection, name: &str) -> Result<sqlx::postgres::types::Oid, TenantsError> {
    let oid: Option<sqlx::postgres::types::Oid> = sqlx::query_scalar("SELECT to_regclass($1)::oid")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| TenantsError::from_sqlx(format!("look up table {name}"), e))?;
    oid.ok_or_else(|| TenantsError::UnknownTable { table: name.to_owned() })
}

/// What a table that is not hash-distributed is instead.
async fn not_distributed(
    conn: &mut PgConnection,
    name: &str,
    oid: sqlx::postgres::types::Oid,
) -> Result<TenantsError, TenantsError> {
    let kind: Option<(String, String)> = sqlx::query_as(
        "SELECT partmethod::text, repmodel::text FROM pg_dist_partition WHERE logicalrelid = $1",
    )
    .bind(oid)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx(format!("look up table {name}"), e))?;
    let kind = match kind.as_ref().map(|(m, r)| (m.as_str(), r.as_str())) {
        None => "a plain PostgreSQL table",
        Some(("n", "t")) => "a reference table",
        Some(("n", _)) => "a Citus local table",
        Some(_) => "a range- or append-distributed table",
    };
    Ok(TenantsError::NotDistributed { table: name.to_owned(), kind })
}

/// The tenant as text: `get_shard_id_for_distribution_column` and
/// `isolate_tenant_to_new_shard` read it as the column's type.
fn tenant_text(tenant: &TenantId) -> String {
    match tenant {
        TenantId::Text(text) => text.to_string(),
        other => other.to_string(),
    }
}

/// What [`isolate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isolated {
    /// The tenant now has shards of its own; this is its shard of the table.
    NewShard(i64),
    /// The tenant already had shards of its own (this one of the table): nothing changed.
    AlreadyIsolated(i64),
}

impl Isolated {
    /// The tenant's shard of the table.
    pub fn shard_id(&self) -> i64 {
        match self {
            Self::NewShard(id) | Self::AlreadyIsolated(id) => *id,
        }
    }
}

/// The tenant's shard of `table` and whether the tenant is alone in it (the shard's hash
/// range is the tenant's one value).
async fn shard_of(
    conn: &mut PgConnection,
    table: &DistributedTable,
    tenant: &TenantId,
) -> Result<(i64, bool), TenantsError> {
    sqlx::query_as(
        "SELECT shardid, shardminvalue = shardmaxvalue FROM pg_dist_shard \
         WHERE shardid = get_shard_id_for_distribution_column($1::regclass, $2::text)",
    )
    .bind(&table.name)
    .bind(tenant_text(tenant))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx(format!("find the shard of tenant {tenant} in {}", table.name), e))
}

/// Moves `tenant` into shards of its own in every table co-located with `table`
/// (`isolate_tenant_to_new_shard(table, tenant, 'CASCADE', shard_transfer_mode =>
/// 'block_writes')`); a tenant alone in its shard already is left as it is.
pub async fn isolate(
    conn: &mut PgConnection,
    table: &DistributedTable,
    tenant: &TenantId,
) -> Result<Isolated, TenantsError> {
    let (shard_id, alone) = shard_of(conn, table, tenant).await?;
    if alone {
        return Ok(Isolated::AlreadyIsolated(shard_id));
    }
    sqlx::query_scalar(
        "SELECT isolate_tenant_to_new_shard($1::regclass, $2::text, 'CASCADE', shard_transfer_mode => 'block_writes')",
    )
    .bind(&table.name)
    .bind(tenant_text(tenant))
    .fetch_one(&mut *conn)
    .await
    .map(Isolated::NewShard)
    .map_err(|e| TenantsError::from_sqlx(format!("isolate tenant {tenant} of {}", table.name), e))
}

/// What [`move_tenant`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Moved {
    /// The tenant's shard (and its co-located shards) moved.
    Moved {
        /// The tenant's shard of the table.
        shard_id: i64,
        /// Where it was.
        from: Node,
        /// Where it is.
        to: Node,
    },
    /// The shard was on that node already: nothing changed.
    AlreadyThere {
        /// The tenant's shard of the table.
        shard_id: i64,
        /// The node.
        node: Node,
    },
}

/// Moves the shards of an isolated `tenant` (its shard of `table` and the co-located ones)
/// to `to` with `citus_move_shard_placement(..., shard_transfer_mode => 'block_writes')`.
///
/// Refuses a node that is not an active primary in `pg_dist_node`
/// ([`TenantsError::UnknownNode`]) and a tenant that shares its shard
/// ([`TenantsError::NotIsolated`]): moving that shard would move other tenants too.
pub async fn move_tenant(
    conn: &mut PgConnection,
    table: &DistributedTable,
    tenant: &TenantId,
    to: &Node,
) -> Result<Moved, TenantsError> {
    check_node(conn, to).await?;
    let (shard_id, alone) = shard_of(conn, table, tenant).await?;
    if !alone {
        return Err(TenantsError::NotIsolated {
            tenant: tenant.to_string(),
            table: table.name.clone(),
            shard_id,
        });
    }
    let from = placement_node(conn, shard_id).await?;
    if &from == to {
        return Ok(Moved::AlreadyThere { shard_id, node: from });
    }
    sqlx::query(
        "SELECT citus_move_shard_placement($1, $2, $3, $4, $5, shard_transfer_mode => 'block_writes')",
    )
    .bind(shard_id)
    .bind(&from.host)
    .bind(i32::from(from.port))
    .bind(&to.host)
    .bind(i32::from(to.port))
    .execute(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx(format!("move shard {shard_id} from {from} to {to}"), e))?;
    Ok(Moved::Moved { shard_id, from, to: to.clone() })
}

/// [`TenantsError::UnknownNode`] unless `node` is an active primary node in `pg_dist_node`:
/// check it before [`isolate`] so that a mistyped node changes nothing.
pub async fn check_node(conn: &mut PgConnection, node: &Node) -> Result<(), TenantsError> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "SELECT nodename::text, nodeport FROM pg_dist_node WHERE isactive AND noderole = 'primary' \
         ORDER BY nodename, nodeport",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx("read pg_dist_node", e))?;
    let known: Vec<Node> = rows.into_iter().map(|(host, port)| Node::from_catalog(host, port)).collect();
    if known.contains(node) { Ok(()) } else { Err(TenantsError::UnknownNode { node: node.clone(), known }) }
}

/// The node holding a shard's placement.
async fn placement_node(conn: &mut PgConnection, shard_id: i64) -> Result<Node, TenantsError> {
    let (host, port): (String, i32) = sqlx::query_as(
        "SELECT nodename::text, nodeport FROM pg_dist_shard_placement WHERE shardid = $1 \
         ORDER BY nodename, nodeport LIMIT 1",
    )
    .bind(shard_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| TenantsError::from_sqlx(format!("find the node of shard {shard_id}"), e))?;
    Ok(Node::from_catalog(host, port))
}

/// Where a tenant lives in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The table, as `regclass` prints it.
    pub table: String,
    /// The tenant's shard of it.
    pub shard_id: i64,
    /// Whether the tenant is alone in that shard (its hash range is the tenant's one value).
    pub isolated: bool,
    /// The node holding the shard.
    pub node: Node,
}

const PLACEMENTS: &str = "
    SELECT p.logicalrelid::regclass::text, s.shardid, s.shardminvalue = s.shardmaxvalue,
           pl.nodename::text, pl.nodeport
    FROM pg_dist_partition p
    JOIN pg_dist_shard s ON s.shardid = get_shard_id_for_distribution_column(p.logicalrelid, $2::text)
    JOIN pg_dist_shard_placement pl ON pl.shardid = s.shardid
    WHERE p.colocationid = $1 AND p.partmethod = 'h'
    ORDER BY 1, pl.nodename, pl.nodeport";

/// The tenant's shard and node in every table co-located with `table`, by table name.
pub async fn placements(
    conn: &mut PgConnection,
    table: &DistributedTable,
    tenant: &TenantId,
) -> Result<Vec<Placement>, TenantsError> {
    let operation = format!("find the shards of tenant {tenant}");
    let rows = sqlx::query(PLACEMENTS)
        .bind(table.colocation_id)
        .bind(tenant_text(tenant))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| TenantsError::from_sqlx(operation.clone(), e))?;
    let placement = |row: &sqlx::postgres::PgRow| -> Result<Placement, sqlx::Error> {
        Ok(Placement {
            table: row.try_get(0)?,
            shard_id: row.try_get(1)?,
            isolated: row.try_get(2)?,
            node: Node::from_catalog(row.try_get(3)?, row.try_get(4)?),
        })
    };
    rows.iter().map(|row| placement(row).map_err(|e| TenantsError::from_sqlx(operation.clone(), e))).collect()
}
