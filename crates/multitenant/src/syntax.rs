//! What the rewriter and the audit both need to know about an expression's shape: which
//! wrappers keep its value, and which may change it.

use sqlparser::ast::{CastKind, Expr};

/// `expr` without the parentheses around it: `((t))` is `t`. Parentheses never change a
/// value, so an expression seen through them is the same value.
pub(crate) fn unparenthesized(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(inner) => unparenthesized(inner),
        other => other,
    }
}

/// `expr` without the casts (`CAST(x AS t)`, `x::t`) and parentheses around it. A cast may
/// change the value (`42::numeric(2,-1)` is 40, `'acme-corp'::varchar(4)` is `'acme'`): use
/// this to see what is cast, never to decide that the result is the value cast.
pub(crate) fn strip_casts(expr: &Expr) -> &Expr {
    match expr {
        Expr::Cast { kind: CastKind::Cast | CastKind::DoubleColon, expr, .. } | Expr::Nested(expr) => {
            strip_casts(expr)
        }
        other => other,
    }
}

/// Whether `expr`, seen through parentheses, is a cast of any kind.
pub(crate) fn is_cast(expr: &Expr) -> bool {
    matches!(unparenthesized(expr), Expr::Cast { .. })
}
