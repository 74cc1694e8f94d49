//! The scoped SeaORM connection on a real Citus cluster (`CITUS_URL`; skipped, saying so,
//! without it): the test schema distributed by `store_id` (co-located, `stores` and
//! `categories` as reference tables), the shared read tests return exactly one store's rows,
//! and every statement SeaORM sends for a read, a join or a related load runs as a single-task
//! router query (`Task Count: 1` in its `EXPLAIN`), where the same statement unscoped fans out.

mod common;

use std::sync::Mutex;

use common::entities::{categories, product_categories, products, purchases};
use common::ops::{self, NORTH};
use multitenant::with_tenant;
use multitenant_sea_orm::ScopedDatabase;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, QuerySelect, TransactionTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait, ExecResult,
    LoaderTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, RelationTrait, Statement,
};

fn citus_url() -> Option<String> {
    let url = common::database::citus_url();
    if url.is_none() {
        println!("skipped: CITUS_URL is not set (point it at a Citus 13 coordinator to run this test)");
    }
    url
}

/// The tables without their foreign keys (Citus distributes a table before the keys between
/// tenant tables can be added, and a reference table with keys would pull the others into its
/// metadata as local tables), then distributed, then the keys, in one transaction in sequential
/// mode (Citus refuses the keys after a parallel operation in the same transaction).
const DISTRIBUTE: &str = "
    BEGIN;
    SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
    CREATE TABLE stores (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE categories (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE products (store_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL,
                           price_cents bigint NOT NULL, PRIMARY KEY (store_id, id));
    CREATE TABLE purchases (store_id bigint NOT NULL, id bigint NOT NULL, product_id bigint NOT NULL,
                            quantity bigint NOT NULL, PRIMARY KEY (store_id, id));
    CREATE TABLE product_categories (store_id bigint NOT NULL, product_id bigint NOT NULL,
                                     category_id bigint NOT NULL,
                                     PRIMARY KEY (store_id, product_id, category_id));
    SELECT create_reference_table('stores');
    SELECT create_reference_table('categories');
    SELECT create_distributed_table('products', 'store_id');
    SELECT create_distributed_table('purchases', 'store_id', colocate_with => 'products');
    SELECT create_distributed_table('product_categories', 'store_id', colocate_with => 'products');
    ALTER TABLE products ADD FOREIGN KEY (store_id) REFERENCES stores (id);
    ALTER TABLE purchases ADD FOREIGN KEY (store_id) REFERENCES stores (id);
    ALTER TABLE purchases ADD FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id);
    ALTER TABLE product_categories ADD FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id);
    ALTER TABLE product_categories ADD FOREIGN KEY (category_id) REFERENCES categories (id);
    COMMIT;
";

/// A schema of its own on the shared cluster (tables named as the entities name them, found
/// through `search_path`), dropped with it, also when the test fails.
struct CitusSchema {
    url: String,
    name: String,
}

impl CitusSchema {
    async fn create(url: &str) -> (Self, DatabaseConnection) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("mt_seaorm_{}_{nanos}", std::process::id());
        let admin = Database::connect(url).await.expect("CITUS_URL is reachable");
        admin.execute_unprepared(&format!("CREATE SCHEMA {name}")).await.expect("create schema");
        drop(admin.close().await);
        let mut options = ConnectOptions::new(url);
        options.max_connections(2).set_schema_search_path(format!("{name},public"));
        let conn = Database::connect(options).await.expect("CITUS_URL is reachable");
        (Self { url: url.to_owned(), name }, conn)
    }
}

impl Drop for CitusSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), std::mem::take(&mut self.name));
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(admin) = Database::connect(url).await else { return };
                drop(admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS {name} CASCADE")).await);
            });
        });
        drop(dropped.join());
    }
}

/// A connection that records every statement SeaORM sends through it, then runs it on the
/// scoped connection.
struct Recorder<'a> {
    db: &'a ScopedDatabase,
    sent: Mutex<Vec<Statement>>,
}

