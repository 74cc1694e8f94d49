//! Tenant identifiers: the values a tenant column can hold.

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use crate::TenantType;

/// The identity of one tenant: the value its rows carry in their tenant column.
///
/// Integers (64- and 32-bit), UUIDs and text are supported; [`TenantType::parse`] reads one
/// from text. Text is reference-counted, so a `TenantId` is cheap to clone into every task that
/// needs it.
///
/// ```
/// use multitenant::TenantId;
///
/// assert_eq!(TenantId::from(42_i64).to_string(), "42");
/// assert_eq!(TenantId::from("acme").to_sql_literal(), "'acme'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TenantId {
    /// A `bigint` tenant column.
    I64(i64),
    /// An `integer` tenant column.
    I32(i32),
    /// A `uuid` tenant column.
    Uuid(Uuid),
    /// A `text` tenant column.
    Text(Arc<str>),
}

impl TenantId {
    /// The tenant as an SQL literal, quoted where it must be, for inline rewrites.
    pub fn to_sql_literal(&self) -> String {
        match self {
            Self::I64(v) => v.to_string(),
            Self::I32(v) => v.to_string(),
            Self::Uuid(v) => format!("'{v}'"),
            Self::Text(v) => format!("'{}'", v.replace('\'', "''")),
        }
    }

    /// Whether an SQL literal written in a statement denotes this tenant.
    ///
    /// `number` is the literal's text when it was a number, `text` when it was a string.
    /// A string literal may denote a numeric tenant (`'5'` against a `bigint` column), as
    /// PostgreSQL coerces it.
    pub(crate) fn matches_literal(&self, literal: &Literal<'_>) -> bool {
        match (self, literal) {
            (Self::I64(v), Literal::Number(n) | Literal::Text(n)) => n.trim().parse::<i64>() == Ok(*v),
            (Self::I32(v), Literal::Number(n) | Literal::Text(n)) => n.trim().parse::<i32>() == Ok(*v),
            (Self::Uuid(v), Literal::Text(s)) => Uuid::parse_str(s).is_ok_and(|u| u == *v),
            (Self::Text(v), Literal::Text(s)) => **v == **s,
            _ => false,
        }
    }

    /// The kind of value, for error messages and for checking that a set is uniform: the
    /// [`name`](TenantType::name) of its [`tenant_type`](Self::tenant_type).
    pub fn kind(&self) -> &'static str {
        self.tenant_type().name()
    }

    /// The type of tenant column that holds this value.
    ///
    /// ```
    /// use multitenant::{TenantId, TenantType};
    ///
    /// assert_eq!(TenantId::from("acme").tenant_type(), TenantType::Text);
    /// ```
    pub fn tenant_type(&self) -> TenantType {
        match self {
            Self::I64(_) => TenantType::BigInt,
            Self::I32(_) => TenantType::Integer,
            Self::Uuid(_) => TenantType::Uuid,
            Self::Text(_) => TenantType::Text,
        }
    }
}

/// A literal as it was written in a statement, borrowed from the syntax tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Literal<'a> {
    Number(&'a str),
    Text(&'a str),
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I64(v) => v.fmt(f),
            Self::I32(v) => v.fmt(f),
            Self::Uuid(v) => v.fmt(f),
            Self::Text(v) => v.fmt(f),
        }
    }
}

impl From<i64> for TenantId {
    fn from(v: i64) -> Self {
        Self::I64(v)
    }
}

impl From<i32> for TenantId {
    fn from(v: i32) -> Self {
        Self::I32(v)
    }
}

impl From<Uuid> for TenantId {
    fn from(v: Uuid) -> Self {
        Self::Uuid(v)
    }
}

impl From<&str> for TenantId {
    fn from(v: &str) -> Self {
        Self::Text(v.into())
    }
}

impl From<String> for TenantId {
    fn from(v: String) -> Self {
        Self::Text(v.into())
    }
}

impl From<Arc<str>> for TenantId {
    fn from(v: Arc<str>) -> Self {
        Self::Text(v)
    }
}
