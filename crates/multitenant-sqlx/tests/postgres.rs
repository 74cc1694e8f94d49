//! The scoped executors on a real PostgreSQL: every statement form, each checked against the
//! rows of both stores (ids repeat across them, so a missing predicate shows).

mod common;

use common::{PgDatabase, all_products_pg, schema};
use futures_util::TryStreamExt;
use multitenant::{Scope, with_scope, with_tenant};
use multitenant_sqlx::{Adoption, Error, ScopedPool};
use sqlx::{Executor, Postgres, Row, SqlStr, Statement};

async fn setup(max_connections: u32) -> (PgDatabase, ScopedPool<Postgres>) {
    let db = PgDatabase::create(max_connections).await;
    let scoped = ScopedPool::new(db.pool.clone(), schema());
    (db, scoped)
}

fn refusal(error: sqlx::Error) -> multitenant::Error {
    match Error::from(error) {
        Error::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn reads_see_only_the_current_store() {
    let (_db, scoped) = setup(2).await;
    for (store, want) in
        [(1_i64, vec!["north tea", "north cake"]), (2, vec!["south tea", "south cake", "south pie"])]
    {
        let names: Vec<String> = with_tenant(store, async {
            sqlx::query_scalar("SELECT name FROM products ORDER BY id").fetch_all(&scoped).await
        })
        .await
        .expect("fetch_all");
        assert_eq!(names, want, "store {store}");

        let one: (String,) = with_tenant(store, async {
            sqlx::query_as("SELECT name FROM products WHERE id = $1").bind(1_i64).fetch_one(&scoped).await
        })
        .await
        .expect("fetch_one");
        assert_eq!(one.0, want[0], "point read, store {store}");

        let missing: Option<(String,)> = with_tenant(store, async {
            sqlx::query_as("SELECT name FROM products WHERE id = $1")
                .bind(3_i64)
                .fetch_optional(&scoped)
                .await
        })
        .await
        .expect("fetch_optional");
        assert_eq!(missing.is_some(), store == 2, "product 3 is the south store's only");

        let streamed: Vec<i64> = with_tenant(store, async {
            sqlx::query("SELECT id FROM products ORDER BY id")
                .fetch(&scoped)
                .map_ok(|row| row.get::<i64, _>(0))
                .try_collect()
                .await
        })
        .await
        .expect("fetch as a stream");
        assert_eq!(streamed.len(), want.len(), "streamed rows, store {store}");
    }
}

#[tokio::test]
async fn several_tenants_read_the_rows_of_each_and_unscoped_reads_all() {
    let (_db, scoped) = setup(2).await;
    let count = |scope: Scope| {
        let scoped = scoped.clone();
        with_scope(scope, async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM products").fetch_one(&scoped).await
        })
    };
    assert_eq!(count(Scope::tenants([1_i64, 2]).expect("two tenants")).await.expect("two"), 5);
    assert_eq!(count(Scope::tenant(1_i64)).await.expect("one"), 2);
    assert_eq!(count(Scope::Unscoped).await.expect("unscoped"), 5);
}

#[tokio::test]
async fn writes_change_only_the_current_store_and_return_its_rows() {
    let (db, scoped) = setup(2).await;
    let before = all_products_pg(&db.pool).await;

    let inserted: (i64, i64) = with_tenant(1_i64, async {
        sqlx::query_as(
            "INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3) RETURNING store_id, id",
        )
        .bind(9_i64)
        .bind("north jam")
        .bind(120_i64)
        .fetch_one(&scoped)
        .await
    })
    .await
    .expect("insert");
    assert_eq!(inserted, (1, 9), "the row is the current store's");

    let updated = with_tenant(2_i64, async {
        sqlx::query("UPDATE products SET name = name || ' (sold out)' WHERE id = $1")
            .bind(1_i64)
            .execute(&scoped)
            .await
    })
    .await
    .expect("update");
    assert_eq!(updated.rows_affected(), 1, "one row: the south store's product 1");

    let deleted = with_tenant(1_i64, async {
        sqlx::query("DELETE FROM products WHERE id = $1").bind(2_i64).execute(&scoped).await
    })
    .await
    .expect("delete");
    assert_eq!(deleted.rows_affected(), 1);

    let mut want = before.clone();
    want.retain(|(store, id, _)| (*store, *id) != (1, 2));
    want.iter_mut()
        .filter(|(s, i, _)| (*s, *i) == (2, 1))
        .for_each(|(_, _, name)| name.push_str(" (sold out)"));
    want.insert(1, (1, 9, "north jam".to_owned()));
    assert_eq!(all_products_pg(&db.pool).await, want);
}

#[tokio::test]
async fn no_tenant_is_refused_before_anything_reaches_the_database() {
    // A pool that cannot connect: a refusal must come first, without trying.
    let unreachable = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .expect("a lazy pool");
    let scoped = ScopedPool::new(unreachable, schema());
    let error = sqlx::query("SELECT * FROM products").fetch_all(&scoped).await.expect_err("no tenant");
    assert!(matches!(refusal(error), multitenant::Error::MissingTenant { .. }));
    let error = sqlx::raw_sql("DELETE FROM products").execute(&scoped).await.expect_err("no tenant");
    assert!(matches!(refusal(error), multitenant::Error::MissingTenant { .. }));
}

#[tokio::test]
async fn raw_sql_gets_the_tenant_as_a_literal() {
    let (db, scoped) = setup(2).await;
    let before = all_products_pg(&db.pool).await;
    with_tenant(2_i64, async {
        sqlx::raw_sql("UPDATE products SET price_cents = 0 WHERE id = 1; DELETE FROM products WHERE id = 3")
            .execute(&scoped)
            .await
    })
    .await
    .expect("raw sql");
    let prices: Vec<(i64, i64)> =
        sqlx::query_as("SELECT store_id, price_cents FROM products WHERE id = 1 ORDER BY store_id")
            .fetch_all(&db.pool)
            .await
            .expect("read");
    assert_eq!(prices, vec![(1, 300), (2, 0)], "only the south store's product 1");
    assert_eq!(all_products_pg(&db.pool).await.len(), before.len() - 1, "only the south pie is gone");

    let names: Vec<(String,)> =
        with_tenant(1_i64, async { (&scoped).fetch_all("SELECT name FROM products ORDER BY id").await })
            .await
            .expect("a bare string")
            .into_iter()
            .map(|row| (row.get(0),))
            .collect();
    assert_eq!(names, vec![("north tea".to_owned(),), ("north cake".to_owned(),)]);
}

#[tokio::test]
async fn one_sql_text_serves_every_tenant_so_the_statement_cache_is_reused() {
    let (_db, scoped) = setup(1).await;
    let mut conn = scoped.acquire().await.expect("a connection");
    let sql = "SELECT name FROM products WHERE id = $1";
    for store in [1_i64, 2, 1, 2] {
        let name: String = with_tenant(store, sqlx::query_scalar(sql).bind(1_i64).fetch_one(&mut conn))
            .await
            .expect("point read");
        assert!(name.starts_with(if store == 1 { "north" } else { "south" }));
    }
    let prepared: i64 = with_scope(
        Scope::Unscoped,
        sqlx::query_scalar("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT name FROM products WHERE id = $1%'")
            .fetch_one(&mut conn),
    )
    .await
    .expect("read the connection's prepared statements");
    assert_eq!(prepared, 1, "one prepared statement for both stores");
}

#[tokio::test]
async fn prepared_statements_are_scoped_again_for_the_scope_they_run_in() {
    let (db, scoped) = setup(1).await;
    let statement =
        with_tenant(1_i64, (&scoped).prepare(SqlStr::from_static("SELECT name FROM products WHERE id = $1")))
            .await
            .expect("prepare");
    for (scope, want) in [
        (Scope::tenant(1_i64), vec!["north tea"]),
        (Scope::tenant(2_i64), vec!["south tea"]),
        (Scope::tenants([1_i64, 2]).expect("two"), vec!["north tea", "south tea"]),
    ] {
        let mut names: Vec<String> =
            with_scope(scope.clone(), async { statement.query().bind(1_i64).fetch_all(&scoped).await })
                .await
                .expect("run the prepared statement")
                .iter()
                .map(|row| row.get(0))
                .collect();
        names.sort();
        assert_eq!(names, want, "{scope:?}");
    }
    let raw = db
        .pool
        .prepare(SqlStr::from_static("SELECT name FROM products WHERE id = $1"))
        .await
        .expect("prepare raw");
    let error =
        with_tenant(1_i64, raw.query().bind(1_i64).fetch_all(&scoped)).await.expect_err("raw statement");
    assert!(matches!(Error::from(error), Error::UnscopedStatement));
    let unscoped = raw.sql().as_str().to_owned();
    assert!(!unscoped.contains("store_id"), "the raw statement really is unscoped: {unscoped}");
}

#[tokio::test]
async fn transactions_commit_roll_back_and_nest() {
    let (db, scoped) = setup(2).await;
    let before = all_products_pg(&db.pool).await;
    with_tenant(1_i64, async {
        let mut tx = scoped.begin().await?;
        sqlx::query("UPDATE products SET price_cents = 1").execute(&mut tx).await?;
        let mut savepoint = tx.begin().await?;
        sqlx::query("DELETE FROM products").execute(&mut savepoint).await?;
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&mut savepoint).await?;
        assert_eq!(left, 0, "the savepoint deleted the store's products");
        savepoint.rollback().await?;
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&mut tx).await?;
        assert_eq!(left, 2, "the savepoint's delete is undone");
        tx.commit().await
    })
    .await
    .expect("a committed transaction");
    let prices: Vec<(i64, i64)> =
        sqlx::query_as("SELECT store_id, price_cents FROM products ORDER BY store_id, id")
            .fetch_all(&db.pool)
            .await
            .expect("read");
    assert_eq!(prices, vec![(1, 1), (1, 1), (2, 310), (2, 460), (2, 500)]);

    with_tenant(2_i64, async {
        let mut tx = scoped.begin().await?;
        sqlx::query("DELETE FROM products").execute(&mut tx).await?;
        tx.rollback().await
    })
    .await
    .expect("a rolled back transaction");
    assert_eq!(all_products_pg(&db.pool).await, before, "the rollback deleted nothing");
}

