//! The crate's one error type: what went wrong, on which table, and what to do about it.

use std::fmt;

/// Why reading the catalog, planning, applying or undoing did not succeed.
///
/// Every variant names what it is about (the table, the step) and says what to do; none of them
/// leaves the database changed (a refused step rolls its whole transaction back).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL does not parse.
    #[error("invalid database URL: {source}; write it as postgres://user[:password]@host[:port]/database")]
    InvalidUrl {
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The database URL is not a PostgreSQL one.
    #[error(
        "the database URL starts with {scheme:?}, not postgres:// or postgresql://; write it as postgres://user[:password]@host[:port]/database"
    )]
    UrlScheme {
        /// What the URL starts with, up to `://` (or its first characters).
        scheme: String,
    },
    /// The database cannot be reached (or refuses the connection).
    #[error(
        "cannot connect to the database at {target}: {source}; check that it is running and that the URL (host, port, user, database) is right"
    )]
    Unreachable {
        /// `host:port/database`.
        target: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The database failed while doing something (connecting, reading the catalog).
    #[error("database error while {doing}: {source}")]
    Database {
        /// What was being done, e.g. "reading the tables of the catalog".
        doing: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Citus (or PostgreSQL) refused a step of a plan; the transaction was rolled back.
    #[error("{step} was refused: {message}{}; {advice} (nothing was changed: the transaction was rolled back)", hint.as_ref().map_or_else(String::new, |h| format!(" (hint: {h})")))]
    Refused {
        /// The statement that was refused.
        step: String,
        /// The database's message, exactly.
        message: String,
        /// The database's hint, when it gave one.
        hint: Option<String>,
        /// What to do about it.
        advice: Advice,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A table the schema declares does not exist in the database.
    #[error(
        "table {table} is declared in the schema but does not exist in the database; create it (run your migrations) or remove it from the schema"
    )]
    MissingTable {
        /// The table, as declared.
        table: String,
    },
    /// Two declarations name the same table (`ads` and `public.ads`).
    #[error("table {table} is declared twice, as {first} and as {second}; declare it once")]
    DeclaredTwice {
        /// The table.
        table: String,
        /// The first declaration's name.
        first: String,
        /// The second declaration's name.
        second: String,
    },
    /// A tenant table lacks its tenant column.
    #[error(
        "table {table} has no column {column}, its declared tenant column; add the column or fix `tenant_column` in the schema"
    )]
    MissingColumn {
        /// The table.
        table: String,
        /// The missing column.
        column: String,
    },
    /// C1: a primary key or unique constraint (or index) of a tenant table lacks the tenant column.
    #[error("table {table}: {key} ({}) does not include the tenant column {tenant_column}; Citus refuses it on a distributed table: make it ({tenant_column}, {}) (in Rust, `multitenant_citus::ddl::composite_primary_key` writes it)", columns.join(", "), columns.join(", "))]
    KeyWithoutTenantColumn {
        /// The table.
        table: String,
        /// The constraint or index.
        key: String,
        /// Its columns.
        columns: Vec<String>,
        /// The tenant column it lacks.
        tenant_column: String,
    },
    /// C2: a foreign key between tenant tables does not carry the tenant column in the same
    /// position on both sides.
    #[error("table {table}: foreign key {foreign_key} ({}) -> {references} ({}) does not join the tenant columns ({tenant_column} -> {referenced_tenant_column}) in the same position; Citus refuses it between distributed tables: {} (in Rust, `multitenant_citus::ddl::composite_foreign_key` writes it)", columns.join(", "), referenced_columns.join(", "), composite_key_fix(columns, tenant_column, referenced_columns, referenced_tenant_column))]
    ForeignKeyWithoutTenantColumn {
        /// The referencing table.
        table: String,
        /// The foreign key's name.
        foreign_key: String,
        /// Its columns.
        columns: Vec<String>,
        /// The tenant column of the referencing table.
        tenant_column: String,
        /// The referenced table.
        references: String,
        /// The referenced columns.
        referenced_columns: Vec<String>,
        /// The tenant column of the referenced table.
        referenced_tenant_column: String,
    },
    /// C3: a foreign key from a reference table (or a table Citus would keep local) to a
    /// tenant table.
    #[error(
        "table {table} is {what} but its foreign key {foreign_key} references the tenant table {references}; Citus refuses foreign keys from reference and local tables to distributed tables: drop the foreign key, or declare {table} a tenant table"
    )]
    ForeignKeyToTenantTable {
        /// The referencing table.
        table: String,
        /// What the referencing table is ("a reference table", "not declared in the schema").
        what: &'static str,
        /// The foreign key's name.
        foreign_key: String,
        /// The referenced tenant table.
        references: String,
    },
    /// A table is already on Citus, but not as the schema asks.
    #[error(
        "table {table} is already {found} on Citus, but the schema wants it {wanted}; undo it first (`multitenant citus undo`, or `SELECT undistribute_table(...)`) or fix the schema"
    )]
    DistributedDifferently {
        /// The table.
        table: String,
        /// What it is.
        found: String,
        /// What the schema wants.
        wanted: String,
    },
    /// A composite foreign key was asked for with column lists that are empty or of
    /// different lengths (not counting the tenant column).
    #[error(
        "foreign key on {table}: {columns} column(s) reference {referenced_columns} column(s); give as many on both sides, at least one besides the tenant column"
    )]
    ForeignKeyColumns {
        /// The referencing table.
        table: String,
        /// How many referencing columns (without the tenant column).
        columns: usize,
        /// How many referenced columns (without the tenant column).
        referenced_columns: usize,
    },
    /// A foreign key joins a declared table and one the schema does not declare.
    #[error(
        "table {table}: foreign key {foreign_key} {direction} {other}, which the schema does not declare; Citus would refuse it or silently add {other} to its metadata as a Citus local table: declare {other} in the schema (as a reference or tenant table) or drop the foreign key"
    )]
    ForeignKeyToUndeclared {
        /// The table that has the foreign key.
        table: String,
        /// The foreign key's name.
        foreign_key: String,
        /// "references" or "is referenced by".
        direction: &'static str,
        /// The undeclared table.
        other: String,
    },
    /// Tenant tables whose tenant columns have different types cannot be co-located.
    #[error(
        "table {table}: tenant column {column} is {type_name}, but {first_table}.{first_column} is {first_type}; co-located tables need one tenant column type: alter {table}.{column} to {first_type}"
    )]
    TenantColumnType {
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
        /// Its type.
        type_name: String,
        /// The first tenant table.
        first_table: String,
        /// Its tenant column.
        first_column: String,
        /// Its type.
        first_type: String,
    },
    /// The role to check does not exist.
    #[error("role {role:?} does not exist; pass the role the application connects as (`--role NAME`)")]
    UnknownRole {
        /// The role given.
        role: String,
    },
    /// Dumping a plain PostgreSQL database (no Citus metadata to read) without a tenant column.
    #[error(
        "the database has no distributed Citus tables to read the tenant tables from; pass the tenant column (`--tenant-column NAME`): every table with that column is then a tenant table"
    )]
    NoTenantColumnHint,
    /// No table (in the schemas dumped) has the tenant column given.
    #[error(
        "no table{} has a column {column}; pass the name of the column that holds the tenant",
        in_schemas(schemas)
    )]
    NoTableWithTenantColumn {
        /// The column given.
        column: String,
        /// The schemas looked in (empty: all of them).
        schemas: Vec<String>,
    },
    /// The schema read from the catalog does not build (a name the schema format cannot hold).
    #[error(
        "the schema read from the catalog is not a valid schema: {source}; dump fewer schemas (`--db-schema`) or rename the table"
    )]
    InvalidDump {
        /// Why the schema did not build.
        source: multitenant::SchemaError,
    },
}

