//! Migration operations that put the tables on Citus (django-multitenant's `Distribute`):
//! [`distribute`] makes the reference tables reference tables and distributes the tenant
//! tables by their tenant column, co-located; [`undistribute`] turns them back into plain
//! tables, for `down`. Both run [`multitenant_citus::Plan`]'s steps, which are ordered so that
//! Citus accepts them with foreign keys and data in place, and checked against Citus's rules
//! before any of them runs.
//!
//! They run on the connection they are given, inside its transaction: sea-orm-migration runs
//! each PostgreSQL migration in one, so the catalog they read is the one the migration's own
//! earlier statements made. On SQLite, and on PostgreSQL without the `citus` extension, they
//! change nothing and say so ([`Distributed::NotCitus`], and an info-level log). On a
//! connection that is not in a transaction (a pool) they refuse
//! ([`MigrationError::NotInTransaction`]): the catalog and the steps must share one connection.
//! The plan's first step sets `citus.multi_shard_modify_mode` to `sequential` (Citus needs it
//! to add the foreign keys back); it stays so for the rest of the migration's transaction.
//!
//! [`read_catalog`] reads the live catalog the same way, for a migration that wants to look
//! before it acts.
//!
//! ```no_run
//! use sea_orm_migration::prelude::*;
//!
//! # fn schema() -> multitenant::Schema { unimplemented!() }
//! #[derive(DeriveMigrationName)]
//! pub struct Migration;
//!
//! #[async_trait::async_trait]
//! impl MigrationTrait for Migration {
//!     async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
//!         multitenant_sea_orm::distribute(manager.get_connection(), &schema()).await?;
//!         Ok(())
//!     }
//!
//!     async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
//!         multitenant_sea_orm::undistribute(manager.get_connection(), &schema()).await?;
//!         Ok(())
//!     }
//! }
//! ```

// The errors carry their context as plain fields (tables, columns, the statement) for callers to
// match on; errors are the cold path, so their size is not worth boxing them.
#![allow(clippy::result_large_err)]

use multitenant::Schema;
use multitenant_citus::{Catalog, CatalogSource, Citus, Plan};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sqlx::FromRow;
use sqlx::postgres::PgRow;

/// What [`distribute`] or [`undistribute`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Distributed {
    /// The database is not Citus (SQLite, or PostgreSQL without the `citus` extension):
    /// nothing was run.
    NotCitus(DbBackend),
    /// Every table already was as asked: nothing was run.
    NothingToDo,
    /// The plan's steps ran; `tables` tables were converted.
    Done {
        /// How many tables were converted.
        tables: usize,
    },
}

/// Why a migration operation did not succeed. None of them leaves a step half done: the
/// steps run in a savepoint that is rolled back when one is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// The connection is not in a transaction (a pool runs every statement on its own), so the
    /// catalog and the steps could not be kept on one connection.
    #[error(
        "distributing needs a transaction: run it in MigrationTrait::up/down (sea-orm-migration runs \
         each PostgreSQL migration in one) or on a DatabaseTransaction (db.begin()); {source}"
    )]
    NotInTransaction {
        /// The database's refusal of the savepoint.
        source: DbErr,
    },
    /// A query failed.
    #[error("database error while {doing}: {source}")]
    Database {
        /// What was being done.
        doing: &'static str,
        /// SeaORM's error.
        source: DbErr,
    },
    /// A catalog row could not be decoded (or was not a PostgreSQL row).
    #[error("cannot decode the catalog while {doing}: {source}")]
    Decode {
        /// What was being read.
        doing: &'static str,
        /// sqlx's error.
        source: sqlx::Error,
    },
    /// The plan could not be made: a declared table is missing, or Citus would refuse the
    /// schema (the error says which rule and what to do).
    #[error(transparent)]
    Plan(#[from] multitenant_citus::Error),
    /// Citus refused a step; the steps before it were rolled back to the savepoint.
    #[error("{step} was refused: {source}; nothing of the plan was kept (rolled back to its savepoint)")]
    Refused {
        /// The statement.
        step: String,
        /// SeaORM's error, with the database's message.
        source: DbErr,
    },
}

impl From<MigrationError> for DbErr {
    /// For `?` in `MigrationTrait::up`: the message, as [`DbErr::Migration`].
    fn from(error: MigrationError) -> Self {
        DbErr::Migration(error.to_string())
    }
}

/// Distributes `schema`'s tenant tables by their tenant column (co-located) and makes its
/// reference tables reference tables, on `conn`, inside its transaction.
pub async fn distribute<C: ConnectionTrait>(
    conn: &C,
    schema: &Schema,
) -> Result<Distributed, MigrationError> {
    run(conn, schema, Direction::Distribute).await
}

/// Turns `schema`'s tables that are on Citus back into plain tables, keeping their data and
/// foreign keys: the `down` of [`distribute`].
pub async fn undistribute<C: ConnectionTrait>(
    conn: &C,
    schema: &Schema,
) -> Result<Distributed, MigrationError> {
    run(conn, schema, Direction::Undo).await
}

