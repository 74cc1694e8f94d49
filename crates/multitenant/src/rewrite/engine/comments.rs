//! A statement's leading and trailing comments, kept when the statement is printed again.
//!
//! Tracing and query tagging put a comment before or after every statement (sqlcommenter's
//! `/*traceparent='..',route='..'*/`, as OpenTelemetry, Rails' marginalia and Django add it),
//! and operators read it in `pg_stat_statements` and the logs. Printing the tree drops
//! comments, so they are put back where they were: before the statement, or after it (before
//! its `;`, or at the end of the text). Each one is a whole comment token as the dialect's
//! tokenizer found it, printed by sqlparser: `/* .. */` exactly as written (PostgreSQL's nested
//! comments included), `-- ..` always followed by a newline, so it cannot swallow what is
//! printed after it. Comments between a statement's own tokens are not kept.

use std::fmt::Write;

use sqlparser::ast::Statement;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use crate::parse::Parsed;

/// Whether `sql` may hold a comment at all: without `--` or `/*` it holds none, and printing
/// needs no look at the tokens.
pub(super) fn may_hold_comments(sql: &str) -> bool {
    sql.contains("--") || sql.contains("/*")
}

/// The statements printed and joined with `; `, each with its leading and trailing comments.
pub(super) fn print(parsed: &Parsed) -> String {
    let Parsed { statements, ranges, tokens } = parsed;
    let mut out = String::new();
    for (i, (statement, range)) in statements.iter().zip(ranges).enumerate() {
        let before =
            gap(tokens, i.checked_sub(1).and_then(|p| ranges.get(p)).map_or(0, |r| r.end), range.start);
        let after = gap(tokens, range.end, ranges.get(i + 1).map_or(tokens.len(), |r| r.start));
        if i > 0 {
            out.push_str("; ");
        }
        let leading = if i == 0 { before } else { after_separator(before) };
        let trailing = if i + 1 == statements.len() { after } else { before_separator(after) };
        print_statement(&mut out, leading, statement, trailing);
    }
    out
}

fn print_statement(
    out: &mut String,
    leading: &[TokenWithSpan],
    statement: &Statement,
    trailing: &[TokenWithSpan],
) {
    for comment in comments(leading) {
        let _ = write!(out, "{comment}");
        if matches!(comment, Whitespace::MultiLineComment(_)) {
            out.push(' ');
        }
    }
    let _ = write!(out, "{statement}");
    for comment in comments(trailing) {
        let _ = write!(out, " {comment}");
    }
}

/// The tokens from `start` up to `end` (none if the range is not within `tokens`).
fn gap(tokens: &[TokenWithSpan], start: usize, end: usize) -> &[TokenWithSpan] {
    tokens.get(start..end).unwrap_or_default()
}

/// The comment tokens among `tokens`. sqlparser's `Display` prints a `--` comment with the
/// newline that ends it.
fn comments(tokens: &[TokenWithSpan]) -> impl Iterator<Item = &Whitespace> {
    tokens.iter().filter_map(|t| match &t.token {
        Token::Whitespace(w @ (Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_))) => {
            Some(w)
        }
        _ => None,
    })
}

/// What follows the first `;` of a gap between two statements: the next one's leading part.
fn after_separator(gap: &[TokenWithSpan]) -> &[TokenWithSpan] {
    gap.iter().position(is_separator).map_or(gap, |i| &gap[i + 1..])
}

/// What precedes the first `;` of a gap between two statements: the previous one's trailing part.
fn before_separator(gap: &[TokenWithSpan]) -> &[TokenWithSpan] {
    gap.iter().position(is_separator).map_or(gap, |i| &gap[..i])
}

fn is_separator(token: &TokenWithSpan) -> bool {
    token.token == Token::SemiColon
}
