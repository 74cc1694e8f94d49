//! A sea-orm-migration migrator for the entities' tables: create them with the composite key
//! helpers, load the data, then distribute them with the crate's operation (undistribute on
//! `down`). `AllInOne` does the three in one migration (one transaction on PostgreSQL), so the
//! catalog the operation reads holds tables no other connection can see yet.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use super::{DATA, entities::schema, tables};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTables), Box::new(LoadData), Box::new(Distribute)]
    }
}

/// The three steps as one migration.
pub struct OneMigration;

#[async_trait::async_trait]
impl MigratorTrait for OneMigration {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(AllInOne)]
    }
}

pub struct CreateTables;
pub struct LoadData;
pub struct Distribute;
pub struct AllInOne;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m1_create_tables"
    }
}

impl MigrationName for LoadData {
    fn name(&self) -> &str {
        "m2_load_data"
    }
}

impl MigrationName for Distribute {
    fn name(&self) -> &str {
        "m3_distribute"
    }
}

impl MigrationName for AllInOne {
    fn name(&self) -> &str {
        "m1_all_in_one"
    }
}

async fn create_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for table in tables() {
        manager.create_table(table).await?;
    }
    Ok(())
}

async fn drop_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for table in ["purchases", "products", "categories", "stores"] {
        manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
    }
    Ok(())
}

async fn load_data(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in DATA.split(";\n") {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

async fn distribute(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let done = multitenant_sea_orm::distribute(manager.get_connection(), &schema()).await?;
    println!("distribute: {done:?}");
    if manager.get_database_backend() == DbBackend::Sqlite {
        assert_eq!(done, multitenant_sea_orm::Distributed::NotCitus(DbBackend::Sqlite));
    }
    Ok(())
}

async fn undistribute(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let done = multitenant_sea_orm::undistribute(manager.get_connection(), &schema()).await?;
    println!("undistribute: {done:?}");
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager).await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for LoadData {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        load_data(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM purchases; DELETE FROM products; DELETE FROM categories; DELETE FROM stores",
        )
        .await
        .map(drop)
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Distribute {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        distribute(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        undistribute(manager).await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AllInOne {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager).await?;
        load_data(manager).await?;
        distribute(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        undistribute(manager).await?;
        drop_tables(manager).await
    }
}
