//! The layer: where to read the tenant, as what type, and how to answer a request without one.

use std::fmt;
use std::sync::Arc;

use axum::http::HeaderName;
use axum::http::request::Parts;
use multitenant::{TenantId, TenantType};
use tower::Layer;

use super::TenantService;
use crate::{BoxFuture, MissingStatus, TenantRejection};

/// A [`Layer`] that resolves each request's tenant and runs the service in that tenant's
/// scope ([`multitenant::with_tenant`]); a request without a valid tenant gets a JSON
/// [`TenantRejection`] and never reaches the service.
///
/// Pick where the tenant comes from with one constructor, then adjust:
///
/// ```
/// use axum::{Router, routing::get};
/// use multitenant::TenantType;
/// use multitenant_axum::{MissingStatus, TenantLayer};
///
/// let layer = TenantLayer::path_segment(1) // /t/{tenant}/...
///     .tenant_type(TenantType::Uuid)
///     .missing_status(MissingStatus::Unauthorized);
/// let app: Router = Router::new().route("/t/{tenant}/ads", get(|| async { "ads" })).layer(layer);
/// ```
///
/// See the [crate docs](crate) for which sources can be trusted.
#[derive(Clone)]
pub struct TenantLayer {
    config: Arc<Config>,
}

/// Everything a [`TenantLayer`] was configured with, shared by its services.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) source: Source,
    pub(crate) tenant_type: TenantType,
    pub(crate) missing_status: MissingStatus,
    pub(crate) check: Option<CheckFn>,
}

/// Where the tenant is read.
#[derive(Clone)]
pub(crate) enum Source {
    Header(HeaderName),
    /// The subdomain, of `base` when set (lower case, without dots at either end).
    Subdomain(Option<String>),
    PathSegment(usize),
    Function(ResolveFn),
    /// The first of these that finds a tenant in the request (never another `FirstOf`).
    FirstOf(Vec<Source>),
}

impl Source {
    /// The sources to try in turn: this one, or the ones it chains.
    fn into_chain(self) -> Vec<Source> {
        match self {
            Self::FirstOf(sources) => sources,
            one => vec![one],
        }
    }
}

/// A place to read the tenant when the layer's own source finds none: see
/// [`TenantLayer::or`]. Each constructor reads as the [`TenantLayer`] constructor of the same
/// name.
#[derive(Clone, Debug)]
pub struct TenantSource(Source);

impl TenantSource {
    /// The `X-Tenant-Id` header, as [`TenantLayer::header`].
    pub fn header() -> Self {
        Self::header_named(TenantLayer::DEFAULT_HEADER)
    }

    /// The header `name`, as [`TenantLayer::header_named`].
    pub fn header_named(name: HeaderName) -> Self {
        Self(Source::Header(name))
    }

    /// The subdomain of the host, as [`TenantLayer::subdomain`].
    pub fn subdomain() -> Self {
        Self(Source::Subdomain(None))
    }

    /// The one label before `base` in the host, as [`TenantLayer::subdomain_of`].
    pub fn subdomain_of(base: &str) -> Self {
        Self(Source::Subdomain(Some(base.trim_matches('.').to_ascii_lowercase())))
    }

    /// Path segment `index`, as [`TenantLayer::path_segment`].
    pub fn path_segment(index: usize) -> Self {
        Self(Source::PathSegment(index))
    }

    /// An async function of the request's head, as [`TenantLayer::from_fn`]. It ends a chain:
    /// whatever it answers, missing included, is the answer.
    pub fn from_fn<F>(resolve: F) -> Self
    where
        F: for<'a> Fn(&'a mut Parts) -> BoxFuture<'a, Result<TenantId, TenantRejection>>
            + Send
            + Sync
            + 'static,
    {
        Self(Source::Function(Arc::new(resolve)))
    }
}

pub(crate) type ResolveFn =
    Arc<dyn for<'a> Fn(&'a mut Parts) -> BoxFuture<'a, Result<TenantId, TenantRejection>> + Send + Sync>;

