//! The one place a SeaORM statement becomes what the database runs: its rewritten SQL, its own
//! values (each one that fills a tenant column checked), and the tenant after them; and how the
//! connection and its transactions run it on what they wrap, inside the statement's span.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use multitenant::citus::{IS_CITUS, SEQUENTIAL_MODE};
use multitenant::{Dialect, Output, Rewriter, Rewritten, Scope, TenantType};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement, StreamTrait,
    Values,
};
use tracing::{Instrument, Span};

use crate::Error;
use crate::values::{tenant_of, tenant_value};

/// A stream of rows as the scoped connection and its transactions return it.
pub type ScopedStream<'a> = Pin<Box<dyn Stream<Item = Result<QueryResult, DbErr>> + Send + 'a>>;

/// What a connection and every transaction begun on it share: the rewriter, the backend whose
/// SQL it parses, and whether the database is Citus, once a transaction has asked.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) rewriter: Rewriter,
    pub(crate) backend: DbBackend,
    citus: OnceLock<bool>,
}

/// Where a statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Within {
    /// A statement of its own, or a transaction on a database that is not Citus.
    Plain,
    /// A transaction on Citus: a statement that spans tenants first switches it to sequential
    /// mode ([`SEQUENTIAL_MODE`]); one tenant's statements route to one shard and never need it.
    CitusTransaction,
}

/// A statement ready for the wrapped connection, with its span and whether it spans tenants
/// (run unscoped or for several, so multi-shard on Citus).
struct Planned<S> {
    statement: S,
    span: Span,
    spans_tenants: bool,
}

impl<S> Planned<S> {
    fn of(statement: S, rewritten: &Rewritten) -> Self {
        Self { statement, span: span(rewritten), spans_tenants: !rewritten.is_single_tenant() }
    }

    /// Switches a Citus transaction to sequential mode when this statement needs it.
    async fn prepare<C: ConnectionTrait>(&self, inner: &C, within: Within) -> Result<(), DbErr> {
        if within == Within::CitusTransaction && self.spans_tenants {
            inner.execute_unprepared(SEQUENTIAL_MODE).instrument(self.span.clone()).await?;
        }
        Ok(())
    }
}

/// The rewriter's dialect for SeaORM's `backend`; MySQL has none.
pub(crate) fn dialect_of(backend: DbBackend) -> Result<Dialect, Error> {
    match backend {
        DbBackend::Postgres => Ok(Dialect::Postgres),
        DbBackend::Sqlite => Ok(Dialect::Sqlite),
        other => Err(Error::UnsupportedBackend { backend: format!("{other:?}") }),
    }
}

impl Shared {
    /// Shared state for a connection to `backend`, refusing a rewriter of another dialect.
    pub(crate) fn new(rewriter: Rewriter, backend: DbBackend) -> Result<Self, Error> {
        let dialect = dialect_of(backend)?;
        if rewriter.dialect() != dialect {
            let (rewriter, connection) = (format!("{:?}", rewriter.dialect()), format!("{backend:?}"));
            return Err(Error::DialectMismatch { rewriter, connection });
        }
        Ok(Self { rewriter, backend, citus: OnceLock::new() })
    }

    /// Where the statements of `transaction`, just begun, run: asks the database once per
    /// connection whether it is Citus (`pg_extension`).
    pub(crate) async fn within(&self, transaction: &DatabaseTransaction) -> Result<Within, DbErr> {
        let citus = match (self.backend, self.citus.get()) {
            (DbBackend::Postgres, None) => {
                let is_citus = Statement::from_string(self.backend, IS_CITUS);
                let row = transaction.query_one_raw(is_citus).await?;
                let found = row.map(|row| row.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false);
                *self.citus.get_or_init(|| found)
            }
            (DbBackend::Postgres, Some(&known)) => known,
            _ => false,
        };
        Ok(if citus { Within::CitusTransaction } else { Within::Plain })
    }

    /// `statement` scoped to the task's current scope, with its span; or the refusal.
    ///
    /// The tenant is bound after the statement's own values (so one SQL text serves every
    /// tenant), after checking each own value that fills a tenant column.
    fn plan(&self, statement: Statement) -> Result<Planned<Statement>, Error> {
        if statement.db_backend != self.backend {
            let (statement, connection) =
                (format!("{:?}", statement.db_backend), format!("{:?}", self.backend));
            return Err(Error::BackendMismatch { statement, connection });
        }
        let scope = multitenant::current_scope();
        let rewritten = self.rewriter.rewrite_in(scope.as_ref(), &statement.sql, Output::Bind)?;
        let had_values = statement.values.is_some();
        let mut values = statement.values.map(|v| v.0).unwrap_or_default();
        self.check_guarded(&rewritten, &values)?;
        if let Some(tenant) = rewritten.tenant_parameter() {
            if values.len() + 1 != tenant.index() {
                return Err(Error::ParameterCount { placeholders: tenant.index() - 1, values: values.len() });
            }
            values.push(tenant_value(tenant.binding(), self.backend)?);
        }
        let values = (had_values || !values.is_empty()).then_some(Values(values));
        let statement = Statement { sql: rewritten.sql().to_owned(), values, db_backend: self.backend };
        Ok(Planned::of(statement, &rewritten))
    }

