//! The database: SQLite or PostgreSQL behind a scoped pool, its tables, and the app's queries.
//!
//! The queries are ordinary sqlx calls on `&ScopedPool`; none names a store. Each runs in the
//! scope the tenant layer set for the request (or `unscoped`, for creating a store), and the
//! pool scopes it there: reads and writes see the current store's rows only.

use std::str::FromStr;

use multitenant::{Schema, SchemaError, TenantType};
use multitenant_sqlx::{Error, ScopedPool};
use serde::Serialize;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{FromRow, Postgres, Sqlite};

use crate::error::StartError;
use crate::sql;

/// The scoped pool, on whichever database `DATABASE_URL` named.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Postgres(ScopedPool<Postgres>),
    Sqlite(ScopedPool<Sqlite>),
}

/// Runs `$body` with `$pool` the scoped pool and `$text` the statement `$sql` in its database's
/// syntax.
macro_rules! on_db {
    ($db:expr, $sql:expr, |$pool:ident, $text:ident| $body:expr) => {
        match $db {
            Db::Postgres($pool) => {
                let $text = $sql.postgres;
                $body
            }
            Db::Sqlite($pool) => {
                let $text = $sql.sqlite;
                $body
            }
        }
    };
}

/// The multi-tenant schema: `stores` is the tenant table (its `id` is the tenant), and
/// products and purchases belong to the store in their `store_id`.
pub(crate) fn schema() -> Result<Schema, SchemaError> {
    Schema::builder()
        .tenant_type(TenantType::BigInt)
        .tenant_table("stores", "id")
        .tenant_table("products", "store_id")
        .tenant_table("purchases", "store_id")
        .foreign_key("products", ["store_id"], "stores", ["id"])
        .foreign_key("purchases", ["store_id", "product_id"], "products", ["store_id", "id"])
        .build()
}

#[derive(Debug, Serialize, FromRow)]
pub(crate) struct Store {
    pub(crate) id: i64,
    pub(crate) name: String,
}

#[derive(Debug, Serialize, FromRow)]
pub(crate) struct Product {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) price_cents: i64,
}

#[derive(Debug, Serialize, FromRow)]
pub(crate) struct Purchase {
    pub(crate) id: i64,
    pub(crate) product_id: i64,
    pub(crate) quantity: i64,
}

#[derive(Debug, Serialize, FromRow)]
pub(crate) struct PurchaseLine {
    pub(crate) id: i64,
    pub(crate) product_id: i64,
    pub(crate) product_name: String,
    pub(crate) quantity: i64,
}

#[derive(Debug, Serialize, FromRow)]
pub(crate) struct ReportLine {
    pub(crate) product_id: i64,
    pub(crate) product_name: String,
    pub(crate) units: i64,
    pub(crate) revenue_cents: i64,
}

impl Db {
    /// Connects to `url` (`postgres://...`, or `sqlite://FILE`, created if absent) and creates
    /// the tables if they are missing. Migrations run on the raw pool, as the database owner:
    /// DDL on tenant tables is not for the scoped pool.
    pub(crate) async fn connect(url: &str) -> Result<Self, StartError> {
        let schema = schema()?;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().connect(url).await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Ok(Self::Postgres(ScopedPool::new(pool, schema)))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal);
            let pool = SqlitePoolOptions::new().connect_with(options).await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Ok(Self::Sqlite(ScopedPool::new(pool, schema)))
        } else {
            Err(StartError::UnknownDatabase)
        }
    }

    /// Creates a store. Admin work: call it inside `multitenant::unscoped`.
    pub(crate) async fn insert_store(&self, name: &str) -> Result<Store, Error> {
        Ok(on_db!(self, sql::INSERT_STORE, |pool, sql| sqlx::query_as(sql).bind(name).fetch_one(pool).await)?)
    }

    /// Whether the current store exists.
    pub(crate) async fn store_exists(&self) -> Result<bool, Error> {
        let count: i64 =
            on_db!(self, sql::STORE_EXISTS, |pool, sql| sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(count > 0)
    }

    pub(crate) async fn products(&self) -> Result<Vec<Product>, Error> {
        Ok(on_db!(self, sql::LIST_PRODUCTS, |pool, sql| sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    pub(crate) async fn product(&self, id: i64) -> Result<Option<Product>, Error> {
        Ok(on_db!(self, sql::GET_PRODUCT, |pool, sql| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    pub(crate) async fn insert_product(&self, name: &str, price_cents: i64) -> Result<Product, Error> {
        Ok(on_db!(self, sql::INSERT_PRODUCT, |pool, sql| sqlx::query_as(sql)
            .bind(name)
            .bind(price_cents)
            .fetch_one(pool)
            .await)?)
    }

    /// Changes the fields given; `None` when the current store has no product `id`.
    pub(crate) async fn update_product(
        &self,
        id: i64,
        name: Option<&str>,
        price_cents: Option<i64>,
    ) -> Result<Option<Product>, Error> {
        Ok(on_db!(self, sql::UPDATE_PRODUCT, |pool, sql| sqlx::query_as(sql)
            .bind(name)
            .bind(price_cents)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Deletes product `id`; whether the current store had it.
    pub(crate) async fn delete_product(&self, id: i64) -> Result<bool, Error> {
        let done = on_db!(self, sql::DELETE_PRODUCT, |pool, sql| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(done > 0)
    }

    pub(crate) async fn insert_purchase(&self, product_id: i64, quantity: i64) -> Result<Purchase, Error> {
        Ok(on_db!(self, sql::INSERT_PURCHASE, |pool, sql| sqlx::query_as(sql)
            .bind(product_id)
            .bind(quantity)
            .fetch_one(pool)
            .await)?)
    }

    pub(crate) async fn purchases(&self) -> Result<Vec<PurchaseLine>, Error> {
        Ok(on_db!(self, sql::LIST_PURCHASES, |pool, sql| sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    pub(crate) async fn report(&self) -> Result<Vec<ReportLine>, Error> {
        Ok(on_db!(self, sql::REPORT, |pool, sql| sqlx::query_as(sql).fetch_all(pool).await)?)
    }
}

/// Whether `error` is the database refusing a row whose foreign key names no row of the store
/// (or deleting a row another still references).
pub(crate) fn is_foreign_key_violation(error: &Error) -> bool {
    matches!(error, Error::Sqlx(sqlx::Error::Database(e)) if e.is_foreign_key_violation())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_is_valid() {
        super::schema().expect("schema");
    }
}
