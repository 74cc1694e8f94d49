//! The plan that puts a database on Citus as a [`Schema`] says (reference tables as reference
//! tables, tenant tables distributed by their tenant column in one colocation group), or takes
//! it back off; printed as SQL, and run in one transaction.
//!
//! The order is the one Citus accepts with foreign keys and data in place (facts D1-D8, O6):
//! sequential mode first, the foreign keys among the tables being converted dropped, the
//! reference tables converted, then the tenant tables, and the foreign keys added back with
//! their original definitions.

use std::fmt;

use multitenant::Schema;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::Error;
use crate::catalog::{Catalog, Citus, Distribution};
use crate::ddl;
use crate::validate::{self, Declared};

/// The steps that take a database from what its [`Catalog`] says to what a [`Schema`] asks.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection, schema: &multitenant::Schema) -> Result<(), multitenant_citus::Error> {
/// use multitenant_citus::{Catalog, Plan};
///
/// let catalog = Catalog::read(conn).await?;
/// let plan = Plan::distribute(schema, &catalog)?;
/// println!("{plan}"); // the SQL
/// plan.run(conn, |step| eprintln!("{step}")).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    citus: Option<Citus>,
    steps: Vec<Step>,
    skipped: Vec<Skipped>,
}

/// One statement of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does.
    pub kind: StepKind,
    /// The statement.
    pub sql: String,
}

/// What a [`Step`] does. Tables are written `schema.table`, quoted as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepKind {
    /// `SET LOCAL citus.multi_shard_modify_mode TO 'sequential'` (fact D7).
    SequentialMode,
    /// Drops a foreign key, to add it back once both of its tables are converted.
    DropForeignKey {
        /// The table that has it.
        table: String,
        /// Its name.
        constraint: String,
    },
    /// Makes a table a reference table.
    ReferenceTable {
        /// The table.
        table: String,
    },
    /// Distributes a table by its tenant column.
    DistributeTable {
        /// The table.
        table: String,
        /// Its tenant column.
        column: String,
        /// The table it is co-located with; `None` for the first, which starts the group.
        colocate_with: Option<String>,
    },
    /// Turns a Citus table back into a plain PostgreSQL table.
    UndistributeTable {
        /// The table.
        table: String,
    },
    /// Adds a dropped foreign key back, with its original definition.
    AddForeignKey {
        /// The table that has it.
        table: String,
        /// Its name.
        constraint: String,
    },
}

/// A declared table the plan leaves alone, because it already is as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The table.
    pub table: String,
    /// What it already is, e.g. "already a reference table".
    pub reason: String,
}

/// What running a plan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// The database has no `citus` extension: nothing was run.
    NotCitus,
    /// Every table already was as asked: nothing was run.
    NothingToDo,
    /// The steps ran and were committed; `tables` tables were converted.
    Done {
        /// How many tables were converted.
        tables: usize,
    },
}

impl Plan {
    /// The plan that distributes `schema` on the database `catalog` was read from. Tables
    /// already as asked are skipped; one that is on Citus otherwise is an error, as is anything
    /// Citus would refuse; no plan is made then.
    pub fn distribute(schema: &Schema, catalog: &Catalog) -> Result<Self, Error> {
        let declared = validate::resolve(schema, catalog)?;
        validate::check_for_citus(&declared, catalog)?;
        let mut skipped = Vec::new();
        let mut converted = reference_tables(&declared, &mut skipped)?;
        converted.extend(tenant_tables(&declared, &mut skipped)?);
        Ok(Self::around(catalog, &declared, converted, skipped))
    }

    /// The plan that turns the declared tables that are on Citus back into plain tables,
    /// tenant tables first, with their foreign keys kept.
    pub fn undo(schema: &Schema, catalog: &Catalog) -> Result<Self, Error> {
        let declared = validate::resolve(schema, catalog)?;
        validate::check_foreign_keys_declared(&declared, catalog)?;
        let mut skipped = Vec::new();
        let mut converted = Vec::new();
        let tenant_first = declared
            .iter()
            .filter(|d| d.tenant_column().is_some())
            .chain(declared.iter().filter(|d| d.tenant_column().is_none()));
        for table in tenant_first {
            match table.found.distribution {
                Some(_) => converted.push((table, Step::undistribute_table(table))),
                None => skipped.push(Skipped::new(table, "already a plain table")),
            }
        }
        Ok(Self::around(catalog, &declared, converted, skipped))
    }

