//! The checks of tables and views: declared tables present, tenant columns present, `NOT
//! NULL` and of one type, keys and foreign keys Citus accepts (C1-C3), and no table or view
//! that reads tenant rows without being declared.

use std::collections::BTreeSet;

use multitenant::{TableKind, TenantType};

use super::{Context, ProblemKind, consensus};
use crate::ddl::{self, qualified, quote_ident as quote};
use crate::{CatalogTable, KeyKind};

pub(super) fn check(context: &mut Context<'_>) {
    declared(context);
    tenant_columns(context);
    column_types(context);
    keys(context);
    foreign_keys(context);
    undeclared_tables(context);
    undeclared_views(context);
}

/// Finds every declared table; reports those missing (a declared view is found as a view).
fn declared(context: &mut Context<'_>) {
    let (schema, catalog) = (context.schema, context.catalog);
    for declared in schema.tables() {
        let name = declared.name();
        let in_schema = name.schema().unwrap_or("public");
        match (catalog.table(name), declared.kind()) {
            (Some(table), TableKind::Tenant { column }) => context.tenant_tables.push((declared, column, table)),
            (Some(table), _) => context.reference_tables.push(table),
            (None, _) if catalog.views.iter().any(|v| v.schema == in_schema && v.name == name.name()) => {}
            (None, _) => context.report(
                name.to_string(),
                ProblemKind::MissingTable,
                format!("table {name} is declared in the schema but is not in the database (looked in schema {in_schema})"),
                format!("create it (run your migrations), qualify its name in the schema file, or remove [tables.{name}]"),
            ),
        }
    }
}

fn tenant_columns(context: &mut Context<'_>) {
    let tenant_tables = context.tenant_tables.clone();
    for (_, column, table) in tenant_tables {
        let name = qualified(&table.schema, &table.name);
        match table.column(column) {
            None => context.report(
                name.clone(),
                ProblemKind::MissingTenantColumn,
                format!("tenant table {name} has no column {column}, its declared tenant column"),
                format!("add it (ALTER TABLE {name} ADD COLUMN {} <type> NOT NULL) or fix `tenant_column` of {name} in the schema", quote(column)),
            ),
            Some(c) if !c.not_null => context.report(
                name.clone(),
                ProblemKind::NullableTenantColumn,
                format!("tenant column {name}.{column} is nullable: a row without a tenant belongs to no tenant and no tenant filter reaches it"),
                format!("ALTER TABLE {name} ALTER COLUMN {} SET NOT NULL", quote(column)),
            ),
            Some(_) => {}
        }
    }
}

/// The SQL type `format_type` prints for a tenant type.
fn sql_type(tenant_type: TenantType) -> &'static str {
    match tenant_type {
        TenantType::Integer => "integer",
        TenantType::Uuid => "uuid",
        TenantType::Text => "text",
        _ => "bigint",
    }
}

fn column_types(context: &mut Context<'_>) {
    let typed: Vec<(String, String, String)> = context
        .tenants()
        .filter_map(|t| {
            let column = t.table.column(t.column)?;
            Some((qualified(&t.table.schema, &t.table.name), t.column.to_owned(), column.type_name.clone()))
        })
        .collect();
    let declared = context.schema.tenant_type().map(sql_type);
    let types: Vec<String> = typed.iter().map(|(_, _, ty)| ty.clone()).collect();
    let Some(expected) = declared.map(str::to_owned).or_else(|| consensus(&types)) else { return };
    let whose = match declared {
        Some(_) => "the schema's tenant_type",
        None => "the type of most tenant columns",
    };
    for (name, column, ty) in typed.into_iter().filter(|(_, _, ty)| *ty != expected) {
        context.report(
            name.clone(),
            ProblemKind::TenantColumnType,
            format!("tenant column {name}.{column} is {ty}, but {whose} is {expected}: every tenant column holds the same tenant, and Citus co-locates only columns of one type"),
            format!("ALTER TABLE {name} ALTER COLUMN {} TYPE {expected}, or declare the tenant_type the columns have", quote(&column)),
        );
    }
}

/// C1: every key of a tenant table includes its tenant column.
fn keys(context: &mut Context<'_>) {
    let tenants: Vec<_> = context.tenants().map(|t| (t.column, t.table)).collect();
    for (column, table) in tenants {
        let name = qualified(&table.schema, &table.name);
        for key in table.keys.iter().filter(|k| !k.columns.iter().any(|c| c == column)) {
            let columns = key.columns.join(", ");
            context.report(
                name.clone(),
                ProblemKind::KeyWithoutTenantColumn,
                format!("{} {} ({columns}) does not include the tenant column {column}; Citus refuses it on a distributed table, and it makes values unique across tenants", key_kind(key.kind), key.name),
                format!("replace it with one on ({}, {columns})", quote(column)),
            );
        }
    }
}

fn key_kind(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::PrimaryKey => "primary key",
        KeyKind::Unique => "unique constraint",
        _ => "unique index",
    }
}

/// C2 between tenant tables; C3 from reference and undeclared tables to tenant tables.
fn foreign_keys(context: &mut Context<'_>) {
    let tenants: Vec<_> = context.tenants().map(|t| (t.column, t.table)).collect();
    for (column, table) in tenants {
        between_tenant_tables(context, column, table);
    }
    let references = context.reference_tables.clone();
    for table in references {
        to_tenant_tables(context, table, "a reference table");
    }
    for table in context.in_scope() {
        if !context.is_declared(&table.schema, &table.name) {
            to_tenant_tables(context, table, "not declared in the schema");
        }
    }
}

