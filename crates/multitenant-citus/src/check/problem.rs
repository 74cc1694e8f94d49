//! A problem `check` found: what it is about, its kind, what is wrong and the fix.

use std::fmt;

/// One problem, with the fix that closes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What it is about, qualified as PostgreSQL prints it: the table or view (`public.ads`),
    /// a declared name that is missing (as declared), the function (its signature) for
    /// [`ProblemKind::UnsafeFunction`], the role for [`ProblemKind::SuperuserRole`].
    pub table: String,
    /// Which kind of problem.
    pub kind: ProblemKind,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// The kinds of [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A declared table (or view) is not in the database.
    MissingTable,
    /// A declared tenant table lacks its tenant column.
    MissingTenantColumn,
    /// A tenant column is nullable: a row with no tenant belongs to no one and escapes every filter.
    NullableTenantColumn,
    /// A tenant column's type differs from the other tenant columns' (or the schema's `tenant_type`).
    TenantColumnType,
    /// C1: a primary key, unique constraint or unique index of a tenant table lacks the tenant column.
    KeyWithoutTenantColumn,
    /// C2: a foreign key between tenant tables does not join the tenant columns in the same position.
    ForeignKeyWithoutTenantColumn,
    /// C3: a foreign key from a reference (or undeclared) table to a tenant table.
    ForeignKeyToTenantTable,
    /// A table has a tenant column but is not declared: the rewriter would not scope it.
    UndeclaredTenantTable,
    /// A view or materialized view reads a tenant table but is not declared: the rewriter
    /// would not scope it.
    UndeclaredView,
    /// A function the role may execute reads a tenant table in its body (found by searching
    /// the body for the table's name: a heuristic).
    FunctionReadsTenantTable,
    /// The role may execute a function that runs SQL text or reads tables by name. Not
    /// listed for a superuser, which [`SuperuserRole`](Self::SuperuserRole) covers: no
    /// `REVOKE` applies to it.
    UnsafeFunction,
    /// The role is a superuser: it may execute and read anything, past every privilege.
    SuperuserRole,
    /// Citus: a declared tenant table is not hash-distributed.
    NotDistributed,
    /// Citus: a declared tenant table is distributed by another column than its tenant column.
    WrongDistributionColumn,
    /// Citus: a declared tenant table is not in the colocation group of the others.
    NotColocated,
    /// Citus: a declared reference table is not a reference table.
    NotReferenceTable,
}

impl ProblemKind {
    /// The kind's name, as `--format json` writes it (`missing_tenant_column`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MissingTable => "missing_table",
            Self::MissingTenantColumn => "missing_tenant_column",
            Self::NullableTenantColumn => "nullable_tenant_column",
            Self::TenantColumnType => "tenant_column_type",
            Self::KeyWithoutTenantColumn => "key_without_tenant_column",
            Self::ForeignKeyWithoutTenantColumn => "foreign_key_without_tenant_column",
            Self::ForeignKeyToTenantTable => "foreign_key_to_tenant_table",
            Self::UndeclaredTenantTable => "undeclared_tenant_table",
            Self::UndeclaredView => "undeclared_view",
            Self::FunctionReadsTenantTable => "function_reads_tenant_table",
            Self::UnsafeFunction => "unsafe_function",
            Self::SuperuserRole => "superuser_role",
            Self::NotDistributed => "not_distributed",
            Self::WrongDistributionColumn => "wrong_distribution_column",
            Self::NotColocated => "not_colocated",
            Self::NotReferenceTable => "not_reference_table",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Problem {
    /// `table: message; fix: fix`, on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]; fix: {}", self.table, self.message, self.kind, self.fix)
    }
}
