//! The schema read back from a live catalog, as a [`multitenant::Schema`] and as the TOML file
//! `Schema::from_toml_str` reads, so that a service on Citus can build the rewriter's schema at
//! start-up with no file, and a project can start its schema file from its database.
//!
//! Which tables are tenant tables:
//! - on Citus, when a dumped table is hash-distributed: Citus's metadata says it. Every
//!   hash-distributed table is a tenant table with its distribution column as tenant column,
//!   every reference table a reference table; the tenant column hint is not used.
//! - otherwise (plain PostgreSQL, or Citus with nothing distributed yet): the tenant column
//!   given ([`DumpOptions::tenant_column`]) decides. Every table with that column is a tenant
//!   table; a table that a tenant table's foreign key references through the tenant column
//!   (`ads.company_id -> companies.id`) and that lacks the column is the tenants' own table,
//!   a tenant table whose tenant column is the referenced one (`companies.id`, as Citus
//!   distributes it by fact D8); a table without the column that a declared table's foreign
//!   key references (`ads.geo_id -> geo.id`), and so on transitively, is a reference table.
//!   Other tables are left out: the rewriter leaves them alone.
//!
//! Foreign keys come from `pg_constraint`, those between dumped tables. `tenant_type` is
//! written when every tenant column has one type that is a [`multitenant::TenantType`].
//! Views are left out (the catalog does not say which column of a view holds the tenant): the
//! file names, in a comment, each view that reads a tenant table, for you to declare.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use multitenant::{Schema, TenantType};
use sqlx::PgConnection;

use crate::ddl::{qualified, quote_ident as quote};
use crate::{Catalog, CatalogTable, Distribution, Error};

/// What to dump.
///
/// ```
/// let mut options = multitenant_citus::DumpOptions::new();
/// options.tenant_column("company_id").schema("public");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DumpOptions {
    tenant_column: Option<String>,
    schemas: Vec<String>,
}

impl DumpOptions {
    /// All schemas, no tenant column hint.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant column, exactly as stored (`company_id`): what makes a table a tenant table
    /// when Citus's metadata does not say.
    pub fn tenant_column(&mut self, column: &str) -> &mut Self {
        self.tenant_column = Some(column.to_owned());
        self
    }

    /// Dumps only the tables of this schema (call again for more); all schemas without a call.
    pub fn schema(&mut self, schema: &str) -> &mut Self {
        self.schemas.push(schema.to_owned());
        self
    }
}

/// A dumped schema: the model and the file that loads as it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dump {
    /// The schema, as [`Schema::from_toml_str`] reads [`toml`](Self::toml).
    pub schema: Schema,
    /// The schema file.
    pub toml: String,
    /// Whether Citus's metadata said which tables are tenant tables (some dumped table is
    /// hash-distributed), so that a tenant column hint, if given, was not used.
    pub from_citus_metadata: bool,
}

/// A declared table: its catalog table, and its tenant column (`None`: a reference table).
type Declared<'a> = (&'a CatalogTable, Option<String>);

/// Dumps the schema of `catalog`.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::{Catalog, DumpOptions, dump};
///
/// let catalog = Catalog::read(conn).await?;
/// let dumped = dump(&catalog, DumpOptions::new().tenant_column("company_id"))?;
/// let rewriter = multitenant::Rewriter::new(dumped.schema, multitenant::Dialect::Postgres);
/// # Ok(())
/// # }
/// ```
#[allow(
    clippy::result_large_err,
    reason = "the crate's one error type, whose largest variants belong to the plan"
)]
pub fn dump(catalog: &Catalog, options: &DumpOptions) -> Result<Dump, Error> {
    let tables: Vec<&CatalogTable> = catalog
        .tables
        .iter()
        .filter(|t| options.schemas.is_empty() || options.schemas.contains(&t.schema))
        .collect();
    let distributed = catalog.citus.is_some()
        && tables.iter().any(|t| matches!(t.distribution, Some(Distribution::Hash { .. })));
    let (declared, source) = match (distributed, &options.tenant_column) {
        (true, _) => (from_citus(&tables), "Citus's metadata".to_owned()),
        (false, Some(column)) => {
            (from_hint(&tables, column, options)?, format!("the tenant column {column}"))
        }
        (false, None) => return Err(Error::NoTenantColumnHint),
    };
    let toml = write_toml(catalog, &declared, &source);
    let schema = Schema::from_toml_str(&toml).map_err(|source| Error::InvalidDump { source })?;
    Ok(Dump { schema, toml, from_citus_metadata: distributed })
}

/// Reads the catalog and [`dump`]s it.
pub async fn dump_database(conn: &mut PgConnection, options: &DumpOptions) -> Result<Dump, Error> {
    dump(&Catalog::read(conn).await?, options)
}

