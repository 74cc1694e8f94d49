//! SQL text for the DDL a multi-tenant schema needs on Citus, as plain functions any migration
//! tool can use: identifiers and literals quoted right, composite keys that carry the tenant
//! column, and the Citus calls that distribute tables.
//!
//! Names are taken exactly (as PostgreSQL stores them, after folding): `quote_ident("Visits")`
//! is `"Visits"`, `quote_ident("visits")` is `visits`.

use multitenant::TableName;

use crate::Error;

/// PostgreSQL's reserved key words (reserved, and reserved but allowed as a function or type
/// name): as a table or column name they must be quoted.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// `name` as an SQL identifier that means exactly it: bare when it is lower case letters,
/// digits and `_` (not first a digit) and not a reserved word, else in double quotes.
///
/// ```
/// use multitenant_citus::ddl::quote_ident;
///
/// assert_eq!(quote_ident("ads"), "ads");
/// assert_eq!(quote_ident("Visits"), "\"Visits\"");
/// assert_eq!(quote_ident("user"), "\"user\"");
/// assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
/// ```
pub fn quote_ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    match plain {
        true => name.to_owned(),
        false => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// `schema.name`, each part quoted as needed.
///
/// ```
/// assert_eq!(multitenant_citus::ddl::qualified("public", "Ads"), "public.\"Ads\"");
/// ```
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// `text` as an SQL string literal (`E'...'` when it holds a backslash, so that it reads the
/// same whatever `standard_conforming_strings` is).
///
/// ```
/// assert_eq!(multitenant_citus::ddl::literal("o'brien"), "'o''brien'");
/// ```
pub fn literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    match text.contains('\\') {
        true => format!("E'{}'", quoted.replace('\\', "\\\\")),
        false => format!("'{quoted}'"),
    }
}

/// A table name for DDL: qualified when it is declared qualified.
fn table(name: &TableName) -> String {
    match name.schema() {
        Some(schema) => qualified(schema, name.name()),
        None => quote_ident(name.name()),
    }
}

/// The tenant column first, then `columns` (leaving out the tenant column if listed), quoted.
fn with_tenant_first(tenant_column: &str, columns: &[&str]) -> String {
    std::iter::once(tenant_column)
        .chain(columns.iter().copied().filter(|c| *c != tenant_column))
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(", ")
}

fn column_list(columns: &[&str]) -> String {
    columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
}

/// `ALTER TABLE ... ADD PRIMARY KEY (tenant, columns...)`: the primary key Citus accepts on a
/// tenant table (fact C1: a key must include the distribution column).
///
/// ```
/// use multitenant::TableName;
/// use multitenant_citus::ddl::composite_primary_key;
///
/// let ads = TableName::parse("ads")?;
/// assert_eq!(composite_primary_key(&ads, "company_id", &["id"]), "ALTER TABLE ads ADD PRIMARY KEY (company_id, id)");
/// # Ok::<(), multitenant::SchemaError>(())
/// ```
pub fn composite_primary_key(table_name: &TableName, tenant_column: &str, columns: &[&str]) -> String {
    format!(
        "ALTER TABLE {} ADD PRIMARY KEY ({})",
        table(table_name),
        with_tenant_first(tenant_column, columns)
    )
}

/// `ALTER TABLE ... ADD CONSTRAINT name UNIQUE (tenant, columns...)`: a unique constraint Citus
/// accepts on a tenant table.
///
/// ```
/// use multitenant::TableName;
/// use multitenant_citus::ddl::composite_unique;
///
/// let users = TableName::parse("app.users")?;
/// assert_eq!(
///     composite_unique(&users, "users_email", "account_id", &["email"]),
///     "ALTER TABLE app.users ADD CONSTRAINT users_email UNIQUE (account_id, email)"
/// );
/// # Ok::<(), multitenant::SchemaError>(())
/// ```
pub fn composite_unique(
    table_name: &TableName,
    constraint: &str,
    tenant_column: &str,
    columns: &[&str],
) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
        table(table_name),
        quote_ident(constraint),
        with_tenant_first(tenant_column, columns)
    )
}

/// One side of a foreign key: a table, its columns, and its tenant column.
#[derive(Debug, Clone, Copy)]
pub struct KeySide<'a> {
    /// The table.
    pub table: &'a TableName,
    /// The key's columns, without the tenant column.
    pub columns: &'a [&'a str],
    /// The table's tenant column.
    pub tenant_column: &'a str,
}