    /// `sql` (which has no values) scoped with the tenant written into it as a literal.
    fn plan_unprepared(&self, sql: &str) -> Result<Planned<String>, Error> {
        let scope = multitenant::current_scope();
        let rewritten = self.rewriter.rewrite_in(scope.as_ref(), sql, Output::Inline)?;
        // No values: a parameter in a tenant column cannot be checked, so it is refused.
        if let Some(&index) = rewritten.guarded_parameters().first() {
            return Err(Error::ParameterCount { placeholders: index, values: 0 });
        }
        Ok(Planned::of(rewritten.sql().to_owned(), &rewritten))
    }

    /// Checks every own value that fills a tenant column: it must be a current tenant.
    fn check_guarded(&self, rewritten: &Rewritten, values: &[sea_orm::Value]) -> Result<(), Error> {
        let expected = self.tenant_type(rewritten);
        for &index in rewritten.guarded_parameters() {
            let Some(value) = index.checked_sub(1).and_then(|i| values.get(i)) else {
                return Err(Error::ParameterCount { placeholders: index, values: values.len() });
            };
            rewritten.check_parameter(index, &tenant_of(value, index, expected)?)?;
        }
        Ok(())
    }

    /// The type of the tenants a statement runs for (the schema's declared type, or bigint,
    /// when no tenant is set: the check then refuses any value).
    fn tenant_type(&self, rewritten: &Rewritten) -> TenantType {
        match rewritten.scope() {
            Some(Scope::Tenants(set)) => set.as_slice().first().map(|t| t.tenant_type()),
            _ => None,
        }
        .or(self.rewriter.schema().tenant_type())
        .unwrap_or(TenantType::BigInt)
    }
}

/// A statement's span: its kind, its scope and whether its rewrite was cached. The span is at
/// debug level, so no tenant value reaches a log above debug; the SQL sent is a debug event.
fn span(rewritten: &Rewritten) -> Span {
    let span = tracing::debug_span!(
        "multitenant.statement",
        kind = rewritten.kind().name(),
        scope = ?rewritten.scope(),
        cache_hit = rewritten.cache_hit(),
    );
    span.in_scope(|| tracing::debug!(sql = rewritten.sql(), "scoped"));
    span
}

/// The span of a statement that was refused, with the reason (without tenant values).
fn refused(error: &Error) {
    let reason = match error {
        Error::Refused(refusal) => refusal.without_tenant_values(),
        other => other.to_string(),
    };
    let span = tracing::debug_span!("multitenant.statement", kind = "refused");
    span.in_scope(|| tracing::debug!(%reason, "refused"));
}

/// `statement`, planned, or the refusal as the `DbErr` of a query (`exec`: of an execute).
fn planned(shared: &Shared, statement: Statement, exec: bool) -> Result<Planned<Statement>, DbErr> {
    shared.plan(statement).map_err(|e| into_db_err(e, exec))
}

fn into_db_err(error: Error, exec: bool) -> DbErr {
    refused(&error);
    if exec { error.into_exec_err() } else { error.into_query_err() }
}

/// Runs `statement`, scoped, on `inner`.
pub(crate) async fn execute<C: ConnectionTrait>(
    shared: &Shared,
    inner: &C,
    within: Within,
    statement: Statement,
) -> Result<ExecResult, DbErr> {
    let planned = planned(shared, statement, true)?;
    planned.prepare(inner, within).await?;
    inner.execute_raw(planned.statement).instrument(planned.span).await
}

/// Runs `sql`, scoped with the tenant as a literal, on `inner`.
pub(crate) async fn execute_unprepared<C: ConnectionTrait>(
    shared: &Shared,
    inner: &C,
    within: Within,
    sql: &str,
) -> Result<ExecResult, DbErr> {
    let planned = shared.plan_unprepared(sql).map_err(|e| into_db_err(e, true))?;
    planned.prepare(inner, within).await?;
    inner.execute_unprepared(&planned.statement).instrument(planned.span).await
}

