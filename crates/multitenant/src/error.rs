//! Why a statement was refused. Every refusal names the statement kind, the table and what to
//! do; nothing is sent to the database when the rewriter refuses.

use sqlparser::parser::ParserError;

use crate::SchemaError;

/// A statement the rewriter will not let through, and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The statement touches a tenant table and no tenant is set for this task.
    #[error(
        "no tenant is set, and the statement touches tenant table {table}: run it inside \
         multitenant::with_tenant(..), or inside multitenant::unscoped(..) for cross-tenant admin work"
    )]
    MissingTenant {
        /// The first tenant table the statement touches.
        table: String,
    },
    /// The SQL does not parse.
    #[error("cannot parse the SQL ({source}); nothing was run")]
    Parse {
        /// The parser's error.
        #[source]
        source: ParserError,
    },
    /// A statement form the rewriter cannot scope, touching a tenant table.
    #[error("refused {statement} on tenant table {table}: {reason}")]
    Unsupported {
        /// The statement kind (`TRUNCATE`, `COPY`, `MERGE`, ...).
        statement: String,
        /// The tenant table it touches.
        table: String,
        /// Why it cannot be scoped, and what to do instead.
        reason: &'static str,
    },
    /// A statement that runs SQL the rewriter never saw (`EXECUTE` of a statement prepared
    /// earlier), with a tenant scope or none: what it reads and writes cannot be checked.
    #[error("refused {statement}: {reason}")]
    Unverifiable {
        /// The statement kind (`EXECUTE`).
        statement: &'static str,
        /// Why it cannot be checked, and what to do instead.
        reason: &'static str,
    },
    /// A call to a function that runs SQL text, reads a table by name or reads table storage
    /// (`query_to_xml`, `dblink`, ...): no tenant predicate can reach the rows it reads.
    #[error(
        "refused call to {function}: {reason}; run it inside multitenant::unscoped(..) for \
         cross-tenant admin work"
    )]
    UnscopableFunction {
        /// The function as written.
        function: String,
        /// What it does that cannot be scoped.
        reason: &'static str,
    },
    /// `UPDATE ... SET <tenant column> = <anything but the row's own tenant>`: rows never move
    /// between tenants.
    #[error(
        "refused {statement}: it assigns tenant column {table}.{column} a value that is not provably the \
         row's own tenant; rows never move between tenants. Leave the column out of the SET list, or \
         give it the current tenant as a literal or a bound parameter"
    )]
    TenantColumnAssigned {
        /// `UPDATE` or `INSERT ... ON CONFLICT DO UPDATE`.
        statement: &'static str,
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
    },
    /// An `INSERT` (or an `UPDATE` that assigns the tenant column) names a tenant other than
    /// the current one(s).
    #[error(
        "refused {statement} of {table}: tenant column {column} is given {value}, which is not the current tenant"
    )]
    ForeignTenant {
        /// `INSERT`, `UPDATE` or `INSERT ... ON CONFLICT DO UPDATE`.
        statement: &'static str,
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
        /// The value the statement gave.
        value: String,
    },
    /// A bound parameter that fills a tenant column holds another tenant.
    #[error(
        "refused: parameter {index} fills a tenant column and holds {value}, which is not the current tenant"
    )]
    ForeignTenantParameter {
        /// The 1-based parameter number.
        index: usize,
        /// The value bound.
        value: String,
    },
    /// The database refused a statement rewritten with [`Output::Guarded`](crate::Output::Guarded):
    /// a parameter that fills a tenant column held a value that is not a current tenant (or
    /// NULL), so the statement wrote nothing. See [`Rewritten::guard_failure`](crate::Rewritten::guard_failure).
    #[error(
        "refused by the database: parameter {index} fills a tenant column with a value that is not a \
         current tenant; bind the current tenant, or run inside with_tenant for that tenant"
    )]
    ForeignTenantGuard {
        /// The 1-based parameter number.
        index: usize,
    },
    /// With several tenants set, an `INSERT` must say which one each row belongs to.
    #[error(
        "refused INSERT into {table}: several tenants are set, so the row's tenant is ambiguous; \
         name the {column} column, or insert with a single tenant set"
    )]
    AmbiguousTenant {
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
    },
    /// An `INSERT` into a tenant table without a column list.
    #[error(
        "refused INSERT into {table}: list the columns, so the tenant column {column} can be checked or added"
    )]
    MissingColumnList {
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
    },
    /// A name that matches declared tables of different kinds.
    #[error("table name {name} is ambiguous in the schema; qualify it with its schema")]
    AmbiguousTable {
        /// The name as written.
        name: String,
    },
    /// A tenant table given column aliases (`ads AS a(x, y)`), which hide the tenant column.
    #[error(
        "refused: tenant table {table} has column aliases, which hide its tenant column; alias the columns in the select list instead"
    )]
    ColumnAliases {
        /// The table.
        table: String,
    },
    /// A parameter form that would shift when the tenant parameter is added.
    #[error("refused: parameter {placeholder} is not supported here; use {expected}")]
    UnsupportedParameter {
        /// The placeholder as written.
        placeholder: String,
        /// The forms that are supported.
        expected: &'static str,
    },
    /// The tenants set are of different kinds (say, a number and a UUID).
    #[error("the tenants set mix {first} and {second} values; a tenant column has one type")]
    MixedTenantKinds {
        /// The first kind.
        first: &'static str,
        /// The other kind.
        second: &'static str,
    },
    /// A dialect name the library does not know.
    #[error("unknown dialect {name:?}: use postgres or sqlite")]
    UnknownDialect {
        /// The name given.
        name: String,
    },
    /// The schema could not be loaded.
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

impl Error {
    /// The message without the tenant values some refusals name (a literal or a bound value
    /// that is not the current tenant), for logs that must not show tenants.
    ///
    /// ```
    /// let refusal = multitenant::Error::ForeignTenantParameter { index: 1, value: "7".into() };
    /// assert_eq!(
    ///     refusal.without_tenant_values(),
    ///     "refused: parameter 1 fills a tenant column with a value that is not the current tenant"
    /// );
    /// ```
    pub fn without_tenant_values(&self) -> String {
        match self {
            Self::ForeignTenant { statement, table, column, .. } => format!(
                "refused {statement} of {table}: tenant column {column} is given a value that is not the current tenant"
            ),
            Self::ForeignTenantParameter { index, .. } => {
                format!(
                    "refused: parameter {index} fills a tenant column with a value that is not the current tenant"
                )
            }
            other => other.to_string(),
        }
    }
}
