//! A [ureq] 3 transport for **dingtalk-notify**: [`UreqTransport`] implements
//! [`dingtalk_notify_proto::Transport`], so the sans-IO core's requests go over a blocking,
//! pure-Rust HTTP client with rustls.
//!
//! It keeps the transport contract whatever [`ureq::Agent`] it wraps: every status comes back
//! as a response (a 4xx or 5xx is `Ok`, with its body), no redirect is followed, the connect
//! and overall timeouts apply, the body is capped ([`DEFAULT_MAX_BODY_SIZE`] unless
//! configured), TLS certificates are verified, and connections are kept alive in the agent's
//! pool (a send, never repeated, opens a connection of its own rather than ride an idle one
//! the server may be closing). Errors (the core's [`TransportError`]) carry a
//! [`TransportErrorKind`] for the retry logic and never print the request URI, which holds
//! the access token.
//!
//! Most users do not name this crate: `dingtalk-notify` enables it by default and builds a
//! client over it with `dingtalk_notify::client(source)`.
//!
//! # Why a separate crate
//! The core names no HTTP client. Keeping ureq behind its own small crate means a breaking
//! ureq release forces a new major version of this adapter only, never of
//! `dingtalk-notify-proto`; and whoever uses another client does not compile ureq at all.
//!
//! # Example
//! ```
//! use std::time::Duration;
//! use dingtalk_notify_ureq::UreqTransport;
//!
//! // Defaults: 5 s to connect, 30 s in all, bodies up to 4 MiB.
//! let transport = UreqTransport::default();
//! assert_eq!(transport.config().timeout, Duration::from_secs(30));
//!
//! // Or tuned, or over an agent of your own (its pool and TLS roots are used; the proxy
//! // is always the transport's own `proxy` setting).
//! let transport = UreqTransport::builder()
//!     .timeout(Duration::from_secs(10))
//!     .client(ureq::Agent::new_with_defaults())
//!     .build();
//! assert_eq!(transport.config().connect_timeout, Duration::from_secs(5));
//! ```
//!
//! Sending (this one needs a server, so it is not run):
//! ```no_run
//! use dingtalk_notify_proto::{Transport, http};
//! use dingtalk_notify_ureq::UreqTransport;
//!
//! let transport = UreqTransport::default();
//! let request = http::Request::get("https://oapi.dingtalk.com/gettoken?appkey=k&appsecret=s")
//!     .body(Vec::new())?;
//! let response = transport.send(request)?; // a 4xx or 5xx is Ok too
//! println!("{} {} bytes", response.status(), response.body().len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Logging
//! ureq logs requests through `log`: at `debug` with the path and query masked, at `trace`
//! in full. Keep ureq's `trace` level off wherever logs are kept: the query holds the token.
//! When it is on, the transport logs one warning saying so (target `dingtalk_notify`).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod build;
mod connect;
mod error;
mod proxy;
mod resolver;
mod tls;
mod transport;

// The transport, its builder and its resolver's cache time; the kit's types its API speaks
// (settings, errors, the defaults) straight from the core; the libraries it is built on.
pub use build::UreqTransportBuilder;
pub use resolver::DNS_CACHE_TTL;
pub use transport::UreqTransport;

pub use dingtalk_notify_proto::transport::{
    CaCertificates, CaError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT,
    EnvProxies, ProxyError, ProxySetting, ProxyUrl, RootCertificates, Transport, TransportError,
    TransportErrorKind,
};

pub use dingtalk_notify_proto::http;
pub use ureq;
