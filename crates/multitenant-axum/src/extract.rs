//! The [`Tenant`] extractor: the tenant the layer resolved for this request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use multitenant::TenantId;

use crate::TenantRejection;

/// The tenant of the request, as the [`TenantLayer`](crate::TenantLayer) resolved it; the
/// handler runs in its scope, so [`multitenant::current_tenant`] answers the same.
///
/// On a route without the layer the extractor answers a JSON `500` saying that the layer is
/// missing, rather than panicking or running the handler without a tenant.
///
/// ```
/// use axum::{Router, routing::get};
/// use multitenant_axum::{Tenant, TenantLayer};
///
/// async fn whoami(Tenant(tenant): Tenant) -> String {
///     format!("tenant {tenant}")
/// }
///
/// let app: Router = Router::new().route("/whoami", get(whoami)).layer(TenantLayer::header());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tenant(pub TenantId);

impl Tenant {
    /// The tenant's id.
    pub fn id(&self) -> &TenantId {
        &self.0
    }

    /// The tenant's id, by value.
    pub fn into_inner(self) -> TenantId {
        self.0
    }
}

/// The request extension in which the layer leaves the tenant; only the layer makes one.
#[derive(Debug, Clone)]
pub(crate) struct Resolved(pub(crate) TenantId);

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = TenantRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Resolved>() {
            Some(Resolved(tenant)) => Ok(Self(tenant.clone())),
            None => Err(TenantRejection::layer_missing()),
        }
    }
}
