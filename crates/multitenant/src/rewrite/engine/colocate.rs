//! Co-location, when a statement spans several tenants (unscoped, or several tenants set):
//! every pair of rows the statement relates along a declared key gets its tenant columns
//! equated, so each related pair belongs to one tenant and Citus can run the statement
//! co-located (it refuses such multi-shard joins otherwise).
//!
//! Two columns are related when they denote the same declared key (see [`Walker::key`]): a
//! foreign-key column and the column it references, two foreign-key columns referencing the
//! same column, or a referenced column and itself (`t.id IN (SELECT u.id FROM t u ...)`).
//! The relation is found wherever SQL states it:
//!
//! - an equality among the `AND`-ed terms of an `ON` or a `WHERE` (through parentheses, on
//!   either side), including with a column of an enclosing query (a correlated subquery);
//! - a column compared with a subquery's single column (`x IN (SELECT y ...)`, `x = ANY
//!   (SELECT y ...)`, `x = (SELECT y ...)`), which relates `x` and `y` as `y = x` inside the
//!   subquery would: the subquery gets the tenant equality in its `WHERE`.

use sqlparser::ast::{
    BinaryOperator, Expr, Ident, JoinConstraint, SelectItem, TableAlias, TableFactor, TableWithJoins,
};

use super::predicate::{column_ref, conjoin_in_place, eq, has_conjunct};
use super::query::{constraint_mut, qualifier};
use super::walker::Walker;
use crate::schema::relation;
use crate::syntax::unparenthesized;
use crate::{Dialect, Error, Table, TableName};

/// A relation a FROM clause names: the name predicates use for it, and its table when it is a
/// tenant table. Other relations (plain and reference tables, derived tables, functions) are
/// kept too, without a table: their names hide the same names of enclosing queries.
#[derive(Clone)]
pub(super) struct Reference<'a> {
    qualifier: Vec<Ident>,
    table: Option<&'a Table>,
}

/// The references a column name may denote at one place: the enclosing queries' (correlated
/// subqueries), this query's own, and the only table of this query when it has one (which an
/// unqualified key column names).
struct Names<'r, 'a> {
    dialect: Dialect,
    enclosing: &'r [Reference<'a>],
    local: &'r [Reference<'a>],
    sole: Option<&'r Reference<'a>>,
}

