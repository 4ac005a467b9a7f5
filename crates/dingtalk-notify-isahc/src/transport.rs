//! [`IsahcTransport`] and its builder.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dingtalk_notify_proto::http;
use dingtalk_notify_proto::transport::{
    BuildTransport, HttpRequest, HttpResponse, Idempotency, Transport, TransportBuilder,
    TransportConfig, TransportError, TransportErrorKind, TransportSettings, declared_body_exceeds,
    fresh_response, omits_empty_body, read_capped,
};
use isahc::HttpClient;
use isahc::config::{Configurable, ExpectContinue, RedirectPolicy};

use crate::error::{from_io, from_isahc, from_isahc_via_proxy};
use crate::proxy::IsahcProxy;

pub use dingtalk_notify_proto::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT,
};

/// A [`Transport`] over an [`isahc::HttpClient`] (curl, with rustls).
///
/// Cloning is cheap and clones share one client, so one connection cache. Whatever client it
/// wraps, each request is sent with these settings forced on it:
/// - no redirect is followed ([`RedirectPolicy::None`]);
/// - the transport's connect and overall timeouts;
/// - no automatic decompression and no `Expect: 100-continue`, so the request goes out as
///   built and the body comes back as sent;
/// - the proxy the [`proxy`](TransportBuilder::proxy) setting picks for the target, or
///   explicitly none (never one for loopback; libcurl's own reading of the proxy variables
///   and the client's proxy setting are not used);
/// - the [`root_certificates`](TransportBuilder::root_certificates) setting.
///
/// isahc already returns every status as a response. The body is read up to the transport's
/// cap, [`config`](Self::config)`.max_body_size`. TLS certificates are always verified: isahc
/// can only turn that off with its `tls-insecure` feature, which this crate does not enable.
///
/// Requests marked [`Idempotency::NonIdempotent`] (sends) go through a second client that
/// never reuses a connection: libcurl re-sends a request by itself when a *reused*
/// connection closes before any answer, which would deliver a notification twice.
///
/// The client is blocking and needs no async runtime; isahc drives curl from one background
/// thread per client. A transport made by [`new`](Self::new), [`Default`] or the builder
/// starts that client on its first request (so those constructors cannot fail); a failure to
/// start it is returned by that request, as [`TransportErrorKind::Connect`].
///
/// Its `Debug` shows the configuration and whether the client has started, nothing of the
/// client itself.
#[derive(Clone, Debug)]
pub struct IsahcTransport {
    client: LazyClient,
    /// A client that never reuses a connection, for requests that must not be repeated:
    /// libcurl silently re-sends a request whose reused connection died before answering.
    fresh: LazyClient,
    config: TransportConfig,
    proxy: IsahcProxy,
    /// The trust store each request carries (`None`: isahc's bundled roots).
    tls: Option<isahc::tls::TlsConfig>,
    /// Whether `client` is the transport's own (started with the contract's settings), not a
    /// caller's.
    own_client: bool,
}

/// How much sooner than the transport's own timeout a request's overall timeout may end and
/// still be served by the own client's settings. A client's first attempt asks for its whole
/// deadline less the microseconds spent before the send.
const TIMEOUT_SLACK: Duration = Duration::from_millis(10);

/// A client started on first use, shared by clones; `Debug` says only whether it started.
#[derive(Clone, Default)]
struct LazyClient(Arc<OnceLock<HttpClient>>);

impl LazyClient {
    fn get(&self) -> Option<&HttpClient> {
        self.0.get()
    }
}

impl fmt::Debug for LazyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyClient")
            .field("client_started", &self.0.get().is_some())
            .finish()
    }
}

impl IsahcTransport {
    /// A transport with the default settings and its own client.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, to set timeouts, the body cap, the user agent or the client.
    pub fn builder() -> IsahcTransportBuilder {
        IsahcTransportBuilder::default()
    }

