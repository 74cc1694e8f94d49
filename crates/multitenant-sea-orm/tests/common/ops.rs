//! The test bodies, one per SeaORM operation, each run on PostgreSQL and on SQLite (and the
//! reads on Citus). Each asserts the exact rows of the current store, and after a write that
//! the other store's rows are unchanged. Store 1 is "north", store 2 "south"; both have
//! products and purchases 1, 2 and 3.

use futures_util::TryStreamExt;
use multitenant::{unscoped, with_tenant, with_tenants};
use multitenant_sea_orm::Error;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    LoaderTrait, ModelTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder, Set, Statement,
    TransactionError, TransactionTrait,
};

use super::Fixture;
use super::entities::{categories, product_categories, products, purchases};

pub const NORTH: i64 = 1;
pub const SOUTH: i64 = 2;

/// Every row of one store, read as the owner, to compare before and after a write.
#[derive(Debug, PartialEq)]
pub struct Rows {
    pub products: Vec<(i64, String, i64)>,
    pub purchases: Vec<(i64, i64, i64)>,
    pub product_categories: Vec<(i64, i64)>,
}

pub async fn rows_of(raw: &DatabaseConnection, store: i64) -> Rows {
    let products = products::Entity::find()
        .filter(products::Column::StoreId.eq(store))
        .order_by_asc(products::Column::Id)
        .all(raw)
        .await
        .expect("read products");
    let purchases = purchases::Entity::find()
        .filter(purchases::Column::StoreId.eq(store))
        .order_by_asc(purchases::Column::Id)
        .all(raw)
        .await
        .expect("read purchases");
    let links = product_categories::Entity::find()
        .filter(product_categories::Column::StoreId.eq(store))
        .order_by_asc(product_categories::Column::ProductId)
        .order_by_asc(product_categories::Column::CategoryId)
        .all(raw)
        .await
        .expect("read product categories");
    Rows {
        products: products.into_iter().map(|p| (p.id, p.name, p.price_cents)).collect(),
        purchases: purchases.into_iter().map(|p| (p.id, p.product_id, p.quantity)).collect(),
        product_categories: links.into_iter().map(|l| (l.product_id, l.category_id)).collect(),
    }
}

/// The seeded rows of `store`.
pub fn seeded(store: i64) -> Rows {
    let (prefix, prices, purchases, links): (_, [i64; 3], _, Vec<(i64, i64)>) = match store {
        NORTH => {
            ("north", [300, 450, 500], vec![(1, 1, 2), (2, 2, 1), (3, 1, 5)], vec![(1, 1), (2, 2), (3, 2)])
        }
        _ => (
            "south",
            [310, 460, 520],
            vec![(1, 3, 4), (2, 2, 3), (3, 3, 1)],
            vec![(1, 1), (2, 2), (3, 1), (3, 2)],
        ),
    };
    let names = ["tea", "cake", "pie"];
    Rows {
        products: (0..3).map(|i| (i as i64 + 1, format!("{prefix} {}", names[i]), prices[i])).collect(),
        purchases,
        product_categories: links,
    }
}

/// The product names, in order.
fn names(products: &[products::Model]) -> Vec<&str> {
    products.iter().map(|p| p.name.as_str()).collect()
}

fn ids(purchases: &[purchases::Model]) -> Vec<i64> {
    purchases.iter().map(|p| p.id).collect()
}

/// The scoped connection's error inside `error`.
fn refusal(error: &DbErr) -> &Error {
    Error::from_db_err(error).unwrap_or_else(|| panic!("not a refusal of the scoped connection: {error}"))
}

fn new_product(id: i64, name: &str) -> products::ActiveModel {
    products::ActiveModel { store_id: NotSet, id: Set(id), name: Set(name.to_owned()), price_cents: Set(100) }
}

