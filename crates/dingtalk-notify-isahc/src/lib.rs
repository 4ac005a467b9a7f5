//! An [isahc] 2 transport for **dingtalk-notify**: [`IsahcTransport`] implements
//! [`dingtalk_notify_proto::Transport`], so the sans-IO core's requests go over libcurl
//! (built with its rustls backend), blocking, with no async runtime.
//!
//! It keeps the transport contract whatever [`isahc::HttpClient`] it wraps: every status
//! comes back as a response (a 4xx or 5xx is `Ok`, with its body), no redirect is followed,
//! the connect and overall timeouts apply, the body is capped ([`DEFAULT_MAX_BODY_SIZE`]
//! unless configured), TLS certificates are verified, and connections are kept alive in the
//! client's cache. Errors (the core's [`TransportError`]) carry a [`TransportErrorKind`] for the
//! retry logic and never print the request URI, which holds the access token.
//!
//! # Why a separate crate
//! The core names no HTTP client. Keeping isahc (and curl) behind its own small crate means a
//! breaking isahc release forces a new major version of this adapter only, never of
//! `dingtalk-notify-proto`; and whoever uses another client does not build curl at all.
//!
//! # Example
//! ```
//! use std::time::Duration;
//! use dingtalk_notify_isahc::IsahcTransport;
//!
//! // Defaults: 5 s to connect, 30 s in all, bodies up to 4 MiB.
//! let transport = IsahcTransport::default();
//! assert_eq!(transport.config().timeout, Duration::from_secs(30));
//!
//! // Or tuned, or over a client of your own (its connection cache, proxy and TLS are used).
//! let client = isahc::HttpClient::new()?;
//! let transport = IsahcTransport::builder()
//!     .timeout(Duration::from_secs(10))
//!     .client(client)
//!     .build();
//! assert_eq!(transport.config().connect_timeout, Duration::from_secs(5));
//! # Ok::<(), isahc::Error>(())
//! ```
//!
//! Sending (this one needs a server, so it is not run):
//! ```no_run
//! use dingtalk_notify_isahc::IsahcTransport;
//! use dingtalk_notify_proto::{Transport, http};
//!
//! let transport = IsahcTransport::default();
//! let request = http::Request::get("https://oapi.dingtalk.com/gettoken?appkey=k&appsecret=s")
//!     .body(Vec::new())?;
//! let response = transport.send(request)?; // a 4xx or 5xx is Ok too
//! println!("{} {} bytes", response.status(), response.body().len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Logging
//! isahc records each request's method and full URI in a `tracing` span at `debug` level.
//! If your application installs a `tracing` subscriber, keep isahc below `debug` wherever
//! logs are kept: the query holds the token.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod proxy;
mod tls;
mod transport;

pub use dingtalk_notify_proto::http;
pub use dingtalk_notify_proto::transport::{
    CaCertificates, CaError, EnvProxies, ProxyError, ProxySetting, ProxyUrl, RootCertificates,
    Transport, TransportError, TransportErrorKind,
};
pub use isahc;
pub use transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, IsahcTransport,
    IsahcTransportBuilder,
};
