//! The functions `check` asks about: the core's list of functions no rewrite can scope
//! ([`multitenant::unscopable_functions`]), turned into what a catalog query needs. A role that
//! may execute one reads every tenant's rows past any rewrite.

use multitenant::UnscopableFunction;

/// The exact names of the list, for `proname = ANY(...)`.
pub(crate) fn exact() -> Vec<&'static str> {
    multitenant::unscopable_functions().filter(|f| !f.is_family()).map(|f| f.name()).collect()
}

/// The families' stems as `LIKE` patterns (`dblink%`), `_` escaped.
pub(crate) fn like_patterns() -> Vec<String> {
    multitenant::unscopable_functions()
        .filter(UnscopableFunction::is_family)
        .map(|f| format!("{}%", f.name().replace('_', "\\_")))
        .collect()
}

/// The entry of the list that a function called `name` with `arguments` arguments is, if any
/// (none for a harmless overload, such as `ts_rewrite` with three).
pub(crate) fn listed(name: &str, arguments: usize) -> Option<UnscopableFunction> {
    multitenant::unscopable_functions().find(|f| f.matches(name, arguments))
}
