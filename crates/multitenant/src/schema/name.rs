//! Declared table and column names, folded once by PostgreSQL's rules.

use std::fmt;

use sqlparser::ast::{Ident, ObjectName, TableAlias};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::SchemaError;
use crate::Dialect;

/// A declared table name: an optional schema and the table, each folded by PostgreSQL's rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName {
    schema: Option<String>,
    name: String,
}

impl TableName {
    /// Parses `text` as an SQL name: `ads`, `analytics.events`, `"Visits"`.
    pub fn parse(text: &str) -> Result<Self, SchemaError> {
        let invalid = |reason: String| SchemaError::InvalidName { name: text.to_owned(), reason, line: None };
        let mut parts = parse_idents(text).map_err(invalid)?;
        match parts.len() {
            1 => Ok(Self { schema: None, name: fold(&parts.remove(0)) }),
            2 => {
                let name = fold(&parts.remove(1));
                Ok(Self { schema: Some(fold(&parts.remove(0))), name })
            }
            _ => Err(invalid("expected `table` or `schema.table`".to_owned())),
        }
    }

    /// The schema, when the name is qualified.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The table.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `written`, a name in a statement, denotes this table (see
    /// [`Schema::resolve`](super::Schema::resolve)).
    pub(crate) fn matches(&self, written: &ObjectName, dialect: Dialect) -> bool {
        // `table`, `schema.table` or `database.schema.table`, every part a plain identifier.
        let mut parts = written.0.iter().rev().map(|part| part.as_ident());
        let Some(Some(table)) = parts.next() else { return false };
        let schema = match parts.next() {
            None => None,
            Some(Some(schema)) => Some(schema),
            Some(None) => return false,
        };
        let database_ok = match parts.next() {
            None => true,
            Some(database) => database.is_some() && parts.next().is_none(),
        };
        database_ok
            && dialect.matches(table, &self.name)
            && match (schema, &self.schema) {
                (Some(written), Some(declared)) => dialect.matches(written, declared),
                _ => true,
            }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{}.", quote_if_needed(schema))?;
        }
        write!(f, "{}", quote_if_needed(&self.name))
    }
}

/// The relation a table factor reads, with the alias it is known by.
///
/// sqlparser reads PostgreSQL's `FROM ONLY ads` as a table named `ONLY` aliased `ads`; that
/// is the table `ads`, known as `ads`. Every other factor is what it says.
pub(crate) fn relation<'a>(
    name: &'a ObjectName,
    alias: Option<&'a TableAlias>,
) -> (std::borrow::Cow<'a, ObjectName>, Option<&'a TableAlias>) {
    let only = match name.0.as_slice() {
        [part] => {
            part.as_ident().is_some_and(|i| i.quote_style.is_none() && i.value.eq_ignore_ascii_case("only"))
        }
        _ => false,
    };
    match alias {
        Some(alias) if only && alias.columns.is_empty() => {
            (std::borrow::Cow::Owned(ObjectName::from(vec![alias.name.clone()])), None)
        }
        _ => (std::borrow::Cow::Borrowed(name), alias),
    }
}

/// Parses a column name (one identifier) and folds it.
pub(crate) fn parse_column(text: &str) -> Result<String, SchemaError> {
    let invalid = |reason: String| SchemaError::InvalidName { name: text.to_owned(), reason, line: None };
    match parse_idents(text).map_err(invalid)?.as_slice() {
        [column] => Ok(fold(column)),
        _ => Err(invalid("expected a single column name".to_owned())),
    }
}

fn parse_idents(text: &str) -> Result<Vec<Ident>, String> {
    let mut parser = Parser::new(&PostgreSqlDialect {}).try_with_sql(text).map_err(|e| e.to_string())?;
    let name = parser.parse_object_name(false).map_err(|e| e.to_string())?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err("unexpected text after the name".to_owned());
    }
    name.0
        .into_iter()
        .map(|part| part.as_ident().cloned().ok_or_else(|| "not a plain identifier".to_owned()))
        .collect()
}

fn fold(ident: &Ident) -> String {
    Dialect::Postgres.fold(ident).into_owned()
}

/// `name` as PostgreSQL would need it written to mean exactly this (folded) name.
pub(crate) fn quote_if_needed(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain { name.to_owned() } else { format!("\"{}\"", name.replace('"', "\"\"")) }
}