#[tokio::test]
async fn a_bound_tenant_value_is_checked_by_the_database_and_a_foreign_one_writes_nothing() {
    let (db, scoped) = setup(2).await;
    let insert = "INSERT INTO products (store_id, id, name, price_cents) VALUES ($1, $2, 'x', 1)";
    let before = all_products_pg(&db.pool).await;
    for foreign in [Some(2_i64), None] {
        let error = with_tenant(1_i64, sqlx::query(insert).bind(foreign).bind(7_i64).execute(&scoped))
            .await
            .expect_err("another store's id, or NULL");
        assert!(
            matches!(refusal(error), multitenant::Error::ForeignTenantGuard { index: 1 }),
            "{foreign:?}: the guard's failure comes back as the typed refusal"
        );
        assert_eq!(all_products_pg(&db.pool).await, before, "{foreign:?}: nothing was written");
    }
    // The same statement for the current store writes, so the refusals above were the guard.
    for id in [7_i64, 8] {
        with_tenant(1_i64, sqlx::query(insert).bind(1_i64).bind(id).execute(&scoped))
            .await
            .expect("own store");
    }
    assert_eq!(all_products_pg(&db.pool).await.len(), before.len() + 2);
    let update = "UPDATE products SET store_id = $1, name = 'moved' WHERE id = $2";
    let error = with_tenant(1_i64, sqlx::query(update).bind(2_i64).bind(1_i64).execute(&scoped)).await;
    match error {
        Ok(done) => assert_eq!(done.rows_affected(), 0, "a foreign tenant assignment matches no row"),
        Err(error) => assert!(matches!(refusal(error), multitenant::Error::ForeignTenantGuard { index: 1 })),
    }
    let moved: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE name = 'moved'")
        .fetch_one(&db.pool)
        .await
        .expect("read");
    assert_eq!(moved, 0, "no row changed tenant");
}

