//! Queries: CTE scopes, set operations, SELECT, and the FROM clause, where each tenant-table
//! reference gets its predicate.
//!
//! Where a predicate goes decides whether the result is right. A reference's predicate goes
//! to the `ON` of the innermost outer join that makes it nullable, or else to the `WHERE` of
//! its query; when that join has no `ON` (`USING`, `NATURAL`) or is a `FULL` join, the table
//! is wrapped in a filtered derived table instead, which is right anywhere.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, Query, Select, SelectFlavor, SelectItem, SetExpr,
    TableAlias, TableFactor, TableWithJoins, WildcardAdditionalOptions,
};

use super::colocate::single_column;
use super::predicate::{column_ref, conjoin, conjoin_in_place};
use super::walker::{Mode, Walker};
use crate::Error;
use crate::schema::relation;

/// Where the predicates of a table reference go.
pub(super) enum Sink<'s> {
    /// Into this list, which the caller conjoins to a `WHERE` or `ON`.
    Collect(&'s mut Vec<Expr>),
    /// Into a derived table wrapped around the reference itself.
    Wrap,
}

/// The place chosen for one factor of a join chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Outer,
    On(usize),
    Wrap,
}

/// How a join treats its two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Inner,
    Left {
        on: bool,
    },
    Right {
        on: bool,
    },
    /// Full outer, or a join form this module does not place predicates around.
    Both,
}

