//! Citus for a multi-tenant schema: the DDL that distributes its tenant tables (co-located,
//! by the tenant column) and makes its reference tables reference tables, in an order Citus
//! accepts with foreign keys and data in place, and back; checks of a live database against
//! the schema and Citus's rules; the schema read back from a live catalog; and operations on
//! tenants once they are there.
//!
//! I/O is sqlx on PostgreSQL; the schema model is the core's [`multitenant::Schema`]. The
//! `multitenant` CLI is a thin shell over this crate.
//!
//! - [`Catalog::read`]: the live catalog (tables, columns, keys, foreign keys, views, and
//!   Citus's distribution of each table).
//!   [`Catalog::read_from`] reads it through any [`CatalogSource`] (an ORM's transaction).
//! - [`Plan::distribute`] / [`Plan::undo`]: the DDL, checked against Citus's rules before any
//!   of it runs; it prints as SQL, and [`Plan::run`] runs it in one transaction ([`apply`] and
//!   [`undo`] read, plan and run in one call).
//! - [`ddl`]: the SQL of composite keys and Citus calls, for any migration tool.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let schema = multitenant::Schema::from_toml_file("multitenant.toml")?;
//! let mut conn = multitenant_citus::connect("postgres://postgres@127.0.0.1:5433/postgres").await?;
//! let catalog = multitenant_citus::Catalog::read(&mut conn).await?;
//! let plan = multitenant_citus::Plan::distribute(&schema, &catalog)?;
//! print!("{plan}");
//! plan.run(&mut conn, |step| eprintln!("{step}")).await?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]
// `Error`'s variants carry their context as plain fields (tables, columns, the statement) for
// callers to match on; errors are the cold path, so their size is not worth boxing them.
#![allow(clippy::result_large_err)]

mod catalog;
mod check;
mod connect;
pub mod ddl;
mod dump;
mod error;
mod functions;
mod plan;
pub mod tenants;
mod validate;

pub use catalog::{
    Catalog, CatalogForeignKey, CatalogFunction, CatalogSource, CatalogTable, CatalogView, Citus, Column,
    Distribution, Key, KeyKind, RoleAccess,
};
pub use check::{Problem, ProblemKind, check, check_database};
pub use connect::connect;
pub use dump::{Dump, DumpOptions, dump, dump_database};
pub use error::{Advice, Error};
pub use plan::{Applied, Plan, Skipped, Step, StepKind, apply, undo};
