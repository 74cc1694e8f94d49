//! What the PostgreSQL, SQLite and Citus tests share: the entities, the schema, two stores whose
//! product and purchase ids repeat (1, 2, 3 in both), throwaway databases, and the test bodies
//! (`ops`), run on each database.

#![allow(dead_code, unreachable_pub)]

pub mod entities;
pub mod ops;

use std::sync::atomic::{AtomicUsize, Ordering};

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
    _database: Option<PgDatabase>,
}

impl Fixture {
    /// On a PostgreSQL database of its own.
    pub async fn postgres() -> Self {
        let database = PgDatabase::create().await;
        let raw = Database::connect(database.url.as_str()).await.expect("connect");
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

    async fn seeded(raw: DatabaseConnection, database: Option<PgDatabase>) -> Self {
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

/// The server the tests use: `DATABASE_URL`, or the local trust-auth PostgreSQL.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A PostgreSQL database of its own for one test, dropped with it (also when the test fails).
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name =
            format!("mt_seaorm_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = Database::connect(server_url()).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {} ({e}): start it, or set DATABASE_URL", server_url())
        });
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
        drop(admin.close().await);
        let url = match server_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name"),
        };
        Self { name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        // Drop runs inside the test's runtime, maybe while panicking: drop the database from a
        // thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(admin) = Database::connect(server_url()).await else { return };
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                drop(admin.execute_unprepared(&sql).await);
            });
        });
        drop(dropped.join());
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
