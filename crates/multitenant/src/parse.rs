//! Parsing a whole SQL string: every statement, where each one lies in the token stream, and
//! an error when anything is left over.
//!
//! `sqlparser`'s own `Parser::parse_sql` stops at an `END` keyword after a statement and
//! silently drops the rest of the text: `SELECT 1 END; DELETE FROM ads` parses as `SELECT 1`,
//! while PostgreSQL and SQLite read `END` as a column alias and run the `DELETE` too. Both the
//! rewriter (which returns a statement it did not change as written) and the audit parse
//! through [`statements`], which refuses such text, and forms that sqlparser reads where the
//! databases do not and prints as text that reads back differently (a field of a number:
//! `10 .com`, printed `10.com`, which reads back as `10. AS com`).

use std::ops::{ControlFlow, Range};

use sqlparser::ast::{Expr, Statement, Value, visit_expressions};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::Dialect;

/// The statements of a SQL string, with the tokens they were parsed from.
pub(crate) struct Parsed {
    /// The statements, in order.
    pub(crate) statements: Vec<Statement>,
    /// For each statement, the indices in `tokens` of its first to last non-whitespace token.
    pub(crate) ranges: Vec<Range<usize>>,
    /// Every token of the text, whitespace and comments included.
    pub(crate) tokens: Vec<TokenWithSpan>,
}

/// Parses every statement of `sql`, refusing text that holds anything but statements
/// separated by semicolons.
pub(crate) fn statements(dialect: Dialect, sql: &str) -> Result<Parsed, ParserError> {
    let mut parser = Parser::new(dialect.parser()).try_with_sql(sql)?;
    let (mut statements, mut ranges) = (Vec::new(), Vec::new());
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token_ref().token == Token::EOF {
            break;
        }
        let start = skip_whitespace(&parser, parser.index());
        statements.push(parser.parse_statement()?);
        ranges.push(start..trim_whitespace(&parser, start, parser.index()));
        if !matches!(parser.peek_token_ref().token, Token::SemiColon | Token::EOF) {
            return parser.expected_ref("end of statement", parser.peek_token_ref());
        }
    }
    refuse_misread(&statements)?;
    Ok(Parsed { statements, ranges, tokens: parser.into_tokens() })
}

/// Refuses a field of a numeric literal (`10 .com`): neither database reads it, and sqlparser
/// prints it as `10.com`, a different expression.
fn refuse_misread(statements: &[Statement]) -> Result<(), ParserError> {
    let field_of_number = |expr: &Expr| match expr {
        Expr::CompoundFieldAccess { root, .. } => {
            matches!(root.as_ref(), Expr::Value(v) if matches!(v.value, Value::Number(..)))
        }
        _ => false,
    };
    for statement in statements {
        let flow = visit_expressions(statement, |expr| match field_of_number(expr) {
            true => ControlFlow::Break(expr.to_string()),
            false => ControlFlow::Continue(()),
        });
        if let ControlFlow::Break(text) = flow {
            return Err(ParserError::ParserError(format!(
                "{text} takes a field of a number, which is not SQL; parenthesize the value: (value).field"
            )));
        }
    }
    Ok(())
}

/// The index of the first token at or after `index` that is not whitespace.
fn skip_whitespace(parser: &Parser<'_>, mut index: usize) -> usize {
    while matches!(parser.token_at(index).token, Token::Whitespace(_)) {
        index += 1;
    }
    index
}

/// `end` moved back over whitespace, no further than `start`.
fn trim_whitespace(parser: &Parser<'_>, start: usize, mut end: usize) -> usize {
    while end > start && matches!(parser.token_at(end - 1).token, Token::Whitespace(_)) {
        end -= 1;
    }
    end
}