#[tokio::test]
async fn adoption_mode_runs_a_refused_statement_as_written() {
    let (db, _) = setup(2).await;
    let adopting = ScopedPool::builder(schema()).adoption(Adoption::LogAndRunUnscoped).build(db.pool.clone());
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&adopting)
        .await
        .expect("runs unscoped");
    assert_eq!(count, 5, "no tenant set: the statement ran as written");
    let scoped: i64 =
        with_tenant(1_i64, sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&adopting))
            .await
            .expect("scoped as usual");
    assert_eq!(scoped, 2, "a statement that can be scoped still is");
}

#[tokio::test]
async fn scoped_connections_scope_their_statements() {
    let (_db, scoped) = setup(1).await;
    let mut conn = scoped.acquire().await.expect("a connection");
    let count: i64 =
        with_tenant(2_i64, sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(&mut conn))
            .await
            .expect("count");
    assert_eq!(count, 3);
    let mut tx = with_tenant(2_i64, conn.begin()).await.expect("begin on the connection");
    let deleted = with_tenant(2_i64, sqlx::query("DELETE FROM products WHERE id = 1").execute(&mut tx))
        .await
        .expect("delete in the transaction");
    assert_eq!(deleted.rows_affected(), 1);
    tx.rollback().await.expect("roll back");
}

