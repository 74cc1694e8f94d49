//! The rewrite cache never hands a statement a rewrite made for another rewriter (schema),
//! another mode, or before a check that depends on the tenant: on one thread, across threads,
//! and under eviction. Every cached answer is compared with a rewrite made with the cache off.

use std::thread;

use multitenant::{Dialect, Error, Output, Rewriter, Schema, Scope, TenantBinding, TenantId};

mod common;

const SQL: &str = "SELECT * FROM ads WHERE id = $1";

fn schema_with_tenant_column(column: &str) -> Schema {
    Schema::builder().tenant_table("ads", column).build().expect("valid schema")
}

fn rewrite(rewriter: &Rewriter, scope: Option<&Scope>, sql: &str) -> Result<String, Error> {
    rewriter.rewrite_in(scope, sql, Output::Bind).map(|r| r.sql().to_owned())
}

/// What `sql` rewrites to with the cache off.
fn uncached(schema: Schema, scope: Option<&Scope>, sql: &str) -> Result<String, Error> {
    rewrite(&Rewriter::with_cache_capacity(schema, Dialect::Postgres, 0), scope, sql)
}

#[test]
fn rewriters_with_different_schemas_never_share_entries() {
    let scope = Scope::tenant(42_i64);
    let by_company = Rewriter::new(schema_with_tenant_column("company_id"), Dialect::Postgres);
    let by_account = Rewriter::new(schema_with_tenant_column("account_id"), Dialect::Postgres);
    for _ in 0..3 {
        assert_eq!(
            rewrite(&by_company, Some(&scope), SQL).expect("scoped"),
            "SELECT * FROM ads WHERE id = $1 AND ads.company_id = $2"
        );
        assert_eq!(
            rewrite(&by_account, Some(&scope), SQL).expect("scoped"),
            "SELECT * FROM ads WHERE id = $1 AND ads.account_id = $2"
        );
    }
    // A thread that met the other rewriter first.
    thread::scope(|s| {
        s.spawn(|| {
            assert!(
                rewrite(&by_account, Some(&scope), SQL).expect("scoped").ends_with("ads.account_id = $2")
            );
            assert!(
                rewrite(&by_company, Some(&scope), SQL).expect("scoped").ends_with("ads.company_id = $2")
            );
        });
    });
}

/// A cache keyed by the rewriter's address would fail this: each rewriter of the loop lives
/// where the one before it did.
#[test]
fn regression_a_new_rewriter_where_a_dropped_one_lived_does_not_inherit_its_entries() {
    let scope = Scope::tenant(42_i64);
    for round in 0..50 {
        let column = if round % 2 == 0 { "company_id" } else { "account_id" };
        let rewriter = Rewriter::new(schema_with_tenant_column(column), Dialect::Postgres);
        let sql = rewrite(&rewriter, Some(&scope), SQL).expect("scoped");
        assert!(sql.ends_with(&format!("ads.{column} = $2")), "round {round}: {sql}");
    }
}

#[test]
fn modes_never_share_entries() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Postgres);
    let scopes = [None, Scope::tenant(42_i64).into(), Scope::tenants([1_i64, 3]), Some(Scope::Unscoped)];
    let expected: Vec<_> = scopes.iter().map(|s| uncached(common::schema(), s.as_ref(), SQL)).collect();
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]] {
        for i in order {
            let got = rewrite(&rewriter, scopes[i].as_ref(), SQL);
            assert_eq!(format!("{got:?}"), format!("{:?}", expected[i]), "scope {:?}", scopes[i]);
        }
    }
}

