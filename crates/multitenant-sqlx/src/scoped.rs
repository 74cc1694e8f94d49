//! The one place a statement becomes what the driver runs: its rewritten SQL, its own
//! arguments, and the tenant bound after them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use multitenant::{Output, Rewriter, Rewritten};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use sqlx::{Database, Execute, Statement};

use crate::{Backend, Error};

/// What a pool and every connection and transaction taken from it share: the rewriter, the
/// settings, and the statements prepared through them.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) rewriter: Rewriter,
    pub(crate) adoption: Adoption,
    /// The SQL of each statement prepared through a scoped executor, by its rewritten SQL.
    prepared: RwLock<HashMap<Arc<str>, Arc<str>>>,
    /// Whether the database is Citus, once a transaction has asked.
    pub(crate) citus: std::sync::OnceLock<bool>,
}

/// What happens to a statement the rewriter refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Adoption {
    /// Refuse it: nothing reaches the database. Always, in production.
    #[default]
    Enforce,
    /// A migration aid for retrofitting an application, never for production: log the refusal
    /// (`warn`, with the reason, no tenant value) and run the statement as written, unscoped.
    /// Run the application in staging like this until nothing is logged, then enforce.
    LogAndRunUnscoped,
}

/// A statement ready for the driver, and what is needed to explain its errors.
pub(crate) struct Plan<DB: Database> {
    pub(crate) query: Scoped<DB>,
    /// The rewrite, when there was one (none when adoption mode ran a refused statement).
    pub(crate) rewritten: Option<Rewritten>,
}

impl Shared {
    pub(crate) fn new(rewriter: Rewriter, adoption: Adoption) -> Self {
        Self { rewriter, adoption, prepared: RwLock::default(), citus: std::sync::OnceLock::new() }
    }

    /// Scopes `query` to the task's current scope.
    ///
    /// With arguments, the tenant is bound after them (one text serves every tenant). Without
    /// (`raw_sql`, a bare string), the tenant is written into the SQL as a literal.
    pub(crate) fn plan<'q, DB: Backend, E: Execute<'q, DB>>(&self, mut query: E) -> Result<Plan<DB>, Error> {
        let mut arguments = query.take_arguments().map_err(Error::Arguments)?;
        let persistent = query.persistent();
        let prepared = match query.statement() {
            Some(statement) => Some(self.original_of(statement.sql().as_str())?),
            None => None,
        };
        let sql = query.sql();
        let original = prepared.as_deref().unwrap_or(sql.as_str());
        let scope = multitenant::current_scope();
        // Bound values cannot be read back once encoded, so the database checks each one that
        // fills a tenant column (guarded output); without arguments the tenant is a literal.
        let output = if arguments.is_some() { Output::Guarded } else { Output::Inline };
        let rewritten = match self.rewriter.rewrite_in(scope.as_ref(), original, output) {
            Ok(rewritten) => rewritten,
            Err(refusal) if self.adoption == Adoption::LogAndRunUnscoped => {
                // The SQL may hold tenant values: it goes to debug, the reason without them to warn.
                tracing::warn!(
                    reason = %refusal.without_tenant_values(),
                    "multitenant adoption mode: running a refused statement unscoped; it would be refused"
                );
                tracing::debug!(sql = original, "multitenant adoption mode: the refused statement");
                let sql = AssertSqlSafe(original.to_owned()).into_sql_str();
                return Ok(Plan { query: Scoped { sql, arguments, persistent }, rewritten: None });
            }
            Err(refusal) => return Err(refusal.into()),
        };
        if let (Some(arguments), Some(tenant)) = (arguments.as_mut(), rewritten.tenant_parameter()) {
            DB::bind_tenant(arguments, tenant.binding()).map_err(Error::Arguments)?;
        }
        let sql = AssertSqlSafe(rewritten.sql().to_owned()).into_sql_str();
        Ok(Plan { query: Scoped { sql, arguments, persistent }, rewritten: Some(rewritten) })
    }

    /// Scopes `sql` for preparing, and remembers it, so the prepared statement can run later.
    pub(crate) fn plan_prepare(&self, sql: SqlStr) -> Result<SqlStr, Error> {
        let scoped: Arc<str> = self.scope_text(sql.as_str())?.into();
        let original: Arc<str> = sql.as_str().into();
        self.prepared.write().unwrap_or_else(|e| e.into_inner()).insert(Arc::clone(&scoped), original);
        Ok(AssertSqlSafe(scoped).into_sql_str())
    }

    /// `sql` scoped for the current scope, with the tenant as a parameter.
    pub(crate) fn scope_text(&self, sql: &str) -> Result<String, Error> {
        let scope = multitenant::current_scope();
        Ok(self.rewriter.rewrite_in(scope.as_ref(), sql, Output::Guarded)?.sql().to_owned())
    }

    /// The SQL a statement prepared through a scoped executor was prepared from. It is scoped
    /// again for the scope current now, which may not be the one it was prepared in.
    fn original_of(&self, prepared: &str) -> Result<Arc<str>, Error> {
        let known = self.prepared.read().unwrap_or_else(|e| e.into_inner());
        known.get(prepared).cloned().ok_or(Error::UnscopedStatement)
    }
}

/// A scoped statement as sqlx runs it: rewritten SQL and the arguments with the tenant.
pub(crate) struct Scoped<DB: Database> {
    sql: SqlStr,
    arguments: Option<DB::Arguments>,
    persistent: bool,
}

impl<'q, DB: Database> Execute<'q, DB> for Scoped<DB> {
    fn sql(self) -> SqlStr {
        self.sql
    }

    fn statement(&self) -> Option<&DB::Statement> {
        None
    }

    fn take_arguments(&mut self) -> Result<Option<DB::Arguments>, sqlx::error::BoxDynError> {
        Ok(self.arguments.take())
    }

    fn persistent(&self) -> bool {
        self.persistent
    }
}
