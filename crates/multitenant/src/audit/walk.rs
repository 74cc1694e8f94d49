//! The audit's walk: statements, queries, and the guard sets of each FROM item.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Assignment, AssignmentTarget, CopySource, Declare, DeclareType, Delete, Expr, FromTable, Ident, Insert,
    JoinConstraint, JoinOperator, ObjectName, OnConflictAction, OnInsert, Query, Select, SelectItem, SetExpr,
    Statement, TableFactor, TableObject, TableWithJoins, Update, UpdateTableFromKind, Visit, Visitor,
};

use super::{AuditError, Problem};
use crate::schema::relation;
use crate::syntax::unparenthesized;
use crate::{Dialect, Resolved, Schema, Scope, Table, TenantId, functions};

type Audit = Result<(), AuditError>;

/// One audit of one rewritten SQL string.
pub(crate) struct Auditor<'a> {
    schema: &'a Schema,
    pub(super) dialect: Dialect,
    pub(super) tenants: &'a [TenantId],
    pub(super) tenant_parameter: Option<usize>,
    guarded: &'a [usize],
    unscoped: bool,
    ctes: Vec<String>,
}

impl<'a> Auditor<'a> {
    pub(super) fn new(
        schema: &'a Schema,
        dialect: Dialect,
        scope: Option<&'a Scope>,
        tenant_parameter: Option<usize>,
        guarded: &'a [usize],
    ) -> Self {
        let tenants = match scope {
            Some(Scope::Tenants(set)) => set.as_slice(),
            _ => &[],
        };
        Self {
            schema,
            dialect,
            tenants,
            tenant_parameter,
            guarded,
            unscoped: matches!(scope, Some(Scope::Unscoped)),
            ctes: Vec::new(),
        }
    }

    pub(super) fn sql(&mut self, sql: &str) -> Audit {
        if self.unscoped {
            return Ok(());
        }
        let statements = crate::parse::statements(self.dialect, sql)
            .map(|parsed| parsed.statements)
            .map_err(|_| AuditError { table: sql.to_owned(), problem: Problem::Unparseable })?;
        for statement in &statements {
            functions::check(statement).map_err(|refusal| AuditError {
                table: refusal.function,
                problem: Problem::UnscopableFunction,
            })?;
            self.statement(statement)?;
        }
        Ok(())
    }

    fn statement(&mut self, statement: &Statement) -> Audit {
        match statement {
            Statement::Query(query) => self.query(query),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Explain { statement, .. } => self.statement(statement),
            Statement::Declare { stmts } => {
                stmts.iter().try_for_each(|declaration| self.declaration(declaration))
            }
            Statement::Copy { source: CopySource::Query(query), to: true, .. } => self.query(query),
            Statement::Fetch { into: None, .. } | Statement::Close { .. } => Ok(()),
            other => self.opaque(&other.to_string()),
        }
    }

    /// A cursor is audited through its query; held, it must read no tenant table.
    fn declaration(&mut self, declaration: &Declare) -> Audit {
        let Declare { declare_type: Some(DeclareType::Cursor), for_query: Some(query), hold, .. } =
            declaration
        else {
            return self.opaque(&declaration.to_string());
        };
        if *hold == Some(true)
            && let Some(table) = self.schema.mentioned_tenant_table(&query.to_string(), self.dialect)
        {
            return Err(fail(table, Problem::HeldCursor));
        }
        self.query(query)
    }

    fn opaque(&self, text: &str) -> Audit {
        match self.schema.mentioned_tenant_table(text, self.dialect) {
            Some(table) => Err(fail(table, Problem::Opaque)),
            None => Ok(()),
        }
    }

    fn query(&mut self, query: &Query) -> Audit {
        let depth = self.ctes.len();
        let result = self.query_parts(query);
        self.ctes.truncate(depth);
        result
    }

