//! Property test: whatever header, host and path a request carries, every resolver answers a
//! tenant or a JSON 4xx, and never panics.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::header::HOST;
use axum::http::{HeaderValue, Request, StatusCode, Uri};
use axum::routing::get;
use common::{Answer, echo, json_error};
use multitenant::TenantType;
use multitenant_axum::{TenantLayer, TenantSource};
use proptest::prelude::*;
use tower::ServiceExt;

fn layers() -> Vec<TenantLayer> {
    let text = TenantType::Text;
    vec![
        TenantLayer::header(),
        TenantLayer::header().tenant_type(text),
        TenantLayer::header().tenant_type(TenantType::Uuid),
        TenantLayer::subdomain(),
        TenantLayer::subdomain().tenant_type(text),
        TenantLayer::subdomain_of("example.com").tenant_type(text),
        TenantLayer::path_segment(0),
        TenantLayer::path_segment(1).tenant_type(text),
        TenantLayer::path_segment(2).tenant_type(TenantType::Integer),
        TenantLayer::header().or(TenantSource::subdomain()).or(TenantSource::path_segment(0)),
    ]
}

/// A request with whichever of these parts make a valid request; the rest are left out.
fn request(path: &str, host: &[u8], tenant: &[u8]) -> Request<Body> {
    let mut request = Request::new(Body::empty());
    if let Ok(uri) = path.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    if let Ok(host) = HeaderValue::from_bytes(host) {
        request.headers_mut().insert(HOST, host);
    }
    if let Ok(tenant) = HeaderValue::from_bytes(tenant) {
        request.headers_mut().insert("x-tenant-id", tenant);
    }
    request
}

fn answer(app: Router, request: Request<Body>) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async { Answer::of(app.oneshot(request).await.expect("infallible")).await })
}

fn check(answer: &Answer) -> Result<(), TestCaseError> {
    if answer.status == StatusCode::OK {
        answer.tenant();
        return Ok(());
    }
    prop_assert!(answer.status.is_client_error(), "{answer:?}");
    prop_assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let message = json_error(&answer.body);
    prop_assert!(message.is_some_and(|m| m.chars().count() < 200), "{answer:?}");
    Ok(())
}

/// Paths: any text, paths built of segments that URIs accept (numbers, percent escapes), and
/// absolute URIs.
fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof!["([a-zA-Z0-9._~!$&'()*+,;=:@-]|%[0-9a-fA-F]{2}|%){0,12}", "-?[0-9]{1,12}"];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(segment, 0..6).prop_map(|segments| format!("/{}", segments.join("/"))),
        "https?://[a-zA-Z0-9.:\\[\\]-]{0,30}(/[a-z0-9%]{0,8}){0,3}",
    ]
}

/// Hosts: any bytes, and host-shaped text (labels, ports, IP literals, odd dots).
fn host() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        "([a-zA-Z0-9_-]{0,10}\\.){0,4}(example\\.com|localhost|[a-z]{0,5})\\.?(:[0-9]{0,6})?"
            .prop_map(String::into_bytes),
        "\\[[0-9a-f:]{0,20}\\](:[0-9]{0,5})?|[0-9.]{0,15}".prop_map(String::into_bytes),
    ]
}

/// Tenant header values: any bytes, numbers, UUID-ish text, and long runs.
fn tenant() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        "-?[0-9]{0,25}".prop_map(String::into_bytes),
        "[0-9a-fA-F-]{30,40}".prop_map(String::into_bytes),
        "[a-z0-9]{500,2000}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_resolver_answers_a_tenant_or_a_json_4xx(path in path(), host in host(), tenant in tenant()) {
        for layer in layers() {
            let app = Router::new().route("/", get(echo)).route("/{*rest}", get(echo)).fallback(echo).layer(layer);
            check(&answer(app, request(&path, &host, &tenant)))?;
        }
    }
}
