//! Fail-closed multi-tenancy for SQL on one shared schema, and for Citus.
//!
//! Every tenant's rows live in the same tables, told apart by a tenant column such as
//! `company_id`. This crate is the core, with no I/O of its own:
//!
//! - a per-task tenant [`Scope`] ([`with_tenant`], [`with_tenants`], [`unscoped`]);
//! - a [`Schema`]: which tables are tenant tables, by which column, which are reference
//!   tables, and the foreign keys that join them;
//! - a [`Rewriter`] that scopes every tenant-table reference in a statement to the current
//!   tenant, binding the tenant as one more parameter, or refuses the statement;
//! - an [`audit()`] that proves a rewritten statement is scoped.
//!
//! No tenant set means an error ([`Error::MissingTenant`]), never "all tenants".
//!
//! ```
//! use multitenant::{Dialect, Rewriter, Schema};
//!
//! let schema = Schema::from_toml_str(r#"
//!     [tables.ads]
//!     tenant_column = "company_id"
//!     [tables.campaigns]
//!     tenant_column = "company_id"
//! "#)?;
//! let rewriter = Rewriter::new(schema, Dialect::Postgres);
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! multitenant::with_tenant(42_i64, async {
//!     let scoped = rewriter.rewrite("SELECT * FROM ads JOIN campaigns c ON ads.campaign_id = c.id")?;
//!     assert_eq!(
//!         scoped.sql(),
//!         "SELECT * FROM ads JOIN campaigns c ON ads.campaign_id = c.id \
//!          WHERE ads.company_id = $1 AND c.company_id = $1",
//!     );
//!     Ok::<_, multitenant::Error>(())
//! }).await
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod audit;
pub mod citus;
mod context;
mod dialect;
mod error;
mod functions;
mod guard;
mod parse;
mod rewrite;
mod schema;
mod syntax;
mod tenant;
mod tenant_type;

pub use audit::{AuditError, Problem, audit, audit_sql};
pub use context::{
    Scope, ScopeExt, ScopedFuture, TenantSet, current_scope, current_tenant, spawn, unscoped, with_scope,
    with_scope_sync, with_tenant, with_tenant_sync, with_tenants,
};
pub use dialect::{Dialect, TenantSetBinding};
pub use error::Error;
pub use functions::{UnscopableFunction, unscopable_functions};
pub use rewrite::{Output, Rewriter, Rewritten, StatementKind, TenantBinding, TenantParameter};
pub use schema::{ForeignKey, Resolved, Schema, SchemaBuilder, SchemaError, Table, TableKind, TableName};
pub use tenant::TenantId;
pub use tenant_type::{InvalidTenant, TenantType, UnknownTenantType};
