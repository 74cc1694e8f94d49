//! The state of one walk: the request, the CTE names in scope, and what the walk found.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, ObjectName, Query, TableWithJoins, VisitMut, VisitorMut};

use super::Request;
use super::colocate::{Reference, compared_operand, sole_reference};
use super::template::Findings;
use crate::{Dialect, Error, Output, Resolved, Schema, Scope, Table, TenantSet};

/// What the current scope asks of a tenant-table reference.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mode<'a> {
    /// No tenant set: any tenant-table reference is refused.
    Missing,
    /// Filter to these tenants.
    Tenants(&'a TenantSet),
    /// Explicit cross-tenant mode: no filter, co-location joins only.
    Unscoped,
}

/// One walk over the statements of one SQL string.
pub(super) struct Walker<'a> {
    pub(super) schema: &'a Schema,
    pub(super) dialect: Dialect,
    pub(super) mode: Mode<'a>,
    pub(super) output: Output,
    pub(super) tenant_parameter: usize,
    /// Names of the CTEs visible here, folded; a reference to one of them is not a table.
    ctes: Vec<String>,
    pub(super) findings: Findings,
    /// When a statement spans shards: tenant-table references of the enclosing queries,
    /// innermost last.
    pub(super) enclosing: Vec<Reference<'a>>,
    /// The innermost enclosing query's only table, when it has one tenant table and nothing
    /// else (an unqualified key column there names it).
    sole: Option<Reference<'a>>,
    /// The column of an enclosing query that the subquery walked next is compared with
    /// (`x IN (SELECT ...)`), for co-location.
    pub(super) compared: Option<Expr>,
}

/// What [`Walker::enter_correlation`] changed, for [`Walker::leave_correlation`] to restore.
pub(super) struct Correlation<'a> {
    /// The number of enclosing references outside the query entered.
    pub(super) outer: usize,
    sole: Option<Reference<'a>>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(request: &Request<'a>, tenant_parameter: usize) -> Self {
        let mode = match request.scope {
            None => Mode::Missing,
            Some(Scope::Unscoped) => Mode::Unscoped,
            Some(Scope::Tenants(set)) => Mode::Tenants(set),
        };
        Self {
            schema: request.schema,
            dialect: request.dialect,
            mode,
            output: request.output,
            tenant_parameter,
            ctes: Vec::new(),
            findings: Findings::default(),
            enclosing: Vec::new(),
            sole: None,
            compared: None,
        }
    }

    pub(super) fn finish(self) -> Findings {
        self.findings
    }

    /// The tenant table `name` denotes here, if any: CTE names shadow tables.
    pub(super) fn tenant_table(&self, name: &ObjectName) -> Result<Option<&'a Table>, Error> {
        if let [part] = name.0.as_slice()
            && let Some(ident) = part.as_ident()
            && self.is_cte(ident)
        {
            return Ok(None);
        }
        match self.schema.resolve(name, self.dialect) {
            Resolved::Table(table) if table.tenant_column().is_some() => Ok(Some(table)),
            Resolved::Table(_) | Resolved::Undeclared => Ok(None),
            Resolved::Ambiguous => Err(Error::AmbiguousTable { name: name.to_string() }),
        }
    }

    /// Whether a statement may touch several tenants' rows at once (unscoped, or several
    /// tenants set): then joins between tenant tables along declared foreign keys get their
    /// tenant columns equated, which Citus needs to run them co-located, and which keeps each
    /// joined row within one tenant.
    pub(super) fn spans_shards(&self) -> bool {
        match self.mode {
            Mode::Unscoped => true,
            Mode::Tenants(set) => set.single().is_none(),
            Mode::Missing => false,
        }
    }

    /// Refuses a reference to `table` when no tenant is set.
    pub(super) fn require_scope(&self, table: &Table) -> Result<(), Error> {
        match self.mode {
            Mode::Missing => Err(Error::MissingTenant { table: table.name().to_string() }),
            Mode::Tenants(_) | Mode::Unscoped => Ok(()),
        }
    }

    /// Refuses a reference whose name or alias would not read back as an identifier in a
    /// predicate (`FROM ads 'a'`, `FROM @f.ads`): the predicate could not name it.
    pub(super) fn check_qualifier(&self, qualifier: &[Ident], table: &Table) -> Result<(), Error> {
        let readable = |ident: &&Ident| match ident.quote_style {
            Some(quote) => self.dialect.quotes_identifiers_with(quote),
            None => is_plain_identifier(&ident.value),
        };
        match qualifier.iter().find(|ident| !readable(ident)) {
            Some(ident) => Err(Error::Unsupported {
                statement: format!("reference to {ident}"),
                table: table.name().to_string(),
                reason: "a table name or alias must be an identifier; quote it with double quotes",
            }),
            None => Ok(()),
        }
    }

    fn is_cte(&self, ident: &Ident) -> bool {
        let folded = self.dialect.fold(ident);
        self.ctes.iter().any(|cte| self.dialect.same_folded(cte, &folded))
    }

    /// Makes a CTE name visible until [`truncate_ctes`](Self::truncate_ctes).
    pub(super) fn push_cte(&mut self, name: &Ident) {
        self.ctes.push(self.dialect.fold(name).into_owned());
    }

    pub(super) fn cte_depth(&self) -> usize {
        self.ctes.len()
    }

    pub(super) fn truncate_ctes(&mut self, depth: usize) {
        self.ctes.truncate(depth);
    }

    /// Runs `scope` (which walks subqueries) with the tenant tables of `from` visible to
    /// correlated subqueries, for co-location when a statement spans shards.
    pub(super) fn correlated<T>(
        &mut self,
        from: &[&TableWithJoins],
        scope: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mark = self.enter_correlation(from)?;
        let result = scope(self);
        self.leave_correlation(mark);
        result
    }

    /// Makes the tenant tables of `from` visible to the subqueries walked until
    /// [`leave_correlation`](Self::leave_correlation) with the mark returned.
    pub(super) fn enter_correlation(&mut self, from: &[&TableWithJoins]) -> Result<Correlation<'a>, Error> {
        let mark = Correlation { outer: self.enclosing.len(), sole: self.sole.take() };
        if self.spans_shards() {
            let references = self.references_in(from.iter().copied())?;
            self.sole = sole_reference(from, &references).cloned();
            self.enclosing.extend(references);
        }
        Ok(mark)
    }

    pub(super) fn leave_correlation(&mut self, mark: Correlation<'a>) {
        self.enclosing.truncate(mark.outer);
        self.sole = mark.sole;
    }

    /// Notes the enclosing column `expr` compares with its subquery, if it does, before the
    /// subquery is walked; an unqualified column is qualified with the only table here.
    fn note_comparison(&mut self, expr: &Expr) {
        let Some(operand) = compared_operand(expr).filter(|_| self.spans_shards()) else { return };
        self.compared = Some(match (operand, &self.sole) {
            (Expr::Identifier(column), Some(sole)) => sole.column(column),
            (operand, _) => operand.clone(),
        });
    }

    /// Scopes every subquery inside `node` (expressions: WHERE, the select list, ON, ...), each
    /// as a query of its own.
    pub(super) fn subqueries<T: VisitMut + ?Sized>(&mut self, node: &mut T) -> Result<(), Error> {
        let mut visitor = Subqueries { walker: self, depth: 0 };
        match node.visit(&mut visitor) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }

    /// The first tenant table `text` names anywhere, by a conservative scan of its words.
    pub(super) fn mentioned_tenant_table(&self, text: &str) -> Option<&'a Table> {
        self.schema.mentioned_tenant_table(text, self.dialect)
    }

    /// Refuses `text` (a statement or part of one the walk cannot scope) when it names a
    /// tenant table; `statement` names what it is, `reason` what to do instead.
    pub(super) fn refuse_if_tenant(
        &self,
        text: &str,
        statement: String,
        reason: &'static str,
    ) -> Result<(), Error> {
        let Some(table) = self.mentioned_tenant_table(text) else { return Ok(()) };
        self.require_scope(table)?;
        match self.mode {
            Mode::Unscoped => Ok(()),
            _ => Err(Error::Unsupported { statement, table: table.name().to_string(), reason }),
        }
    }
}

