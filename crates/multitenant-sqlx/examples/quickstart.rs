//! Quickstart: django-multitenant's stores, products and purchases in one in-memory SQLite
//! database, through a scoped pool. No server needed:
//!
//! ```text
//! cargo run -p multitenant-sqlx --example quickstart
//! ```
//!
//! The statements name no store. The pool adds `store_id` from the scope that
//! `multitenant::with_tenant` sets (a web app sets it per request), and each is printed as sent.

use multitenant::{Schema, with_tenant};
use multitenant_sqlx::{Error, ScopedPool};
use sqlx::Sqlite;
use sqlx::sqlite::SqlitePoolOptions;

/// The tables, created as the database owner would run a migration (not through the pool).
const TABLES: &str = "
    CREATE TABLE stores (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE products (store_id INTEGER NOT NULL REFERENCES stores (id), id INTEGER NOT NULL,
        name TEXT NOT NULL, price_cents INTEGER NOT NULL, PRIMARY KEY (store_id, id));
    CREATE TABLE purchases (store_id INTEGER NOT NULL, id INTEGER NOT NULL,
        product_id INTEGER NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (store_id, id),
        FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id));
    INSERT INTO stores (id, name) VALUES (1, 'North'), (2, 'South');
";

const ADD_PRODUCT: &str = "INSERT INTO products (id, name, price_cents) VALUES (?, ?, ?)";
const ADD_PURCHASE: &str = "INSERT INTO purchases (id, product_id, quantity) VALUES (?, ?, ?)";
const SALES: &str = "SELECT p.name, pu.quantity FROM purchases pu JOIN products p ON p.id = pu.product_id";
const PRODUCT_NAME: &str = "SELECT name FROM products WHERE id = ?";
const SET_PRICE: &str = "UPDATE products SET price_cents = ? WHERE id = ?";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One connection: each connection to `sqlite::memory:` is a database of its own.
    let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
    sqlx::raw_sql(TABLES).execute(&pool).await?;
    let schema = Schema::builder()
        .tenant_table("stores", "id")
        .tenant_table("products", "store_id")
        .tenant_table("purchases", "store_id")
        .foreign_key("purchases", ["store_id", "product_id"], "products", ["store_id", "id"])
        .build()?;
    let db = ScopedPool::new(pool, schema);

    with_tenant(1_i64, async {
        println!("store 1 adds tea (id 1) and cake (id 2), and sells 2 teas:");
        sqlx::query(sent(&db, ADD_PRODUCT)?).bind(1).bind("tea").bind(300).execute(&db).await?;
        sqlx::query(ADD_PRODUCT).bind(2).bind("cake").bind(450).execute(&db).await?;
        sqlx::query(sent(&db, ADD_PURCHASE)?).bind(1).bind(1).bind(2).execute(&db).await?;
        Ok::<_, Error>(())
    })
    .await?;

    with_tenant(2_i64, async {
        println!("store 2 runs the same INSERT: its coffee is its product 1");
        sqlx::query(ADD_PRODUCT).bind(1).bind("coffee").bind(250).execute(&db).await?;
        sqlx::query(ADD_PURCHASE).bind(1).bind(1).bind(5).execute(&db).await?;
        println!("store 2 lists its sales (a join):");
        let sales: Vec<(String, i64)> = sqlx::query_as(sent(&db, SALES)?).fetch_all(&db).await?;
        println!("  = {sales:?}");
        println!("store 2 reads store 1's cake (id 2):");
        let cake: Option<String> =
            sqlx::query_scalar(sent(&db, PRODUCT_NAME)?).bind(2).fetch_optional(&db).await?;
        println!("  = {cake:?}");
        println!("store 2 sets the price of product 2 (store 1's cake) to 0:");
        let done = sqlx::query(sent(&db, SET_PRICE)?).bind(0).bind(2).execute(&db).await?;
        println!("  = {} rows changed", done.rows_affected());
        println!("store 2 inserts a purchase for store 1:");
        let forged = "INSERT INTO purchases (store_id, id, product_id, quantity) VALUES (1, 9, 1, 100)";
        let refused = sqlx::raw_sql(forged).execute(&db).await.map_err(Error::from);
        println!("  {}", refused.expect_err("another store's row"));
        Ok::<_, Error>(())
    })
    .await?;

    with_tenant(1_i64, async {
        println!("store 1 still sees its own sales, and its cake's price:");
        let sales: Vec<(String, i64)> = sqlx::query_as(SALES).fetch_all(&db).await?;
        let price: i64 =
            sqlx::query_scalar("SELECT price_cents FROM products WHERE id = 2").fetch_one(&db).await?;
        println!("  = {sales:?}, cake {price} cents");
        Ok::<_, Error>(())
    })
    .await?;

    println!("no store set:");
    let refused = sqlx::query(SALES).fetch_all(&db).await.map_err(Error::from);
    println!("  {}", refused.expect_err("no tenant"));
    Ok(())
}

/// Prints the statement the pool sends for `sql` in the current scope, and returns `sql`.
fn sent(db: &ScopedPool<Sqlite>, sql: &'static str) -> Result<&'static str, Error> {
    println!("  {}", db.rewriter().rewrite(sql)?.sql());
    Ok(sql)
}
