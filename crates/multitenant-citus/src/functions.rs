//! PostgreSQL's (and its extensions') functions that run SQL text or read a table, schema,
//! database or cursor by name: a role that may execute one reads every tenant's rows past any
//! rewrite. One list, read by [`crate::RoleAccess`] and [`crate::check`].
//!
//! The core keeps a list of its own for refusing calls in statements, but does not expose it;
//! this one names what `check` asks `has_function_privilege` about. A name ending in `*` is a
//! family (every `dblink*` function).

/// The functions, by name (`*` ends a family's stem), in any schema.
pub(crate) const UNSAFE_FUNCTIONS: &[&str] = &[
    // Run the SQL text they are given.
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "ts_stat",
    "ts_rewrite",
    "crosstab*",
    "dblink*",
    // Read the table, schema or database they name.
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    "connectby",
    "xpath_table",
    // Read a cursor by name, whose query the rewriter never saw.
    "cursor_to_xml",
    "cursor_to_xmlschema",
    // Citus: run a command or query on the cluster's nodes, or read the results of one.
    "run_command_on_*",
    "master_run_on_worker",
    "citus_run_local_command",
    "create_intermediate_result",
    "broadcast_intermediate_result",
    "read_intermediate_result",
    "read_intermediate_results",
    "fetch_intermediate_results",
    "worker_partition_query_result",
    "worker_save_query_explain_analyze",
];

/// The exact names of the list, for `proname = ANY(...)`.
pub(crate) fn exact() -> Vec<&'static str> {
    UNSAFE_FUNCTIONS.iter().copied().filter(|n| !n.ends_with('*')).collect()
}

/// The families' stems as `LIKE` patterns (`dblink%`), `_` escaped.
pub(crate) fn like_patterns() -> Vec<String> {
    UNSAFE_FUNCTIONS
        .iter()
        .filter_map(|n| n.strip_suffix('*'))
        .map(|stem| format!("{}%", stem.replace('_', "\\_")))
        .collect()
}

/// Overloads of listed names that take no SQL text and read no table: `ts_rewrite(query,
/// target, substitute)` rewrites a `tsquery` with the ones it is given.
const HARMLESS: &[&str] = &["ts_rewrite(tsquery,tsquery,tsquery)"];

/// Whether the function with this `regprocedure` signature is a harmless overload.
pub(crate) fn is_harmless(signature: &str) -> bool {
    HARMLESS.contains(&signature)
}

/// Why a function of the list is unsafe, for messages.
pub(crate) fn why(name: &str) -> &'static str {
    let reads_by_name = ["table_to_", "schema_to_", "database_to_", "connectby", "xpath_table"];
    if name.starts_with("cursor_to_") {
        "reads a cursor by name, whose query the rewriter never saw"
    } else if reads_by_name.iter().any(|p| name.starts_with(p)) {
        "reads the table, schema or database it is given by name, for every tenant"
    } else {
        "runs SQL text the rewriter never sees, for every tenant"
    }
}
