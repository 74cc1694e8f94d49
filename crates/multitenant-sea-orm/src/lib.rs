//! SeaORM for a multi-tenant schema: a connection that scopes every statement SeaORM sends to
//! the task's current tenant, entities that declare their tenant column, and migration
//! operations that put the tables on Citus.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]