    /// `converted` between the sequential-mode step and the foreign keys among the tables
    /// being converted, dropped before and added back after.
    fn around(
        catalog: &Catalog,
        declared: &[Declared<'_>],
        converted: Vec<Conversion<'_, '_>>,
        skipped: Vec<Skipped>,
    ) -> Self {
        let citus = catalog.citus.clone();
        if converted.is_empty() {
            return Self { citus, steps: Vec::new(), skipped };
        }
        let is_converted = |schema: &str, name: &str| converted.iter().any(|(t, _)| t.found.is(schema, name));
        let foreign_keys: Vec<_> = declared
            .iter()
            .flat_map(|owner| owner.found.foreign_keys.iter().map(move |fk| (owner, fk)))
            .filter(|(owner, fk)| {
                validate::find(declared, &fk.referenced_schema, &fk.referenced_table).is_some()
                    && (is_converted(&owner.found.schema, &owner.found.name)
                        || is_converted(&fk.referenced_schema, &fk.referenced_table))
            })
            .collect();
        let mut steps = vec![Step {
            kind: StepKind::SequentialMode,
            sql: "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'".to_owned(),
        }];
        steps.extend(foreign_keys.iter().map(|(owner, fk)| Step {
            kind: StepKind::DropForeignKey { table: owner.display(), constraint: fk.name.clone() },
            sql: ddl::drop_constraint(&owner.found.schema, &owner.found.name, &fk.name),
        }));
        steps.extend(converted.into_iter().map(|(_, step)| step));
        steps.extend(foreign_keys.iter().map(|(owner, fk)| Step {
            kind: StepKind::AddForeignKey { table: owner.display(), constraint: fk.name.clone() },
            sql: ddl::add_constraint(&owner.found.schema, &owner.found.name, &fk.name, &fk.definition),
        }));
        Self { citus, steps, skipped }
    }

    /// The steps, in order (empty when there is nothing to do).
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The declared tables left alone.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The Citus extension of the database the plan was made for; `None` on plain PostgreSQL,
    /// where [`run`](Self::run) changes nothing.
    pub fn citus(&self) -> Option<&Citus> {
        self.citus.as_ref()
    }

    /// Runs the steps in one transaction on `conn` (the database the catalog was read from),
    /// calling `progress` after each step that converts a table. A refused step rolls
    /// everything back and is [`Error::Refused`] with the database's message.
    pub async fn run(
        &self,
        conn: &mut PgConnection,
        mut progress: impl FnMut(&Step),
    ) -> Result<Applied, Error> {
        if self.citus.is_none() {
            return Ok(Applied::NotCitus);
        }
        if self.steps.is_empty() {
            return Ok(Applied::NothingToDo);
        }
        let mut tx = conn.begin().await.map_err(Error::database("starting the plan's transaction"))?;
        let mut tables = 0;
        for step in &self.steps {
            sqlx::raw_sql(AssertSqlSafe(step.sql.clone()))
                .execute(&mut *tx)
                .await
                .map_err(|e| Error::refused(&step.sql, e))?;
            if step.table().is_some() {
                tables += 1;
                progress(step);
            }
        }
        tx.commit().await.map_err(|e| Error::refused("COMMIT", e))?;
        Ok(Applied::Done { tables })
    }
}

/// Reads the catalog, plans [`Plan::distribute`] and runs it: the whole of
/// `multitenant citus apply`.
///
/// ```no_run
/// # async fn example(conn: &mut sqlx::PgConnection) -> Result<(), Box<dyn std::error::Error>> {
/// let schema = multitenant::Schema::from_toml_file("multitenant.toml")?;
/// let applied = multitenant_citus::apply(conn, &schema, |step| eprintln!("{step}")).await?;
/// println!("{applied:?}");
/// # Ok(())
/// # }
/// ```
pub async fn apply(
    conn: &mut PgConnection,
    schema: &Schema,
    progress: impl FnMut(&Step),
) -> Result<Applied, Error> {
    let catalog = Catalog::read(conn).await?;
    Plan::distribute(schema, &catalog)?.run(conn, progress).await
}

/// Reads the catalog, plans [`Plan::undo`] and runs it: the whole of `multitenant citus undo`.
pub async fn undo(
    conn: &mut PgConnection,
    schema: &Schema,
    progress: impl FnMut(&Step),
) -> Result<Applied, Error> {
    let catalog = Catalog::read(conn).await?;
    Plan::undo(schema, &catalog)?.run(conn, progress).await
}

impl Step {
    fn reference_table(table: &Declared<'_>) -> Self {
        let (schema, name) = (&table.found.schema, &table.found.name);
        Self {
            kind: StepKind::ReferenceTable { table: table.display() },
            sql: ddl::create_reference_table(schema, name),
        }
    }

    fn distribute_table(table: &Declared<'_>, column: &str, colocate_with: Option<&Declared<'_>>) -> Self {
        let (schema, name) = (&table.found.schema, &table.found.name);
        let with = colocate_with.map(|t| (t.found.schema.as_str(), t.found.name.as_str()));
        Self {
            kind: StepKind::DistributeTable {
                table: table.display(),
                column: column.to_owned(),
                colocate_with: colocate_with.map(Declared::display),
            },
            sql: ddl::create_distributed_table(schema, name, column, with),
        }
    }

    fn undistribute_table(table: &Declared<'_>) -> Self {
        let (schema, name) = (&table.found.schema, &table.found.name);
        Self {
            kind: StepKind::UndistributeTable { table: table.display() },
            sql: ddl::undistribute_table(schema, name),
        }
    }

