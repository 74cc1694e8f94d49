//! What every scoped executor does with a statement: scope it, run it on the executor it wraps
//! inside the statement's span, and explain a failure.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::{self, BoxFuture};
use futures_util::stream::{self, BoxStream, Stream};
use futures_util::{FutureExt, StreamExt, TryFutureExt};
use multitenant::Rewritten;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use sqlx::{Database, Describe, Either, Execute, Executor};
use tracing::{Instrument, Span};

use crate::scoped::{Plan, Shared};
use crate::{Backend, Error};

type Step<DB> = Either<<DB as Database>::QueryResult, <DB as Database>::Row>;

/// A statement's span: its kind, its tenant and whether its rewrite was cached. The span is
/// at debug level, so no tenant value reaches a log above debug; the SQL that is sent is a
/// debug event inside it.
fn span<DB: Database>(plan: &Result<Plan<DB>, Error>) -> Span {
    let Ok(Plan { rewritten: Some(rewritten), .. }) = plan else {
        return tracing::debug_span!("multitenant.statement", kind = "refused");
    };
    let span = tracing::debug_span!(
        "multitenant.statement",
        kind = rewritten.kind().name(),
        scope = ?rewritten.scope(),
        cache_hit = rewritten.cache_hit(),
    );
    span.in_scope(|| tracing::debug!(sql = rewritten.sql(), "scoped"));
    span
}

/// Streams the results of `query` from `inner`, scoped for the scope current when the stream
/// is first polled (as a future reads it: a statement built outside `with_tenant` and
/// awaited inside runs for that tenant).
pub(crate) fn fetch_many<'e, 'q: 'e, DB, X, E>(
    shared: &'e Shared,
    inner: X,
    query: E,
) -> BoxStream<'e, Result<Step<DB>, sqlx::Error>>
where
    DB: Backend,
    X: Executor<'e, Database = DB> + 'e,
    E: 'q + Execute<'q, DB>,
{
    stream::once(async move { Prepared::new(shared, query).fetch_many(inner) }).flatten().boxed()
}

/// Fetches at most one row of `query` from `inner`, scoped when first polled.
pub(crate) fn fetch_optional<'e, 'q: 'e, DB, X, E>(
    shared: &'e Shared,
    inner: X,
    query: E,
) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
where
    DB: Backend,
    X: Executor<'e, Database = DB> + 'e,
    E: 'q + Execute<'q, DB>,
{
    Box::pin(async move { Prepared::new(shared, query).fetch_optional(inner).await })
}

/// A statement scoped for the task's current scope (or refused), with its span.
pub(crate) struct Prepared<DB: Database> {
    plan: Result<Plan<DB>, Error>,
    span: Span,
}

impl<DB: Backend> Prepared<DB> {
    pub(crate) fn new<'q, E: Execute<'q, DB>>(shared: &Shared, query: E) -> Self {
        let plan = shared.plan(query);
        let span = span(&plan);
        Self { plan, span }
    }

    /// Whether the statement may span tenants (run unscoped, or with several tenants set): on
    /// Citus, a multi-shard statement. A statement run unscoped in adoption mode counts.
    pub(crate) fn spans_tenants(&self) -> bool {
        match &self.plan {
            Ok(Plan { rewritten: Some(rewritten), .. }) => !rewritten.is_single_tenant(),
            Ok(Plan { rewritten: None, .. }) => true,
            Err(_) => false,
        }
    }

    /// Streams the statement's results from `inner`.
    pub(crate) fn fetch_many<'e, X>(self, inner: X) -> Steps<'e, DB>
    where
        X: Executor<'e, Database = DB> + 'e,
    {
        match self.plan {
            Ok(Plan { query, rewritten }) => {
                Steps::Running { steps: inner.fetch_many(query), rewritten, span: self.span }
            }
            Err(refusal) => Steps::Refused(Some(refusal)),
        }
    }

    /// Fetches at most one row of the statement's results from `inner`.
    pub(crate) fn fetch_optional<'e, X>(self, inner: X) -> BoxFuture<'e, Result<Option<DB::Row>, sqlx::Error>>
    where
        X: Executor<'e, Database = DB> + 'e,
    {
        match self.plan {
            Ok(Plan { query, rewritten }) => inner
                .fetch_optional(query)
                .map_err(move |e| explain(rewritten.as_ref(), e))
                .instrument(self.span)
                .boxed(),
            Err(refusal) => future::ready(Err(refusal.into())).boxed(),
        }
    }
}

/// Scopes `sql` in the scope current when first polled and prepares it on `inner`. Running
/// the statement later scopes its SQL again for the scope current then.
pub(crate) fn prepare_with<'e, DB, X>(
    shared: &'e Shared,
    inner: X,
    sql: SqlStr,
    parameters: &'e [DB::TypeInfo],
) -> BoxFuture<'e, Result<DB::Statement, sqlx::Error>>
where
    DB: Backend,
    X: Executor<'e, Database = DB> + 'e,
{
    Box::pin(async move {
        let scoped = shared.plan_prepare(sql)?;
        inner.prepare_with(scoped, parameters).await
    })
}

/// Describes `sql` as scoped for the scope current when first polled (what sqlx's macros ask
/// a database).
pub(crate) fn describe<'e, DB, X>(
    shared: &'e Shared,
    inner: X,
    sql: SqlStr,
) -> BoxFuture<'e, Result<Describe<DB>, sqlx::Error>>
where
    DB: Backend,
    X: Executor<'e, Database = DB> + 'e,
{
    Box::pin(async move {
        let scoped = shared.scope_text(sql.as_str())?;
        inner.describe(AssertSqlSafe(scoped).into_sql_str()).await
    })
}

/// A database error, as the refusal it stands for when it is the failure of a guard the
/// rewrite put in the SQL (a bound value that is not a current tenant).
fn explain(rewritten: Option<&Rewritten>, error: sqlx::Error) -> sqlx::Error {
    let refusal = match (&error, rewritten) {
        (sqlx::Error::Database(db), Some(rewritten)) => rewritten.guard_failure(db.message()),
        _ => None,
    };
    match refusal {
        Some(refusal) => Error::Refused(refusal).into(),
        None => error,
    }
}

/// A statement's results: the driver's stream polled inside the statement's span (so the
/// driver's events belong to the statement), each error explained; or the refusal, once.
pub(crate) enum Steps<'e, DB: Database> {
    Running { steps: BoxStream<'e, Result<Step<DB>, sqlx::Error>>, rewritten: Option<Rewritten>, span: Span },
    Refused(Option<Error>),
}

impl<DB: Database> Stream for Steps<'_, DB> {
    type Item = Result<Step<DB>, sqlx::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut *self {
            Steps::Running { steps, rewritten, span } => {
                let _entered = span.enter();
                steps.poll_next_unpin(cx).map_err(|e| explain(rewritten.as_ref(), e))
            }
            Steps::Refused(refusal) => Poll::Ready(refusal.take().map(|refusal| Err(refusal.into()))),
        }
    }
}
