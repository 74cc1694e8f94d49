//! Helpers shared by the integration tests: send a request through a router, read the answer.

#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use multitenant_axum::Tenant;
use tower::ServiceExt;

/// A handler that answers the tenant the extractor gave and the one in scope, as `a|b`.
pub async fn echo(Tenant(tenant): Tenant) -> String {
    let scoped = multitenant::current_tenant().map(|t| t.to_string()).unwrap_or_default();
    format!("{tenant}|{scoped}")
}

/// What a router answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: String,
}

impl Answer {
    pub async fn of(response: Response) -> Self {
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        Self { status, content_type, body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body") }
    }

    /// The tenant the `echo` handler saw, after checking that the extractor and the scope agree.
    pub fn tenant(&self) -> &str {
        assert_eq!(self.status, StatusCode::OK, "{self:?}");
        // The body is `<extracted>|<scoped>`, and a text tenant may hold `|` itself: when they
        // agree, the body is `x|x`, split in the middle.
        let split = self.body.split_at_checked(self.body.len() / 2);
        let agree = split.is_some_and(|(extracted, rest)| rest.strip_prefix('|') == Some(extracted));
        assert!(agree, "the extractor and the scope disagree: {self:?}");
        split.map_or("", |(extracted, _)| extracted)
    }

    /// The message of a JSON rejection, after checking its status and content type and that the
    /// body is exactly `{"error": "<message>"}`.
    pub fn error(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type.as_deref(), Some("application/json"), "{self:?}");
        json_error(&self.body).unwrap_or_else(|| panic!("not {{\"error\": string}}: {self:?}"))
    }
}

/// The message of a `{"error": "<message>"}` body, if it is exactly that.
pub fn json_error(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let object = value.as_object().filter(|o| o.len() == 1)?;
    object.get("error")?.as_str().map(str::to_owned)
}

/// Sends `request` through `app`.
pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    Answer::of(app.clone().oneshot(request).await.expect("infallible")).await
}

/// A GET of `uri` with `headers`.
pub fn get(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).expect("request")
}