impl Recorder<'_> {
    fn record(&self, statement: &Statement) {
        self.sent.lock().expect("not poisoned").push(statement.clone());
    }

    fn take(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.sent.lock().expect("not poisoned"))
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Recorder<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.record(&stmt);
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.record(&Statement::from_string(self.get_database_backend(), sql));
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.record(&stmt);
        self.db.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.record(&stmt);
        self.db.query_all_raw(stmt).await
    }
}

/// The plan of `statement` as one text, explained through `conn` (scoped or not).
async fn explain(conn: &impl ConnectionTrait, statement: &Statement) -> String {
    let sql = format!("EXPLAIN (COSTS OFF) {}", statement.sql);
    let explain = Statement { sql, ..statement.clone() };
    let rows = conn.query_all_raw(explain).await.unwrap_or_else(|e| panic!("{}: {e}", statement.sql));
    let lines: Vec<String> =
        rows.iter().map(|r| r.try_get::<String>("", "QUERY PLAN").expect("a plan line")).collect();
    lines.join("\n")
}

#[tokio::test]
async fn scoped_seaorm_reads_return_one_store_and_route_to_one_shard() {
    let Some(url) = citus_url() else { return };
    let (_schema, raw) = CitusSchema::create(&url).await;
    raw.execute_unprepared(DISTRIBUTE).await.expect("distribute the schema");
    raw.execute_unprepared(common::SEED).await.expect("seed the stores");
    let fixture = common::Fixture::over(raw);

    // The shared tests, on Citus: exact rows of one store.
    ops::the_raw_connection_sees_every_store(&fixture).await;
    ops::find(&fixture).await;
    ops::find_by_id(&fixture).await;
    ops::find_for_several_tenants(&fixture).await;
    ops::find_unscoped(&fixture).await;
    ops::filter(&fixture).await;
    ops::join(&fixture).await;
    ops::find_related(&fixture).await;
    ops::find_also_related(&fixture).await;
    ops::find_with_related(&fixture).await;
    ops::load_one(&fixture).await;
    ops::load_many(&fixture).await;
    ops::load_many_to_many(&fixture).await;
    ops::paginate(&fixture).await;
    ops::count(&fixture).await;
    ops::stream(&fixture).await;
    ops::find_by_statement(&fixture).await;
    ops::query_all_raw(&fixture).await;
    ops::refused_insert_with_another_stores_id(&fixture).await;
    ops::refused_update_moving_a_row_to_another_store(&fixture).await;
    ops::another_stores_row_is_not_updated(&fixture).await;
    ops::transaction_rollback(&fixture).await;

    // What SeaORM sends for each read: routed to one shard once scoped.
    let recorder = Recorder { db: &fixture.db, sent: Mutex::default() };
    let sent = with_tenant(NORTH, record_reads(&recorder)).await;
    assert!(sent.len() >= 12, "{sent:?}");
    for (operation, statement) in &sent {
        let plan = with_tenant(NORTH, explain(&fixture.db, statement)).await;
        let tasks = task_counts(&plan);
        assert!(!tasks.is_empty() && tasks.iter().all(|t| *t == 1), "{operation}: {}\n{plan}", statement.sql);
    }

    // The control: the same statement as SeaORM wrote it, unscoped, fans out to every shard.
    let (_, find) = &sent[0];
    let plan = explain(&fixture.raw, find).await;
    assert!(task_counts(&plan).iter().any(|t| *t > 1), "{}\n{plan}", find.sql);
}

/// Every `Task Count: n` of a distributed plan.
fn task_counts(plan: &str) -> Vec<u64> {
    let counts = plan.lines().filter_map(|line| line.trim().strip_prefix("Task Count: "));
    counts.map(|n| n.parse().expect("a task count")).collect()
}