/// What to do about a refused step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Advice {
    /// A key lacks the distribution column (fact C1).
    IncludeTenantColumnInKey,
    /// A foreign key Citus does not support between these tables (facts C2, C3).
    FixForeignKey,
    /// A table with foreign keys cannot be undistributed alone (fact O6).
    UndistributeConnectedTables,
    /// Anything else: read the database's message.
    ReadTheMessage,
}

impl Advice {
    /// The advice for a database message.
    pub(crate) fn for_message(message: &str) -> Self {
        if message.contains("cannot create constraint")
            || message.contains("do not include the partition column")
        {
            Self::IncludeTenantColumnInKey
        } else if message.contains("foreign key") && message.contains("cannot complete operation") {
            Self::UndistributeConnectedTables
        } else if message.contains("foreign key") {
            Self::FixForeignKey
        } else {
            Self::ReadTheMessage
        }
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::IncludeTenantColumnInKey => {
                "include the tenant column in every primary key and unique constraint of the tenant tables"
            }
            Self::FixForeignKey => {
                "make foreign keys between tenant tables include the tenant column on both sides, in the same position, and drop foreign keys from reference tables to tenant tables"
            }
            Self::UndistributeConnectedTables => {
                "undistribute every table connected by foreign keys together (`multitenant citus undo` does)"
            }
            Self::ReadTheMessage => "fix what the message names, then run the command again",
        })
    }
}

