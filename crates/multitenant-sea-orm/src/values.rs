//! Between SeaORM's [`Value`]s and the core's [`TenantId`]s: the tenant bound after a statement's
//! own values, and the value a statement writes to a tenant column, read back to be checked.

use multitenant::{TenantBinding, TenantId, TenantSetBinding, TenantType};
use sea_orm::{DbBackend, Value};

use crate::Error;

/// The tenant (one, or a set in the form the dialect takes) as a value for `backend`.
///
/// PostgreSQL takes a set as an array of the tenant's type (`= ANY($n)`), SQLite as the text of
/// a JSON array (`json_each`), as multitenant-sqlx binds them.
pub(crate) fn tenant_value(binding: TenantBinding<'_>, backend: DbBackend) -> Result<Value, Error> {
    match binding {
        TenantBinding::One(tenant) => one(tenant, backend),
        TenantBinding::Many(tenants, TenantSetBinding::JsonArray) => {
            Ok(Value::String(Some(TenantBinding::json_array(tenants))))
        }
        TenantBinding::Many(tenants, TenantSetBinding::Array) => array(tenants),
        _ => Err(Error::UnbindableTenant { kind: "a tenant binding of a newer core".to_owned() }),
    }
}

fn one(tenant: &TenantId, backend: DbBackend) -> Result<Value, Error> {
    Ok(match tenant {
        TenantId::I64(v) => Value::BigInt(Some(*v)),
        TenantId::I32(v) => Value::Int(Some(*v)),
        // SQLite has no uuid type: the core compares uuids as their text.
        TenantId::Uuid(v) if backend == DbBackend::Sqlite => Value::String(Some(v.to_string())),
        TenantId::Uuid(v) => Value::Uuid(Some(*v)),
        TenantId::Text(v) => Value::String(Some(v.to_string())),
        other => return Err(unbindable(other)),
    })
}

#[cfg(feature = "postgres")]
fn array(tenants: &[TenantId]) -> Result<Value, Error> {
    use sea_orm::sea_query::ArrayType;

    let element = match tenants.first() {
        Some(TenantId::I64(_)) => ArrayType::BigInt,
        Some(TenantId::I32(_)) => ArrayType::Int,
        Some(TenantId::Uuid(_)) => ArrayType::Uuid,
        Some(TenantId::Text(_)) => ArrayType::String,
        Some(other) => return Err(unbindable(other)),
        None => return Err(Error::UnbindableTenant { kind: "an empty set of tenants".to_owned() }),
    };
    // The core refuses sets that mix kinds, so every element has the first one's.
    let values = tenants.iter().map(|t| one(t, DbBackend::Postgres)).collect::<Result<Vec<_>, _>>()?;
    Ok(Value::Array(element, Some(Box::new(values))))
}

#[cfg(not(feature = "postgres"))]
fn array(_: &[TenantId]) -> Result<Value, Error> {
    Err(Error::UnbindableTenant { kind: "an array of tenants (enable the postgres feature)".to_owned() })
}

fn unbindable(tenant: &TenantId) -> Error {
    Error::UnbindableTenant { kind: tenant.kind().to_owned() }
}

/// The tenant that `value`, bound at parameter `index` in a tenant column, writes there, read
/// as a tenant of type `expected` (the current tenants' type), so that it can be checked.
///
/// Integers of any width are read as integer tenants when they fit; text as a text tenant or a
/// uuid. Anything else (NULL, another type, an integer that does not fit) is refused.
pub(crate) fn tenant_of(value: &Value, index: usize, expected: TenantType) -> Result<TenantId, Error> {
    if *value == value.as_null() {
        return Err(Error::NullTenantValue { index });
    }
    let uncheckable =
        || Error::UncheckableValue { index, found: type_name(value), expected: expected.name() };
    let read = match (expected, value) {
        (TenantType::BigInt, _) => integer(value).and_then(|v| i64::try_from(v).ok()).map(TenantId::I64),
        (TenantType::Integer, _) => integer(value).and_then(|v| i32::try_from(v).ok()).map(TenantId::I32),
        (TenantType::Uuid, Value::Uuid(Some(v))) => Some(TenantId::Uuid(*v)),
        (TenantType::Uuid, Value::String(Some(s))) => uuid::Uuid::parse_str(s).ok().map(TenantId::Uuid),
        (TenantType::Text, Value::String(Some(s))) => Some(TenantId::from(s.as_str())),
        _ => None,
    };
    read.ok_or_else(uncheckable)
}

