//! On a real Citus cluster (`CITUS_URL`; skipped, saying so, without it): the migrator creates
//! the tables with the composite keys, loads them, and distributes them with the crate's
//! operation inside the migration's transaction; `pg_dist_partition` then says the tenant
//! tables are distributed by `store_id` (the stores by `id`) in one colocation group and
//! `categories` is a reference table, the rows are all there, and `down` undistributes them.
//!
//! Each test runs in a database of its own on the coordinator (`CREATE DATABASE`, then
//! `CREATE EXTENSION citus` in it), dropped at the end. Citus does not propagate the database to
//! the workers, and its metadata is per database: in the new database the coordinator is the
//! only node, and holds the shards.

mod support;

use multitenant_sea_orm::{Distributed, MigrationError, distribute};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use support::database::{TestDatabase, citus_url};
use support::entities::schema;
use support::migrator::{Migrator, OneMigration};

async fn citus_database(test: &str) -> Option<(TestDatabase, DatabaseConnection)> {
    let Some(url) = citus_url() else {
        println!("skipped: CITUS_URL is not set (the Citus test {test} needs a Citus coordinator)");
        return None;
    };
    let database = TestDatabase::create(&url).await;
    let db = database.connect().await;
    db.execute_unprepared("CREATE EXTENSION citus").await.expect("create the extension");
    Some((database, db))
}

/// `(table, partmethod, distribution column, colocation id, repmodel)` for each Citus table.
type Partition = (String, String, Option<String>, i32, String);

async fn partitions(db: &DatabaseConnection) -> Vec<Partition> {
    let sql = "SELECT logicalrelid::regclass::text AS t, partmethod::text AS m,
                      CASE WHEN partkey IS NOT NULL THEN column_to_column_name(logicalrelid, partkey) END AS c,
                      colocationid AS g, repmodel::text AS r
               FROM pg_dist_partition ORDER BY 1";
    let rows =
        db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect("pg_dist_partition");
    rows.iter()
        .map(|row| {
            let get = |c: &str| row.try_get::<String>("", c).expect("a text column");
            let column = row.try_get::<Option<String>>("", "c").expect("the column");
            (get("t"), get("m"), column, row.try_get::<i32>("", "g").expect("the group"), get("r"))
        })
        .collect()
}

async fn citus_tables(db: &DatabaseConnection) -> Vec<(String, String, String)> {
    let sql = "SELECT table_name::text AS t, citus_table_type AS k, distribution_column AS c FROM citus_tables ORDER BY 1";
    let rows =
        db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect("citus_tables");
    rows.iter()
        .map(|row| {
            let get = |c: &str| row.try_get::<String>("", c).expect("a text column");
            (get("t"), get("k"), get("c"))
        })
        .collect()
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.expect("the query");
    rows.iter().map(|row| row.try_get::<String>("", "v").expect("v")).collect()
}

/// The data, read back whole (every tenant's rows, ids repeating across them).
async fn data(db: &DatabaseConnection) -> Vec<String> {
    let mut all = rows(db, "SELECT concat_ws(',', id, name) AS v FROM stores ORDER BY id").await;
    all.extend(rows(db, "SELECT concat_ws(',', id, name) AS v FROM categories ORDER BY id").await);
    all.extend(
        rows(db, "SELECT concat_ws(',', store_id, id, name, price_cents, category_id) AS v FROM products ORDER BY 1").await,
    );
    all.extend(
        rows(db, "SELECT concat_ws(',', store_id, id, product_id, quantity) AS v FROM purchases ORDER BY 1")
            .await,
    );
    all
}

fn expected_data() -> Vec<String> {
    let text = "1,one 2,two 1,tools 2,food 1,1,s1-p1,101,1 1,2,s1-p2,102,2 1,3,s1-p3,103,1 \
                2,1,s2-p1,201,2 2,2,s2-p2,202,1 2,3,s2-p3,203,2 1,1,1,1 1,2,2,2 2,1,1,1 2,2,2,2";
    text.split(' ').map(str::to_owned).collect()
}

