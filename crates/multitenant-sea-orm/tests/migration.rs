//! On plain PostgreSQL and SQLite the Citus operations change nothing and say so; the
//! migrator that uses them creates, loads and keeps the tables as plain tables.

mod support;

use multitenant_sea_orm::{Distributed, MigrationError, distribute, undistribute};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use sea_orm_migration::MigratorTrait;
use support::database::{TestDatabase, server_url};
use support::entities::schema;
use support::migrator::Migrator;

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let backend = db.get_database_backend();
    let statement = Statement::from_string(backend, format!("SELECT count(*) AS n FROM {table}"));
    let row = db.query_one_raw(statement).await.expect("count").expect("a row");
    row.try_get::<i64>("", "n").expect("the count")
}

async fn the_migrator_runs_and_distributing_is_a_no_op(db: &DatabaseConnection, backend: DbBackend) {
    Migrator::up(db, None).await.expect("the migrations run");
    for (table, rows) in [("stores", 2), ("categories", 2), ("products", 6), ("purchases", 4)] {
        assert_eq!(count(db, table).await, rows, "{table}");
    }
    assert_eq!(distribute(db, &schema()).await.expect("no-op"), Distributed::NotCitus(backend));
    let txn = db.begin().await.expect("a transaction");
    assert_eq!(undistribute(&txn, &schema()).await.expect("no-op"), Distributed::NotCitus(backend));
    txn.commit().await.expect("commit");
    Migrator::down(db, Some(1)).await.expect("the distribution's down");
    assert_eq!(count(db, "products").await, 6, "undistributing kept the rows");
    Migrator::down(db, None).await.expect("every down");
}

#[tokio::test]
async fn on_postgresql_without_citus_the_operations_say_they_did_nothing() {
    let database = TestDatabase::create(&server_url()).await;
    let db = database.connect().await;
    the_migrator_runs_and_distributing_is_a_no_op(&db, DbBackend::Postgres).await;
    let tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations'",
        ))
        .await
        .expect("tables");
    assert!(tables.is_empty(), "down dropped every table");
}

#[tokio::test]
async fn on_sqlite_the_operations_say_they_did_nothing() {
    let db = support::sqlite().await;
    the_migrator_runs_and_distributing_is_a_no_op(&db, DbBackend::Sqlite).await;
}

#[tokio::test]
async fn a_schema_whose_tables_are_missing_is_still_a_no_op_without_citus() {
    // Nothing is read or planned where there is no Citus: the no-op does not depend on the tables.
    let db = support::sqlite().await;
    let result: Result<Distributed, MigrationError> = distribute(&db, &schema()).await;
    assert_eq!(result.expect("no-op"), Distributed::NotCitus(DbBackend::Sqlite));
}

/// What the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_no_op_is_logged_at_info() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let db = support::sqlite().await;
    distribute(&db, &schema()).await.expect("no-op");
    let logged = String::from_utf8(captured.0.lock().expect("the buffer").clone()).expect("text");
    assert!(logged.contains("INFO") && logged.contains("not a Citus database"), "{logged}");
}

#[tokio::test]
async fn the_catalog_read_through_sea_orm_equals_the_one_sqlx_reads() {
    let database = TestDatabase::create(&server_url()).await;
    let db = database.connect().await;
    support::load(&db).await;
    let mut conn = multitenant_citus::connect(&database.url).await.expect("connect with sqlx");
    let by_sqlx = multitenant_citus::Catalog::read(&mut conn).await.expect("read with sqlx");
    let txn = db.begin().await.expect("a transaction");
    let by_sea_orm = multitenant_sea_orm::read_catalog(&txn).await.expect("read through SeaORM");
    // The savepoint was rolled back: the transaction goes on, with its search_path as it was.
    let path = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('search_path') AS p",
        ))
        .await
        .expect("the transaction is usable")
        .expect("a row");
    assert_eq!(path.try_get::<String>("", "p").expect("p"), r#""$user", public"#);
    txn.commit().await.expect("commit");
    assert_eq!(by_sea_orm, by_sqlx);
    assert_eq!(by_sea_orm.tables.len(), 4);
    let purchases = by_sea_orm.table_in("public", "purchases").expect("purchases");
    assert!(
        purchases.foreign_keys.iter().any(|fk| fk.columns == ["store_id", "product_id"]),
        "{purchases:?}"
    );
}

#[tokio::test]
async fn on_a_pool_the_catalog_read_says_it_needs_a_transaction() {
    let database = TestDatabase::create(&server_url()).await;
    let db = database.connect().await;
    let error = multitenant_sea_orm::read_catalog(&db).await.expect_err("a pool is not one connection");
    assert!(matches!(error, MigrationError::NotInTransaction { .. }), "{error:?}");
}
