//! Reading a tenant's text from the request: a header, the subdomain of the host, a path
//! segment. Each reader answers the text, or the rejection for a request that has none or a
//! malformed one; none of them panics on any input.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use axum::http::header::HOST;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};
use percent_encoding::percent_decode_str;

use crate::error::{Malformed, Place, TenantRejection};

/// The text of the single `name` header.
pub(crate) fn header<'r>(headers: &'r HeaderMap, name: &HeaderName) -> Result<&'r str, TenantRejection> {
    let place = || Place::Header(name.clone());
    let text = single_header(headers, name, place)?.filter(|text| !text.is_empty());
    text.ok_or_else(|| TenantRejection::missing(format!("{} with the tenant id", place())))
}

/// The first label of the host, lower-cased: the one before `base` when it is set, otherwise
/// that of a host with at least three labels or of `<label>.localhost`.
pub(crate) fn subdomain(
    headers: &HeaderMap,
    uri: &Uri,
    base: Option<&str>,
) -> Result<String, TenantRejection> {
    let host = single_header(headers, &HOST, || Place::Host)?.or_else(|| uri.host());
    let name = host.and_then(hostname).map(|name| name.to_ascii_lowercase());
    let label = name.as_deref().and_then(|name| label_of(name, base)).filter(|label| !label.is_empty());
    let label = label.ok_or_else(|| missing_subdomain(base))?;
    if label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(label.to_owned())
    } else {
        Err(TenantRejection::malformed_value(Place::Subdomain, label, Malformed::NotLabel))
    }
}

/// Segment `index` of the path (`/0/1/2`), percent-decoded.
pub(crate) fn path_segment(uri: &Uri, index: usize) -> Result<Cow<'_, str>, TenantRejection> {
    let path = uri.path();
    let segments = path.strip_prefix('/').unwrap_or(path).split('/');
    let segment = segments.into_iter().nth(index).filter(|segment| !segment.is_empty());
    let segment = segment.ok_or_else(|| {
        TenantRejection::missing(format!("the tenant id as path segment {index} (the first segment is 0)"))
    })?;
    percent_decode_str(segment)
        .decode_utf8()
        .map_err(|_| TenantRejection::malformed_value(Place::PathSegment(index), segment, Malformed::NotText))
}

/// The text of a header sent at most once.
fn single_header<'r>(
    headers: &'r HeaderMap,
    name: &HeaderName,
    place: impl Fn() -> Place,
) -> Result<Option<&'r str>, TenantRejection> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(value), None) => {
            text(value).map(Some).ok_or_else(|| TenantRejection::malformed(place(), Malformed::NotText))
        }
        (Some(_), Some(_)) => Err(TenantRejection::malformed(place(), Malformed::Repeated)),
    }
}

fn text(value: &HeaderValue) -> Option<&str> {
    std::str::from_utf8(value.as_bytes()).ok()
}

/// The host name without its port and final dot; `None` for an IP address, which has no
/// subdomain.
fn hostname(host: &str) -> Option<&str> {
    if host.starts_with('[') {
        return None;
    }
    let name = host.split(':').next().unwrap_or(host);
    let name = name.strip_suffix('.').unwrap_or(name);
    name.parse::<Ipv4Addr>().is_err().then_some(name)
}

fn label_of<'n>(name: &'n str, base: Option<&str>) -> Option<&'n str> {
    match base {
        Some(base) => name.strip_suffix(base)?.strip_suffix('.'),
        None => {
            let (first, rest) = name.split_once('.')?;
            (rest == "localhost" || rest.contains('.')).then_some(first)
        }
    }
}

fn missing_subdomain(base: Option<&str>) -> TenantRejection {
    TenantRejection::missing(match base {
        Some(base) => format!("the request to the tenant's subdomain, <tenant>.{base}"),
        None => "the request to the tenant's subdomain, as in <tenant>.example.com".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(value).expect(value));
        headers
    }

    #[test]
    fn subdomains_without_a_base_domain() {
        let uri = Uri::from_static("/");
        let cases = [
            ("acme.example.com", Some("acme")),
            ("ACME.Example.com:8080", Some("acme")),
            ("acme.example.com.", Some("acme")),
            ("42.localhost", Some("42")),
            ("42.localhost:3000", Some("42")),
            ("example.com", None),
            ("localhost", None),
            ("127.0.0.1", None),
            ("127.0.0.1:80", None),
            ("[::1]:80", None),
            (".example.com", None),
        ];
        for (value, expected) in cases {
            let read = subdomain(&host(value), &uri, None).ok();
            assert_eq!(read.as_deref(), expected, "{value}");
        }
    }

    #[test]
    fn subdomains_of_a_base_domain() {
        let uri = Uri::from_static("/");
        let base = Some("example.com");
        assert_eq!(subdomain(&host("acme.example.com"), &uri, base).ok().as_deref(), Some("acme"));
        for value in ["example.com", "acmeexample.com", "acme.example.org", "acme.localhost"] {
            assert!(subdomain(&host(value), &uri, base).is_err(), "{value}");
        }
        let nested = subdomain(&host("a.b.example.com"), &uri, base).expect_err("two labels");
        assert_eq!(
            nested.to_string(),
            r#"invalid tenant "a.b": the subdomain must be one DNS label (letters, digits and '-')"#
        );
    }

    #[test]
    fn the_host_of_an_absolute_uri_serves_when_there_is_no_host_header() {
        let uri = Uri::from_static("http://acme.example.com/ads");
        assert_eq!(subdomain(&HeaderMap::new(), &uri, None).ok().as_deref(), Some("acme"));
    }

    #[test]
    fn path_segments_count_from_zero_and_are_decoded() {
        let uri = Uri::from_static("/t/ac%20me/ads");
        assert_eq!(path_segment(&uri, 0).ok().as_deref(), Some("t"));
        assert_eq!(path_segment(&uri, 1).ok().as_deref(), Some("ac me"));
        assert!(path_segment(&uri, 3).is_err());
        assert!(path_segment(&Uri::from_static("/t//ads"), 1).is_err());
        assert!(path_segment(&Uri::from_static("/t/%ff"), 1).is_err());
    }
}
