//! The checks that come before any DDL: every declared table exists with its tenant column,
//! and nothing is there that Citus would refuse (facts C1, C2, C3) or change behind the
//! schema's back (a foreign key to a table the schema does not declare).

use multitenant::{Schema, Table};

use crate::Error;
use crate::catalog::{Catalog, CatalogForeignKey, CatalogTable};
use crate::ddl::{self, qualified};

/// A declared table and the table it is in the database.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Declared<'a> {
    /// The declaration.
    pub(crate) decl: &'a Table,
    /// The table in the catalog.
    pub(crate) found: &'a CatalogTable,
}

impl Declared<'_> {
    /// `schema.name`, quoted as needed.
    pub(crate) fn display(&self) -> String {
        qualified(&self.found.schema, &self.found.name)
    }

    pub(crate) fn tenant_column(&self) -> Option<&str> {
        self.decl.tenant_column()
    }
}

/// Every declared table with its catalog table, in declaration order; an error for the first
/// declared table that is missing or lacks its tenant column, or that is the same table as an
/// earlier declaration (`ads` and `public.ads`).
pub(crate) fn resolve<'a>(schema: &'a Schema, catalog: &'a Catalog) -> Result<Vec<Declared<'a>>, Error> {
    let declared = declared_tables(schema, catalog)?;
    for (i, table) in declared.iter().enumerate() {
        if let Some(first) = declared[..i].iter().find(|d| d.found.is(&table.found.schema, &table.found.name))
        {
            return Err(Error::DeclaredTwice {
                table: table.display(),
                first: first.decl.name().to_string(),
                second: table.decl.name().to_string(),
            });
        }
    }
    Ok(declared)
}

fn declared_tables<'a>(schema: &'a Schema, catalog: &'a Catalog) -> Result<Vec<Declared<'a>>, Error> {
    schema
        .tables()
        .map(|decl| {
            let found = catalog
                .table(decl.name())
                .ok_or_else(|| Error::MissingTable { table: decl.name().to_string() })?;
            match decl.tenant_column() {
                Some(column) if found.column(column).is_none() => Err(Error::MissingColumn {
                    table: qualified(&found.schema, &found.name),
                    column: column.to_owned(),
                }),
                _ => Ok(Declared { decl, found }),
            }
        })
        .collect()
}

/// The declared table that is `schema.name`.
pub(crate) fn find<'d, 'a>(
    declared: &'d [Declared<'a>],
    schema: &str,
    name: &str,
) -> Option<&'d Declared<'a>> {
    declared.iter().find(|d| d.found.is(schema, name))
}

/// Citus's rules on the declared tables: C1 for keys, C2 and C3 for foreign keys, one tenant
/// column type, and no foreign key between a declared and an undeclared table.
pub(crate) fn check_for_citus(declared: &[Declared<'_>], catalog: &Catalog) -> Result<(), Error> {
    check_tenant_column_types(declared)?;
    for table in declared {
        check_keys(table)?;
    }
    check_foreign_keys(declared, catalog, check_foreign_key)
}

/// No foreign key between a declared and an undeclared table (undoing cannot keep one: the
/// plain table would become a Citus local table again).
pub(crate) fn check_foreign_keys_declared(declared: &[Declared<'_>], catalog: &Catalog) -> Result<(), Error> {
    check_foreign_keys(declared, catalog, |_, _, _| Ok(()))
}

/// C1: every primary key, unique constraint and unique index of a tenant table includes the
/// tenant column.
fn check_keys(table: &Declared<'_>) -> Result<(), Error> {
    let Some(tenant_column) = table.tenant_column() else { return Ok(()) };
    match table.found.keys.iter().find(|key| !key.columns.iter().any(|c| c == tenant_column)) {
        Some(key) => Err(Error::KeyWithoutTenantColumn {
            table: table.display(),
            key: key.name.clone(),
            columns: key.columns.clone(),
            tenant_column: tenant_column.to_owned(),
        }),
        None => Ok(()),
    }
}

fn check_tenant_column_types(declared: &[Declared<'_>]) -> Result<(), Error> {
    let mut tenant_tables = declared.iter().filter_map(|d| {
        let column = d.tenant_column()?;
        Some((d, column, d.found.column(column)?.type_name.as_str()))
    });
    let Some((first, first_column, first_type)) = tenant_tables.next() else { return Ok(()) };
    match tenant_tables.find(|(_, _, type_name)| type_name != &first_type) {
        Some((table, column, type_name)) => Err(Error::TenantColumnType {
            table: table.display(),
            column: column.to_owned(),
            type_name: type_name.to_owned(),
            first_table: first.display(),
            first_column: first_column.to_owned(),
            first_type: first_type.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Every foreign key that has a declared table on either side: `between` for those between two
/// declared tables, an error for the others.
fn check_foreign_keys(
    declared: &[Declared<'_>],
    catalog: &Catalog,
    between: impl Fn(&Declared<'_>, &CatalogForeignKey, &Declared<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    for owner in &catalog.tables {
        let owner_declared = find(declared, &owner.schema, &owner.name);
        for fk in &owner.foreign_keys {
            let referenced = find(declared, &fk.referenced_schema, &fk.referenced_table);
            match (owner_declared, referenced) {
                (Some(owner), Some(referenced)) => between(owner, fk, referenced)?,
                (Some(owner), None) => {
                    return Err(Error::ForeignKeyToUndeclared {
                        table: owner.display(),
                        foreign_key: fk.name.clone(),
                        direction: "references",
                        other: qualified(&fk.referenced_schema, &fk.referenced_table),
                    });
                }
                (None, Some(referenced)) => {
                    return Err(Error::ForeignKeyToUndeclared {
                        table: referenced.display(),
                        foreign_key: fk.name.clone(),
                        direction: "is referenced by",
                        other: qualified(&owner.schema, &owner.name),
                    });
                }
                (None, None) => {}
            }
        }
    }
    Ok(())
}

/// C2 between tenant tables, C3 from a reference table to a tenant table.
fn check_foreign_key(
    owner: &Declared<'_>,
    fk: &CatalogForeignKey,
    referenced: &Declared<'_>,
) -> Result<(), Error> {
    match (owner.tenant_column(), referenced.tenant_column()) {
        (Some(tenant), Some(referenced_tenant)) => {
            match ddl::pairs_tenant_columns(&fk.columns, tenant, &fk.referenced_columns, referenced_tenant) {
                true => Ok(()),
                false => Err(Error::ForeignKeyWithoutTenantColumn {
                    table: owner.display(),
                    foreign_key: fk.name.clone(),
                    columns: fk.columns.clone(),
                    tenant_column: tenant.to_owned(),
                    references: referenced.display(),
                    referenced_columns: fk.referenced_columns.clone(),
                    referenced_tenant_column: referenced_tenant.to_owned(),
                }),
            }
        }
        (None, Some(_)) => Err(Error::ForeignKeyToTenantTable {
            table: owner.display(),
            what: "a reference table",
            foreign_key: fk.name.clone(),
            references: referenced.display(),
        }),
        _ => Ok(()),
    }
}
