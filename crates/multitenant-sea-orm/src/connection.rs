//! [`ScopedDatabase`]: a SeaORM [`DatabaseConnection`] whose every statement is scoped to the
//! task's current tenant.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use multitenant::{Rewriter, Schema};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, IsolationLevel,
    QueryResult, Statement, StreamTrait, TransactionError, TransactionOptions, TransactionTrait,
};

use crate::scope::{self, ScopedStream, Shared, Within, dialect_of};
use crate::{Error, ScopedTransaction};

/// A SeaORM connection whose every statement is scoped to the task's current tenant.
///
/// It implements [`ConnectionTrait`], [`StreamTrait`] and [`TransactionTrait`], so entities,
/// selects, loaders, paginators, inserts, updates, deletes, raw statements and transactions
/// take it where they take a [`DatabaseConnection`]. Run them inside
/// [`multitenant::with_tenant`] (the axum layer does this per request) and they see and change
/// that tenant's rows only. With no tenant set, a statement on a tenant table fails with
/// [`multitenant::Error::MissingTenant`] before anything reaches the database; the error is a
/// [`DbErr`] carrying an [`Error`] ([`Error::from_db_err`] reads it back).
///
/// Cheap to clone: clones share the connection pool and the rewriter (and its cache).
///
/// ```no_run
/// use multitenant::Schema;
/// use multitenant_sea_orm::ScopedDatabase;
/// use sea_orm::{ConnectionTrait, Statement};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let schema = Schema::builder().tenant_table("products", "store_id").build()?;
/// let conn = sea_orm::Database::connect("postgres://postgres@127.0.0.1/shop").await?;
/// let db = ScopedDatabase::new(conn, schema)?;
/// let rows = multitenant::with_tenant(7_i64, async {
///     let select = Statement::from_string(db.get_database_backend(), "SELECT name FROM products");
///     db.query_all_raw(select).await
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScopedDatabase {
    conn: DatabaseConnection,
    shared: Arc<Shared>,
}

impl ScopedDatabase {
    /// Scopes the statements run on `conn` by `schema`, in the dialect of `conn`'s backend.
    ///
    /// Fails with [`Error::UnsupportedBackend`] for a backend the rewriter has no dialect for
    /// (MySQL).
    pub fn new(conn: DatabaseConnection, schema: Schema) -> Result<Self, Error> {
        let dialect = dialect_of(conn.get_database_backend())?;
        Self::with_rewriter(conn, Rewriter::new(schema, dialect))
    }

    /// Scopes the statements run on `conn` with `rewriter` (for its cache settings).
    ///
    /// Fails with [`Error::UnsupportedBackend`] (MySQL), or [`Error::DialectMismatch`] when the
    /// rewriter parses another dialect than `conn` speaks.
    pub fn with_rewriter(conn: DatabaseConnection, rewriter: Rewriter) -> Result<Self, Error> {
        let shared = Shared::new(rewriter, conn.get_database_backend())?;
        Ok(Self { conn, shared: Arc::new(shared) })
    }

    /// The rewriter that scopes this connection's statements.
    pub fn rewriter(&self) -> &Rewriter {
        &self.shared.rewriter
    }

    async fn wrap(&self, inner: sea_orm::DatabaseTransaction) -> Result<ScopedTransaction, DbErr> {
        ScopedTransaction::begun(inner, Arc::clone(&self.shared)).await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for ScopedDatabase {
    fn get_database_backend(&self) -> DbBackend {
        self.shared.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        scope::execute(&self.shared, &self.conn, Within::Plain, stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        scope::execute_unprepared(&self.shared, &self.conn, Within::Plain, sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        scope::query_one(&self.shared, &self.conn, Within::Plain, stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        scope::query_all(&self.shared, &self.conn, Within::Plain, stmt).await
    }
}

impl StreamTrait for ScopedDatabase {
    type Stream<'a> = ScopedStream<'a>;

    fn get_database_backend(&self) -> DbBackend {
        self.shared.backend
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        Box::pin(scope::stream(&self.shared, &self.conn, Within::Plain, stmt))
    }
}

#[async_trait::async_trait]
impl TransactionTrait for ScopedDatabase {
    type Transaction = ScopedTransaction;

    async fn begin(&self) -> Result<ScopedTransaction, DbErr> {
        self.wrap(self.conn.begin().await?).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<ScopedTransaction, DbErr> {
        self.wrap(self.conn.begin_with_config(isolation_level, access_mode).await?).await
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<ScopedTransaction, DbErr> {
        self.wrap(self.conn.begin_with_options(options).await?).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c ScopedTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let transaction = self.begin().await.map_err(TransactionError::Connection)?;
        transaction.run(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c ScopedTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let transaction = self
            .begin_with_config(isolation_level, access_mode)
            .await
            .map_err(TransactionError::Connection)?;
        transaction.run(callback).await
    }
}
