//! [`TransportBuilder`]: the one settings builder of every transport (timeouts, body cap,
//! user agent, proxy, trusted roots, and optionally the HTTP library's own client), and
//! [`BuildTransport`], what a transport implements to be built by it.

use std::fmt;
use std::time::Duration;

use http::HeaderValue;

use super::{EnvProxies, Opaque, ProxySetting, RootCertificates, TransportConfig};

/// Everything a [`TransportBuilder`] collects but the HTTP client: what a transport is built
/// from.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TransportSettings {
    /// Timeouts, body cap and user agent.
    pub config: TransportConfig,
    /// Which proxy to use.
    pub proxy: ProxySetting,
    /// The proxy variables [`ProxySetting::FromEnv`] reads instead of the process's own.
    pub proxy_env: Option<EnvProxies>,
    /// The certificate authorities servers are verified against.
    pub roots: RootCertificates,
}

/// A transport that a [`TransportBuilder`] builds: the ureq and isahc transports.
pub trait BuildTransport: Sized {
    /// The HTTP library's own client a caller may hand over (ureq's `Agent`, isahc's
    /// `HttpClient`).
    type Client;

    /// The transport, with these settings, over `client` or a client of its own.
    fn from_settings(settings: TransportSettings, client: Option<Self::Client>) -> Self;
}

/// Builds a transport `T` (`UreqTransport::builder()`, `IsahcTransport::builder()`): the
/// same settings, with the same meaning and defaults, whichever HTTP library sends.
///
/// A transport of your own gets it by implementing [`BuildTransport`]:
///
/// ```
/// use dingtalk_notify_proto::transport::{BuildTransport, TransportBuilder, TransportSettings};
/// use std::time::Duration;
///
/// struct Mine(TransportSettings);
/// impl BuildTransport for Mine {
///     type Client = ();
///     fn from_settings(settings: TransportSettings, _client: Option<()>) -> Self {
///         Mine(settings)
///     }
/// }
/// let mine = TransportBuilder::<Mine>::default()
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .max_body_size(1024 * 1024)
///     .build();
/// assert_eq!(mine.0.config.timeout, Duration::from_secs(10));
/// ```
pub struct TransportBuilder<T: BuildTransport> {
    settings: TransportSettings,
    client: Option<Opaque<T::Client>>,
}

impl<T: BuildTransport> TransportBuilder<T> {
    /// The time allowed to resolve and connect, the TLS handshake included where the HTTP
    /// library bounds it (default [`DEFAULT_CONNECT_TIMEOUT`](super::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.connect_timeout = timeout;
        self
    }

    /// The time allowed for a whole exchange, from resolving the host to the last byte of the
    /// body (default [`DEFAULT_TIMEOUT`](super::DEFAULT_TIMEOUT)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.config.timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_SIZE`](super::DEFAULT_MAX_BODY_SIZE)); a larger one fails with
    /// [`TransportErrorKind::BodyTooLarge`](super::TransportErrorKind::BodyTooLarge).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.settings.config.max_body_size = bytes;
        self
    }

    /// The `User-Agent` sent when a request has none (a request's own header is sent as it
    /// is). Unset, the HTTP library's default is sent (`ureq/<version>`, or
    /// `curl/<version> isahc/<version>`).
    pub fn user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.settings.config.user_agent = Some(user_agent);
        self
    }

    /// Which proxy to use (default [`ProxySetting::FromEnv`]: `HTTPS_PROXY` or `ALL_PROXY`
    /// for https targets only, minus `NO_PROXY`). A loopback target never goes through a
    /// proxy; a proxy that cannot be used (`socks5://`, unparsable) fails every request that
    /// would use it, with nothing sent. The environment is read when the transport is built.
    pub fn proxy(mut self, proxy: ProxySetting) -> Self {
        self.settings.proxy = proxy;
        self
    }

    /// The proxy variables [`ProxySetting::FromEnv`] reads, instead of the process's own
    /// (for tests, or a program that sanitises its environment).
    pub fn proxy_env(mut self, env: EnvProxies) -> Self {
        self.settings.proxy_env = Some(env);
        self
    }

    /// The certificate authorities servers are verified against (default
    /// [`RootCertificates::Bundled`], Mozilla's). Verification itself is always on. With a
    /// caller's [`client`](Self::client), a setting other than `Bundled` replaces the
    /// client's roots per request.
    pub fn root_certificates(mut self, roots: RootCertificates) -> Self {
        self.settings.roots = roots;
        self
    }

    /// Sends through this client of the HTTP library (a ureq `Agent`, an isahc
    /// `HttpClient`: its connection pool and TLS roots) instead of one of the transport's
    /// own. The transport still forces its contract on every request (see its docs).
    pub fn client(mut self, client: T::Client) -> Self {
        self.client = Some(Opaque(client));
        self
    }

    /// The settings so far.
    pub fn settings(&self) -> &TransportSettings {
        &self.settings
    }

    /// The transport.
    pub fn build(self) -> T {
        T::from_settings(self.settings, self.client.map(|Opaque(c)| c))
    }
}

impl<T: BuildTransport> Default for TransportBuilder<T> {
    fn default() -> Self {
        Self {
            settings: TransportSettings::default(),
            client: None,
        }
    }
}

impl<T: BuildTransport> Clone for TransportBuilder<T>
where
    T::Client: Clone,
{
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            client: self.client.as_ref().map(|Opaque(c)| Opaque(c.clone())),
        }
    }
}

/// The settings, and whether a client was given (never the client itself: its `Debug` may
/// show a proxy's credentials).
impl<T: BuildTransport> fmt::Debug for TransportBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("settings", &self.settings)
            .field("client", &self.client.is_some())
            .finish()
    }
}
