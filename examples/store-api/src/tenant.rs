//! Which store a request is for: the `X-Tenant-Id` header, else the subdomain of `Host`
//! (`{store_id}.localhost`), and then whether that store exists.
//!
//! Missing: 400. Not a number: 400. No such store: 404. Each a JSON body, from the layer.

use multitenant::TenantId;
use multitenant_axum::{TenantLayer, TenantRejection, TenantSource};

use crate::db::Db;

/// The layer for the store routes: resolves the store (the header first, then the subdomain of
/// `localhost`) and runs the handler in its scope.
pub(crate) fn layer(db: Db) -> TenantLayer {
    TenantLayer::header().or(TenantSource::subdomain_of("localhost")).check(move |_parts, store| {
        let db = db.clone();
        Box::pin(async move { check(&db, store).await })
    })
}

/// Runs in the store's scope: the scoped `stores` table holds its row, or none.
///
/// Whether the store exists; a failed lookup answers 503 (the request goes no further).
async fn check(db: &Db, store: &TenantId) -> Result<(), TenantRejection> {
    match db.store_exists().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(TenantRejection::unknown(store)),
        Err(error) => {
            tracing::error!(%error, "checking the store failed");
            Err(TenantRejection::unavailable())
        }
    }
}
