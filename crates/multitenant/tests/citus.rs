//! Against a real Citus cluster (set `CITUS_URL`; skipped, saying so, when it is unset): the
//! rewritten statements are ones Citus routes to a single shard, and unscoped joins run
//! co-located, where the unrewritten statements are refused or fan out.
//!
//! The test works in a schema of its own (unique name, dropped afterwards) inside the database
//! `CITUS_URL` names, since a new database would have to be created on every worker too.

mod common;

use common::schema;
use multitenant::{Dialect, Output, Rewriter, Scope, TenantBinding, TenantId};
use sqlx::postgres::{PgArguments, PgPool, PgPoolOptions};
use sqlx::{Arguments, AssertSqlSafe, Executor, Row};

const SETUP: &str = "
    CREATE TABLE companies (id bigint PRIMARY KEY, name text);
    CREATE TABLE geo (id int PRIMARY KEY, name text);
    CREATE TABLE campaigns (company_id bigint NOT NULL, id bigint NOT NULL, name text, PRIMARY KEY (company_id, id));
    CREATE TABLE ads (company_id bigint NOT NULL, id bigint NOT NULL, campaign_id bigint NOT NULL, geo_id int,
                      title text, PRIMARY KEY (company_id, id));
    SELECT create_reference_table('geo');
    SELECT create_distributed_table('companies', 'id');
    SELECT create_distributed_table('campaigns', 'company_id', colocate_with => 'companies');
    SELECT create_distributed_table('ads', 'company_id', colocate_with => 'companies');
    INSERT INTO geo SELECT g, 'geo ' || g FROM generate_series(1, 3) g;
    INSERT INTO companies SELECT c, 'company ' || c FROM generate_series(1, 6) c;
    INSERT INTO campaigns SELECT c, k, 'campaign ' || k FROM generate_series(1, 6) c, generate_series(1, 3) k;
    INSERT INTO ads SELECT c, a, a % 3 + 1, a % 3 + 1, 'c' || c || ' ad ' || a
        FROM generate_series(1, 6) c, generate_series(1, 10) a;";

/// A pool whose connections work in a fresh schema, and the schema's name.
async fn connect(url: &str) -> (PgPool, String) {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let schema = format!("mt_citus_{}_{nanos}", std::process::id());
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await.expect("CITUS_URL is reachable");
    admin.execute(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).await.expect("create schema");
    admin.close().await;
    let search_path = schema.clone();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let set = format!("SET search_path TO {search_path}, public");
            Box::pin(async move { conn.execute(AssertSqlSafe(set)).await.map(drop) })
        })
        .connect(url)
        .await
        .expect("CITUS_URL is reachable");
    (pool, schema)
}

/// Runs `sql` with its arguments then the tenant; returns the rows' first column as text.
async fn run(
    pool: &PgPool,
    sql: &str,
    args: &[i64],
    tenant: Option<TenantBinding<'_>>,
) -> Result<Vec<String>, String> {
    let mut arguments = PgArguments::default();
    for arg in args {
        arguments.add(*arg).expect("binds");
    }
    match tenant {
        Some(TenantBinding::One(TenantId::I64(t))) => arguments.add(*t).expect("binds"),
        Some(TenantBinding::Many(ts, _)) => {
            let ts: Vec<i64> =
                ts.iter().filter_map(|t| if let TenantId::I64(v) = t { Some(*v) } else { None }).collect();
            arguments.add(ts).expect("binds")
        }
        _ => {}
    }
    let rows = sqlx::query_with(AssertSqlSafe(sql.to_owned()), arguments).fetch_all(pool).await;
    let rows = rows.map_err(|e| e.to_string())?;
    Ok(rows.iter().map(|r| r.try_get::<String, _>(0).unwrap_or_else(|_| "?".to_owned())).collect())
}

