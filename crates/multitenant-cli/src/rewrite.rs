//! `multitenant rewrite`: scope one SQL string to the tenants given on the command line.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ValueEnum;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use multitenant::{
    Dialect, InvalidTenant, Output, Rewriter, Rewritten, Schema, SchemaError, Scope, TenantBinding, TenantId,
    TenantSetBinding, TenantType,
};

/// The arguments of `multitenant rewrite`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The schema file (TOML) declaring tenant and reference tables.
    #[arg(long, value_name = "FILE")]
    schema: PathBuf,

    /// A tenant the statement is scoped to; repeat it to scope to several tenants.
    #[arg(long = "tenant", value_name = "VALUE", conflicts_with = "unscoped")]
    tenants: Vec<String>,

    /// The type of the tenant column, which decides how each --tenant VALUE is read [default:
    /// the schema's tenant_type, else bigint].
    #[arg(long, value_name = "TYPE", value_parser = tenant_type_parser())]
    tenant_type: Option<TenantType>,

    /// Cross-tenant admin mode: no tenant filter (joins still equate tenant columns).
    #[arg(long)]
    unscoped: bool,

    /// The SQL dialect of the statement.
    #[arg(long, value_enum, value_name = "DIALECT", default_value_t = DialectArg::Postgres)]
    dialect: DialectArg,

    /// Print the tenant as a bound parameter instead of a literal; stderr says which one.
    #[arg(long)]
    bind: bool,

    /// The SQL to scope; read from standard input when absent.
    sql: Option<String>,
}

/// The type `--tenant` values are read as, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TenantTypeChoice {
    /// Given with `--tenant-type`.
    Flag(TenantType),
    /// The schema file's `tenant_type`.
    Schema(TenantType),
    /// Neither: `bigint`.
    Default,
}

impl TenantTypeChoice {
    fn tenant_type(self) -> TenantType {
        match self {
            Self::Flag(tenant_type) | Self::Schema(tenant_type) => tenant_type,
            Self::Default => TenantType::BigInt,
        }
    }

    /// Why values are read as this type, and how to read them otherwise.
    fn hint(self) -> String {
        let tenant_type = self.tenant_type();
        match self {
            Self::Flag(_) => format!(
                "it is read as the --tenant-type given: pass a valid {tenant_type}, or the --tenant-type of \
                 the tenant column"
            ),
            Self::Schema(_) => format!(
                "it is read as the schema's tenant_type: pass a valid {tenant_type}, or override the type \
                 with --tenant-type"
            ),
            Self::Default => format!(
                "it is read as {tenant_type}, the default when the schema declares no tenant_type: declare \
                 tenant_type in the schema file, or pass --tenant-type"
            ),
        }
    }
}

/// A `--tenant` value that does not read as the type chosen for it.
#[derive(Debug)]
pub(crate) struct InvalidTenantArg {
    error: InvalidTenant,
    choice: TenantTypeChoice,
}

impl std::fmt::Display for InvalidTenantArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--tenant: {}; {}", self.error, self.choice.hint())
    }
}

/// Reads `--tenant-type`: one of the [`TenantType`] names.
fn tenant_type_parser() -> impl TypedValueParser<Value = TenantType> {
    PossibleValuesParser::new(TenantType::ALL.map(TenantType::name))
        .try_map(|name| name.parse::<TenantType>())
}

/// The dialects, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    /// PostgreSQL, and Citus.
    #[value(alias = "postgresql", alias = "citus")]
    Postgres,
    /// SQLite.
    Sqlite,
}

impl DialectArg {
    fn dialect(self) -> Dialect {
        match self {
            Self::Postgres => Dialect::Postgres,
            Self::Sqlite => Dialect::Sqlite,
        }
    }
}

impl Args {
    /// Reads the schema file.
    pub(crate) fn schema(&self) -> Result<Schema, SchemaError> {
        Schema::from_toml_file(&self.schema)
    }

    /// The scope the flags ask for: `None` when no tenant is given and not `--unscoped`.
    /// Each `--tenant` is read as `--tenant-type`, else as the schema's `tenant_type`, else as
    /// a `bigint`.
    pub(crate) fn scope(&self, schema: &Schema) -> Result<Option<Scope>, InvalidTenantArg> {
        if self.unscoped {
            return Ok(Some(Scope::Unscoped));
        }
        let choice = self.tenant_type_choice(schema);
        let read = |value: &String| {
            choice.tenant_type().parse(value).map_err(|error| InvalidTenantArg { error, choice })
        };
        Ok(Scope::tenants(self.tenants.iter().map(read).collect::<Result<Vec<_>, _>>()?))
    }

    fn tenant_type_choice(&self, schema: &Schema) -> TenantTypeChoice {
        match (self.tenant_type, schema.tenant_type()) {
            (Some(flag), _) => TenantTypeChoice::Flag(flag),
            (None, Some(declared)) => TenantTypeChoice::Schema(declared),
            (None, None) => TenantTypeChoice::Default,
        }
    }
}

/// What the command prints: the SQL on stdout, the notes on stderr.
#[derive(Debug)]
pub(crate) struct Printed {
    /// The scoped SQL.
    pub(crate) sql: String,
    /// Which parameters carry or must hold the tenant.
    pub(crate) notes: Vec<String>,
}

/// Scopes the SQL the arguments name to `scope`, by `schema`.
pub(crate) fn run(args: &Args, schema: Schema, scope: Option<&Scope>) -> anyhow::Result<Printed> {
    let sql = match &args.sql {
        Some(sql) => sql.clone(),
        None => read_stdin()?,
    };
    if sql.trim().is_empty() {
        bail!("no SQL given: pass it as the last argument or on standard input");
    }
    let rewriter = Rewriter::new(schema, args.dialect.dialect());
    let output = if args.bind { Output::Bind } else { Output::Inline };
    let rewritten = rewriter.rewrite_in(scope, &sql, output)?;
    Ok(Printed { sql: rewritten.sql().to_owned(), notes: notes(&rewritten, rewriter.dialect()) })
}

fn read_stdin() -> anyhow::Result<String> {
    let mut sql = String::new();
    std::io::stdin().read_to_string(&mut sql).context("cannot read the SQL from standard input")?;
    Ok(sql)
}

/// The parameter that carries the tenant, and those the caller's values must fill with it.
fn notes(rewritten: &Rewritten, dialect: Dialect) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(parameter) = rewritten.tenant_parameter() {
        let placeholder = dialect.placeholder(parameter.index());
        notes.push(format!("tenant: parameter {placeholder} ({})", describe_binding(parameter.binding())));
    }
    for &index in rewritten.guarded_parameters() {
        let placeholder = dialect.placeholder(index);
        notes
            .push(format!("guarded: parameter {placeholder} fills a tenant column; it must hold the tenant"));
    }
    notes
}

/// What to bind at the tenant parameter, in words.
fn describe_binding(binding: TenantBinding<'_>) -> String {
    match binding {
        TenantBinding::One(tenant) => format!("bind {tenant}"),
        TenantBinding::Many(tenants, TenantSetBinding::JsonArray) => {
            format!("bind the JSON array text {}", TenantBinding::json_array(tenants))
        }
        TenantBinding::Many(tenants, _) => format!("bind an array of {}", join(tenants)),
        _ => "bind the current tenant".to_owned(),
    }
}

fn join(tenants: &[TenantId]) -> String {
    tenants.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
