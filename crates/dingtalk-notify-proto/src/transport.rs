//! The IO seam: [`Transport`] and the one generic build → send → parse helper, [`execute`].

use crate::base_url::BaseUrl;
use crate::endpoint::{Auth, Endpoint};
use crate::error::Error;

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as a transport returns it.
pub type HttpResponse = http::Response<Vec<u8>>;

/// A blocking HTTP transport.
///
/// # Contract
/// An implementation must:
/// - send the request as built (method, URI, headers, body), over TLS with certificate
///   verification for `https://`;
/// - **return every status as a response**: a 4xx or 5xx is an `Ok` response, never an error
///   (DingTalk's error details are in the body);
/// - **follow no redirects**: a 3xx is returned as it is;
/// - **enforce timeouts** (connect and overall) and return an error when one passes;
/// - **cap the body** it reads, failing rather than buffering without limit, and otherwise
///   return the whole body;
/// - never put the request URI (it holds the access token) in its errors;
/// - **never send a request twice on its own**: a request marked
///   [`Idempotency::NonIdempotent`] (a send) must not be re-sent by the HTTP library after a
///   reused connection dies (libcurl does exactly that: give such requests a fresh
///   connection); the [`Client`](crate::Client) decides what to repeat;
/// - honour a [`RequestTimeout`] extension when present, applying the smaller of it and its
///   own overall timeout.
///
/// Closures `Fn(HttpRequest) -> Result<HttpResponse, E>` are transports, which makes tests
/// and one-off integrations short:
///
/// ```
/// use dingtalk_notify_proto::{HttpRequest, HttpResponse, Transport};
/// let t = |_req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     Ok(http::Response::new(br#"{"errcode":0}"#.to_vec()))
/// };
/// # fn is_transport<T: Transport>(_: &T) {}
/// is_transport(&t);
/// ```
pub trait Transport {
    /// The transport's own error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends one request and returns the response, whatever its status.
    ///
    /// # Errors
    /// When no complete response could be had: connect, TLS, timeout, reset, body over cap.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error>;

    /// What kind of failure `error` is. The client retries a send only after failures that
    /// surely sent nothing ([`TransportErrorKind::Connect`]); the default, `Unknown`, is
    /// treated as ambiguous.
    fn classify(&self, error: &Self::Error) -> TransportErrorKind {
        let _ = error;
        TransportErrorKind::Unknown
    }
}

impl<F, E> Transport for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, E> {
        self(request)
    }
}

/// The kinds of transport failure, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Nothing reached the server: DNS, connection refused, TLS handshake, connect timeout.
    Connect,
    /// The request may have been sent, but no answer came in time.
    Timeout,
    /// The connection broke during the exchange (reset, early close).
    Interrupted,
    /// The body was larger than the transport's cap.
    BodyTooLarge,
    /// The server spoke malformed HTTP.
    Protocol,
    /// Unclassified: treated as ambiguous.
    Unknown,
}

impl TransportErrorKind {
    /// Whether the request surely never reached the server, so even a send may be repeated.
    pub fn nothing_sent(self) -> bool {
        self == Self::Connect
    }

    /// Whether a repeat might succeed (for calls that are safe to repeat).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Connect | Self::Timeout | Self::Interrupted | Self::Unknown
        )
    }

    /// The kind of an I/O failure, for transport authors: refused or unavailable addresses
    /// are [`Connect`](Self::Connect) (only possible while connecting: nothing was sent),
    /// broken or unreachable connections [`Interrupted`](Self::Interrupted) (they can follow
    /// a send), timeouts [`Timeout`](Self::Timeout), invalid data
    /// [`Protocol`](Self::Protocol), anything else [`Unknown`](Self::Unknown).
    ///
    /// ```
    /// use dingtalk_notify_proto::TransportErrorKind;
    /// use std::io::ErrorKind;
    /// assert_eq!(TransportErrorKind::from_io(ErrorKind::ConnectionRefused), TransportErrorKind::Connect);
    /// assert_eq!(TransportErrorKind::from_io(ErrorKind::ConnectionReset), TransportErrorKind::Interrupted);
    /// ```
    pub fn from_io(kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind as Io;
        match kind {
            Io::ConnectionRefused | Io::AddrNotAvailable => Self::Connect,
            Io::TimedOut | Io::WouldBlock => Self::Timeout,
            Io::ConnectionReset
            | Io::ConnectionAborted
            | Io::BrokenPipe
            | Io::UnexpectedEof
            | Io::NotConnected
            | Io::HostUnreachable
            | Io::NetworkUnreachable
            | Io::NetworkDown => Self::Interrupted,
            Io::InvalidData => Self::Protocol,
            _ => Self::Unknown,
        }
    }

    /// What happened, in a few words, to start an error message with.
    pub fn summary(self) -> &'static str {
        match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Interrupted => "connection interrupted",
            Self::BodyTooLarge => "response body too large",
            Self::Protocol => "malformed response",
            Self::Unknown => "request failed",
        }
    }
}

