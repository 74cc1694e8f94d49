//! Functions no rewrite can scope, and the one check that finds a call to them anywhere in a
//! statement.
//!
//! A tenant predicate filters the rows a statement reads from the tables it names. Some
//! functions read rows the statement does not name: they run SQL text given as an argument,
//! read a table by name, or read table storage directly. PostgreSQL runs them on the same
//! database with the same rights, so each would read (or change) every tenant's rows. Such a
//! call is refused wherever it stands (select list, `WHERE`, `FROM` and `LATERAL`, joins,
//! subqueries, CTEs, DML, `CALL`, `PREPARE`, `EXPLAIN`, `DECLARE`, `COPY`, view bodies, column
//! defaults), except in unscoped mode, which filters nothing.
//!
//! [`check`] is a single visitor pass over the whole statement tree, independent of how the
//! rewriter or the audit descend, so both use it. It sees every node sqlparser 0.63 calls a
//! function with: `Expr::Function`, the function forms of a `FROM` item (`FROM f(..)` parses
//! as `TableFactor::Table` with arguments, `LATERAL f(..)` as `TableFactor::Function`),
//! `CALL`, `INSERT INTO TABLE FUNCTION f(..)` and the pipe operator `|> CALL f(..)`, and
//! `CREATE OPERATOR ... FUNCTION = f`, whose operator would call `f` where no call names it.
//! (Snowflake's `IDENTIFIER(..)` name parts are not produced by the PostgreSQL or SQLite
//! parsers; sqlparser 0.63 parses no `CREATE CAST` or `CREATE AGGREGATE`, which are refused
//! as unparseable.)
//!
//! Names are matched on their last part (any schema: `pg_catalog.query_to_xml`, `ext.dblink`)
//! in any letter case, quoted or not, and also after decoding PostgreSQL's Unicode escapes:
//! sqlparser reads `U&"query\005fto_xml"(..)` as `U & "query\005fto_xml"(..)`, and an unchanged
//! statement is sent as written, where PostgreSQL reads it as `query_to_xml(..)`. Matching
//! errs towards refusing: a user function that happens to share a name is refused too.
//!
//! Not refused, because they return no row's values: statistics and maintenance functions that
//! take a table (`pgstattuple`, `pg_relation_size`, `pg_visibility`, `pgrowlocks`,
//! `bt_page_stats`), the `pageinspect` decoders that take page bytes (the bytes come from
//! `get_raw_page`, which is refused), and large-object functions other than `lo_import`.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Function, FunctionArguments, ObjectName, PipeOperator, Query, Statement, TableFactor, TableObject,
    Visit, Visitor,
};

/// Runs the SQL text it is given, which the rewriter never sees: PostgreSQL's XML export of a
/// query, the text-search functions that take a query (`ts_rewrite` only in its two-argument
/// form; `ts_rewrite(query, target, substitute)` takes no SQL), tablefunc's `crosstab*`, every
/// `dblink*` function (they run SQL over a connection, which defaults to this database, or
/// serve those that do; `dblink_build_sql_*` read a local row by table name and key), and
/// Citus's functions that run a command or query on the cluster's nodes, or read the results
/// of such a query.
const RUNS_SQL_TEXT: &[Name] = &[
    Name::Exact("query_to_xml"),
    Name::Exact("query_to_xmlschema"),
    Name::Exact("query_to_xml_and_xmlschema"),
    Name::Exact("ts_stat"),
    Name::UnlessArity("ts_rewrite", 3),
    Name::Stem("crosstab"),
    Name::Stem("dblink"),
    Name::Stem("run_command_on_"),
    Name::Exact("master_run_on_worker"),
    Name::Exact("citus_run_local_command"),
    Name::Exact("database_command"),
    Name::Exact("create_intermediate_result"),
    Name::Exact("broadcast_intermediate_result"),
    Name::Exact("read_intermediate_result"),
    Name::Exact("read_intermediate_results"),
    Name::Exact("fetch_intermediate_results"),
    Name::Exact("worker_partition_query_result"),
    Name::Exact("worker_save_query_explain_analyze"),
    Name::Exact("worker_execute_sql_task"),
    Name::Exact("worker_merge_files_and_run_query"),
    Name::Exact("master_apply_delete_command"),
    Name::Exact("worker_apply_shard_ddl_command"),
    Name::Exact("worker_apply_inter_shard_ddl_command"),
    Name::Exact("worker_apply_sequence_command"),
    Name::Exact("worker_create_or_replace_object"),
    Name::Exact("alter_role_if_exists"),
    Name::Exact("worker_create_or_alter_role"),
];

