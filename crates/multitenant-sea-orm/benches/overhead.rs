//! What the scoped connection costs a SeaORM application on a real PostgreSQL: one workload,
//! two ways, in one run:
//!
//! - `plain`: plain SeaORM, with the tenant filters written by hand (`.filter(store_id.eq(..))`,
//!   `store_id: Set(..)`);
//! - `scoped`: the same operations without them, through [`ScopedDatabase`], in the store's
//!   scope.
//!
//! The ways take turns in short rounds, so each sees the same machine; each figure is the median
//! of the rounds' throughputs, each ratio the median of the rounds' ratios. Operations: a point
//! read by key, a join (`find_also_related`), an insert and an update, over 100 stores of 50
//! products, on a pool of one connection (requests one after another) and on a pool of 8 under
//! 32 concurrent tasks.
//!
//! `cargo bench -p multitenant-sea-orm --bench overhead` (`DATABASE_URL` names the server,
//! default the local one; the bench creates a database of its own and drops it).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use multitenant::with_tenant;
use multitenant_sea_orm::{ScopedDatabase, TenantEntity, TenantSchema};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

const STORES: i64 = 100;
const PRODUCTS: i64 = 50;
const ROUNDS: usize = 41;

mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub price_cents: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::purchase::Entity")]
        Purchase,
    }

    impl Related<super::purchase::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Purchase.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod purchase {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub store_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub product_id: i64,
        pub quantity: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::product::Entity",
            from = "(Column::StoreId, Column::ProductId)",
            to = "(super::product::Column::StoreId, super::product::Column::Id)"
        )]
        Product,
    }

    impl Related<super::product::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Product.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl TenantEntity for product::Entity {
    const TENANT_COLUMN: product::Column = product::Column::StoreId;
}

impl TenantEntity for purchase::Entity {
    const TENANT_COLUMN: purchase::Column = purchase::Column::StoreId;
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    PointRead,
    Join,
    Insert,
    Update,
}

/// One way of running the workload; purchase ids come from one counter per way, so inserts
/// never collide.
#[derive(Clone)]
enum Way {
    Plain(DatabaseConnection, Arc<AtomicI64>),
    Scoped(ScopedDatabase, Arc<AtomicI64>),
}

impl Way {
    async fn run(&self, op: Op, store: i64, id: i64) {
        let touched = match self {
            Way::Plain(db, ids) => plain(db, ids, op, store, id).await,
            Way::Scoped(db, ids) => with_tenant(store, scoped(db, ids, op, id)).await,
        };
        assert!(touched > 0, "{op:?} touched no row");
    }
}

/// An operation with its tenant filters written out, on plain SeaORM.
async fn plain(db: &DatabaseConnection, ids: &AtomicI64, op: Op, store: i64, id: i64) -> u64 {
    let result = match op {
        Op::PointRead => product::Entity::find()
            .filter(product::Column::StoreId.eq(store))
            .filter(product::Column::Id.eq(id))
            .one(db)
            .await
            .map(|found| u64::from(found.is_some())),
        Op::Join => purchase::Entity::find()
            .find_also_related(product::Entity)
            .filter(purchase::Column::StoreId.eq(store))
            .filter(purchase::Column::ProductId.eq(id))
            .all(db)
            .await
            .map(|rows| rows.len() as u64),
        Op::Insert => purchase::ActiveModel {
            store_id: Set(store),
            id: Set(ids.fetch_add(1, Ordering::Relaxed)),
            product_id: Set(id),
            quantity: Set(1),
        }
        .insert(db)
        .await
        .map(|_| 1),
        Op::Update => product::Entity::update_many()
            .col_expr(product::Column::PriceCents, Expr::col(product::Column::PriceCents).add(1))
            .filter(product::Column::StoreId.eq(store))
            .filter(product::Column::Id.eq(id))
            .exec(db)
            .await
            .map(|done| done.rows_affected),
    };
    result.expect("plain")
}

/// The same operation without tenant filters, through the scoped connection.
async fn scoped(db: &ScopedDatabase, ids: &AtomicI64, op: Op, id: i64) -> u64 {
    let result = match op {
        Op::PointRead => product::Entity::find()
            .filter(product::Column::Id.eq(id))
            .one(db)
            .await
            .map(|found| u64::from(found.is_some())),
        Op::Join => purchase::Entity::find()
            .find_also_related(product::Entity)
            .filter(purchase::Column::ProductId.eq(id))
            .all(db)
            .await
            .map(|rows| rows.len() as u64),
        Op::Insert => purchase::ActiveModel {
            id: Set(ids.fetch_add(1, Ordering::Relaxed)),
            product_id: Set(id),
            quantity: Set(1),
            ..Default::default()
        }
        .insert(db)
        .await
        .map(|_| 1),
        Op::Update => product::Entity::update_many()
            .col_expr(product::Column::PriceCents, Expr::col(product::Column::PriceCents).add(1))
            .filter(product::Column::Id.eq(id))
            .exec(db)
            .await
            .map(|done| done.rows_affected),
    };
    result.expect("scoped")
}

