//! A live PostgreSQL catalog read into a typed model: the tables of the non-system schemas
//! with their columns, keys and foreign keys, the views and what they read, and, on Citus,
//! how each table is distributed. One query per concern.

use std::collections::HashMap;

use multitenant::TableName;
use sqlx::postgres::PgRow;
use sqlx::{Connection, FromRow, PgConnection};

use crate::Error;

/// Relations `c` in namespace `n` that are the user's: outside PostgreSQL's own schemas (and
/// every `pg_*` schema), and not owned by an extension (Citus's own tables and views).
const USER_RELATION: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')";

/// The tables and views of a database, as its catalog says they are now.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::Catalog;
///
/// let catalog = Catalog::read(conn).await?;
/// let ads = multitenant::TableName::parse("ads").expect("a name");
/// if let Some(table) = catalog.table(&ads) {
///     println!("{}.{} has {} columns", table.schema, table.name, table.columns.len());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Every ordinary (or partitioned, not a partition) table outside the system schemas and
    /// not owned by an extension, ordered by schema and name.
    pub tables: Vec<CatalogTable>,
    /// Every view and materialized view, likewise, ordered by schema and name.
    pub views: Vec<CatalogView>,
    /// The Citus extension, when it is installed.
    pub citus: Option<Citus>,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogTable {
    /// Its schema (exact, as stored).
    pub schema: String,
    /// Its name (exact, as stored).
    pub name: String,
    /// Its columns, in ordinal order.
    pub columns: Vec<Column>,
    /// Its primary key, unique constraints and other unique indexes, by name.
    pub keys: Vec<Key>,
    /// Its foreign keys, by name.
    pub foreign_keys: Vec<CatalogForeignKey>,
    /// How Citus holds it: `None` when Citus is absent or does not know the table.
    pub distribution: Option<Distribution>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type, as `format_type` prints it (`bigint`, `character varying(20)`).
    pub type_name: String,
    /// Whether it is `NOT NULL`.
    pub not_null: bool,
    /// Its position (`attnum`, from 1; dropped columns leave gaps).
    pub ordinal: i16,
}

/// What kind of uniqueness a [`Key`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyKind {
    /// The primary key.
    PrimaryKey,
    /// A `UNIQUE` constraint.
    Unique,
    /// A unique index that backs no constraint (`CREATE UNIQUE INDEX`).
    UniqueIndex,
}

/// A primary key, unique constraint or unique index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The constraint's (or index's) name.
    pub name: String,
    /// Which kind.
    pub kind: KeyKind,
    /// Its columns, in order (an expression in an index is left out).
    pub columns: Vec<String>,
}

/// A foreign key, read from `pg_constraint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns, in order.
    pub columns: Vec<String>,
    /// The referenced table's schema.
    pub referenced_schema: String,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, in the same order.
    pub referenced_columns: Vec<String>,
    /// Its definition as `pg_get_constraintdef` prints it, to add it back exactly.
    pub definition: String,
}

/// How Citus holds a table (`pg_dist_partition`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Distribution {
    /// Hash-distributed by `column`, in colocation group `colocation_id`.
    Hash {
        /// The distribution column.
        column: String,
        /// The colocation group.
        colocation_id: i32,
    },
    /// A reference table, copied to every node.
    Reference,
    /// A Citus local table: in Citus's metadata, kept on the coordinator.
    CitusLocal,
    /// Another method (append, range): `partmethod` as Citus stores it.
    Other {
        /// `pg_dist_partition.partmethod`.
        method: String,
    },
}

/// The Citus extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citus {
    /// Its version, from `pg_extension.extversion` (e.g. `13.2-1`).
    pub version: String,
}

/// A view or materialized view and the relations it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogView {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// Whether it is a materialized view.
    pub materialized: bool,
    /// The relations its query reads, as (schema, name), ordered.
    pub reads: Vec<(String, String)>,
}

