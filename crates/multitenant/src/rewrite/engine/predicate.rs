//! The tenant predicate (`t.company_id = $n`, `= ANY($n)`, or literals), and conjoining it
//! with a statement's own conditions without letting the parser regroup them.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, Ident, ObjectName, Query, SelectItem, SetExpr,
    TableFactor, TableFunctionArgs, Value,
};

use super::query::select_star_from;
use super::walker::is_plain_identifier;

use super::walker::Walker;
use crate::schema::quote_if_needed;
use crate::{Dialect, TenantId, TenantSet};

impl Walker<'_> {
    /// `column` compared with the tenants of `set`.
    pub(super) fn tenant_predicate(&mut self, set: &TenantSet, column: Expr) -> Expr {
        match (set.single(), self.output.binds_tenant()) {
            (Some(_), true) => eq(column, self.tenant_placeholder()),
            (Some(tenant), false) => eq(column, literal(tenant)),
            (None, false) => Expr::InList {
                expr: Box::new(column),
                list: set.as_slice().iter().map(literal).collect(),
                negated: false,
            },
            (None, true) => {
                let placeholder = self.tenant_placeholder();
                in_bound_set(self.dialect, column, placeholder)
            }
        }
    }

    /// The value an `INSERT` writes into the tenant column (one tenant set).
    pub(super) fn tenant_value(&mut self, tenant: &TenantId) -> Expr {
        match self.output.binds_tenant() {
            true => self.tenant_placeholder(),
            false => literal(tenant),
        }
    }

    /// `value`, the statement's own parameter `index` (maybe cast) where it fills a tenant
    /// column, guarded by the database ([`Output::Guarded`](crate::Output::Guarded)): the
    /// tenant predicate on the value, in the dialect's guard ([`Dialect::guard`]).
    pub(super) fn tenant_guard(&mut self, set: &TenantSet, value: Expr, index: usize) -> Expr {
        let test = self.tenant_predicate(set, value.clone());
        self.dialect.guard(value, test, index)
    }

    fn tenant_placeholder(&mut self) -> Expr {
        self.findings.tenant_parameter_used = true;
        Expr::value(Value::Placeholder(self.dialect.placeholder(self.tenant_parameter)))
    }
}

/// `qualifier.column`, quoting the column where PostgreSQL would need it.
pub(super) fn column_ref(qualifier: &[Ident], column: &str) -> Expr {
    let column = match quote_if_needed(column) {
        quoted if quoted.starts_with('"') => Ident::with_quote('"', column),
        plain => Ident::new(plain),
    };
    let mut parts = qualifier.to_vec();
    parts.push(column);
    Expr::CompoundIdentifier(parts)
}

/// `left = right`.
pub(super) fn eq(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp { left: Box::new(left), op: BinaryOperator::Eq, right: Box::new(right) }
}

fn literal(tenant: &TenantId) -> Expr {
    match tenant {
        TenantId::I64(v) => Expr::value(Value::Number(v.to_string(), false)),
        TenantId::I32(v) => Expr::value(Value::Number(v.to_string(), false)),
        other => Expr::value(Value::SingleQuotedString(other.to_string())),
    }
}

/// `column = ANY($n)` on PostgreSQL, `column IN (SELECT value FROM json_each(?n))` on SQLite.
fn in_bound_set(dialect: Dialect, column: Expr, placeholder: Expr) -> Expr {
    match dialect {
        Dialect::Postgres => Expr::AnyOp {
            left: Box::new(column),
            compare_op: BinaryOperator::Eq,
            right: Box::new(placeholder),
            is_some: false,
        },
        Dialect::Sqlite => {
            Expr::InSubquery { expr: Box::new(column), subquery: json_each(placeholder), negated: false }
        }
    }
}

/// `SELECT value FROM json_each(<placeholder>)`: the rows of a JSON array bound as text.
fn json_each(placeholder: Expr) -> Box<Query> {
    let function = TableFactor::Table {
        name: ObjectName::from(vec![Ident::new("json_each")]),
        alias: None,
        args: Some(TableFunctionArgs {
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(placeholder))],
            settings: None,
        }),
        with_hints: Vec::new(),
        version: None,
        with_ordinality: false,
        partitions: Vec::new(),
        json_path: None,
        sample: None,
        index_hints: Vec::new(),
    };
    let mut query = select_star_from(function);
    if let SetExpr::Select(select) = query.body.as_mut() {
        select.projection = vec![SelectItem::UnnamedExpr(Expr::Identifier(Ident::new("value")))];
    }
    query
}

/// `existing AND p1 AND p2 ...`, skipping predicates already present as top-level conjuncts
/// and parenthesizing `existing` where `AND` would otherwise bind into it.
pub(super) fn conjoin(existing: Option<Expr>, predicates: Vec<Expr>) -> Option<Expr> {
    let mut result = existing.map(parenthesize);
    for predicate in predicates {
        if result.as_ref().is_some_and(|e| has_conjunct(e, &predicate)) {
            continue;
        }
        result = Some(match result {
            Some(left) => {
                Expr::BinaryOp { left: Box::new(left), op: BinaryOperator::And, right: Box::new(predicate) }
            }
            None => predicate,
        });
    }
    result
}

/// [`conjoin`] onto a condition that must stay present (an `ON`).
pub(super) fn conjoin_in_place(condition: &mut Expr, predicates: Vec<Expr>) {
    if predicates.is_empty() {
        return;
    }
    let existing = std::mem::replace(condition, Expr::value(Value::Boolean(true)));
    if let Some(joined) = conjoin(Some(existing), predicates) {
        *condition = joined;
    }
}

/// The statement's own condition, parenthesized unless it is a form that `AND` cannot
/// regroup when printed before it (comparisons, `AND` chains, `IN`, `EXISTS`, ...): an allowlist,
/// so an unforeseen form is parenthesized rather than regrouped.
fn parenthesize(expr: Expr) -> Expr {
    let stays_grouped = match &expr {
        Expr::BinaryOp { op, .. } => !matches!(op, BinaryOperator::Or | BinaryOperator::Xor),
        Expr::Identifier(ident) => ident.quote_style.is_some() || is_plain_identifier(&ident.value),
        Expr::Nested(_)
        | Expr::Exists { .. }
        | Expr::InSubquery { .. }
        | Expr::InList { .. }
        | Expr::Between { .. }
        | Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::AnyOp { .. }
        | Expr::AllOp { .. }
        | Expr::Function(_) => true,
        _ => false,
    };
    match stays_grouped {
        true => expr,
        false => Expr::Nested(Box::new(expr)),
    }
}

/// Whether `wanted` is one of the `AND`-ed terms of `expr`.
pub(super) fn has_conjunct(expr: &Expr, wanted: &Expr) -> bool {
    match expr {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            has_conjunct(left, wanted) || has_conjunct(right, wanted)
        }
        Expr::Nested(inner) => has_conjunct(inner, wanted),
        other => other == wanted,
    }
}
