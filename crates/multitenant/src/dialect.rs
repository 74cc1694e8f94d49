//! The SQL dialects the rewriter speaks, and every way in which they differ.

use std::borrow::Cow;

use sqlparser::ast::{Expr, Ident};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};

use crate::guard;

/// The database a statement is written for.
///
/// Differences between databases are methods here, so the rewriter never asks "which
/// database is this?" itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL, and Citus on top of it: `$1` placeholders, case-sensitive quoted names.
    Postgres,
    /// SQLite: `?` / `?NNN` placeholders, names compared without regard to case.
    Sqlite,
}

impl Dialect {
    /// The sqlparser dialect that parses this database's SQL.
    pub(crate) fn parser(self) -> &'static dyn sqlparser::dialect::Dialect {
        match self {
            Self::Postgres => &PostgreSqlDialect {},
            Self::Sqlite => &SQLiteDialect {},
        }
    }

    /// The text of positional parameter `index` (1-based): `$2` on PostgreSQL, `?2` on SQLite.
    ///
    /// ```
    /// assert_eq!(multitenant::Dialect::Sqlite.placeholder(2), "?2");
    /// ```
    pub fn placeholder(self, index: usize) -> String {
        match self {
            Self::Postgres => format!("${index}"),
            Self::Sqlite => format!("?{index}"),
        }
    }

    /// An identifier as the database compares it: PostgreSQL folds unquoted names to lower
    /// case and keeps quoted ones exact; SQLite ignores case either way.
    pub(crate) fn fold<'a>(self, ident: &'a Ident) -> Cow<'a, str> {
        let keep_case = self == Self::Postgres && ident.quote_style.is_some();
        if keep_case || !ident.value.chars().any(|c| c.is_ascii_uppercase()) {
            Cow::Borrowed(&ident.value)
        } else {
            Cow::Owned(ident.value.to_ascii_lowercase())
        }
    }

    /// Whether a name written in a statement (`ident`) denotes a name declared in the schema
    /// (`declared`, already folded by PostgreSQL's rules).
    pub(crate) fn matches(self, ident: &Ident, declared: &str) -> bool {
        match self {
            Self::Postgres => self.fold(ident) == declared,
            Self::Sqlite => ident.value.eq_ignore_ascii_case(declared),
        }
    }

    /// Whether a qualifier written in a statement (`written`, e.g. the `a` of `a.company_id`)
    /// names the relation the rewriter knows as `known` (as the statement named it where it
    /// brought the relation in): part by part, each compared as the database compares names.
    pub(crate) fn same_qualifier(self, written: &[Ident], known: &[Ident]) -> bool {
        written.len() == known.len() && written.iter().zip(known).all(|(w, k)| self.matches(w, &self.fold(k)))
    }

    /// Whether every CTE of a `WITH` list is visible to all of them, as with `WITH RECURSIVE`.
    /// PostgreSQL shows a CTE only to those after it unless `RECURSIVE` is given; SQLite
    /// always shows all of them (its `RECURSIVE` keyword is optional).
    pub(crate) fn ctes_see_each_other(self, recursive: bool) -> bool {
        recursive || self == Self::Sqlite
    }

    /// Whether `quote` quotes an identifier (rather than, say, a string).
    pub(crate) fn quotes_identifiers_with(self, quote: char) -> bool {
        match self {
            Self::Postgres => quote == '"',
            Self::Sqlite => matches!(quote, '"' | '`' | '['),
        }
    }

    /// Whether two names, each already folded by [`fold`](Self::fold), are the same name.
    pub(crate) fn same_folded(self, a: &str, b: &str) -> bool {
        match self {
            Self::Postgres => a == b,
            Self::Sqlite => a.eq_ignore_ascii_case(b),
        }
    }

    /// How several tenants are bound as one parameter: PostgreSQL takes an array
    /// (`col = ANY($n)`); SQLite takes a JSON array (`col IN (SELECT value FROM json_each(?n))`).
    pub fn tenant_set_binding(self) -> TenantSetBinding {
        match self {
            Self::Postgres => TenantSetBinding::Array,
            Self::Sqlite => TenantSetBinding::JsonArray,
        }
    }

    /// `value` (bound parameter `index`, maybe cast) filling a tenant column, checked by the
    /// database: the value when `test` (the tenant predicate on it) holds, otherwise an error
    /// whose message names the parameter, so the statement fails. A NULL fails too (`test` is
    /// not true).
    ///
    /// - PostgreSQL: `CASE WHEN test THEN $k WHEN CAST('<message>' || coalesce(left(CAST($k AS
    ///   TEXT), 0), '') AS INT) = 0 THEN $k END`. The failure is a condition rather than an
    ///   `ELSE`, so every result is the value and the expression has its type whatever the
    ///   tenant column's (no type name is written: the schema need not declare one); it depends
    ///   on the value, so it is not computed when the statement is prepared.
    /// - SQLite: `CASE WHEN test THEN ?k ELSE json_extract('{}', '<message>') END` (values are
    ///   not typed; the `ELSE` is not evaluated when the test holds).
    pub(crate) fn guard(self, value: Expr, test: Expr, index: usize) -> Expr {
        match self {
            Self::Postgres => {
                let failure = guard::failing_cast(&value, index);
                guard::case(vec![(test, value.clone()), (failure, value)], None)
            }
            Self::Sqlite => guard::case(vec![(test, value)], Some(guard::json_path_error(index))),
        }
    }

    /// The dialect's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

impl std::str::FromStr for Dialect {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "citus" => Ok(Self::Postgres),
            "sqlite" => Ok(Self::Sqlite),
            _ => Err(crate::Error::UnknownDialect { name: s.to_owned() }),
        }
    }
}

/// How a bound parameter carries several tenants. See [`Dialect::tenant_set_binding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TenantSetBinding {
    /// Bind an array of the tenant column's type.
    Array,
    /// Bind a text value holding a JSON array of the tenants.
    JsonArray,
}
