//! sqlx's checked macros (`query!`, `query_as!`, `query_scalar!`) run through the scoped pool
//! unchanged: they build a query with arguments, which the pool scopes like any other.
//!
//! The macros check each statement against a database when they compile. They use the query
//! data in `crates/multitenant-sqlx/.sqlx` (`SQLX_OFFLINE` is set in `.cargo/config.toml`);
//! after changing a statement here, regenerate it: see `.sqlx/README.md`.

mod common;

use common::{PgDatabase, all_products_pg, schema};
use multitenant::with_tenant;
use multitenant_sqlx::{Error, ScopedPool};

#[derive(Debug, PartialEq)]
struct Product {
    id: i64,
    name: String,
}

#[tokio::test]
async fn checked_macros_are_scoped_like_any_query() {
    let db = PgDatabase::create(2).await;
    let scoped = ScopedPool::new(db.pool.clone(), schema());

    let rows = with_tenant(
        2_i64,
        sqlx::query!("SELECT id, name FROM products WHERE price_cents > $1 ORDER BY id", 0_i64)
            .fetch_all(&scoped),
    )
    .await
    .expect("query!");
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["south tea", "south cake", "south pie"]);

    let product = with_tenant(
        1_i64,
        sqlx::query_as!(Product, "SELECT id, name FROM products WHERE id = $1", 1_i64).fetch_one(&scoped),
    )
    .await
    .expect("query_as!");
    assert_eq!(product, Product { id: 1, name: "north tea".to_owned() });

    let count = with_tenant(1_i64, sqlx::query_scalar!("SELECT count(*) FROM products").fetch_one(&scoped))
        .await
        .expect("query_scalar!");
    assert_eq!(count, Some(2));

    let before = all_products_pg(&db.pool).await;
    let error = with_tenant(
        1_i64,
        sqlx::query!(
            "INSERT INTO products (store_id, id, name, price_cents) VALUES ($1, $2, $3, $4)",
            2_i64,
            8_i64,
            "x",
            1_i64
        )
        .execute(&scoped),
    )
    .await
    .expect_err("another store's id, bound by the macro");
    assert!(matches!(
        Error::from(error),
        Error::Refused(multitenant::Error::ForeignTenantGuard { index: 1 })
    ));
    assert_eq!(all_products_pg(&db.pool).await, before, "nothing was written");
}