impl Catalog {
    /// Reads the catalog of the database `conn` is connected to.
    ///
    /// It reads in a transaction of its own (a savepoint inside the caller's), rolled back at
    /// the end, with an empty `search_path`: names in foreign key definitions and types come
    /// back schema-qualified, so they mean the same on any connection.
    pub async fn read(conn: &mut PgConnection) -> Result<Self, Error> {
        let mut tx = conn.begin().await.map_err(Error::database("starting to read the catalog"))?;
        let catalog = Self::read_from(&mut *tx).await?;
        tx.rollback().await.map_err(Error::database("ending the catalog read"))?;
        Ok(catalog)
    }

    /// Reads the catalog through `source`, for a connection that is not sqlx's own (an ORM's
    /// transaction); [`read`](Self::read) is this over a [`PgConnection`].
    ///
    /// It empties `search_path` with `set_config(.., true)`, for the rest of the transaction
    /// `source` runs in: run it inside a savepoint of that transaction (or a transaction of its
    /// own) and roll that back afterwards, as [`read`](Self::read) does. Every query of it must
    /// run on that one connection, in that transaction.
    pub async fn read_from<S: CatalogSource>(source: &mut S) -> Result<Self, S::Error> {
        let _: Vec<(String,)> = source
            .fetch_all(
                "SELECT set_config('search_path', '', true)",
                "emptying search_path to read the catalog",
            )
            .await?;
        let citus = Citus::read_from(source).await?;
        let mut tables = read_tables(source).await?;
        let columns = read_columns(source).await?;
        let keys = read_keys(source).await?;
        let foreign_keys = read_foreign_keys(source).await?;
        let distributions = match citus {
            Some(_) => read_distributions(source).await?,
            None => HashMap::new(),
        };
        for (oid, table) in &mut tables {
            table.columns = columns.get(oid).cloned().unwrap_or_default();
            table.keys = keys.get(oid).cloned().unwrap_or_default();
            table.foreign_keys = foreign_keys.get(oid).cloned().unwrap_or_default();
            table.distribution = distributions.get(oid).cloned();
        }
        let views = read_views(source).await?;
        Ok(Self { tables: tables.into_iter().map(|(_, t)| t).collect(), views, citus })
    }

    /// The table `name` denotes: a qualified name in its schema, an unqualified one in
    /// `public`. Names are compared exactly, as [`TableName`] has folded them.
    pub fn table(&self, name: &TableName) -> Option<&CatalogTable> {
        self.table_in(name.schema().unwrap_or("public"), name.name())
    }

    /// The table `schema.name`, exactly.
    pub fn table_in(&self, schema: &str, name: &str) -> Option<&CatalogTable> {
        self.tables.iter().find(|t| t.schema == schema && t.name == name)
    }

    /// The views that read the table `schema.name`.
    pub fn views_reading(&self, schema: &str, name: &str) -> impl Iterator<Item = &CatalogView> {
        self.views.iter().filter(move |v| v.reads.iter().any(|(s, n)| s == schema && n == name))
    }
}

impl CatalogTable {
    /// The column named exactly `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary key, when there is one.
    pub fn primary_key(&self) -> Option<&Key> {
        self.keys.iter().find(|k| k.kind == KeyKind::PrimaryKey)
    }

    /// Whether this is the table `schema.name`.
    pub fn is(&self, schema: &str, name: &str) -> bool {
        self.schema == schema && self.name == name
    }
}

/// Where [`Catalog::read_from`] reads the catalog: a connection that runs a query without
/// parameters and decodes its rows (each a PostgreSQL row) as sqlx does.
///
/// [`PgConnection`] is one; an ORM's connection is another, over the rows its driver hands out
/// (SeaORM's `QueryResult::try_as_pg_row`), so that the catalog can be read inside the ORM's
/// own transaction.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::{Catalog, CatalogSource};
///
/// let rows: Vec<(String,)> = conn.fetch_all("SELECT current_database()::text", "naming the database").await?;
/// // Inside a transaction, in a savepoint rolled back afterwards:
/// let catalog = Catalog::read_from(conn).await?;
/// # Ok(())
/// # }
/// ```
pub trait CatalogSource: Send {
    /// What a failed query is; it says what was being done (`doing`).
    type Error;

