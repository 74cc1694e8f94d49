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
use crate::{BoxFuture, RejectionKind, TenantRejection};

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

/// What a source read from the request.
enum Read<'r> {
    /// The tenant's text and where it was, or why there is none.
    Found(Result<(Cow<'r, str>, Place), TenantRejection>),
    /// A function decides.
    Call(ResolveFn),
}

/// Reads `source` from the request; a chain tries its sources in turn while they find nothing.
fn read<'r>(source: &Source, headers: &'r HeaderMap, uri: &'r Uri) -> Read<'r> {
    Read::Found(match source {
        Source::Header(name) => {
            source::header(headers, name).map(|text| (Cow::Borrowed(text), Place::Header(name.clone())))
        }
        Source::Subdomain(base) => {
            source::subdomain(headers, uri, base.as_deref()).map(|text| (Cow::Owned(text), Place::Subdomain))
        }
        Source::PathSegment(index) => {
            source::path_segment(uri, *index).map(|text| (text, Place::PathSegment(*index)))
        }
        Source::Function(resolve) => return Read::Call(Arc::clone(resolve)),
        Source::FirstOf(chain) => {
            let mut looked = Vec::new();
            for source in chain {
                match read(source, headers, uri) {
                    Read::Found(Err(rejection)) if rejection.kind() == RejectionKind::Missing => {
                        looked.extend(rejection.expected().map(str::to_owned));
                    }
                    found => return found,
                }
            }
            Err(TenantRejection::missing(looked.join(", or ")))
        }
    })
}

/// The request (head and body together again) and its tenant, once resolved later.
pub(crate) type Resolving<B> = BoxFuture<'static, (Request<B>, Result<TenantId, TenantRejection>)>;

impl Config {
    /// Starts resolving the tenant of a request with these headers and URI.
    pub(crate) fn start(&self, headers: &HeaderMap, uri: &Uri) -> Start {
        let read = match read(&self.source, headers, uri) {
            Read::Call(resolve) => return Start::Later(Later::Call(resolve)),
            Read::Found(found) => found,
        };
        let read = read.and_then(|(text, place)| {
            self.tenant_type.parse(&text).map_err(|e| TenantRejection::parse(place, e))
        });
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
