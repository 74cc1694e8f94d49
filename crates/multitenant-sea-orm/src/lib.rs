//! SeaORM for a multi-tenant schema: a connection that scopes every statement SeaORM sends to
//! the task's current tenant.
//!
//! [`ScopedDatabase`] wraps a SeaORM [`DatabaseConnection`](sea_orm::DatabaseConnection)
//! (PostgreSQL, Citus, or SQLite) and implements SeaORM's
//! [`ConnectionTrait`](sea_orm::ConnectionTrait), [`StreamTrait`](sea_orm::StreamTrait) and
//! [`TransactionTrait`](sea_orm::TransactionTrait), so `find`, `find_related`, loaders,
//! paginators, `insert`, `save`, `update_many`, `delete_many`, `find_by_statement`, raw
//! statements, streams and transactions ([`ScopedTransaction`]) keep their shape. Each statement
//! goes through the core [`Rewriter`](multitenant::Rewriter) with the scope the task runs in
//! ([`multitenant::with_tenant`], or the axum layer per request):
//!
//! - a statement with values (everything SeaORM builds) keeps one SQL text for every tenant:
//!   the tenant is bound after the statement's own values;
//! - each value the statement writes to a tenant column (an insert's `store_id`, a full-row
//!   save's `SET store_id = ..`) is read back and checked: another tenant's id, NULL or a value
//!   of another type is refused;
//! - `execute_unprepared` (no values) gets the tenant as a quoted literal;
//! - a refused statement (no tenant set, another tenant's id, a construct the rewriter cannot
//!   scope) never reaches the database: the `DbErr` carries an [`Error`] that says why and what
//!   to do, read back with [`Error::from_db_err`].
//!
//! ```
//! use multitenant::Schema;
//! use multitenant_sea_orm::{Error, ScopedDatabase};
//! use sea_orm::{ConnectionTrait, Statement};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let conn = sea_orm::Database::connect("sqlite::memory:").await?;
//! conn.execute_unprepared(
//!     "CREATE TABLE products (store_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL);
//!      INSERT INTO products VALUES (1, 1, 'north tea'), (2, 1, 'south tea');",
//! )
//! .await?;
//! let schema = Schema::builder().tenant_table("products", "store_id").build()?;
//! let db = ScopedDatabase::new(conn, schema)?;
//! let select = || Statement::from_sql_and_values(db.get_database_backend(), "SELECT name FROM products WHERE id = ?", [1_i64.into()]);
//!
//! let row = multitenant::with_tenant(2_i64, db.query_one_raw(select())).await?;
//! assert_eq!(row.map(|r| r.try_get::<String>("", "name")).transpose()?.as_deref(), Some("south tea"));
//!
//! // No tenant set: refused before anything reaches the database.
//! let refused = db.query_one_raw(select()).await.unwrap_err();
//! assert!(matches!(Error::from_db_err(&refused), Some(Error::Refused(multitenant::Error::MissingTenant { .. }))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Transactions stay scoped: [`TransactionTrait::begin`](sea_orm::TransactionTrait::begin) and
//! the closure form [`transaction`](sea_orm::TransactionTrait::transaction) give a
//! [`ScopedTransaction`], whose own `begin` nests with a savepoint. Admin work that spans
//! tenants (or DDL on tenant tables, which a tenant scope refuses) runs inside
//! [`multitenant::unscoped`].
//!
//! A MySQL connection is refused when the connection is built ([`Error::UnsupportedBackend`]):
//! the rewriter has no MySQL dialect. On SQLite the crate turns on SeaORM's `RETURNING`
//! support (`sqlite-use-returning-for-3_35`; the bundled SQLite is newer), so that an insert
//! that leaves the tenant column to the rewriter reads its row back with the tenant, as on
//! PostgreSQL (without it SeaORM would look the row up by `last_insert_id`, which cannot name
//! a composite key).
//!
//! Logging: each statement has a debug-level span `multitenant.statement` (its kind, scope and
//! whether the rewrite was cached) with the SQL sent as a debug event; nothing this crate logs
//! above debug names a tenant value. `execute_unprepared` writes the tenant into the SQL text,
//! so keep the driver's own statement log (SeaORM's `ConnectOptions::sqlx_logging`) at debug
//! or off where tenant ids must not reach the logs.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("multitenant-sea-orm needs the postgres or the sqlite feature (or both)");

mod connection;
mod entity;
mod error;
mod keys;
#[cfg(feature = "citus")]
mod migration;
mod scope;
mod transaction;
mod values;

pub use connection::ScopedDatabase;
pub use entity::{EntityError, KeyWithoutTenant, ReferenceEntity, TenantEntity, TenantSchema};
pub use error::Error;
pub use keys::{tenant_foreign_key, tenant_owner_foreign_key, tenant_primary_key};
#[cfg(feature = "citus")]
pub use migration::{Distributed, MigrationError, distribute, read_catalog, undistribute};
pub use scope::ScopedStream;
pub use transaction::ScopedTransaction;
