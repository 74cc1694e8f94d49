//! The oracle's verdict on one corpus entry.
//!
//! With tenant set T, the rewritten statement on the database of all tenants must return the
//! same rows, and make the same changes, as the original statement on a database holding only
//! T's rows of tenant tables; no row of another tenant may change. And the original statement
//! on all tenants must NOT pass that test (unless the entry says why it cannot), which proves
//! the data set would catch a missing predicate.

use std::collections::BTreeMap;

use multitenant::{Output, Rewriter, Rewritten, Scope, TenantBinding, TenantId};

use super::corpus::{Entry, Expect, Param, ScopeSpec};
use super::dataset::TENANTS;
use super::db::{Db, Outcome, Snapshot, TenantArg};

/// The databases of one dialect: all tenants, and restricted copies keyed by their tenants.
pub struct Oracle {
    pub full: Db,
    pub restricted: BTreeMap<Vec<i64>, Db>,
    pub rewriter: Rewriter,
    pub before: Snapshot,
}

/// What a passing entry proved.
pub enum Proof {
    /// Rewritten as required, and the original would have failed the comparison.
    Discriminating,
    /// Rewritten as required; the entry says why the original could not be told apart.
    Insensitive,
    /// Refused, as required.
    Refused,
}

impl Oracle {
    pub async fn check(&self, entry: &Entry) -> Result<Proof, String> {
        let scope = match &entry.scope {
            ScopeSpec::Tenants(tenants) => Scope::tenants(tenants.clone()),
            ScopeSpec::Unscoped => Some(Scope::Unscoped),
            ScopeSpec::None => None,
        };
        // A script cannot bind parameters: its tenant is written inline.
        let output = if entry.script { Output::Inline } else { Output::Bind };
        let rewritten = self.rewriter.rewrite_in(scope.as_ref(), &entry.sql, output);
        let rewritten = match (entry.expect, rewritten) {
            (Expect::Refused, Err(_)) => return Ok(Proof::Refused),
            (Expect::Refused, Ok(r)) => return Err(format!("expected a refusal, got: {}", r.sql())),
            (_, Err(error)) => return Err(format!("refused: {error}")),
            (_, Ok(rewritten)) => rewritten,
        };
        match (entry.expect, guard(&rewritten, &entry.params)) {
            (Expect::RefusedAtExec, Err(_)) => return Ok(Proof::Refused),
            (Expect::RefusedAtExec, Ok(())) => {
                return Err(format!("expected a refusal at execution, got: {}", rewritten.sql()));
            }
            (_, Err(error)) => return Err(format!("refused at execution: {error}")),
            (_, Ok(())) => {}
        }
        let tenant = tenant_arg(&rewritten);
        let got = self.run(&self.full, entry, rewritten.sql(), tenant.as_ref()).await;
        match &entry.scope {
            ScopeSpec::Tenants(tenants) if entry.per_tenant => {
                self.check_per_tenant(entry, tenants, &got).await
            }
            ScopeSpec::Tenants(tenants) => self.check_scoped(entry, tenants, &got).await,
            ScopeSpec::Unscoped => self.check_per_tenant(entry, &TENANTS, &got).await,
            ScopeSpec::None => {
                let want = self.run(&self.full, entry, &entry.sql, None).await;
                same_rows(&got, &want)?;
                same(&got.tables, &want.tables, "tables")?;
                Ok(Proof::Insensitive)
            }
        }
        .map_err(|problem| format!("{problem}\n      rewritten: {}", rewritten.sql()))
    }

    async fn check_scoped(&self, entry: &Entry, tenants: &[i64], got: &Outcome) -> Result<Proof, String> {
        let restricted = &self.restricted[&sorted(tenants)];
        let want = self.run(restricted, entry, &entry.sql, None).await;
        same_rows(got, &want)?;
        same(&in_scope(&got.tables, tenants), &want.tables, "tables of the scope's tenants")?;
        same(&others(&got.tables, tenants), &others(&self.before, tenants), "other tenants' rows")?;
        if entry.insensitive.is_some() {
            return Ok(Proof::Insensitive);
        }
        let raw = self.run(&self.full, entry, &entry.sql, None).await;
        let raw_passes = same_rows(&raw, &want).is_ok()
            && in_scope(&raw.tables, tenants) == want.tables
            && others(&raw.tables, tenants) == others(&self.before, tenants);
        match raw_passes {
            true => Err("the statement WITHOUT tenant predicates passes too: the data set does not test it \
                         (add rows that tell tenants apart, or mark the entry insensitive with a reason)"
                .to_owned()),
            false => Ok(Proof::Discriminating),
        }
    }

