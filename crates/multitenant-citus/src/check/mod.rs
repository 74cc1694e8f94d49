//! Checks a live database against the schema and Citus's rules, before Citus (or a tenant's
//! data) would find the problem: every problem with the fix that closes it.
//!
//! What is checked: the declared tables exist and their tenant columns are there, `NOT NULL`
//! and of one type (the schema's `tenant_type` when declared); keys and foreign keys Citus
//! would refuse (facts C1, C2, C3 of `citus-facts.md`); tables, views and functions that read
//! tenant rows past the rewriter; and, on Citus, that tenant tables are distributed by their
//! tenant column in one colocation group and reference tables are reference tables.
//!
//! Undeclared tables are looked for in the schemas the declared tables are in (`public` for an
//! unqualified name), the schemas the application is taken to use; views and functions in
//! every schema.

mod citus;
mod problem;
mod routines;
mod tables;

use std::collections::BTreeSet;

use multitenant::{Schema, Table};
use sqlx::PgConnection;

use crate::{Catalog, CatalogTable, Error, RoleAccess};
pub use problem::{Problem, ProblemKind};

/// Checks the database `catalog` and `access` were read from against `schema`, for the role
/// `access` describes. The problems are ordered by table, then kind, then message.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), Box<dyn std::error::Error>> {
/// use multitenant_citus::{Catalog, RoleAccess, check};
///
/// let schema = multitenant::Schema::from_toml_file("multitenant.toml")?;
/// let catalog = Catalog::read(conn).await?;
/// let access = RoleAccess::read(conn, Some("app")).await?;
/// for problem in check(&schema, &catalog, &access) {
///     println!("{}: {} (fix: {})", problem.table, problem.message, problem.fix);
/// }
/// # Ok(())
/// # }
/// ```
pub fn check(schema: &Schema, catalog: &Catalog, access: &RoleAccess) -> Vec<Problem> {
    let mut context = Context::new(schema, catalog);
    tables::check(&mut context);
    routines::check(&mut context, access);
    citus::check(&mut context);
    let mut problems = context.problems;
    problems.sort_by(|a, b| (&a.table, a.kind, &a.message).cmp(&(&b.table, b.kind, &b.message)));
    problems.dedup();
    problems
}

/// Reads the catalog and what `role` (the connecting user when `None`) may execute, and
/// [`check`]s them against `schema`.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection, schema: &multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// let problems = multitenant_citus::check_database(conn, schema, None).await?;
/// assert!(problems.is_empty(), "{problems:?}");
/// # Ok(())
/// # }
/// ```
pub async fn check_database(
    conn: &mut PgConnection,
    schema: &Schema,
    role: Option<&str>,
) -> Result<Vec<Problem>, Error> {
    let catalog = Catalog::read(conn).await?;
    let access = RoleAccess::read(conn, role).await?;
    Ok(check(schema, &catalog, &access))
}

/// A declared tenant table found in the catalog, with its tenant column there.
struct Tenant<'a> {
    column: &'a str,
    table: &'a CatalogTable,
}

/// What the checks share: the inputs, the declared tables found, and the problems so far.
struct Context<'a> {
    schema: &'a Schema,
    catalog: &'a Catalog,
    /// Declared tenant tables present in the catalog (even without their tenant column).
    tenant_tables: Vec<(&'a Table, &'a str, &'a CatalogTable)>,
    /// Declared reference tables present in the catalog.
    reference_tables: Vec<&'a CatalogTable>,
    /// The schemas the declared tables are in.
    scope: BTreeSet<String>,
    problems: Vec<Problem>,
}

impl<'a> Context<'a> {
    fn new(schema: &'a Schema, catalog: &'a Catalog) -> Self {
        let scope = schema.tables().map(|t| t.name().schema().unwrap_or("public").to_owned()).collect();
        Self {
            schema,
            catalog,
            tenant_tables: Vec::new(),
            reference_tables: Vec::new(),
            scope,
            problems: Vec::new(),
        }
    }

    /// The declared tenant tables that have their tenant column.
    fn tenants(&self) -> impl Iterator<Item = Tenant<'a>> + '_ {
        self.tenant_tables
            .iter()
            .filter(|(_, column, table)| table.column(column).is_some())
            .map(|&(_, column, table)| Tenant { column, table })
    }

    /// The declared tenant table `schema.name`, with its tenant column.
    fn tenant(&self, schema: &str, name: &str) -> Option<Tenant<'a>> {
        self.tenants().find(|t| t.table.is(schema, name))
    }

    /// The tables of the catalog in the schemas the declared tables are in.
    fn in_scope(&self) -> Vec<&'a CatalogTable> {
        self.catalog.tables.iter().filter(|t| self.scope.contains(&t.schema)).collect()
    }

    /// Whether `schema.name` is a declared table (or view).
    fn is_declared(&self, schema: &str, name: &str) -> bool {
        self.schema
            .tables()
            .any(|t| t.name().schema().unwrap_or("public") == schema && t.name().name() == name)
    }

    fn report(&mut self, table: String, kind: ProblemKind, message: String, fix: String) {
        self.problems.push(Problem { table, kind, message, fix });
    }
}

/// The value most of `values` have; on a tie, the one that comes first.
fn consensus<T: PartialEq + Clone>(values: &[T]) -> Option<T> {
    let count = |v: &T| values.iter().filter(|w| *w == v).count();
    let mut best: Option<(&T, usize)> = None;
    for value in values {
        let n = count(value);
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((value, n));
        }
    }
    best.map(|(v, _)| v.clone())
}

#[cfg(test)]
mod tests {
    use super::consensus;
    use crate::ddl::qualified;

    #[test]
    fn the_consensus_is_the_most_common_value_and_the_first_on_a_tie() {
        let cases: [(&[i32], Option<i32>); 5] = [
            (&[], None),
            (&[7], Some(7)),
            (&[1, 2, 2], Some(2)),
            (&[2, 1, 1, 2], Some(2)),
            (&[3, 1, 2], Some(3)),
        ];
        for (values, expected) in cases {
            assert_eq!(consensus(values), expected, "{values:?}");
        }
    }

    #[test]
    fn qualified_names_quote_what_postgresql_would_fold() {
        let cases = [
            ("public", "ads", "public.ads"),
            ("app", "LineItems", "app.\"LineItems\""),
            ("a b", "x\"y", "\"a b\".\"x\"\"y\""),
        ];
        for (schema, name, expected) in cases {
            assert_eq!(qualified(schema, name), expected);
        }
    }
}