/// The store and product of a request's next step.
fn next(state: &mut u64) -> (i64, i64) {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    (((*state >> 33) as i64 % STORES) + 1, ((*state >> 17) as i64 % PRODUCTS) + 1)
}

/// Requests per second of `ops` requests of `op`, run by `tasks` tasks at once.
async fn throughput(way: &Way, op: Op, ops: usize, tasks: usize, seed: u64) -> f64 {
    let start = Instant::now();
    let workers = (0..tasks).map(|t| {
        let way = way.clone();
        tokio::spawn(async move {
            let mut state = seed ^ (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for _ in 0..ops / tasks {
                let (store, id) = next(&mut state);
                way.run(op, store, id).await;
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.expect("a worker");
    }
    (ops / tasks * tasks) as f64 / start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_of(database: &str) -> String {
    let server = server_url();
    let (base, _) = server.rsplit_once('/').expect("DATABASE_URL names a database");
    format!("{base}/{database}")
}

const SETUP: &str = "
    CREATE TABLE stores (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE products (store_id bigint NOT NULL REFERENCES stores (id), id bigint NOT NULL,
        name text NOT NULL, price_cents bigint NOT NULL, PRIMARY KEY (store_id, id));
    CREATE TABLE purchases (store_id bigint NOT NULL, id bigint NOT NULL, product_id bigint NOT NULL,
        quantity int NOT NULL, PRIMARY KEY (store_id, id),
        FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id));
    INSERT INTO stores SELECT s, 'store ' || s FROM generate_series(1, 100) s;
    INSERT INTO products SELECT s, p, 'product ' || p, 100 * p FROM generate_series(1, 100) s, generate_series(1, 50) p;
    INSERT INTO purchases SELECT s, (p - 1) * 4 + k, p, 1 FROM generate_series(1, 100) s, generate_series(1, 50) p, generate_series(1, 4) k;
    CREATE INDEX ON purchases (store_id, product_id);
    ANALYZE;
";

async fn connect(url: &str, connections: u32) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url);
    options.max_connections(connections).min_connections(connections).sqlx_logging(false);
    sea_orm::Database::connect(options).await.expect("connect")
}

#[tokio::main]
async fn main() {
    let database = format!("mt_seaorm_bench_{}", std::process::id());
    let admin = connect(&server_url(), 1).await;
    admin.execute_unprepared(&format!("CREATE DATABASE {database}")).await.expect("create the database");
    connect(&url_of(&database), 1).await.execute_unprepared(SETUP).await.expect("create the schema");

    let schema = TenantSchema::new()
        .tenant::<product::Entity>()
        .tenant::<purchase::Entity>()
        .build()
        .expect("the entities' schema");
    // Purchase ids for the inserts: each way counts up from its own start, across both set-ups.
    let first_free_id = PRODUCTS * 4 + 1;
    let ids =
        [Arc::new(AtomicI64::new(first_free_id)), Arc::new(AtomicI64::new(1_000_000_000 + first_free_id))];
    for (label, connections, tasks, ops) in
        [("one connection", 1, 1, 400), ("pool of 8, 32 tasks", 8, 32, 1_600)]
    {
        let pool = connect(&url_of(&database), connections).await;
        let ways = [
            Way::Plain(pool.clone(), Arc::clone(&ids[0])),
            Way::Scoped(
                ScopedDatabase::new(pool.clone(), schema.clone()).expect("PostgreSQL"),
                Arc::clone(&ids[1]),
            ),
        ];
        println!("\n## {label} ({ops} requests per way per round, {ROUNDS} rounds, median)\n");
        println!("| op | plain/s | scoped/s | scoped/plain |");
        println!("|---|---|---|---|");
        for op in [Op::PointRead, Op::Join, Op::Insert, Op::Update] {
            let mut rates: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
            for round in 0..=ROUNDS {
                for k in 0..ways.len() {
                    let w = (k + round) % ways.len();
                    let rate = throughput(&ways[w], op, ops, tasks, round as u64).await;
                    if round > 0 {
                        rates[w].push(rate); // round 0 warms both ways up
                    }
                }
            }
            let ratio = median(rates[1].iter().zip(&rates[0]).map(|(s, p)| s / p).collect());
            println!(
                "| {op:?} | {:.0} | {:.0} | {ratio:.3} |",
                median(rates[0].clone()),
                median(rates[1].clone())
            );
        }
        pool.close().await.expect("close the pool");
    }
    let drop_database = format!("DROP DATABASE {database} WITH (FORCE)");
    admin.execute_unprepared(&drop_database).await.expect("drop the database");
}