    /// Runs `sql` for `entry`; rows are sorted unless the entry's statement orders them.
    async fn run(&self, db: &Db, entry: &Entry, sql: &str, tenant: Option<&TenantArg>) -> Outcome {
        let mut outcome = db.run(sql, &entry.params, tenant, entry.script).await;
        if !entry.ordered
            && let Ok(rows) = &mut outcome.rows
        {
            rows.sort();
        }
        outcome
    }

    /// Statements over several tenants' rows (unscoped, or several tenants set) that join
    /// tenant tables along foreign keys: such a join stays within a tenant, so the rewritten
    /// statement returns what the original returns on each tenant's own database, together.
    async fn check_per_tenant(&self, entry: &Entry, tenants: &[i64], got: &Outcome) -> Result<Proof, String> {
        let mut want = Vec::new();
        for tenant in tenants {
            let outcome = self.run(&self.restricted[&vec![*tenant]], entry, &entry.sql, None).await;
            want.extend(
                outcome.rows.map_err(|e| format!("original fails on tenant {tenant}'s database: {e}"))?,
            );
        }
        want.sort();
        let got_rows = got.rows.clone().map_err(|e| format!("rewritten fails: {e}"))?;
        same(&got_rows, &want, "rows")?;
        if entry.insensitive.is_some() {
            return Ok(Proof::Insensitive);
        }
        let raw = self.run(&self.full, entry, &entry.sql, None).await;
        match raw.rows.as_ref() == Ok(&want) {
            true => {
                Err("the original statement returns the same rows: the data set does not test it".to_owned())
            }
            false => Ok(Proof::Discriminating),
        }
    }
}

/// Checks the values bound to guarded parameters, as an executor must before running.
fn guard(rewritten: &Rewritten, params: &[Param]) -> Result<(), String> {
    for &index in rewritten.guarded_parameters() {
        let value = match params.get(index - 1) {
            Some(Param::Int(v)) => TenantId::from(*v),
            Some(Param::Text(s)) => TenantId::from(s.as_str()),
            Some(Param::Null) | None => {
                return Err(format!("parameter {index} fills a tenant column with NULL"));
            }
        };
        rewritten.check_parameter(index, &value).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn tenant_arg(rewritten: &Rewritten) -> Option<TenantArg> {
    let parameter = rewritten.tenant_parameter()?;
    let int = |t: &TenantId| match t {
        TenantId::I64(v) => *v,
        other => panic!("the oracle's tenants are bigint, not {other}"),
    };
    Some(match parameter.binding() {
        TenantBinding::One(tenant) => TenantArg::One(int(tenant)),
        TenantBinding::Many(tenants, _) => TenantArg::Many(tenants.iter().map(int).collect()),
        other => panic!("unexpected binding {other:?}"),
    })
}

fn same_rows(got: &Outcome, want: &Outcome) -> Result<(), String> {
    match (&got.rows, &want.rows) {
        (Ok(g), Ok(w)) => same(g, w, "rows"),
        (Err(_), Err(_)) => Ok(()),
        (Err(e), Ok(_)) => Err(format!("the rewritten statement fails where the original runs: {e}")),
        (Ok(_), Err(e)) => {
            Err(format!("the original fails on the restricted database, the rewrite runs: {e}"))
        }
    }
}

fn same<T: PartialEq + std::fmt::Debug>(got: &T, want: &T, what: &str) -> Result<(), String> {
    match got == want {
        true => Ok(()),
        false => Err(format!("{what} differ\n      got:  {got:?}\n      want: {want:?}")),
    }
}

fn sorted(tenants: &[i64]) -> Vec<i64> {
    let mut tenants = tenants.to_vec();
    tenants.sort_unstable();
    tenants
}

fn in_scope(snapshot: &Snapshot, tenants: &[i64]) -> Snapshot {
    filter(snapshot, |tenant| tenant.is_none_or(|t| tenants.iter().any(|s| s.to_string() == t)))
}

fn others(snapshot: &Snapshot, tenants: &[i64]) -> Snapshot {
    filter(snapshot, |tenant| tenant.is_some_and(|t| !tenants.iter().any(|s| s.to_string() == t)))
}

fn filter(snapshot: &Snapshot, keep: impl Fn(Option<&str>) -> bool) -> Snapshot {
    snapshot
        .iter()
        .map(|(table, rows)| {
            (table.clone(), rows.iter().filter(|(t, _)| keep(t.as_deref())).cloned().collect())
        })
        .collect()
}
