//! The data set: three tenants whose ids repeat (each has campaigns 1..3, ads 1..5, ...), with
//! different values per tenant, so a missing tenant predicate returns visibly wrong rows.

use multitenant::Dialect;

pub const TENANTS: [i64; 3] = [1, 2, 3];

/// The tables snapshotted after every statement: (name as SQL, whether its first column is the
/// tenant column).
pub fn tables(dialect: Dialect) -> Vec<(&'static str, bool)> {
    let mut tables = vec![
        ("companies", true),
        ("campaigns", true),
        ("ads", true),
        ("\"Visits\"", true),
        ("geo", false),
        ("settings", false),
    ];
    if dialect == Dialect::Postgres {
        tables.push(("analytics.events", true));
    }
    tables
}

/// DDL for `dialect`. A database restricted to one tenant is that tenant's own database: its
/// tenant columns default to the tenant, as if the column were not there.
pub fn ddl(dialect: Dialect, tenants: &[i64]) -> String {
    let (int, bigint) = match dialect {
        Dialect::Postgres => ("int", "bigint"),
        _ => ("INTEGER", "INTEGER"),
    };
    let tenant = match tenants {
        [only] => format!("{bigint} NOT NULL DEFAULT {only}"),
        _ => format!("{bigint} NOT NULL"),
    };
    let mut ddl = format!(
        "CREATE TABLE companies (id {bigint} PRIMARY KEY, name text NOT NULL);
         CREATE TABLE geo (id {int} PRIMARY KEY, name text NOT NULL);
         CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
         CREATE TABLE campaigns (company_id {tenant} REFERENCES companies (id), id {bigint} NOT NULL,
             name text NOT NULL, budget {int} NOT NULL, PRIMARY KEY (company_id, id));
         CREATE TABLE ads (company_id {tenant}, id {bigint} NOT NULL, campaign_id {bigint} NOT NULL,
             geo_id {int} REFERENCES geo (id), title text NOT NULL, clicks {int} NOT NULL,
             PRIMARY KEY (company_id, id), FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id));
         CREATE TABLE \"Visits\" (company_id {tenant}, id {bigint} NOT NULL, ad_id {bigint} NOT NULL,
             PRIMARY KEY (company_id, id));
         CREATE VIEW ad_stats AS SELECT company_id, campaign_id, count(*) AS ad_count FROM ads
             GROUP BY company_id, campaign_id;"
    );
    if dialect == Dialect::Postgres {
        ddl.push_str(&format!(
            "CREATE SCHEMA analytics;
             CREATE TABLE analytics.events (company_id {tenant}, id bigint NOT NULL, ad_id bigint NOT NULL,
                 kind text NOT NULL, PRIMARY KEY (company_id, id));"
        ));
    }
    ddl
}

/// INSERTs for the rows of `tenants` (reference and other tables in full).
pub fn data(dialect: Dialect, tenants: &[i64]) -> String {
    let mut sql = String::from(
        "INSERT INTO geo (id, name) VALUES (1, 'north'), (2, 'south'), (3, 'east');
         INSERT INTO settings (key, value) VALUES ('theme', 'dark'), ('lang', 'en');",
    );
    for &t in tenants {
        sql.push_str(&format!("INSERT INTO companies (id, name) VALUES ({t}, 'company {t}');"));
        for c in 1..=3 {
            sql.push_str(&format!(
                "INSERT INTO campaigns (company_id, id, name, budget) VALUES ({t}, {c}, 't{t} campaign {c}', {});",
                100 * t + c
            ));
        }
        for a in 1..=5 {
            let (campaign, geo, clicks) = (a % 3 + 1, a % 2 + 1, 10 * t + a);
            sql.push_str(&format!(
                "INSERT INTO ads (company_id, id, campaign_id, geo_id, title, clicks)
                 VALUES ({t}, {a}, {campaign}, {geo}, 't{t} ad {a}', {clicks});"
            ));
        }
        for v in 1..=2 {
            sql.push_str(&format!("INSERT INTO \"Visits\" (company_id, id, ad_id) VALUES ({t}, {v}, {v});"));
        }
        if dialect == Dialect::Postgres {
            for e in 1..=4 {
                let kind = if e % 2 == 0 { "click" } else { "view" };
                sql.push_str(&format!(
                    "INSERT INTO analytics.events (company_id, id, ad_id, kind) VALUES ({t}, {e}, {e}, '{kind}');"
                ));
            }
        }
    }
    sql
}