pub(crate) type CheckFn =
    Arc<dyn for<'a> Fn(&'a Parts, &'a TenantId) -> BoxFuture<'a, Result<(), TenantRejection>> + Send + Sync>;

impl TenantLayer {
    /// The header [`header`](Self::header) reads: `x-tenant-id`.
    pub const DEFAULT_HEADER: HeaderName = HeaderName::from_static("x-tenant-id");

    /// Reads the tenant from the `X-Tenant-Id` header.
    ///
    /// Only safe behind a gateway that sets this header from the authenticated caller and
    /// strips any the client sent: otherwise any client picks any tenant.
    ///
    /// The header must be sent once; an empty one counts as missing.
    pub fn header() -> Self {
        Self::header_named(Self::DEFAULT_HEADER)
    }

    /// Reads the tenant from the header `name` (same rules as [`header`](Self::header)).
    ///
    /// ```
    /// use axum::http::HeaderName;
    /// use multitenant_axum::TenantLayer;
    ///
    /// let layer = TenantLayer::header_named(HeaderName::from_static("x-store-id"));
    /// ```
    pub fn header_named(name: HeaderName) -> Self {
        Self::new(TenantSource::header_named(name))
    }

    /// Reads the tenant from the subdomain of the `Host` header (or of the request URI's
    /// authority, for HTTP/2): the first label of a host with at least three labels
    /// (`acme.example.com` -> `acme`), or of `<label>.localhost` (`42.localhost` -> `42`).
    ///
    /// The host is compared without case, port or final dot; the label is lower-cased and must
    /// be letters, digits and `-`. An IP address, or a host with nothing before its domain,
    /// has no tenant. `X-Forwarded-Host` is not read. In production prefer
    /// [`subdomain_of`](Self::subdomain_of), which names the domain.
    pub fn subdomain() -> Self {
        Self::new(TenantSource::subdomain())
    }

    /// Reads the tenant from the one label before `base` in the host: with
    /// `subdomain_of("example.com")`, `acme.example.com` -> `acme`; `example.com` and other
    /// domains have no tenant, and `a.b.example.com` is refused.
    pub fn subdomain_of(base: &str) -> Self {
        Self::new(TenantSource::subdomain_of(base))
    }

    /// Reads the tenant from path segment `index`, counting from 0: for `/t/{tenant}/...`,
    /// `path_segment(1)`. The segment is percent-decoded.
    ///
    /// The path is the one the layer sees: applied to a router given to
    /// [`Router::nest`](axum::Router::nest), that is the path after the nest's prefix.
    pub fn path_segment(index: usize) -> Self {
        Self::new(TenantSource::path_segment(index))
    }

