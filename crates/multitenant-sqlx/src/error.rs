//! One error type for the scoped executors: the core's refusals and sqlx's own errors.

use sqlx::error::BoxDynError;

/// What went wrong running a statement through a scoped executor.
///
/// sqlx's [`Executor`](sqlx::Executor) methods return [`sqlx::Error`]; a refusal travels inside
/// it as [`sqlx::Error::Configuration`], and `Error::from` gets it back, so code can use `?`
/// with either type:
///
/// ```
/// use multitenant_sqlx::Error;
///
/// let refused = Error::Refused(multitenant::Error::MissingTenant { table: "ads".into() });
/// let through_sqlx: sqlx::Error = refused.into();
/// assert!(matches!(Error::from(through_sqlx), Error::Refused(multitenant::Error::MissingTenant { .. })));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rewriter refused the statement; nothing reached the database. The inner error says
    /// why and what to do.
    #[error(transparent)]
    Refused(#[from] multitenant::Error),
    /// A prepared statement that was not prepared through a scoped executor: its SQL was never
    /// scoped.
    #[error(
        "refused: this prepared statement was not prepared through a scoped executor, so its SQL \
         is not scoped to a tenant; prepare it with the scoped pool, connection or transaction"
    )]
    UnscopedStatement,
    /// The statement's own arguments could not be read, or the tenant could not be bound.
    #[error("could not bind the statement's arguments and the tenant: {0}")]
    Arguments(#[source] BoxDynError),
    /// sqlx or the database failed.
    #[error(transparent)]
    Sqlx(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Configuration(inner) => match inner.downcast::<Error>() {
                Ok(ours) => *ours,
                Err(other) => Self::Sqlx(sqlx::Error::Configuration(other)),
            },
            other => Self::Sqlx(other),
        }
    }
}

impl From<Error> for sqlx::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::Sqlx(inner) => inner,
            ours => sqlx::Error::Configuration(Box::new(ours)),
        }
    }
}
