//! django-multitenant's schema as SeaORM entities (stores own the tenants; products and
//! purchases carry `store_id` in their keys; categories are shared), the tables made with the
//! crate's composite key helpers, a data set whose ids repeat across tenants, and throwaway
//! PostgreSQL databases.

#![allow(dead_code, unreachable_pub)]

#[path = "../database/mod.rs"]
pub mod database;
pub mod entities;
#[cfg(feature = "citus")]
pub mod migrator;

use multitenant_sea_orm::{tenant_foreign_key, tenant_owner_foreign_key, tenant_primary_key};
use sea_orm::sea_query::{ColumnDef, ForeignKey, Table, TableCreateStatement};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};

pub use entities::{category, product, purchase, store};

/// A fresh in-memory SQLite database (one connection, so it stays one database) with
/// foreign keys enforced.
pub async fn sqlite() -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1);
    let db = Database::connect(options).await.expect("open SQLite");
    db.execute_unprepared("PRAGMA foreign_keys = ON").await.expect("enforce foreign keys");
    db
}

/// The four tables, in an order that creates each one's referenced tables first, made with
/// the composite key helpers.
pub fn tables() -> Vec<TableCreateStatement> {
    vec![stores(), categories(), products(), purchases()]
}

fn stores() -> TableCreateStatement {
    Table::create()
        .table(store::Entity)
        .col(ColumnDef::new(store::Column::Id).big_integer().not_null().primary_key())
        .col(ColumnDef::new(store::Column::Name).text().not_null())
        .take()
}

fn categories() -> TableCreateStatement {
    Table::create()
        .table(category::Entity)
        .col(ColumnDef::new(category::Column::Id).big_integer().not_null().primary_key())
        .col(ColumnDef::new(category::Column::Name).text().not_null())
        .take()
}

fn products() -> TableCreateStatement {
    Table::create()
        .table(product::Entity)
        .col(ColumnDef::new(product::Column::StoreId).big_integer().not_null())
        .col(ColumnDef::new(product::Column::Id).big_integer().not_null())
        .col(ColumnDef::new(product::Column::Name).text().not_null())
        .col(ColumnDef::new(product::Column::PriceCents).big_integer().not_null())
        .col(ColumnDef::new(product::Column::CategoryId).big_integer())
        .primary_key(&mut tenant_primary_key::<product::Entity>(product::Column::Id))
        .foreign_key(&mut tenant_owner_foreign_key::<product::Entity, store::Entity>())
        .foreign_key(
            ForeignKey::create()
                .name("fk_products_category_id")
                .from(product::Entity, product::Column::CategoryId)
                .to(category::Entity, category::Column::Id),
        )
        .take()
}

fn purchases() -> TableCreateStatement {
    Table::create()
        .table(purchase::Entity)
        .col(ColumnDef::new(purchase::Column::StoreId).big_integer().not_null())
        .col(ColumnDef::new(purchase::Column::Id).big_integer().not_null())
        .col(ColumnDef::new(purchase::Column::ProductId).big_integer().not_null())
        .col(ColumnDef::new(purchase::Column::Quantity).big_integer().not_null())
        .primary_key(&mut tenant_primary_key::<purchase::Entity>(purchase::Column::Id))
        .foreign_key(&mut tenant_owner_foreign_key::<purchase::Entity, store::Entity>())
        .foreign_key(&mut tenant_foreign_key::<purchase::Entity, product::Entity>(
            purchase::Column::ProductId,
            product::Column::Id,
        ))
        .take()
}

/// Two stores whose products and purchases have the same ids (1, 2, 3 and 1, 2): a missing
/// tenant predicate shows up as another store's rows. Store `s`'s product `p` is named
/// `s{s}-p{p}` and costs `100 * s + p`; purchase `u` of store `s` buys product `u` (`u` items).
pub const DATA: &str = "INSERT INTO stores (id, name) VALUES (1, 'one'), (2, 'two');
INSERT INTO categories (id, name) VALUES (1, 'tools'), (2, 'food');
INSERT INTO products (store_id, id, name, price_cents, category_id) VALUES
  (1, 1, 's1-p1', 101, 1), (1, 2, 's1-p2', 102, 2), (1, 3, 's1-p3', 103, 1),
  (2, 1, 's2-p1', 201, 2), (2, 2, 's2-p2', 202, 1), (2, 3, 's2-p3', 203, 2);
INSERT INTO purchases (store_id, id, product_id, quantity) VALUES
  (1, 1, 1, 1), (1, 2, 2, 2), (2, 1, 1, 1), (2, 2, 2, 2);";

/// Creates the tables and loads [`DATA`].
pub async fn load(db: &impl ConnectionTrait) {
    let backend = db.get_database_backend();
    for table in tables() {
        let sql = match backend {
            DbBackend::Sqlite => table.to_string(sea_orm::sea_query::SqliteQueryBuilder),
            _ => table.to_string(sea_orm::sea_query::PostgresQueryBuilder),
        };
        db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"));
    }
    for statement in DATA.split(";\n") {
        db.execute_unprepared(statement).await.unwrap_or_else(|e| panic!("{statement}\nfailed: {e}"));
    }
}

/// The schema as written by hand, to compare with the one built from the entities.
pub fn hand_written_schema() -> multitenant::Schema {
    multitenant::Schema::builder()
        .tenant_table("stores", "id")
        .tenant_table("products", "store_id")
        .foreign_key("products", ["store_id"], "stores", ["id"])
        .tenant_table("purchases", "store_id")
        .foreign_key("purchases", ["store_id"], "stores", ["id"])
        .foreign_key("purchases", ["store_id", "product_id"], "products", ["store_id", "id"])
        .reference_table("categories")
        .foreign_key("products", ["category_id"], "categories", ["id"])
        .build()
        .expect("the hand-written schema")
}