/// `ALTER TABLE ... ADD CONSTRAINT name FOREIGN KEY (columns..., tenant) REFERENCES ...
/// (columns..., tenant)`: a foreign key between tenant tables that Citus accepts (fact C2: the
/// tenant column in the same position on both sides), and that keeps a row from referencing
/// another tenant's row.
///
/// Both sides need as many columns, at least one; otherwise [`Error::ForeignKeyColumns`].
///
/// ```
/// use multitenant::TableName;
/// use multitenant_citus::ddl::{KeySide, composite_foreign_key};
///
/// let (ads, campaigns) = (TableName::parse("ads")?, TableName::parse("campaigns")?);
/// let sql = composite_foreign_key(
///     "ads_campaign",
///     KeySide { table: &ads, columns: &["campaign_id"], tenant_column: "company_id" },
///     KeySide { table: &campaigns, columns: &["id"], tenant_column: "company_id" },
/// )?;
/// assert_eq!(
///     sql,
///     "ALTER TABLE ads ADD CONSTRAINT ads_campaign FOREIGN KEY (campaign_id, company_id) \
///      REFERENCES campaigns (id, company_id)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn composite_foreign_key(constraint: &str, from: KeySide<'_>, to: KeySide<'_>) -> Result<String, Error> {
    let (from_columns, to_columns) = (without_tenant(&from), without_tenant(&to));
    if from_columns.is_empty() || from_columns.len() != to_columns.len() {
        return Err(Error::ForeignKeyColumns {
            table: from.table.to_string(),
            columns: from_columns.len(),
            referenced_columns: to_columns.len(),
        });
    }
    Ok(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}, {}) REFERENCES {} ({}, {})",
        table(from.table),
        quote_ident(constraint),
        column_list(&from_columns),
        quote_ident(from.tenant_column),
        table(to.table),
        column_list(&to_columns),
        quote_ident(to.tenant_column),
    ))
}

fn without_tenant<'a>(side: &KeySide<'a>) -> Vec<&'a str> {
    side.columns.iter().copied().filter(|c| *c != side.tenant_column).collect()
}

/// `SELECT create_reference_table('schema.table')`.
pub fn create_reference_table(schema: &str, name: &str) -> String {
    format!("SELECT create_reference_table({})", literal(&qualified(schema, name)))
}

/// `SELECT create_distributed_table('schema.table', 'column', colocate_with => ...)`:
/// co-located with the table `colocate_with` (schema, name), or in a colocation group of its
/// own when it is `None`.
pub fn create_distributed_table(
    schema: &str,
    name: &str,
    column: &str,
    colocate_with: Option<(&str, &str)>,
) -> String {
    let colocate = colocate_with.map_or_else(|| "none".to_owned(), |(s, n)| qualified(s, n));
    format!(
        "SELECT create_distributed_table({}, {}, colocate_with => {})",
        literal(&qualified(schema, name)),
        literal(column),
        literal(&colocate)
    )
}

/// `SELECT undistribute_table('schema.table')`.
pub fn undistribute_table(schema: &str, name: &str) -> String {
    format!("SELECT undistribute_table({})", literal(&qualified(schema, name)))
}

/// `ALTER TABLE schema.table DROP CONSTRAINT name`.
pub fn drop_constraint(schema: &str, name: &str, constraint: &str) -> String {
    format!("ALTER TABLE {} DROP CONSTRAINT {}", qualified(schema, name), quote_ident(constraint))
}

/// `ALTER TABLE schema.table ADD CONSTRAINT name definition`, with `definition` as
/// `pg_get_constraintdef` prints it.
pub fn add_constraint(schema: &str, name: &str, constraint: &str, definition: &str) -> String {
    format!("ALTER TABLE {} ADD CONSTRAINT {} {definition}", qualified(schema, name), quote_ident(constraint))
}

/// Whether a foreign key between tenant tables pairs the tenant columns: `tenant` among its
/// `columns` in the position of `referenced_tenant` among the `referenced` ones, as Citus
/// requires between co-located tables (and as keeps a row from referencing another tenant's).
pub(crate) fn pairs_tenant_columns(
    columns: &[String],
    tenant: &str,
    referenced: &[String],
    referenced_tenant: &str,
) -> bool {
    columns.iter().zip(referenced).any(|(c, r)| c == tenant && r == referenced_tenant)
}

