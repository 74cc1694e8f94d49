//! Recognising a tenant predicate on a reference, and a tenant value in an `INSERT`.

use sqlparser::ast::{BinaryOperator, Expr, Ident, SelectItem, SetExpr, TableFactor, Value};

use super::walk::Auditor;
use crate::TenantId;
use crate::syntax::strip_casts;

impl Auditor<'_> {
    /// Whether some `AND`-ed term of `condition` restricts `qualifier.column` to the tenants.
    pub(super) fn guards(&self, condition: &Expr, qualifier: &[Ident], column: &str) -> bool {
        match condition {
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
                self.guards(left, qualifier, column) || self.guards(right, qualifier, column)
            }
            Expr::Nested(inner) => self.guards(inner, qualifier, column),
            term => self.is_tenant_predicate(term, qualifier, column),
        }
    }

    fn is_tenant_predicate(&self, term: &Expr, qualifier: &[Ident], column: &str) -> bool {
        let on_column = |e: &Expr| self.is_column(e, qualifier, column);
        match term {
            Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => {
                (on_column(left) && self.is_tenant_value(right))
                    || (on_column(right) && self.is_tenant_value(left))
            }
            Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } => {
                on_column(left) && self.is_tenant_parameter(right)
            }
            Expr::InList { expr, list, negated: false } => {
                on_column(expr) && !list.is_empty() && list.iter().all(|v| self.is_tenant_literal(v))
            }
            Expr::InSubquery { expr, subquery, negated: false } => {
                on_column(expr) && self.is_json_each(subquery)
            }
            _ => false,
        }
    }

    /// Whether some `AND`-ed term of `condition` is `qualifier.column = value`.
    pub(super) fn equates(&self, condition: &Expr, qualifier: &[Ident], column: &str, value: &Expr) -> bool {
        match condition {
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
                self.equates(left, qualifier, column, value) || self.equates(right, qualifier, column, value)
            }
            Expr::Nested(inner) => self.equates(inner, qualifier, column, value),
            Expr::BinaryOp { left, op: BinaryOperator::Eq, right } => {
                (self.is_column(left, qualifier, column) && right.as_ref() == value)
                    || (self.is_column(right, qualifier, column) && left.as_ref() == value)
            }
            _ => false,
        }
    }

    pub(super) fn is_column(&self, expr: &Expr, qualifier: &[Ident], column: &str) -> bool {
        let Expr::CompoundIdentifier(parts) = expr else { return false };
        let Some((last, prefix)) = parts.split_last() else { return false };
        self.dialect.matches(last, column) && self.dialect.same_qualifier(prefix, qualifier)
    }

    /// The tenant parameter, or (one tenant) a literal naming it.
    pub(super) fn is_tenant_value(&self, expr: &Expr) -> bool {
        self.is_tenant_parameter(expr) || (self.tenants.len() == 1 && self.is_tenant_literal(expr))
    }

    fn is_tenant_parameter(&self, expr: &Expr) -> bool {
        self.placeholder(expr).is_some_and(|n| Some(n) == self.tenant_parameter)
    }

    pub(super) fn placeholder(&self, expr: &Expr) -> Option<usize> {
        match expr {
            Expr::Value(v) => match &v.value {
                Value::Placeholder(p) => p.get(1..)?.parse().ok(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The parameter that `expr` guards, when `expr` is exactly the dialect's guard
    /// ([`Output::Guarded`](crate::Output::Guarded)) of one parameter (maybe cast) by the
    /// tenant parameter: the value reaches the column only when it is a current tenant.
    pub(super) fn guarded_parameter<'e>(&self, expr: &'e Expr) -> Option<&'e Expr> {
        let Expr::Case { operand: None, conditions, .. } = expr else { return None };
        let first = conditions.first()?;
        let parameter = strip_casts(&first.result);
        let index = self.placeholder(parameter)?;
        if !self.is_guard_test(&first.condition, &first.result) {
            return None;
        }
        let guard = self.dialect.guard(first.result.clone(), first.condition.clone(), index);
        (guard == *expr).then_some(parameter)
    }

    /// `v = $t`, `v = ANY($t)` or `v IN (SELECT value FROM json_each($t))`: `value` compared
    /// with the tenant parameter.
    fn is_guard_test(&self, test: &Expr, value: &Expr) -> bool {
        match test {
            Expr::BinaryOp { left, op: BinaryOperator::Eq, right }
            | Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } => {
                left.as_ref() == value && self.is_tenant_parameter(right)
            }
            Expr::InSubquery { expr, subquery, negated: false } => {
                expr.as_ref() == value && self.is_json_each(subquery)
            }
            _ => false,
        }
    }

    /// A literal that names one of the tenants.
    pub(super) fn is_tenant_literal(&self, expr: &Expr) -> bool {
        let Expr::Value(v) = expr else { return false };
        let text = match &v.value {
            Value::Number(n, _) => n.as_str(),
            Value::SingleQuotedString(s) => s.as_str(),
            _ => return false,
        };
        self.tenants.iter().any(|t| match t {
            TenantId::I64(v) => text.trim().parse::<i64>() == Ok(*v),
            TenantId::I32(v) => text.trim().parse::<i32>() == Ok(*v),
            other => other.to_string() == text,
        })
    }

    /// `SELECT value FROM json_each(<tenant parameter>)`.
    fn is_json_each(&self, query: &sqlparser::ast::Query) -> bool {
        let SetExpr::Select(select) = query.body.as_ref() else { return false };
        let [item] = select.from.as_slice() else { return false };
        let from_json_each = match &item.relation {
            TableFactor::Table { name, args: Some(args), .. } => {
                name.to_string().eq_ignore_ascii_case("json_each")
                    && matches!(args.args.as_slice(), [sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(e),
                    )] if self.is_tenant_parameter(e))
            }
            _ => false,
        };
        let selects_value = matches!(select.projection.as_slice(),
            [SelectItem::UnnamedExpr(Expr::Identifier(i))] if i.value.eq_ignore_ascii_case("value"));
        from_json_each && item.joins.is_empty() && select.selection.is_none() && selects_value
    }
}
