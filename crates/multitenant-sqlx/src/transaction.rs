//! [`ScopedTransaction`]: a transaction (or savepoint) whose statements are scoped, and which
//! keeps Citus's rule for transactions that write across tenants.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt, TryStreamExt};
use sqlx::SqlStr;
use sqlx::{Acquire, Describe, Either, Execute, Executor, Transaction};

use multitenant::citus::SEQUENTIAL_MODE;

use crate::exec::{self, Prepared};
use crate::scoped::Shared;
use crate::{Backend, Error};

/// A transaction begun on a scoped pool, connection or transaction.
///
/// `&mut ScopedTransaction` is an sqlx [`Executor`] (sqlx's own `Transaction` is not; it is
/// used as `&mut *tx`). [`begin`](Self::begin) on it opens a savepoint. Dropped without
/// [`commit`](Self::commit), it rolls back.
///
/// On Citus, a statement that spans tenants (run unscoped or with several tenants set, so
/// multi-shard) runs after `SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`, so the
/// transaction may write reference tables afterwards; Citus refuses that after a parallel
/// multi-shard statement, and a transaction cannot know what it will do next. The cost is one
/// round trip before each such statement, and multi-shard work over one connection per node.
/// Statements scoped to one tenant route to one shard and never pay for it.
///
/// ```no_run
/// # async fn run(db: multitenant_sqlx::ScopedPool<sqlx::Postgres>) -> Result<(), multitenant_sqlx::Error> {
/// multitenant::with_tenant(7_i64, async {
///     let mut tx = db.begin().await?;
///     sqlx::query("UPDATE products SET price_cents = price_cents + 100").execute(&mut tx).await?;
///     tx.commit().await
/// })
/// .await
/// # }
/// ```
#[derive(Debug)]
pub struct ScopedTransaction<'c, DB: Backend> {
    tx: Transaction<'c, DB>,
    shared: Arc<Shared>,
    citus: bool,
}

impl<'c, DB: Backend> ScopedTransaction<'c, DB> {
    /// Wraps a transaction just begun, asking the database once per pool whether it is Citus.
    pub(crate) async fn begun(mut tx: Transaction<'c, DB>, shared: Arc<Shared>) -> Result<Self, Error> {
        let citus = match shared.citus.get() {
            Some(&known) => known,
            None => {
                let found = DB::is_citus(&mut tx).await.map_err(Error::Sqlx)?;
                *shared.citus.get_or_init(|| found)
            }
        };
        Ok(Self { tx, shared, citus })
    }

    /// Opens a savepoint: a transaction nested in this one.
    pub async fn begin(&mut self) -> Result<ScopedTransaction<'_, DB>, Error> {
        let tx = (&mut self.tx).begin().await.map_err(Error::Sqlx)?;
        Ok(ScopedTransaction { tx, shared: Arc::clone(&self.shared), citus: self.citus })
    }

    /// Commits the transaction, or releases the savepoint.
    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await.map_err(Error::Sqlx)
    }

    /// Rolls the transaction, or the savepoint, back.
    pub async fn rollback(self) -> Result<(), Error> {
        self.tx.rollback().await.map_err(Error::Sqlx)
    }
}

impl<'t, DB: Backend> Executor<'t> for &'t mut ScopedTransaction<'_, DB>
where
    for<'x> &'x mut DB::Connection: Executor<'x, Database = DB>,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, DB>,
    {
        let (shared, citus, conn) = (&*self.shared, self.citus, &mut *self.tx);
        let steps = async move {
            let prepared = Prepared::new(shared, query);
            if citus && prepared.spans_tenants() {
                (&mut *conn).execute(SEQUENTIAL_MODE).await?;
            }
            Ok::<_, sqlx::Error>(prepared.fetch_many(conn))
        };
        stream::once(steps).try_flatten().boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, DB>,
    {
        let (shared, citus, conn) = (&*self.shared, self.citus, &mut *self.tx);
        Box::pin(async move {
            let prepared = Prepared::new(shared, query);
            if citus && prepared.spans_tenants() {
                (&mut *conn).execute(SEQUENTIAL_MODE).await?;
            }
            prepared.fetch_optional(conn).await
        })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement, sqlx::Error>>
    where
        't: 'e,
    {
        exec::prepare_with(&self.shared, &mut *self.tx, sql, parameters)
    }

    #[doc(hidden)]
    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<DB>, sqlx::Error>>
    where
        't: 'e,
    {
        exec::describe(&self.shared, &mut *self.tx, sql)
    }
}