impl Walker<'_> {
    /// Scopes a query and everything in it.
    pub(super) fn query(&mut self, query: &mut Query) -> Result<(), Error> {
        let compared = self.compared.take();
        let depth = self.cte_depth();
        let result = self.query_parts(query, compared.as_ref());
        self.truncate_ctes(depth);
        result
    }

    /// `compared`: the enclosing column this query's result is compared with, if any.
    fn query_parts(&mut self, query: &mut Query, compared: Option<&Expr>) -> Result<(), Error> {
        if let Some(with) = &mut query.with {
            if self.dialect.ctes_see_each_other(with.recursive) {
                with.cte_tables.iter().for_each(|cte| self.push_cte(&cte.alias.name));
                for cte in &mut with.cte_tables {
                    self.query(&mut cte.query)?;
                }
            } else {
                for cte in &mut with.cte_tables {
                    self.query(&mut cte.query)?;
                    self.push_cte(&cte.alias.name);
                }
            }
        }
        self.set_expr(&mut query.body, compared)?;
        self.subqueries(&mut query.order_by)?;
        self.subqueries(&mut query.limit_clause)?;
        self.subqueries(&mut query.fetch)
    }

    fn set_expr(&mut self, body: &mut SetExpr, compared: Option<&Expr>) -> Result<(), Error> {
        match body {
            SetExpr::Select(select) => self.select(select, compared),
            SetExpr::Query(query) => {
                self.compared = compared.cloned();
                self.query(query)
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, compared)?;
                self.set_expr(right, compared)
            }
            SetExpr::Values(values) => self.subqueries(values),
            SetExpr::Insert(statement) | SetExpr::Update(statement) | SetExpr::Delete(statement) => {
                self.statement(statement)
            }
            other => {
                let text = other.to_string();
                let keyword = text.split_whitespace().next().unwrap_or("statement").to_ascii_uppercase();
                self.refuse_if_tenant(&text, keyword, "write it as SELECT ... FROM, which can be scoped")
            }
        }
    }

    fn select(&mut self, select: &mut Select, compared: Option<&Expr>) -> Result<(), Error> {
        let mut from = std::mem::take(&mut select.from);
        let result = self.select_parts(select, &mut from, compared);
        select.from = from;
        result
    }

    /// The select's subqueries (in expressions, `ON`, and LATERAL derived tables) are walked
    /// with its FROM visible, so correlations with it can be co-located.
    fn select_parts(
        &mut self,
        select: &mut Select,
        from: &mut [TableWithJoins],
        compared: Option<&Expr>,
    ) -> Result<(), Error> {
        let mark = self.enter_correlation(&from.iter().collect::<Vec<_>>())?;
        let result = self.select_correlated(select, from, mark.outer, compared);
        self.leave_correlation(mark);
        result
    }

    fn select_correlated(
        &mut self,
        select: &mut Select,
        from: &mut [TableWithJoins],
        outer: usize,
        compared: Option<&Expr>,
    ) -> Result<(), Error> {
        self.subqueries(select)?;
        let mut predicates = Vec::new();
        self.scope_from_list(from, &mut predicates)?;
        if self.spans_shards() {
            let compared = compared.zip(single_column(&select.projection));
            let items = from.iter_mut().collect();
            self.colocate(items, outer, &mut predicates, select.selection.as_ref(), compared)?;
        }
        select.selection = conjoin(select.selection.take(), predicates);
        Ok(())
    }

    /// Scopes the items of a FROM list (or `UPDATE ... FROM`, `DELETE ... USING`), collecting
    /// the predicates that belong in the statement's `WHERE`.
    pub(super) fn scope_from_list(
        &mut self,
        from: &mut [TableWithJoins],
        predicates: &mut Vec<Expr>,
    ) -> Result<(), Error> {
        for item in from {
            self.table_with_joins(item, Sink::Collect(predicates))?;
        }
        Ok(())
    }

    fn table_with_joins(&mut self, item: &mut TableWithJoins, sink: Sink<'_>) -> Result<(), Error> {
        let kinds: Vec<JoinKind> = item.joins.iter().map(|j| JoinKind::of(&j.join_operator)).collect();
        let wrap_outer = matches!(sink, Sink::Wrap);
        let mut outer = Vec::new();
        let mut on = vec![Vec::new(); kinds.len()];
        let mut place = |walker: &mut Self, factor: &mut TableFactor, target: Target| {
            let sink = match target {
                Target::Outer if wrap_outer => Sink::Wrap,
                Target::Outer => Sink::Collect(&mut outer),
                Target::On(j) => Sink::Collect(&mut on[j]),
                Target::Wrap => Sink::Wrap,
            };
            walker.table_factor(factor, sink)
        };
        place(self, &mut item.relation, left_target(&kinds, 0))?;
        for (i, join) in item.joins.iter_mut().enumerate() {
            self.subqueries(&mut join.join_operator)?;
            place(self, &mut join.relation, right_target(&kinds, i))?;
        }
        for (join, predicates) in item.joins.iter_mut().zip(on) {
            if let Some(JoinConstraint::On(condition)) = constraint_mut(&mut join.join_operator) {
                conjoin_in_place(condition, predicates);
            }
        }
        if let Sink::Collect(list) = sink {
            list.extend(outer);
        }
        Ok(())
    }

    fn table_factor(&mut self, factor: &mut TableFactor, sink: Sink<'_>) -> Result<(), Error> {
        match factor {
            TableFactor::Table { args: None, .. } => self.table(factor, sink),
            TableFactor::Table { args: Some(args), .. } => self.subqueries(args),
            TableFactor::Derived { subquery, .. } => self.query(subquery),
            TableFactor::NestedJoin { table_with_joins, alias } => {
                let sink = if alias.is_some() { Sink::Wrap } else { sink };
                self.table_with_joins(table_with_joins, sink)
            }
            TableFactor::Function { .. } | TableFactor::TableFunction { .. } | TableFactor::UNNEST { .. } => {
                self.subqueries(factor)
            }
            other => {
                let text = other.to_string();
                self.refuse_if_tenant(
                    &text,
                    "FROM item".to_owned(),
                    "this form of FROM item cannot be scoped",
                )
            }
        }
    }

    /// A named table: a tenant table gets its predicate.
    fn table(&mut self, factor: &mut TableFactor, sink: Sink<'_>) -> Result<(), Error> {
        let TableFactor::Table { name, alias, .. } = &*factor else { return Ok(()) };
        let (name, alias) = relation(name, alias.as_ref());
        let Some(table) = self.tenant_table(&name)? else { return Ok(()) };
        self.require_scope(table)?;
        let Mode::Tenants(set) = self.mode else { return Ok(()) };
        if alias.is_some_and(|a| !a.columns.is_empty()) {
            return Err(Error::ColumnAliases { table: table.name().to_string() });
        }
        let qualifier = qualifier(&name, alias);
        self.check_qualifier(&qualifier, table)?;
        let column = table.tenant_column().unwrap_or_default();
        let predicate = self.tenant_predicate(set, column_ref(&qualifier, column));
        self.findings.changed = true;
        match sink {
            Sink::Collect(list) => list.push(predicate),
            Sink::Wrap => self.wrap(factor, predicate, qualifier),
        }
        Ok(())
    }

    /// Replaces `factor` with `(SELECT * FROM factor WHERE predicate) AS name`.
    fn wrap(&self, factor: &mut TableFactor, predicate: Expr, qualifier: Vec<Ident>) {
        let mut query = select_star_from(factor.clone());
        if let SetExpr::Select(select) = query.body.as_mut() {
            select.selection = Some(predicate);
        }
        let name = qualifier.last().cloned().unwrap_or_else(|| Ident::new("t"));
        let alias = TableAlias { explicit: true, name, columns: Vec::new(), at: None };
        *factor = TableFactor::Derived { lateral: false, subquery: query, alias: Some(alias), sample: None };
    }
}