    /// The client, started now if it was not yet.
    ///
    /// # Errors
    /// When isahc cannot start its client (no thread or no poller to be had).
    pub fn client(&self) -> Result<HttpClient, TransportError> {
        self.started(&self.client, true)
    }

    /// The client that sends non-idempotent requests (sends), each on a new connection, so
    /// libcurl can never re-send one on its own; started now if it was not yet.
    ///
    /// # Errors
    /// When isahc cannot start its client.
    pub fn fresh_connection_client(&self) -> Result<HttpClient, TransportError> {
        self.started(&self.fresh, false)
    }

    fn started(
        &self,
        cell: &LazyClient,
        reuse_connections: bool,
    ) -> Result<HttpClient, TransportError> {
        if let Some(client) = cell.get() {
            return Ok(client.clone());
        }
        let mut builder = HttpClient::builder();
        if !reuse_connections {
            // A connection cache of 0 makes curl close every connection after its request.
            builder = builder.connection_cache_size(0);
        }
        // The contract's settings, once: a request that needs nothing else carries no
        // per-request configuration (see `prepare`).
        builder = builder
            .redirect_policy(RedirectPolicy::None)
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout)
            .automatic_decompression(false)
            .expect_continue(ExpectContinue::disabled())
            .proxy(None);
        if let Some(tls) = &self.tls {
            builder = builder.tls_config(tls.clone());
        }
        let built = builder.build().map_err(|e| {
            TransportError::new(
                TransportErrorKind::Connect,
                format!("could not start the HTTP client: {}", e.kind()),
            )
        })?;
        // Two threads may race here; the loser's client is dropped unused.
        Ok(cell.0.get_or_init(|| built).clone())
    }

    /// The whole configuration: timeouts, body cap, user agent.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// The request with this transport's per-request configuration attached, for a client
    /// of its own (`own_client`) or a caller's.
    fn prepare(
        &self,
        request: HttpRequest,
        own_client: bool,
        proxy: Option<http::Uri>,
    ) -> Result<http::Request<isahc::Body>, TransportError> {
        // The client's deadline for this call, when it is sooner than the transport's own.
        let (connect_timeout, timeout) = self.config.timeouts(request.extensions());
        let (mut parts, body) = request.into_parts();
        // An empty body on GET and the like is no body: no `Content-Length: 0` goes out.
        let body = if body.is_empty() && omits_empty_body(&parts.method) {
            isahc::Body::empty()
        } else {
            isahc::Body::from(body)
        };
        // The hot path: the own client already holds every setting this request needs, so
        // it goes as it is (each per-request setting is a boxed extension isahc merges).
        if own_client
            && proxy.is_none()
            && connect_timeout == self.config.connect_timeout
            && self.config.timeout.saturating_sub(timeout) <= TIMEOUT_SLACK
        {
            self.config.default_user_agent(&mut parts.headers);
            return Ok(http::Request::from_parts(parts, body));
        }
        let mut builder = http::Request::builder()
            .method(parts.method)
            .uri(parts.uri)
            .version(parts.version);
        if let Some(extensions) = builder.extensions_mut() {
            extensions.extend(parts.extensions);
        }
        if let Some(headers) = builder.headers_mut() {
            *headers = parts.headers;
            self.config.default_user_agent(headers);
        }
        builder = builder
            .redirect_policy(RedirectPolicy::None)
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .automatic_decompression(false)
            .expect_continue(ExpectContinue::disabled())
            .proxy(proxy);
        if let Some(tls) = &self.tls {
            builder = builder.tls_config(tls.clone());
        }
        builder
            .body(body)
            .map_err(|_| TransportError::new(TransportErrorKind::Unknown, "invalid request"))
    }
}

