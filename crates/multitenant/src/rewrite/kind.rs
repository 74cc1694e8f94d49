//! What kind of statement a rewrite holds: what drivers need to know about it without parsing
//! it again (whether it changes rows, for Citus's transaction rules) and what logs name.

use sqlparser::ast::{Query, SetExpr, Statement};

/// The kind of a rewritten statement, as [`Rewritten::kind`](crate::Rewritten::kind) reports
/// it.
///
/// A text of several statements reports the first that changes rows, else the first. A
/// query whose `WITH` holds an `INSERT`, `UPDATE`, `DELETE` or `MERGE` is of that kind: it
/// changes rows.
///
/// ```
/// use multitenant::{Dialect, Rewriter, Schema, Scope, StatementKind, Output};
///
/// let rewriter = Rewriter::new(Schema::builder().tenant_table("ads", "company_id").build()?, Dialect::Postgres);
/// let scope = Scope::tenant(7_i64);
/// let kind = |sql| rewriter.rewrite_in(Some(&scope), sql, Output::Bind).map(|r| r.kind());
/// assert_eq!(kind("SELECT * FROM ads")?, StatementKind::Query);
/// assert_eq!(kind("WITH gone AS (DELETE FROM ads RETURNING id) SELECT count(*) FROM gone")?, StatementKind::Delete);
/// assert!(kind("UPDATE ads SET title = 'x'")?.modifies_rows());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementKind {
    /// A query: `SELECT`, `VALUES`, `TABLE`.
    Query,
    /// An `INSERT` (an upsert too).
    Insert,
    /// An `UPDATE`.
    Update,
    /// A `DELETE`.
    Delete,
    /// A `MERGE`.
    Merge,
    /// Anything else: DDL, `SET`, cursors, `COPY`, transaction control.
    Other,
}

impl StatementKind {
    /// The kind of the statements of one text.
    pub(crate) fn of(statements: &[Statement]) -> Self {
        let kinds = statements.iter().map(Self::of_statement);
        let mut first = None;
        for kind in kinds {
            if kind.modifies_rows() {
                return kind;
            }
            first.get_or_insert(kind);
        }
        first.unwrap_or(Self::Other)
    }

    fn of_statement(statement: &Statement) -> Self {
        match statement {
            Statement::Query(query) => Self::of_query(query),
            Statement::Insert(_) => Self::Insert,
            Statement::Update(_) => Self::Update,
            Statement::Delete(_) => Self::Delete,
            Statement::Merge(_) => Self::Merge,
            _ => Self::Other,
        }
    }

    fn of_query(query: &Query) -> Self {
        let ctes = query.with.iter().flat_map(|with| &with.cte_tables);
        ctes.map(|cte| Self::of_query(&cte.query))
            .find(|kind| kind.modifies_rows())
            .unwrap_or_else(|| Self::of_body(&query.body))
    }

    fn of_body(body: &SetExpr) -> Self {
        match body {
            SetExpr::Insert(_) => Self::Insert,
            SetExpr::Update(_) => Self::Update,
            SetExpr::Delete(_) => Self::Delete,
            SetExpr::Merge(_) => Self::Merge,
            SetExpr::Query(query) => Self::of_query(query),
            _ => Self::Query,
        }
    }

    /// Whether statements of this kind change rows.
    pub fn modifies_rows(self) -> bool {
        matches!(self, Self::Insert | Self::Update | Self::Delete | Self::Merge)
    }

    /// The kind's name, for logs: `query`, `insert`, `update`, `delete`, `merge`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Merge => "merge",
            Self::Other => "other",
        }
    }
}
