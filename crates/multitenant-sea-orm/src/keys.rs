//! Composite keys that carry the tenant, for SeaORM's schema builders (`sea_query::Table`,
//! `ForeignKey`, `Index`, as `sea-orm-migration`'s `MigrationTrait::up` uses them), typed from
//! [`TenantEntity`]: the primary key `(tenant, id)`, and the foreign key
//! `(tenant, fk) -> (tenant, id)`, which makes the database itself refuse a row that
//! references another tenant's row.
//!
//! ```
//! use multitenant_sea_orm::{TenantEntity, tenant_foreign_key, tenant_owner_foreign_key, tenant_primary_key};
//! use sea_orm::sea_query::{ColumnDef, PostgresQueryBuilder, Table};
//!
//! mod store {
//!     use sea_orm::entity::prelude::*;
//!     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
//!     #[sea_orm(table_name = "stores")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub id: i64,
//!     }
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//! mod product {
//!     use sea_orm::entity::prelude::*;
//!     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
//!     #[sea_orm(table_name = "products")]
//!     pub struct Model {
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub store_id: i64,
//!         #[sea_orm(primary_key, auto_increment = false)]
//!         pub id: i64,
//!         pub parent_id: Option<i64>,
//!     }
//!     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//!     pub enum Relation {}
//!     impl ActiveModelBehavior for ActiveModel {}
//! }
//! impl TenantEntity for store::Entity {
//!     const TENANT_COLUMN: store::Column = store::Column::Id;
//! }
//! impl TenantEntity for product::Entity {
//!     const TENANT_COLUMN: product::Column = product::Column::StoreId;
//! }
//!
//! let sql = Table::create()
//!     .table(product::Entity)
//!     .col(ColumnDef::new(product::Column::StoreId).big_integer().not_null())
//!     .col(ColumnDef::new(product::Column::Id).big_integer().not_null())
//!     .col(ColumnDef::new(product::Column::ParentId).big_integer())
//!     .primary_key(&mut tenant_primary_key::<product::Entity>(product::Column::Id))
//!     .foreign_key(&mut tenant_owner_foreign_key::<product::Entity, store::Entity>())
//!     .foreign_key(&mut tenant_foreign_key::<product::Entity, product::Entity>(
//!         product::Column::ParentId,
//!         product::Column::Id,
//!     ))
//!     .to_string(PostgresQueryBuilder);
//! assert!(sql.contains(r#"PRIMARY KEY ("store_id", "id")"#), "{sql}");
//! assert!(sql.contains(r#"FOREIGN KEY ("store_id", "parent_id") REFERENCES "products" ("store_id", "id")"#), "{sql}");
//! ```

use sea_orm::IdenStatic;
use sea_orm::sea_query::{ForeignKey, ForeignKeyCreateStatement, Index, IndexCreateStatement};

use crate::TenantEntity;

/// The primary key `(tenant column, id)` of `E`, for `Table::create().primary_key(&mut ..)`.
pub fn tenant_primary_key<E: TenantEntity>(id: E::Column) -> IndexCreateStatement {
    Index::create().col(E::TENANT_COLUMN).col(id).take()
}

/// The foreign key `F(tenant, column) -> T(tenant, references)`, named
/// `fk_<table>_<column>`: for `Table::create().foreign_key(&mut ..)`, or on its own (on
/// PostgreSQL) for `SchemaManager::create_foreign_key`.
pub fn tenant_foreign_key<F, T>(column: F::Column, references: T::Column) -> ForeignKeyCreateStatement
where
    F: TenantEntity,
    T: TenantEntity,
{
    let from = F::default();
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.table_name(), column.as_str()))
        .from(from.table_ref(), (F::TENANT_COLUMN, column))
        .to(T::default().table_ref(), (T::TENANT_COLUMN, references))
        .take()
}

/// The foreign key from `F`'s tenant column to the tenant table itself, `Owner`, whose tenant
/// column is its own key (`products(store_id) -> stores(id)`), named `fk_<table>_<column>`.
pub fn tenant_owner_foreign_key<F, Owner>() -> ForeignKeyCreateStatement
where
    F: TenantEntity,
    Owner: TenantEntity,
{
    let from = F::default();
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.table_name(), F::TENANT_COLUMN.as_str()))
        .from(from.table_ref(), F::TENANT_COLUMN)
        .to(Owner::default().table_ref(), Owner::TENANT_COLUMN)
        .take()
}
