//! [`TransportConfig`]: the settings every transport shares, with their defaults.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, header};

use super::effective_timeout;

/// The connect timeout unless configured: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The overall timeout (connect, send, receive the whole body) unless configured: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest response body read unless configured: 4 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 4 * 1024 * 1024;

/// What every transport is configured with: its timeouts, its body cap and the
/// `User-Agent` it sends when a request has none. The ureq and isahc transports keep one.
///
/// ```
/// use dingtalk_notify_proto::transport::{RequestTimeout, TransportConfig};
/// use std::time::Duration;
/// let config = TransportConfig::default();
/// assert_eq!(config.max_body_size, 4 * 1024 * 1024);
/// let mut request = http::Request::new(Vec::<u8>::new());
/// request.extensions_mut().insert(RequestTimeout(Duration::from_secs(2)));
/// // The client's 2 s left wins over the 30 s default; the connect timeout fits inside.
/// assert_eq!(config.timeouts(request.extensions()), (Duration::from_secs(2), Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportConfig {
    /// The time allowed to resolve, connect and finish the TLS handshake
    /// ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// The time allowed for a whole exchange ([`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// The largest response body accepted, in bytes ([`DEFAULT_MAX_BODY_SIZE`]).
    pub max_body_size: usize,
    /// The `User-Agent` sent when a request has none (unset: the HTTP library's).
    pub user_agent: Option<HeaderValue>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            user_agent: None,
        }
    }
}

impl TransportConfig {
    /// The connect and overall timeouts for a request with these extensions: the overall one
    /// is [`effective_timeout`], and the connect one never exceeds it.
    pub fn timeouts(&self, extensions: &http::Extensions) -> (Duration, Duration) {
        let overall = effective_timeout(extensions, self.timeout);
        (self.connect_timeout.min(overall), overall)
    }

    /// Sets the configured `User-Agent` on a request that has none.
    pub fn default_user_agent(&self, headers: &mut HeaderMap) {
        if let Some(ua) = &self.user_agent {
            headers
                .entry(header::USER_AGENT)
                .or_insert_with(|| ua.clone());
        }
    }
}

/// A value whose `Debug` shows nothing of it (an HTTP library's agent or client, whose own
/// `Debug` may print a proxy URI with credentials), so a transport can derive its `Debug`.
///
/// ```
/// use dingtalk_notify_proto::transport::Opaque;
/// assert_eq!(format!("{:?}", Opaque("http://user:pw@proxy")), "..");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Opaque<T>(pub T);

impl<T> fmt::Debug for Opaque<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}
