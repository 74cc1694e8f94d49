//! The TOML schema file format.
//!
//! ```toml
//! tenant_type = "bigint"           # optional: bigint, integer, uuid or text
//!
//! [tables.companies]               # the tenant table itself: its tenant column is its id
//! tenant_column = "id"
//!
//! [tables.ads]
//! tenant_column = "company_id"
//! foreign_keys = [{ columns = ["company_id"], references = "companies", referenced_columns = ["id"] }]
//!
//! [tables.geo]                     # shared by all tenants (a Citus reference table)
//! reference = true
//! ```
//!
//! Table keys, `references` and column names are SQL identifiers (`"analytics.events"`,
//! `'"Visits"'`). `tenant_type` may also be set per tenant table; all must agree. Unknown keys
//! are refused. Every error names its 1-based line; the checks
//! themselves are shared with [`SchemaBuilder`](super::SchemaBuilder).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::decl::{self, ForeignKeyDecl, TableDecl, Written};
use super::{Schema, SchemaError};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    tenant_type: Option<Spanned<String>>,
    #[serde(default)]
    tables: BTreeMap<Spanned<String>, TableEntry>,
}

/// One `[tables.<name>]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableEntry {
    tenant_column: Option<Spanned<String>>,
    #[serde(default)]
    reference: bool,
    tenant_type: Option<Spanned<String>>,
    #[serde(default)]
    foreign_keys: Vec<Spanned<ForeignKeyEntry>>,
}

/// One entry of `foreign_keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForeignKeyEntry {
    columns: Vec<Spanned<String>>,
    references: Spanned<String>,
    referenced_columns: Vec<Spanned<String>>,
}

/// Parses and checks a schema file.
pub(super) fn parse(text: &str) -> Result<Schema, SchemaError> {
    let lines = Lines::new(text);
    let file: File = toml::from_str(text).map_err(|e| SchemaError::Syntax {
        message: e.message().to_owned(),
        line: e.span().map(|span| lines.of(span.start)),
    })?;
    let mut tables: Vec<_> = file.tables.into_iter().collect();
    tables.sort_by_key(|(name, _)| name.span().start);
    let decls: Vec<TableDecl> =
        tables.into_iter().map(|(name, entry)| table_decl(&lines, name, entry)).collect();
    let tenant_type = file.tenant_type.map(|t| lines.written(t));
    decl::check(tenant_type.as_ref(), &decls)
}

fn table_decl(lines: &Lines, name: Spanned<String>, entry: TableEntry) -> TableDecl {
    TableDecl {
        name: lines.written(name),
        tenant_column: entry.tenant_column.map(|column| lines.written(column)),
        reference: entry.reference,
        tenant_type: entry.tenant_type.map(|t| lines.written(t)),
        foreign_keys: entry.foreign_keys.into_iter().map(|fk| foreign_key_decl(lines, fk)).collect(),
    }
}

fn foreign_key_decl(lines: &Lines, fk: Spanned<ForeignKeyEntry>) -> ForeignKeyDecl {
    let line = Some(lines.of(fk.span().start));
    let fk = fk.into_inner();
    ForeignKeyDecl {
        line,
        columns: fk.columns.into_iter().map(|c| lines.written(c)).collect(),
        references: lines.written(fk.references),
        referenced_columns: fk.referenced_columns.into_iter().map(|c| lines.written(c)).collect(),
    }
}

/// Maps byte offsets in the file to 1-based line numbers.
struct Lines {
    /// Byte offset of every `\n`, ascending.
    newlines: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        Self { newlines: text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect() }
    }

    /// The line holding byte `offset`.
    fn of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&newline| newline < offset) + 1
    }

    fn written(&self, value: Spanned<String>) -> Written {
        let line = Some(self.of(value.span().start));
        Written { text: value.into_inner(), line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based_and_count_newlines_before_the_offset() {
        let lines = Lines::new("a\nbc\n\nd");
        let expected = [(0, 1), (1, 1), (2, 2), (4, 2), (5, 3), (6, 4), (7, 4)];
        for (offset, line) in expected {
            assert_eq!(lines.of(offset), line, "offset {offset}");
        }
    }

    #[test]
    fn tables_keep_declaration_order_not_key_order() {
        let schema = parse(
            "[tables.zeta]\nreference = true\n[tables.alpha]\nreference = true\n[tables.mid]\nreference = true\n",
        )
        .expect("valid schema");
        let names: Vec<_> = schema.tables().map(|t| t.name().name().to_owned()).collect();
        assert_eq!(names, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn an_empty_file_is_an_empty_schema() {
        assert_eq!(parse("").expect("empty file"), Schema::default());
        assert_eq!(parse("[tables]\n").expect("no tables"), Schema::default());
    }
}