    /// Runs `sql` and decodes every row it returns as `T`; `doing` says what for (e.g.
    /// "reading the tables of the catalog"), for the error.
    fn fetch_all<T>(
        &mut self,
        sql: &str,
        doing: &'static str,
    ) -> impl Future<Output = Result<Vec<T>, Self::Error>> + Send
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin;
}

impl CatalogSource for PgConnection {
    type Error = Error;

    async fn fetch_all<T>(&mut self, sql: &str, doing: &'static str) -> Result<Vec<T>, Error>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_all(self)
            .await
            .map_err(Error::database(doing))
    }
}

impl Citus {
    /// The Citus extension of the database `source` reads, or `None` when it has none: what a
    /// caller that only needs to know whether it is on Citus reads, without the whole catalog.
    ///
    /// ```no_run
    /// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::Error> {
    /// if let Some(citus) = multitenant_citus::Citus::read_from(conn).await? {
    ///     println!("Citus {}", citus.version);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_from<S: CatalogSource>(source: &mut S) -> Result<Option<Citus>, S::Error> {
        let rows: Vec<(String,)> = source
            .fetch_all(
                "SELECT extversion FROM pg_extension WHERE extname = 'citus'",
                "reading the Citus extension's version",
            )
            .await?;
        Ok(rows.into_iter().next().map(|(version,)| Citus { version }))
    }
}

async fn read_tables<S: CatalogSource>(source: &mut S) -> Result<Vec<(i64, CatalogTable)>, S::Error> {
    let sql = format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {USER_RELATION}
           AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         ORDER BY n.nspname, c.relname"
    );
    let rows: Vec<(i64, String, String)> =
        source.fetch_all(&sql, "reading the tables of the catalog").await?;
    Ok(rows
        .into_iter()
        .map(|(oid, schema, name)| {
            let table = CatalogTable {
                schema,
                name,
                columns: Vec::new(),
                keys: Vec::new(),
                foreign_keys: Vec::new(),
                distribution: None,
            };
            (oid, table)
        })
        .collect())
}

async fn read_columns<S: CatalogSource>(source: &mut S) -> Result<HashMap<i64, Vec<Column>>, S::Error> {
    let sql = format!(
        "SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {USER_RELATION}
         ORDER BY a.attrelid, a.attnum"
    );
    let rows: Vec<(i64, String, String, bool, i16)> =
        source.fetch_all(&sql, "reading the columns of the catalog").await?;
    let mut by_table: HashMap<i64, Vec<Column>> = HashMap::new();
    for (oid, name, type_name, not_null, ordinal) in rows {
        by_table.entry(oid).or_default().push(Column { name, type_name, not_null, ordinal });
    }
    Ok(by_table)
}

async fn read_keys<S: CatalogSource>(source: &mut S) -> Result<HashMap<i64, Vec<Key>>, S::Error> {
    let rows: Vec<(i64, String, String, Vec<String>)> = source.fetch_all(
        "SELECT i.indrelid::int8, ic.relname::text,
                CASE WHEN i.indisprimary THEN 'p'
                     WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') THEN 'u'
                     ELSE 'i' END,
                ARRAY(SELECT a.attname::text
                      FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                      ORDER BY k.ord)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indisunique
         ORDER BY i.indrelid, ic.relname",
        "reading the primary keys and unique constraints of the catalog",
    ).await?;
    let mut by_table: HashMap<i64, Vec<Key>> = HashMap::new();
    for (oid, name, kind, columns) in rows {
        let kind = match kind.as_str() {
            "p" => KeyKind::PrimaryKey,
            "u" => KeyKind::Unique,
            _ => KeyKind::UniqueIndex,
        };
        by_table.entry(oid).or_default().push(Key { name, kind, columns });
    }
    Ok(by_table)
}

