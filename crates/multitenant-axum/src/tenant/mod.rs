//! The tenant middleware: [`TenantLayer`] (configuration), [`TenantService`] (resolves each
//! request's tenant and calls the inner service in its scope), [`ResponseFuture`].

mod future;
mod layer;
mod resolve;
mod source;

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::Service;

pub use future::ResponseFuture;
use layer::Config;
pub use layer::{TenantLayer, TenantSource};
use resolve::Start;

/// Resolves each request's tenant and calls the inner service in that tenant's scope, or
/// answers a [`TenantRejection`](crate::TenantRejection). Made by [`TenantLayer`].
#[derive(Clone, Debug)]
pub struct TenantService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> TenantService<S> {
    /// Wraps `inner` with the configuration of `layer`.
    pub fn new(inner: S, layer: &TenantLayer) -> Self {
        tower::Layer::layer(layer, inner)
    }

    pub(crate) fn from_config(inner: S, config: Arc<Config>) -> Self {
        Self { inner, config }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B> Service<Request<B>> for TenantService<S>
where
    S: Service<Request<B>> + Clone,
    S::Response: IntoResponse,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, B>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match self.config.start(request.headers(), request.uri()) {
            Start::Ready(Ok(tenant)) => ResponseFuture::running(&mut self.inner, request, tenant),
            Start::Ready(Err(rejection)) => ResponseFuture::rejected(rejection),
            Start::Later(later) => {
                // The service that was polled ready goes with the future; this one keeps a clone.
                let clone = self.inner.clone();
                let ready = std::mem::replace(&mut self.inner, clone);
                ResponseFuture::resolving(Arc::clone(&self.config).finish(request, later), ready)
            }
        }
    }
}
