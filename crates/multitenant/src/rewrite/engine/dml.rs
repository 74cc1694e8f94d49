//! INSERT, UPDATE and DELETE: the target table is scoped like any FROM item, an INSERT gets
//! (or has checked) its tenant column, and no statement may assign a tenant column.

use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, Expr, FromTable, Ident, Insert, ObjectName, OnConflictAction,
    OnInsert, Query, SelectItem, SetExpr, SqliteOnConflict, TableFactor, TableObject, TableWithJoins, Update,
    UpdateTableFromKind, Value,
};

use super::params;
use super::predicate::{column_ref, conjoin, eq};
use super::query::qualifier;
use super::template::{LiteralCheck, OwnedLiteral};
use super::walker::{Mode, Walker};
use crate::schema::relation;
use crate::syntax::{is_cast, strip_casts, unparenthesized};
use crate::{Error, Output, Table, TenantSet};

const TENANT_VALUE: &str =
    "the tenant column's value must be a literal or a parameter; leave the column out and it is filled in";
const CAST_TENANT_VALUE: &str = "a cast around the tenant column's value would be checked before the cast, \
     which could turn one tenant's id into another's (a cast to varchar(2) cuts it to two characters): \
     give the value without a cast, in the column's type";

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
    fn check_inserted_tenants(&mut self, source: &mut Query, k: usize, table: &Table) -> Result<(), Error> {
        let values: Vec<&mut Expr> = match source.body.as_mut() {
            SetExpr::Values(values) => {
                values.rows.iter_mut().filter_map(|row| row.content.get_mut(k)).collect()
            }
            SetExpr::Select(select) => match select.projection.get_mut(k) {
                Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) => vec![e],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        if values.is_empty() {
            return Err(tenant_value_error("INSERT", table));
        }
        values.into_iter().try_for_each(|value| self.check_tenant_value("INSERT", value, table))
    }

    /// Accepts a literal or a parameter as the value of `table`'s tenant column, to be checked
    /// against the current tenants on every use (literals), or by the driver or (guarded
    /// output) the database (parameters).
    fn check_tenant_value(
        &mut self,
        statement: &'static str,
        value: &mut Expr,
        table: &Table,
    ) -> Result<(), Error> {
        let column = table.tenant_column().unwrap_or_default().to_owned();
        // Only the database's guard (guarded output) checks the value after a cast.
        let cast = is_cast(value);
        let refuse_cast = |guarded: bool| match cast && !guarded {
            true => Err(Error::Unsupported {
                statement: statement.to_owned(),
                table: table.name().to_string(),
                reason: CAST_TENANT_VALUE,
            }),
            false => Ok(()),
        };
        let literal = match strip_casts(value) {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => OwnedLiteral::Number(n.clone()),
                Value::SingleQuotedString(s) => OwnedLiteral::Text(s.clone()),
                Value::Null => OwnedLiteral::Null,
                Value::Placeholder(p) => match params::index_of(p) {
                    Some(index) => {
                        refuse_cast(self.output == Output::Guarded)?;
                        self.guard_parameter(value, index);
                        return Ok(());
                    }
                    None => return Err(tenant_value_error(statement, table)),
                },
                _ => return Err(tenant_value_error(statement, table)),
            },
            _ => return Err(tenant_value_error(statement, table)),
        };
        refuse_cast(false)?;
        let table = table.name().to_string();
        self.findings.literal_checks.push(LiteralCheck { statement, table, column, literal });
        Ok(())
    }

    /// Records parameter `index`, which fills a tenant column as `value` (the parameter, maybe
    /// cast), and with guarded output puts the database's guard around `value`: the guard
    /// checks the value written, after any cast (`$1::varchar(2)` could make one tenant's id
    /// another's).
    fn guard_parameter(&mut self, value: &mut Expr, index: usize) {
        self.findings.guarded_parameters.push(index);
        if let (Output::Guarded, Mode::Tenants(set)) = (self.output, self.mode) {
            let guarded = std::mem::replace(value, Expr::value(Value::Null));
            *value = self.tenant_guard(set, guarded, index);
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
        let TableObject::TableName(name) = &insert.table else { return Ok(()) };
        let qualifier = match &insert.table_alias {
            Some(alias) => vec![alias.alias.clone()],
            None => qualifier(name, None),
        };
        self.check_qualifier(&qualifier, table)?;
        let target = Target { statement: "INSERT ... ON CONFLICT DO UPDATE", table, qualifier: &qualifier };
        let mut predicates = self.tenant_assignments(&target, &mut update.assignments, Assigned::Upsert)?;
        let column = table.tenant_column().unwrap_or_default();
        predicates.insert(0, self.tenant_predicate(set, column_ref(&qualifier, column)));
        update.selection = conjoin(update.selection.take(), predicates);
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
        let mut predicates = Vec::new();
        if let TableFactor::Table { name, alias, .. } = &update.table.relation {
            let (name, alias) = relation(name, alias.as_ref());
            if let Some(table) = self.tenant_table(&name)? {
                // A row it conflicts with is deleted whoever's it is: a key without the tenant
                // column (a unique email) would delete another tenant's row.
                if matches!(update.or, Some(SqliteOnConflict::Replace))
                    && matches!(self.mode, Mode::Tenants(_))
                {
                    return Err(Error::Unsupported {
                        statement: "UPDATE".to_owned(),
                        table: table.name().to_string(),
                        reason: "OR REPLACE deletes the rows the new values conflict with, another tenant's \
                                 too; use UPDATE, or UPDATE OR IGNORE",
                    });
                }
                let qualifier = qualifier(&name, alias);
                let target = Target { statement: "UPDATE", table, qualifier: &qualifier };
                predicates = self.tenant_assignments(&target, &mut update.assignments, Assigned::Update)?;
            }
        }
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

    /// Checks what `assignments` give the target's tenant column: the row's own tenant
    /// (`SET t = t`), a literal or a parameter naming a current tenant (checked on every use,
    /// or by the driver), or in an upsert the inserted row's (`EXCLUDED.t`, which the INSERT
    /// checks). Anything else is refused, as is any change in unscoped mode. The value must
    /// also be the row's own, which the conditions returned (`q.t = value`, for the statement's
    /// `WHERE`) make sure of: the assignment changes nothing, a value that is not the row's
    /// tenant updates no row, and Citus accepts it (it refuses `SET t = $1` when the `WHERE`
    /// compares `t` with another parameter only). With guarded output a parameter is guarded
    /// in the `SET`, and compared as it is in the `WHERE`.
    fn tenant_assignments(
        &mut self,
        target: &Target<'_>,
        assignments: &mut [Assignment],
        assigned: Assigned,
    ) -> Result<Vec<Expr>, Error> {
        let column = target.table.tenant_column().unwrap_or_default();
        let mut conditions = Vec::new();
        for assignment in assignments {
            let value = match &assignment.target {
                AssignmentTarget::ColumnName(name) if self.names_column(name, column) => {
                    &mut assignment.value
                }
                AssignmentTarget::Tuple(names) if names.iter().any(|n| self.names_column(n, column)) => {
                    return Err(target.refused());
                }
                _ => continue,
            };
            self.require_scope(target.table)?;
            if self.is_own_tenant(value, target.qualifier, column) {
                continue;
            }
            if !matches!(self.mode, Mode::Tenants(_)) {
                return Err(target.refused());
            }
            let excluded = assigned == Assigned::Upsert && self.is_excluded(value, column);
            conditions.push(eq(column_ref(target.qualifier, column), strip_casts(value).clone()));
            if !excluded {
                self.check_tenant_value(target.statement, value, target.table)
                    .map_err(|_| target.refused())?;
            }
        }
        Ok(conditions)
    }

    /// `t` or `q.t`: the row's own tenant column (in parentheses maybe; never cast, since a
    /// cast may change it: `t::numeric(2,-1)` turns tenant 42 into 40).
    fn is_own_tenant(&self, value: &Expr, qualifier: &[Ident], column: &str) -> bool {
        match unparenthesized(value) {
            Expr::Identifier(ident) => self.dialect.matches(ident, column),
            Expr::CompoundIdentifier(parts) => parts.split_last().is_some_and(|(last, prefix)| {
                self.dialect.matches(last, column) && self.dialect.same_qualifier(prefix, qualifier)
            }),
            _ => false,
        }
    }

    /// `EXCLUDED.t`: the tenant of the row an upsert inserts (never cast, as above).
    fn is_excluded(&self, value: &Expr, column: &str) -> bool {
        matches!(unparenthesized(value), Expr::CompoundIdentifier(parts)
            if matches!(parts.as_slice(), [table, c]
                if self.dialect.matches(table, "excluded") && self.dialect.matches(c, column)))
    }

    /// Whether `name` (a column as written, possibly qualified) is the declared `column`.
    fn names_column(&self, name: &ObjectName, column: &str) -> bool {
        name.0
            .last()
            .and_then(|part| part.as_ident())
            .is_some_and(|ident| self.dialect.matches(ident, column))
    }
}

/// The statement and table whose tenant column an `UPDATE` or upsert assigns, and the name
/// the statement gives the table.
struct Target<'t> {
    statement: &'static str,
    table: &'t Table,
    qualifier: &'t [Ident],
}

impl Target<'_> {
    fn refused(&self) -> Error {
        Error::TenantColumnAssigned {
            statement: self.statement,
            table: self.table.name().to_string(),
            column: self.table.tenant_column().unwrap_or_default().to_owned(),
        }
    }
}

/// Where an assignment stands: an `UPDATE`'s `SET`, or an upsert's `DO UPDATE SET` (where
/// `EXCLUDED` names the inserted row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assigned {
    Update,
    Upsert,
}

fn tenant_value_error(statement: &'static str, table: &Table) -> Error {
    Error::Unsupported {
        statement: statement.to_owned(),
        table: table.name().to_string(),
        reason: TENANT_VALUE,
    }
}

/// Whether `expr`, inside any parentheses, is a cast.
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