/// Asserts that south's rows are as seeded (after a write as north).
async fn south_unchanged(f: &Fixture) {
    assert_eq!(rows_of(&f.raw, SOUTH).await, seeded(SOUTH), "the other store's rows changed");
}

/// The control: on the raw connection the same operations see both stores, so each test
/// below fails if the scoped connection lets a statement through unscoped.
pub async fn the_raw_connection_sees_every_store(f: &Fixture) {
    let all = products::Entity::find().all(&f.raw).await.expect("find");
    assert_eq!(all.len(), 6);
    let by_statement = Statement::from_string(f.backend(), "SELECT name FROM products WHERE id = 1");
    assert_eq!(f.raw.query_all_raw(by_statement).await.expect("query").len(), 2);
    let bought = purchases::Entity::find().inner_join(products::Entity).count(&f.raw).await.expect("count");
    assert_eq!(bought, 6);
}

pub async fn find(f: &Fixture) {
    for (store, expected) in
        [(NORTH, ["north tea", "north cake", "north pie"]), (SOUTH, ["south tea", "south cake", "south pie"])]
    {
        let found =
            with_tenant(store, products::Entity::find().order_by_asc(products::Column::Id).all(&f.db))
                .await
                .expect("find");
        assert_eq!(names(&found), expected);
        assert!(found.iter().all(|p| p.store_id == store));
    }
}

pub async fn find_by_id(f: &Fixture) {
    with_tenant(NORTH, async {
        let own = products::Entity::find_by_id((NORTH, 2)).one(&f.db).await.expect("find own");
        assert_eq!(own.map(|p| p.name).as_deref(), Some("north cake"));
        let other = products::Entity::find_by_id((SOUTH, 2)).one(&f.db).await.expect("find other");
        assert_eq!(other, None, "another store's product by its full key");
    })
    .await;
    let south = with_tenant(SOUTH, products::Entity::find_by_id((SOUTH, 2)).one(&f.db)).await.expect("find");
    assert_eq!(south.map(|p| p.name).as_deref(), Some("south cake"));
}

pub async fn find_for_several_tenants(f: &Fixture) {
    let select = || {
        products::Entity::find().order_by_asc(products::Column::StoreId).order_by_asc(products::Column::Id)
    };
    let both = with_tenants([NORTH, SOUTH], select().all(&f.db)).await.expect("find for two stores");
    assert_eq!(
        names(&both),
        ["north tea", "north cake", "north pie", "south tea", "south cake", "south pie"]
    );
    let with_unknown = with_tenants([SOUTH, 3], select().all(&f.db)).await.expect("find for south and 3");
    assert_eq!(names(&with_unknown), ["south tea", "south cake", "south pie"]);
}

/// Admin work says `unscoped`: every store's rows, and a join spanning stores keeps each
/// purchase with its own store's product.
pub async fn find_unscoped(f: &Fixture) {
    let all = unscoped(products::Entity::find().all(&f.db)).await.expect("find unscoped");
    assert_eq!(all.len(), 6);
    let pairs = unscoped(
        purchases::Entity::find()
            .find_also_related(products::Entity)
            .order_by_asc(purchases::Column::StoreId)
            .order_by_asc(purchases::Column::Id)
            .all(&f.db),
    )
    .await
    .expect("find also related unscoped");
    let pairs: Vec<_> =
        pairs.iter().map(|(p, product)| (p.store_id, product.as_ref().map(|x| x.name.as_str()))).collect();
    let expected = [
        (1, Some("north tea")),
        (1, Some("north cake")),
        (1, Some("north tea")),
        (2, Some("south pie")),
        (2, Some("south cake")),
        (2, Some("south pie")),
    ];
    assert_eq!(pairs, expected);
}

