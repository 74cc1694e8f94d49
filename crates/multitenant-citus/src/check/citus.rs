//! The checks that need Citus: tenant tables hash-distributed by their tenant column, all in
//! one colocation group; reference tables reference tables.

use super::{Context, ProblemKind, consensus};
use crate::Distribution;
use crate::ddl::qualified;

pub(super) fn check(context: &mut Context<'_>) {
    if context.catalog.citus.is_none() {
        return;
    }
    tenant_tables(context);
    reference_tables(context);
}

fn describe(distribution: Option<&Distribution>) -> String {
    match distribution {
        None => "a plain table Citus does not know".to_owned(),
        Some(Distribution::Hash { column, .. }) => format!("distributed by {column}"),
        Some(Distribution::Reference) => "a reference table".to_owned(),
        Some(Distribution::CitusLocal) => "a Citus local table (kept on the coordinator)".to_owned(),
        Some(Distribution::Other { method }) => format!("distributed by method {method:?}"),
    }
}

fn tenant_tables(context: &mut Context<'_>) {
    let tenants: Vec<_> = context.tenants().map(|t| (t.column, t.table)).collect();
    let mut groups = Vec::new();
    for (column, table) in &tenants {
        let name = qualified(&table.schema, &table.name);
        match &table.distribution {
            Some(Distribution::Hash { column: by, colocation_id }) if by == column => {
                groups.push((name, *colocation_id));
            }
            Some(Distribution::Hash { column: by, .. }) => context.report(
                name.clone(),
                ProblemKind::WrongDistributionColumn,
                format!("tenant table {name} is distributed by {by}, not by its tenant column {column}: a tenant's rows are spread over shards and its joins need repartitioning"),
                format!("SELECT alter_distributed_table('{name}', distribution_column := '{column}'), or `multitenant citus undo` and apply again"),
            ),
            other => context.report(
                name.clone(),
                ProblemKind::NotDistributed,
                format!("tenant table {name} is {} on Citus, not distributed by its tenant column {column}", describe(other.as_ref())),
                format!("distribute it: `multitenant citus apply`, or SELECT create_distributed_table('{name}', '{column}', colocate_with := '<another tenant table>') (undistribute it first if Citus already holds it)"),
            ),
        }
    }
    let ids: Vec<i32> = groups.iter().map(|(_, id)| *id).collect();
    let Some(group) = consensus(&ids) else { return };
    let Some((with, _)) = groups.iter().find(|(_, id)| *id == group).cloned() else { return };
    for (name, id) in groups.into_iter().filter(|(_, id)| *id != group) {
        context.report(
            name.clone(),
            ProblemKind::NotColocated,
            format!("tenant table {name} is in colocation group {id}, the other tenant tables in {group}: its joins with them on the tenant need repartitioning, and Citus refuses foreign keys between them"),
            format!("SELECT alter_distributed_table('{name}', colocate_with := '{with}')"),
        );
    }
}

fn reference_tables(context: &mut Context<'_>) {
    let references = context.reference_tables.clone();
    for table in references {
        if table.distribution == Some(Distribution::Reference) {
            continue;
        }
        let name = qualified(&table.schema, &table.name);
        context.report(
            name.clone(),
            ProblemKind::NotReferenceTable,
            format!("{name} is declared a reference table but is {} on Citus", describe(table.distribution.as_ref())),
            format!("SELECT create_reference_table('{name}') (undistribute it first if it is distributed), or `multitenant citus apply`"),
        );
    }
}