/// Build → send → parse, once, for any endpoint over any transport.
///
/// ```
/// use dingtalk_notify_proto::api::getsendprogress::GetSendProgress;
/// use dingtalk_notify_proto::{execute, AccessToken, Auth, BaseUrl, HttpRequest, HttpResponse};
///
/// let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     assert!(req.uri().path().ends_with("/getsendprogress"));
///     Ok(http::Response::new(
///         br#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#.to_vec(),
///     ))
/// };
/// let token = AccessToken::new("t0ken");
/// let progress = execute(
///     &transport,
///     &BaseUrl::default(),
///     Auth::AccessToken(&token),
///     &GetSendProgress::new(123, 456),
/// )?
/// .progress;
/// assert_eq!(progress.progress_in_percent, 100);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Build`] before anything is sent, [`Error::Transport`] from the transport, and
/// [`Error::Response`] for an API error or an unusable answer.
pub fn execute<E, T>(
    transport: &T,
    base: &BaseUrl,
    auth: Auth<'_>,
    endpoint: &E,
) -> Result<E::Response, Error<T::Error>>
where
    E: Endpoint,
    T: Transport + ?Sized,
{
    let request = endpoint.build_request(base, auth)?;
    let response = transport.send(request).map_err(Error::Transport)?;
    Ok(E::parse_response(response)?)
}

/// Whether a request may be repeated, attached by the core to every request it builds (as a
/// request extension) from [`Endpoint::IDEMPOTENT`](crate::Endpoint::IDEMPOTENT).
///
/// ```
/// use dingtalk_notify_proto::api::{GetSendProgress, SendWorkNotification};
/// use dingtalk_notify_proto::{AccessToken, Auth, BaseUrl, Endpoint, Idempotency, Message};
/// let token = AccessToken::new("t");
/// let auth = Auth::AccessToken(&token);
/// let send = SendWorkNotification::new(1, Message::text("x")).to_users(["u"]);
/// let req = send.build_request(&BaseUrl::default(), auth)?;
/// assert_eq!(Idempotency::of(&req), Idempotency::NonIdempotent);
/// let req = GetSendProgress::new(1, 2).build_request(&BaseUrl::default(), auth)?;
/// assert_eq!(Idempotency::of(&req), Idempotency::Idempotent);
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating it is harmless (queries, status bar updates, recalls, token fetches).
    Idempotent,
    /// Repeating it may act twice (a send): never re-send it blindly.
    NonIdempotent,
}

impl Idempotency {
    /// The request's marker; without one, by method (`POST` and `PATCH` are not idempotent).
    pub fn of<B>(request: &http::Request<B>) -> Self {
        if let Some(marker) = request.extensions().get::<Self>() {
            return *marker;
        }
        if request.method() == http::Method::POST || request.method() == http::Method::PATCH {
            Self::NonIdempotent
        } else {
            Self::Idempotent
        }
    }
}

/// A per-request time limit, set by the [`Client`](crate::Client) as a request extension
/// (`request.extensions().get::<RequestTimeout>()`) to the time left before the call's
/// deadline. Transports should apply the smaller of it and their own overall timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestTimeout(pub std::time::Duration);