pub async fn filter(f: &Fixture) {
    let select = || {
        products::Entity::find()
            .filter(products::Column::PriceCents.gt(455))
            .order_by_asc(products::Column::Id)
    };
    let north = with_tenant(NORTH, select().all(&f.db)).await.expect("filter");
    assert_eq!(names(&north), ["north pie"]);
    let south = with_tenant(SOUTH, select().all(&f.db)).await.expect("filter");
    assert_eq!(names(&south), ["south cake", "south pie"]);
}

pub async fn join(f: &Fixture) {
    let select = || {
        purchases::Entity::find()
            .inner_join(products::Entity)
            .filter(products::Column::Name.contains("tea"))
            .order_by_asc(purchases::Column::Id)
    };
    let north = with_tenant(NORTH, select().all(&f.db)).await.expect("join");
    assert_eq!(ids(&north), [1, 3]);
    assert!(north.iter().all(|p| p.store_id == NORTH));
    // South's tea was never bought.
    let south = with_tenant(SOUTH, select().all(&f.db)).await.expect("join");
    assert_eq!(ids(&south), Vec::<i64>::new());
}

pub async fn find_related(f: &Fixture) {
    with_tenant(NORTH, async {
        let tea =
            products::Entity::find_by_id((NORTH, 1)).one(&f.db).await.expect("find").expect("north tea");
        let bought = tea.find_related(purchases::Entity).order_by_asc(purchases::Column::Id).all(&f.db).await;
        let bought = bought.expect("find related");
        assert_eq!(
            bought.iter().map(|p| (p.store_id, p.id, p.quantity)).collect::<Vec<_>>(),
            [(1, 1, 2), (1, 3, 5)]
        );
    })
    .await;
}

pub async fn find_also_related(f: &Fixture) {
    let pairs = with_tenant(
        NORTH,
        purchases::Entity::find()
            .find_also_related(products::Entity)
            .order_by_asc(purchases::Column::Id)
            .all(&f.db),
    )
    .await
    .expect("find also related");
    let pairs: Vec<_> =
        pairs.iter().map(|(p, product)| (p.id, product.as_ref().map(|x| x.name.as_str()))).collect();
    assert_eq!(pairs, [(1, Some("north tea")), (2, Some("north cake")), (3, Some("north tea"))]);
}

pub async fn find_with_related(f: &Fixture) {
    for (store, expected) in [
        (NORTH, vec![("north tea", vec![1, 3]), ("north cake", vec![2]), ("north pie", vec![])]),
        (SOUTH, vec![("south tea", vec![]), ("south cake", vec![2]), ("south pie", vec![1, 3])]),
    ] {
        let found = with_tenant(
            store,
            products::Entity::find()
                .find_with_related(purchases::Entity)
                .order_by_asc(products::Column::Id)
                .order_by_asc(purchases::Column::Id)
                .all(&f.db),
        )
        .await
        .expect("find with related");
        let found: Vec<_> = found.iter().map(|(p, bought)| (p.name.as_str(), ids(bought))).collect();
        assert_eq!(found, expected);
    }
}

pub async fn load_one(f: &Fixture) {
    with_tenant(NORTH, async {
        let bought =
            purchases::Entity::find().order_by_asc(purchases::Column::Id).all(&f.db).await.expect("find");
        let products = bought.load_one(products::Entity, &f.db).await.expect("load one");
        let loaded: Vec<_> =
            products.iter().map(|p| p.as_ref().map(|p| (p.store_id, p.name.as_str()))).collect();
        assert_eq!(loaded, [Some((1, "north tea")), Some((1, "north cake")), Some((1, "north tea"))]);
    })
    .await;
}

pub async fn load_many(f: &Fixture) {
    for (store, expected) in
        [(NORTH, vec![vec![1, 3], vec![2], vec![]]), (SOUTH, vec![vec![], vec![2], vec![1, 3]])]
    {
        with_tenant(store, async {
            let products =
                products::Entity::find().order_by_asc(products::Column::Id).all(&f.db).await.expect("find");
            let bought = products.load_many(purchases::Entity, &f.db).await.expect("load many");
            let mut loaded: Vec<Vec<i64>> = bought.iter().map(|b| ids(b)).collect();
            loaded.iter_mut().for_each(|b| b.sort_unstable());
            assert_eq!(loaded, expected);
            assert!(bought.iter().flatten().all(|p| p.store_id == store));
        })
        .await;
    }
}

