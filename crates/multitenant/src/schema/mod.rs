//! The schema: which tables are tenant tables (and by which column), which are reference
//! tables shared by all tenants, and the foreign keys that join them.
//!
//! Built in code with [`SchemaBuilder`] or read from a TOML file (see [`Schema::from_toml_str`]).
//! Names follow PostgreSQL's rules: unquoted names fold to lower case, quoted names are exact.

mod decl;
mod file;
mod name;

use std::path::Path;

use sqlparser::ast::{Ident, ObjectName};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::{Dialect, TenantType};
use decl::{ForeignKeyDecl, TableDecl, Written};
pub use name::TableName;
pub(crate) use name::{quote_if_needed, relation};

/// The tables the rewriter knows about. Tables not listed are left alone.
///
/// ```
/// use multitenant::Schema;
///
/// let schema = Schema::builder()
///     .tenant_table("companies", "id")
///     .tenant_table("campaigns", "company_id")
///     .tenant_table("ads", "company_id")
///     .foreign_key("ads", ["campaign_id"], "campaigns", ["id"])
///     .reference_table("geo")
///     .build()?;
/// assert_eq!(schema.tables().count(), 4);
/// # Ok::<(), multitenant::SchemaError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: Vec<Table>,
    tenant_type: Option<TenantType>,
}

/// One declared table (or view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    name: TableName,
    kind: TableKind,
    foreign_keys: Vec<ForeignKey>,
}

/// What a declared table is to the tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableKind {
    /// Every row belongs to one tenant, named by `column` (folded by PostgreSQL's rules).
    Tenant {
        /// The tenant column.
        column: String,
    },
    /// Shared by all tenants (a Citus reference table): never filtered.
    Reference,
}

/// A declared foreign key: `columns` of the owning table reference `referenced_columns` of
/// `references`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The referencing columns, in order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: TableName,
    /// The referenced columns, in the same order.
    pub referenced_columns: Vec<String>,
}

/// What a name written in a statement denotes in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A declared table.
    Table(&'a Table),
    /// Not declared: left alone.
    Undeclared,
    /// A name that matches several declared tables of different kinds (or tenant columns):
    /// an unqualified name in a statement matches every schema, and an unqualified
    /// declaration matches every schema too. The statement (or the schema) must qualify it.
    Ambiguous,
}

impl Schema {
    /// A builder for a schema declared in code.
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// Reads a schema file. See [`Schema::from_toml_str`] for the format.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self, SchemaError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| SchemaError::Read { path: path.display().to_string(), source })?;
        Self::from_toml_str(&text)
    }

    /// Parses a schema in the TOML format (`examples/multitenant.toml` in the repository explains
    /// it). Unknown keys are refused, and every error names its 1-based line:
    ///
    /// ```
    /// let schema = multitenant::Schema::from_toml_str(r#"
    ///     [tables.companies]
    ///     tenant_column = "id"
    ///
    ///     [tables.ads]
    ///     tenant_column = "company_id"
    ///     foreign_keys = [{ columns = ["company_id"], references = "companies", referenced_columns = ["id"] }]
    ///
    ///     [tables.geo]
    ///     reference = true
    /// "#)?;
    /// assert_eq!(schema.tables().count(), 3);
    /// # Ok::<(), multitenant::SchemaError>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, SchemaError> {
        file::parse(text)
    }

    /// The type of every tenant column, when the schema declares it (`tenant_type` in the
    /// file, [`SchemaBuilder::tenant_type`] in code); `None` when it does not.
    ///
    /// It tells a caller how to read a tenant given as text, such as a command-line argument:
    ///
    /// ```
    /// use multitenant::{Schema, TenantId, TenantType};
    ///
    /// let schema = Schema::from_toml_str(r#"
    ///     tenant_type = "text"
    ///
    ///     [tables.ads]
    ///     tenant_column = "company_slug"
    /// "#)?;
    /// assert_eq!(schema.tenant_type(), Some(TenantType::Text));
    ///
    /// let tenant_type = schema.tenant_type().unwrap_or(TenantType::BigInt);
    /// assert_eq!(tenant_type.parse("o'brien")?, TenantId::from("o'brien"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tenant_type(&self) -> Option<TenantType> {
        self.tenant_type
    }

    /// The declared tables, in declaration order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter()
    }

    /// Whether any table is a tenant table.
    pub fn has_tenant_tables(&self) -> bool {
        self.tables.iter().any(|t| t.tenant_column().is_some())
    }

    /// What `name`, as written in a statement for `dialect`, denotes.
    ///
    /// An unqualified name matches a declared table in any schema (the search path is not
    /// known here); a qualified name matches a table declared with that schema or without one.
    pub fn resolve(&self, name: &ObjectName, dialect: Dialect) -> Resolved<'_> {
        let mut found: Option<&Table> = None;
        for table in self.tables.iter().filter(|t| t.name.matches(name, dialect)) {
            match found {
                Some(prev) if prev.kind != table.kind => return Resolved::Ambiguous,
                Some(_) => {}
                None => found = Some(table),
            }
        }
        found.map_or(Resolved::Undeclared, Resolved::Table)
    }

    /// The first tenant table whose name `text` contains as a word, also inside string
    /// literals (the body of a `DO` block, SQL text handed to a function): a conservative scan
    /// for statements the rewriter does not walk, which may also see a column or a string
    /// that happens to spell a table's name. Text that does not tokenize is taken to name the
    /// first tenant table: fail closed.
    pub(crate) fn mentioned_tenant_table(&self, text: &str, dialect: Dialect) -> Option<&Table> {
        self.mentioned_in(text, dialect, 0)
    }

    fn mentioned_in(&self, text: &str, dialect: Dialect, depth: usize) -> Option<&Table> {
        const MAX_QUOTING_DEPTH: usize = 4;
        let first_tenant_table = || self.tables.iter().find(|t| t.tenant_column().is_some());
        let Ok(tokens) = Tokenizer::new(dialect.parser(), text).tokenize() else {
            return first_tenant_table();
        };
        tokens.iter().find_map(|token| match token {
            Token::Word(word) => {
                let ident = match word.quote_style {
                    Some(quote) => Ident::with_quote(quote, word.value.as_str()),
                    None => Ident::new(word.value.as_str()),
                };
                self.tables
                    .iter()
                    .find(|t| t.tenant_column().is_some() && dialect.matches(&ident, t.name().name()))
            }
            Token::SingleQuotedString(inner) | Token::EscapedStringLiteral(inner) => {
                self.mentioned_quoted(inner, dialect, depth, MAX_QUOTING_DEPTH)
            }
            Token::DollarQuotedString(inner) => {
                self.mentioned_quoted(&inner.value, dialect, depth, MAX_QUOTING_DEPTH)
            }
            _ => None,
        })
    }

    fn mentioned_quoted(&self, inner: &str, dialect: Dialect, depth: usize, max: usize) -> Option<&Table> {
        match depth < max {
            true => self.mentioned_in(inner, dialect, depth + 1),
            false => self.tables.iter().find(|t| t.tenant_column().is_some()),
        }
    }

    /// The table declared under exactly this name.
    pub fn table(&self, name: &TableName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }
}

