//! Why a request got no tenant, and the JSON response that says so.

use std::borrow::Cow;
use std::fmt;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use multitenant::{InvalidTenant, TenantId, TenantType};

/// Why the layer answered instead of the service: no tenant, a malformed one, an unknown one,
/// or a misconfigured server.
///
/// Its response ([`IntoResponse`]) is `{"error": "<message>"}` with `content-type:
/// application/json`, where the message is this error's [`Display`](fmt::Display): it says what
/// is wrong and what to send, shows at most the first 32 characters of any value the request
/// sent, and nothing about the server beyond the layer's own configuration (which header, which
/// domain).
///
/// A resolver function or a check hook builds one with [`missing`](Self::missing),
/// [`unknown`](Self::unknown) or from an [`InvalidTenant`] (`?` on [`TenantType::parse`]).
///
/// ```
/// use axum::http::StatusCode;
/// use multitenant::TenantType;
/// use multitenant_axum::{RejectionKind, TenantRejection};
///
/// let rejection = TenantRejection::from(TenantType::BigInt.parse("acme").unwrap_err());
/// assert_eq!(rejection.kind(), RejectionKind::Invalid);
/// assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
/// assert_eq!(rejection.to_string(), r#"invalid tenant "acme": expected a tenant id of type bigint"#);
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct TenantRejection(Repr);

/// What kind of [`TenantRejection`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// The request names no tenant: `400 Bad Request`, or `401 Unauthorized` when the layer is
    /// configured so ([`MissingStatus`]).
    Missing,
    /// The request names a tenant that does not read as one (not the tenant type, not text,
    /// sent twice): `400 Bad Request`.
    Invalid,
    /// The tenant is well formed but not known, or not the caller's: `404 Not Found`.
    Unknown,
    /// The server is misconfigured (the layer is missing on a route that extracts
    /// [`Tenant`](crate::Tenant), or a resolver returned a tenant of the wrong type): `500
    /// Internal Server Error`.
    Misconfigured,
    /// A resolver or check could not decide (its lookup failed): `503 Service Unavailable`,
    /// and the request goes no further.
    Unavailable,
}

/// The status of a request that names no tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MissingStatus {
    /// `400 Bad Request` (the default): the client should have named a tenant.
    #[default]
    BadRequest,
    /// `401 Unauthorized`: the tenant comes with the credentials, and there were none.
    Unauthorized,
}

impl RejectionKind {
    /// The status of a rejection of this kind (a missing tenant's, unless the layer says 401).
    fn status(self) -> StatusCode {
        match self {
            Self::Missing | Self::Invalid => StatusCode::BAD_REQUEST,
            Self::Unknown => StatusCode::NOT_FOUND,
            Self::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl MissingStatus {
    fn code(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }
}

/// Where in the request the layer read the tenant, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Header(HeaderName),
    Host,
    Subdomain,
    PathSegment(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header(name) => write!(f, "the {name} header"),
            Self::Host => f.write_str("the host header"),
            Self::Subdomain => f.write_str("the subdomain"),
            Self::PathSegment(index) => write!(f, "path segment {index}"),
        }
    }
}

/// What is wrong with a tenant the request named, besides its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// The value is not UTF-8 text.
    NotText,
    /// The place holds several values (a repeated header).
    Repeated,
    /// A subdomain that is not one DNS label (letters, digits, `-`).
    NotLabel,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotText => "is not UTF-8 text",
            Self::Repeated => "is sent more than once: send it once",
            Self::NotLabel => "must be one DNS label (letters, digits and '-')",
        })
    }
}

/// The structured cause behind a [`TenantRejection`].
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum Repr {
    #[error("missing tenant: send {expected}")]
    Missing { expected: Cow<'static, str>, status: MissingStatus },
    #[error("invalid tenant: {place} {malformed}")]
    Malformed { place: Place, malformed: Malformed },
    #[error("invalid tenant {value}: {place} {malformed}")]
    MalformedValue { place: Place, value: Shown, malformed: Malformed },
    #[error("invalid tenant {}{}: expected a tenant id of type {}", Shown::new(.source.value()), In(.place), .source.tenant_type())]
    Parse {
        place: Option<Place>,
        #[source]
        source: InvalidTenant,
    },
    #[error("unknown tenant {tenant}: check the tenant id")]
    Unknown { tenant: Shown },
    #[error("internal error: the tenant could not be resolved")]
    WrongType { expected: TenantType, found: TenantType },
    #[error("internal error: the tenant layer is missing on this route")]
    LayerMissing,
    #[error("the tenant could not be checked; try again later")]
    CheckFailed,
}

/// ` in <place>`, or nothing.
struct In<'a>(&'a Option<Place>);

impl fmt::Display for In<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(place) => write!(f, " in {place}"),
            None => Ok(()),
        }
    }
}

/// A value from the request as a message shows it: quoted and escaped, at most
/// [`Shown::LIMIT`] characters, then `...`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Shown(String);

impl Shown {
    pub(crate) const LIMIT: usize = 32;

