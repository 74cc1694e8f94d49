//! sqlx executors that scope every statement to the task's current tenant.
//!
//! [`ScopedPool`] wraps an sqlx [`Pool`](sqlx::Pool); `&ScopedPool`, `&mut ScopedConnection`
//! and `&mut ScopedTransaction` are sqlx [`Executor`](sqlx::Executor)s, so `query`,
//! `query_as`, `query_scalar`, their macros, `fetch`, `fetch_all`, `fetch_optional`,
//! `execute` and `prepare` keep their shape. Each statement goes through the core
//! [`Rewriter`](multitenant::Rewriter) with the scope the task runs in
//! ([`multitenant::with_tenant`], or the axum layer per request):
//!
//! - a statement with arguments keeps its SQL text the same for every tenant: the tenant is
//!   bound after the statement's own arguments, so sqlx's per-connection statement cache
//!   serves every tenant;
//! - a statement without arguments (`sqlx::raw_sql`, `execute` of a string) gets the tenant
//!   as a quoted literal;
//! - a refused statement (no tenant set, a construct the rewriter cannot scope) never reaches
//!   the database: the error says why and what to do ([`Error::Refused`]);
//! - a prepared statement is scoped again for the scope current when it runs, so a statement
//!   prepared for one tenant runs correctly for another, or for several; one prepared on a raw
//!   connection is refused ([`Error::UnscopedStatement`]).
//!
//! ```no_run
//! use multitenant::Schema;
//! use multitenant_sqlx::ScopedPool;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let schema = Schema::builder().tenant_table("products", "store_id").build()?;
//! let db = ScopedPool::new(sqlx::SqlitePool::connect("sqlite::memory:").await?, schema);
//! let count: i64 = multitenant::with_tenant(7_i64, async {
//!     sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&db).await
//! })
//! .await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod backend;
mod connection;
mod error;
mod exec;
mod pool;
mod scoped;
mod transaction;

pub use backend::Backend;
pub use connection::ScopedConnection;
pub use error::Error;
pub use pool::{Builder, ScopedPool};
pub use scoped::Adoption;
pub use transaction::ScopedTransaction;
