//! django-multitenant's documented models on SeaORM: `Store` is the tenant, `Product` and
//! `Purchase` belong to a store, and a purchase's product is a tenant-aware relation (a
//! composite foreign key that includes the store). The entities declare their tenant column
//! beside their definition ([`entities`]), the migrations create the tables and put them on
//! Citus ([`migration`]), and [`schema`] is what the scoped connection scopes by, built from
//! the entities. `src/main.rs` is the program that uses them.

pub mod entities;
pub mod migration;

/// The multi-tenant schema, read off the entities and their relations: no separate file.
pub fn schema() -> Result<multitenant::Schema, multitenant_sea_orm::EntityError> {
    use entities::{product, purchase, store};
    multitenant_sea_orm::TenantSchema::new()
        .tenant::<store::Entity>()
        .tenant::<product::Entity>()
        .tenant::<purchase::Entity>()
        .build()
}

/// The guide from django-multitenant, whose Rust blocks compile and run as this crate's doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/from-django-multitenant.md")]
pub struct FromDjangoMultitenant;