fn between_tenant_tables(context: &mut Context<'_>, column: &str, table: &CatalogTable) {
    let name = qualified(&table.schema, &table.name);
    for fk in &table.foreign_keys {
        let Some(referenced) = context.tenant(&fk.referenced_schema, &fk.referenced_table) else { continue };
        if ddl::pairs_tenant_columns(&fk.columns, column, &fk.referenced_columns, referenced.column) {
            continue;
        }
        let target = qualified(&fk.referenced_schema, &fk.referenced_table);
        let fix = match ddl::other_key_columns(&fk.columns, column, &fk.referenced_columns, referenced.column)
        {
            Some((own, others)) => format!(
                "replace it with FOREIGN KEY ({}) REFERENCES {target} ({}) (the referenced columns need a key)",
                std::iter::once(column).chain(own).collect::<Vec<_>>().join(", "),
                std::iter::once(referenced.column).chain(others).collect::<Vec<_>>().join(", "),
            ),
            None => format!(
                "replace it with a foreign key that pairs {column} with {target}'s {} in the same position",
                referenced.column
            ),
        };
        context.report(
            name.clone(),
            ProblemKind::ForeignKeyWithoutTenantColumn,
            format!(
                "foreign key {} ({}) -> {target} ({}) does not join the tenant columns ({column} -> {}) in the same position; Citus refuses it between distributed tables, and it lets a row reference another tenant's",
                fk.name, fk.columns.join(", "), fk.referenced_columns.join(", "), referenced.column
            ),
            fix,
        );
    }
}

fn to_tenant_tables(context: &mut Context<'_>, table: &CatalogTable, what: &str) {
    let name = qualified(&table.schema, &table.name);
    for fk in &table.foreign_keys {
        if context.tenant(&fk.referenced_schema, &fk.referenced_table).is_none() {
            continue;
        }
        let target = qualified(&fk.referenced_schema, &fk.referenced_table);
        context.report(
            name.clone(),
            ProblemKind::ForeignKeyToTenantTable,
            format!("{name} is {what}, but its foreign key {} references the tenant table {target}; Citus refuses foreign keys from reference and local tables to distributed tables", fk.name),
            format!("ALTER TABLE {name} DROP CONSTRAINT {}, or declare {name} a tenant table", quote(&fk.name)),
        );
    }
}

/// The names of tenant columns, less a tenant table's own id that other tenant tables
/// reference through their tenant column (`companies.id`, referenced by `ads.company_id`).
fn tenant_column_names(context: &Context<'_>) -> BTreeSet<String> {
    let tenants: Vec<_> = context.tenants().collect();
    let mut roots = BTreeSet::new();
    for t in &tenants {
        for fk in &t.table.foreign_keys {
            let Some(referenced) = context.tenant(&fk.referenced_schema, &fk.referenced_table) else {
                continue;
            };
            let position = fk.columns.iter().position(|c| c == t.column);
            let joins =
                position.and_then(|i| fk.referenced_columns.get(i)).is_some_and(|c| c == referenced.column);
            if joins && referenced.column != t.column {
                roots.insert(referenced.column.to_owned());
            }
        }
    }
    let names: BTreeSet<String> = tenants.iter().map(|t| t.column.to_owned()).collect();
    match names.len() > roots.len() {
        true => names.difference(&roots).cloned().collect(),
        false => names,
    }
}

fn undeclared_tables(context: &mut Context<'_>) {
    let columns = tenant_column_names(context);
    for table in context.in_scope() {
        if context.is_declared(&table.schema, &table.name) {
            continue;
        }
        let Some(column) = table.columns.iter().find(|c| columns.contains(&c.name)) else { continue };
        let name = qualified(&table.schema, &table.name);
        context.report(
            name.clone(),
            ProblemKind::UndeclaredTenantTable,
            format!("{name} has the tenant column {} but is not declared: the rewriter leaves it alone, so every statement on it reads and writes every tenant's rows", column.name),
            format!("declare it: [tables.{}] tenant_column = \"{}\" (or reference = true if its rows are shared)", toml_key(&name), column.name),
        );
    }
}

fn undeclared_views(context: &mut Context<'_>) {
    let catalog = context.catalog;
    for view in &catalog.views {
        if context.is_declared(&view.schema, &view.name) {
            continue;
        }
        let Some(read) = view.reads.iter().find(|(s, n)| context.tenant(s, n).is_some()) else { continue };
        let name = qualified(&view.schema, &view.name);
        let what = if view.materialized { "materialized view" } else { "view" };
        context.report(
            name.clone(),
            ProblemKind::UndeclaredView,
            format!("{what} {name} reads the tenant table {} but is not declared: the rewriter does not scope it, so it shows every tenant's rows", qualified(&read.0, &read.1)),
            format!("declare it with the tenant column it exposes ([tables.{}] tenant_column = \"...\"), or drop it", toml_key(&name)),
        );
    }
}

/// A qualified name as a TOML key: bare when it is `public.name` with a plain name.
fn toml_key(qualified: &str) -> String {
    match qualified.strip_prefix("public.") {
        Some(name) if !name.contains(['.', '"']) => name.to_owned(),
        _ => format!("'{qualified}'"),
    }
}