impl Error {
    /// A database error while `doing` something.
    pub(crate) fn database(doing: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { doing, source }
    }

    /// A step the database refused, with its message and hint; other failures (a lost
    /// connection) stay database errors.
    pub(crate) fn refused(step: &str, source: sqlx::Error) -> Self {
        let Some(db) = source.as_database_error() else {
            return Self::Database { doing: "running a step of the plan", source };
        };
        let message = db.message().to_owned();
        let hint = db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .and_then(|e| e.hint())
            .map(str::to_owned);
        let detail = db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .and_then(|e| e.detail())
            .map(str::to_owned);
        let message = match detail {
            Some(detail) => format!("{message} ({detail})"),
            None => message,
        };
        Self::Refused { step: step.to_owned(), advice: Advice::for_message(&message), message, hint, source }
    }
}

fn in_schemas(schemas: &[String]) -> String {
    match schemas {
        [] => String::new(),
        _ => format!(" in schema {}", schemas.join(", ")),
    }
}

/// The fix of a foreign key between tenant tables, for its message.
fn composite_key_fix(
    columns: &[String],
    tenant: &str,
    referenced: &[String],
    referenced_tenant: &str,
) -> String {
    match crate::ddl::other_key_columns(columns, tenant, referenced, referenced_tenant) {
        Some((own, others)) => format!(
            "make it ({}) -> ({})",
            own.iter().chain([&tenant]).copied().collect::<Vec<_>>().join(", "),
            others.iter().chain([&referenced_tenant]).copied().collect::<Vec<_>>().join(", ")
        ),
        None => {
            format!(
                "make it a key that pairs {tenant} with {referenced_tenant} in the same position on both sides"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Advice, composite_key_fix};

    /// Citus's messages, quoted from the measured facts, get the advice that fixes them.
    #[test]
    fn advice_for_citus_messages() {
        let cases = [
            ("c1", "cannot create constraint on \"bad\"", Advice::IncludeTenantColumnInKey),
            (
                "c2",
                "cannot create foreign key constraint (Foreign keys are supported in two cases, ...)",
                Advice::FixForeignKey,
            ),
            (
                "c3",
                "cannot create foreign key constraint since foreign keys from reference tables and local tables to distributed tables are not supported",
                Advice::FixForeignKey,
            ),
            (
                "o6",
                "cannot complete operation because table b has a foreign key",
                Advice::UndistributeConnectedTables,
            ),
            ("other", "the partition column of table t cannot be NULL", Advice::ReadTheMessage),
        ];
        for (case, message, advice) in cases {
            assert_eq!(Advice::for_message(message), advice, "case {case}");
        }
    }

    fn fix(columns: &[&str], referenced: &[&str]) -> String {
        let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        composite_key_fix(&owned(columns), "tenant", &owned(referenced), "tenant")
    }

    #[test]
    fn the_fix_pairs_the_other_key_columns_then_the_tenant_columns() {
        let cases: [(&str, &[&str], &[&str], &str); 5] = [
            ("without the tenant", &["a_id"], &["id"], "make it (a_id, tenant) -> (id, tenant)"),
            (
                "in other positions",
                &["a_id", "tenant"],
                &["tenant", "id"],
                "make it (a_id, tenant) -> (id, tenant)",
            ),
            (
                "the tenant under another name",
                &["a_tenant", "a_id"],
                &["tenant", "id"],
                "make it (a_id, tenant) -> (id, tenant)",
            ),
            ("two other columns", &["x", "y"], &["a", "b"], "make it (x, y, tenant) -> (a, b, tenant)"),
            (
                "nothing to pair",
                &["a_tenant"],
                &["tenant", "id", "code"],
                "make it a key that pairs tenant with tenant in the same position on both sides",
            ),
        ];
        for (name, columns, referenced, expected) in cases {
            assert_eq!(fix(columns, referenced), expected, "{name}");
        }
    }
}
