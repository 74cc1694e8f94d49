//! What a rewrite produces: SQL that holds for any tenant of its mode, plus the checks that
//! depend on which tenant is current (done on every use, cached or not).

use crate::StatementKind;
use crate::tenant::Literal;
use crate::{Error, TenantSet};

/// A finished rewrite, as the cache keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    sql: String,
    kind: StatementKind,
    tenant_parameter: Option<usize>,
    guarded_parameters: Vec<usize>,
    /// Whether the guarded parameters are checked by the database (guarded in the SQL).
    checked_in_sql: bool,
    literal_checks: Vec<LiteralCheck>,
}

/// What a walk found besides the rewritten tree.
#[derive(Debug, Default)]
pub(super) struct Findings {
    /// Whether the tree was changed (otherwise the original text is kept, byte for byte).
    pub(super) changed: bool,
    /// Whether the tenant parameter appears in the output.
    pub(super) tenant_parameter_used: bool,
    /// Parameters that fill a tenant column (guarded in the SQL, with guarded output).
    pub(super) guarded_parameters: Vec<usize>,
    /// Literals that fill a tenant column.
    pub(super) literal_checks: Vec<LiteralCheck>,
}

/// A literal written into a tenant column by an `INSERT` or an `UPDATE`: it must name a
/// current tenant.
#[derive(Debug, Clone)]
pub(crate) struct LiteralCheck {
    pub(super) statement: &'static str,
    pub(super) table: String,
    pub(super) column: String,
    pub(super) literal: OwnedLiteral,
}

/// A literal copied out of the tree.
#[derive(Debug, Clone)]
pub(crate) enum OwnedLiteral {
    Number(String),
    Text(String),
    Null,
}

impl Template {
    pub(in crate::rewrite) fn new(
        sql: String,
        kind: StatementKind,
        tenant_parameter: Option<usize>,
        guarded_parameters: Vec<usize>,
        checked_in_sql: bool,
        literal_checks: Vec<LiteralCheck>,
    ) -> Self {
        Self { sql, kind, tenant_parameter, guarded_parameters, checked_in_sql, literal_checks }
    }

    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    pub(crate) fn kind(&self) -> StatementKind {
        self.kind
    }

    pub(crate) fn tenant_parameter(&self) -> Option<usize> {
        self.tenant_parameter
    }

    /// The parameters that fill a tenant column, for the driver to check.
    pub(crate) fn guarded_parameters(&self) -> &[usize] {
        match self.checked_in_sql {
            true => &[],
            false => &self.guarded_parameters,
        }
    }

    /// The parameters that fill a tenant column, guarded in the SQL.
    pub(crate) fn guarded_by_database(&self) -> &[usize] {
        match self.checked_in_sql {
            true => &self.guarded_parameters,
            false => &[],
        }
    }

    /// Refuses the statement when a literal tenant value is not one of `tenants`.
    pub(crate) fn check_literals(&self, tenants: Option<&TenantSet>) -> Result<(), Error> {
        match self.literal_checks.iter().find(|check| !check.accepts(tenants)) {
            Some(check) => Err(Error::ForeignTenant {
                statement: check.statement,
                table: check.table.clone(),
                column: check.column.clone(),
                value: check.literal.to_string(),
            }),
            None => Ok(()),
        }
    }
}

impl LiteralCheck {
    fn accepts(&self, tenants: Option<&TenantSet>) -> bool {
        let literal = match &self.literal {
            OwnedLiteral::Number(n) => Literal::Number(n),
            OwnedLiteral::Text(s) => Literal::Text(s),
            OwnedLiteral::Null => return false,
        };
        tenants.is_some_and(|set| set.as_slice().iter().any(|t| t.matches_literal(&literal)))
    }
}

impl std::fmt::Display for OwnedLiteral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => f.write_str(n),
            Self::Text(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Self::Null => f.write_str("NULL"),
        }
    }
}
