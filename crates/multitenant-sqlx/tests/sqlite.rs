//! The scoped executors on SQLite (embedded, bundled): the same forms as on PostgreSQL where
//! SQLite differs (placeholders, several tenants bound as JSON, literals in raw SQL).

mod common;

use common::{all_products_sqlite, schema, sqlite};
use multitenant::{Scope, with_scope, with_tenant};
use multitenant_sqlx::{Error, ScopedPool};
use sqlx::{Executor, Row, SqlStr, Sqlite, Statement};

async fn setup() -> (sqlx::SqlitePool, ScopedPool<Sqlite>) {
    let pool = sqlite().await;
    let scoped = ScopedPool::new(pool.clone(), schema());
    (pool, scoped)
}

#[tokio::test]
async fn reads_see_only_the_current_store() {
    let (_pool, scoped) = setup().await;
    for (store, want) in
        [(1_i64, vec!["north tea", "north cake"]), (2, vec!["south tea", "south cake", "south pie"])]
    {
        let names: Vec<String> = with_tenant(
            store,
            sqlx::query_scalar("SELECT name FROM products ORDER BY id").fetch_all(&scoped),
        )
        .await
        .expect("fetch_all");
        assert_eq!(names, want, "store {store}");
        let tea: String = with_tenant(
            store,
            sqlx::query_scalar("SELECT name FROM products WHERE id = ?").bind(1_i64).fetch_one(&scoped),
        )
        .await
        .expect("point read with an anonymous placeholder");
        assert_eq!(tea, want[0]);
    }
}

#[tokio::test]
async fn several_tenants_are_bound_as_a_json_array() {
    let (_pool, scoped) = setup().await;
    let count = |scope: Scope| {
        with_scope(
            scope,
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM products WHERE price_cents > ?1")
                .bind(305_i64)
                .fetch_one(&scoped),
        )
    };
    assert_eq!(count(Scope::tenants([1_i64, 2]).expect("two")).await.expect("two tenants"), 4);
    assert_eq!(count(Scope::tenant(1_i64)).await.expect("one tenant"), 1);
}

#[tokio::test]
async fn writes_change_only_the_current_store() {
    let (pool, scoped) = setup().await;
    let before = all_products_sqlite(&pool).await;
    let id: i64 = with_tenant(
        2_i64,
        sqlx::query_scalar(
            "INSERT INTO products (id, name, price_cents) VALUES (?, ?, ?) RETURNING store_id",
        )
        .bind(9_i64)
        .bind("south jam")
        .bind(1_i64)
        .fetch_one(&scoped),
    )
    .await
    .expect("insert");
    assert_eq!(id, 2);
    let deleted =
        with_tenant(1_i64, sqlx::query("DELETE FROM products WHERE id = ?").bind(1_i64).execute(&scoped))
            .await
            .expect("delete");
    assert_eq!(deleted.rows_affected(), 1);
    let mut want = before;
    want.retain(|(store, id, _)| (*store, *id) != (1, 1));
    want.push((2, 9, "south jam".to_owned()));
    assert_eq!(all_products_sqlite(&pool).await, want);
}

#[tokio::test]
async fn raw_sql_and_prepared_statements_are_scoped() {
    let (pool, scoped) = setup().await;
    with_tenant(1_i64, sqlx::raw_sql("UPDATE products SET price_cents = 0").execute(&scoped))
        .await
        .expect("raw sql");
    let zero: Vec<i64> =
        sqlx::query_scalar("SELECT store_id FROM products WHERE price_cents = 0 ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("read");
    assert_eq!(zero, vec![1, 1], "only the north store's products");

    let statement =
        with_tenant(2_i64, (&scoped).prepare(SqlStr::from_static("SELECT name FROM products WHERE id = ?")))
            .await
            .expect("prepare");
    for (store, want) in [(1_i64, "north tea"), (2, "south tea")] {
        let name: String = with_tenant(store, statement.query().bind(1_i64).fetch_one(&scoped))
            .await
            .expect("the prepared statement")
            .get(0);
        assert_eq!(name, want);
    }
    let raw = pool
        .prepare(SqlStr::from_static("SELECT name FROM products WHERE id = ?"))
        .await
        .expect("prepare raw");
    let error =
        with_tenant(1_i64, raw.query().bind(1_i64).fetch_all(&scoped)).await.expect_err("raw statement");
    assert!(matches!(Error::from(error), Error::UnscopedStatement));
}

#[tokio::test]
async fn a_rolled_back_transaction_changes_nothing() {
    let (pool, scoped) = setup().await;
    let before = all_products_sqlite(&pool).await;
    with_tenant(2_i64, async {
        let mut tx = scoped.begin().await?;
        let gone = sqlx::query("DELETE FROM products").execute(&mut tx).await?;
        assert_eq!(gone.rows_affected(), 3, "the south store's products only");
        tx.rollback().await
    })
    .await
    .expect("transaction");
    assert_eq!(all_products_sqlite(&pool).await, before);
}

#[tokio::test]
async fn no_tenant_is_refused() {
    let (pool, scoped) = setup().await;
    let before = all_products_sqlite(&pool).await;
    let error = sqlx::query("DELETE FROM products").execute(&scoped).await.expect_err("no tenant");
    assert!(matches!(Error::from(error), Error::Refused(multitenant::Error::MissingTenant { .. })));
    assert_eq!(all_products_sqlite(&pool).await, before);
}

#[tokio::test]
async fn a_foreign_bound_tenant_value_is_refused_by_the_database() {
    let (pool, scoped) = setup().await;
    let before = all_products_sqlite(&pool).await;
    let insert = "INSERT INTO products (store_id, id, name, price_cents) VALUES (?, ?, 'x', 1)";
    let error = with_tenant(1_i64, sqlx::query(insert).bind(2_i64).bind(7_i64).execute(&scoped))
        .await
        .expect_err("another store's id");
    assert!(matches!(
        Error::from(error),
        Error::Refused(multitenant::Error::ForeignTenantGuard { index: 1 })
    ));
    assert_eq!(all_products_sqlite(&pool).await, before, "nothing was written");
    with_tenant(1_i64, sqlx::query(insert).bind(1_i64).bind(7_i64).execute(&scoped))
        .await
        .expect("own store");
    assert_eq!(all_products_sqlite(&pool).await.len(), before.len() + 1);
}
