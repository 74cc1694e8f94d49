//! The guard a database evaluates for a bound parameter that fills a tenant column
//! ([`Output::Guarded`](crate::Output::Guarded)): the parameter's value when it is a current
//! tenant, otherwise an error whose message names the parameter (never its value), so the
//! statement fails and writes nothing.
//!
//! One marker text ([`MARKER`]) is written into the SQL and recognised in the database's error
//! message ([`index_in`]). Which expression raises the error is the dialect's
//! ([`Dialect::guard`](crate::Dialect::guard)); the pieces it is made of are built here.

use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, Value,
    helpers::attached_token::AttachedToken,
};

/// The failure's text; `#` stands for the parameter number.
const MARKER: &str = "multitenant: parameter # is not a current tenant";

/// The failure's text for parameter `index`.
pub(crate) fn message(index: usize) -> String {
    MARKER.replacen('#', &index.to_string(), 1)
}

/// The parameter number named by the first failure text in `message` (a database's error).
pub(crate) fn index_in(message: &str) -> Option<usize> {
    let (before, after) = MARKER.split_once('#')?;
    message.match_indices(before).find_map(|(at, _)| {
        let rest = &message[at + before.len()..];
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        match rest[digits..].starts_with(after) {
            true => rest[..digits].parse().ok(),
            false => None,
        }
    })
}

/// `CASE WHEN c1 THEN r1 ... [ELSE e] END`.
pub(crate) fn case(arms: Vec<(Expr, Expr)>, else_result: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: arms.into_iter().map(|(condition, result)| CaseWhen { condition, result }).collect(),
        else_result: else_result.map(Box::new),
    }
}

/// PostgreSQL: `CAST('<message>' || coalesce(left(CAST(v AS TEXT), 0), '') AS INT) = 0`,
/// which always fails (the text is not a number) and names parameter `index`. The empty text
/// taken from the value (also for NULL) keeps PostgreSQL from computing the cast once, when
/// the statement is prepared, and failing every execution.
pub(crate) fn failing_cast(value: &Expr, index: usize) -> Expr {
    let as_text = cast(value.clone(), DataType::Text);
    let empty = call("left", vec![as_text, number("0")]);
    let empty = call("coalesce", vec![empty, text(String::new())]);
    let message = Expr::BinaryOp {
        left: Box::new(text(message(index))),
        op: BinaryOperator::StringConcat,
        right: Box::new(empty),
    };
    Expr::BinaryOp {
        left: Box::new(cast(message, DataType::Int(None))),
        op: BinaryOperator::Eq,
        right: Box::new(number("0")),
    }
}

/// SQLite: `json_extract('{}', '<message>')`, an error (the message is not a JSON path) whose
/// text holds the message.
pub(crate) fn json_path_error(index: usize) -> Expr {
    call("json_extract", vec![text("{}".to_owned()), text(message(index))])
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast { kind: CastKind::Cast, expr: Box::new(expr), data_type, format: None }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e))).collect(),
            clauses: Vec::new(),
        }),
        within_group: Vec::new(),
        filter: None,
        null_treatment: None,
        over: None,
    })
}

fn text(s: String) -> Expr {
    Expr::value(Value::SingleQuotedString(s))
}

fn number(n: &str) -> Expr {
    Expr::value(Value::Number(n.to_owned(), false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    #[test]
    fn the_message_names_the_parameter_and_reads_back() {
        assert_eq!(message(12), "multitenant: parameter 12 is not a current tenant");
        for index in [1, 9, 65535] {
            let error = format!("ERROR: invalid input syntax for type integer: \"{}\"", message(index));
            assert_eq!(index_in(&error), Some(index));
        }
    }

    /// The audit recognises a guard by building it again and comparing it with the tree it
    /// parsed: a guard must read back as the tree it was printed from.
    #[test]
    fn guards_read_back_as_built() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            let placeholder = |k| Expr::value(Value::Placeholder(dialect.placeholder(k)));
            let tests = [
                format!("{} = {}", dialect.placeholder(2), dialect.placeholder(5)),
                format!("{} = ANY({})", dialect.placeholder(2), dialect.placeholder(5)),
                format!(
                    "{} IN (SELECT value FROM json_each({}))",
                    dialect.placeholder(2),
                    dialect.placeholder(5)
                ),
            ];
            for test in tests {
                let test = expr(dialect, &test);
                let guard = dialect.guard(placeholder(2), test, 2);
                assert_eq!(expr(dialect, &guard.to_string()), guard, "{guard}");
            }
        }
    }

    fn expr(dialect: Dialect, sql: &str) -> Expr {
        let parser = sqlparser::parser::Parser::new(dialect.parser()).try_with_sql(sql);
        parser.and_then(|mut p| p.parse_expr()).expect(sql)
    }

    #[test]
    fn other_texts_are_not_a_guard_failure() {
        for text in [
            "",
            "multitenant: parameter  is not a current tenant",
            "multitenant: parameter x is not a current tenant",
            "multitenant: parameter 1 is a current tenant",
            "duplicate key value violates unique constraint",
        ] {
            assert_eq!(index_in(text), None, "{text}");
        }
        assert_eq!(
            index_in("multitenant: parameter x; multitenant: parameter 3 is not a current tenant"),
            Some(3)
        );
    }
}
