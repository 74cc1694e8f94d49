//! One statement: DML, queries and the statements that carry a query (`DECLARE ... CURSOR`,
//! `COPY (query) TO`) are walked; `FETCH` and `CLOSE` name no table; `EXECUTE` runs what the
//! rewriter cannot see and passes only unscoped; anything else passes only when it touches no
//! tenant table (or in unscoped mode).

use sqlparser::ast::{CopySource, Statement};

use super::walker::{Mode, Walker};
use crate::Error;

impl Walker<'_> {
    pub(super) fn statement(&mut self, statement: &mut Statement) -> Result<(), Error> {
        match statement {
            Statement::Query(query) => self.query(query),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Explain { statement, .. } => self.statement(statement),
            Statement::Declare { stmts } => self.declare(stmts),
            Statement::Copy { source: CopySource::Query(query), to: true, .. } => self.copy_query(query),
            Statement::Fetch { into: None, .. } | Statement::Close { .. } => Ok(()),
            // The rewriter refuses PREPARE under a tenant scope, so what EXECUTE runs was
            // prepared unscoped or elsewhere: it cannot be checked, and may read any tenant's rows.
            Statement::Execute { .. } if !matches!(self.mode, Mode::Unscoped) => Err(Error::Unverifiable {
                statement: "EXECUTE",
                reason: "it runs a statement prepared earlier, which the rewriter never saw, so its \
                         rows cannot be scoped; send the query itself (drivers prepare it for you), or \
                         run PREPARE and EXECUTE inside multitenant::unscoped(..)",
            }),
            other => {
                let text = other.to_string();
                let keyword = keyword(&text);
                let reason = reason(&keyword);
                self.refuse_if_tenant(&text, keyword, reason)
            }
        }
    }
}

/// The statement's leading keyword(s), as an error names it: `TRUNCATE`, `DROP TABLE`.
fn keyword(text: &str) -> String {
    let mut words = text.split_whitespace().map(str::to_ascii_uppercase);
    let first = words.next().unwrap_or_default();
    match (first.as_str(), words.next()) {
        ("CREATE" | "DROP" | "ALTER", Some(second)) => format!("{first} {second}"),
        _ => first,
    }
}

fn reason(keyword: &str) -> &'static str {
    match keyword {
        "TRUNCATE" => "it removes every tenant's rows; use DELETE, which is scoped to the tenant",
        "COPY" => {
            "COPY reads or writes whole tables; use INSERT or SELECT, or run it inside multitenant::unscoped(..)"
        }
        "MERGE" => "MERGE cannot be scoped yet; use INSERT ... ON CONFLICT",
        _ => "this statement cannot be scoped to a tenant; run it inside multitenant::unscoped(..)",
    }
}