/// Whether `name` reads as an identifier without quotes: a letter or `_`, then letters,
/// digits, `_` or `$`, and not a word PostgreSQL reserves (which it refuses as a table name or
/// alias anyway, and which would read back as something else: `NULL.company_id`).
pub(super) fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let shaped = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    shaped && RESERVED.binary_search(&name.to_ascii_uppercase().as_str()).is_err()
}

/// PostgreSQL's reserved key words (including those reserved but allowed as function or type
/// names), sorted.
const RESERVED: &[&str] = &[
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BINARY",
    "BOTH",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLLATION",
    "COLUMN",
    "CONCURRENTLY",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "FALSE",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FREEZE",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INITIALLY",
    "INNER",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEADING",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATURAL",
    "NOT",
    "NOTNULL",
    "NULL",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUTER",
    "OVERLAPS",
    "PLACING",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "RIGHT",
    "SELECT",
    "SESSION_USER",
    "SIMILAR",
    "SOME",
    "SYMMETRIC",
    "SYSTEM_USER",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRAILING",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VARIADIC",
    "VERBOSE",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Finds the outermost queries inside an expression tree and scopes each with the walker;
/// the visitor descends into them too, but their own walk has already handled what is inside.
struct Subqueries<'w, 'a> {
    walker: &'w mut Walker<'a>,
    depth: usize,
}

impl VisitorMut for Subqueries<'_, '_> {
    type Break = Error;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Error> {
        if self.depth == 0
            && let Err(error) = self.walker.query(query)
        {
            return ControlFlow::Break(error);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<Error> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Error> {
        if self.depth == 0 {
            self.walker.note_comparison(expr);
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::RESERVED;

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
    }
}
