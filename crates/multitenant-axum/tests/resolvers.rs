//! Each resolver, each rejection (status and JSON body), the configurable 401, the 404 hook,
//! and the extractor with and without the layer.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use axum::routing::{get, post};
use common::{Answer, echo, get as request, send};
use multitenant::{Scope, TenantId, TenantType};
use multitenant_axum::{MissingStatus, RejectionKind, Tenant, TenantLayer, TenantRejection, TenantSource};

fn app(layer: TenantLayer) -> Router {
    Router::new().route("/", get(echo)).route("/{*rest}", get(echo)).layer(layer)
}

async fn header(layer: TenantLayer, value: &str) -> Answer {
    send(&app(layer), request("/", &[("x-tenant-id", value)])).await
}

async fn host(layer: TenantLayer, host: &str) -> Answer {
    send(&app(layer), request("/", &[("host", host)])).await
}

async fn path(layer: TenantLayer, path: &str) -> Answer {
    send(&app(layer), request(path, &[])).await
}

// Header.

#[tokio::test]
async fn the_header_resolver_reads_x_tenant_id_as_a_bigint() {
    assert_eq!(header(TenantLayer::header(), "42").await.tenant(), "42");
}

#[tokio::test]
async fn a_missing_header_is_a_400_saying_what_to_send() {
    let answer = send(&app(TenantLayer::header()), request("/", &[])).await;
    let message = answer.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, "missing tenant: send the x-tenant-id header with the tenant id");
}

#[tokio::test]
async fn an_empty_header_counts_as_missing() {
    let message = header(TenantLayer::header(), "").await.error(StatusCode::BAD_REQUEST);
    assert!(message.starts_with("missing tenant"), "{message}");
}

#[tokio::test]
async fn an_unparseable_header_is_a_400_naming_the_type() {
    let message = header(TenantLayer::header(), "acme").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(
        message,
        r#"invalid tenant "acme" in the x-tenant-id header: expected a tenant id of type bigint"#
    );
}

#[tokio::test]
async fn a_repeated_header_is_a_400() {
    let app = app(TenantLayer::header());
    let answer = send(&app, request("/", &[("x-tenant-id", "1"), ("x-tenant-id", "2")])).await;
    let message = answer.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, "invalid tenant: the x-tenant-id header is sent more than once: send it once");
}

#[tokio::test]
async fn a_header_that_is_not_utf8_is_a_400() {
    let mut request = request("/", &[]);
    let value = HeaderValue::from_bytes(b"\xff\xfe").expect("obs-text is a valid header value");
    request.headers_mut().insert("x-tenant-id", value);
    let message = send(&app(TenantLayer::header().tenant_type(TenantType::Text)), request).await;
    assert_eq!(
        message.error(StatusCode::BAD_REQUEST),
        "invalid tenant: the x-tenant-id header is not UTF-8 text"
    );
}

#[tokio::test]
async fn huge_values_are_not_echoed_back() {
    let huge = "9".repeat(10_000);
    let message = header(TenantLayer::header(), &huge).await.error(StatusCode::BAD_REQUEST);
    assert!(message.len() < 200, "{message}");
    assert!(message.contains(&format!("\"{}\"...", "9".repeat(32))), "{message}");
}

#[tokio::test]
async fn the_header_name_is_configurable() {
    let layer = || TenantLayer::header_named(HeaderName::from_static("x-store-id"));
    let app = app(layer());
    assert_eq!(send(&app, request("/", &[("X-Store-Id", "7")])).await.tenant(), "7");
    let message = header(layer(), "7").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, "missing tenant: send the x-store-id header with the tenant id");
}

