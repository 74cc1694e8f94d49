//! Axum (tower) middleware that resolves the tenant of each request and runs the handler in
//! that tenant's [`multitenant`] scope.
//!
//! [`TenantLayer`] reads the tenant from the request, parses it with the core's
//! [`TenantType`](multitenant::TenantType) (`bigint` unless configured), and calls the service
//! inside [`multitenant::with_tenant`]: the handler, everything it awaits, and the work it
//! starts with [`multitenant::spawn`] see the tenant, so every statement the
//! [`Rewriter`](multitenant::Rewriter) scopes is scoped to it. The crate never touches SQL.
//! A request without a valid tenant never reaches the handler: it gets a
//! [`TenantRejection`], a JSON body `{"error": "..."}`.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use multitenant_axum::{Tenant, TenantLayer};
//!
//! async fn list_ads(Tenant(tenant): Tenant) -> String {
//!     // Statements rewritten here are scoped to `tenant`.
//!     assert_eq!(multitenant::current_tenant(), Some(tenant.clone()));
//!     format!("ads of {tenant}")
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new().route("/ads", get(list_ads)).layer(TenantLayer::header());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! # Where the tenant comes from
//!
//! | constructor | reads | example |
//! |---|---|---|
//! | [`TenantLayer::header`] / [`header_named`](TenantLayer::header_named) | one header, `X-Tenant-Id` by default | `X-Tenant-Id: 42` |
//! | [`TenantLayer::subdomain`] / [`subdomain_of`](TenantLayer::subdomain_of) | the first label of `Host` | `acme.example.com`, `42.localhost` |
//! | [`TenantLayer::path_segment`] | a path segment, by position from 0 | `/t/42/ads` with `path_segment(1)` |
//! | [`TenantLayer::from_fn`] | an async function of the request's head | a verified session, a JWT claim |
//!
//! [`or`](TenantLayer::or) adds a place to look when the first finds nothing
//! (`TenantLayer::header().or(TenantSource::subdomain())`); a malformed tenant where one looks
//! is refused, not passed over. Any of them can be followed by a [`check`](TenantLayer::check): an async hook that sees the
//! request's head and the tenant, runs in the tenant's scope, and may reject it ("does this
//! store exist?", "may this user act for it?").
//!
//! # Which sources to trust
//!
//! Setting the scope is authorisation: the handler then reads and writes that tenant's rows.
//! So the tenant must come from something the client cannot forge, or be checked against the
//! caller.
//!
//! - **A header** is whatever the client sent. It is only safe behind a gateway (a proxy, an
//!   API gateway, a service mesh) that authenticates the caller, sets the header itself, and
//!   strips any the client sent; the service must not be reachable around it.
//! - **A subdomain or a path segment** is a routing hint: anyone can type
//!   `other-tenant.example.com` or `/t/43/...`. It is safe only when the user is also
//!   authorised for that tenant: add a [`check`](TenantLayer::check) that compares it with the
//!   verified session, or do the check in the handler before the first query.
//! - **A function** ([`from_fn`](TenantLayer::from_fn)) is where authorisation belongs: read
//!   the tenant from what an authentication layer verified (a session, a token's claims put
//!   in the request's extensions) rather than from what the request asks for.
//!
//! # Rejections
//!
//! | the request | status | kind |
//! |---|---|---|
//! | names no tenant | `400`, or `401` with [`MissingStatus::Unauthorized`] | [`RejectionKind::Missing`] |
//! | names one that does not parse, is not text, or is sent twice | `400` | [`RejectionKind::Invalid`] |
//! | names one the function or the check does not know | `404` | [`RejectionKind::Unknown`] |
//! | reaches a [`Tenant`] extractor without the layer, or gets a tenant of the wrong type from the function | `500` | [`RejectionKind::Misconfigured`] |
//! | names one the check cannot decide on ([`TenantRejection::unavailable`]: its lookup failed) | `503` | [`RejectionKind::Unavailable`] |
//!
//! Each is `{"error": "<message>"}` with `content-type: application/json`. The message says
//! what is wrong and what to send (`missing tenant: send the x-tenant-id header with the tenant
//! id`), quotes at most 32 characters of what the request sent, and tells nothing about the
//! server beyond the layer's configuration.
//!
//! # Routes without a tenant
//!
//! Admin work such as creating a tenant has no tenant to resolve. Apply the layer to the
//! tenant routes only (`route_layer` on their router, then merge), and run the admin
//! handlers' statements explicitly [`unscoped`](multitenant::unscoped):
//!
//! ```
//! use axum::{Router, routing::{get, post}};
//! use multitenant_axum::{Tenant, TenantLayer};
//!
//! async fn list_ads(Tenant(tenant): Tenant) -> String {
//!     format!("ads of {tenant}")
//! }
//!
//! async fn create_store() -> &'static str {
//!     multitenant::unscoped(async {
//!         // INSERT INTO stores ... : cross-tenant admin work, on purpose.
//!         "created"
//!     })
//!     .await
//! }
//!
//! let tenant_routes = Router::new().route("/ads", get(list_ads)).route_layer(TenantLayer::header());
//! let admin_routes = Router::new().route("/stores", post(create_store));
//! let app: Router = tenant_routes.merge(admin_routes);
//! ```
//!
//! With `route_layer`, a path that matches no route still gets axum's plain `404`, not a
//! tenant rejection.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

mod error;
mod extract;
mod tenant;

use std::future::Future;
use std::pin::Pin;

pub use error::{MissingStatus, RejectionKind, TenantRejection};
pub use extract::Tenant;
pub use tenant::{ResponseFuture, TenantLayer, TenantService, TenantSource};

/// The future a resolver function or a check hook returns: write `Box::pin(async move {
/// ... })`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