/// Runs each read through `recorder` and returns what it sent, named by operation.
async fn record_reads(recorder: &Recorder<'_>) -> Vec<(&'static str, Statement)> {
    let mut sent = Vec::new();
    let mut note = |operation: &'static str, recorder: &Recorder<'_>| {
        sent.extend(recorder.take().into_iter().map(|s| (operation, s)));
    };
    let by_id = products::Entity::find().order_by_asc(products::Column::Id);
    let products = by_id.clone().all(recorder).await.expect("find");
    note("find", recorder);
    let tea = products::Entity::find_by_id((NORTH, 1)).one(recorder).await.expect("find by id").expect("tea");
    note("find_by_id", recorder);
    products::Entity::find()
        .filter(products::Column::PriceCents.gt(455))
        .all(recorder)
        .await
        .expect("filter");
    note("filter", recorder);
    let join =
        purchases::Entity::find().inner_join(products::Entity).filter(products::Column::Name.contains("tea"));
    join.all(recorder).await.expect("join");
    note("inner_join", recorder);
    let via_categories = products::Entity::find()
        .join(sea_orm::JoinType::InnerJoin, products::Relation::ProductCategories.def())
        .join(sea_orm::JoinType::InnerJoin, product_categories::Relation::Category.def())
        .filter(categories::Column::Name.eq("bakery"));
    via_categories.all(recorder).await.expect("join through the reference table");
    note("join_reference_table", recorder);
    tea.find_related(purchases::Entity).all(recorder).await.expect("find related");
    note("find_related", recorder);
    purchases::Entity::find()
        .find_also_related(products::Entity)
        .all(recorder)
        .await
        .expect("find also related");
    note("find_also_related", recorder);
    let with_related = by_id.clone().find_with_related(purchases::Entity);
    with_related.all(recorder).await.expect("find with related");
    note("find_with_related", recorder);
    let bought = purchases::Entity::find().all(recorder).await.expect("purchases");
    bought.load_one(products::Entity, recorder).await.expect("load one");
    note("load_one", recorder);
    products.load_many(purchases::Entity, recorder).await.expect("load many");
    note("load_many", recorder);
    let many_to_many = products.load_many_to_many(categories::Entity, product_categories::Entity, recorder);
    many_to_many.await.expect("load many to many");
    note("load_many_to_many", recorder);
    let pages = by_id.paginate(recorder, 2);
    pages.num_items_and_pages().await.expect("count pages");
    pages.fetch_page(1).await.expect("a page");
    note("paginate", recorder);
    products::Entity::find().count(recorder).await.expect("count");
    note("count", recorder);
    sent
}

/// Citus refuses a write to a reference table that a distributed table references after a
/// parallel multi-shard statement in the same transaction (facts T1-T3): the scoped transaction
/// switches to sequential mode before each statement that spans stores, so both commit. One
/// store's statements route to one shard and need nothing (T4).
#[tokio::test]
async fn a_transaction_that_spans_stores_may_then_write_a_reference_table() {
    let Some(url) = citus_url() else { return };
    let (_schema, raw) = CitusSchema::create(&url).await;
    raw.execute_unprepared(DISTRIBUTE).await.expect("distribute the schema");
    raw.execute_unprepared(common::SEED).await.expect("seed the stores");
    let fixture = common::Fixture::over(raw);
    let db = &fixture.db;

    let spanning =
        [multitenant::Scope::Unscoped, multitenant::Scope::tenants([1_i64, 2]).expect("two stores")];
    for (n, scope) in (100..).zip(spanning) {
        multitenant::with_scope(scope.clone(), async {
            let txn = db.begin().await?;
            let bumped = products::Entity::update_many()
                .col_expr(products::Column::PriceCents, Expr::col(products::Column::PriceCents).add(1))
                .exec(&txn)
                .await?;
            assert!(bumped.rows_affected > 3, "{scope:?}: a multi-shard update ({bumped:?})");
            categories::ActiveModel { id: Set(n), name: Set(format!("category {n}")) }.insert(&txn).await?;
            txn.commit().await
        })
        .await
        .unwrap_or_else(|e| panic!("{scope:?}: Citus refused the transaction: {e}"));
    }
    let added = categories::Entity::find().filter(categories::Column::Id.gte(100)).count(&fixture.raw).await;
    assert_eq!(added.expect("count"), 2);
}
