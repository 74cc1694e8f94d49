//! Declarations as written, in code by [`SchemaBuilder`](super::SchemaBuilder) or in a schema
//! file, and the one place they are checked and turned into a [`Schema`].

use std::collections::HashSet;

use super::name::{self, TableName};
use super::{ForeignKey, Schema, SchemaError, Table, TableKind};
use crate::TenantType;

/// A name as written, with the 1-based line it was written on when it comes from a file.
#[derive(Debug, Clone)]
pub(super) struct Written {
    pub(super) text: String,
    pub(super) line: Option<usize>,
}

impl Written {
    /// A name declared in code, with no line.
    pub(super) fn in_code(text: &str) -> Self {
        Self { text: text.to_owned(), line: None }
    }
}

/// One table as declared, not yet checked.
#[derive(Debug, Clone)]
pub(super) struct TableDecl {
    /// The table's name; its line is the line errors about the whole table name.
    pub(super) name: Written,
    pub(super) tenant_column: Option<Written>,
    pub(super) reference: bool,
    /// The table's own `tenant_type`, which must agree with every other one.
    pub(super) tenant_type: Option<Written>,
    pub(super) foreign_keys: Vec<ForeignKeyDecl>,
}

impl TableDecl {
    /// A table declared only by name: neither tenant nor reference table yet.
    pub(super) fn named(name: Written) -> Self {
        Self { name, tenant_column: None, reference: false, tenant_type: None, foreign_keys: Vec::new() }
    }
}

/// One foreign key as declared, not yet checked.
#[derive(Debug, Clone)]
pub(super) struct ForeignKeyDecl {
    /// Where the foreign key is written.
    pub(super) line: Option<usize>,
    pub(super) columns: Vec<Written>,
    pub(super) references: Written,
    pub(super) referenced_columns: Vec<Written>,
}

/// Checks the declarations, in order, and builds the schema. The first problem wins.
///
/// `tenant_type` is the one declared for the whole schema (the file's top level).
pub(super) fn check(tenant_type: Option<&Written>, decls: &[TableDecl]) -> Result<Schema, SchemaError> {
    let names = table_names(decls)?;
    let declared: HashSet<&TableName> = names.iter().collect();
    let tables = decls
        .iter()
        .zip(&names)
        .map(|(decl, name)| table(decl, name, &declared))
        .collect::<Result<_, _>>()?;
    let tenant_type = agreed_tenant_type(tenant_type, decls, &names)?;
    Ok(Schema { tables, tenant_type })
}

/// The tenant type declared at the top level or by tables, refusing two that disagree and one
/// on a reference table.
fn agreed_tenant_type(
    top_level: Option<&Written>,
    decls: &[TableDecl],
    names: &[TableName],
) -> Result<Option<TenantType>, SchemaError> {
    let mut agreed: Option<(TenantType, Option<&TableName>)> =
        top_level.map(parse_tenant_type).transpose()?.map(|t| (t, None));
    for (decl, name) in decls.iter().zip(names) {
        let Some(written) = &decl.tenant_type else { continue };
        let declared = table_tenant_type(decl, name, written)?;
        match agreed {
            Some((other, other_table)) if other != declared => {
                return Err(SchemaError::TenantTypeConflict {
                    table: name.to_string(),
                    tenant_type: declared,
                    other,
                    other_table: other_table.map(ToString::to_string),
                    line: written.line,
                });
            }
            Some(_) => {}
            None => agreed = Some((declared, Some(name))),
        }
    }
    Ok(agreed.map(|(tenant_type, _)| tenant_type))
}

/// A table's own `tenant_type`, which only a tenant table may declare.
fn table_tenant_type(
    decl: &TableDecl,
    name: &TableName,
    written: &Written,
) -> Result<TenantType, SchemaError> {
    if decl.reference {
        return Err(SchemaError::TenantTypeOnReference { table: name.to_string(), line: written.line });
    }
    parse_tenant_type(written)
}

fn parse_tenant_type(written: &Written) -> Result<TenantType, SchemaError> {
    written
        .text
        .parse()
        .map_err(|_| SchemaError::UnknownTenantType { name: written.text.clone(), line: written.line })
}

/// Parses every table name, refusing one declared twice (after folding).
fn table_names(decls: &[TableDecl]) -> Result<Vec<TableName>, SchemaError> {
    let mut seen = HashSet::with_capacity(decls.len());
    let mut names = Vec::with_capacity(decls.len());
    for decl in decls {
        let name = parse_table(&decl.name)?;
        if !seen.insert(name.clone()) {
            return Err(SchemaError::DuplicateTable { table: name.to_string(), line: decl.name.line });
        }
        names.push(name);
    }
    Ok(names)
}

fn table(decl: &TableDecl, name: &TableName, declared: &HashSet<&TableName>) -> Result<Table, SchemaError> {
    let kind = kind(decl, name)?;
    let foreign_keys =
        decl.foreign_keys.iter().map(|fk| foreign_key(fk, name, declared)).collect::<Result<_, _>>()?;
    Ok(Table { name: name.clone(), kind, foreign_keys })
}

fn kind(decl: &TableDecl, name: &TableName) -> Result<TableKind, SchemaError> {
    let line = decl.name.line;
    match (&decl.tenant_column, decl.reference) {
        (Some(column), false) => Ok(TableKind::Tenant { column: parse_column(column)? }),
        (None, true) => Ok(TableKind::Reference),
        (Some(_), true) => Err(SchemaError::TenantAndReference { table: name.to_string(), line }),
        (None, false) => Err(SchemaError::MissingTenantColumn { table: name.to_string(), line }),
    }
}

fn foreign_key(
    decl: &ForeignKeyDecl,
    table: &TableName,
    declared: &HashSet<&TableName>,
) -> Result<ForeignKey, SchemaError> {
    let columns = parse_columns(&decl.columns)?;
    let referenced_columns = parse_columns(&decl.referenced_columns)?;
    if columns.is_empty() || columns.len() != referenced_columns.len() {
        return Err(SchemaError::ForeignKeyArity { table: table.to_string(), line: decl.line });
    }
    let references = parse_table(&decl.references)?;
    if !declared.contains(&references) {
        return Err(SchemaError::UndeclaredReference {
            table: table.to_string(),
            references: references.to_string(),
            line: decl.line,
        });
    }
    Ok(ForeignKey { columns, references, referenced_columns })
}

fn parse_table(written: &Written) -> Result<TableName, SchemaError> {
    TableName::parse(&written.text).map_err(|e| e.on_line(written.line))
}

fn parse_column(written: &Written) -> Result<String, SchemaError> {
    name::parse_column(&written.text).map_err(|e| e.on_line(written.line))
}

fn parse_columns(written: &[Written]) -> Result<Vec<String>, SchemaError> {
    written.iter().map(parse_column).collect()
}