    fn query_parts(&mut self, query: &Query) -> Audit {
        if let Some(with) = &query.with {
            let names = |ctes: &mut Vec<String>, dialect: Dialect, cte: &sqlparser::ast::Cte| {
                ctes.push(dialect.fold(&cte.alias.name).into_owned());
            };
            let all_visible = self.dialect.ctes_see_each_other(with.recursive);
            if all_visible {
                with.cte_tables.iter().for_each(|cte| names(&mut self.ctes, self.dialect, cte));
            }
            for cte in &with.cte_tables {
                self.query(&cte.query)?;
                if !all_visible {
                    names(&mut self.ctes, self.dialect, cte);
                }
            }
        }
        self.set_expr(&query.body)?;
        self.subqueries(&query.order_by)?;
        self.subqueries(&query.limit_clause)?;
        self.subqueries(&query.fetch)
    }

    fn set_expr(&mut self, body: &SetExpr) -> Audit {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left)?;
                self.set_expr(right)
            }
            SetExpr::Values(values) => self.subqueries(values),
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) => self.statement(s),
            other => self.opaque(&other.to_string()),
        }
    }

    fn select(&mut self, select: &Select) -> Audit {
        self.subqueries(select)?;
        let guards: Vec<&Expr> = select.selection.iter().collect();
        select.from.iter().try_for_each(|item| self.item(item, &guards))
    }

    fn item(&self, item: &TableWithJoins, guards: &[&Expr]) -> Audit {
        self.chain(item, item.joins.len(), guards)
    }

    /// The first `k` joins of `item`, guarded by `guards`.
    fn chain(&self, item: &TableWithJoins, k: usize, guards: &[&Expr]) -> Audit {
        let Some(k) = k.checked_sub(1) else { return self.factor(&item.relation, guards) };
        let join = &item.joins[k];
        let on: Vec<&Expr> = on_condition(&join.join_operator).into_iter().collect();
        let widened: Vec<&Expr> = guards.iter().copied().chain(on.iter().copied()).collect();
        use JoinOperator as J;
        let (left, right): (&[&Expr], &[&Expr]) = match &join.join_operator {
            J::Join(_) | J::Inner(_) | J::CrossJoin(_) | J::StraightJoin(_) => (&widened, &widened),
            J::Left(_) | J::LeftOuter(_) => (guards, &on),
            J::Right(_) | J::RightOuter(_) => (&on, guards),
            _ => (&[], &[]),
        };
        self.chain(item, k, left)?;
        self.factor(&join.relation, right)
    }

    fn factor(&self, factor: &TableFactor, guards: &[&Expr]) -> Audit {
        match factor {
            TableFactor::Table { name, alias, args: None, .. } => {
                let (name, alias) = relation(name, alias.as_ref());
                let Some(table) = self.tenant_table(&name) else { return Ok(()) };
                let column = table.tenant_column().unwrap_or_default();
                let qualifier = match alias {
                    Some(alias) => vec![alias.name.clone()],
                    None => idents(&name),
                };
                match guards.iter().any(|g| self.guards(g, &qualifier, column)) {
                    true => Ok(()),
                    false => Err(fail(table, Problem::Unguarded)),
                }
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                self.item(table_with_joins, if alias.is_some() { &[] } else { guards })
            }
            TableFactor::Table { .. }
            | TableFactor::Derived { .. }
            | TableFactor::Function { .. }
            | TableFactor::TableFunction { .. }
            | TableFactor::UNNEST { .. } => Ok(()),
            other => self.opaque(&other.to_string()),
        }
    }

    fn tenant_table(&self, name: &ObjectName) -> Option<&'a Table> {
        if let [part] = name.0.as_slice()
            && let Some(ident) = part.as_ident()
            && self.ctes.iter().any(|cte| self.dialect.matches(ident, cte))
        {
            return None;
        }
        match self.schema.resolve(name, self.dialect) {
            Resolved::Table(table) => table.tenant_column().map(|_| table),
            // The rewriter refuses ambiguous names; an ambiguous one here is not proven scoped.
            Resolved::Ambiguous => self.schema.tables().find(|t| t.tenant_column().is_some()),
            Resolved::Undeclared => None,
        }
    }

    fn insert(&mut self, insert: &Insert) -> Audit {
        if let Some(source) = &insert.source {
            self.query(source)?;
        }
        self.subqueries(&insert.returning)?;
        self.subqueries(&insert.on)?;
        let TableObject::TableName(name) = &insert.table else {
            return self.opaque(&insert.table.to_string());
        };
        let Some(table) = self.tenant_table(name) else { return Ok(()) };
        let column = table.tenant_column().unwrap_or_default();
        let position = insert.columns.iter().position(|c| last_matches(self.dialect, c, column));
        let values = match (position, insert.source.as_deref()) {
            (Some(k), Some(source)) => inserted_values(source, k),
            _ => None,
        };
        let tenant_values = values.is_some_and(|v| v.iter().all(|e| self.is_inserted_tenant(e)));
        if !tenant_values {
            return Err(fail(table, Problem::InsertedTenant));
        }
        self.on_conflict(insert, name, table)
    }

    fn is_inserted_tenant(&self, expr: &Expr) -> bool {
        self.is_tenant_value(expr)
            || self.is_tenant_literal(expr)
            || self.placeholder(expr).is_some_and(|n| self.guarded.contains(&n))
            || self.guarded_parameter(expr).is_some()
    }

    fn on_conflict(&self, insert: &Insert, name: &ObjectName, table: &Table) -> Audit {
        let Some(OnInsert::OnConflict(conflict)) = &insert.on else { return Ok(()) };
        let OnConflictAction::DoUpdate(update) = &conflict.action else { return Ok(()) };
        let qualifier = match &insert.table_alias {
            Some(alias) => vec![alias.alias.clone()],
            None => idents(name),
        };
        let assigned = Assigned { qualifier: &qualifier, selection: update.selection.as_ref(), upsert: true };
        self.tenant_assignments(&update.assignments, table, &assigned)?;
        let column = table.tenant_column().unwrap_or_default();
        match update.selection.as_ref().is_some_and(|s| self.guards(s, &qualifier, column)) {
            true => Ok(()),
            false => Err(fail(table, Problem::Unguarded)),
        }
    }

    fn update(&mut self, update: &Update) -> Audit {
        self.subqueries(&update.assignments)?;
        self.subqueries(&update.selection)?;
        self.subqueries(&update.returning)?;
        self.subqueries(&update.table)?;
        if let TableFactor::Table { name, alias, .. } = &update.table.relation {
            let (name, alias) = relation(name, alias.as_ref());
            if let Some(table) = self.tenant_table(&name) {
                let qualifier = match alias {
                    Some(alias) => vec![alias.name.clone()],
                    None => idents(&name),
                };
                let assigned =
                    Assigned { qualifier: &qualifier, selection: update.selection.as_ref(), upsert: false };
                self.tenant_assignments(&update.assignments, table, &assigned)?;
            }
        }
        let guards: Vec<&Expr> = update.selection.iter().collect();
        self.item(&update.table, &guards)?;
        if let Some(UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from)) = &update.from
        {
            self.subqueries(from)?;
            from.iter().try_for_each(|item| self.item(item, &guards))?;
        }
        Ok(())
    }

    fn delete(&mut self, delete: &Delete) -> Audit {
        self.subqueries(&delete.selection)?;
        self.subqueries(&delete.returning)?;
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        self.subqueries(from)?;
        self.subqueries(&delete.using)?;
        let guards: Vec<&Expr> = delete.selection.iter().collect();
        from.iter().chain(delete.using.iter().flatten()).try_for_each(|item| self.item(item, &guards))
    }

    /// Assignments to the tenant column must leave it as it is: the column itself, or a
    /// current tenant's literal, a guarded parameter or (in an upsert) `EXCLUDED`'s tenant
    /// that the statement's condition equates with the column.
    fn tenant_assignments(
        &self,
        assignments: &[Assignment],
        table: &Table,
        assigned: &Assigned<'_>,
    ) -> Audit {
        let column = table.tenant_column().unwrap_or_default();
        let assigns = |name: &ObjectName| last_matches(self.dialect, name, column);
        for assignment in assignments {
            let unchanged = match &assignment.target {
                AssignmentTarget::ColumnName(name) if assigns(name) => {
                    self.leaves_tenant(&assignment.value, column, assigned)
                }
                AssignmentTarget::Tuple(names) => !names.iter().any(assigns),
                AssignmentTarget::ColumnName(_) => true,
            };
            if !unchanged {
                return Err(fail(table, Problem::TenantAssigned));
            }
        }
        Ok(())
    }

    /// A guarded parameter (checked by the driver, or by the database in a guard, which the
    /// condition must equate with the parameter itself) counts as checked.
    fn leaves_tenant(&self, value: &Expr, column: &str, assigned: &Assigned<'_>) -> bool {
        // Through parentheses only: a cast may change the value (`t::numeric(2,-1)`).
        let value = unparenthesized(value);
        let own = match value {
            Expr::Identifier(ident) => self.dialect.matches(ident, column),
            expr => self.is_column(expr, assigned.qualifier, column),
        };
        let excluded = assigned.upsert && self.is_column(value, &[Ident::new("excluded")], column);
        let (value, checked) = match self.guarded_parameter(value) {
            Some(parameter) => (parameter, true),
            None => {
                let checked = self.is_tenant_literal(value)
                    || self.placeholder(value).is_some_and(|n| self.guarded.contains(&n));
                (value, checked)
            }
        };
        own || ((checked || excluded)
            && assigned.selection.is_some_and(|s| self.equates(s, assigned.qualifier, column, value)))
    }

    /// Audits every query nested in `node`'s expressions (and derived tables) as a query of
    /// its own.
    fn subqueries<T: Visit + ?Sized>(&mut self, node: &T) -> Audit {
        let mut visitor = Subqueries { auditor: self, depth: 0 };
        match node.visit(&mut visitor) {
            ControlFlow::Break(error) => Err(error),
            ControlFlow::Continue(()) => Ok(()),
        }
    }
}

