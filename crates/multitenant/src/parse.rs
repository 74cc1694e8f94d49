//! Parsing a whole SQL string: every statement, where each one lies in the token stream, and
//! an error when anything is left over.
//!
//! `sqlparser`'s own `Parser::parse_sql` stops at an `END` keyword after a statement and
//! silently drops the rest of the text: `SELECT 1 END; DELETE FROM ads` parses as `SELECT 1`,
//! while PostgreSQL and SQLite read `END` as a column alias and run the `DELETE` too. Both the
//! rewriter (which returns a statement it did not change as written) and the audit parse
//! through [`statements`], which refuses such text.

use std::ops::Range;

use sqlparser::ast::Statement;
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
    Ok(Parsed { statements, ranges, tokens: parser.into_tokens() })
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