#[tokio::test]
async fn the_tenant_type_is_configurable() {
    let uuid = "0b7e5a4c-3f7d-4c1e-9a51-2d0f8f6c1a23";
    assert_eq!(header(TenantLayer::header().tenant_type(TenantType::Uuid), uuid).await.tenant(), uuid);
    assert_eq!(header(TenantLayer::header().tenant_type(TenantType::Text), "acme").await.tenant(), "acme");
    // Found by the property test: the echo's separator inside a text tenant.
    assert_eq!(header(TenantLayer::header().tenant_type(TenantType::Text), "%%%|@").await.tenant(), "%%%|@");
    let too_big = header(TenantLayer::header().tenant_type(TenantType::Integer), "4294967296").await;
    assert!(too_big.error(StatusCode::BAD_REQUEST).ends_with("expected a tenant id of type integer"));
}

#[tokio::test]
async fn a_missing_tenant_can_be_a_401_and_an_invalid_one_stays_a_400() {
    let layer = || TenantLayer::header().missing_status(MissingStatus::Unauthorized);
    let missing = send(&app(layer()), request("/", &[])).await;
    assert!(missing.error(StatusCode::UNAUTHORIZED).starts_with("missing tenant: send"));
    header(layer(), "acme").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(header(layer(), "5").await.tenant(), "5");
}

// Subdomain.

#[tokio::test]
async fn the_subdomain_resolver_reads_the_first_label_of_the_host() {
    let text = || TenantLayer::subdomain().tenant_type(TenantType::Text);
    assert_eq!(host(text(), "acme.example.com").await.tenant(), "acme");
    assert_eq!(host(text(), "Acme.Example.com:8443").await.tenant(), "acme");
    assert_eq!(host(TenantLayer::subdomain(), "42.localhost:3000").await.tenant(), "42");
}

#[tokio::test]
async fn a_host_without_a_subdomain_is_missing_a_tenant() {
    for value in ["example.com", "localhost:3000", "127.0.0.1:8080", "[::1]:80"] {
        let message = host(TenantLayer::subdomain(), value).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(
            message,
            "missing tenant: send the request to the tenant's subdomain, as in <tenant>.example.com"
        );
    }
}