/// `SELECT * FROM factor`, built directly (no parse).
pub(super) fn select_star_from(factor: TableFactor) -> Box<Query> {
    let select = Select {
        select_token: AttachedToken::empty(),
        optimizer_hints: Vec::new(),
        distinct: None,
        select_modifiers: None,
        top: None,
        top_before_distinct: false,
        projection: vec![SelectItem::Wildcard(WildcardAdditionalOptions::default())],
        exclude: None,
        into: None,
        from: vec![TableWithJoins { relation: factor, joins: Vec::new() }],
        lateral_views: Vec::new(),
        prewhere: None,
        selection: None,
        connect_by: Vec::new(),
        group_by: GroupByExpr::Expressions(Vec::new(), Vec::new()),
        cluster_by: Vec::new(),
        distribute_by: Vec::new(),
        sort_by: Vec::new(),
        having: None,
        named_window: Vec::new(),
        qualify: None,
        window_before_qualify: false,
        value_table_mode: None,
        flavor: SelectFlavor::Standard,
    };
    Box::new(Query {
        with: None,
        body: Box::new(SetExpr::Select(Box::new(select))),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    })
}

/// The name a predicate uses for a reference: its alias, or its name as written.
pub(super) fn qualifier(name: &sqlparser::ast::ObjectName, alias: Option<&TableAlias>) -> Vec<Ident> {
    match alias {
        Some(alias) => vec![alias.name.clone()],
        None => name.0.iter().filter_map(|part| part.as_ident().cloned()).collect(),
    }
}

impl JoinKind {
    fn of(operator: &JoinOperator) -> Self {
        use JoinOperator as J;
        let has_on = |c: &JoinConstraint| matches!(c, JoinConstraint::On(_));
        match operator {
            J::Join(_) | J::Inner(_) | J::CrossJoin(_) | J::StraightJoin(_) | J::CrossApply => Self::Inner,
            J::Left(c) | J::LeftOuter(c) | J::Semi(c) | J::LeftSemi(c) | J::Anti(c) | J::LeftAnti(c) => {
                Self::Left { on: has_on(c) }
            }
            J::Right(c) | J::RightOuter(c) | J::RightSemi(c) | J::RightAnti(c) => {
                Self::Right { on: has_on(c) }
            }
            J::OuterApply => Self::Left { on: false },
            _ => Self::Both,
        }
    }
}

/// Where the predicates of everything left of join `from` go: the first later join that makes
/// the left side nullable decides.
fn left_target(kinds: &[JoinKind], from: usize) -> Target {
    for (j, kind) in kinds.iter().enumerate().skip(from) {
        match kind {
            JoinKind::Right { on: true } => return Target::On(j),
            JoinKind::Right { on: false } | JoinKind::Both => return Target::Wrap,
            JoinKind::Inner | JoinKind::Left { .. } => {}
        }
    }
    Target::Outer
}

/// Where the predicates of join `i`'s right side go.
fn right_target(kinds: &[JoinKind], i: usize) -> Target {
    match kinds[i] {
        JoinKind::Left { on: true } => Target::On(i),
        JoinKind::Left { on: false } | JoinKind::Both => Target::Wrap,
        JoinKind::Inner | JoinKind::Right { .. } => left_target(kinds, i + 1),
    }
}

pub(super) fn constraint_mut(operator: &mut JoinOperator) -> Option<&mut JoinConstraint> {
    use JoinOperator as J;
    match operator {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::CrossJoin(c)
        | J::Semi(c)
        | J::LeftSemi(c)
        | J::RightSemi(c)
        | J::Anti(c)
        | J::LeftAnti(c)
        | J::RightAnti(c)
        | J::StraightJoin(c) => Some(c),
        _ => None,
    }
}