/// Removes a request URI from a transport's error message: the whole URI, its path and
/// query, its query, and every query value are each replaced with `<redacted>`, longest
/// first; then the value after any credential key (`access_token=...`, `appsecret=...`,
/// `"suiteTicket":"..."`) is replaced with `[redacted]`, wherever it comes from.
///
/// The access token travels in the query, and HTTP libraries like to quote the URL they
/// failed on. A transport's error must not print it (see the [`Transport`] contract): pass
/// every message that may hold text from the HTTP library through this before keeping it.
///
/// Every query value is redacted wherever it appears, short ones too: a message may lose a
/// digit or a word that happens to equal one, which is the price of never printing a token.
///
/// ```
/// use dingtalk_notify_proto::redact_uri;
///
/// let uri: http::Uri = "https://oapi.dingtalk.com/topapi/message/corpconversation/recall\
///                       ?access_token=bE74xxxx".parse()?;
/// let message = format!("error sending request for url ({uri}): connection reset");
/// let clean = redact_uri(&message, &uri);
/// assert_eq!(clean, "error sending request for url (<redacted>): connection reset");
///
/// // The token alone, or behind its key in another URL, is caught too.
/// let clean = redact_uri("token bE74xxxx; see https://x/?access_token=other", &uri);
/// assert_eq!(clean, "token <redacted>; see https://x/?access_token=[redacted]");
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn redact_uri(message: &str, uri: &http::Uri) -> String {
    let mut secrets: Vec<&str> = Vec::new();
    let whole = uri.to_string();
    secrets.push(&whole);
    if let Some(pq) = uri.path_and_query() {
        secrets.push(pq.as_str());
    }
    if let Some(query) = uri.query() {
        secrets.push(query);
        for pair in query.split('&') {
            secrets.push(pair.split_once('=').map_or(pair, |(_, v)| v));
        }
    }
    secrets.retain(|s| !s.is_empty() && *s != "/");
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut message = message.to_owned();
    for secret in secrets {
        if message.contains(secret) {
            message = message.replace(secret, "<redacted>");
        }
    }
    crate::error::redact_secrets(&message).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri() -> http::Uri {
        "https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1"
            .parse()
            .unwrap()
    }

    #[test]
    fn redact_uri_removes_uri_query_and_values() {
        let msg = redact_uri(
            "bad uri: https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1 \
             and s3cr3tT0ken alone",
            &uri(),
        );
        assert!(!msg.contains("s3cr3tT0ken"), "{msg}");
        assert!(!msg.contains("access_token"), "{msg}");
        assert!(msg.starts_with("bad uri: <redacted>"), "{msg}");
        assert!(msg.ends_with("and <redacted> alone"), "{msg}");
    }

    #[test]
    fn redact_uri_removes_the_path_and_query_and_the_query() {
        let u = uri();
        let msg = redact_uri(
            "GET /topapi/message?access_token=s3cr3tT0ken&x=1 | access_token=s3cr3tT0ken&x=1",
            &u,
        );
        assert_eq!(msg, "GET <redacted> | <redacted>");
    }

    #[test]
    fn redact_uri_removes_credentials_of_other_uris() {
        let msg = redact_uri(
            "redirected to https://evil.example/?access_token=0therT0ken&appsecret=s",
            &uri(),
        );
        assert!(!msg.contains("0therT0ken"), "{msg}");
        assert!(msg.contains("access_token=[redacted]"), "{msg}");
    }

    #[test]
    fn redact_uri_keeps_messages_without_the_uri() {
        let u: http::Uri = "http://127.0.0.1:8080/".parse().unwrap();
        assert_eq!(
            redact_uri("connection refused (os error 111)", &u),
            "connection refused (os error 111)"
        );
        // A bare "/" path is too common to cut out.
        assert_eq!(redact_uri("a/b", &u), "a/b");
    }
}

/// Whether a request with this method sends an empty body as no body at all (no
/// `Content-Length: 0`): `GET`, `HEAD`, `DELETE`, `OPTIONS`, `TRACE`, `CONNECT`. A helper for
/// transport authors.
///
/// ```
/// use dingtalk_notify_proto::{http::Method, omits_empty_body};
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
/// use dingtalk_notify_proto::declared_body_exceeds;
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
mod transport_helper_tests {
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
