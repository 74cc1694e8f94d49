//! A prototype of the other way to produce the rewritten text: keep the original text and
//! splice the added predicates into it at the positions sqlparser's spans give, instead of
//! printing the whole tree. It does the work such a design needs at run time (find each
//! query's insertion point from spans and tokens, print the predicate, turn line/column
//! locations into byte offsets, copy the text with the insertions), for the two benchmark
//! statements' shapes only (one tenant predicate per tenant table, appended to a `WHERE`), so
//! its cost can be measured against `to_string()`. It is not the rewriter.

use std::fmt::Write;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Select, Spanned, Statement, TableFactor, Visit, Visitor};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

/// A text insertion at a source location.
struct Edit {
    at: Location,
    text: String,
}

/// The original text with a tenant predicate spliced into every `WHERE` for each tenant table
/// (`ads`, `campaigns`) of its `FROM`.
pub fn splice(sql: &str, statements: &[Statement], tokens: &[TokenWithSpan], tenant: &str) -> String {
    let mut finder = EditFinder { tokens, tenant, edits: Vec::new() };
    for statement in statements {
        let _ = statement.visit(&mut finder);
    }
    let mut edits = finder.edits;
    edits.sort_by_key(|e| e.at);
    apply(sql, &edits)
}

struct EditFinder<'a> {
    tokens: &'a [TokenWithSpan],
    tenant: &'a str,
    edits: Vec<Edit>,
}

impl Visitor for EditFinder<'_> {
    type Break = ();

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        let Some(selection) = &select.selection else { return ControlFlow::Continue(()) };
        let mut text = String::new();
        for qualifier in tenant_tables(select) {
            let _ = write!(text, " AND {qualifier}.company_id = {}", self.tenant);
        }
        if !text.is_empty() {
            self.edits.push(Edit { at: end_of(selection, self.tokens), text });
        }
        ControlFlow::Continue(())
    }
}

/// The qualifiers of the tenant tables a `SELECT` reads.
fn tenant_tables(select: &Select) -> impl Iterator<Item = String> + '_ {
    let factors = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
    factors.filter_map(|factor| match factor {
        TableFactor::Table { name, alias, .. } => {
            let table = name.to_string();
            matches!(table.as_str(), "ads" | "campaigns")
                .then(|| alias.as_ref().map_or(table, |a| a.name.value.clone()))
        }
        _ => None,
    })
}

/// Where an expression ends in the text. sqlparser's spans leave out closing parentheses (a
/// subquery's span ends at its last token inside), so the parentheses opened inside the span
/// and closed after it are found in the token stream.
fn end_of(expr: &Expr, tokens: &[TokenWithSpan]) -> Location {
    let span = expr.span();
    let first = tokens.partition_point(|t| t.span.start < span.start);
    let after = tokens.partition_point(|t| t.span.end <= span.end);
    let mut open: usize = 0;
    for token in &tokens[first..after] {
        match token.token {
            Token::LParen => open += 1,
            Token::RParen => open = open.saturating_sub(1),
            _ => {}
        }
    }
    let mut end = span.end;
    for token in &tokens[after..] {
        match token.token {
            _ if open == 0 => break,
            Token::RParen => {
                open -= 1;
                end = token.span.end;
            }
            Token::Whitespace(_) => {}
            _ => break,
        }
    }
    end
}

/// Copies `sql` with the edits (sorted by location) inserted.
fn apply(sql: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(sql.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut copied = 0;
    let mut offsets = Offsets::new(sql);
    for edit in edits {
        let at = offsets.byte(edit.at);
        out.push_str(&sql[copied..at]);
        out.push_str(&edit.text);
        copied = at;
    }
    out.push_str(&sql[copied..]);
    out
}

/// Turns sqlparser's 1-based line/column (in characters) into byte offsets, moving forward.
struct Offsets<'a> {
    sql: &'a str,
    line: u64,
    line_start: usize,
}

impl<'a> Offsets<'a> {
    fn new(sql: &'a str) -> Self {
        Self { sql, line: 1, line_start: 0 }
    }

    fn byte(&mut self, at: Location) -> usize {
        while self.line < at.line {
            match self.sql[self.line_start..].find('\n') {
                Some(i) => self.line_start += i + 1,
                None => break,
            }
            self.line += 1;
        }
        let rest = &self.sql[self.line_start..];
        let column = usize::try_from(at.column.saturating_sub(1)).unwrap_or(usize::MAX);
        self.line_start + rest.char_indices().nth(column).map_or(rest.len(), |(i, _)| i)
    }
}