pub async fn load_many_to_many(f: &Fixture) {
    for (store, expected) in [
        (NORTH, vec![vec!["drinks"], vec!["bakery"], vec!["bakery"]]),
        (SOUTH, vec![vec!["drinks"], vec!["bakery"], vec!["bakery", "drinks"]]),
    ] {
        with_tenant(store, async {
            let products =
                products::Entity::find().order_by_asc(products::Column::Id).all(&f.db).await.expect("find");
            let loaded = products
                .load_many_to_many(categories::Entity, product_categories::Entity, &f.db)
                .await
                .expect("load many to many");
            let mut loaded: Vec<Vec<&str>> =
                loaded.iter().map(|c| c.iter().map(|c| c.name.as_str()).collect()).collect();
            loaded.iter_mut().for_each(|c| c.sort_unstable());
            assert_eq!(loaded, expected);
        })
        .await;
    }
}

pub async fn insert(f: &Fixture) {
    let jam = with_tenant(NORTH, new_product(4, "north jam").insert(&f.db)).await.expect("insert");
    assert_eq!((jam.store_id, jam.id, jam.name.as_str()), (NORTH, 4, "north jam"));
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn insert_many(f: &Fixture) {
    let rows = [new_product(4, "north jam"), new_product(5, "north soup")];
    with_tenant(NORTH, products::Entity::insert_many(rows).exec(&f.db)).await.expect("insert many");
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    expected.products.push((5, "north soup".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn save_changes_one_column(f: &Fixture) {
    with_tenant(NORTH, async {
        let tea =
            products::Entity::find_by_id((NORTH, 1)).one(&f.db).await.expect("find").expect("north tea");
        let mut tea: products::ActiveModel = tea.into();
        tea.name = Set("north green tea".to_owned());
        tea.save(&f.db).await.expect("save");
    })
    .await;
    let mut expected = seeded(NORTH);
    expected.products[0].1 = "north green tea".to_owned();
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn update_with_all_columns_set(f: &Fixture) {
    let cake = products::ActiveModel {
        store_id: Set(NORTH),
        id: Set(2),
        name: Set("north torte".to_owned()),
        price_cents: Set(999),
    };
    let updated = with_tenant(NORTH, cake.update(&f.db)).await.expect("update");
    assert_eq!((updated.store_id, updated.id, updated.name.as_str()), (NORTH, 2, "north torte"));
    let mut expected = seeded(NORTH);
    expected.products[1] = (2, "north torte".to_owned(), 999);
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

/// A full-row save that sets the tenant column too (`SET store_id = ..`): allowed when it
/// keeps the current store.
pub async fn update_many_with_a_full_row(f: &Fixture) {
    let pie = products::ActiveModel {
        store_id: Set(NORTH),
        id: Set(3),
        name: Set("north tart".to_owned()),
        price_cents: Set(555),
    };
    let update = products::Entity::update_many().set(pie).filter(products::Column::Id.eq(3));
    let result = with_tenant(NORTH, update.exec(&f.db)).await.expect("full-row update");
    assert_eq!(result.rows_affected, 1);
    let mut expected = seeded(NORTH);
    expected.products[2] = (3, "north tart".to_owned(), 555);
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn update_many(f: &Fixture) {
    let update = products::Entity::update_many()
        .col_expr(products::Column::PriceCents, Expr::col(products::Column::PriceCents).add(1))
        .filter(products::Column::Id.lte(2));
    let result = with_tenant(NORTH, update.exec(&f.db)).await.expect("update many");
    assert_eq!(result.rows_affected, 2);
    let mut expected = seeded(NORTH);
    expected.products[0].2 = 301;
    expected.products[1].2 = 451;
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn delete(f: &Fixture) {
    with_tenant(NORTH, async {
        let by_id = purchases::Entity::delete_by_id((NORTH, 2)).exec(&f.db).await.expect("delete by id");
        assert_eq!(by_id.rows_affected, 1);
        let other = purchases::Entity::delete_by_id((SOUTH, 1)).exec(&f.db).await.expect("delete other");
        assert_eq!(other.rows_affected, 0, "deleted another store's purchase by its full key");
        let third =
            purchases::Entity::find_by_id((NORTH, 3)).one(&f.db).await.expect("find").expect("purchase 3");
        assert_eq!(third.delete(&f.db).await.expect("delete model").rows_affected, 1);
    })
    .await;
    let mut expected = seeded(NORTH);
    expected.purchases.retain(|p| p.0 == 1);
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn delete_many(f: &Fixture) {
    let delete = purchases::Entity::delete_many().filter(purchases::Column::Quantity.gte(2));
    let result = with_tenant(NORTH, delete.exec(&f.db)).await.expect("delete many");
    assert_eq!(result.rows_affected, 2);
    let mut expected = seeded(NORTH);
    expected.purchases.retain(|p| p.0 == 2);
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn paginate(f: &Fixture) {
    with_tenant(NORTH, async {
        let pages = products::Entity::find().order_by_asc(products::Column::Id).paginate(&f.db, 2);
        let counts = pages.num_items_and_pages().await.expect("count pages");
        assert_eq!((counts.number_of_items, counts.number_of_pages), (3, 2));
        assert_eq!(names(&pages.fetch_page(0).await.expect("page 0")), ["north tea", "north cake"]);
        assert_eq!(names(&pages.fetch_page(1).await.expect("page 1")), ["north pie"]);
        assert!(pages.fetch_page(2).await.expect("page 2").is_empty());
    })
    .await;
}

pub async fn count(f: &Fixture) {
    with_tenant(NORTH, async {
        assert_eq!(products::Entity::find().count(&f.db).await.expect("count"), 3);
        let dear = products::Entity::find().filter(products::Column::PriceCents.gt(455));
        assert_eq!(dear.count(&f.db).await.expect("count filtered"), 1);
        assert_eq!(purchases::Entity::find().count(&f.db).await.expect("count purchases"), 3);
    })
    .await;
    let dear = products::Entity::find().filter(products::Column::PriceCents.gt(455));
    assert_eq!(with_tenant(SOUTH, dear.count(&f.db)).await.expect("count south"), 2);
}

pub async fn stream(f: &Fixture) {
    let streamed: Vec<products::Model> = with_tenant(NORTH, async {
        let rows = products::Entity::find().order_by_asc(products::Column::Id).stream(&f.db).await?;
        rows.try_collect().await
    })
    .await
    .expect("stream");
    assert_eq!(names(&streamed), ["north tea", "north cake", "north pie"]);
}

pub async fn stream_in_a_transaction(f: &Fixture) {
    let streamed: Vec<products::Model> = with_tenant(SOUTH, async {
        let txn = f.db.begin().await?;
        let rows: Vec<products::Model> = {
            let rows = products::Entity::find().order_by_asc(products::Column::Id).stream(&txn).await?;
            rows.try_collect().await?
        };
        txn.commit().await?;
        Ok::<_, DbErr>(rows)
    })
    .await
    .expect("stream in a transaction");
    assert_eq!(names(&streamed), ["south tea", "south cake", "south pie"]);
}

#[derive(Debug, FromQueryResult)]
struct Named {
    name: String,
}

pub async fn find_by_statement(f: &Fixture) {
    let sql = format!("SELECT * FROM products WHERE price_cents > {} ORDER BY id", f.placeholder(1));
    let statement = || Statement::from_sql_and_values(f.backend(), sql.as_str(), [400_i64.into()]);
    let models = with_tenant(NORTH, products::Entity::find().from_raw_sql(statement()).all(&f.db)).await;
    assert_eq!(names(&models.expect("from raw sql")), ["north cake", "north pie"]);
    let named = with_tenant(SOUTH, Named::find_by_statement(statement()).all(&f.db)).await;
    let named: Vec<String> = named.expect("find by statement").into_iter().map(|n| n.name).collect();
    assert_eq!(named, ["south cake", "south pie"]);
}

pub async fn execute_unprepared(f: &Fixture) {
    let sql = "UPDATE products SET price_cents = 0 WHERE id = 1";
    let result = with_tenant(NORTH, f.db.execute_unprepared(sql)).await.expect("execute unprepared");
    assert_eq!(result.rows_affected(), 1);
    let mut expected = seeded(NORTH);
    expected.products[0].2 = 0;
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

/// An upsert whose conflict hits the current store's row (the other store has the same id).
pub async fn insert_on_conflict_update(f: &Fixture) {
    let chai = products::ActiveModel { store_id: Set(NORTH), ..new_product(1, "north chai") };
    let upsert = products::Entity::insert(chai).on_conflict(
        OnConflict::columns([products::Column::StoreId, products::Column::Id])
            .update_columns([products::Column::Name])
            .to_owned(),
    );
    with_tenant(NORTH, upsert.exec(&f.db)).await.expect("upsert");
    let mut expected = seeded(NORTH);
    expected.products[0].1 = "north chai".to_owned();
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn refused_unprepared_insert_with_another_stores_id(f: &Fixture) {
    let sql = "INSERT INTO products (store_id, id, name, price_cents) VALUES (2, 9, 'planted', 1)";
    let error = with_tenant(NORTH, f.db.execute_unprepared(sql)).await.expect_err("refused");
    assert!(matches!(refusal(&error), Error::Refused(multitenant::Error::ForeignTenant { .. })), "{error}");
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn query_all_raw(f: &Fixture) {
    let name = |row: &sea_orm::QueryResult| row.try_get::<String>("", "name").expect("a name");
    let sql = format!("SELECT name FROM products WHERE id >= {} ORDER BY id", f.placeholder(1));
    let with_values = Statement::from_sql_and_values(f.backend(), sql, [2_i64.into()]);
    let rows = with_tenant(NORTH, f.db.query_all_raw(with_values)).await.expect("query all raw");
    assert_eq!(rows.iter().map(name).collect::<Vec<_>>(), ["north cake", "north pie"]);
    // A statement without values gets the tenant as its only one.
    let without = Statement::from_string(f.backend(), "SELECT name FROM products ORDER BY id");
    let rows = with_tenant(SOUTH, f.db.query_all_raw(without)).await.expect("query all raw without values");
    assert_eq!(rows.iter().map(name).collect::<Vec<_>>(), ["south tea", "south cake", "south pie"]);
}

pub async fn transaction_begin_commit(f: &Fixture) {
    with_tenant(NORTH, async {
        let txn = f.db.begin().await.expect("begin");
        new_product(4, "north jam").insert(&txn).await.expect("insert in the transaction");
        assert_eq!(products::Entity::find().count(&txn).await.expect("count"), 4);
        txn.commit().await.expect("commit");
    })
    .await;
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn transaction_rollback(f: &Fixture) {
    with_tenant(NORTH, async {
        let txn = f.db.begin().await.expect("begin");
        new_product(4, "north jam").insert(&txn).await.expect("insert");
        let deleted = purchases::Entity::delete_many().exec(&txn).await.expect("delete every purchase");
        assert_eq!(deleted.rows_affected, 3);
        txn.rollback().await.expect("rollback");
    })
    .await;
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn transaction_closure_commits(f: &Fixture) {
    let counted = with_tenant(
        NORTH,
        f.db.transaction::<_, _, DbErr>(|txn| {
            Box::pin(async move {
                new_product(4, "north jam").insert(txn).await?;
                products::Entity::find().count(txn).await
            })
        }),
    )
    .await
    .expect("the transaction");
    assert_eq!(counted, 4);
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

pub async fn transaction_closure_rolls_back_on_err(f: &Fixture) {
    let result = with_tenant(
        NORTH,
        f.db.transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                new_product(4, "north jam").insert(txn).await?;
                Err(DbErr::Custom("changed my mind".to_owned()))
            })
        }),
    )
    .await;
    assert!(matches!(result, Err(TransactionError::Transaction(DbErr::Custom(_)))), "{result:?}");
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn nested_transaction_rolls_back_to_its_savepoint(f: &Fixture) {
    with_tenant(NORTH, async {
        let outer = f.db.begin().await.expect("begin");
        new_product(4, "north jam").insert(&outer).await.expect("insert in the outer transaction");
        let inner = outer.begin().await.expect("begin nested");
        new_product(5, "north soup").insert(&inner).await.expect("insert in the nested transaction");
        assert_eq!(products::Entity::find().count(&inner).await.expect("count nested"), 5);
        inner.rollback().await.expect("roll back to the savepoint");
        outer
            .transaction::<_, _, DbErr>(|nested| {
                Box::pin(async move { new_product(6, "north stew").insert(nested).await.map(drop) })
            })
            .await
            .expect("a nested closure transaction");
        outer.commit().await.expect("commit");
    })
    .await;
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    expected.products.push((6, "north stew".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

/// With no tenant set, nothing reaches the database: a statement that also names a table that
/// does not exist fails with the rewriter's refusal, not the database's error.
pub async fn refused_without_a_tenant(f: &Fixture) {
    let all = products::Entity::find().all(&f.db).await.expect_err("refused");
    assert!(matches!(refusal(&all), Error::Refused(multitenant::Error::MissingTenant { .. })), "{all}");
    let missing = Statement::from_string(f.backend(), "SELECT * FROM products JOIN no_such_table ON true");
    let error = f.db.query_all_raw(missing).await.expect_err("refused");
    assert!(matches!(refusal(&error), Error::Refused(multitenant::Error::MissingTenant { .. })), "{error}");
    let error =
        f.db.execute_unprepared("DELETE FROM no_such_table; DELETE FROM products")
            .await
            .expect_err("refused");
    assert!(matches!(refusal(&error), Error::Refused(multitenant::Error::MissingTenant { .. })), "{error}");
    let streamed = products::Entity::find().stream(&f.db).await.map(drop).expect_err("refused");
    assert!(
        matches!(refusal(&streamed), Error::Refused(multitenant::Error::MissingTenant { .. })),
        "{streamed}"
    );
    assert!(f.db.begin().await.is_ok(), "a transaction itself needs no tenant");
}

pub async fn refused_write_without_a_tenant(f: &Fixture) {
    let product = products::ActiveModel { store_id: Set(NORTH), ..new_product(4, "north jam") };
    let error = product.insert(&f.db).await.expect_err("refused");
    assert!(matches!(refusal(&error), Error::Refused(multitenant::Error::MissingTenant { .. })), "{error}");
    let error = purchases::Entity::delete_many().exec(&f.db).await.expect_err("refused");
    assert!(matches!(refusal(&error), Error::Refused(multitenant::Error::MissingTenant { .. })), "{error}");
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn refused_insert_with_another_stores_id(f: &Fixture) {
    with_tenant(NORTH, async {
        let foreign = products::ActiveModel { store_id: Set(SOUTH), ..new_product(9, "planted") };
        let error = foreign.insert(&f.db).await.expect_err("refused");
        assert!(
            matches!(
                refusal(&error),
                Error::Refused(multitenant::Error::ForeignTenantParameter { index: 1, .. })
            ),
            "{error}"
        );
        // One foreign row among own rows refuses the whole statement.
        let mixed = [
            products::ActiveModel { store_id: Set(NORTH), ..new_product(4, "north jam") },
            products::ActiveModel { store_id: Set(SOUTH), ..new_product(9, "planted") },
        ];
        let error = products::Entity::insert_many(mixed).exec(&f.db).await.expect_err("refused");
        assert!(
            matches!(refusal(&error), Error::Refused(multitenant::Error::ForeignTenantParameter { .. })),
            "{error}"
        );
    })
    .await;
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn refused_update_moving_a_row_to_another_store(f: &Fixture) {
    let update = products::Entity::update_many()
        .col_expr(products::Column::StoreId, Expr::value(SOUTH))
        .filter(products::Column::Id.eq(1));
    let error = with_tenant(NORTH, update.exec(&f.db)).await.expect_err("refused");
    assert!(
        matches!(refusal(&error), Error::Refused(multitenant::Error::ForeignTenantParameter { .. })),
        "{error}"
    );
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

pub async fn refused_full_row_save_to_another_store(f: &Fixture) {
    let moved = products::ActiveModel {
        store_id: Set(SOUTH),
        id: Set(1),
        name: Set("moved".to_owned()),
        price_cents: Set(1),
    };
    let update = products::Entity::update_many().set(moved).filter(products::Column::Id.eq(1));
    let error = with_tenant(NORTH, update.exec(&f.db)).await.expect_err("refused");
    assert!(
        matches!(
            refusal(&error),
            Error::Refused(multitenant::Error::ForeignTenantParameter { index: 1, .. })
        ),
        "{error}"
    );
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

/// Saving a model keyed by another store's id finds no row of the current store: SeaORM's
/// own "not updated", and the other store's row is untouched.
pub async fn another_stores_row_is_not_updated(f: &Fixture) {
    let south_tea = products::ActiveModel {
        store_id: Set(SOUTH),
        id: Set(1),
        name: Set("stolen".to_owned()),
        price_cents: Set(1),
    };
    let error = with_tenant(NORTH, south_tea.update(&f.db)).await.expect_err("no row of north");
    assert!(matches!(error, DbErr::RecordNotUpdated), "{error}");
    assert_eq!(rows_of(&f.raw, NORTH).await, seeded(NORTH));
    south_unchanged(f).await;
}

/// A refusal inside a transaction sends nothing, so the transaction goes on and commits what
/// was allowed.
pub async fn refused_in_a_transaction_writes_nothing(f: &Fixture) {
    with_tenant(NORTH, async {
        let txn = f.db.begin().await.expect("begin");
        new_product(4, "north jam").insert(&txn).await.expect("insert");
        let foreign = products::ActiveModel { store_id: Set(SOUTH), ..new_product(9, "planted") };
        let error = foreign.insert(&txn).await.expect_err("refused");
        assert!(matches!(refusal(&error), Error::Refused(_)), "{error}");
        txn.commit().await.expect("commit");
    })
    .await;
    let mut expected = seeded(NORTH);
    expected.products.push((4, "north jam".to_owned(), 100));
    assert_eq!(rows_of(&f.raw, NORTH).await, expected);
    south_unchanged(f).await;
}

/// One value more than the statement's placeholders would take the tenant's place (here,
/// south's id for a north query): refused.
pub async fn raw_statement_with_too_many_values_is_refused(f: &Fixture) {
    let sql = format!("SELECT name FROM products WHERE id = {}", f.placeholder(1));
    let statement = Statement::from_sql_and_values(f.backend(), sql, [1_i64.into(), SOUTH.into()]);
    let error = with_tenant(NORTH, f.db.query_all_raw(statement)).await.expect_err("refused");
    assert!(matches!(refusal(&error), Error::ParameterCount { placeholders: 1, values: 2 }), "{error}");
}
