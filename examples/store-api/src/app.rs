//! The router: the store routes behind the tenant layer, and the admin route beside them.

use axum::Router;
use axum::routing::{get, post};

use crate::db::Db;
use crate::{routes, tenant};

/// The whole API on `db`.
pub(crate) fn router(db: Db) -> Router {
    let store_routes = Router::new()
        .route("/products", get(routes::list_products).post(routes::create_product))
        .route(
            "/products/{id}",
            get(routes::get_product).patch(routes::update_product).delete(routes::delete_product),
        )
        .route("/purchases", get(routes::list_purchases).post(routes::create_purchase))
        .route("/report", get(routes::report))
        .route_layer(tenant::layer(db.clone()));
    let admin_routes = Router::new().route("/stores", post(routes::create_store));
    store_routes.merge(admin_routes).with_state(db)
}