/// Distributed by the tenant column, one colocation group, categories a reference table.
async fn assert_distributed(db: &DatabaseConnection) {
    let found = partitions(db).await;
    let tenant: Vec<_> = found.iter().filter(|p| p.1 == "h").collect();
    let columns: Vec<_> = tenant.iter().map(|p| (p.0.as_str(), p.2.as_deref())).collect();
    assert_eq!(
        columns,
        [("products", Some("store_id")), ("purchases", Some("store_id")), ("stores", Some("id"))]
    );
    assert!(tenant.iter().all(|p| p.3 == tenant[0].3 && p.3 != 0), "one colocation group: {found:?}");
    let reference: Vec<_> =
        found.iter().filter(|p| p.1 == "n").map(|p| (p.0.as_str(), p.4.as_str())).collect();
    assert_eq!(reference, [("categories", "t")], "{found:?}");
    let types = citus_tables(db).await;
    let expected = [
        ("categories", "reference", "<none>"),
        ("products", "distributed", "store_id"),
        ("purchases", "distributed", "store_id"),
        ("stores", "distributed", "id"),
    ];
    let types: Vec<_> = types.iter().map(|(t, k, c)| (t.as_str(), k.as_str(), c.as_str())).collect();
    assert_eq!(types, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_migrator_distributes_the_tables_co_located_and_down_undistributes_them() {
    let Some((_database, db)) = citus_database("distribute_in_a_migration").await else { return };
    Migrator::up(&db, None).await.expect("the migrations run");
    assert_distributed(&db).await;
    assert_eq!(data(&db).await, expected_data(), "the data is still there");
    let cross = "INSERT INTO purchases (store_id, id, product_id, quantity) VALUES (1, 9, 9, 1)";
    assert!(db.execute_unprepared(cross).await.is_err(), "the composite foreign key still holds");

    // Distributing again finds nothing to do.
    let txn = db.begin().await.expect("a transaction");
    assert_eq!(distribute(&txn, &schema()).await.expect("planned"), Distributed::NothingToDo);
    txn.commit().await.expect("commit");

    Migrator::down(&db, Some(1)).await.expect("the distribution's down");
    assert_eq!(partitions(&db).await, Vec::<Partition>::new(), "every table is plain again");
    assert_eq!(data(&db).await, expected_data(), "the data is still there");
    assert!(db.execute_unprepared(cross).await.is_err(), "the composite foreign key was kept");
    Migrator::down(&db, None).await.expect("every down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn tables_created_in_the_same_migration_are_distributed_from_its_transaction() {
    let Some((_database, db)) = citus_database("distribute_in_the_creating_migration").await else { return };
    OneMigration::up(&db, None).await.expect("the migration runs");
    assert_distributed(&db).await;
    assert_eq!(data(&db).await, expected_data(), "the data is still there");
    OneMigration::down(&db, None).await.expect("down");
    let tables =
        rows(&db, "SELECT tablename::text AS v FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").await;
    assert_eq!(tables, ["seaql_migrations"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn outside_a_transaction_distributing_is_refused_and_changes_nothing() {
    let Some((_database, db)) = citus_database("distribute_outside_a_transaction").await else { return };
    support::load(&db).await;
    let error = distribute(&db, &schema()).await.expect_err("a pool is not one connection");
    assert!(matches!(error, MigrationError::NotInTransaction { .. }), "{error:?}");
    assert!(error.to_string().contains("MigrationTrait::up"), "{error}");
    assert_eq!(partitions(&db).await, Vec::<Partition>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_table_the_schema_declares_but_the_database_lacks_is_a_plan_error() {
    let Some((_database, db)) = citus_database("distribute_a_missing_table").await else { return };
    let txn = db.begin().await.expect("a transaction");
    let error = distribute(&txn, &schema()).await.expect_err("no tables");
    assert!(
        matches!(error, MigrationError::Plan(multitenant_citus::Error::MissingTable { .. })),
        "{error:?}"
    );
    txn.rollback().await.expect("rollback");
}
