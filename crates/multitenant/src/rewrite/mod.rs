//! The rewriter: parses a statement, scopes every tenant-table reference to the current
//! tenant(s), and prints it back, with the tenant bound as one more parameter.
//!
//! [`Rewriter`] owns the schema, the dialect and a bounded cache of rewrites; [`Rewritten`] is
//! what the driver runs. The walk over the syntax tree lives in the submodules.

mod cache;
mod engine;
mod kind;

use std::cell::Cell;
use std::sync::Arc;

use crate::{Dialect, Error, Schema, Scope, TenantId, TenantSet, TenantSetBinding};
use cache::{Cache, CacheMode};
pub(crate) use engine::Template;
pub use kind::StatementKind;

/// How the tenant appears in the rewritten SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Output {
    /// As one more bound parameter (`$n` / `?n`): one prepared statement serves every tenant.
    #[default]
    Bind,
    /// As a quoted literal, for the CLI and for drivers that cannot bind.
    Inline,
    /// As [`Bind`](Self::Bind), and each of the statement's own parameters that fills a tenant
    /// column is wrapped, there, in a guard the database evaluates: the value when it is a
    /// current tenant, otherwise an error, so the statement fails and writes nothing. Nothing is
    /// left for the driver to check ([`Rewritten::guarded_parameters`] is empty), which suits
    /// drivers that cannot read back the values they bind; [`Rewritten::guard_failure`] turns
    /// the database's error into [`Error::ForeignTenantGuard`].
    ///
    /// ```
    /// use multitenant::{Dialect, Output, Rewriter, Schema, Scope};
    ///
    /// let schema = Schema::builder().tenant_table("ads", "company_id").build()?;
    /// let rewriter = Rewriter::new(schema, Dialect::Sqlite);
    /// let sql = "INSERT INTO ads (company_id, id) VALUES (?, ?)";
    /// let guarded = rewriter.rewrite_in(Some(&Scope::tenant(42_i64)), sql, Output::Guarded)?;
    /// assert_eq!(
    ///     guarded.sql(),
    ///     "INSERT INTO ads (company_id, id) VALUES (CASE WHEN ?1 = ?3 THEN ?1 \
    ///      ELSE json_extract('{}', 'multitenant: parameter 1 is not a current tenant') END, ?2)",
    /// );
    /// assert!(guarded.guarded_parameters().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Guarded,
}

impl Output {
    /// Whether the tenant is bound as a parameter (not written into the SQL).
    pub(crate) fn binds_tenant(self) -> bool {
        matches!(self, Self::Bind | Self::Guarded)
    }
}

/// Scopes SQL statements to the current tenant.
///
/// ```
/// use multitenant::{Dialect, Rewriter, Schema};
///
/// let schema = Schema::builder()
///     .tenant_table("ads", "company_id")
///     .build()?;
/// let rewriter = Rewriter::new(schema, Dialect::Postgres);
/// let scoped = multitenant::with_tenant_sync(42_i64, || rewriter.rewrite("SELECT * FROM ads WHERE id = $1"))?;
/// assert_eq!(scoped.sql(), "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2");
/// assert_eq!(scoped.tenant_parameter().map(|p| p.index()), Some(2));
/// # Ok::<(), multitenant::Error>(())
/// ```
#[derive(Debug)]
pub struct Rewriter {
    schema: Arc<Schema>,
    dialect: Dialect,
    cache: Cache,
}

impl Rewriter {
    /// The default number of distinct statements remembered per mode.
    pub const DEFAULT_CACHE_CAPACITY: usize = 1024;

    /// A rewriter for `schema`, parsing SQL written for `dialect`.
    pub fn new(schema: Schema, dialect: Dialect) -> Self {
        Self::with_cache_capacity(schema, dialect, Self::DEFAULT_CACHE_CAPACITY)
    }

