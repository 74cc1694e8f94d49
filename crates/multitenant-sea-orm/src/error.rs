//! One error type for the scoped connection, carried inside SeaORM's [`DbErr`] so that SeaORM
//! code handles it as usual, and read back with [`Error::from_db_err`].

use std::sync::Arc;

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

/// Why the scoped connection refused a statement, or could not be built. In every case nothing
/// reached the database.
///
/// SeaORM's traits return [`DbErr`]: a refusal travels inside it (as
/// `RuntimeErr::SqlxError(sqlx::Error::Configuration(..))`, under [`DbErr::Query`] or
/// [`DbErr::Exec`]), and [`Error::from_db_err`] reads it back:
///
/// ```
/// use multitenant_sea_orm::Error;
///
/// let refused = Error::Refused(multitenant::Error::MissingTenant { table: "products".into() });
/// let through_sea_orm = refused.into_query_err();
/// assert!(matches!(
///     Error::from_db_err(&through_sea_orm),
///     Some(Error::Refused(multitenant::Error::MissingTenant { .. })),
/// ));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rewriter refused the statement. The inner error says why and what to do.
    #[error(transparent)]
    Refused(#[from] multitenant::Error),
    /// The connection's database is one the rewriter has no dialect for.
    #[error(
        "multitenant-sea-orm cannot scope statements for {backend}: connect to PostgreSQL (or Citus) \
         or SQLite"
    )]
    UnsupportedBackend {
        /// The backend SeaORM reported (`MySql`, ...).
        backend: String,
    },
    /// A rewriter given to the connection parses another dialect than the connection speaks.
    #[error(
        "the rewriter parses {rewriter} SQL but the connection is {connection}: build the rewriter \
         with the connection's dialect (or use ScopedDatabase::new)"
    )]
    DialectMismatch {
        /// The rewriter's dialect.
        rewriter: String,
        /// The connection's backend.
        connection: String,
    },
    /// A statement built for another backend than the connection's.
    #[error(
        "refused: the statement was built for {statement} but the connection is {connection}; \
         build it with the connection's backend (`db.get_database_backend()`)"
    )]
    BackendMismatch {
        /// The backend the statement was built for.
        statement: String,
        /// The connection's backend.
        connection: String,
    },
    /// The statement has a different number of values than placeholders, so the tenant could
    /// not be bound in its place.
    #[error(
        "refused: the statement has {placeholders} placeholders but {values} values; give one value \
         per placeholder"
    )]
    ParameterCount {
        /// The placeholders the statement's SQL has.
        placeholders: usize,
        /// The values it came with.
        values: usize,
    },
    /// A value written to a tenant column is NULL.
    #[error(
        "refused: parameter {index} fills a tenant column with NULL; set it to a current tenant or leave it out"
    )]
    NullTenantValue {
        /// The parameter (1-based).
        index: usize,
    },
    /// A value written to a tenant column has a type that cannot hold a tenant of the current
    /// scope, so it cannot be checked.
    #[error(
        "refused: parameter {index} fills a tenant column with a {found} value, which cannot be \
         checked against a {expected} tenant; bind the tenant column with the tenant's own type"
    )]
    UncheckableValue {
        /// The parameter (1-based).
        index: usize,
        /// The type of value bound (`Value` variant).
        found: String,
        /// The type of the current tenants.
        expected: &'static str,
    },
    /// The current tenant has a kind this crate cannot bind (a newer core's kind).
    #[error("cannot bind a tenant of type {kind}: upgrade multitenant-sea-orm")]
    UnbindableTenant {
        /// The tenant's kind.
        kind: String,
    },
}

impl Error {
    /// The scoped connection's error inside `error`, if it carries one.
    pub fn from_db_err(error: &DbErr) -> Option<&Error> {
        let (DbErr::Query(runtime) | DbErr::Exec(runtime) | DbErr::Conn(runtime)) = error else {
            return None;
        };
        let RuntimeErr::SqlxError(sqlx_error) = runtime else { return None };
        match sqlx_error.as_ref() {
            sqlx::Error::Configuration(inner) => inner.downcast_ref::<Error>(),
            _ => None,
        }
    }

    /// This error as the [`DbErr`] a query method returns ([`DbErr::Query`]).
    pub fn into_query_err(self) -> DbErr {
        DbErr::Query(self.into_runtime_err())
    }

    /// This error as the [`DbErr`] an execute method returns ([`DbErr::Exec`]).
    pub fn into_exec_err(self) -> DbErr {
        DbErr::Exec(self.into_runtime_err())
    }

    fn into_runtime_err(self) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(sqlx::Error::Configuration(Box::new(self))))
    }
}

impl From<Error> for DbErr {
    /// As [`Error::into_query_err`].
    fn from(error: Error) -> Self {
        error.into_query_err()
    }
}
