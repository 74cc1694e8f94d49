//! `multitenant rewrite`: scope one SQL string to the tenants given on the command line.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ValueEnum;
use multitenant::{
    Dialect, Output, Rewriter, Rewritten, Schema, Scope, TenantBinding, TenantId, TenantSetBinding,
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

    /// The type of the tenant column, which decides how each --tenant VALUE is read.
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = TenantType::Bigint)]
    tenant_type: TenantType,

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

/// The type of a tenant column, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TenantType {
    /// 64-bit integer.
    Bigint,
    /// 32-bit integer.
    Integer,
    /// UUID.
    Uuid,
    /// Text.
    Text,
}

impl TenantType {
    /// Reads `value` as a tenant of this type.
    fn parse(self, value: &str) -> Result<TenantId, InvalidTenant> {
        let invalid = |reason: String| InvalidTenant { value: value.to_owned(), kind: self, reason };
        match self {
            Self::Bigint => value.parse::<i64>().map(TenantId::from).map_err(|e| invalid(e.to_string())),
            Self::Integer => value.parse::<i32>().map(TenantId::from).map_err(|e| invalid(e.to_string())),
            Self::Uuid => {
                uuid::Uuid::parse_str(value).map(TenantId::from).map_err(|e| invalid(e.to_string()))
            }
            Self::Text => Ok(TenantId::from(value)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Bigint => "bigint",
            Self::Integer => "integer",
            Self::Uuid => "uuid",
            Self::Text => "text",
        }
    }
}

/// A `--tenant` value that does not read as the `--tenant-type`.
#[derive(Debug)]
pub(crate) struct InvalidTenant {
    value: String,
    kind: TenantType,
    reason: String,
}

impl std::fmt::Display for InvalidTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--tenant {:?} is not a valid {} ({}); set --tenant-type to the tenant column's type",
            self.value,
            self.kind.name(),
            self.reason
        )
    }
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
    /// The scope the flags ask for: `None` when no tenant is given and not `--unscoped`.
    pub(crate) fn scope(&self) -> Result<Option<Scope>, InvalidTenant> {
        if self.unscoped {
            return Ok(Some(Scope::Unscoped));
        }
        let tenants = self.tenants.iter().map(|value| self.tenant_type.parse(value));
        Ok(Scope::tenants(tenants.collect::<Result<Vec<_>, _>>()?))
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

/// Scopes the SQL the arguments name to `scope`.
pub(crate) fn run(args: &Args, scope: Option<&Scope>) -> anyhow::Result<Printed> {
    let sql = match &args.sql {
        Some(sql) => sql.clone(),
        None => read_stdin()?,
    };
    if sql.trim().is_empty() {
        bail!("no SQL given: pass it as the last argument or on standard input");
    }
    let schema = Schema::from_toml_file(&args.schema)?;
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