    /// The table the step converts, for the steps that convert one.
    pub fn table(&self) -> Option<&str> {
        match &self.kind {
            StepKind::ReferenceTable { table }
            | StepKind::DistributeTable { table, .. }
            | StepKind::UndistributeTable { table } => Some(table),
            _ => None,
        }
    }
}

impl Skipped {
    fn new(table: &Declared<'_>, reason: &str) -> Self {
        Self { table: table.display(), reason: reason.to_owned() }
    }
}

/// A table converted by a plan, and the step that converts it.
type Conversion<'d, 'a> = (&'d Declared<'a>, Step);

/// The steps that make the reference tables reference tables; those that are already skipped.
fn reference_tables<'d, 'a>(
    declared: &'d [Declared<'a>],
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Conversion<'d, 'a>>, Error> {
    let mut converted = Vec::new();
    for table in declared.iter().filter(|d| d.tenant_column().is_none()) {
        match &table.found.distribution {
            None => converted.push((table, Step::reference_table(table))),
            Some(Distribution::Reference) => skipped.push(Skipped::new(table, "already a reference table")),
            Some(other) => return Err(differently(table, other, "a reference table".to_owned())),
        }
    }
    Ok(converted)
}

/// The steps that distribute the tenant tables, each co-located with the first tenant table
/// already distributed (else the first one distributed here); those already in that group
/// are skipped.
fn tenant_tables<'d, 'a>(
    declared: &'d [Declared<'a>],
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Conversion<'d, 'a>>, Error> {
    let anchor = colocation_anchor(declared);
    let mut colocate_with = anchor.map(|(table, _)| table);
    let mut converted = Vec::new();
    for table in declared {
        let Some(column) = table.tenant_column() else { continue };
        match (&table.found.distribution, anchor) {
            (None, _) => {
                converted.push((table, Step::distribute_table(table, column, colocate_with)));
                colocate_with = colocate_with.or(Some(table));
            }
            (Some(Distribution::Hash { column: c, colocation_id }), Some((_, group)))
                if c == column && *colocation_id == group =>
            {
                let reason = format!("already distributed by {column} in colocation group {group}");
                skipped.push(Skipped::new(table, &reason));
            }
            (Some(other), _) => {
                let wanted = match colocate_with {
                    Some(anchor) => format!("distributed by {column}, co-located with {}", anchor.display()),
                    None => format!("distributed by {column}"),
                };
                return Err(differently(table, other, wanted));
            }
        }
    }
    Ok(converted)
}

/// The first tenant table already distributed by its tenant column, and its colocation group:
/// the group every tenant table joins.
fn colocation_anchor<'d, 'a>(declared: &'d [Declared<'a>]) -> Option<(&'d Declared<'a>, i32)> {
    declared.iter().find_map(|table| match (&table.found.distribution, table.tenant_column()) {
        (Some(Distribution::Hash { column, colocation_id }), Some(tenant)) if column == tenant => {
            Some((table, *colocation_id))
        }
        _ => None,
    })
}

fn differently(table: &Declared<'_>, found: &Distribution, wanted: String) -> Error {
    let found = match found {
        Distribution::Hash { column, colocation_id } => {
            format!("distributed by {column} in colocation group {colocation_id}")
        }
        Distribution::Reference => "a reference table".to_owned(),
        Distribution::CitusLocal => "a Citus local table".to_owned(),
        Distribution::Other { method } => format!("distributed by method {method:?}"),
    };
    Error::DistributedDifferently { table: table.display(), found, wanted }
}

impl fmt::Display for Step {
    /// One line saying what the step does (or did).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StepKind::SequentialMode => f.write_str("sequential mode for this transaction"),
            StepKind::DropForeignKey { table, constraint } => {
                write!(f, "{table}: dropped foreign key {constraint}")
            }
            StepKind::ReferenceTable { table } => write!(f, "{table}: reference table"),
            StepKind::DistributeTable { table, column, colocate_with: Some(with) } => {
                write!(f, "{table}: distributed by {column}, co-located with {with}")
            }
            StepKind::DistributeTable { table, column, colocate_with: None } => {
                write!(f, "{table}: distributed by {column}, in a colocation group of its own")
            }
            StepKind::UndistributeTable { table } => write!(f, "{table}: back to a plain table"),
            StepKind::AddForeignKey { table, constraint } => {
                write!(f, "{table}: added foreign key {constraint} back")
            }
        }
    }
}

impl fmt::Display for Plan {
    /// The plan as SQL: the skipped tables as comments, then the transaction.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for skipped in &self.skipped {
            writeln!(f, "-- {}: {}, skipped", skipped.table, skipped.reason)?;
        }
        if self.steps.is_empty() {
            return writeln!(f, "-- nothing to do");
        }
        writeln!(f, "BEGIN;")?;
        for step in &self.steps {
            writeln!(f, "{};", step.sql)?;
        }
        writeln!(f, "COMMIT;")
    }
}