    /// Like [`new`](Self::new), remembering about `capacity` statements per mode (and per bound
    /// output, [`Output::Bind`] or [`Output::Guarded`]) in a cache all
    /// threads share (0 disables caching). Each thread that rewrites also keeps the statements
    /// it uses most in a front cache of its own, at most 512 KiB for all rewriters together, so a
    /// repeated statement touches no memory that another thread writes.
    pub fn with_cache_capacity(schema: Schema, dialect: Dialect, capacity: usize) -> Self {
        Self { schema: Arc::new(schema), dialect, cache: Cache::new(capacity) }
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Scopes `sql` to the current task's scope (see [`with_tenant`](crate::with_tenant)), with
    /// the tenant as a bound parameter.
    pub fn rewrite(&self, sql: &str) -> Result<Rewritten, Error> {
        self.rewrite_in(crate::current_scope().as_ref(), sql, Output::Bind)
    }

    /// Scopes `sql` to `scope` (`None`: no tenant set), printing the tenant as `output` says.
    pub fn rewrite_in(&self, scope: Option<&Scope>, sql: &str, output: Output) -> Result<Rewritten, Error> {
        if let Some(Scope::Tenants(set)) = scope {
            check_uniform(set)?;
        }
        let parsed = Cell::new(false);
        let rewrite = || {
            parsed.set(true);
            engine::rewrite(sql, &self.request(scope, output))
        };
        let template = match CacheMode::of(scope, output) {
            Some(mode) => self.cache.get_or_rewrite(mode, sql, rewrite)?,
            None => Arc::new(rewrite()?),
        };
        let scope = scope.cloned();
        let rewritten = Rewritten { template, scope, dialect: self.dialect, cache_hit: !parsed.get() };
        rewritten.template.check_literals(rewritten.tenants())?;
        Ok(rewritten)
    }

    fn request<'a>(&'a self, scope: Option<&'a Scope>, output: Output) -> engine::Request<'a> {
        engine::Request { schema: &self.schema, dialect: self.dialect, scope, output }
    }
}

fn check_uniform(set: &TenantSet) -> Result<(), Error> {
    let mut kinds = set.as_slice().iter().map(TenantId::kind);
    let first = kinds.next().unwrap_or("bigint");
    match kinds.find(|k| *k != first) {
        Some(second) => Err(Error::MixedTenantKinds { first, second }),
        None => Ok(()),
    }
}

/// A scoped statement, ready for the driver: its SQL, and what to bind for the tenant.
#[derive(Debug, Clone)]
#[must_use = "a rewritten statement does nothing until it is run"]
pub struct Rewritten {
    template: Arc<Template>,
    scope: Option<Scope>,
    dialect: Dialect,
    cache_hit: bool,
}

impl Rewritten {
    /// The SQL to run.
    pub fn sql(&self) -> &str {
        self.template.sql()
    }

    /// What kind of statement it is: whether it changes rows, and its name for logs.
    pub fn kind(&self) -> StatementKind {
        self.template.kind()
    }

    /// Whether the rewrite came from the cache, so this call parsed nothing (for logs and
    /// metrics).
    ///
    /// ```
    /// use multitenant::{Dialect, Output, Rewriter, Schema, Scope};
    ///
    /// let rewriter = Rewriter::new(Schema::builder().tenant_table("ads", "company_id").build()?, Dialect::Postgres);
    /// let scope = Scope::tenant(7_i64);
    /// let first = rewriter.rewrite_in(Some(&scope), "SELECT * FROM ads", Output::Bind)?;
    /// let again = rewriter.rewrite_in(Some(&scope), "SELECT * FROM ads", Output::Bind)?;
    /// assert!(!first.cache_hit() && again.cache_hit());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cache_hit(&self) -> bool {
        self.cache_hit
    }

