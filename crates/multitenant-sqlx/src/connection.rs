//! [`ScopedConnection`]: one connection from a scoped pool, its statements scoped too.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::SqlStr;
use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Describe, Either, Execute, Executor};

use crate::exec;
use crate::scoped::Shared;
use crate::{Backend, Error, ScopedTransaction};

/// A connection taken from a [`ScopedPool`](crate::ScopedPool) with
/// [`acquire`](crate::ScopedPool::acquire). `&mut ScopedConnection` is an sqlx [`Executor`].
///
/// Begin transactions with [`begin`](Self::begin), not with a `BEGIN` statement: on Citus a
/// scoped transaction knows when it must switch to sequential mode, and a `BEGIN` sent as SQL
/// hides the transaction from it.
#[derive(Debug)]
pub struct ScopedConnection<DB: Backend> {
    conn: PoolConnection<DB>,
    shared: Arc<Shared>,
}

impl<DB: Backend> ScopedConnection<DB> {
    pub(crate) fn new(conn: PoolConnection<DB>, shared: Arc<Shared>) -> Self {
        Self { conn, shared }
    }

    /// Begins a transaction on this connection; its statements are scoped too.
    pub async fn begin(&mut self) -> Result<ScopedTransaction<'_, DB>, Error> {
        let tx = self.conn.begin().await.map_err(Error::Sqlx)?;
        ScopedTransaction::begun(tx, Arc::clone(&self.shared)).await
    }
}

impl<'c, DB: Backend> Executor<'c> for &'c mut ScopedConnection<DB>
where
    for<'x> &'x mut DB::Connection: Executor<'x, Database = DB>,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, DB>,
    {
        exec::fetch_many(&self.shared, &mut *self.conn, query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, DB>,
    {
        exec::fetch_optional(&self.shared, &mut *self.conn, query)
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement, sqlx::Error>>
    where
        'c: 'e,
    {
        exec::prepare_with(&self.shared, &mut *self.conn, sql, parameters)
    }

    #[doc(hidden)]
    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<DB>, sqlx::Error>>
    where
        'c: 'e,
    {
        exec::describe(&self.shared, &mut *self.conn, sql)
    }
}
