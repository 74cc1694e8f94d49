//! The corpus file: statements with what the rewriter must do with them.
//!
//! ```text
//! -- name: join_left_campaign_ads
//! -- expect: ok                 ok | refused | refused-at-exec
//! -- scope: 2                   2 (default) | 1,3 | unscoped | none
//! -- dialects: postgres sqlite  (default: both)
//! -- params: 3, 'x', null       the statement's own parameters
//! -- insensitive: <reason>      the statement's result does not depend on the tenant filter
//! -- script                     several statements: run as a script (no parameters), the rows
//!                               of all of them compared
//! -- ordered                    rows are compared in order (the statement orders them)
//! -- per-tenant                 a read joining tenant tables along foreign keys with several
//!                               tenants set: compared with each tenant's own result, together
//! SELECT ...
//! ```

use multitenant::Dialect;

/// One statement of the corpus.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub sql: String,
    pub expect: Expect,
    pub scope: ScopeSpec,
    pub dialects: Vec<Dialect>,
    pub params: Vec<Param>,
    pub insensitive: Option<String>,
    pub script: bool,
    pub ordered: bool,
    pub per_tenant: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Ok,
    Refused,
    RefusedAtExec,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeSpec {
    Tenants(Vec<i64>),
    Unscoped,
    None,
}

/// A parameter value as the corpus writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
    Null,
}

/// Reads the corpus text. Panics (the test's failure) on a malformed entry, naming it.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for block in text.split("-- name:").skip(1) {
        let mut lines = block.lines();
        let name = lines.next().unwrap_or_default().trim().to_owned();
        let mut entry = Entry {
            name: name.clone(),
            sql: String::new(),
            expect: Expect::Ok,
            scope: ScopeSpec::Tenants(vec![2]),
            dialects: vec![Dialect::Postgres, Dialect::Sqlite],
            params: Vec::new(),
            insensitive: None,
            script: false,
            ordered: false,
            per_tenant: false,
        };
        let mut sql = Vec::new();
        for line in lines {
            match line.strip_prefix("-- ").and_then(|h| h.split_once(':')) {
                Some((key, value)) if sql.is_empty() => header(&mut entry, key.trim(), value.trim()),
                _ if line.trim() == "-- script" => entry.script = true,
                _ if line.trim() == "-- ordered" => entry.ordered = true,
                _ if line.trim() == "-- per-tenant" => entry.per_tenant = true,
                _ if line.trim().starts_with("--") => {}
                _ => sql.push(line),
            }
        }
        let sql = sql.join("\n");
        entry.sql = sql.trim().trim_end_matches(';').trim().to_owned();
        assert!(!entry.sql.is_empty(), "corpus entry {name} has no SQL");
        entries.push(entry);
    }
    entries
}

fn header(entry: &mut Entry, key: &str, value: &str) {
    let name = &entry.name;
    match key {
        "expect" => {
            entry.expect = match value {
                "ok" => Expect::Ok,
                "refused" => Expect::Refused,
                "refused-at-exec" => Expect::RefusedAtExec,
                other => panic!("{name}: unknown expect {other}"),
            }
        }
        "scope" => {
            entry.scope = match value {
                "unscoped" => ScopeSpec::Unscoped,
                "none" => ScopeSpec::None,
                list => ScopeSpec::Tenants(
                    list.split(',')
                        .map(|t| t.trim().parse().unwrap_or_else(|_| panic!("{name}: scope {list}")))
                        .collect(),
                ),
            }
        }
        "dialects" => {
            entry.dialects = value
                .split_whitespace()
                .map(|d| d.parse().unwrap_or_else(|_| panic!("{name}: dialect {d}")))
                .collect()
        }
        "params" => entry.params = value.split(',').map(|p| param(name, p.trim())).collect(),
        "insensitive" => entry.insensitive = Some(value.to_owned()),
        other => panic!("{name}: unknown header {other}"),
    }
}

fn param(name: &str, text: &str) -> Param {
    if text.eq_ignore_ascii_case("null") {
        Param::Null
    } else if let Some(s) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Param::Text(s.replace("''", "'"))
    } else {
        Param::Int(text.parse().unwrap_or_else(|_| panic!("{name}: parameter {text}")))
    }
}