/// An integer value of any width.
fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::TinyInt(Some(v)) => Some(i128::from(*v)),
        Value::SmallInt(Some(v)) => Some(i128::from(*v)),
        Value::Int(Some(v)) => Some(i128::from(*v)),
        Value::BigInt(Some(v)) => Some(i128::from(*v)),
        Value::TinyUnsigned(Some(v)) => Some(i128::from(*v)),
        Value::SmallUnsigned(Some(v)) => Some(i128::from(*v)),
        Value::Unsigned(Some(v)) => Some(i128::from(*v)),
        Value::BigUnsigned(Some(v)) => Some(i128::from(*v)),
        _ => None,
    }
}

/// The name of `value`'s type (its variant), never its content.
fn type_name(value: &Value) -> String {
    let null = format!("{:?}", value.as_null());
    null.split('(').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! read_cases {
        ($($name:ident: $value:expr, $expected:expr => $result:pat_param,)*) => {$(
            #[test]
            fn $name() {
                let read = tenant_of(&$value, 1, $expected);
                assert!(matches!(read, $result), "{read:?}");
            }
        )*};
    }

    read_cases! {
        bigint_as_bigint: Value::BigInt(Some(7)), TenantType::BigInt => Ok(TenantId::I64(7)),
        int_widens_to_bigint: Value::Int(Some(7)), TenantType::BigInt => Ok(TenantId::I64(7)),
        unsigned_as_integer: Value::Unsigned(Some(7)), TenantType::Integer => Ok(TenantId::I32(7)),
        too_big_for_integer: Value::BigInt(Some(1 << 40)), TenantType::Integer => Err(Error::UncheckableValue { .. }),
        too_big_for_bigint: Value::BigUnsigned(Some(u64::MAX)), TenantType::BigInt => Err(Error::UncheckableValue { .. }),
        null_is_refused: Value::BigInt(None), TenantType::BigInt => Err(Error::NullTenantValue { index: 1 }),
        text_for_bigint_is_refused: Value::String(Some("7".into())), TenantType::BigInt => Err(Error::UncheckableValue { .. }),
        float_is_refused: Value::Double(Some(7.0)), TenantType::BigInt => Err(Error::UncheckableValue { .. }),
        text_as_text: Value::String(Some("acme".into())), TenantType::Text => Ok(TenantId::Text(_)),
        uuid_as_uuid: Value::Uuid(Some(uuid::Uuid::nil())), TenantType::Uuid => Ok(TenantId::Uuid(_)),
        uuid_text_as_uuid: Value::String(Some(uuid::Uuid::nil().to_string())), TenantType::Uuid => Ok(TenantId::Uuid(_)),
        bad_uuid_text_is_refused: Value::String(Some("x".into())), TenantType::Uuid => Err(Error::UncheckableValue { .. }),
        integer_for_text_is_refused: Value::BigInt(Some(7)), TenantType::Text => Err(Error::UncheckableValue { .. }),
    }

    #[test]
    fn the_type_name_names_no_value() {
        assert_eq!(type_name(&Value::String(Some("secret".into()))), "String");
    }

    #[test]
    fn sqlite_takes_a_set_as_json_text() {
        let tenants = [TenantId::I64(1), TenantId::I64(2)];
        let value =
            tenant_value(TenantBinding::Many(&tenants, TenantSetBinding::JsonArray), DbBackend::Sqlite);
        assert!(matches!(value, Ok(Value::String(Some(s))) if s == "[1,2]"));
    }
}