/// Reads a table, schema or database named by an argument, whole: PostgreSQL's XML export of
/// tables, schemas and the database, tablefunc's `connectby` and xml2's `xpath_table` (which
/// build a query over the table they are given).
const READS_NAMED_RELATION: &[Name] = &[
    Name::Exact("table_to_xml"),
    Name::Exact("table_to_xmlschema"),
    Name::Exact("table_to_xml_and_xmlschema"),
    Name::Exact("schema_to_xml"),
    Name::Exact("schema_to_xmlschema"),
    Name::Exact("schema_to_xml_and_xmlschema"),
    Name::Exact("database_to_xml"),
    Name::Exact("database_to_xmlschema"),
    Name::Exact("database_to_xml_and_xmlschema"),
    Name::Exact("connectby"),
    Name::Exact("xpath_table"),
];

/// Reads a cursor by name, whose query the rewriter never sees (it may be a cursor a function
/// opened, or one left open on the connection). `FETCH` reads the cursors a tenant declares,
/// which are scoped and close with their transaction.
const READS_CURSOR: &[Name] = &[Name::Exact("cursor_to_xml"), Name::Exact("cursor_to_xmlschema")];

/// Reads or changes table storage directly, below any predicate: pageinspect's readers of a
/// relation's pages (`bt_page_items` returns index keys), pg_surgery (changes rows by tuple id),
/// server files (the tables' data files among them), and pg_walinspect's block data
/// (PostgreSQL 16).
const READS_STORAGE: &[Name] = &[
    Name::Exact("get_raw_page"),
    Name::Exact("bt_page_items"),
    Name::Exact("heap_force_kill"),
    Name::Exact("heap_force_freeze"),
    Name::Exact("pg_read_file"),
    Name::Exact("pg_read_binary_file"),
    Name::Exact("lo_import"),
    Name::Exact("pg_get_wal_block_info"),
];

/// Returns the changes logical decoding recorded, of every table and every tenant.
const READS_CHANGES: &[Name] = &[
    Name::Exact("pg_logical_slot_get_changes"),
    Name::Exact("pg_logical_slot_peek_changes"),
    Name::Exact("pg_logical_slot_get_binary_changes"),
    Name::Exact("pg_logical_slot_peek_binary_changes"),
];

/// Loads native code (SQLite), which can read anything.
const LOADS_CODE: &[Name] = &[Name::Exact("load_extension")];

const GROUPS: &[(&[Name], &str)] = &[
    (RUNS_SQL_TEXT, "it runs SQL text the rewriter cannot scope"),
    (READS_NAMED_RELATION, "it reads the table, schema or database it names, for every tenant"),
    (
        READS_CURSOR,
        "it reads a cursor whose query the rewriter cannot see; FETCH from a cursor declared in this transaction",
    ),
    (READS_STORAGE, "it reads or changes table storage directly, for every tenant"),
    (READS_CHANGES, "it returns logical decoding changes of every table, for every tenant"),
    (LOADS_CODE, "it loads native code, which no rewrite can scope"),
];

/// A function no rewrite can scope: a scoped statement that calls it, anywhere, is refused
/// ([`Error::UnscopableFunction`](crate::Error::UnscopableFunction)). The list is public for
/// tools that look at a database from outside, such as a check of which of these a role may
/// execute (a role that can call one reads past any rewrite).
///
/// ```
/// let dblink = multitenant::unscopable_functions().find(|f| f.name() == "dblink").expect("listed");
/// assert!(dblink.is_family() && dblink.matches("dblink_exec", 2));
/// let ts_rewrite = multitenant::unscopable_functions().find(|f| f.name() == "ts_rewrite").expect("listed");
/// assert!(ts_rewrite.matches("ts_rewrite", 2) && !ts_rewrite.matches("ts_rewrite", 3));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct UnscopableFunction {
    name: &'static Name,
    reason: &'static str,
}

/// Every function the rewriter refuses, in the order of its list.
pub fn unscopable_functions() -> impl Iterator<Item = UnscopableFunction> {
    GROUPS.iter().flat_map(|(names, reason)| names.iter().map(|name| UnscopableFunction { name, reason }))
}

impl UnscopableFunction {
    /// The function's name, or the stem of a family's names (`dblink`, `run_command_on_`).
    pub fn name(&self) -> &'static str {
        match *self.name {
            Name::Exact(name) | Name::Stem(name) | Name::UnlessArity(name, _) => name,
        }
    }

    /// Whether every function whose name starts with [`name`](Self::name) is meant.
    pub fn is_family(&self) -> bool {
        matches!(self.name, Name::Stem(_))
    }

    /// The number of arguments of an overload that is harmless (`ts_rewrite` with three takes
    /// no SQL text), if there is one.
    pub fn harmless_arity(&self) -> Option<usize> {
        match *self.name {
            Name::UnlessArity(_, arity) => Some(arity),
            _ => None,
        }
    }

    /// Why the rewriter refuses it.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// Whether a function called `name` with `arity` arguments is this one (names compared
    /// without regard to ASCII case).
    pub fn matches(&self, name: &str, arity: usize) -> bool {
        self.name.matches(name, arity)
    }
}

