//! INSERT, UPDATE and DELETE: the target table is scoped like any FROM item, an INSERT gets
//! (or has checked) its tenant column, and no statement may assign a tenant column.

use sqlparser::ast::{
    Assignment, AssignmentTarget, CastKind, Delete, Expr, FromTable, Insert, ObjectName, OnConflictAction,
    OnInsert, Query, SelectItem, SetExpr, SqliteOnConflict, TableFactor, TableObject, TableWithJoins, Update,
    UpdateTableFromKind, Value,
};

use super::params;
use super::predicate::{column_ref, conjoin};
use super::query::qualifier;
use super::template::{LiteralCheck, OwnedLiteral};
use super::walker::{Mode, Walker};
use crate::schema::relation;
use crate::{Error, Table, TenantSet};

const TENANT_VALUE: &str =
    "the tenant column's value must be a literal or a parameter; leave the column out and it is filled in";

impl Walker<'_> {
    pub(super) fn insert(&mut self, insert: &mut Insert) -> Result<(), Error> {
        if let Some(source) = &mut insert.source {
            self.query(source)?;
        }
        self.subqueries(&mut insert.returning)?;
        self.subqueries(&mut insert.on)?;
        let table = match &insert.table {
            TableObject::TableName(name) => self.tenant_table(name)?,
            other => {
                let text = other.to_string();
                return self.refuse_if_tenant(&text, "INSERT".to_owned(), "insert into the table by name");
            }
        };
        let Some(table) = table else { return Ok(()) };
        self.require_scope(table)?;
        let Mode::Tenants(set) = self.mode else { return Ok(()) };
        self.findings.changed = true;
        self.insert_tenant_column(insert, table, set)?;
        self.insert_on_conflict(insert, table, set)
    }

    fn insert_tenant_column(
        &mut self,
        insert: &mut Insert,
        table: &Table,
        set: &TenantSet,
    ) -> Result<(), Error> {
        let column = table.tenant_column().unwrap_or_default();
        let unsupported = |reason| Error::Unsupported {
            statement: "INSERT".to_owned(),
            table: table.name().to_string(),
            reason,
        };
        if insert.replace_into || matches!(insert.or, Some(SqliteOnConflict::Replace)) {
            return Err(unsupported(
                "REPLACE deletes conflicting rows; use INSERT ... ON CONFLICT DO UPDATE",
            ));
        }
        if !insert.assignments.is_empty() {
            return Err(unsupported("INSERT ... SET is not supported; use INSERT ... (columns) VALUES"));
        }
        let Some(source) = insert.source.as_mut().filter(|_| !insert.columns.is_empty()) else {
            return Err(Error::MissingColumnList {
                table: table.name().to_string(),
                column: column.to_owned(),
            });
        };
        if !same_width(source, insert.columns.len()) {
            return Err(unsupported(
                "every row must give one value per listed column, and a SELECT must list its columns \
                 (not *), so the tenant column's value can be found",
            ));
        }
        let position = insert.columns.iter().position(|c| self.names_column(c, column));
        match position {
            Some(k) => self.check_inserted_tenants(source, k, table),
            None => {
                let tenant = set.single().ok_or_else(|| Error::AmbiguousTenant {
                    table: table.name().to_string(),
                    column: column.to_owned(),
                })?;
                let value = self.tenant_value(tenant);
                let Expr::CompoundIdentifier(mut parts) = column_ref(&[], column) else { return Ok(()) };
                insert.columns.push(ObjectName::from(vec![parts.remove(0)]));
                append_value(source, value).map_err(|()| unsupported(TENANT_VALUE))
            }
        }
    }

    /// Checks the value every inserted row gives the tenant column (position `k`).
    fn check_inserted_tenants(&mut self, source: &Query, k: usize, table: &Table) -> Result<(), Error> {
        let values: Vec<&Expr> = match source.body.as_ref() {
            SetExpr::Values(values) => values.rows.iter().filter_map(|row| row.content.get(k)).collect(),
            SetExpr::Select(select) => match select.projection.get(k) {
                Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) => vec![e],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        if values.is_empty() {
            return Err(Error::Unsupported {
                statement: "INSERT".to_owned(),
                table: table.name().to_string(),
                reason: TENANT_VALUE,
            });
        }
        values.into_iter().try_for_each(|value| self.check_inserted_tenant(value, table))
    }

    fn check_inserted_tenant(&mut self, value: &Expr, table: &Table) -> Result<(), Error> {
        let column = table.tenant_column().unwrap_or_default().to_owned();
        let literal = match strip_casts(value) {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => OwnedLiteral::Number(n.clone()),
                Value::SingleQuotedString(s) => OwnedLiteral::Text(s.clone()),
                Value::Null => OwnedLiteral::Null,
                Value::Placeholder(p) if params::index_of(p).is_some() => {
                    self.findings.guarded_parameters.extend(params::index_of(p));
                    return Ok(());
                }
                _ => return Err(self.tenant_value_error(table)),
            },
            _ => return Err(self.tenant_value_error(table)),
        };
        let table = table.name().to_string();
        self.findings.literal_checks.push(LiteralCheck { table, column, literal });
        Ok(())
    }

    fn tenant_value_error(&self, table: &Table) -> Error {
        Error::Unsupported {
            statement: "INSERT".to_owned(),
            table: table.name().to_string(),
            reason: TENANT_VALUE,
        }
    }

    /// `ON CONFLICT DO UPDATE` may only touch the current tenant's row, and not its tenant.
    fn insert_on_conflict(
        &mut self,
        insert: &mut Insert,
        table: &Table,
        set: &TenantSet,
    ) -> Result<(), Error> {
        let Some(on) = &mut insert.on else { return Ok(()) };
        let update = match on {
            OnInsert::OnConflict(conflict) => match &mut conflict.action {
                OnConflictAction::DoUpdate(update) => update,
                OnConflictAction::DoNothing => return Ok(()),
            },
            _ => {
                return Err(Error::Unsupported {
                    statement: "INSERT ... ON DUPLICATE KEY UPDATE".to_owned(),
                    table: table.name().to_string(),
                    reason: "use INSERT ... ON CONFLICT DO UPDATE",
                });
            }
        };
        self.refuse_tenant_assignment("INSERT ... ON CONFLICT DO UPDATE", &update.assignments, table)?;
        let TableObject::TableName(name) = &insert.table else { return Ok(()) };
        let qualifier = match &insert.table_alias {
            Some(alias) => vec![alias.alias.clone()],
            None => qualifier(name, None),
        };
        self.check_qualifier(&qualifier, table)?;
        let column = table.tenant_column().unwrap_or_default();
        let predicate = self.tenant_predicate(set, column_ref(&qualifier, column));
        update.selection = conjoin(update.selection.take(), vec![predicate]);
        Ok(())
    }

    pub(super) fn update(&mut self, update: &mut Update) -> Result<(), Error> {
        let mut visible = vec![&update.table];
        if let Some(UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from)) = &update.from
        {
            visible.extend(from.iter());
        }
        let (assignments, selection) = (&mut update.assignments, &mut update.selection);
        let (returning, limit) = (&mut update.returning, &mut update.limit);
        self.correlated(&visible, |walker| {
            walker.subqueries(assignments)?;
            walker.subqueries(selection)?;
            walker.subqueries(returning)?;
            walker.subqueries(limit)
        })?;
        if let TableFactor::Table { name, alias, .. } = &update.table.relation
            && let Some(table) = self.tenant_table(&relation(name, alias.as_ref()).0)?
        {
            self.refuse_tenant_assignment("UPDATE", &update.assignments, table)?;
        }
        let mut predicates = Vec::new();
        self.scope_from_list(std::slice::from_mut(&mut update.table), &mut predicates)?;
        if let Some(UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from)) =
            &mut update.from
        {
            self.scope_from_list(from, &mut predicates)?;
        }
        if self.spans_shards() {
            let mut items = vec![&mut update.table];
            if let Some(UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from)) =
                &mut update.from
            {
                items.extend(from.iter_mut());
            }
            let outer = self.enclosing.len();
            self.colocate(items, outer, &mut predicates, update.selection.as_ref(), None)?;
        }
        update.selection = conjoin(update.selection.take(), predicates);
        Ok(())
    }

    pub(super) fn delete(&mut self, delete: &mut Delete) -> Result<(), Error> {
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &mut delete.from;
        let visible: Vec<&TableWithJoins> = from.iter().chain(delete.using.iter().flatten()).collect();
        let (selection, returning, limit) = (&mut delete.selection, &mut delete.returning, &mut delete.limit);
        self.correlated(&visible, |walker| {
            walker.subqueries(selection)?;
            walker.subqueries(returning)?;
            walker.subqueries(limit)
        })?;
        let mut predicates = Vec::new();
        self.scope_from_list(from, &mut predicates)?;
        if let Some(using) = &mut delete.using {
            self.scope_from_list(using, &mut predicates)?;
        }
        if self.spans_shards() {
            let items = from.iter_mut().chain(delete.using.iter_mut().flatten()).collect();
            let outer = self.enclosing.len();
            self.colocate(items, outer, &mut predicates, delete.selection.as_ref(), None)?;
        }
        delete.selection = conjoin(delete.selection.take(), predicates);
        Ok(())
    }

    fn refuse_tenant_assignment(
        &self,
        statement: &'static str,
        assignments: &[Assignment],
        table: &Table,
    ) -> Result<(), Error> {
        let column = table.tenant_column().unwrap_or_default();
        let assigns = |name: &ObjectName| self.names_column(name, column);
        let assigned = assignments.iter().any(|a| match &a.target {
            AssignmentTarget::ColumnName(name) => assigns(name),
            AssignmentTarget::Tuple(names) => names.iter().any(assigns),
        });
        if assigned {
            return Err(Error::TenantColumnAssigned {
                statement,
                table: table.name().to_string(),
                column: column.to_owned(),
            });
        }
        Ok(())
    }

    /// Whether `name` (a column as written, possibly qualified) is the declared `column`.
    fn names_column(&self, name: &ObjectName, column: &str) -> bool {
        name.0
            .last()
            .and_then(|part| part.as_ident())
            .is_some_and(|ident| self.dialect.matches(ident, column))
    }
}

fn strip_casts(expr: &Expr) -> &Expr {
    match expr {
        Expr::Cast { kind: CastKind::Cast | CastKind::DoubleColon, expr, .. } | Expr::Nested(expr) => {
            strip_casts(expr)
        }
        other => other,
    }
}

/// Whether every row `source` produces visibly has `width` values (no `*`).
fn same_width(source: &Query, width: usize) -> bool {
    match source.body.as_ref() {
        SetExpr::Values(values) => values.rows.iter().all(|row| row.content.len() == width),
        SetExpr::Select(select) => {
            select.projection.len() == width
                && select
                    .projection
                    .iter()
                    .all(|item| matches!(item, SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }))
        }
        _ => false,
    }
}

/// Adds `value` as the last column of every row `source` produces.
fn append_value(source: &mut Query, value: Expr) -> Result<(), ()> {
    match source.body.as_mut() {
        SetExpr::Values(values) => {
            values.rows.iter_mut().for_each(|row| row.content.push(value.clone()));
            Ok(())
        }
        SetExpr::Select(select) if !select.projection.is_empty() => {
            select.projection.push(SelectItem::UnnamedExpr(value));
            Ok(())
        }
        _ => Err(()),
    }
}
