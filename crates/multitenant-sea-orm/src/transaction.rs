//! [`ScopedTransaction`]: a SeaORM transaction begun on a [`ScopedDatabase`](crate::ScopedDatabase),
//! whose statements are scoped too; its own `begin` nests with a savepoint.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, IsolationLevel,
    QueryResult, Statement, StreamTrait, TransactionError, TransactionOptions, TransactionSession,
    TransactionTrait,
};

use crate::scope::{self, ScopedStream, Shared, Within};

/// A transaction whose every statement is scoped to the task's current tenant, like the
/// [`ScopedDatabase`](crate::ScopedDatabase) it was begun on.
///
/// It is SeaORM's transaction type for the scoped connection (its own
/// [`TransactionTrait::Transaction`] too): [`begin`](TransactionTrait::begin) on it starts a
/// nested transaction (a savepoint), and the closure form
/// [`transaction`](TransactionTrait::transaction) commits on `Ok` and rolls back on `Err`.
/// Dropped without [`commit`](TransactionSession::commit), it rolls back.
///
/// On Citus, a statement that spans tenants (run unscoped or with several tenants set, so
/// multi-shard) runs after `SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`, so the
/// transaction may write reference tables afterwards; Citus refuses that after a parallel
/// multi-shard statement, and a transaction cannot know what it will do next. Statements
/// scoped to one tenant route to one shard and never pay for it.
#[derive(Debug)]
pub struct ScopedTransaction {
    inner: DatabaseTransaction,
    shared: Arc<Shared>,
    within: Within,
}

impl ScopedTransaction {
    /// Wraps a transaction just begun, asking the database once per connection whether it is
    /// Citus.
    pub(crate) async fn begun(inner: DatabaseTransaction, shared: Arc<Shared>) -> Result<Self, DbErr> {
        let within = shared.within(&inner).await?;
        Ok(Self { inner, shared, within })
    }

    /// Wraps a transaction nested in this one.
    fn wrap(&self, inner: DatabaseTransaction) -> Self {
        Self { inner, shared: Arc::clone(&self.shared), within: self.within }
    }

    /// Commits the transaction (releases the savepoint, when nested).
    pub async fn commit(self) -> Result<(), DbErr> {
        self.inner.commit().await
    }

    /// Rolls the transaction back (to the savepoint, when nested).
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.inner.rollback().await
    }

    /// Runs `callback` in this transaction: commits when it returns `Ok`, rolls back otherwise.
    pub(crate) async fn run<F, T, E>(self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'b> FnOnce(&'b ScopedTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'b>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let result = callback(&self).await.map_err(TransactionError::Transaction);
        match result {
            Ok(_) => self.inner.commit().await.map_err(TransactionError::Connection)?,
            Err(_) => self.inner.rollback().await.map_err(TransactionError::Connection)?,
        }
        result
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for ScopedTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.shared.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        scope::execute(&self.shared, &self.inner, self.within, stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        scope::execute_unprepared(&self.shared, &self.inner, self.within, sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        scope::query_one(&self.shared, &self.inner, self.within, stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        scope::query_all(&self.shared, &self.inner, self.within, stmt).await
    }
}

impl StreamTrait for ScopedTransaction {
    type Stream<'a> = ScopedStream<'a>;

    fn get_database_backend(&self) -> DbBackend {
        self.shared.backend
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        Box::pin(scope::stream(&self.shared, &self.inner, self.within, stmt))
    }
}

#[async_trait::async_trait]
impl TransactionTrait for ScopedTransaction {
    type Transaction = ScopedTransaction;

    async fn begin(&self) -> Result<ScopedTransaction, DbErr> {
        Ok(self.wrap(self.inner.begin().await?))
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<ScopedTransaction, DbErr> {
        Ok(self.wrap(self.inner.begin_with_config(isolation_level, access_mode).await?))
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<ScopedTransaction, DbErr> {
        Ok(self.wrap(self.inner.begin_with_options(options).await?))
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

#[async_trait::async_trait]
impl TransactionSession for ScopedTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        ScopedTransaction::commit(self).await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        ScopedTransaction::rollback(self).await
    }
}
