//! The migrations: create the tables with composite keys that include the store, then put
//! them on Citus (django-multitenant's `Distribute`). On SQLite and plain PostgreSQL the
//! second one changes nothing and says so.

use multitenant_sea_orm::{tenant_foreign_key, tenant_owner_foreign_key, tenant_primary_key};
use sea_orm_migration::prelude::*;

use crate::entities::{product, purchase, store};

/// The example's migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTables), Box::new(Distribute)]
    }
}

/// Creates `stores`, `products` and `purchases`, keyed by `(store_id, id)`.
pub struct CreateTables;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m20261201_000001_create_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let stores = Table::create()
            .table(store::Entity)
            .col(ColumnDef::new(store::Column::Id).big_integer().not_null().primary_key())
            .col(ColumnDef::new(store::Column::Name).text().not_null())
            .take();
        let products = Table::create()
            .table(product::Entity)
            .col(ColumnDef::new(product::Column::StoreId).big_integer().not_null())
            .col(ColumnDef::new(product::Column::Id).big_integer().not_null())
            .col(ColumnDef::new(product::Column::Name).text().not_null())
            .col(ColumnDef::new(product::Column::PriceCents).big_integer().not_null())
            .primary_key(&mut tenant_primary_key::<product::Entity>(product::Column::Id))
            .foreign_key(&mut tenant_owner_foreign_key::<product::Entity, store::Entity>())
            .take();
        let purchases = Table::create()
            .table(purchase::Entity)
            .col(ColumnDef::new(purchase::Column::StoreId).big_integer().not_null())
            .col(ColumnDef::new(purchase::Column::Id).big_integer().not_null())
            .col(ColumnDef::new(purchase::Column::ProductId).big_integer().not_null())
            .col(ColumnDef::new(purchase::Column::Quantity).big_integer().not_null())
            .primary_key(&mut tenant_primary_key::<purchase::Entity>(purchase::Column::Id))
            .foreign_key(&mut tenant_owner_foreign_key::<purchase::Entity, store::Entity>())
            // (store_id, product_id) -> products (store_id, id): a purchase cannot name
            // another store's product.
            .foreign_key(&mut tenant_foreign_key::<purchase::Entity, product::Entity>(
                purchase::Column::ProductId,
                product::Column::Id,
            ))
            .take();
        for table in [stores, products, purchases] {
            manager.create_table(table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["purchases", "products", "stores"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).take()).await?;
        }
        Ok(())
    }
}

/// Distributes the tables by store, co-located (`Distribute('Product')` and the rest, in an
/// order Citus accepts); `down` makes them plain tables again.
pub struct Distribute;

impl MigrationName for Distribute {
    fn name(&self) -> &str {
        "m20261201_000002_distribute"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Distribute {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        multitenant_sea_orm::distribute(manager.get_connection(), &schema()?).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        multitenant_sea_orm::undistribute(manager.get_connection(), &schema()?).await?;
        Ok(())
    }
}

fn schema() -> Result<multitenant::Schema, DbErr> {
    crate::schema().map_err(|e| DbErr::Migration(e.to_string()))
}