type ForeignKeyRow = (i64, String, Vec<String>, String, String, Vec<String>, String);

async fn read_foreign_keys<S: CatalogSource>(
    source: &mut S,
) -> Result<HashMap<i64, Vec<CatalogForeignKey>>, S::Error> {
    let rows: Vec<ForeignKeyRow> = source
        .fetch_all(
            "SELECT k.conrelid::int8, k.conname::text,
                ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord),
                rn.nspname::text, rc.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.ord),
                pg_get_constraintdef(k.oid)
         FROM pg_constraint k
         JOIN pg_class rc ON rc.oid = k.confrelid
         JOIN pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE k.contype = 'f' AND k.conparentid = 0
         ORDER BY k.conrelid, k.conname",
            "reading the foreign keys of the catalog",
        )
        .await?;
    let mut by_table: HashMap<i64, Vec<CatalogForeignKey>> = HashMap::new();
    for (oid, name, columns, referenced_schema, referenced_table, referenced_columns, definition) in rows {
        let fk = CatalogForeignKey {
            name,
            columns,
            referenced_schema,
            referenced_table,
            referenced_columns,
            definition,
        };
        by_table.entry(oid).or_default().push(fk);
    }
    Ok(by_table)
}

async fn read_distributions<S: CatalogSource>(
    source: &mut S,
) -> Result<HashMap<i64, Distribution>, S::Error> {
    let rows: Vec<(i64, String, Option<String>, i32, String)> = source.fetch_all(
        "SELECT p.logicalrelid::oid::int8, p.partmethod::text,
                CASE WHEN p.partkey IS NOT NULL THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END,
                p.colocationid, p.repmodel::text
         FROM pg_dist_partition p",
        "reading Citus's pg_dist_partition",
    ).await?;
    Ok(rows
        .into_iter()
        .map(|(oid, method, column, colocation_id, repmodel)| {
            let distribution = match (method.as_str(), column, repmodel.as_str()) {
                ("h", Some(column), _) => Distribution::Hash { column, colocation_id },
                ("n", _, "t") => Distribution::Reference,
                ("n", _, _) => Distribution::CitusLocal,
                _ => Distribution::Other { method },
            };
            (oid, distribution)
        })
        .collect())
}

/// A view: schema, name, materialized, and the schemas and names of what it reads.
type ViewRow = (String, String, bool, Vec<String>, Vec<String>);

async fn read_views<S: CatalogSource>(source: &mut S) -> Result<Vec<CatalogView>, S::Error> {
    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind = 'm',
                COALESCE(r.schemas, '{{}}'), COALESCE(r.names, '{{}}')
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN LATERAL (
             SELECT array_agg(p.s ORDER BY p.s, p.n) AS schemas, array_agg(p.n ORDER BY p.s, p.n) AS names
             FROM (SELECT DISTINCT tn.nspname::text AS s, t.relname::text AS n
                   FROM pg_rewrite w
                   JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                                   AND d.refclassid = 'pg_class'::regclass
                   JOIN pg_class t ON t.oid = d.refobjid
                   JOIN pg_namespace tn ON tn.oid = t.relnamespace
                   WHERE w.ev_class = c.oid AND t.oid <> c.oid) p
         ) r ON true
         WHERE {USER_RELATION}
           AND c.relkind IN ('v', 'm')
         ORDER BY n.nspname, c.relname"
    );
    let rows: Vec<ViewRow> = source.fetch_all(&sql, "reading the views of the catalog").await?;
    Ok(rows
        .into_iter()
        .map(|(schema, name, materialized, schemas, names)| {
            let reads = schemas.into_iter().zip(names).collect();
            CatalogView { schema, name, materialized, reads }
        })
        .collect())
}

