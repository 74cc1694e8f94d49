//! The layer's future carries the tenant scope across every `.await` of the service, into the
//! service's `call`, and into work started with `multitenant::spawn`; and it ends with the
//! request.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use axum::routing::get;
use common::{Answer, get as request, send};
use multitenant::TenantId;
use multitenant_axum::TenantLayer;
use tower::{Layer, ServiceExt};

fn seen() -> String {
    multitenant::current_tenant().map_or_else(|| "none".to_owned(), |t| t.to_string())
}

/// Reads the scope before and after each kind of suspension point, in spawned tasks too.
async fn awaiting() -> String {
    let mut views = vec![seen()];
    tokio::task::yield_now().await;
    views.push(seen());
    tokio::time::sleep(Duration::from_millis(2)).await;
    views.push(seen());
    let spawned = multitenant::spawn(async {
        tokio::task::yield_now().await;
        let nested = multitenant::spawn(async { seen() }).await.unwrap_or_default();
        format!("{}+{nested}", seen())
    });
    views.push(spawned.await.unwrap_or_default());
    let plain = tokio::spawn(async { seen() });
    views.push(format!("plain:{}", plain.await.unwrap_or_default()));
    views.push(seen());
    views.join(",")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scope_holds_across_awaits_and_into_spawned_work() {
    let app = Router::new().route("/", get(awaiting)).layer(TenantLayer::header());
    let answer = send(&app, request("/", &[("x-tenant-id", "31")])).await;
    // tokio::spawn alone does not carry the scope (the core's rule); multitenant::spawn does.
    assert_eq!(answer.body, "31,31,31,31+31,plain:none,31");
}

#[tokio::test]
async fn the_scope_is_set_while_the_service_is_called_too() {
    let service = tower::service_fn(|_request: Request<Body>| {
        let in_call = seen();
        async move { Ok::<_, Infallible>(Response::new(Body::from(format!("{in_call},{}", seen())))) }
    });
    let service = TenantLayer::header().layer(service);
    let response = service.oneshot(request("/", &[("x-tenant-id", "4")])).await.expect("infallible");
    assert_eq!(Answer::of(response).await.body, "4,4");
}

#[tokio::test]
async fn the_scope_of_the_request_ends_with_it() {
    let app = Router::new().route("/", get(awaiting)).layer(TenantLayer::header());
    let outer = async {
        let answer = send(&app, request("/", &[("x-tenant-id", "2")])).await;
        (answer.body, multitenant::current_tenant())
    };
    let (body, after) = multitenant::with_tenant(1_i64, outer).await;
    assert!(body.starts_with("2,2,2"), "{body}");
    assert_eq!(after, Some(TenantId::from(1_i64)), "the outer scope is restored");
    assert_eq!(multitenant::current_scope(), None);
}

#[tokio::test]
async fn the_scope_holds_after_an_async_resolver_too() {
    let layer = TenantLayer::from_fn(|_parts| {
        Box::pin(async {
            tokio::task::yield_now().await;
            Ok(TenantId::from(77_i64))
        })
    });
    let app = Router::new().route("/", get(awaiting)).layer(layer);
    assert_eq!(send(&app, request("/", &[])).await.body, "77,77,77,77+77,plain:none,77");
}