fn rewrite(rewriter: &Rewriter, scope: &Scope, sql: &str) -> multitenant::Rewritten {
    rewriter.rewrite_in(Some(scope), sql, Output::Bind).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The EXPLAIN of a rewritten statement, as one text.
async fn explain(pool: &PgPool, rewritten: &multitenant::Rewritten, args: &[i64]) -> String {
    let sql = format!("EXPLAIN (COSTS OFF) {}", rewritten.sql());
    let tenant = rewritten.tenant_parameter().map(|p| p.binding());
    run(pool, &sql, args, tenant).await.unwrap_or_else(|e| panic!("{sql}: {e}")).join("\n")
}

#[tokio::test]
async fn citus_routes_rewritten_statements() {
    let Ok(url) = std::env::var("CITUS_URL") else {
        println!("skipped: CITUS_URL is not set (point it at a Citus 13 coordinator to run this test)");
        return;
    };
    let (pool, schema_name) = connect(&url).await;
    let result = checks(&pool).await;
    pool.execute(AssertSqlSafe(format!("DROP SCHEMA {schema_name} CASCADE"))).await.expect("drop schema");
    if let Err(problems) = result {
        panic!("{problems}");
    }
}

async fn checks(pool: &PgPool) -> Result<(), String> {
    sqlx::raw_sql(SETUP)
        .execute(pool)
        .await
        .map_err(|e| format!("the test tables do not distribute: {e}"))?;
    let rewriter = Rewriter::new(schema(), Dialect::Postgres);
    let tenant = Scope::tenant(5_i64);
    let mut problems = Vec::new();

    // Scoped statements route to one shard (one task), joins and correlated subqueries included.
    let single_shard = [
        ("SELECT title FROM ads WHERE id > $1", vec![3]),
        ("SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id WHERE c.id = $1", vec![2]),
        (
            "SELECT c.name FROM campaigns c WHERE EXISTS (SELECT 1 FROM ads a WHERE a.campaign_id = c.id)",
            vec![],
        ),
        ("SELECT a.title FROM ads a JOIN geo g ON g.id = a.geo_id WHERE g.id = $1", vec![1]),
        ("SELECT c.name, a.title FROM campaigns c LEFT JOIN ads a ON a.campaign_id = c.id", vec![]),
        ("UPDATE ads SET title = 'x' WHERE id = $1", vec![1]),
    ];
    for (sql, args) in single_shard {
        let rewritten = rewrite(&rewriter, &tenant, sql);
        let plan = explain(pool, &rewritten, &args).await;
        if !plan.contains("Task Count: 1") {
            problems.push(format!("not routed to one shard: {}\n{plan}", rewritten.sql()));
        }
    }

    // The same point read without the rewrite fans out to every shard: the check above is not
    // vacuous.
    let plan =
        run(pool, "EXPLAIN (COSTS OFF) SELECT title FROM ads WHERE id > $1", &[3], None).await?.join("\n");
    if plan.contains("Task Count: 1\n") || !plan.contains("Task Count:") {
        problems.push(format!("the unscoped point read does not fan out:\n{plan}"));
    }

    // Every row a scoped read returns is the tenant's own.
    let rewritten =
        rewrite(&rewriter, &tenant, "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id");
    match run(pool, rewritten.sql(), &[], rewritten.tenant_parameter().map(|p| p.binding())).await {
        Ok(titles) if titles.len() == 10 && titles.iter().all(|t| t.starts_with("c5 ")) => {}
        other => problems.push(format!("scoped join returned {other:?}")),
    }

    // Unscoped: the join along the foreign key is refused by Citus as written, and runs
    // co-located once the rewriter equates the tenant columns.
    let join = "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id";
    if run(pool, join, &[], None).await.is_ok() {
        problems.push("Citus ran the unrewritten cross-shard join: this test proves nothing".to_owned());
    }
    let rewritten = rewrite(&rewriter, &Scope::Unscoped, join);
    match run(pool, rewritten.sql(), &[], None).await {
        Ok(titles) if titles.len() == 60 => {}
        other => problems.push(format!("unscoped co-located join: {} returned {other:?}", rewritten.sql())),
    }

    // The same for a LATERAL subquery correlated along the foreign key.
    let lateral = "SELECT x.title FROM campaigns c CROSS JOIN LATERAL \
                   (SELECT a.title FROM ads a WHERE a.campaign_id = c.id ORDER BY a.id LIMIT 1) x";
    if run(pool, lateral, &[], None).await.is_ok() {
        problems
            .push("Citus ran the unrewritten cross-shard LATERAL join: this test proves nothing".to_owned());
    }
    let rewritten = rewrite(&rewriter, &Scope::Unscoped, lateral);
    match run(pool, rewritten.sql(), &[], None).await {
        Ok(titles) if titles.len() == 18 => {}
        other => problems.push(format!("unscoped LATERAL join: {} returned {other:?}", rewritten.sql())),
    }

    // Several tenants: correct, and Citus fans out to their shards only.
    let two = Scope::tenants([1_i64, 2]).expect("two tenants");
    let rewritten =
        rewrite(&rewriter, &two, "SELECT a.title FROM ads a JOIN campaigns c ON a.campaign_id = c.id");
    match run(pool, rewritten.sql(), &[], rewritten.tenant_parameter().map(|p| p.binding())).await {
        Ok(titles)
            if titles.len() == 20 && titles.iter().all(|t| t.starts_with("c1 ") || t.starts_with("c2 ")) => {}
        other => problems.push(format!("two-tenant join: {} returned {other:?}", rewritten.sql())),
    }

    relations_as_orms_write_them(pool, &rewriter, &mut problems).await;

    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems.join("\n\n")),
    }
}

