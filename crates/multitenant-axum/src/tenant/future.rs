//! The response future: resolving the tenant (when that must wait), then the service's own
//! future, run in the tenant's scope.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::Request;
use axum::response::{IntoResponse, Response};
use multitenant::{Scope, ScopedFuture, TenantId};
use pin_project_lite::pin_project;
use tower::Service;

use super::resolve::Resolving;
use crate::TenantRejection;
use crate::extract::Resolved;

pin_project! {
    /// The response future of [`TenantService`](super::TenantService): the service's future
    /// in the request's tenant scope, or the rejection.
    ///
    /// The scope is set around every poll of the service's future, so it holds across each of
    /// its `.await`s and is carried into work started with [`multitenant::spawn`].
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B>
    where
        S: Service<Request<B>>,
    {
        Resolving { resolving: Resolving<B>, service: S },
        Running { #[pin] future: ScopedFuture<S::Future> },
        Rejected { response: Response },
    }
}

impl<S, B> ResponseFuture<S, B>
where
    S: Service<Request<B>>,
{
    /// Calls `service` (which is ready) in the scope of `tenant`.
    pub(crate) fn running(service: &mut S, request: Request<B>, tenant: TenantId) -> Self {
        Self::from(State::Running { future: call_in_scope(service, request, tenant) })
    }

    /// Answers `rejection` without calling the service.
    pub(crate) fn rejected(rejection: TenantRejection) -> Self {
        Self::from(State::Rejected { response: rejection.into_response() })
    }

    /// Waits for `resolving`, then calls `service` (which is ready) or answers the rejection.
    pub(crate) fn resolving(resolving: Resolving<B>, service: S) -> Self {
        Self::from(State::Resolving { resolving, service })
    }

    fn from(state: State<S, B>) -> Self {
        Self { state }
    }
}

/// The service's future for `request`, with the tenant in the request's extensions (for the
/// [`Tenant`](crate::Tenant) extractor) and in scope while it is made and while it runs.
fn call_in_scope<S, B>(service: &mut S, mut request: Request<B>, tenant: TenantId) -> ScopedFuture<S::Future>
where
    S: Service<Request<B>>,
{
    request.extensions_mut().insert(Resolved(tenant.clone()));
    let scope = Scope::tenant(tenant);
    let future = multitenant::with_scope_sync(scope.clone(), || service.call(request));
    multitenant::with_scope(scope, future)
}

impl<S, B> Future for ResponseFuture<S, B>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    type Output = Result<Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Running { future } => return future.poll(cx).map_ok(IntoResponse::into_response),
                StateProj::Rejected { response } => return Poll::Ready(Ok(mem::take(response))),
                StateProj::Resolving { resolving, service } => match ready!(resolving.as_mut().poll(cx)) {
                    (request, Ok(tenant)) => {
                        State::Running { future: call_in_scope(service, request, tenant) }
                    }
                    (_, Err(rejection)) => State::Rejected { response: rejection.into_response() },
                },
            };
            state.set(next);
        }
    }
}