    /// Resolves the tenant with an async function of the request's head: the place for a
    /// verified session or a token's claim, and for authorisation. It returns the tenant, or a
    /// [`TenantRejection`]: [`missing`](TenantRejection::missing) (with the layer's
    /// [`MissingStatus`]), [`unknown`](TenantRejection::unknown) (404), or an invalid value
    /// (`?` on [`TenantType::parse`], 400).
    ///
    /// The function runs before any tenant scope is set. The tenant it returns must be of the
    /// layer's [`tenant_type`](Self::tenant_type) (bigint by default), or the request gets a
    /// 500 that says only that the tenant could not be resolved.
    ///
    /// ```
    /// use multitenant::TenantType;
    /// use multitenant_axum::{TenantLayer, TenantRejection};
    ///
    /// /// What an authentication layer before this one put in the request.
    /// #[derive(Clone)]
    /// struct Claims { tenant: String }
    ///
    /// let layer = TenantLayer::from_fn(|parts| Box::pin(async move {
    ///     let claims = parts.extensions.get::<Claims>()
    ///         .ok_or_else(|| TenantRejection::missing("a bearer token"))?;
    ///     Ok(TenantType::BigInt.parse(&claims.tenant)?)
    /// }));
    /// ```
    pub fn from_fn<F>(resolve: F) -> Self
    where
        F: for<'a> Fn(&'a mut Parts) -> BoxFuture<'a, Result<TenantId, TenantRejection>>
            + Send
            + Sync
            + 'static,
    {
        Self::new(TenantSource::from_fn(resolve))
    }

    /// Reads the tenant from `fallback` when the request has none where the layer looks first
    /// (chains: the first source that finds one wins). Only a missing tenant falls through: a
    /// malformed one (a repeated header, a value that is not a tenant id) is refused there and
    /// then, so no request can choose which source is believed by sending a bad value. With
    /// none found, the 400 (or 401) names every place it looked.
    ///
    /// ```
    /// use multitenant_axum::{TenantLayer, TenantSource};
    ///
    /// // `X-Tenant-Id: 7`, else a request to `7.localhost`.
    /// let layer = TenantLayer::header().or(TenantSource::subdomain());
    /// ```
    pub fn or(mut self, fallback: TenantSource) -> Self {
        let config = Arc::make_mut(&mut self.config);
        let mut chain = std::mem::replace(&mut config.source, Source::FirstOf(Vec::new())).into_chain();
        chain.extend(fallback.0.into_chain());
        config.source = Source::FirstOf(chain);
        self
    }

    /// Reads tenants as `tenant_type` ([`TenantType::BigInt`] by default).
    pub fn tenant_type(mut self, tenant_type: TenantType) -> Self {
        Arc::make_mut(&mut self.config).tenant_type = tenant_type;
        self
    }

    /// Answers a request with no tenant with `status` (400 by default).
    pub fn missing_status(mut self, status: MissingStatus) -> Self {
        Arc::make_mut(&mut self.config).missing_status = status;
        self
    }

    /// Checks each resolved tenant before the service runs, whatever the source: "does this
    /// store exist?", "may this user act for it?". The check runs in the tenant's scope, so the
    /// queries it makes are scoped; it answers `Ok(())` or a rejection, typically
    /// [`TenantRejection::unknown`] (404).
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use std::sync::Arc;
    ///
    /// use multitenant::TenantId;
    /// use multitenant_axum::{TenantLayer, TenantRejection};
    ///
    /// let stores: Arc<HashSet<TenantId>> = Arc::new([TenantId::from(1_i64)].into());
    /// let layer = TenantLayer::subdomain_of("shop.example").check(move |_parts, tenant| {
    ///     let stores = Arc::clone(&stores);
    ///     Box::pin(async move {
    ///         stores.contains(tenant).then_some(()).ok_or_else(|| TenantRejection::unknown(tenant))
    ///     })
    /// });
    /// ```
    pub fn check<F>(mut self, check: F) -> Self
    where
        F: for<'a> Fn(&'a Parts, &'a TenantId) -> BoxFuture<'a, Result<(), TenantRejection>>
            + Send
            + Sync
            + 'static,
    {
        Arc::make_mut(&mut self.config).check = Some(Arc::new(check));
        self
    }

    fn new(source: TenantSource) -> Self {
        let config = Config {
            source: source.0,
            tenant_type: TenantType::BigInt,
            missing_status: MissingStatus::default(),
            check: None,
        };
        Self { config: Arc::new(config) }
    }
}

impl<S> Layer<S> for TenantLayer {
    type Service = TenantService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantService::from_config(inner, Arc::clone(&self.config))
    }
}

impl fmt::Debug for TenantLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantLayer").field("config", &self.config).finish()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("source", &self.source)
            .field("tenant_type", &self.tenant_type)
            .field("missing_status", &self.missing_status)
            .field("check", &self.check.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header(name) => f.debug_tuple("Header").field(name).finish(),
            Self::Subdomain(base) => f.debug_tuple("Subdomain").field(base).finish(),
            Self::PathSegment(index) => f.debug_tuple("PathSegment").field(index).finish(),
            Self::Function(_) => f.write_str("Function(<fn>)"),
            Self::FirstOf(sources) => f.debug_tuple("FirstOf").field(sources).finish(),
        }
    }
}
