//! The checks of what the application's role may execute: a superuser role, functions whose
//! bodies read tenant tables, and PostgreSQL's functions that run SQL text or read tables by
//! name. The rewriter sees the statements the application sends, never a function's body.

use super::{Context, ProblemKind};
use crate::ddl::qualified;
use crate::{CatalogFunction, RoleAccess};

pub(super) fn check(context: &mut Context<'_>, access: &RoleAccess) {
    if access.superuser {
        let role = &access.role;
        context.report(
            role.clone(),
            ProblemKind::SuperuserRole,
            format!("role {role} is a superuser: it may execute every function and read every table past any privilege, so no REVOKE can close what it reaches"),
            "connect the application as a role that is not a superuser, and check that role (`--role NAME`)".to_owned(),
        );
    }
    for function in &access.functions {
        match function.user_defined {
            true => reads_tenant_table(context, access, function),
            false if !access.superuser => unsafe_function(context, access, function),
            false => {}
        }
    }
}

/// The `REVOKE` that takes `function` away from the role.
fn revoke(access: &RoleAccess, function: &CatalogFunction) -> String {
    let role = crate::ddl::quote_ident(&access.role);
    let routine = &function.signature;
    match function.granted_to_public {
        true => format!(
            "REVOKE EXECUTE ON ROUTINE {routine} FROM PUBLIC (then, if {role} may still execute it, REVOKE EXECUTE ON ROUTINE {routine} FROM {role}, or from the role it inherits the grant from)"
        ),
        false => format!(
            "REVOKE EXECUTE ON ROUTINE {routine} FROM {role} (or from the role {role} inherits the grant from)"
        ),
    }
}

fn reads_tenant_table(context: &mut Context<'_>, access: &RoleAccess, function: &CatalogFunction) {
    if matches!(function.language.as_str(), "c" | "internal") {
        return;
    }
    let tenants: Vec<_> = context.tenants().map(|t| t.table).collect();
    for table in tenants.into_iter().filter(|t| mentions(&function.source, &t.name)) {
        let name = qualified(&table.schema, &table.name);
        context.report(
            name.clone(),
            ProblemKind::FunctionReadsTenantTable,
            format!(
                "role {} may execute {}, whose body names the tenant table {name} (a heuristic: its {} source was searched for the name); the rewriter does not see inside it, so it reads every tenant's rows",
                access.role, function.signature, function.language
            ),
            format!("{}, or make it take the tenant and filter by it", revoke(access, function)),
        );
    }
}

fn unsafe_function(context: &mut Context<'_>, access: &RoleAccess, function: &CatalogFunction) {
    let Some(listed) = crate::functions::listed(&function.name, function.arguments) else {
        return;
    };
    // PostgreSQL's logical decoding functions refuse a role without REPLICATION themselves
    // (granted to PUBLIC, they check the attribute when called).
    if function.name.starts_with("pg_logical_slot_") && !access.replication {
        return;
    }
    context.report(
        function.signature.clone(),
        ProblemKind::UnsafeFunction,
        format!("role {} may execute {}: {}", access.role, function.signature, listed.reason()),
        revoke(access, function),
    );
}

/// Whether `source` has `name` as a word (unquoted names compare in any letter case).
fn mentions(source: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let (source, name) = match name.chars().any(|c| c.is_uppercase()) {
        true => (source.to_owned(), name.to_owned()),
        false => (source.to_lowercase(), name.to_owned()),
    };
    source.match_indices(&name).any(|(at, _)| {
        let before = source[..at].chars().next_back().is_none_or(|c| !word(c));
        let after = source[at + name.len()..].chars().next().is_none_or(|c| !word(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn a_name_is_found_as_a_word_only() {
        let cases = [
            ("SELECT * FROM ads", "ads", true),
            ("select * from public.ADS where x", "ads", true),
            ("SELECT * FROM \"ads\"", "ads", true),
            ("SELECT * FROM leads", "ads", false),
            ("SELECT ads_count FROM t", "ads", false),
            ("SELECT * FROM \"Visits\"", "Visits", true),
            ("SELECT * FROM visits", "Visits", false),
        ];
        for (source, name, expected) in cases {
            assert_eq!(mentions(source, name), expected, "{source:?} mentions {name:?}");
        }
    }
}