/// What a role may execute: whether it is a superuser (who may execute anything), the user's
/// own functions it may execute (with their bodies), and the functions of
/// functions no rewrite can scope ([`multitenant::unscopable_functions`]) it may execute.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), multitenant_citus::Error> {
/// let access = multitenant_citus::RoleAccess::read(conn, Some("app")).await?;
/// for function in &access.functions {
///     println!("{} may execute {}", access.role, function.signature);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAccess {
    /// The role.
    pub role: String,
    /// Whether it is a superuser.
    pub superuser: bool,
    /// Whether it has the `REPLICATION` attribute (logical decoding's functions check it
    /// themselves, whoever may execute them).
    pub replication: bool,
    /// The functions it may execute that are the user's own (outside the system schemas, not
    /// an extension's) or on the list of unsafe functions, ordered by signature.
    pub functions: Vec<CatalogFunction>,
}

/// A function (or procedure) a role may execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFunction {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// How many arguments it takes.
    pub arguments: usize,
    /// Its signature as `regprocedure` prints it, to name it in `REVOKE` (`query_to_xml(text,boolean,boolean,text)`).
    pub signature: String,
    /// Its language (`sql`, `plpgsql`, `internal`, `c`).
    pub language: String,
    /// Its body (`prosrc`): the source for SQL and PL languages, a symbol for C.
    pub source: String,
    /// Whether it is the user's own (outside the system schemas and not an extension's).
    pub user_defined: bool,
    /// Whether `PUBLIC` may execute it (no ACL, or one granting `EXECUTE` to `PUBLIC`).
    pub granted_to_public: bool,
}

impl RoleAccess {
    /// Reads what `role` (the connecting user when `None`) may execute.
    pub async fn read(conn: &mut PgConnection, role: Option<&str>) -> Result<Self, Error> {
        let (role, superuser, replication) = read_role(conn, role).await?;
        let functions = read_functions(conn, &role).await?;
        Ok(Self { role, superuser, replication, functions })
    }
}

async fn read_role(conn: &mut PgConnection, role: Option<&str>) -> Result<(String, bool, bool), Error> {
    let row: Option<(String, bool, bool)> = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolreplication FROM pg_roles WHERE rolname = COALESCE($1, current_user::text)",
    )
    .bind(role)
    .fetch_optional(&mut *conn)
    .await
    .map_err(Error::database("reading the role"))?;
    row.ok_or_else(|| Error::UnknownRole { role: role.unwrap_or_default().to_owned() })
}

/// A function: schema, name, arguments, signature, language, source, user-defined, granted to
/// PUBLIC.
type FunctionRow = (String, String, i32, String, String, String, bool, bool);

async fn read_functions(conn: &mut PgConnection, role: &str) -> Result<Vec<CatalogFunction>, Error> {
    let rows: Vec<FunctionRow> = sqlx::query_as(
        "SELECT * FROM (
             SELECT n.nspname::text, p.proname::text, p.pronargs::int4, p.oid::regprocedure::text, l.lanname::text,
                    COALESCE(p.prosrc, ''),
                    n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                                      AND e.objid = p.oid AND e.deptype = 'e') AS user_defined,
                    p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
             FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             JOIN pg_language l ON l.oid = p.prolang
             WHERE p.prokind IN ('f', 'p')
               AND (p.proname = ANY($2) OR p.proname LIKE ANY($3)
                    OR (n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'))
               AND has_function_privilege($1, p.oid, 'EXECUTE')
         ) f
         WHERE f.user_defined OR f.proname = ANY($2) OR f.proname LIKE ANY($3)
         ORDER BY 4",
    )
    .bind(role)
    .bind(crate::functions::exact())
    .bind(crate::functions::like_patterns())
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::database("reading the functions the role may execute"))?;
    Ok(rows
        .into_iter()
        .map(|(schema, name, arguments, signature, language, source, user_defined, granted_to_public)| {
            CatalogFunction {
                schema,
                name,
                arguments: usize::try_from(arguments).unwrap_or_default(),
                signature,
                language,
                source,
                user_defined,
                granted_to_public,
            }
        })
        .collect())
}