    /// The scope it was rewritten for (`None`: no tenant was set).
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref()
    }

    /// Whether the statement is scoped to exactly one tenant. Otherwise (unscoped, several
    /// tenants, or no tenant set, when it touches no tenant table) it may touch several
    /// tenants' rows: on Citus, several shards (see [`citus`](crate::citus)).
    pub fn is_single_tenant(&self) -> bool {
        self.tenants().and_then(TenantSet::single).is_some()
    }

    fn tenants(&self) -> Option<&TenantSet> {
        match &self.scope {
            Some(Scope::Tenants(set)) => Some(set),
            _ => None,
        }
    }

    /// The parameter that carries the tenant, when the statement has one: bind it after the
    /// statement's own arguments.
    pub fn tenant_parameter(&self) -> Option<TenantParameter<'_>> {
        let index = self.template.tenant_parameter()?;
        let tenants = self.tenants()?;
        let binding = match tenants.single() {
            Some(tenant) => TenantBinding::One(tenant),
            None => TenantBinding::Many(tenants.as_slice(), self.dialect.tenant_set_binding()),
        };
        Some(TenantParameter { index, binding })
    }

    /// Parameters (1-based) that fill a tenant column: the executor must check the value it
    /// binds there with [`check_parameter`](Self::check_parameter) before running. Empty for a
    /// rewrite with [`Output::Guarded`], where the database checks them.
    pub fn guarded_parameters(&self) -> &[usize] {
        self.template.guarded_parameters()
    }

    /// The refusal a database error stands for, when `database_message` (the database's error
    /// message) reports the failure of a guard this rewrite put in its SQL ([`Output::Guarded`]):
    /// [`Error::ForeignTenantGuard`], naming the parameter. `None` for any other message.
    ///
    /// ```
    /// use multitenant::{Dialect, Error, Output, Rewriter, Schema, Scope};
    ///
    /// let schema = Schema::builder().tenant_table("ads", "company_id").build()?;
    /// let rewriter = Rewriter::new(schema, Dialect::Postgres);
    /// let sql = "INSERT INTO ads (company_id, id) VALUES ($1, $2)";
    /// let guarded = rewriter.rewrite_in(Some(&Scope::tenant(42_i64)), sql, Output::Guarded)?;
    /// // What PostgreSQL answers when $1 is bound to another tenant:
    /// let message = "invalid input syntax for type integer: \
    ///                \"multitenant: parameter 1 is not a current tenant\"";
    /// assert!(matches!(guarded.guard_failure(message), Some(Error::ForeignTenantGuard { index: 1 })));
    /// assert!(guarded.guard_failure("duplicate key value violates unique constraint").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn guard_failure(&self, database_message: &str) -> Option<Error> {
        let index = crate::guard::index_in(database_message)?;
        let guarded = self.template.guarded_by_database().contains(&index);
        guarded.then_some(Error::ForeignTenantGuard { index })
    }

    /// Checks the value bound at parameter `index`: for a guarded parameter it must be one of
    /// the current tenants; other parameters are not checked.
    pub fn check_parameter(&self, index: usize, value: &TenantId) -> Result<(), Error> {
        if !self.guarded_parameters().contains(&index) {
            return Ok(());
        }
        match self.tenants() {
            Some(set) if set.contains(value) => Ok(()),
            _ => Err(Error::ForeignTenantParameter { index, value: value.to_string() }),
        }
    }
}

/// The parameter that carries the tenant. See [`Rewritten::tenant_parameter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantParameter<'a> {
    index: usize,
    binding: TenantBinding<'a>,
}

impl<'a> TenantParameter<'a> {
    /// The 1-based parameter number (`$n` / `?n`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// What to bind there.
    pub fn binding(&self) -> TenantBinding<'a> {
        self.binding
    }
}

/// What to bind for the tenant parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TenantBinding<'a> {
    /// The single current tenant.
    One(&'a TenantId),
    /// Several tenants, bound in the form the dialect takes (an array, or JSON array text).
    Many(&'a [TenantId], TenantSetBinding),
}

impl TenantBinding<'_> {
    /// Several tenants as the text of a JSON array (`[1,2]`, `["a","b"]`), for SQLite.
    pub fn json_array(tenants: &[TenantId]) -> String {
        let items: Vec<String> = tenants
            .iter()
            .map(|t| match t {
                TenantId::I64(v) => v.to_string(),
                TenantId::I32(v) => v.to_string(),
                other => json_string(&other.to_string()),
            })
            .collect();
        format!("[{}]", items.join(","))
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
