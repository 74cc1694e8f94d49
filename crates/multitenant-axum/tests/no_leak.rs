//! The tenant never leaks between requests: a real axum server on `127.0.0.1:0`, on the
//! multi-threaded runtime, answers thousands of concurrent HTTP requests for 50 tenants; its
//! handler reads the scope around yields, sleeps and a spawned task, rewrites a statement with
//! the core `Rewriter`, and reports what it saw at each point.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use multitenant::{Dialect, Rewriter, Schema, TenantBinding};
use multitenant_axum::{Tenant, TenantLayer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const REQUESTS: usize = 5000;
const TENANTS: usize = 50;
const IN_FLIGHT: usize = 256;

fn seen() -> String {
    multitenant::current_tenant().map_or_else(|| "none".to_owned(), |t| t.to_string())
}

/// What the handler saw: the extractor's tenant, then the scope at each point, `|`-separated.
async fn handler(State(rewriter): State<Arc<Rewriter>>, Tenant(tenant): Tenant) -> String {
    let mut views = vec![tenant.to_string(), seen()];
    tokio::task::yield_now().await;
    views.push(seen());
    tokio::time::sleep(Duration::from_millis(1)).await;
    views.push(seen());
    let spawned = multitenant::spawn(async {
        tokio::task::yield_now().await;
        seen()
    });
    views.push(spawned.await.unwrap_or_else(|_| "panicked".to_owned()));
    views.push(rewritten_for(&rewriter));
    tokio::task::yield_now().await;
    views.push(seen());
    views.join("|")
}

/// The tenant the rewriter bound in a scoped statement.
fn rewritten_for(rewriter: &Rewriter) -> String {
    let sql = "SELECT a.id FROM ads a JOIN campaigns c ON a.campaign_id = c.id WHERE a.id = $1";
    match rewriter.rewrite(sql) {
        Ok(scoped) => match scoped.tenant_parameter().map(|p| p.binding()) {
            Some(TenantBinding::One(tenant)) => tenant.to_string(),
            other => format!("binding {other:?}"),
        },
        Err(error) => format!("error {error}"),
    }
}

fn rewriter() -> Rewriter {
    let schema = Schema::builder()
        .tenant_table("ads", "company_id")
        .tenant_table("campaigns", "company_id")
        .build()
        .expect("schema");
    Rewriter::new(schema, Dialect::Postgres)
}

async fn serve() -> std::net::SocketAddr {
    let app = Router::new()
        .route("/ads", get(handler))
        .layer(TenantLayer::header())
        .with_state(Arc::new(rewriter()));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// Sends one request for `tenant` and answers the body.
async fn ask(client: &HttpClient, addr: std::net::SocketAddr, tenant: usize) -> Result<String, String> {
    let request = Request::get(format!("http://{addr}/ads"))
        .header("x-tenant-id", tenant.to_string())
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    if status == StatusCode::OK { Ok(body) } else { Err(format!("{status}: {body}")) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_tenant_never_leaks_between_concurrent_requests() {
    let addr = serve().await;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut requests = JoinSet::new();
    for i in 0..REQUESTS {
        let (client, permits) = (client.clone(), Arc::clone(&permits));
        let tenant = i % TENANTS + 1;
        requests.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore");
            (tenant, ask(&client, addr, tenant).await)
        });
    }
    let answers = tokio::time::timeout(Duration::from_secs(120), requests.join_all()).await.expect("in time");

    assert_eq!(answers.len(), REQUESTS);
    for (tenant, answer) in answers {
        let expected = vec![tenant.to_string(); 7].join("|");
        assert_eq!(answer.as_deref(), Ok(expected.as_str()), "request for tenant {tenant}");
    }
}