    pub(crate) fn new(value: &str) -> Self {
        match value.char_indices().nth(Self::LIMIT) {
            Some((end, _)) => Self(format!("{:?}...", &value[..end])),
            None => Self(format!("{value:?}")),
        }
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TenantRejection {
    /// The request names no tenant; `expected` says what to send ("a session cookie", "a
    /// bearer token"), and the message reads `missing tenant: send <expected>`.
    ///
    /// The status is the layer's [`MissingStatus`] (400 unless configured to 401).
    pub fn missing(expected: impl Into<Cow<'static, str>>) -> Self {
        Self(Repr::Missing { expected: expected.into(), status: MissingStatus::default() })
    }

    /// The tenant is well formed but unknown (no such store), or not the caller's: `404 Not
    /// Found`. Answering 404 for a tenant the caller may not use, rather than 403, does not
    /// tell them which tenants exist.
    pub fn unknown(tenant: &TenantId) -> Self {
        Self(Repr::Unknown { tenant: Shown::new(&tenant.to_string()) })
    }

    /// A resolver or check could not decide whether the tenant is valid (say, its database
    /// lookup failed): `503 Service Unavailable`, so the request fails closed rather than
    /// going on unchecked. Log the cause yourself; the message names none of it.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use multitenant_axum::TenantRejection;
    ///
    /// let rejection = TenantRejection::unavailable();
    /// assert_eq!(rejection.status(), StatusCode::SERVICE_UNAVAILABLE);
    /// assert_eq!(rejection.to_string(), "the tenant could not be checked; try again later");
    /// ```
    pub fn unavailable() -> Self {
        Self(Repr::CheckFailed)
    }

    /// The kind of rejection.
    pub fn kind(&self) -> RejectionKind {
        match &self.0 {
            Repr::Missing { .. } => RejectionKind::Missing,
            Repr::Malformed { .. } | Repr::MalformedValue { .. } | Repr::Parse { .. } => {
                RejectionKind::Invalid
            }
            Repr::Unknown { .. } => RejectionKind::Unknown,
            Repr::WrongType { .. } | Repr::LayerMissing => RejectionKind::Misconfigured,
            Repr::CheckFailed => RejectionKind::Unavailable,
        }
    }

    /// The status the response carries.
    pub fn status(&self) -> StatusCode {
        match (&self.0, self.kind()) {
            (Repr::Missing { status, .. }, _) => status.code(),
            (_, kind) => kind.status(),
        }
    }

    /// What a missing tenant's message says to send.
    pub(crate) fn expected(&self) -> Option<&str> {
        match &self.0 {
            Repr::Missing { expected, .. } => Some(expected),
            _ => None,
        }
    }

    pub(crate) fn malformed(place: Place, malformed: Malformed) -> Self {
        Self(Repr::Malformed { place, malformed })
    }

    pub(crate) fn malformed_value(place: Place, value: &str, malformed: Malformed) -> Self {
        Self(Repr::MalformedValue { place, value: Shown::new(value), malformed })
    }

    pub(crate) fn parse(place: Place, source: InvalidTenant) -> Self {
        Self(Repr::Parse { place: Some(place), source })
    }

    pub(crate) fn wrong_type(expected: TenantType, found: TenantType) -> Self {
        Self(Repr::WrongType { expected, found })
    }

    pub(crate) fn layer_missing() -> Self {
        Self(Repr::LayerMissing)
    }

    /// The same rejection, answering a missing tenant with `status`.
    pub(crate) fn with_missing_status(self, status: MissingStatus) -> Self {
        match self.0 {
            Repr::Missing { expected, .. } => Self(Repr::Missing { expected, status }),
            other => Self(other),
        }
    }
}

impl From<InvalidTenant> for TenantRejection {
    /// A value that does not read as the tenant type: `400 Bad Request`.
    fn from(source: InvalidTenant) -> Self {
        Self(Repr::Parse { place: None, source })
    }
}

impl IntoResponse for TenantRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_are_quoted_and_cut_after_the_limit() {
        assert_eq!(Shown::new("acme").to_string(), r#""acme""#);
        let long = "é".repeat(100);
        let shown = Shown::new(&long).to_string();
        assert_eq!(shown, format!("{:?}...", "é".repeat(Shown::LIMIT)));
        assert_eq!(Shown::new("a\"b\n").to_string(), r#""a\"b\n""#);
    }

    #[test]
    fn the_missing_status_applies_to_missing_only() {
        let missing = TenantRejection::missing("a token").with_missing_status(MissingStatus::Unauthorized);
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        let unknown =
            TenantRejection::unknown(&TenantId::from(7_i64)).with_missing_status(MissingStatus::Unauthorized);
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn misconfiguration_messages_name_nothing_internal() {
        let wrong = TenantRejection::wrong_type(TenantType::BigInt, TenantType::Text);
        assert_eq!(wrong.to_string(), "internal error: the tenant could not be resolved");
        assert_eq!(wrong.kind(), RejectionKind::Misconfigured);
    }
}
