//! Resolving a request's tenant as the layer's configuration says: read at once when the
//! tenant is in the request and nothing is to be checked; otherwise in a future that owns
//! the request's head while the function or the check runs.

use std::borrow::Cow;
use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::{HeaderMap, Request, Uri};
use multitenant::TenantId;

use super::layer::{Config, ResolveFn, Source};
use super::source;
use crate::error::Place;
use crate::{BoxFuture, TenantRejection};

/// How resolution starts.
pub(crate) enum Start {
    /// Done without waiting.
    Ready(Result<TenantId, TenantRejection>),
    /// The function, or the check, must run first.
    Later(Later),
}

/// What is left to do once the request's head is owned.
pub(crate) enum Later {
    /// Call the resolver function (then the check, if any).
    Call(ResolveFn),
    /// Check this tenant, read from the request.
    Check(TenantId),
}

/// The request (head and body together again) and its tenant, once resolved later.
pub(crate) type Resolving<B> = BoxFuture<'static, (Request<B>, Result<TenantId, TenantRejection>)>;

impl Config {
    /// Starts resolving the tenant of a request with these headers and URI.
    pub(crate) fn start(&self, headers: &HeaderMap, uri: &Uri) -> Start {
        let (text, place) = match &self.source {
            Source::Header(name) => {
                (source::header(headers, name).map(Cow::Borrowed), Place::Header(name.clone()))
            }
            Source::Subdomain(base) => {
                (source::subdomain(headers, uri, base.as_deref()).map(Cow::Owned), Place::Subdomain)
            }
            Source::PathSegment(index) => (source::path_segment(uri, *index), Place::PathSegment(*index)),
            Source::Function(resolve) => return Start::Later(Later::Call(Arc::clone(resolve))),
        };
        let read =
            text.and_then(|text| self.tenant_type.parse(&text).map_err(|e| TenantRejection::parse(place, e)));
        match (read, &self.check) {
            (Ok(tenant), Some(_)) => Start::Later(Later::Check(tenant)),
            (read, _) => {
                Start::Ready(read.map_err(|rejection| rejection.with_missing_status(self.missing_status)))
            }
        }
    }

    /// Finishes resolving in a future that owns the request.
    pub(crate) fn finish<B: Send + 'static>(
        self: Arc<Self>,
        request: Request<B>,
        later: Later,
    ) -> Resolving<B> {
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let resolved = self.resolve(&mut parts, later).await;
            let resolved = resolved.map_err(|rejection| rejection.with_missing_status(self.missing_status));
            (Request::from_parts(parts, body), resolved)
        })
    }

    async fn resolve(&self, parts: &mut Parts, later: Later) -> Result<TenantId, TenantRejection> {
        let tenant = match later {
            Later::Call(resolve) => self.of_type(resolve(parts).await?)?,
            Later::Check(tenant) => tenant,
        };
        if let Some(check) = &self.check {
            multitenant::with_tenant(tenant.clone(), check(parts, &tenant)).await?;
        }
        Ok(tenant)
    }

    /// The tenant a function returned, if it is of the configured type.
    fn of_type(&self, tenant: TenantId) -> Result<TenantId, TenantRejection> {
        match tenant.tenant_type() {
            found if found == self.tenant_type => Ok(tenant),
            found => Err(TenantRejection::wrong_type(self.tenant_type, found)),
        }
    }
}