impl Table {
    /// The declared name.
    pub fn name(&self) -> &TableName {
        &self.name
    }

    /// Tenant or reference table.
    pub fn kind(&self) -> &TableKind {
        &self.kind
    }

    /// The tenant column, for a tenant table.
    pub fn tenant_column(&self) -> Option<&str> {
        match &self.kind {
            TableKind::Tenant { column } => Some(column),
            TableKind::Reference => None,
        }
    }

    /// The declared foreign keys.
    pub fn foreign_keys(&self) -> &[ForeignKey] {
        &self.foreign_keys
    }
}

/// Declares a schema in code. Setters take `&mut self`; [`build`](Self::build) validates.
///
/// Names are SQL identifiers: `"ads"`, `"analytics.events"`, `"\"Visits\""`. Calls naming the
/// same table (after folding: `ads` and `ADS` are one table) add to one declaration.
#[derive(Debug, Clone, Default)]
pub struct SchemaBuilder {
    /// The type of every tenant column, if declared.
    tenant_type: Option<Written>,
    /// The declarations, in the order their tables were first named.
    tables: Vec<TableDecl>,
    /// For each declaration, its parsed name, if it parses (else `build` reports it).
    keys: Vec<Option<TableName>>,
}

impl SchemaBuilder {
    /// Declares a tenant table (or view) whose rows belong to the tenant in `tenant_column`.
    pub fn tenant_table(&mut self, table: &str, tenant_column: &str) -> &mut Self {
        self.entry(table).tenant_column = Some(Written::in_code(tenant_column));
        self
    }

    /// Declares the type of every tenant column; see [`Schema::tenant_type`].
    pub fn tenant_type(&mut self, tenant_type: TenantType) -> &mut Self {
        self.tenant_type = Some(Written::in_code(tenant_type.name()));
        self
    }

    /// Declares a reference table, shared by all tenants.
    pub fn reference_table(&mut self, table: &str) -> &mut Self {
        self.entry(table).reference = true;
        self
    }