#[tokio::test]
async fn a_base_domain_fixes_where_the_subdomain_is() {
    let layer = || TenantLayer::subdomain_of(".Shop.Example.").tenant_type(TenantType::Text);
    assert_eq!(host(layer(), "acme.shop.example").await.tenant(), "acme");
    let elsewhere = host(layer(), "acme.example.com").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(
        elsewhere,
        "missing tenant: send the request to the tenant's subdomain, <tenant>.shop.example"
    );
    let nested = host(layer(), "a.b.shop.example").await.error(StatusCode::BAD_REQUEST);
    assert!(nested.starts_with(r#"invalid tenant "a.b": the subdomain must be one DNS label"#), "{nested}");
}

#[tokio::test]
async fn a_subdomain_that_is_not_the_tenant_type_is_a_400() {
    let message = host(TenantLayer::subdomain(), "acme.localhost").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, r#"invalid tenant "acme" in the subdomain: expected a tenant id of type bigint"#);
}

#[tokio::test]
async fn a_repeated_host_header_is_a_400() {
    let two_hosts = request("/", &[("host", "1.localhost"), ("host", "2.localhost")]);
    let message = send(&app(TenantLayer::subdomain()), two_hosts).await.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, "invalid tenant: the host header is sent more than once: send it once");
}

// Path segment.

#[tokio::test]
async fn the_path_resolver_reads_a_segment_by_position() {
    assert_eq!(path(TenantLayer::path_segment(1), "/t/42/ads").await.tenant(), "42");
    assert_eq!(path(TenantLayer::path_segment(0), "/42").await.tenant(), "42");
    let text = TenantLayer::path_segment(1).tenant_type(TenantType::Text);
    assert_eq!(path(text, "/t/o%27brien%20co/ads").await.tenant(), "o'brien co");
}

#[tokio::test]
async fn a_path_without_the_segment_is_missing_a_tenant() {
    for uri in ["/t", "/t/", "/t//ads", "/"] {
        let message = path(TenantLayer::path_segment(1), uri).await.error(StatusCode::BAD_REQUEST);
        assert_eq!(
            message, "missing tenant: send the tenant id as path segment 1 (the first segment is 0)",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_path_segment_that_does_not_parse_is_a_400() {
    let message = path(TenantLayer::path_segment(1), "/t/acme/ads").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, r#"invalid tenant "acme" in path segment 1: expected a tenant id of type bigint"#);
    let text = TenantLayer::path_segment(1).tenant_type(TenantType::Text);
    let message = path(text, "/t/%ff/ads").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(message, r#"invalid tenant "%ff": path segment 1 is not UTF-8 text"#);
}

// Function.

/// A stand-in for token verification: `Bearer tenant-<id>` names tenant `<id>`; tenants above
/// 100 do not exist; `Bearer text` resolves a tenant of the wrong type.
fn token_layer() -> TenantLayer {
    TenantLayer::from_fn(|parts| {
        Box::pin(async move {
            assert_eq!(multitenant::current_scope(), None, "the function runs before any scope");
            let token = parts.headers.get("authorization").and_then(|v| v.to_str().ok());
            let token = token
                .and_then(|t| t.strip_prefix("Bearer "))
                .ok_or_else(|| TenantRejection::missing("a bearer token"))?;
            if token == "text" {
                return Ok(TenantId::from("text"));
            }
            let claim = token.strip_prefix("tenant-").unwrap_or(token);
            let tenant = TenantType::BigInt.parse(claim)?;
            match tenant {
                TenantId::I64(id) if id > 100 => Err(TenantRejection::unknown(&tenant)),
                _ => Ok(tenant),
            }
        })
    })
}

async fn bearer(layer: TenantLayer, token: &str) -> Answer {
    send(&app(layer), request("/", &[("authorization", &format!("Bearer {token}"))])).await
}

#[tokio::test]
async fn the_function_resolver_returns_the_tenant() {
    assert_eq!(bearer(token_layer(), "tenant-7").await.tenant(), "7");
}

#[tokio::test]
async fn the_function_resolver_rejects_missing_unknown_and_invalid_tenants() {
    let missing = send(&app(token_layer()), request("/", &[])).await;
    assert_eq!(missing.error(StatusCode::BAD_REQUEST), "missing tenant: send a bearer token");
    let unknown = bearer(token_layer(), "tenant-101").await.error(StatusCode::NOT_FOUND);
    assert_eq!(unknown, r#"unknown tenant "101": check the tenant id"#);
    let invalid = bearer(token_layer(), "tenant-x").await.error(StatusCode::BAD_REQUEST);
    assert_eq!(invalid, r#"invalid tenant "x": expected a tenant id of type bigint"#);
}

#[tokio::test]
async fn the_function_resolver_answers_401_when_configured() {
    let layer = token_layer().missing_status(MissingStatus::Unauthorized);
    let missing = send(&app(layer), request("/", &[])).await;
    assert_eq!(missing.error(StatusCode::UNAUTHORIZED), "missing tenant: send a bearer token");
}

#[tokio::test]
async fn a_function_returning_the_wrong_type_is_a_500_that_says_nothing_internal() {
    let message = bearer(token_layer(), "text").await.error(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(message, "internal error: the tenant could not be resolved");
}

#[tokio::test]
async fn the_function_can_use_what_an_outer_layer_verified() {
    #[derive(Clone)]
    struct Session {
        company_id: i64,
    }
    let layer = TenantLayer::from_fn(|parts| {
        Box::pin(async move {
            let session = parts
                .extensions
                .get::<Session>()
                .ok_or_else(|| TenantRejection::missing("a session cookie"))?;
            Ok(TenantId::from(session.company_id))
        })
    });
    let app = app(layer).layer(axum::Extension(Session { company_id: 12 }));
    assert_eq!(send(&app, request("/", &[])).await.tenant(), "12");
}

// Check hook.

/// Stores 1 and 2 exist; the check also proves it runs in the tenant's scope.
fn stores_exist(layer: TenantLayer) -> TenantLayer {
    layer.check(|_parts, tenant| {
        Box::pin(async move {
            assert_eq!(
                multitenant::current_tenant().as_ref(),
                Some(tenant),
                "the check runs in the tenant's scope"
            );
            let known = [TenantId::from(1_i64), TenantId::from(2_i64)];
            known.contains(tenant).then_some(()).ok_or_else(|| TenantRejection::unknown(tenant))
        })
    })
}

#[tokio::test]
async fn the_check_hook_rejects_an_unknown_tenant_with_404() {
    assert_eq!(header(stores_exist(TenantLayer::header()), "2").await.tenant(), "2");
    let message = header(stores_exist(TenantLayer::header()), "3").await.error(StatusCode::NOT_FOUND);
    assert_eq!(message, r#"unknown tenant "3": check the tenant id"#);
}

#[tokio::test]
async fn a_check_that_cannot_decide_fails_closed_with_a_503() {
    let failing = TenantLayer::header()
        .check(|_parts, _tenant| Box::pin(async { Err(TenantRejection::unavailable()) }));
    let message = header(failing, "1").await.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(message, "the tenant could not be checked; try again later");
}

#[tokio::test]
async fn the_check_hook_works_with_every_resolver() {
    assert_eq!(path(stores_exist(TenantLayer::path_segment(1)), "/t/1/ads").await.tenant(), "1");
    path(stores_exist(TenantLayer::path_segment(1)), "/t/9/ads").await.error(StatusCode::NOT_FOUND);
    host(stores_exist(TenantLayer::subdomain()), "9.localhost").await.error(StatusCode::NOT_FOUND);
    bearer(stores_exist(token_layer()), "tenant-9").await.error(StatusCode::NOT_FOUND);
    assert_eq!(bearer(stores_exist(token_layer()), "tenant-1").await.tenant(), "1");
}

#[tokio::test]
async fn the_check_is_not_run_when_the_request_has_no_tenant() {
    let layer = TenantLayer::header().check(|_, _| Box::pin(async { panic!("no tenant to check") }));
    send(&app(layer), request("/", &[])).await.error(StatusCode::BAD_REQUEST);
}

// Extractor.

#[tokio::test]
async fn the_extractor_returns_the_tenant_the_layer_resolved() {
    async fn handler(tenant: Tenant) -> String {
        assert_eq!(tenant.id(), &TenantId::from(8_i64));
        tenant.into_inner().to_string()
    }
    let app = Router::new().route("/", get(handler)).layer(TenantLayer::header());
    assert_eq!(send(&app, request("/", &[("x-tenant-id", "8")])).await.body, "8");
}

#[tokio::test]
async fn the_extractor_without_the_layer_is_a_json_500_saying_so() {
    let app = Router::new().route("/", get(echo));
    let answer = send(&app, request("/", &[("x-tenant-id", "8")])).await;
    assert_eq!(
        answer.error(StatusCode::INTERNAL_SERVER_ERROR),
        "internal error: the tenant layer is missing on this route"
    );
}

#[tokio::test]
async fn the_extractor_does_not_trust_a_scope_set_elsewhere() {
    let app = Router::new().route("/", get(echo));
    let answer = multitenant::with_tenant(5_i64, send(&app, request("/", &[]))).await;
    answer.error(StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn rejections_report_their_kind_and_status() {
    let missing = TenantRejection::missing("a token");
    assert_eq!((missing.kind(), missing.status()), (RejectionKind::Missing, StatusCode::BAD_REQUEST));
    let unknown = TenantRejection::unknown(&TenantId::from("acme"));
    assert_eq!((unknown.kind(), unknown.status()), (RejectionKind::Unknown, StatusCode::NOT_FOUND));
}

// Routes without a tenant.

#[tokio::test]
async fn admin_routes_beside_tenant_routes_run_unscoped() {
    async fn create_store() -> String {
        multitenant::unscoped(async { format!("{:?}", multitenant::current_scope()) }).await
    }
    let tenant_routes = Router::new().route("/ads", get(echo)).route_layer(TenantLayer::header());
    let app = tenant_routes.merge(Router::new().route("/stores", post(create_store)));

    let post = Request::post("/stores").body(Body::empty()).expect("request");
    assert_eq!(send(&app, post).await.body, format!("{:?}", Some(Scope::Unscoped)));
    assert_eq!(send(&app, request("/ads", &[("x-tenant-id", "3")])).await.tenant(), "3");
    send(&app, request("/ads", &[])).await.error(StatusCode::BAD_REQUEST);
    let unknown = send(&app, request("/nowhere", &[])).await;
    assert_eq!((unknown.status, unknown.content_type), (StatusCode::NOT_FOUND, None));
}

// Chained sources.

fn header_or_subdomain() -> TenantLayer {
    TenantLayer::header().or(TenantSource::subdomain())
}

#[tokio::test]
async fn a_chain_takes_the_first_source_that_finds_a_tenant() {
    let both = request("/", &[("x-tenant-id", "7"), ("host", "8.localhost:3000")]);
    assert_eq!(send(&app(header_or_subdomain()), both).await.tenant(), "7");
    assert_eq!(host(header_or_subdomain(), "8.localhost:3000").await.tenant(), "8");
    let three = header_or_subdomain().or(TenantSource::path_segment(1));
    assert_eq!(path(three, "/t/9").await.tenant(), "9");
}

#[tokio::test]
async fn a_malformed_tenant_is_refused_where_it_is_not_passed_over() {
    let cases = [
        (vec![("x-tenant-id", "1"), ("x-tenant-id", "2"), ("host", "8.localhost")], "is sent more than once"),
        (vec![("x-tenant-id", "acme"), ("host", "8.localhost")], "in the x-tenant-id header"),
        (vec![("host", "acme.localhost")], "in the subdomain"),
        (vec![("host", "a.b.localhost")], "in the subdomain"),
    ];
    for (headers, expected) in cases {
        let message =
            send(&app(header_or_subdomain()), request("/", &headers)).await.error(StatusCode::BAD_REQUEST);
        assert!(message.contains(expected), "{headers:?}: {message}");
    }
}

#[tokio::test]
async fn a_chain_that_finds_nothing_names_every_place_it_looked() {
    for headers in
        [vec![], vec![("host", "127.0.0.1:3000")], vec![("host", "localhost")], vec![("x-tenant-id", "")]]
    {
        let answer = send(&app(header_or_subdomain()), request("/", &headers)).await;
        assert_eq!(
            answer.error(StatusCode::BAD_REQUEST),
            "missing tenant: send the x-tenant-id header with the tenant id, or the request to the \
             tenant's subdomain, as in <tenant>.example.com",
            "{headers:?}"
        );
    }
    let unauthorized = header_or_subdomain().missing_status(MissingStatus::Unauthorized);
    let answer = send(&app(unauthorized), request("/", &[])).await;
    assert!(answer.error(StatusCode::UNAUTHORIZED).starts_with("missing tenant"));
}

#[tokio::test]
async fn a_function_ends_a_chain_and_the_check_runs_on_whichever_source_found_the_tenant() {
    let layer = TenantLayer::header()
        .or(TenantSource::from_fn(|_parts| Box::pin(async { Ok(TenantId::from(5_i64)) })))
        .check(|_parts, tenant| {
            let known = *tenant != TenantId::from(6_i64);
            let tenant = tenant.clone();
            Box::pin(async move { known.then_some(()).ok_or_else(|| TenantRejection::unknown(&tenant)) })
        });
    assert_eq!(header(layer.clone(), "4").await.tenant(), "4");
    assert_eq!(send(&app(layer.clone()), request("/", &[])).await.tenant(), "5");
    header(layer, "6").await.error(StatusCode::NOT_FOUND);
}
