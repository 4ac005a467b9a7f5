//! The IO seam and the transport author's kit.
//!
//! - [`Transport`], the blocking seam (closures are transports too; an upload goes through
//!   [`Transport::send_form`], so a transport may send its file without copying it), and
//!   [`execute`] / [`execute_with`], the one generic build → send → parse path that the
//!   blocking client's calls and its token fetch all go through;
//! - [`TransportBuilder`], the one settings builder of every transport (a transport
//!   implements [`BuildTransport`] to be built from [`TransportSettings`]);
//! - [`TransportConfig`] (timeouts, body cap, user agent, with their defaults) and
//!   [`Opaque`], so a transport can derive its `Debug` without printing its HTTP agent;
//! - [`TransportError`], an error a transport can use as its own: a
//!   [`TransportErrorKind`] and a message that never holds the request URI;
//! - the request extensions [`Idempotency`] and [`RequestTimeout`];
//! - helpers every transport needs: [`effective_timeout`], [`read_capped`],
//!   [`declared_body_exceeds`], [`omits_empty_body`], [`fresh_response`] and
//!   [`redact_uri`];
//! - the proxy policy both transports apply: [`ProxySetting`], [`ProxyPolicy`];
//! - the certificate authorities a transport trusts: [`RootCertificates`].

mod builder;
mod config;
mod execute;
mod helpers;
mod proxy;
mod roots;

pub use crate::http_types::{HttpRequest, HttpResponse, Idempotency, RequestTimeout};
use crate::multipart::FormRequest;
pub use crate::redaction::redact_uri;
pub use builder::{BuildTransport, TransportBuilder, TransportSettings};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, Opaque, TransportConfig,
};
pub use execute::{execute, execute_with};
pub use helpers::{
    declared_body_exceeds, effective_timeout, fresh_response, omits_empty_body, read_capped,
};
pub use proxy::{EnvProxies, ProxyError, ProxyPolicy, ProxySetting, ProxyUrl};
pub use roots::{CaCertificates, CaError, RootCertificates};

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
///   connection); the blocking client decides what to repeat;
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

    /// Sends a request whose body is a multipart form borrowing its files (a media
    /// upload), as [`send`](Self::send) does. The default builds the whole body
    /// ([`FormRequest::into_request`]: the file copied once) and sends that; a transport
    /// that can write a body as it reads it overrides this to send the file from the
    /// caller's bytes (see [`FormRequest`] for the one case it must handle).
    ///
    /// # Errors
    /// As [`send`](Self::send).
    fn send_form(&self, request: FormRequest<'_>) -> Result<HttpResponse, Self::Error> {
        self.send(request.into_request())
    }

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
    /// Nothing reached the server: DNS, connection refused, connect timeout.
    Connect,
    /// TLS failed: the server's certificate was refused (an unknown authority, another
    /// host's name, expired) or TLS could not be negotiated. Not retried: a repeat meets
    /// the same certificate. Configure the authority
    /// ([`RootCertificates`]) if the server is yours or behind a TLS-inspecting proxy.
    Tls,
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
        // Not `Tls`: the same certificate comes back on every attempt.
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
    /// use dingtalk_notify_proto::transport::TransportErrorKind;
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
            Self::Tls => "TLS failed",
            Self::Timeout => "timed out",
            Self::Interrupted => "connection interrupted",
            Self::BodyTooLarge => "response body too large",
            Self::Protocol => "malformed response",
            Self::Unknown => "request failed",
        }
    }
}

/// A transport's error: what kind of failure it was and a short message that never holds
/// the request URI (which holds the access token). The ureq and isahc transports use it as
/// their error; so can yours.
///
/// ```
/// use dingtalk_notify_proto::transport::{TransportError, TransportErrorKind};
/// let e = TransportError::new(TransportErrorKind::Connect, "could not connect: refused");
/// assert_eq!(e.kind(), TransportErrorKind::Connect);
/// assert_eq!(e.to_string(), "could not connect: refused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
}

impl TransportError {
    /// An error of `kind`. The message must not hold the request URI: pass text from an HTTP
    /// library through [`redact_uri`] first.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A body over the `max_body_size`-byte cap ([`TransportErrorKind::BodyTooLarge`]).
    pub fn body_too_large(max_body_size: usize) -> Self {
        Self::new(
            TransportErrorKind::BodyTooLarge,
            format!("response body is larger than the {max_body_size}-byte limit"),
        )
    }

    /// What kind of failure this is, as far as retrying is concerned.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}
