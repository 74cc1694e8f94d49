//! On a real Citus cluster (`CITUS_URL`): a transaction that reads or writes across tenants
//! and then writes a reference table that a distributed table references is accepted (Citus
//! refuses it in its default parallel mode). Skipped, saying so, without `CITUS_URL`.

use multitenant::{Schema, Scope, with_scope, with_tenant};
use multitenant_sqlx::ScopedPool;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

fn citus_url() -> Option<String> {
    let url = std::env::var("CITUS_URL").ok();
    if url.is_none() {
        eprintln!("skipped: CITUS_URL is not set (see DEVELOPERS.md to build a local cluster)");
    }
    url
}

/// Tables of their own on the cluster (the cluster is shared by every run), dropped afterwards.
struct Tables {
    pool: PgPool,
    ads: String,
    geo: String,
}

impl Tables {
    async fn create(pool: PgPool) -> Self {
        let run = format!(
            "{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let (ads, geo) = (format!("mt_sqlx_ads_{run}"), format!("mt_sqlx_geo_{run}"));
        let ddl = format!(
            "CREATE TABLE {geo} (id bigint PRIMARY KEY, name text NOT NULL);
             CREATE TABLE {ads} (company_id bigint NOT NULL, id bigint NOT NULL, geo_id bigint REFERENCES {geo} (id), title text NOT NULL,
                                 PRIMARY KEY (company_id, id));
             SELECT create_reference_table('{geo}');
             SELECT create_distributed_table('{ads}', 'company_id');
             INSERT INTO {geo} VALUES (5, 'north');
             INSERT INTO {ads} SELECT c, i, 5, 'ad ' || c || '/' || i FROM generate_series(1, 6) c, generate_series(1, 3) i;"
        );
        sqlx::raw_sql(AssertSqlSafe(ddl)).execute(&pool).await.expect("create the distributed tables");
        Self { pool, ads, geo }
    }

    fn schema(&self) -> Schema {
        Schema::builder()
            .tenant_table(self.ads.as_str(), "company_id")
            .reference_table(self.geo.as_str())
            .build()
            .expect("valid schema")
    }

    async fn drop_all(self) {
        let sql = format!("DROP TABLE IF EXISTS {}, {}", self.ads, self.geo);
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&self.pool).await.expect("drop the tables");
    }
}

#[tokio::test]
async fn a_transaction_writing_across_tenants_then_a_reference_table_is_accepted() {
    let Some(url) = citus_url() else { return };
    let pool = PgPoolOptions::new().max_connections(2).connect(&url).await.expect("connect to Citus");
    let tables = Tables::create(pool.clone()).await;
    let scoped = ScopedPool::new(pool.clone(), tables.schema());
    let (ads, geo) = (tables.ads.clone(), tables.geo.clone());

    // The same transaction on the raw pool: Citus refuses it (fact T1), so the test can fail.
    let mut raw = pool.begin().await.expect("begin");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "UPDATE {ads} SET title = title || '!' WHERE company_id IN (1, 2, 3, 4, 5, 6)"
    )))
    .execute(&mut *raw)
    .await
    .expect("a multi-shard update");
    let refused = sqlx::raw_sql(AssertSqlSafe(format!("UPDATE {geo} SET name = 'south' WHERE id = 5")))
        .execute(&mut *raw)
        .await;
    assert!(
        refused.is_err(),
        "Citus accepts a reference write after a parallel multi-shard write: the test proves nothing"
    );
    drop(raw);

    for scope in [Scope::Unscoped, Scope::tenants([1_i64, 2, 3, 4, 5, 6]).expect("six tenants")] {
        let result = with_scope(scope.clone(), async {
            let mut tx = scoped.begin().await?;
            let seen: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {ads}")))
                .fetch_one(&mut tx)
                .await?;
            assert_eq!(seen, 18, "{scope:?}: a multi-shard read first");
            let touched = sqlx::query(AssertSqlSafe(format!(
                "UPDATE {ads} SET title = title || '!' WHERE geo_id = $1"
            )))
            .bind(5_i64)
            .execute(&mut tx)
            .await?;
            sqlx::query(AssertSqlSafe(format!("UPDATE {geo} SET name = $1 WHERE id = $2")))
                .bind("south")
                .bind(5_i64)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            Ok::<_, multitenant_sqlx::Error>(touched.rows_affected())
        })
        .await;
        assert_eq!(result.expect("the scoped transaction commits"), 18, "{scope:?}: every tenant's ads");
    }

    // One tenant: routed to one shard, no sequential mode needed (fact T4), and it commits.
    let one = with_tenant(3_i64, async {
        let mut tx = scoped.begin().await?;
        let touched =
            sqlx::query(AssertSqlSafe(format!("UPDATE {ads} SET title = 'only three' WHERE geo_id = $1")))
                .bind(5_i64)
                .execute(&mut tx)
                .await?;
        sqlx::query(AssertSqlSafe(format!("UPDATE {geo} SET name = 'east' WHERE id = $1")))
            .bind(5_i64)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok::<_, multitenant_sqlx::Error>(touched.rows_affected())
    })
    .await;
    assert_eq!(one.expect("a single-tenant transaction commits"), 3);
    let titles: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT DISTINCT company_id, title FROM {ads} WHERE title = 'only three'"
    )))
    .fetch_all(&pool)
    .await
    .expect("read");
    assert_eq!(titles, vec![(3, "only three".to_owned())], "only tenant 3's ads changed");
    tables.drop_all().await;
}