struct Subqueries<'v, 'a> {
    auditor: &'v mut Auditor<'a>,
    depth: usize,
}

impl Visitor for Subqueries<'_, '_> {
    type Break = AuditError;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<AuditError> {
        if self.depth == 0
            && let Err(error) = self.auditor.query(query)
        {
            return ControlFlow::Break(error);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<AuditError> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

/// Where assignments stand: the name the statement gives the table, its condition, and whether
/// it is an upsert's `DO UPDATE` (where `EXCLUDED` names the inserted row).
struct Assigned<'s> {
    qualifier: &'s [Ident],
    selection: Option<&'s Expr>,
    upsert: bool,
}

fn fail(table: &Table, problem: Problem) -> AuditError {
    AuditError { table: table.name().to_string(), problem }
}

fn idents(name: &ObjectName) -> Vec<Ident> {
    name.0.iter().filter_map(|part| part.as_ident().cloned()).collect()
}

fn last_matches(dialect: Dialect, name: &ObjectName, column: &str) -> bool {
    name.0.last().and_then(|part| part.as_ident()).is_some_and(|ident| dialect.matches(ident, column))
}

fn on_condition(operator: &JoinOperator) -> Option<&Expr> {
    use JoinOperator as J;
    match operator {
        J::Join(c) | J::Inner(c) | J::Left(c) | J::LeftOuter(c) | J::Right(c) | J::RightOuter(c) => match c {
            JoinConstraint::On(expr) => Some(expr),
            _ => None,
        },
        _ => None,
    }
}

/// The expressions the rows of `source` put in column `k`, when they can be read off.
fn inserted_values(source: &Query, k: usize) -> Option<Vec<&Expr>> {
    match source.body.as_ref() {
        SetExpr::Values(values) => values.rows.iter().map(|row| row.content.get(k)).collect(),
        SetExpr::Select(select) => match select.projection.get(k) {
            Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) => Some(vec![e]),
            _ => None,
        },
        _ => None,
    }
}
