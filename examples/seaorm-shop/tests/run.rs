//! The example program, run as built, prints the same story on SQLite, on PostgreSQL (twice on
//! one database: each run starts from its own empty tables) and on Citus, where its migration
//! has distributed the tables by store.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// Every line is a claim about isolation: each store sees its own rows under the same ids, the
/// update, the forged write and the read with no store set are as the program says.
const EXPECTED: &str = "\
stores 1 (North) and 2 (South) created, unscoped
store 1: products 1-3 (shoe, hat, scarf) and purchases 1-2 written
store 2: products 1-3 (kettle, teapot, cup) and purchases 1-2 written

store 1 sees products: 1 shoe (500 cents), 2 hat (1000 cents), 3 scarf (1500 cents)
  purchase 1: 2 x shoe
  purchase 2: 1 x scarf
  shoe was bought 1 time(s)
  hat was bought 0 time(s)
  scarf was bought 1 time(s)
  3 products on 2 pages of 2; page 2: 3 scarf (1500 cents)
  hat now costs 450 cents
  store 2's product 1 from store 1: None
  a purchase written into store 2: refused: parameter 1 fills a tenant column and holds 2, which is not the current tenant

store 2 sees products: 1 kettle (500 cents), 2 teapot (1000 cents), 3 cup (1500 cents); 2 purchases

no store set, a read: no tenant is set, and the statement touches tenant table products: run it inside multitenant::with_tenant(..), or inside multitenant::unscoped(..) for cross-tenant admin work
";

fn run(database_url: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_seaorm-shop"));
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    } else {
        command.env_remove("DATABASE_URL");
    }
    let output = command.output().expect("the example runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the example failed: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A database of the test's own on the server at `server` (a URL without a database), dropped
/// by [`Scratch::drop_now`].
struct Scratch {
    admin: DatabaseConnection,
    name: String,
    url: String,
}

impl Scratch {
    async fn create(server: &str, extension: Option<&str>) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("seaorm_shop_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = Database::connect(format!("{server}/postgres")).await.expect("the server is reachable");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create the database");
        let url = format!("{server}/{name}");
        if let Some(extension) = extension {
            let db = Database::connect(&url).await.expect("connect");
            db.execute_unprepared(&format!("CREATE EXTENSION {extension}"))
                .await
                .expect("create the extension");
            db.close().await.expect("close");
        }
        Self { admin, name, url }
    }

    async fn drop_now(self) {
        let drop = format!("DROP DATABASE {} WITH (FORCE)", self.name);
        self.admin.execute_unprepared(&drop).await.expect("drop the database");
    }
}

#[test]
fn on_embedded_sqlite_by_default() {
    assert_eq!(run(None), EXPECTED);
}

#[tokio::test]
async fn on_postgresql_twice_on_one_database() {
    let scratch = Scratch::create("postgres://postgres@127.0.0.1:5432", None).await;
    assert_eq!(run(Some(&scratch.url)), EXPECTED);
    assert_eq!(run(Some(&scratch.url)), EXPECTED, "a second run starts from empty tables of its own");
    scratch.drop_now().await;
}

#[tokio::test]
async fn on_citus_the_migration_distributes_the_tables_by_store() {
    let Ok(citus) = std::env::var("CITUS_URL") else {
        eprintln!("skipped: CITUS_URL is not set (see DEVELOPERS.md for a local cluster)");
        return;
    };
    let server = citus.rsplit_once('/').map_or(citus.as_str(), |(server, _database)| server);
    let scratch = Scratch::create(server, Some("citus")).await;
    assert_eq!(run(Some(&scratch.url)), EXPECTED);
    assert_eq!(run(Some(&scratch.url)), EXPECTED);

    let db = Database::connect(&scratch.url).await.expect("connect");
    let sql = "SELECT table_name::text || ' ' || citus_table_type || ' ' || distribution_column, colocation_id \
               FROM citus_tables ORDER BY 1";
    let rows =
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("citus_tables");
    let tables: Vec<String> = rows.iter().map(|row| row.try_get_by_index(0).expect("text")).collect();
    assert_eq!(
        tables,
        ["products distributed store_id", "purchases distributed store_id", "stores distributed id"]
    );
    let groups: Vec<i32> = rows.iter().map(|row| row.try_get_by_index(1).expect("colocation id")).collect();
    assert!(groups.windows(2).all(|pair| pair[0] == pair[1]), "co-located: {groups:?}");
    db.close().await.expect("close");
    scratch.drop_now().await;
}
