//! Helpers for transport authors: timeouts, capped reads, bodies.

use std::io::Read;
use std::time::Duration;

use super::TransportError;
use crate::http_types::{HttpResponse, RequestTimeout};

/// The overall timeout for a request with these extensions: the smaller of the transport's
/// own and the request's [`RequestTimeout`] (the time left before the client's deadline),
/// when it has one.
///
/// ```
/// use dingtalk_notify_proto::transport::{effective_timeout, RequestTimeout};
/// use std::time::Duration;
/// let mut request = http::Request::new(Vec::<u8>::new());
/// let own = Duration::from_secs(30);
/// assert_eq!(effective_timeout(request.extensions(), own), own);
/// request.extensions_mut().insert(RequestTimeout(Duration::from_secs(2)));
/// assert_eq!(effective_timeout(request.extensions(), own), Duration::from_secs(2));
/// ```
pub fn effective_timeout(extensions: &http::Extensions, own: Duration) -> Duration {
    extensions
        .get::<RequestTimeout>()
        .map_or(own, |t| t.0.min(own))
}

/// Reads a whole body, failing with [`TransportErrorKind::BodyTooLarge`] rather than
/// buffering more than `max` bytes. It reads one byte more than allowed, so "exactly the
/// cap" and "over it" differ, and reserves nothing from a declared length (a server can
/// lie). A read error becomes `on_error(error)`.
///
/// [`TransportErrorKind::BodyTooLarge`]: super::TransportErrorKind::BodyTooLarge
///
/// ```
/// use dingtalk_notify_proto::transport::{read_capped, TransportError, TransportErrorKind};
/// let io = |_e: std::io::Error| TransportError::new(TransportErrorKind::Interrupted, "read failed");
/// assert_eq!(read_capped(&b"12345"[..], 5, io)?, b"12345");
/// let err = read_capped(&b"123456"[..], 5, io).unwrap_err();
/// assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
/// # Ok::<(), TransportError>(())
/// ```
///
/// # Errors
/// [`TransportError::body_too_large`] over the cap, `on_error`'s error when a read fails.
pub fn read_capped<R: Read, E>(
    reader: R,
    max: usize,
    on_error: impl FnOnce(std::io::Error) -> E,
) -> Result<Vec<u8>, E>
where
    E: From<TransportError>,
{
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(on_error)?;
    if bytes.len() > max {
        return Err(TransportError::body_too_large(max).into());
    }
    Ok(bytes)
}

/// A response made of the parts an HTTP library returned and the body read, leaving the
/// library's extensions behind (they may hold the request URI, token and all).
pub fn fresh_response(
    status: http::StatusCode,
    version: http::Version,
    headers: http::HeaderMap,
    body: Vec<u8>,
) -> HttpResponse {
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    *out.version_mut() = version;
    *out.headers_mut() = headers;
    out
}

/// Whether a request with this method sends an empty body as no body at all (no
/// `Content-Length: 0`): `GET`, `HEAD`, `DELETE`, `OPTIONS`, `TRACE`, `CONNECT`. A helper for
/// transport authors.
///
/// ```
/// use dingtalk_notify_proto::{http::Method, transport::omits_empty_body};
/// assert!(omits_empty_body(&Method::GET));
/// assert!(!omits_empty_body(&Method::POST));
/// ```
pub fn omits_empty_body(method: &http::Method) -> bool {
    use http::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ]
    .contains(method)
}

/// Whether a response's `Content-Length` declares a body longer than `max` bytes, so a
/// transport can refuse it without reading. Answers that carry no body (to `HEAD`, 1xx, 204,
/// 304) never do. A helper for transport authors; a transport must still cap what it reads,
/// since a server can understate the length.
///
/// ```
/// use dingtalk_notify_proto::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
/// use dingtalk_notify_proto::transport::declared_body_exceeds;
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
/// assert!(declared_body_exceeds(&Method::GET, StatusCode::OK, &headers, 10));
/// assert!(!declared_body_exceeds(&Method::HEAD, StatusCode::OK, &headers, 10));
/// ```
pub fn declared_body_exceeds(
    method: &http::Method,
    status: http::StatusCode,
    headers: &http::HeaderMap,
    max: usize,
) -> bool {
    let bodiless = method == http::Method::HEAD
        || status.is_informational()
        || status == http::StatusCode::NO_CONTENT
        || status == http::StatusCode::NOT_MODIFIED;
    if bodiless {
        return false;
    }
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|len| len > u64::try_from(max).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{self, HeaderValue};
    use http::{HeaderMap, Method, StatusCode};

    #[test]
    fn declared_length_over_cap() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
        assert!(declared_body_exceeds(&Method::GET, StatusCode::OK, &h, 10));
        // Answers that carry no body, and a body within the cap, are never refused.
        for (method, status, max) in [
            (Method::GET, StatusCode::OK, 11),
            (Method::HEAD, StatusCode::OK, 10),
            (Method::GET, StatusCode::NO_CONTENT, 10),
            (Method::GET, StatusCode::NOT_MODIFIED, 10),
            (Method::GET, StatusCode::CONTINUE, 10),
        ] {
            assert!(
                !declared_body_exceeds(&method, status, &h, max),
                "{method} {status}"
            );
        }
        assert!(!declared_body_exceeds(
            &Method::GET,
            StatusCode::OK,
            &HeaderMap::new(),
            0
        ));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("junk"));
        assert!(!declared_body_exceeds(&Method::GET, StatusCode::OK, &h, 0));
    }

    #[test]
    fn empty_bodies_of_bodiless_methods_are_omitted() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::DELETE,
            Method::OPTIONS,
            Method::TRACE,
            Method::CONNECT,
        ] {
            assert!(omits_empty_body(&m), "{m}");
        }
        for m in [Method::POST, Method::PUT, Method::PATCH] {
            assert!(!omits_empty_body(&m), "{m}");
        }
    }
}
