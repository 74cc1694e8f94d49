//! The walk over the syntax tree: parse, scope each statement, print.
//!
//! [`rewrite`] is the entry point; printing keeps each statement's leading and trailing
//! comments (`comments.rs`). [`walker::Walker`] carries what a walk needs (the schema,
//! the mode, the CTE names in scope, what it found); the submodules each own one part of the
//! tree: queries and FROM clauses, DML, cursors and `COPY`, the tenant predicate, parameters,
//! co-location joins. Calls to functions no rewrite can scope are refused first, by one pass
//! over each whole statement (`crate::functions`).

mod colocate;
mod comments;
mod cursor;
mod dml;
mod params;
mod predicate;
mod query;
mod statement;
mod template;
mod walker;

use crate::parse::{self, Parsed};
use crate::{Dialect, Error, Schema, Scope, StatementKind, functions};

use super::Output;
use template::Findings;
pub(crate) use template::Template;
use walker::Walker;

/// What the engine needs to know to rewrite a statement.
pub(crate) struct Request<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) dialect: Dialect,
    pub(crate) scope: Option<&'a Scope>,
    pub(crate) output: Output,
}

/// Rewrites every statement in `sql`, or refuses the whole string.
pub(crate) fn rewrite(sql: &str, request: &Request<'_>) -> Result<Template, Error> {
    let mut parsed = parse::statements(request.dialect, sql).map_err(|source| Error::Parse { source })?;
    if !matches!(request.scope, Some(Scope::Unscoped)) {
        parsed.statements.iter().try_for_each(functions::check).map_err(|refusal| {
            Error::UnscopableFunction { function: refusal.function, reason: refusal.reason }
        })?;
    }
    let tenant_parameter = params::prepare(&mut parsed.statements, request.dialect)?;
    let mut walker = Walker::new(request, tenant_parameter);
    for statement in &mut parsed.statements {
        walker.statement(statement)?;
    }
    let Findings { changed, tenant_parameter_used, guarded_parameters, literal_checks } = walker.finish();
    let kind = StatementKind::of(&parsed.statements);
    let sql = if changed { print(&parsed, sql) } else { sql.to_owned() };
    let tenant_parameter = tenant_parameter_used.then_some(tenant_parameter);
    let checked_in_sql = request.output == Output::Guarded;
    Ok(Template::new(sql, kind, tenant_parameter, guarded_parameters, checked_in_sql, literal_checks))
}

/// The rewritten statements as text, joined with `; `, each with the comments it had before
/// and after it.
fn print(parsed: &Parsed, sql: &str) -> String {
    if comments::may_hold_comments(sql) {
        comments::print(parsed)
    } else {
        parsed.statements.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    }
}