/// One side of a relation: a reference and one of its columns.
type Column<'r, 'a> = (&'r Reference<'a>, &'r Ident);

impl<'a> Walker<'a> {
    /// The tenant-table references of a FROM clause, which its subqueries may correlate with.
    pub(super) fn references_in<'t>(
        &self,
        from: impl IntoIterator<Item = &'t TableWithJoins>,
    ) -> Result<Vec<Reference<'a>>, Error> {
        let mut references = Vec::new();
        for item in from {
            self.references(item, &mut references)?;
        }
        Ok(references)
    }

    /// Adds tenant-column equalities for the key relations in `from` (to their `ON`) and in
    /// `selection` (to `predicates`, for the `WHERE`), including relations with the tables of
    /// the enclosing queries up to `outer` (correlated subqueries), and the relation `compared`
    /// states: an enclosing query's column compared with this query's single column.
    pub(super) fn colocate(
        &mut self,
        from: Vec<&mut TableWithJoins>,
        outer: usize,
        predicates: &mut Vec<Expr>,
        selection: Option<&Expr>,
        compared: Option<(&Expr, &Expr)>,
    ) -> Result<(), Error> {
        let local = self.references_in(from.iter().map(|item| &**item))?;
        let sole = sole_reference(&from.iter().map(|item| &**item).collect::<Vec<_>>(), &local);
        let enclosing = self.enclosing[..outer.min(self.enclosing.len())].to_vec();
        let names = Names { dialect: self.dialect, enclosing: &enclosing, local: &local, sole };
        let mut changed = false;
        for item in from {
            changed |= self.colocate_joins(item, &names);
        }
        let mut pairs = selection.map(|s| names.equated(s)).unwrap_or_default();
        if let Some((outside, inside)) = compared {
            let tenant = |c: &Column<'_, 'a>| c.0.table.is_some();
            pairs.extend(
                names.enclosing_column(outside).filter(tenant).zip(names.local_column(inside).filter(tenant)),
            );
        }
        let added = self.equalities(pairs, |e| selection.is_some_and(|s| has_conjunct(s, e)));
        changed |= !added.is_empty();
        predicates.extend(added);
        self.findings.changed |= changed;
        Ok(())
    }

    fn references(&self, item: &TableWithJoins, out: &mut Vec<Reference<'a>>) -> Result<(), Error> {
        let factors = std::iter::once(&item.relation).chain(item.joins.iter().map(|j| &j.relation));
        for factor in factors {
            match factor {
                TableFactor::Table { name, alias, args: None, .. } => {
                    let (name, alias) = relation(name, alias.as_ref());
                    let table = self.tenant_table(&name)?;
                    out.push(Reference { qualifier: qualifier(&name, alias), table });
                }
                TableFactor::NestedJoin { table_with_joins, alias: None } => {
                    self.references(table_with_joins, out)?
                }
                other => {
                    if let Some(alias) = alias_of(other) {
                        out.push(Reference { qualifier: vec![alias.name.clone()], table: None });
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds the equalities for the relations in the `ON`s of `item`; whether any was added.
    fn colocate_joins(&mut self, item: &mut TableWithJoins, names: &Names<'_, 'a>) -> bool {
        let mut changed = false;
        for join in &mut item.joins {
            if let TableFactor::NestedJoin { table_with_joins, .. } = &mut join.relation {
                changed |= self.colocate_joins(table_with_joins, names);
            }
            if let Some(JoinConstraint::On(condition)) = constraint_mut(&mut join.join_operator) {
                let added = self.equalities(names.equated(condition), |e| has_conjunct(condition, e));
                changed |= !added.is_empty();
                conjoin_in_place(condition, added);
            }
        }
        if let TableFactor::NestedJoin { table_with_joins, .. } = &mut item.relation {
            changed |= self.colocate_joins(table_with_joins, names);
        }
        changed
    }

    /// `a.tenant = b.tenant` for each pair of related columns, unless `present` (already in
    /// the condition) or already added.
    fn equalities(
        &self,
        pairs: Vec<(Column<'_, 'a>, Column<'_, 'a>)>,
        present: impl Fn(&Expr) -> bool,
    ) -> Vec<Expr> {
        let mut added: Vec<Expr> = Vec::new();
        for ((a, x), (b, y)) in pairs {
            let (Some(at), Some(bt)) = (a.table, b.table) else { continue };
            if std::ptr::eq(a, b) || !self.related(at, x, bt, y) {
                continue;
            }
            let (ta, tb) = (at.tenant_column().unwrap_or_default(), bt.tenant_column().unwrap_or_default());
            let equality = eq(column_ref(&a.qualifier, ta), column_ref(&b.qualifier, tb));
            let reversed = eq(column_ref(&b.qualifier, tb), column_ref(&a.qualifier, ta));
            let known = |e: &Expr| present(e) || added.contains(e);
            if !known(&equality) && !known(&reversed) {
                added.push(equality);
            }
        }
        added
    }

    /// Whether `a.x` and `b.y` denote the same declared key (and are not tenant columns,
    /// which need no equating).
    fn related(&self, a: &Table, x: &Ident, b: &Table, y: &Ident) -> bool {
        let is_tenant =
            |t: &Table, c: &Ident| t.tenant_column().is_some_and(|tc| self.dialect.matches(c, tc));
        if is_tenant(a, x) || is_tenant(b, y) {
            return false;
        }
        matches!((self.key(a, x), self.key(b, y)), (Some(k), Some(l)) if k == l)
    }

    /// The declared key `table.column` denotes: for a foreign-key column, the column it
    /// references; for a column some foreign key references, itself; otherwise none.
    fn key<'s>(&'s self, table: &'s Table, column: &Ident) -> Option<(&'s TableName, &'s str)> {
        let matches = |declared: &String| self.dialect.matches(column, declared);
        for fk in table.foreign_keys() {
            if let Some(i) = fk.columns.iter().position(matches) {
                return fk.referenced_columns.get(i).map(|c| (&fk.references, c.as_str()));
            }
        }
        self.schema
            .tables()
            .flat_map(Table::foreign_keys)
            .filter(|fk| &fk.references == table.name())
            .find_map(|fk| fk.referenced_columns.iter().find(|c| matches(c)))
            .map(|c| (table.name(), c.as_str()))
    }
}

impl Reference<'_> {
    /// `qualifier.column` for this reference.
    pub(super) fn column(&self, column: &Ident) -> Expr {
        let mut parts = self.qualifier.clone();
        parts.push(column.clone());
        Expr::CompoundIdentifier(parts)
    }
}

/// The only table of a FROM clause, when it is one tenant table without joins.
pub(super) fn sole_reference<'r, 'a>(
    from: &[&TableWithJoins],
    references: &'r [Reference<'a>],
) -> Option<&'r Reference<'a>> {
    match (from, references) {
        ([item], [reference]) if item.joins.is_empty() && reference.table.is_some() => Some(reference),
        _ => None,
    }
}

/// The alias a FROM item other than a named table is given, if any.
fn alias_of(factor: &TableFactor) -> Option<&TableAlias> {
    match factor {
        TableFactor::Table { alias, .. }
        | TableFactor::Derived { alias, .. }
        | TableFactor::TableFunction { alias, .. }
        | TableFactor::Function { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::JsonTable { alias, .. }
        | TableFactor::NestedJoin { alias, .. } => alias.as_ref(),
        _ => None,
    }
}

impl<'r, 'a> Names<'r, 'a> {
    /// The pairs of columns equated among the `AND`-ed terms of `condition`.
    fn equated(&self, condition: &'r Expr) -> Vec<(Column<'r, 'a>, Column<'r, 'a>)> {
        equality_terms(condition).filter_map(|(l, r)| Some((self.column(l)?, self.column(r)?))).collect()
    }

    /// The tenant-table reference and column `expr` (`q.column`, `(q.column)`, or an
    /// unqualified key column of the only table) denotes: this query's references first, then
    /// the enclosing; the nearest relation of that name decides, so a derived table `x` hides
    /// an enclosing tenant table `x`.
    fn column(&self, expr: &'r Expr) -> Option<Column<'r, 'a>> {
        let nearest = self.local_column(expr).or_else(|| self.enclosing_column(expr));
        nearest.filter(|(reference, _)| reference.table.is_some())
    }

    fn local_column(&self, expr: &'r Expr) -> Option<Column<'r, 'a>> {
        match unparenthesized(expr) {
            Expr::Identifier(column) => self.sole.map(|r| (r, column)),
            expr => self.qualified(expr, self.local),
        }
    }

    fn enclosing_column(&self, expr: &'r Expr) -> Option<Column<'r, 'a>> {
        self.qualified(unparenthesized(expr), self.enclosing)
    }

    /// `q.column` resolved among `references`, the innermost (last) first.
    fn qualified(&self, expr: &'r Expr, references: &'r [Reference<'a>]) -> Option<Column<'r, 'a>> {
        let Expr::CompoundIdentifier(parts) = expr else { return None };
        let (column, qualifier) = parts.split_last()?;
        let reference =
            references.iter().rev().find(|r| self.dialect.same_qualifier(qualifier, &r.qualifier))?;
        Some((reference, column))
    }
}

/// The `l = r` terms among the `AND`-ed conjuncts of `expr`, seen through parentheses.
fn equality_terms(expr: &Expr) -> impl Iterator<Item = (&Expr, &Expr)> {
    let mut terms = Vec::new();
    collect_equalities(expr, &mut terms);
    terms.into_iter()
}

fn collect_equalities<'e>(expr: &'e Expr, out: &mut Vec<(&'e Expr, &'e Expr)>) {
    match expr {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            collect_equalities(left, out);
            collect_equalities(right, out);
        }
        Expr::Nested(inner) => collect_equalities(inner, out),
        Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => out.push((left, right)),
        _ => {}
    }
}

/// The column a comparison with a subquery compares, when the comparison relates it to the
/// subquery's single column: `x [NOT] IN (SELECT ...)`, `x op ANY|ALL (SELECT ...)`,
/// `x op (SELECT ...)` (either side). The walker notes it before walking the subquery.
pub(super) fn compared_operand(expr: &Expr) -> Option<&Expr> {
    let column = |e: &Expr| matches!(unparenthesized(e), Expr::CompoundIdentifier(_) | Expr::Identifier(_));
    let subquery = |e: &Expr| matches!(unparenthesized(e), Expr::Subquery(_));
    let operand = match expr {
        Expr::InSubquery { expr, .. } => expr,
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } if subquery(right) => left,
        Expr::BinaryOp { left, op, right } if is_comparison(op) && subquery(right) => left,
        Expr::BinaryOp { left, op, right } if is_comparison(op) && subquery(left) => right,
        _ => return None,
    };
    column(operand).then_some(operand.as_ref())
}

fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
}

/// The single column a query's select list gives, when it gives exactly one expression.
pub(super) fn single_column(projection: &[SelectItem]) -> Option<&Expr> {
    match projection {
        [SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }] => Some(expr),
        _ => None,
    }
}