/// Fetches at most one row of `statement`, scoped, from `inner`.
pub(crate) async fn query_one<C: ConnectionTrait>(
    shared: &Shared,
    inner: &C,
    within: Within,
    statement: Statement,
) -> Result<Option<QueryResult>, DbErr> {
    let planned = planned(shared, statement, false)?;
    planned.prepare(inner, within).await?;
    inner.query_one_raw(planned.statement).instrument(planned.span).await
}

/// Fetches every row of `statement`, scoped, from `inner`.
pub(crate) async fn query_all<C: ConnectionTrait>(
    shared: &Shared,
    inner: &C,
    within: Within,
    statement: Statement,
) -> Result<Vec<QueryResult>, DbErr> {
    let planned = planned(shared, statement, false)?;
    planned.prepare(inner, within).await?;
    inner.query_all_raw(planned.statement).instrument(planned.span).await
}

/// Streams the rows of `statement`, scoped, from `inner`; the stream is polled in the
/// statement's span.
pub(crate) async fn stream<'a, C: StreamTrait + ConnectionTrait>(
    shared: &Shared,
    inner: &'a C,
    within: Within,
    statement: Statement,
) -> Result<ScopedStream<'a>, DbErr> {
    let planned = planned(shared, statement, false)?;
    planned.prepare(inner, within).await?;
    let Planned { statement, span, .. } = planned;
    let rows = inner.stream_raw(statement).instrument(span.clone()).await?;
    Ok(Box::pin(InSpan { inner: Box::pin(rows), span }))
}

/// A stream polled inside a span, so the driver's events belong to the statement.
struct InSpan<S> {
    inner: Pin<Box<S>>,
    span: Span,
}

impl<S: Stream> Stream for InSpan<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        this.inner.poll_next_unpin(cx)
    }
}

#[cfg(test)]
mod tests {
    use multitenant::Schema;

    use super::*;

    fn rewriter(dialect: Dialect) -> Rewriter {
        let schema = Schema::builder().tenant_table("products", "store_id").build();
        Rewriter::new(schema.expect("valid schema"), dialect)
    }

    #[test]
    fn mysql_is_refused() {
        let refused = Shared::new(rewriter(Dialect::Postgres), DbBackend::MySql);
        assert!(matches!(refused, Err(Error::UnsupportedBackend { ref backend }) if backend == "MySql"));
    }

    #[test]
    fn a_rewriter_of_another_dialect_is_refused() {
        let refused = Shared::new(rewriter(Dialect::Sqlite), DbBackend::Postgres);
        assert!(matches!(refused, Err(Error::DialectMismatch { .. })));
    }

    #[test]
    fn a_statement_built_for_another_backend_is_refused() {
        let shared = Shared::new(rewriter(Dialect::Postgres), DbBackend::Postgres).expect("shared");
        let statement = Statement::from_string(DbBackend::Sqlite, "SELECT * FROM products");
        let refused = multitenant::with_tenant_sync(1_i64, || shared.plan(statement).map(drop));
        assert!(matches!(refused, Err(Error::BackendMismatch { .. })));
    }

    #[test]
    fn the_tenant_follows_the_statements_own_values() {
        let shared = Shared::new(rewriter(Dialect::Postgres), DbBackend::Postgres).expect("shared");
        let sql = "SELECT name FROM products WHERE id = $1";
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, [5_i64.into()]);
        let planned =
            multitenant::with_tenant_sync(7_i64, || shared.plan(statement)).expect("planned").statement;
        assert_eq!(planned.sql, "SELECT name FROM products WHERE id = $1 AND products.store_id = $2");
        assert_eq!(planned.values, Some(Values(vec![5_i64.into(), 7_i64.into()])));
    }

    #[test]
    fn several_tenants_are_one_array_on_postgres() {
        let shared = Shared::new(rewriter(Dialect::Postgres), DbBackend::Postgres).expect("shared");
        let statement = Statement::from_string(DbBackend::Postgres, "SELECT name FROM products");
        let scope = Scope::tenants([1_i64, 2]).expect("two tenants");
        let planned = multitenant::with_scope_sync(scope, || shared.plan(statement)).expect("planned");
        assert!(planned.spans_tenants);
        let planned = planned.statement;
        assert_eq!(planned.values, Some(Values(vec![vec![1_i64, 2].into()])));
    }

    #[test]
    fn unprepared_sql_gets_the_tenant_as_a_literal() {
        let shared = Shared::new(rewriter(Dialect::Sqlite), DbBackend::Sqlite).expect("shared");
        let planned = multitenant::with_tenant_sync(7_i64, || shared.plan_unprepared("DELETE FROM products"));
        let planned = planned.expect("planned");
        assert_eq!(planned.statement, "DELETE FROM products WHERE products.store_id = 7");
        assert!(!planned.spans_tenants);
    }
}
