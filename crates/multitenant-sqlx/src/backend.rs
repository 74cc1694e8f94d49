//! The databases the executors run on, and how each binds the tenant after a statement's own
//! arguments.

use futures_util::future::BoxFuture;
use multitenant::{Dialect, TenantBinding, TenantId, TenantSetBinding};
use sqlx::error::BoxDynError;
use sqlx::{Arguments, Database};

/// A database the scoped executors support: PostgreSQL (and Citus) or SQLite.
///
/// Sealed: the rewriter knows these dialects only.
pub trait Backend: Database + sealed::Sealed {
    /// The dialect the rewriter parses this database's SQL with.
    const DIALECT: Dialect;

    /// Appends the tenant (one, or a set in the form the dialect takes) to `arguments`.
    #[doc(hidden)]
    fn bind_tenant(arguments: &mut Self::Arguments, binding: TenantBinding<'_>) -> Result<(), BoxDynError>;

    /// Whether the database behind `conn` is Citus (always `false` for SQLite).
    #[doc(hidden)]
    fn is_citus(conn: &mut Self::Connection) -> BoxFuture<'_, Result<bool, sqlx::Error>>;
}

mod sealed {
    pub trait Sealed {}
}

/// A tenant value of a kind this crate does not know how to bind (a newer core's kind).
fn unknown_kind(tenant: &TenantId) -> BoxDynError {
    format!("cannot bind a tenant of type {}: upgrade multitenant-sqlx", tenant.kind()).into()
}

#[cfg(feature = "postgres")]
impl sealed::Sealed for sqlx::Postgres {}

#[cfg(feature = "postgres")]
impl Backend for sqlx::Postgres {
    const DIALECT: Dialect = Dialect::Postgres;

    fn is_citus(conn: &mut Self::Connection) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
        Box::pin(sqlx::query_scalar(multitenant::citus::IS_CITUS).fetch_one(conn))
    }

    fn bind_tenant(args: &mut Self::Arguments, binding: TenantBinding<'_>) -> Result<(), BoxDynError> {
        match binding {
            TenantBinding::One(tenant) => match tenant {
                TenantId::I64(v) => args.add(*v),
                TenantId::I32(v) => args.add(*v),
                TenantId::Uuid(v) => args.add(*v),
                TenantId::Text(v) => args.add(v.clone()),
                other => Err(unknown_kind(other)),
            },
            TenantBinding::Many(tenants, _) => match tenants.first() {
                Some(TenantId::I64(_)) => args.add(collect(tenants, |t| match t {
                    TenantId::I64(v) => Some(*v),
                    _ => None,
                })?),
                Some(TenantId::I32(_)) => args.add(collect(tenants, |t| match t {
                    TenantId::I32(v) => Some(*v),
                    _ => None,
                })?),
                Some(TenantId::Uuid(_)) => args.add(collect(tenants, |t| match t {
                    TenantId::Uuid(v) => Some(*v),
                    _ => None,
                })?),
                Some(TenantId::Text(_)) => args.add(collect(tenants, |t| match t {
                    TenantId::Text(v) => Some(v.to_string()),
                    _ => None,
                })?),
                Some(other) => Err(unknown_kind(other)),
                None => Err("an empty set of tenants cannot be bound".into()),
            },
            _ => Err("a tenant binding this crate does not know: upgrade multitenant-sqlx".into()),
        }
    }
}

/// The tenants of a set as one array of `T` (the core refuses sets that mix types).
#[cfg(feature = "postgres")]
fn collect<T>(tenants: &[TenantId], value: impl Fn(&TenantId) -> Option<T>) -> Result<Vec<T>, BoxDynError> {
    tenants.iter().map(|t| value(t).ok_or_else(|| "a set of tenants of different types".into())).collect()
}

#[cfg(feature = "sqlite")]
impl sealed::Sealed for sqlx::Sqlite {}

#[cfg(feature = "sqlite")]
impl Backend for sqlx::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn is_citus(_: &mut Self::Connection) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
        Box::pin(std::future::ready(Ok(false)))
    }

    fn bind_tenant(args: &mut Self::Arguments, binding: TenantBinding<'_>) -> Result<(), BoxDynError> {
        match binding {
            TenantBinding::One(tenant) => match tenant {
                TenantId::I64(v) => args.add(*v),
                TenantId::I32(v) => args.add(*v),
                // SQLite has no uuid type: the core compares uuids as their text.
                TenantId::Uuid(v) => args.add(v.to_string()),
                TenantId::Text(v) => args.add(v.clone()),
                other => Err(unknown_kind(other)),
            },
            TenantBinding::Many(tenants, TenantSetBinding::JsonArray) => {
                args.add(TenantBinding::json_array(tenants))
            }
            _ => Err("SQLite takes a set of tenants as a JSON array".into()),
        }
    }
}
