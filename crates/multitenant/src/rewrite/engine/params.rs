//! The statement's own parameters: find the highest number in use, so the tenant can be bound
//! as the next one, and make SQLite's anonymous `?` explicit so adding a parameter in the
//! middle of a statement cannot shift the others.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, Value, visit_expressions_mut};

use crate::{Dialect, Error};

/// One more than the highest parameter number a statement may use: PostgreSQL takes at most
/// 65535 parameters, and the tenant needs the next number.
const MAX_PARAMETER: usize = 65535;

/// Numbers the statements' placeholders and returns the tenant's parameter number.
pub(super) fn prepare(statements: &mut [Statement], dialect: Dialect) -> Result<usize, Error> {
    let mut highest = 0;
    for statement in statements.iter_mut() {
        let flow = visit_expressions_mut(statement, |expr| match placeholder_mut(expr) {
            Some(text) => number(text, dialect, &mut highest),
            None => ControlFlow::Continue(()),
        });
        if let ControlFlow::Break(error) = flow {
            return Err(error);
        }
    }
    Ok(highest + 1)
}

fn placeholder_mut(expr: &mut Expr) -> Option<&mut String> {
    match expr {
        Expr::Value(v) => match &mut v.value {
            Value::Placeholder(text) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

fn number(text: &mut String, dialect: Dialect, highest: &mut usize) -> ControlFlow<Error> {
    match (dialect, text.as_bytes().first()) {
        (Dialect::Postgres, Some(b'$')) | (Dialect::Sqlite, Some(b'?')) if text.len() > 1 => {
            match text[1..].parse::<usize>() {
                Ok(n) if n > 0 && n < MAX_PARAMETER => {
                    *highest = (*highest).max(n);
                    ControlFlow::Continue(())
                }
                _ => unsupported(text, dialect),
            }
        }
        (Dialect::Sqlite, Some(b'?')) if *highest + 1 < MAX_PARAMETER => {
            *highest += 1;
            *text = dialect.placeholder(*highest);
            ControlFlow::Continue(())
        }
        _ => unsupported(text, dialect),
    }
}

fn unsupported(text: &str, dialect: Dialect) -> ControlFlow<Error> {
    let expected = match dialect {
        Dialect::Postgres => "numbered parameters $1, $2, ...",
        Dialect::Sqlite => "positional parameters ? or ?NNN",
    };
    ControlFlow::Break(Error::UnsupportedParameter { placeholder: text.to_owned(), expected })
}

/// The number of a parameter placeholder written as `$n` or `?n`.
pub(super) fn index_of(text: &str) -> Option<usize> {
    text.get(1..)?.parse().ok()
}