#[tokio::test]
async fn tenants_of_every_type_are_bound_one_and_several() {
    let (db, _) = setup(2).await;
    let ddl = "CREATE TABLE notes_text (tenant text NOT NULL, id int NOT NULL, body text NOT NULL);
               CREATE TABLE notes_uuid (tenant uuid NOT NULL, id int NOT NULL, body text NOT NULL);
               CREATE TABLE notes_int (tenant integer NOT NULL, id int NOT NULL, body text NOT NULL);
               INSERT INTO notes_text VALUES ('acme', 1, 'a'), ('o''brien', 1, 'o'), ('zeta', 1, 'z');
               INSERT INTO notes_uuid VALUES ('00000000-0000-0000-0000-00000000000a', 1, 'a'),
                   ('00000000-0000-0000-0000-00000000000b', 1, 'o'), ('00000000-0000-0000-0000-00000000000c', 1, 'z');
               INSERT INTO notes_int VALUES (10, 1, 'a'), (11, 1, 'o'), (12, 1, 'z');";
    sqlx::raw_sql(ddl).execute(&db.pool).await.expect("create the tables");
    let uuid = |n: u128| multitenant::TenantId::from(uuid::Uuid::from_u128(n));
    let cases: [(&str, &str, [multitenant::TenantId; 2]); 3] = [
        ("notes_text", "text", ["acme".into(), "o'brien".into()]),
        ("notes_uuid", "uuid", [uuid(0xa), uuid(0xb)]),
        ("notes_int", "integer", [10_i32.into(), 11_i32.into()]),
    ];
    for (table, kind, [first, second]) in cases {
        let schema =
            multitenant::Schema::builder().tenant_table(table, "tenant").build().expect("valid schema");
        let scoped = ScopedPool::new(db.pool.clone(), schema);
        let sql = format!("SELECT body FROM {table} WHERE id = $1 ORDER BY body");
        let bodies = |scope: Scope| {
            let (scoped, sql) = (scoped.clone(), sql.clone());
            with_scope(scope, async move {
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).bind(1_i32).fetch_all(&scoped).await
            })
        };
        assert_eq!(bodies(Scope::tenant(first.clone())).await.expect("one"), ["a"], "{kind}: one tenant");
        assert_eq!(bodies(Scope::tenant(second.clone())).await.expect("one"), ["o"], "{kind}: the other");
        let both = Scope::tenants([first, second]).expect("two");
        assert_eq!(bodies(both).await.expect("several"), ["a", "o"], "{kind}: several, bound as an array");
    }
}
