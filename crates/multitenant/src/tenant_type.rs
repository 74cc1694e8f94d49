//! The type of a tenant column, and reading a tenant from text as that type (a command-line
//! argument, a request header).

use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

use uuid::Uuid;

use crate::TenantId;

/// The SQL type of the tenant column, named as in the schema file's `tenant_type`.
///
/// It decides how a tenant written as text is read: [`TenantType::parse`].
///
/// ```
/// use multitenant::{TenantId, TenantType};
///
/// let text: TenantType = "text".parse()?;
/// assert_eq!(text.parse("o'brien")?.to_sql_literal(), "'o''brien'");
/// assert_eq!(TenantType::BigInt.parse("42")?, TenantId::from(42_i64));
///
/// let error = TenantType::BigInt.parse("o'brien").unwrap_err();
/// assert_eq!(error.tenant_type(), TenantType::BigInt);
/// assert!(error.to_string().starts_with("tenant value \"o'brien\" is not a valid bigint"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TenantType {
    /// `bigint`: a 64-bit integer ([`TenantId::I64`]).
    BigInt,
    /// `integer`: a 32-bit integer ([`TenantId::I32`]).
    Integer,
    /// `uuid` ([`TenantId::Uuid`]).
    Uuid,
    /// `text` ([`TenantId::Text`]).
    Text,
}

impl TenantType {
    /// Every type, in the order error messages list them.
    pub const ALL: [Self; 4] = [Self::BigInt, Self::Integer, Self::Uuid, Self::Text];

    /// The name, as the schema file and the command line write it (`bigint`, `integer`,
    /// `uuid`, `text`).
    pub fn name(self) -> &'static str {
        match self {
            Self::BigInt => "bigint",
            Self::Integer => "integer",
            Self::Uuid => "uuid",
            Self::Text => "text",
        }
    }

    /// Reads `value` as a tenant of this type: a number must fit the type and have no
    /// surrounding spaces, a UUID may be in any form [`Uuid::parse_str`] accepts, and any text
    /// is a text tenant.
    pub fn parse(self, value: &str) -> Result<TenantId, InvalidTenant> {
        let invalid = |cause| InvalidTenant { value: value.to_owned(), tenant_type: self, cause };
        match self {
            Self::BigInt => value.parse::<i64>().map(TenantId::from).map_err(|e| invalid(Cause::Integer(e))),
            Self::Integer => value.parse::<i32>().map(TenantId::from).map_err(|e| invalid(Cause::Integer(e))),
            Self::Uuid => Uuid::parse_str(value).map(TenantId::from).map_err(|e| invalid(Cause::Uuid(e))),
            Self::Text => Ok(TenantId::from(value)),
        }
    }

    /// The names of all types, comma-separated, for error messages.
    pub(crate) fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

impl fmt::Display for TenantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TenantType {
    type Err = UnknownTenantType;

    /// Reads a type by its exact [`name`](TenantType::name).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| UnknownTenantType { name: name.to_owned() })
    }
}

/// A name that is not one of the [`TenantType`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tenant type {name:?}: use one of {}", TenantType::names())]
pub struct UnknownTenantType {
    name: String,
}

impl UnknownTenantType {
    /// The name given.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A tenant value that does not read as its [`TenantType`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tenant value {value:?} is not a valid {tenant_type} ({cause})")]
pub struct InvalidTenant {
    value: String,
    tenant_type: TenantType,
    #[source]
    cause: Cause,
}

impl InvalidTenant {
    /// The value as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The type it was read as.
    pub fn tenant_type(&self) -> TenantType {
        self.tenant_type
    }
}

/// Why a value did not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Cause {
    #[error(transparent)]
    Integer(ParseIntError),
    #[error(transparent)]
    Uuid(uuid::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_name() {
        for tenant_type in TenantType::ALL {
            assert_eq!(tenant_type.name().parse::<TenantType>(), Ok(tenant_type));
            assert_eq!(tenant_type.to_string(), tenant_type.name());
        }
    }

    #[test]
    fn names_are_exact() {
        for name in ["BIGINT", "int8", "Text", " uuid", ""] {
            let error = name.parse::<TenantType>().expect_err(name);
            assert_eq!(error.name(), name);
            assert!(error.to_string().ends_with("use one of bigint, integer, uuid, text"), "{error}");
        }
    }

    #[test]
    fn each_type_reads_the_id_kind_it_names() {
        for tenant_type in TenantType::ALL {
            let value = match tenant_type {
                TenantType::Uuid => "0b7e5a4c-3f7d-4c1e-9a51-2d0f8f6c1a23",
                _ => "7",
            };
            let id = tenant_type.parse(value).expect(value);
            assert_eq!(id.tenant_type(), tenant_type, "{value}");
            assert_eq!(id.to_string(), value);
        }
    }

    #[test]
    fn values_of_the_wrong_type_are_refused_naming_the_type_and_the_value() {
        let cases = [
            (TenantType::BigInt, "o'brien", "invalid digit"),
            (TenantType::BigInt, " 42", "invalid digit"),
            (TenantType::BigInt, "9223372036854775808", "too large"),
            (TenantType::Integer, "4294967296", "too large"),
            (TenantType::Integer, "", "empty"),
            (TenantType::Uuid, "42", "invalid length"),
        ];
        for (tenant_type, value, reason) in cases {
            let error = tenant_type.parse(value).expect_err(value);
            assert_eq!((error.value(), error.tenant_type()), (value, tenant_type));
            let message = error.to_string();
            let head = format!("tenant value {value:?} is not a valid {tenant_type} (");
            assert!(message.starts_with(&head) && message.contains(reason), "{message}");
            assert!(std::error::Error::source(&error).is_some(), "{message}");
        }
    }

    #[test]
    fn any_text_is_a_text_tenant() {
        for value in ["", "o'brien", "42", " spaced "] {
            assert_eq!(TenantType::Text.parse(value), Ok(TenantId::from(value)));
        }
    }
}