fn from_citus<'a>(tables: &[&'a CatalogTable]) -> Vec<Declared<'a>> {
    tables
        .iter()
        .filter_map(|t| match &t.distribution {
            Some(Distribution::Hash { column, .. }) => Some((*t, Some(column.clone()))),
            Some(Distribution::Reference) => Some((*t, None)),
            _ => None,
        })
        .collect()
}

#[allow(clippy::result_large_err, reason = "the crate's one error type")]
fn from_hint<'a>(
    tables: &[&'a CatalogTable],
    column: &str,
    options: &DumpOptions,
) -> Result<Vec<Declared<'a>>, Error> {
    let mut declared: Vec<Declared<'a>> =
        tables.iter().filter(|t| t.column(column).is_some()).map(|t| (*t, Some(column.to_owned()))).collect();
    if declared.is_empty() {
        return Err(Error::NoTableWithTenantColumn {
            column: column.to_owned(),
            schemas: options.schemas.clone(),
        });
    }
    let find = |schema: &str, name: &str| tables.iter().copied().find(|t| t.is(schema, name));
    let mut roots = Vec::new();
    for (table, _) in &declared {
        for fk in &table.foreign_keys {
            let Some(position) = fk.columns.iter().position(|c| c == column) else { continue };
            let Some(target) = find(&fk.referenced_schema, &fk.referenced_table) else { continue };
            if target.column(column).is_none()
                && !roots.iter().any(|(t, _): &Declared<'_>| std::ptr::eq(*t, target))
            {
                roots.push((target, fk.referenced_columns.get(position).cloned()));
            }
        }
    }
    declared.extend(roots);
    let mut at = 0;
    while at < declared.len() {
        let (table, _) = declared[at];
        for fk in &table.foreign_keys {
            let Some(target) = find(&fk.referenced_schema, &fk.referenced_table) else { continue };
            if !declared.iter().any(|(t, _)| std::ptr::eq(*t, target)) {
                declared.push((target, None));
            }
        }
        at += 1;
    }
    Ok(declared)
}

/// The declared name of a table: unqualified in `public`.
fn table_name(table: &CatalogTable) -> String {
    match table.schema.as_str() {
        "public" => quote(&table.name),
        _ => qualified(&table.schema, &table.name),
    }
}

fn tenant_type(declared: &[Declared<'_>]) -> Option<TenantType> {
    let types: BTreeSet<&str> = declared
        .iter()
        .filter_map(|(t, column)| t.column(column.as_deref()?))
        .map(|c| c.type_name.as_str())
        .collect();
    match types.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => only.parse().ok(),
        _ => None,
    }
}

fn write_toml(catalog: &Catalog, declared: &[Declared<'_>], source: &str) -> String {
    let mut out = format!("# The multitenant schema, dumped from the database's catalog ({source}).\n");
    if let Some(tenant_type) = tenant_type(declared) {
        let _ = writeln!(out, "tenant_type = {}", toml_string(tenant_type.name()));
    }
    let is_declared = |schema: &str, name: &str| declared.iter().any(|(t, _)| t.is(schema, name));
    for (table, column) in declared {
        let _ = write!(out, "\n[tables.{}]\n", toml_string(&table_name(table)));
        match column {
            Some(column) => {
                let _ = writeln!(out, "tenant_column = {}", toml_string(&quote(column)));
            }
            None => out.push_str("reference = true\n"),
        }
        let fks: Vec<_> = table
            .foreign_keys
            .iter()
            .filter(|fk| is_declared(&fk.referenced_schema, &fk.referenced_table))
            .collect();
        if fks.is_empty() {
            continue;
        }
        out.push_str("foreign_keys = [\n");
        for fk in fks {
            let references = declared
                .iter()
                .find(|(t, _)| t.is(&fk.referenced_schema, &fk.referenced_table))
                .map(|(t, _)| table_name(t))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {{ columns = {}, references = {}, referenced_columns = {} }},",
                toml_columns(&fk.columns),
                toml_string(&references),
                toml_columns(&fk.referenced_columns)
            );
        }
        out.push_str("]\n");
    }
    for view in &catalog.views {
        if let Some((s, n)) =
            view.reads.iter().find(|(s, n)| declared.iter().any(|(t, c)| c.is_some() && t.is(s, n)))
        {
            let _ = write!(
                out,
                "\n# Not dumped: view {} reads the tenant table {}; declare it with the tenant column it exposes.\n",
                qualified(&view.schema, &view.name),
                qualified(s, n)
            );
        }
    }
    out
}

fn toml_columns(columns: &[String]) -> String {
    let items: Vec<String> = columns.iter().map(|c| toml_string(&quote(c))).collect();
    format!("[{}]", items.join(", "))
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_control_characters() {
        let cases = [
            ("ads", "\"ads\""),
            ("\"Visits\"", "\"\\\"Visits\\\"\""),
            ("a\\b", "\"a\\\\b\""),
            ("a\nb", "\"a\\u000Ab\""),
        ];
        for (text, expected) in cases {
            assert_eq!(toml_string(text), expected, "{text:?}");
        }
    }
}
