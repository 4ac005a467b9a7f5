//! **dingtalk-notify**: send DingTalk work notifications (工作通知) from blocking Rust and
//! follow them (progress, per-user result, OA status bar, recall). No async runtime.
//!
//! This is the crate to add. It holds the blocking [`Client`] over any [`Transport`], and
//! re-exports the sans-IO core (`dingtalk-notify-proto`) that builds every request and
//! judges every answer.
//!
//! ```no_run
//! use dingtalk_notify::{Message, TokenSource, api::SendWorkNotification};
//!
//! let client = dingtalk_notify::client(TokenSource::app("dingkey", "app-secret"));
//! let send = SendWorkNotification::new(836390886, Message::text("Disk 91% on db-3"))
//!     .to_users(["manager4220"]);
//! let task = client.send(&send)?;
//! let report = client.track(&task)?; // polls progress until done, then reads the result
//! println!("read by {:?}", report.send_result.read_user_id_list);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # One way to build a client
//! `Client::builder(source)…build(transport)`, plus one shortcut per transport feature:
//!
//! | feature | transport | shortcut | client type |
//! |---|---|---|---|
//! | `ureq` (default) | [`UreqTransport`] | [`client(source)`](client()) | [`UreqClient`] |
//! | `isahc` | `IsahcTransport` | `isahc_client(source)` | `IsahcClient` |
//!
//! The shortcuts use the default settings: the international host
//! ([`DEFAULT_BASE_URL`]), a 30 s deadline per call, the system clock.
//!
//! # What is here
//! - [`Client`] and [`ClientBuilder`]: token caching and refresh (one fetch however many
//!   threads), a replay after a rejected token, retries with backoff within a deadline, and
//!   never a repeated send after an ambiguous failure.
//! - [`campaign`]: one notification to an audience of any size, as paced chunks
//!   (`client.campaigns(&ledger).start(plan)`), followed as one, resumable after a crash
//!   without a duplicate; [`ledger`] keeps them ([`ledger::MemoryLedger`], and
//!   `ledger::SqliteLedger` with feature `sqlite`); [`budget`] paces recipients per minute.
//! - [`SystemClock`] and [`VirtualClock`], [`RandomJitter`]: the time and randomness the
//!   client uses; tests replace them.
//! - Re-exports of the core: requests in [`api`], [`Message`], the errors, the secrets, and
//!   the transport author's kit in [`transport`]. The whole core is also at [`proto`].
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod budget;
pub mod campaign;
mod client;
mod clock;
mod jitter;
pub mod ledger;
pub mod resolve;

pub use client::{AudienceResolver, Client, ClientBuilder};
pub use clock::{SystemClock, VirtualClock};
pub use jitter::RandomJitter;

pub use dingtalk_notify_proto as proto;
pub use dingtalk_notify_proto::http;
pub use dingtalk_notify_proto::{
    AccessToken, AgentId, ApiError, AppSecret, BaseUrl, BuildError, Clock, DEFAULT_BASE_URL,
    DeliveryReport, DeptId, Endpoint, Error, ErrorClass, ErrorCode, HttpRequest, HttpResponse,
    MAINLAND_BASE_URL, Message, RawBody, ResponseError, RetryPolicy, StatusColor, SuiteSecret,
    SuiteTicket, TaskHandle, TaskId, TokenProvider, TokenSource, TopError, TrackPolicy, Transport,
};
pub use dingtalk_notify_proto::{api, auth, message, redaction, retry, token, tracking, transport};

/// The ureq transport crate, whole: its defaults and builder (feature `ureq`).
#[cfg(feature = "ureq")]
pub use dingtalk_notify_ureq as ureq;
/// The README's examples, checked as doc tests (they use the `ureq` and `sqlite` features).
#[cfg(all(doctest, feature = "ureq", feature = "sqlite"))]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "ureq")]
pub use dingtalk_notify_ureq::{UreqTransport, UreqTransportBuilder};

/// The blocking client over [`UreqTransport`] (feature `ureq`, on by default).
#[cfg(feature = "ureq")]
pub type UreqClient = Client<UreqTransport>;

/// A client with default settings over a default [`UreqTransport`] (feature `ureq`).
///
/// ```
/// let client = dingtalk_notify::client(dingtalk_notify::TokenSource::app("dingkey", "secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
#[cfg(feature = "ureq")]
pub fn client(source: TokenSource) -> UreqClient {
    Client::builder(source).build(UreqTransport::default())
}

/// The isahc transport crate, whole: its defaults and builder (feature `isahc`).
#[cfg(feature = "isahc")]
pub use dingtalk_notify_isahc as isahc;
#[cfg(feature = "isahc")]
pub use dingtalk_notify_isahc::{IsahcTransport, IsahcTransportBuilder};

/// The blocking client over [`IsahcTransport`] (feature `isahc`).
#[cfg(feature = "isahc")]
pub type IsahcClient = Client<IsahcTransport>;

/// A client with default settings over a default [`IsahcTransport`] (feature `isahc`).
///
/// ```
/// let client = dingtalk_notify::isahc_client(dingtalk_notify::TokenSource::app("dingkey", "secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
#[cfg(feature = "isahc")]
pub fn isahc_client(source: TokenSource) -> IsahcClient {
    Client::builder(source).build(IsahcTransport::default())
}