    /// Declares a foreign key from `table(columns)` to `references(referenced_columns)`.
    pub fn foreign_key<'c>(
        &mut self,
        table: &str,
        columns: impl IntoIterator<Item = &'c str>,
        references: &str,
        referenced_columns: impl IntoIterator<Item = &'c str>,
    ) -> &mut Self {
        let fk = ForeignKeyDecl {
            line: None,
            columns: columns.into_iter().map(Written::in_code).collect(),
            references: Written::in_code(references),
            referenced_columns: referenced_columns.into_iter().map(Written::in_code).collect(),
        };
        self.entry(table).foreign_keys.push(fk);
        self
    }

    fn entry(&mut self, table: &str) -> &mut TableDecl {
        let key = TableName::parse(table).ok();
        let same = self
            .tables
            .iter()
            .zip(&self.keys)
            .position(|(decl, known)| decl.name.text == table || (key.is_some() && *known == key));
        let index = match same {
            Some(index) => index,
            None => {
                self.tables.push(TableDecl::named(Written::in_code(table)));
                self.keys.push(key);
                self.tables.len() - 1
            }
        };
        &mut self.tables[index]
    }

    /// Checks the declarations and builds the schema.
    pub fn build(&self) -> Result<Schema, SchemaError> {
        decl::check(self.tenant_type.as_ref(), &self.tables)
    }
}

/// A schema that cannot be used, and why. Variants read from a file name the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The file could not be read.
    #[error("cannot read schema file {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has a key the format does not know.
    #[error("invalid schema file{}: {message}", at_line(*line))]
    Syntax {
        /// What the TOML parser said.
        message: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// A table is neither a tenant table nor a reference table.
    #[error("table {table}{}: set `tenant_column = \"...\"` for a tenant table or `reference = true` for a shared one", at_line(*line))]
    MissingTenantColumn {
        /// The table.
        table: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// A table is declared both ways.
    #[error("table {table}{}: a table is a tenant table (`tenant_column`) or a reference table (`reference = true`), not both", at_line(*line))]
    TenantAndReference {
        /// The table.
        table: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// A foreign key references a table the schema does not declare.
    #[error("table {table}{}: foreign key references {references}, which is not declared; declare it as a tenant or reference table", at_line(*line))]
    UndeclaredReference {
        /// The referencing table.
        table: String,
        /// The undeclared table.
        references: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// A foreign key's column lists are empty or of different lengths.
    #[error("table {table}{}: a foreign key needs as many `columns` as `referenced_columns`, at least one", at_line(*line))]
    ForeignKeyArity {
        /// The referencing table.
        table: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// The same table is declared twice (names fold as in PostgreSQL: `ads` and `ADS` are one).
    #[error("table {table}{}: declared twice; declare each table once (unquoted names fold to lower case)", at_line(*line))]
    DuplicateTable {
        /// The table.
        table: String,
        /// 1-based line of the second declaration, where known.
        line: Option<usize>,
    },
    /// A `tenant_type` that is not one of the [`TenantType`] names.
    #[error("unknown tenant_type {name:?}{}: use one of {}", at_line(*line), TenantType::names())]
    UnknownTenantType {
        /// The name as written.
        name: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
    /// A table's `tenant_type` disagrees with the top level's or another table's: all tenant
    /// tables hold the same tenant.
    #[error(
        "table {table}{}: tenant_type {tenant_type} disagrees with {other}, declared {}; every tenant \
         table holds the same tenant, so declare one tenant_type (once, at the top level of the file)",
        at_line(*line),
        other_table.as_ref().map_or_else(|| "at the top level".to_owned(), |t| format!("for table {t}"))
    )]
    TenantTypeConflict {
        /// The table whose `tenant_type` disagrees.
        table: String,
        /// Its `tenant_type`.
        tenant_type: TenantType,
        /// The type declared before.
        other: TenantType,
        /// The table that declared it, or `None` for the top level.
        other_table: Option<String>,
        /// 1-based line of the disagreeing `tenant_type`, where known.
        line: Option<usize>,
    },
    /// A reference table declares a `tenant_type`, but it has no tenant column.
    #[error("table {table}{}: a reference table has no tenant column, so no tenant_type; remove it", at_line(*line))]
    TenantTypeOnReference {
        /// The table.
        table: String,
        /// 1-based line of its `tenant_type`, where known.
        line: Option<usize>,
    },
    /// A table or column name is not a valid SQL identifier.
    #[error("invalid name {name:?}{}: {reason}", at_line(*line))]
    InvalidName {
        /// The name as written.
        name: String,
        /// Why it was refused.
        reason: String,
        /// 1-based line, where known.
        line: Option<usize>,
    },
}

impl SchemaError {
    /// Adds the line `at` to an error that does not name one yet.
    fn on_line(mut self, at: Option<usize>) -> Self {
        match &mut self {
            Self::Syntax { line, .. }
            | Self::MissingTenantColumn { line, .. }
            | Self::TenantAndReference { line, .. }
            | Self::UndeclaredReference { line, .. }
            | Self::ForeignKeyArity { line, .. }
            | Self::DuplicateTable { line, .. }
            | Self::UnknownTenantType { line, .. }
            | Self::TenantTypeConflict { line, .. }
            | Self::TenantTypeOnReference { line, .. }
            | Self::InvalidName { line, .. } => *line = line.or(at),
            Self::Read { .. } => {}
        }
        self
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}