/// How a refused function is named.
#[derive(Debug)]
enum Name {
    /// This name.
    Exact(&'static str),
    /// Any name starting with this (a family such as `dblink*`).
    Stem(&'static str),
    /// This name, unless called with this many arguments (a harmless overload).
    UnlessArity(&'static str, usize),
}

impl Name {
    fn matches(&self, name: &str, arity: usize) -> bool {
        match *self {
            Self::Exact(exact) => name.eq_ignore_ascii_case(exact),
            Self::Stem(stem) => name.get(..stem.len()).is_some_and(|head| head.eq_ignore_ascii_case(stem)),
            Self::UnlessArity(exact, harmless) => name.eq_ignore_ascii_case(exact) && arity != harmless,
        }
    }
}

/// A call the check refused: the function as written, and why.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) function: String,
    pub(crate) reason: &'static str,
}

/// Refuses the first call in `statement`, at any depth, to a function no rewrite can scope.
pub(crate) fn check(statement: &Statement) -> Result<(), Refusal> {
    match statement.visit(&mut Calls) {
        ControlFlow::Break(refusal) => Err(refusal),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// The visitor: every node that calls a function by name.
struct Calls;

impl Visitor for Calls {
    type Break = Refusal;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Refusal> {
        match expr {
            Expr::Function(function) => call(function),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Refusal> {
        match factor {
            TableFactor::Table { name, args: Some(args), .. } => named(name, args.args.len()),
            TableFactor::Function { name, args, .. } => named(name, args.len()),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Refusal> {
        match statement {
            Statement::Call(function) => call(function),
            // An operator calls its function wherever it is used, where no call names it.
            Statement::CreateOperator(operator) => {
                let operands =
                    usize::from(operator.left_arg.is_some()) + usize::from(operator.right_arg.is_some());
                named(&operator.function, operands)
            }
            Statement::Insert(insert) => match &insert.table {
                TableObject::TableFunction(function) => call(function),
                _ => ControlFlow::Continue(()),
            },
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Refusal> {
        query.pipe_operators.iter().try_for_each(|operator| match operator {
            PipeOperator::Call { function, .. } => call(function),
            _ => ControlFlow::Continue(()),
        })
    }
}

fn call(function: &Function) -> ControlFlow<Refusal> {
    let arity = match &function.args {
        FunctionArguments::None => 0,
        FunctionArguments::Subquery(_) => 1,
        FunctionArguments::List(list) => list.args.len(),
    };
    named(&function.name, arity)
}

fn named(name: &ObjectName, arity: usize) -> ControlFlow<Refusal> {
    match reason(name, arity) {
        Some(reason) => ControlFlow::Break(Refusal { function: name.to_string(), reason }),
        None => ControlFlow::Continue(()),
    }
}

/// Why a call to `name` with `arity` arguments is refused, if it is.
fn reason(name: &ObjectName, arity: usize) -> Option<&'static str> {
    let Some(ident) = name.0.last()?.as_ident() else {
        return Some("its name is not an identifier, so it could be any function");
    };
    let decoded = unicode_unescaped(&ident.value);
    let candidates = std::iter::once(ident.value.as_str()).chain(decoded.as_deref());
    let refused = |name: &str| {
        GROUPS.iter().find(|(names, _)| names.iter().any(|n| n.matches(name, arity))).map(|(_, why)| *why)
    };
    candidates.filter_map(refused).next()
}

/// `name` with PostgreSQL's Unicode escapes (`\XXXX`, `\+XXXXXX`, `\\`) decoded, if it has a
/// backslash. A malformed escape is kept as written (PostgreSQL refuses it anyway); a code
/// point that is no character becomes U+FFFD, which no refused name contains.
fn unicode_unescaped(name: &str) -> Option<String> {
    if !name.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (digits, skip) = match rest.strip_prefix('+') {
            Some(after) => (after.get(..6), 7),
            None => (rest.get(..4), 4),
        };
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            _ if rest.starts_with('\\') => {
                out.push('\\');
                rest = &rest[1..];
            }
            Some(code) => {
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                rest = &rest[skip..];
            }
            None => out.push('\\'),
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::unicode_unescaped;

    #[test]
    fn unicode_escapes_decode_as_postgres_reads_them() {
        assert_eq!(unicode_unescaped("query\\005fto_xml").as_deref(), Some("query_to_xml"));
        assert_eq!(unicode_unescaped("\\+000071uery_to_xml").as_deref(), Some("query_to_xml"));
        assert_eq!(unicode_unescaped("a\\\\b").as_deref(), Some("a\\b"));
        assert_eq!(unicode_unescaped("bad\\zz").as_deref(), Some("bad\\zz"));
        assert_eq!(unicode_unescaped("end\\").as_deref(), Some("end\\"));
        assert_eq!(unicode_unescaped("\\D800x").as_deref(), Some("\u{FFFD}x"));
        assert_eq!(unicode_unescaped("plain"), None);
    }
}