/// The columns a foreign key between tenant tables pairs besides the tenant columns, as the
/// fix of one that does not pair them: its own columns other than `tenant`, and the referenced
/// ones other than `referenced_tenant`, in order. A column that references the referenced
/// tenant column under another name (`a_tenant -> tenant`) gives its place to the tenant column
/// itself, unless it is needed for the other columns. `None` when the two sides cannot be
/// paired.
pub(crate) fn other_key_columns<'c>(
    columns: &'c [String],
    tenant: &str,
    referenced: &'c [String],
    referenced_tenant: &str,
) -> Option<(Vec<&'c str>, Vec<&'c str>)> {
    let others: Vec<&str> =
        referenced.iter().map(String::as_str).filter(|r| *r != referenced_tenant).collect();
    let mut own: Vec<&str> = columns.iter().map(String::as_str).filter(|c| *c != tenant).collect();
    if own.len() > others.len() {
        let names_tenant =
            |c: &&str| columns.iter().zip(referenced).any(|(c2, r)| c2 == c && r == referenced_tenant);
        own.retain(|c| !names_tenant(c));
    }
    (own.len() == others.len()).then_some((own, others))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! cases {
        ($($name:ident: $got:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!($got, $want);
            }
        )*};
    }

    fn name(text: &str) -> TableName {
        TableName::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    cases! {
        plain_ident_is_bare: quote_ident("company_id") => "company_id";
        leading_underscore_is_bare: quote_ident("_x1") => "_x1";
        leading_digit_is_quoted: quote_ident("1x") => "\"1x\"";
        upper_case_is_quoted: quote_ident("Ads") => "\"Ads\"";
        reserved_word_is_quoted: quote_ident("order") => "\"order\"";
        space_is_quoted: quote_ident("a b") => "\"a b\"";
        quote_is_doubled: quote_ident("a\"b") => "\"a\"\"b\"";
        empty_is_quoted: quote_ident("") => "\"\"";
        literal_doubles_quotes: literal("it's") => "'it''s'";
        literal_with_backslash_is_escaped: literal("a\\b") => "E'a\\\\b'";
        qualified_quotes_each_part: qualified("My Schema", "t") => "\"My Schema\".t";
        primary_key_puts_tenant_first: composite_primary_key(&name("ads"), "company_id", &["id"])
            => "ALTER TABLE ads ADD PRIMARY KEY (company_id, id)";
        primary_key_does_not_repeat_tenant: composite_primary_key(&name("ads"), "company_id", &["id", "company_id"])
            => "ALTER TABLE ads ADD PRIMARY KEY (company_id, id)";
        primary_key_quotes: composite_primary_key(&name("s.\"Ads\""), "Tenant", &["order"])
            => "ALTER TABLE s.\"Ads\" ADD PRIMARY KEY (\"Tenant\", \"order\")";
        unique_quotes_the_name: composite_unique(&name("t"), "T key", "tenant", &["email"])
            => "ALTER TABLE t ADD CONSTRAINT \"T key\" UNIQUE (tenant, email)";
        distributed_alone: create_distributed_table("public", "Companies", "id", None)
            => "SELECT create_distributed_table('public.\"Companies\"', 'id', colocate_with => 'none')";
        distributed_colocated: create_distributed_table("s", "ads", "company_id", Some(("s", "o'c")))
            => "SELECT create_distributed_table('s.ads', 'company_id', colocate_with => 's.\"o''c\"')";
        reference: create_reference_table("public", "geo") => "SELECT create_reference_table('public.geo')";
        undistribute: undistribute_table("public", "user") => "SELECT undistribute_table('public.\"user\"')";
    }

    #[test]
    fn foreign_key_needs_matching_columns() {
        let (ads, campaigns) = (name("ads"), name("campaigns"));
        type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], Option<&'a str>);
        let cases: &[Case<'_>] = &[
            (
                "one_column",
                &["campaign_id"],
                &["id"],
                Some(
                    "ALTER TABLE ads ADD CONSTRAINT fk FOREIGN KEY (campaign_id, company_id) REFERENCES campaigns (id, company_id)",
                ),
            ),
            (
                "tenant_listed_is_moved_last",
                &["company_id", "campaign_id"],
                &["company_id", "id"],
                Some(
                    "ALTER TABLE ads ADD CONSTRAINT fk FOREIGN KEY (campaign_id, company_id) REFERENCES campaigns (id, company_id)",
                ),
            ),
            ("empty", &[], &[], None),
            ("only_the_tenant", &["company_id"], &["company_id"], None),
            ("different_lengths", &["a", "b"], &["id"], None),
        ];
        for (case, from, to, expected) in cases {
            let got = composite_foreign_key(
                "fk",
                KeySide { table: &ads, columns: from, tenant_column: "company_id" },
                KeySide { table: &campaigns, columns: to, tenant_column: "company_id" },
            );
            match (got, expected) {
                (Ok(sql), Some(want)) => assert_eq!(sql, *want, "case {case}"),
                (Err(Error::ForeignKeyColumns { table, .. }), None) => {
                    assert_eq!(table, "ads", "case {case}")
                }
                (got, _) => panic!("case {case}: unexpected {got:?}"),
            }
        }
    }
}
