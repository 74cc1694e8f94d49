//! SeaORM for a multi-tenant schema: a connection that scopes every statement SeaORM sends to
//! the task's current tenant, entities that declare their tenant column, and migration
//! operations that put the tables on Citus.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod entity;
mod keys;
#[cfg(feature = "citus")]
mod migration;

pub use entity::{EntityError, ReferenceEntity, TenantEntity, TenantSchema};
pub use keys::{tenant_foreign_key, tenant_owner_foreign_key, tenant_primary_key};
#[cfg(feature = "citus")]
pub use migration::{Distributed, MigrationError, distribute, read_catalog, undistribute};