#[derive(Debug, Clone, Copy)]
enum Direction {
    Distribute,
    Undo,
}

async fn run<C: ConnectionTrait>(
    conn: &C,
    schema: &Schema,
    direction: Direction,
) -> Result<Distributed, MigrationError> {
    let backend = conn.get_database_backend();
    if backend != DbBackend::Postgres || Citus::read_from(&mut SeaSource(conn)).await?.is_none() {
        tracing::info!(?backend, ?direction, "not a Citus database: the tables stay as they are");
        return Ok(Distributed::NotCitus(backend));
    }
    let catalog = read_catalog(conn).await?;
    let plan = match direction {
        Direction::Distribute => Plan::distribute(schema, &catalog)?,
        Direction::Undo => Plan::undo(schema, &catalog)?,
    };
    if plan.is_empty() {
        tracing::info!(?direction, "every table already is as the schema asks: nothing to do");
        return Ok(Distributed::NothingToDo);
    }
    let tables = run_steps(conn, &plan).await?;
    tracing::info!(?direction, tables, "tables converted");
    Ok(Distributed::Done { tables })
}

const CATALOG_SAVEPOINT: &str = "multitenant_catalog";
const PLAN_SAVEPOINT: &str = "multitenant_plan";

/// The live catalog ([`multitenant_citus::Catalog`]), read on `conn`, inside its transaction (in
/// a savepoint rolled back afterwards), so it includes what the transaction created. PostgreSQL
/// only; `conn` must be in a transaction ([`MigrationError::NotInTransaction`] otherwise).
///
/// ```no_run
/// # async fn example(db: &sea_orm::DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
/// use sea_orm::TransactionTrait;
///
/// let txn = db.begin().await?;
/// let catalog = multitenant_sea_orm::read_catalog(&txn).await?;
/// println!("{} tables", catalog.tables.len());
/// # Ok(())
/// # }
/// ```
pub async fn read_catalog<C: ConnectionTrait>(conn: &C) -> Result<Catalog, MigrationError> {
    conn.execute_unprepared(&format!("SAVEPOINT {CATALOG_SAVEPOINT}"))
        .await
        .map_err(|source| MigrationError::NotInTransaction { source })?;
    let read = Catalog::read_from(&mut SeaSource(conn)).await;
    let end = format!("ROLLBACK TO SAVEPOINT {CATALOG_SAVEPOINT}; RELEASE SAVEPOINT {CATALOG_SAVEPOINT}");
    let ended = execute(conn, &end, "ending the catalog read").await;
    let catalog = read?;
    ended?;
    Ok(catalog)
}

/// Runs the plan's steps in a savepoint, rolled back when one is refused; how many tables
/// they converted.
async fn run_steps<C: ConnectionTrait>(conn: &C, plan: &Plan) -> Result<usize, MigrationError> {
    execute(conn, &format!("SAVEPOINT {PLAN_SAVEPOINT}"), "starting the plan").await?;
    let mut tables = 0;
    for step in plan.steps() {
        if let Err(source) = conn.execute_unprepared(&step.sql).await {
            let rollback = format!("ROLLBACK TO SAVEPOINT {PLAN_SAVEPOINT}");
            execute(conn, &rollback, "rolling back the refused plan").await?;
            return Err(MigrationError::Refused { step: step.sql.clone(), source });
        }
        if let Some(table) = step.table() {
            tracing::info!(table, step = %step.sql, "converted");
            tables += 1;
        }
    }
    execute(conn, &format!("RELEASE SAVEPOINT {PLAN_SAVEPOINT}"), "ending the plan").await?;
    Ok(tables)
}

async fn execute<C: ConnectionTrait>(conn: &C, sql: &str, doing: &'static str) -> Result<(), MigrationError> {
    conn.execute_unprepared(sql).await.map(drop).map_err(|source| MigrationError::Database { doing, source })
}

/// The catalog read through a SeaORM connection: each query through `query_all_raw`, each row
/// decoded from the sqlx row SeaORM holds.
struct SeaSource<'c, C>(&'c C);

impl<C: ConnectionTrait> CatalogSource for SeaSource<'_, C> {
    type Error = MigrationError;

    async fn fetch_all<T>(&mut self, sql: &str, doing: &'static str) -> Result<Vec<T>, MigrationError>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let statement = Statement::from_string(DbBackend::Postgres, sql);
        let rows = self
            .0
            .query_all_raw(statement)
            .await
            .map_err(|source| MigrationError::Database { doing, source })?;
        rows.iter()
            .map(|row| {
                let row = row.try_as_pg_row().ok_or_else(|| MigrationError::Decode {
                    doing,
                    source: sqlx::Error::Protocol("the row is not a PostgreSQL row".to_owned()),
                })?;
                T::from_row(row).map_err(|source| MigrationError::Decode { doing, source })
            })
            .collect()
    }
}
