//! Which store a request is for: the `X-Tenant-Id` header, else the subdomain of `Host`
//! (`{store_id}.localhost`), and then whether that store exists.
//!
//! Missing: 400. Not a number: 400. No such store: 404. Each a JSON body, from the layer.

use axum::http::header::HOST;
use axum::http::request::Parts;
use multitenant::{TenantId, TenantType};
use multitenant_axum::{TenantLayer, TenantRejection};

use crate::db::Db;

/// The header that names the store.
const HEADER: &str = "x-tenant-id";

/// The layer for the store routes: resolves the store and runs the handler in its scope.
pub(crate) fn layer(db: Db) -> TenantLayer {
    TenantLayer::from_fn(|parts| Box::pin(async move { resolve(parts) })).check(move |_parts, store| {
        let db = db.clone();
        Box::pin(async move { check(&db, store).await })
    })
}

/// The store the request names, by the header, else by the subdomain.
fn resolve(parts: &Parts) -> Result<TenantId, TenantRejection> {
    let named = header(parts).or_else(|| subdomain(parts));
    let text = named.ok_or_else(|| {
        TenantRejection::missing(
            "the X-Tenant-Id header with the store id, or a request to <store id>.localhost",
        )
    })?;
    Ok(TenantType::BigInt.parse(&text)?)
}

/// The header's text; several values are joined, so they read as no store id (400).
fn header(parts: &Parts) -> Option<String> {
    let values: Vec<_> =
        parts.headers.get_all(HEADER).iter().map(|v| String::from_utf8_lossy(v.as_bytes())).collect();
    Some(values.join(",")).filter(|text| !text.is_empty())
}

/// The first label of a `Host` of the form `<label>.localhost[:port]`.
fn subdomain(parts: &Parts) -> Option<String> {
    let host = parts.headers.get(HOST)?.to_str().ok()?;
    let name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    let label = name.to_ascii_lowercase().strip_suffix(".localhost")?.to_owned();
    Some(label).filter(|label| !label.is_empty() && !label.contains('.'))
}

/// Runs in the store's scope: the scoped `stores` table holds its row, or none.
///
/// Whether the store exists; a failed lookup answers 503 (the request goes no further).
async fn check(db: &Db, store: &TenantId) -> Result<(), TenantRejection> {
    match db.store_exists().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(TenantRejection::unknown(store)),
        Err(error) => {
            tracing::error!(%error, "checking the store failed");
            Err(TenantRejection::unavailable())
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().uri("/products");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_header_comes_before_the_subdomain() {
        let both = parts(&[("x-tenant-id", "7"), ("host", "8.localhost:3000")]);
        assert_eq!(resolve(&both).ok(), Some(TenantId::from(7_i64)));
        assert_eq!(resolve(&parts(&[("host", "8.localhost:3000")])).ok(), Some(TenantId::from(8_i64)));
        assert_eq!(resolve(&parts(&[("host", "8.LOCALHOST")])).ok(), Some(TenantId::from(8_i64)));
    }

    #[test]
    fn missing_or_malformed_stores_are_400() {
        for headers in [
            &[][..],
            &[("host", "127.0.0.1:3000")],
            &[("host", "localhost")],
            &[("host", "a.b.localhost")],
            &[("x-tenant-id", "")],
            &[("x-tenant-id", "acme")],
            &[("host", "acme.localhost")],
            &[("x-tenant-id", "1"), ("x-tenant-id", "2")],
        ] {
            let rejection = resolve(&parts(headers)).expect_err("no store");
            assert_eq!(rejection.status(), 400, "{headers:?}");
        }
    }
}
