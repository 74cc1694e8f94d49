//! The handlers: JSON in, JSON out, queries through the scoped pool. None of them names the
//! store; the tenant layer set it as the request's scope (except `create_store`, admin work).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::db::{self, Db, Product, Purchase, PurchaseLine, ReportLine, Store};
use crate::error::{ApiError, Id, JsonBody};

type Created<T> = (StatusCode, Json<T>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewStore {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewProduct {
    name: String,
    price_cents: i64,
}

/// The fields of a product to change; those left out stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductChanges {
    name: Option<String>,
    price_cents: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPurchase {
    product_id: i64,
    quantity: i64,
}

/// `POST /stores`: creating a tenant is admin work, so it runs unscoped, on purpose.
pub(crate) async fn create_store(
    State(db): State<Db>,
    JsonBody(new): JsonBody<NewStore>,
) -> Result<Created<Store>, ApiError> {
    check_name(&new.name)?;
    let store = multitenant::unscoped(db.insert_store(&new.name)).await?;
    Ok((StatusCode::CREATED, Json(store)))
}

pub(crate) async fn list_products(State(db): State<Db>) -> Result<Json<Vec<Product>>, ApiError> {
    Ok(Json(db.products().await?))
}

pub(crate) async fn create_product(
    State(db): State<Db>,
    JsonBody(new): JsonBody<NewProduct>,
) -> Result<Created<Product>, ApiError> {
    check_name(&new.name)?;
    check_price(new.price_cents)?;
    Ok((StatusCode::CREATED, Json(db.insert_product(&new.name, new.price_cents).await?)))
}

pub(crate) async fn get_product(State(db): State<Db>, Id(id): Id) -> Result<Json<Product>, ApiError> {
    db.product(id).await?.map(Json).ok_or(ApiError::NotFound("product"))
}

pub(crate) async fn update_product(
    State(db): State<Db>,
    Id(id): Id,
    JsonBody(changes): JsonBody<ProductChanges>,
) -> Result<Json<Product>, ApiError> {
    changes.name.as_deref().map(check_name).transpose()?;
    changes.price_cents.map(check_price).transpose()?;
    let updated = db.update_product(id, changes.name.as_deref(), changes.price_cents).await?;
    updated.map(Json).ok_or(ApiError::NotFound("product"))
}

pub(crate) async fn delete_product(State(db): State<Db>, Id(id): Id) -> Result<StatusCode, ApiError> {
    match db.delete_product(id).await {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::NotFound("product")),
        Err(error) if db::is_foreign_key_violation(&error) => {
            Err(ApiError::Conflict("the product has purchases: it cannot be deleted"))
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /purchases`: 404 unless the product is this store's, which the composite foreign key
/// `(store_id, product_id)` decides in the insert itself (another store's product, or one
/// deleted meanwhile), with no query before it.
pub(crate) async fn create_purchase(
    State(db): State<Db>,
    JsonBody(new): JsonBody<NewPurchase>,
) -> Result<Created<Purchase>, ApiError> {
    if new.quantity < 1 {
        return Err(ApiError::unprocessable("quantity must be at least 1"));
    }
    match db.insert_purchase(new.product_id, new.quantity).await {
        Ok(purchase) => Ok((StatusCode::CREATED, Json(purchase))),
        Err(error) if db::is_foreign_key_violation(&error) => Err(ApiError::NotFound("product")),
        Err(error) => Err(error.into()),
    }
}

pub(crate) async fn list_purchases(State(db): State<Db>) -> Result<Json<Vec<PurchaseLine>>, ApiError> {
    Ok(Json(db.purchases().await?))
}

pub(crate) async fn report(State(db): State<Db>) -> Result<Json<Vec<ReportLine>>, ApiError> {
    Ok(Json(db.report().await?))
}

fn check_name(name: &str) -> Result<(), ApiError> {
    match name.trim().is_empty() {
        true => Err(ApiError::unprocessable("name must not be empty")),
        false => Ok(()),
    }
}

fn check_price(price_cents: i64) -> Result<(), ApiError> {
    match price_cents < 0 {
        true => Err(ApiError::unprocessable("price_cents must not be negative")),
        false => Ok(()),
    }
}
