//! What the PostgreSQL, SQLite and Citus tests share: the entities, the schema, two stores whose
//! product and purchase ids repeat (1, 2, 3 in both), throwaway databases, and the test bodies
//! (`ops`), run on each database.

#![allow(dead_code, unreachable_pub)]

#[path = "../database/mod.rs"]
pub mod database;
pub mod entities;
pub mod ops;

use database::{TestDatabase, server_url};
use multitenant::Schema;
use multitenant_sea_orm::ScopedDatabase;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// The tables, for PostgreSQL, SQLite and Citus alike.
pub const DDL: &str = "
    CREATE TABLE stores (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE categories (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE products (
        store_id bigint NOT NULL REFERENCES stores (id),
        id bigint NOT NULL,
        name text NOT NULL,
        price_cents bigint NOT NULL,
        PRIMARY KEY (store_id, id)
    );
    CREATE TABLE purchases (
        store_id bigint NOT NULL REFERENCES stores (id),
        id bigint NOT NULL,
        product_id bigint NOT NULL,
        quantity bigint NOT NULL,
        PRIMARY KEY (store_id, id),
        FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
    );
    CREATE TABLE product_categories (
        store_id bigint NOT NULL,
        product_id bigint NOT NULL,
        category_id bigint NOT NULL REFERENCES categories (id),
        PRIMARY KEY (store_id, product_id, category_id),
        FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
    );
";

/// Two stores whose products and purchases reuse ids 1, 2, 3: a statement that misses its
/// tenant predicate returns or changes the other store's rows.
pub const SEED: &str = "
    INSERT INTO stores VALUES (1, 'north'), (2, 'south');
    INSERT INTO categories VALUES (1, 'drinks'), (2, 'bakery');
    INSERT INTO products VALUES
        (1, 1, 'north tea', 300), (1, 2, 'north cake', 450), (1, 3, 'north pie', 500),
        (2, 1, 'south tea', 310), (2, 2, 'south cake', 460), (2, 3, 'south pie', 520);
    INSERT INTO purchases VALUES
        (1, 1, 1, 2), (1, 2, 2, 1), (1, 3, 1, 5),
        (2, 1, 3, 4), (2, 2, 2, 3), (2, 3, 3, 1);
    INSERT INTO product_categories VALUES
        (1, 1, 1), (1, 2, 2), (1, 3, 2),
        (2, 1, 1), (2, 2, 2), (2, 3, 1), (2, 3, 2);
";

/// The schema as the rewriter knows it: stores and categories are shared by all tenants.
pub fn schema() -> Schema {
    Schema::builder()
        .reference_table("stores")
        .reference_table("categories")
        .tenant_table("products", "store_id")
        .tenant_table("purchases", "store_id")
        .tenant_table("product_categories", "store_id")
        .foreign_key("purchases", ["store_id", "product_id"], "products", ["store_id", "id"])
        .foreign_key("product_categories", ["store_id", "product_id"], "products", ["store_id", "id"])
        .foreign_key("product_categories", ["category_id"], "categories", ["id"])
        .build()
        .expect("valid schema")
}

/// A seeded database: `db` scoped, `raw` the same database as its owner, for checks.
pub struct Fixture {
    pub db: ScopedDatabase,
    pub raw: DatabaseConnection,
    _database: Option<TestDatabase>,
}

impl Fixture {
    /// On a PostgreSQL database of its own.
    pub async fn postgres() -> Self {
        let database = TestDatabase::create(&server_url()).await;
        let raw = database.connect().await;
        Self::seeded(raw, Some(database)).await
    }

    /// On an in-memory SQLite database (one connection).
    pub async fn sqlite() -> Self {
        let raw = Database::connect("sqlite::memory:").await.expect("open SQLite");
        Self::seeded(raw, None).await
    }

    /// On `raw`, which already has the tables and rows.
    pub fn over(raw: DatabaseConnection) -> Self {
        let db = ScopedDatabase::new(raw.clone(), schema()).expect("a supported backend");
        Self { db, raw, _database: None }
    }

    async fn seeded(raw: DatabaseConnection, database: Option<TestDatabase>) -> Self {
        raw.execute_unprepared(DDL).await.expect("create the tables");
        raw.execute_unprepared(SEED).await.expect("seed the stores");
        Self { _database: database, ..Self::over(raw) }
    }

    pub fn backend(&self) -> DbBackend {
        self.raw.get_database_backend()
    }

    /// The `n`th placeholder in the backend's syntax.
    pub fn placeholder(&self, n: usize) -> String {
        match self.backend() {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        }
    }
}

/// Held shared by every operation test and exclusively by the test of what is logged: tracing
/// caches, per callsite, whether any subscriber wants it, and a callsite first reached by a
/// test without a subscriber while the logging test sets its own can stay cached as unwanted.
pub static LOGGING: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// One `#[tokio::test]` per shared test body in `ops`, on the fixture `$fixture` builds.
#[allow(unused_macros)]
macro_rules! operation_tests {
    ($fixture:path) => {
        operation_tests!(@each $fixture;
            the_raw_connection_sees_every_store, find, find_by_id, find_for_several_tenants, find_unscoped, filter, join, find_related, find_also_related,
            find_with_related, load_one, load_many, load_many_to_many, insert, insert_many,
            save_changes_one_column, update_with_all_columns_set, update_many_with_a_full_row,
            update_many, delete, delete_many, paginate, count, stream, stream_in_a_transaction, find_by_statement,
            execute_unprepared, insert_on_conflict_update, refused_unprepared_insert_with_another_stores_id,
            query_all_raw, transaction_begin_commit, transaction_rollback,
            transaction_closure_commits, transaction_closure_rolls_back_on_err,
            nested_transaction_rolls_back_to_its_savepoint, refused_without_a_tenant,
            refused_write_without_a_tenant, refused_insert_with_another_stores_id,
            refused_update_moving_a_row_to_another_store, refused_full_row_save_to_another_store,
            another_stores_row_is_not_updated, refused_in_a_transaction_writes_nothing,
            raw_statement_with_too_many_values_is_refused,
        );
    };
    (@each $fixture:path; $($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let _shared = common::LOGGING.read().await;
            let fixture = $fixture().await;
            common::ops::$name(&fixture).await;
        }
    )*};
}
