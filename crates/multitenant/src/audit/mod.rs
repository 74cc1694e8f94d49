//! The audit: proves that a rewritten statement is scoped, by walking its tree independently
//! of the rewriter.
//!
//! A tenant-table reference is scoped when a tenant predicate on it (`q.col = $n`, `= ANY`,
//! `IN (...)` of the current tenants) is an `AND`-ed term of a condition that filters the
//! reference's rows before they can affect anything: the `WHERE` of its query, or the `ON` of
//! a join around it, following these rules (computed top-down, per join):
//!
//! - an inner join's sides may be guarded by its `ON` or by whatever guards the join;
//! - a left join's left side by whatever guards the join, its right side by its `ON` only
//!   (a `WHERE` on a nullable side would let other tenants' rows decide which rows are
//!   null-extended); a right join the other way round;
//! - nothing guards the sides of a full join, so a tenant table there must be wrapped in a
//!   filtered derived table, whose own `WHERE` is audited like any query.
//!
//! `INSERT`s must fill the tenant column with the tenant (or a literal or guarded parameter
//! the rewriter checks); no statement may assign a tenant column. `DECLARE ... CURSOR FOR` and
//! `COPY (query) TO` are audited through their query; a cursor `WITH HOLD` over a tenant table
//! fails, since it outlives the scope. A call to a function that runs SQL text or reads tables
//! by name (`crate::functions`) fails wherever it stands, since nothing it reads is guarded.

mod predicate;
mod walk;

use std::fmt;

use crate::{Dialect, Rewritten, Schema, Scope};

/// Why a statement is not provably scoped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not scoped: {table} {problem}")]
pub struct AuditError {
    table: String,
    problem: Problem,
}

/// What the audit found wrong with a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// No tenant predicate guards the reference.
    Unguarded,
    /// An `INSERT` does not fill the tenant column with a current tenant.
    InsertedTenant,
    /// A statement assigns the tenant column.
    TenantAssigned,
    /// A statement the audit cannot walk names a tenant table.
    Opaque,
    /// The SQL does not parse.
    Unparseable,
    /// A function that runs SQL text, reads a table by name or reads table storage
    /// (`query_to_xml`, `dblink`, ...) is called; [`AuditError::table`] names it.
    UnscopableFunction,
    /// A cursor declared `WITH HOLD` reads a tenant table: it outlives its transaction, and the
    /// tenant scope with it.
    HeldCursor,
}

impl AuditError {
    /// The table (or, for unparseable SQL, the statement; for an unscopable function, the
    /// function) concerned.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// What is wrong.
    pub fn problem(&self) -> Problem {
        self.problem
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unguarded => "has no tenant predicate where it filters the table's rows",
            Self::InsertedTenant => "gets a tenant column value that is not a current tenant",
            Self::TenantAssigned => "has its tenant column assigned",
            Self::Opaque => "is named by a statement the audit cannot walk",
            Self::Unparseable => "does not parse",
            Self::UnscopableFunction => {
                "is a function that runs SQL text or reads tables by name, which no tenant predicate can guard"
            }
            Self::HeldCursor => "is read by a cursor WITH HOLD, which outlives the transaction and its scope",
        })
    }
}

/// Proves that `rewritten`, produced for `schema` and `dialect`, scopes every tenant-table
/// reference to its tenants. Unscoped rewrites have nothing to prove and pass.
///
/// ```
/// use multitenant::{Dialect, Output, Rewriter, Schema, Scope};
///
/// let schema = Schema::builder().tenant_table("ads", "company_id").build()?;
/// let rewriter = Rewriter::new(schema.clone(), Dialect::Postgres);
/// let scoped = rewriter.rewrite_in(Some(&Scope::tenant(7_i64)), "SELECT * FROM ads", Output::Bind)?;
/// multitenant::audit(&scoped, &schema, Dialect::Postgres)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn audit(rewritten: &Rewritten, schema: &Schema, dialect: Dialect) -> Result<(), AuditError> {
    let tenant_parameter = rewritten.tenant_parameter().map(|p| p.index());
    let guarded = rewritten.guarded_parameters();
    walk::Auditor::new(schema, dialect, rewritten.scope(), tenant_parameter, guarded).sql(rewritten.sql())
}

/// Audits SQL from elsewhere (written by hand, or by another tool) as if it had been rewritten
/// for `scope`, with the tenant bound at `tenant_parameter` (if any).
///
/// ```
/// use multitenant::{Dialect, Problem, Schema, Scope, audit_sql};
///
/// let schema = Schema::builder().tenant_table("ads", "company_id").build()?;
/// let scope = Scope::tenant(7_i64);
/// assert!(audit_sql("SELECT * FROM ads WHERE ads.company_id = 7", &schema, Dialect::Postgres, &scope, None).is_ok());
/// let err = audit_sql("SELECT * FROM ads WHERE id = 1", &schema, Dialect::Postgres, &scope, None).unwrap_err();
/// assert_eq!(err.problem(), Problem::Unguarded);
/// # Ok::<(), multitenant::SchemaError>(())
/// ```
pub fn audit_sql(
    sql: &str,
    schema: &Schema,
    dialect: Dialect,
    scope: &Scope,
    tenant_parameter: Option<usize>,
) -> Result<(), AuditError> {
    walk::Auditor::new(schema, dialect, Some(scope), tenant_parameter, &[]).sql(sql)
}