impl Transport for IsahcTransport {
    type Error = TransportError;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = request.method().clone();
        let uri = request.uri().clone();
        let (client, own_client) = match Idempotency::of(&request) {
            Idempotency::Idempotent => (self.client()?, self.own_client),
            Idempotency::NonIdempotent => (self.fresh_connection_client()?, true),
        };
        let proxy = self.proxy.for_target(&uri)?;
        let proxied = proxy.is_some();
        let request = self.prepare(request, own_client, proxy)?;
        let response = client.send(request).map_err(|e| {
            if proxied {
                from_isahc_via_proxy(&e, &uri)
            } else {
                from_isahc(&e, &uri)
            }
        })?;

        let (parts, body) = response.into_parts();
        let max = self.config.max_body_size;
        if declared_body_exceeds(&method, parts.status, &parts.headers, max) {
            return Err(TransportError::body_too_large(max));
        }
        let bytes = read_capped(body, max, |e| from_io(&e, &uri))?;
        // A fresh response: isahc's extensions (which hold the effective URI) stay behind.
        Ok(fresh_response(
            parts.status,
            parts.version,
            parts.headers,
            bytes,
        ))
    }

    fn classify(&self, error: &TransportError) -> TransportErrorKind {
        error.kind()
    }
}

impl Default for IsahcTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl From<HttpClient> for IsahcTransport {
    /// Wraps a caller's client, with the default timeouts and body cap.
    ///
    /// The client's connection cache, proxy and TLS settings are used; its redirect, timeout
    /// and decompression settings are overridden per request (see [`IsahcTransport`]).
    /// Non-idempotent requests (sends) still go through the transport's own
    /// [fresh-connection client](IsahcTransport::fresh_connection_client), because libcurl
    /// re-sends a request on its own when a reused connection dies before answering.
    fn from(client: HttpClient) -> Self {
        Self::builder().client(client).build()
    }
}

/// Builds an [`IsahcTransport`]; start from [`IsahcTransport::builder`]. The settings are the
/// kit's [`TransportBuilder`]'s, the same for every transport; its
/// [`client`](TransportBuilder::client) is an [`HttpClient`]. It starts no thread: a client
/// of the transport's own starts on the first request. [`RootCertificates::Platform`](crate::RootCertificates::Platform) is
/// curl's native store.
///
/// ```
/// use std::time::Duration;
/// use dingtalk_notify_isahc::{IsahcTransport, ProxySetting, ProxyUrl};
/// use dingtalk_notify_isahc::http::HeaderValue;
///
/// let transport = IsahcTransport::builder()
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .max_body_size(1024 * 1024)
///     .user_agent(HeaderValue::from_static("my-app/1.0"))
///     .proxy(ProxySetting::Via(ProxyUrl::parse("http://proxy.corp:3128")?))
///     .build();
/// assert_eq!(transport.config().max_body_size, 1024 * 1024);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type IsahcTransportBuilder = TransportBuilder<IsahcTransport>;

impl BuildTransport for IsahcTransport {
    type Client = HttpClient;

    fn from_settings(settings: TransportSettings, client: Option<HttpClient>) -> Self {
        let cell = OnceLock::new();
        let own_client = client.is_none();
        if let Some(client) = client {
            let _ = cell.set(client);
        }
        IsahcTransport {
            client: LazyClient(Arc::new(cell)),
            fresh: LazyClient::default(),
            config: settings.config,
            proxy: IsahcProxy::new(&settings.proxy, settings.proxy_env),
            tls: crate::tls::for_roots(&settings.roots),
            own_client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_starts_no_client() {
        let t = IsahcTransport::new();
        assert!(t.client.get().is_none());
        let shown = format!("{t:?}");
        assert!(shown.contains("client_started: false"), "{shown}");
        assert!(shown.contains("max_body_size: 4194304"), "{shown}");
    }

    #[test]
    fn clones_share_one_client() {
        let t = IsahcTransport::new();
        let clone = t.clone();
        t.client().unwrap();
        assert!(clone.client.get().is_some());
        assert!(Arc::ptr_eq(&t.client.0, &clone.client.0));
    }
}
