//! [`ScopedPool`]: a pool whose statements are scoped to the task's current tenant.

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use multitenant::{Rewriter, Schema};
use sqlx::SqlStr;
use sqlx::{Database, Describe, Either, Execute, Executor, Pool};

use crate::exec;
use crate::scoped::{Adoption, Shared};
use crate::{Backend, Error, ScopedConnection, ScopedTransaction};

/// A pool whose every statement is scoped to the task's current tenant.
///
/// `&ScopedPool` is an sqlx [`Executor`], so queries keep their shape: run them inside
/// [`multitenant::with_tenant`] (the axum layer does this per request) and they see that
/// tenant's rows only. With no tenant set, a statement on a tenant table fails with
/// [`multitenant::Error::MissingTenant`] before anything reaches the database.
///
/// ```no_run
/// use multitenant::Schema;
/// use multitenant_sqlx::ScopedPool;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let schema = Schema::builder().tenant_table("products", "store_id").build()?;
/// let db = ScopedPool::new(sqlx::PgPool::connect("postgres://localhost/shop").await?, schema);
/// let names: Vec<String> = multitenant::with_tenant(7_i64, async {
///     sqlx::query_scalar("SELECT name FROM products ORDER BY id").fetch_all(&db).await
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ScopedPool<DB: Database> {
    pool: Pool<DB>,
    shared: Arc<Shared>,
}

impl<DB: Database> Clone for ScopedPool<DB> {
    fn clone(&self) -> Self {
        Self { pool: self.pool.clone(), shared: Arc::clone(&self.shared) }
    }
}

impl<DB: Backend> ScopedPool<DB> {
    /// Scopes the statements run on `pool` by `schema`.
    pub fn new(pool: Pool<DB>, schema: Schema) -> Self {
        Self::builder(schema).build(pool)
    }

    /// A builder, for the settings beyond the schema.
    pub fn builder(schema: Schema) -> Builder<DB> {
        Builder {
            schema,
            cache_capacity: Rewriter::DEFAULT_CACHE_CAPACITY,
            adoption: Adoption::Enforce,
            database: PhantomData,
        }
    }

    /// The rewriter that scopes this pool's statements.
    pub fn rewriter(&self) -> &Rewriter {
        &self.shared.rewriter
    }

    /// A connection from the pool whose statements are scoped too.
    pub async fn acquire(&self) -> Result<ScopedConnection<DB>, Error> {
        let conn = self.pool.acquire().await.map_err(Error::Sqlx)?;
        Ok(ScopedConnection::new(conn, Arc::clone(&self.shared)))
    }

    /// Begins a transaction on a connection from the pool; its statements are scoped too.
    pub async fn begin(&self) -> Result<ScopedTransaction<'static, DB>, Error> {
        let tx = self.pool.begin().await.map_err(Error::Sqlx)?;
        ScopedTransaction::begun(tx, Arc::clone(&self.shared)).await
    }
}

/// Settings of a [`ScopedPool`]. See [`ScopedPool::builder`].
#[derive(Debug)]
#[must_use = "a builder does nothing until build is called"]
pub struct Builder<DB> {
    schema: Schema,
    cache_capacity: usize,
    adoption: Adoption,
    database: PhantomData<fn() -> DB>,
}

impl<DB: Backend> Builder<DB> {
    /// How many distinct statements the rewriter remembers per mode
    /// (see [`Rewriter::with_cache_capacity`]; 0 disables the cache).
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// What happens to a statement the rewriter refuses: [`Adoption::Enforce`] (the default)
    /// or, as a migration aid only, [`Adoption::LogAndRunUnscoped`].
    pub fn adoption(mut self, adoption: Adoption) -> Self {
        self.adoption = adoption;
        self
    }

    /// The scoped pool over `pool`.
    pub fn build(self, pool: Pool<DB>) -> ScopedPool<DB> {
        let rewriter = Rewriter::with_cache_capacity(self.schema, DB::DIALECT, self.cache_capacity);
        ScopedPool { pool, shared: Arc::new(Shared::new(rewriter, self.adoption)) }
    }
}

impl<'p, DB: Backend> Executor<'p> for &'p ScopedPool<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, DB>,
    {
        exec::fetch_many(&self.shared, &self.pool, query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, DB>,
    {
        exec::fetch_optional(&self.shared, &self.pool, query)
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement, sqlx::Error>>
    where
        'p: 'e,
    {
        exec::prepare_with(&self.shared, &self.pool, sql, parameters)
    }

    #[doc(hidden)]
    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<DB>, sqlx::Error>>
    where
        'p: 'e,
    {
        exec::describe(&self.shared, &self.pool, sql)
    }
}