/// Guarded and bound rewrites of one statement differ (the guard, and what is left to the
/// driver): each is kept apart from the other, in either order, on this thread's front and on
/// the shared level.
#[test]
fn guarded_and_bound_outputs_never_share_entries() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Postgres);
    let cold = Rewriter::with_cache_capacity(common::schema(), Dialect::Postgres, 0);
    let sql = "UPDATE ads SET company_id = $1 WHERE id = $2";
    let check = |scope: &Scope, output: Output| {
        let got = rewriter.rewrite_in(Some(scope), sql, output).expect("scoped");
        let expected = cold.rewrite_in(Some(scope), sql, output).expect("scoped");
        assert_eq!(got.sql(), expected.sql(), "{output:?} {scope:?}");
        assert_eq!(got.guarded_parameters(), expected.guarded_parameters(), "{output:?} {scope:?}");
        let guarded = got.sql().contains("CASE WHEN $1 = ");
        assert_eq!(guarded, output == Output::Guarded, "{}", got.sql());
        assert_eq!(got.guarded_parameters().is_empty(), guarded, "{output:?}");
    };
    let scopes = [Scope::tenant(42_i64), Scope::tenants([1_i64, 3]).expect("two tenants")];
    for scope in &scopes {
        for output in [Output::Bind, Output::Guarded, Output::Bind, Output::Guarded] {
            check(scope, output);
        }
    }
    thread::scope(|s| {
        s.spawn(|| {
            for scope in scopes.iter().rev() {
                for output in [Output::Guarded, Output::Bind, Output::Guarded, Output::Bind] {
                    check(scope, output);
                }
            }
        });
    });
}

#[test]
fn a_cached_insert_checks_its_tenant_literal_on_every_use() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Postgres);
    let sql = "INSERT INTO ads (company_id, id) VALUES (42, 1)";
    let (own, other) = (Scope::tenant(42_i64), Scope::tenant(7_i64));
    let foreign = |r: Result<String, Error>| matches!(r, Err(Error::ForeignTenant { .. }));
    assert!(rewrite(&rewriter, Some(&own), sql).is_ok());
    assert!(foreign(rewrite(&rewriter, Some(&other), sql)), "a hit in this thread's cache");
    thread::scope(|s| {
        s.spawn(|| {
            assert!(foreign(rewrite(&rewriter, Some(&other), sql)), "a hit in the shared cache");
            assert!(foreign(rewrite(&rewriter, Some(&other), sql)), "a hit in this thread's cache");
            assert!(rewrite(&rewriter, Some(&own), sql).is_ok());
        });
    });
}

#[test]
fn threads_sharing_a_rewriter_each_bind_their_own_tenant() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Postgres);
    let statements: Vec<String> =
        (0..32).map(|i| format!("SELECT * FROM ads WHERE id = $1 AND clicks > {i}")).collect();
    thread::scope(|s| {
        for tenant in [1_i64, 2, 3, 4] {
            let (rewriter, statements) = (&rewriter, &statements);
            s.spawn(move || {
                let scope = Scope::tenant(tenant);
                for sql in statements.iter().cycle().take(2_000) {
                    let rewritten = rewriter.rewrite_in(Some(&scope), sql, Output::Bind).expect("scoped");
                    let binding = rewritten.tenant_parameter().map(|p| p.binding());
                    assert_eq!(binding, Some(TenantBinding::One(&TenantId::from(tenant))));
                    assert!(rewritten.sql().starts_with(sql.as_str()), "{}", rewritten.sql());
                }
            });
        }
    });
}

/// Far more statements than either level holds (a shared capacity of 8, a thread's front of
/// 512 KiB): evictions on both levels never return a wrong rewrite.
#[test]
fn a_small_cache_under_pressure_returns_what_an_uncached_rewrite_does() {
    let rewriter = Rewriter::with_cache_capacity(common::schema(), Dialect::Postgres, 8);
    let cold = Rewriter::with_cache_capacity(common::schema(), Dialect::Postgres, 0);
    let scope = Scope::tenant(42_i64);
    let filler = "x".repeat(400);
    let statements: Vec<String> = (0..3_000)
        .map(|i| match i % 3 {
            0 => format!("SELECT * FROM ads WHERE title = '{filler}{i}'"),
            1 => format!("SELECT * FROM campaigns WHERE name = '{filler}{i}'"),
            _ => format!("SELECT * FROM geo WHERE name = '{filler}{i}'"),
        })
        .collect();
    for sql in statements.iter().chain(statements.iter().rev().step_by(7)).chain(&statements[..50]) {
        assert_eq!(
            rewrite(&rewriter, Some(&scope), sql).expect("scoped"),
            rewrite(&cold, Some(&scope), sql).expect("scoped")
        );
    }
}
