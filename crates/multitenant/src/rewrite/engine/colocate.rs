//! Unscoped mode: a join between two tenant tables along a declared foreign key gets their
//! tenant columns equated, so Citus can run it co-located (without it Citus refuses the join).

use sqlparser::ast::{BinaryOperator, Expr, Ident, JoinConstraint, TableFactor, TableWithJoins};

use super::predicate::{column_ref, conjoin_in_place, eq, has_conjunct};
use super::query::{constraint_mut, qualifier};
use super::walker::Walker;
use crate::schema::relation;
use crate::{Error, Table};

/// A tenant-table reference in a FROM clause: the name predicates use for it, and its table.
#[derive(Clone)]
pub(super) struct Reference<'a> {
    qualifier: Vec<Ident>,
    table: &'a Table,
}

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

    /// Adds tenant-column equalities for the foreign-key joins in `from` (to their `ON`) and
    /// in `selection` (to `predicates`, for the `WHERE`), including joins with the enclosing
    /// queries' tables (correlated subqueries).
    pub(super) fn colocate(
        &mut self,
        from: Vec<&mut TableWithJoins>,
        predicates: &mut Vec<Expr>,
        selection: Option<&Expr>,
    ) -> Result<(), Error> {
        let mut references = self.enclosing.clone();
        for item in &from {
            self.references(item, &mut references)?;
        }
        for item in from {
            self.colocate_joins(item, &references);
        }
        if let Some(selection) = selection {
            let added = self.equalities(selection, &references);
            self.findings.changed |= !added.is_empty();
            predicates.extend(added);
        }
        Ok(())
    }

    fn references(&self, item: &TableWithJoins, out: &mut Vec<Reference<'a>>) -> Result<(), Error> {
        let factors = std::iter::once(&item.relation).chain(item.joins.iter().map(|j| &j.relation));
        for factor in factors {
            match factor {
                TableFactor::Table { name, alias, args: None, .. } => {
                    let (name, alias) = relation(name, alias.as_ref());
                    if let Some(table) = self.tenant_table(&name)? {
                        out.push(Reference { qualifier: qualifier(&name, alias), table });
                    }
                }
                TableFactor::NestedJoin { table_with_joins, alias: None } => {
                    self.references(table_with_joins, out)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn colocate_joins(&mut self, item: &mut TableWithJoins, references: &[Reference<'_>]) {
        for join in &mut item.joins {
            if let TableFactor::NestedJoin { table_with_joins, .. } = &mut join.relation {
                self.colocate_joins(table_with_joins, references);
            }
            if let Some(JoinConstraint::On(condition)) = constraint_mut(&mut join.join_operator) {
                let added = self.equalities(condition, references);
                self.findings.changed |= !added.is_empty();
                conjoin_in_place(condition, added);
            }
        }
        if let TableFactor::NestedJoin { table_with_joins, .. } = &mut item.relation {
            self.colocate_joins(table_with_joins, references);
        }
    }

    /// For each `a.x = b.y` conjunct of `condition` that follows a declared foreign key between
    /// two referenced tenant tables, `a.tenant = b.tenant`, unless already there.
    fn equalities(&self, condition: &Expr, references: &[Reference<'_>]) -> Vec<Expr> {
        let mut added: Vec<Expr> = Vec::new();
        for (left, right) in equality_conjuncts(condition) {
            let (Some((a, x)), Some((b, y))) =
                (self.column_of(left, references), self.column_of(right, references))
            else {
                continue;
            };
            if !(self.follows_foreign_key(a, x, b, y) || self.follows_foreign_key(b, y, a, x)) {
                continue;
            }
            let (ta, tb) =
                (a.table.tenant_column().unwrap_or_default(), b.table.tenant_column().unwrap_or_default());
            let equality = eq(column_ref(&a.qualifier, ta), column_ref(&b.qualifier, tb));
            let reversed = eq(column_ref(&b.qualifier, tb), column_ref(&a.qualifier, ta));
            let present = |e: &Expr| has_conjunct(condition, e) || added.contains(e);
            if x != ta && !present(&equality) && !present(&reversed) {
                added.push(equality);
            }
        }
        added
    }

    /// The reference and column a `q.column` expression denotes.
    fn column_of<'r>(
        &self,
        expr: &'r Expr,
        references: &'r [Reference<'a>],
    ) -> Option<(&'r Reference<'a>, &'r str)> {
        let Expr::CompoundIdentifier(parts) = expr else { return None };
        let (column, qualifier) = parts.split_last()?;
        let reference = references.iter().rev().find(|r| {
            r.qualifier.len() == qualifier.len()
                && r.qualifier
                    .iter()
                    .zip(qualifier)
                    .all(|(a, b)| self.dialect.matches(b, &self.dialect.fold(a)))
        })?;
        Some((reference, column.value.as_str()))
    }

    /// Whether `a.x` references `b.y` through a foreign key declared on `a`.
    fn follows_foreign_key(&self, a: &Reference<'_>, x: &str, b: &Reference<'_>, y: &str) -> bool {
        a.table.foreign_keys().iter().any(|fk| {
            &fk.references == b.table.name()
                && fk.columns.iter().zip(&fk.referenced_columns).any(|(c, r)| {
                    self.dialect.matches(&Ident::new(x), c) && self.dialect.matches(&Ident::new(y), r)
                })
        })
    }
}

/// The `l = r` terms among the `AND`-ed conjuncts of `expr`.
fn equality_conjuncts(expr: &Expr) -> Vec<(&Expr, &Expr)> {
    match expr {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            let mut terms = equality_conjuncts(left);
            terms.extend(equality_conjuncts(right));
            terms
        }
        Expr::Nested(inner) => equality_conjuncts(inner),
        Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => vec![(left, right)],
        _ => Vec::new(),
    }
}
