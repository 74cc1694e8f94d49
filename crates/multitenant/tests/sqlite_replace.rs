//! Why SQLite's REPLACE conflict resolution is refused on tenant tables (`INSERT OR REPLACE`,
//! `REPLACE INTO`, `UPDATE OR REPLACE`): on a real SQLite database, an update scoped to one
//! tenant deletes another tenant's row when it runs `OR REPLACE` and a unique key leaves the
//! tenant column out; without it, the same update fails and changes nothing.

mod common;

use multitenant::{Dialect, Error, Output, Rewriter, Scope};
use sqlx::SqlitePool;

const TABLE: &str = "
    CREATE TABLE ads (company_id INTEGER NOT NULL, id INTEGER NOT NULL, title TEXT UNIQUE,
                      PRIMARY KEY (company_id, id));
    INSERT INTO ads VALUES (42, 1, 'spring sale'), (7, 1, 'summer sale');
";

async fn tenants_left(pool: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT company_id FROM ads ORDER BY company_id").fetch_all(pool).await.expect("read")
}

#[tokio::test]
async fn update_or_replace_would_delete_another_tenants_row_so_it_is_refused() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Sqlite);
    let tenant = Scope::tenant(42_i64);
    let update = "UPDATE ads SET title = 'summer sale' WHERE id = 1";
    let scoped =
        rewriter.rewrite_in(Some(&tenant), update, Output::Inline).expect("a plain update is scoped");
    assert_eq!(scoped.sql(), "UPDATE ads SET title = 'summer sale' WHERE id = 1 AND ads.company_id = 42");

    let pool = SqlitePool::connect("sqlite::memory:").await.expect("open SQLite");
    sqlx::raw_sql(TABLE).execute(&pool).await.expect("create the table");
    // Scoped, the update meets tenant 7's title and fails: nothing changes.
    assert!(sqlx::raw_sql(sqlx::AssertSqlSafe(scoped.sql().to_owned())).execute(&pool).await.is_err());
    assert_eq!(tenants_left(&pool).await, [7, 42]);
    // The same scoped update with OR REPLACE deletes tenant 7's row to make room.
    let replacing = scoped.sql().replacen("UPDATE", "UPDATE OR REPLACE", 1);
    sqlx::raw_sql(sqlx::AssertSqlSafe(replacing)).execute(&pool).await.expect("runs");
    assert_eq!(tenants_left(&pool).await, [42], "tenant 7's row was deleted");

    // So the rewriter refuses it, with one tenant or several.
    let refused =
        rewriter.rewrite_in(Some(&tenant), &update.replacen("UPDATE", "UPDATE OR REPLACE", 1), Output::Bind);
    assert!(matches!(refused, Err(Error::Unsupported { .. })), "{refused:?}");
    let several = Scope::tenants([42_i64, 7]).expect("two tenants");
    let refused = rewriter.rewrite_in(Some(&several), "UPDATE OR REPLACE ads SET title = 'x'", Output::Bind);
    assert!(matches!(refused, Err(Error::Unsupported { .. })), "{refused:?}");
}
