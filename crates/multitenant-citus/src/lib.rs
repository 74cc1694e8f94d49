//! Citus for a multi-tenant schema: the DDL that distributes its tenant tables (co-located,
//! by the tenant column) and makes its reference tables reference tables, in an order Citus
//! accepts with foreign keys and data in place, and back; checks of a live database against
//! the schema and Citus's rules; the schema read back from a live catalog; and operations on
//! tenants once they are there.
//!
//! I/O is sqlx on PostgreSQL; the schema model is the core's [`multitenant::Schema`]. The
//! `multitenant` CLI is a thin shell over this crate.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod catalog;
mod check;
mod dump;
mod error;
mod functions;

pub use catalog::{
    Catalog, CatalogForeignKey, CatalogFunction, CatalogTable, CatalogView, Citus, Column, Distribution, Key,
    KeyKind, RoleAccess,
};
pub use check::{Problem, ProblemKind, check, check_database};
pub use dump::{Dump, DumpOptions, dump, dump_database};
pub use error::{Advice, Error};