/// Spanning tenants (two, or all when unscoped), relations along foreign keys written as ORMs
/// write them run on Citus, and return each tenant's own result (its routed single-tenant
/// rewrite), together.
async fn relations_as_orms_write_them(pool: &PgPool, rewriter: &Rewriter, problems: &mut Vec<String>) {
    const STATEMENTS: &[&str] = &[
        r#"SELECT c.name || ' of ' || c.company_id FROM campaigns c WHERE EXISTS(SELECT 1 AS "a" FROM "ads" U0 WHERE (U0."campaign_id" = ("c"."id") AND U0."id" >= 9) LIMIT 1)"#,
        "SELECT a.title FROM ads a WHERE a.campaign_id IN (SELECT c.id FROM campaigns c WHERE c.name = 'campaign 2')",
        "SELECT title FROM ads WHERE campaign_id NOT IN (SELECT id FROM campaigns WHERE name <> 'campaign 2')",
        "SELECT a.title FROM ads a WHERE a.campaign_id = ANY (SELECT c.id FROM campaigns c WHERE c.name = 'campaign 3')",
        "SELECT c.name || ': ' || (SELECT count(*) FROM ads U0 WHERE U0.campaign_id = (c.id) AND U0.id > c.company_id) FROM campaigns c",
        "UPDATE ads SET title = title WHERE id IN (SELECT U0.id FROM ads U0 JOIN campaigns U1 ON (U0.campaign_id = U1.id) \
         WHERE U1.name = 'campaign 3') RETURNING title",
    ];
    let scopes = [
        (Scope::tenants([1_i64, 2]).expect("two tenants"), vec![1_i64, 2]),
        (Scope::Unscoped, (1_i64..=6).collect()),
    ];
    for sql in STATEMENTS {
        for (scope, tenants) in &scopes {
            let rewritten = rewrite(rewriter, scope, sql);
            let mut got =
                run(pool, rewritten.sql(), &[], rewritten.tenant_parameter().map(|p| p.binding())).await;
            if let Ok(rows) = &mut got {
                rows.sort();
            }
            let mut want = Vec::new();
            for tenant in tenants {
                let own = rewrite(rewriter, &Scope::tenant(*tenant), sql);
                match run(pool, own.sql(), &[], own.tenant_parameter().map(|p| p.binding())).await {
                    Ok(rows) => want.extend(rows),
                    Err(e) => problems.push(format!("tenant {tenant}'s own {}: {e}", own.sql())),
                }
            }
            want.sort();
            match got {
                Ok(rows) if rows == want => {}
                other => problems.push(format!(
                    "{scope:?}: {}\n  returned {other:?}\n  want each tenant's own rows: {want:?}",
                    rewritten.sql()
                )),
            }
        }
    }
}
