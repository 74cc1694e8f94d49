//! The current tenant of a task: set it around a future (or a closure), read it anywhere below.
//!
//! The scope lives in a tokio task-local, so it follows a request through every `.await` but
//! not into `tokio::spawn`ed tasks: use [`spawn`] or [`ScopeExt::in_current_scope`] to carry it
//! across.

use std::future::Future;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::task::futures::TaskLocalFuture;

use crate::TenantId;

tokio::task_local! {
    static SCOPE: Option<Scope>;
}

/// Which rows a task may see: those of a set of tenants, or, explicitly, all of them.
///
/// Cloning is cheap (a reference count).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Rows of these tenants only (never empty).
    Tenants(TenantSet),
    /// Cross-tenant admin work: no tenant filter. See [`unscoped`].
    Unscoped,
}

impl Scope {
    /// The scope of a single tenant.
    pub fn tenant(tenant: impl Into<TenantId>) -> Self {
        Self::Tenants(TenantSet::one(tenant.into()))
    }

    /// The scope of several tenants, or `None` when `tenants` is empty.
    pub fn tenants<I>(tenants: I) -> Option<Self>
    where
        I: IntoIterator,
        I::Item: Into<TenantId>,
    {
        TenantSet::new(tenants).map(Self::Tenants)
    }
}

/// A non-empty set of tenants, in the order given, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantSet(Arc<[TenantId]>);

impl TenantSet {
    /// A set of one tenant.
    pub fn one(tenant: TenantId) -> Self {
        Self(Arc::from([tenant]))
    }

    /// A set of the given tenants, or `None` when there are none.
    pub fn new<I>(tenants: I) -> Option<Self>
    where
        I: IntoIterator,
        I::Item: Into<TenantId>,
    {
        let mut set: Vec<TenantId> = Vec::new();
        for tenant in tenants.into_iter().map(Into::into) {
            if !set.contains(&tenant) {
                set.push(tenant);
            }
        }
        (!set.is_empty()).then(|| Self(set.into()))
    }

    /// The tenants, in the order given.
    pub fn as_slice(&self) -> &[TenantId] {
        &self.0
    }

    /// The only tenant, when the set has exactly one.
    pub fn single(&self) -> Option<&TenantId> {
        match &*self.0 {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Whether `tenant` is in the set.
    pub fn contains(&self, tenant: &TenantId) -> bool {
        self.0.contains(tenant)
    }
}

/// Runs `future` with `tenant` as the current tenant. Nested calls override it for their
/// duration and restore the outer scope afterwards.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let seen = multitenant::with_tenant(42_i64, async { multitenant::current_tenant() }).await;
/// assert_eq!(seen, Some(multitenant::TenantId::from(42_i64)));
/// assert_eq!(multitenant::current_tenant(), None);
/// # }
/// ```
pub fn with_tenant<F: Future>(tenant: impl Into<TenantId>, future: F) -> ScopedFuture<F> {
    with_scope(Scope::tenant(tenant), future)
}

/// Runs `future` scoped to several tenants at once: statements match the rows of any of them.
///
/// An empty list sets no tenant, so statements on tenant tables fail with
/// [`Error::MissingTenant`](crate::Error::MissingTenant) rather than seeing everything.
pub fn with_tenants<I, F>(tenants: I, future: F) -> ScopedFuture<F>
where
    I: IntoIterator,
    I::Item: Into<TenantId>,
    F: Future,
{
    SCOPE.scope(Scope::tenants(tenants), future)
}

/// Runs `future` in explicit cross-tenant mode, for admin work and migrations: statements are
/// not filtered by tenant (joins between tenant tables still get their tenant columns equated,
/// so Citus can run them co-located).
pub fn unscoped<F: Future>(future: F) -> ScopedFuture<F> {
    with_scope(Scope::Unscoped, future)
}

/// Runs `future` in `scope`.
pub fn with_scope<F: Future>(scope: Scope, future: F) -> ScopedFuture<F> {
    SCOPE.scope(Some(scope), future)
}

/// Runs a closure with `tenant` as the current tenant, for blocking code.
///
/// ```
/// let seen = multitenant::with_tenant_sync("acme", multitenant::current_tenant);
/// assert_eq!(seen.map(|t| t.to_string()), Some("acme".to_owned()));
/// ```
pub fn with_tenant_sync<R>(tenant: impl Into<TenantId>, f: impl FnOnce() -> R) -> R {
    with_scope_sync(Scope::tenant(tenant), f)
}

/// Runs a closure in `scope`, for blocking code.
pub fn with_scope_sync<R>(scope: Scope, f: impl FnOnce() -> R) -> R {
    SCOPE.sync_scope(Some(scope), f)
}

/// The current task's scope, if one is set.
pub fn current_scope() -> Option<Scope> {
    SCOPE.try_with(Option::clone).ok().flatten()
}

/// The current tenant, when exactly one is set.
pub fn current_tenant() -> Option<TenantId> {
    SCOPE
        .try_with(|scope| match scope {
            Some(Scope::Tenants(set)) => set.single().cloned(),
            _ => None,
        })
        .ok()
        .flatten()
}

/// Carries a scope into futures that will run elsewhere (a spawned task, a `select!` arm).
pub trait ScopeExt: Future + Sized {
    /// Wraps the future so it runs in the current task's scope, whichever task polls it.
    /// Outside any scope it runs with none: tenant statements fail closed.
    fn in_current_scope(self) -> ScopedFuture<Self>;
}

/// A future that runs in the scope captured when it was made. See [`ScopeExt`].
pub type ScopedFuture<F> = TaskLocalFuture<Option<Scope>, F>;

impl<F: Future> ScopeExt for F {
    fn in_current_scope(self) -> ScopedFuture<Self> {
        SCOPE.scope(current_scope(), self)
    }
}

/// Spawns `future` on the tokio runtime in the current task's scope (`tokio::spawn` alone
/// does not carry task-locals).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_scope())
}
