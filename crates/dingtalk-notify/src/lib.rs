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
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = dingtalk_notify::client(TokenSource::app("dingkey", "app-secret"));
//!     let send = SendWorkNotification::new(836390886, Message::text("Disk 91% on db-3"))
//!         .to_users(["manager4220"]);
//!     let task = client.send(&send)?;
//!     let report = client.track(&task)?; // polls progress until done, then reads the result
//!     println!("read by {:?}", report.send_result.read_user_id_list);
//!     Ok(())
//! }
//! ```
//!
//! # One way to build a client
//! `Client::builder(source)…build(transport)`, plus shortcuts per transport feature:
//!
//! | feature | transport | shortcut | client type |
//! |---|---|---|---|
//! | `ureq` (default) | [`ureq::UreqTransport`] | [`client(source)`](client()), [`client_at(base_url, source)`](client_at()) | `Client<UreqTransport>` |
//! | `isahc` | `isahc::IsahcTransport` | `isahc_client(source)` | `Client<IsahcTransport>` |
//!
//! The shortcuts use the default settings: a 30 s deadline per call, the system clock, and
//! the international host (`https://oapi.dingtalk.io`, [`BaseUrl::default`]) or, with
//! `client_at`, the base URL given
//! (a gateway, [`MAINLAND_BASE_URL`], the simulator).
//!
//! # What is here
//! - [`Client`] and [`ClientBuilder`]: token caching and refresh (one fetch however many
//!   threads), a replay after a rejected token, retries with backoff within a deadline, and
//!   never a repeated send after an ambiguous failure.
//! - [`campaign`]: one notification to an audience of any size, as paced chunks
//!   (`client.campaigns(&ledger).start(plan)`), followed as one, resumable after a crash
//!   without a duplicate; [`ledger`] keeps them ([`ledger::MemoryLedger`], and
//!   `ledger::SqliteLedger` with feature `sqlite`); [`budget`] paces recipients per minute.
//! - [`SystemClock`] and [`VirtualClock`]: the time the client reads and sleeps on; tests
//!   replace it.
//! - Re-exports of the core, each under one path: the send and its answers in [`api`], [`Message`] and its
//!   parts in [`message`], the errors, the authentication of your own [`Endpoint`] in
//!   [`auth`], and what your own [`Transport`] reads in [`transport`]. The bundled
//!   transports and their settings are the crates [`ureq`](mod@ureq) and `isahc`. The
//!   sans-IO core itself is the `dingtalk-notify-proto` crate.
//!
//! # Features
//! | feature | default | what it adds |
//! |---|---|---|
//! | `ureq` | yes | the ureq 3 transport (pure Rust, rustls with ring): [`ureq::UreqTransport`], [`client`], [`client_at`] |
//! | `isahc` | no | the isahc 2 transport (libcurl, rustls): `isahc::IsahcTransport`, `isahc_client` |
//! | `platform-verifier` | no | `RootCertificates::Platform` (the operating system's trust store) on the ureq transport |
//! | `sqlite` | no | `ledger::SqliteLedger`, a campaign ledger in a SQLite file (SQLite compiled in) |
//! | `metrics` | no | counters and histograms through the `metrics` facade (`docs/observability.md`); the `prometheus` example exports them |
//!
//! With neither transport feature the crate is the client over your own [`Transport`]
//! (a closure will do). Items that need a feature carry its label in these docs.
//!
//! # Errors
//! Every call returns [`Error`]`<T::Error>`; campaigns return
//! [`CampaignError`](campaign::CampaignError) for the ledger and budget, and keep each
//! chunk's own outcome in the campaign. Whether a **send** may have gone out is the question
//! that matters, since the client never sends again after a failure that leaves it open:
//!
//! | kind | what it means | what to do | may a send have gone out? |
//! |---|---|---|---|
//! | `Build` | the request was refused before it was built (no recipients, over the limits, a bad field) | fix the input | no |
//! | `OutsideWindow` | the task is too old for the call (24 h for result and recall, 7 days for progress and the status bar); refused locally | nothing: the window is DingTalk's | no (not a send) |
//! | `Response` with an API error | DingTalk answered a non-zero `errcode` (retryable ones were already retried within the deadline) | read its `hint`; see `docs/errors.md` | no: DingTalk refused the call |
//! | `Response`, unusable answer | a gateway's error page, the IP throttle page, malformed or cut JSON in a complete body | retry later; for a send, read the result first | yes (the throttle page: no, the gateway turned the call away) |
//! | `Transport` | connect, DNS, TLS, timeout, reset, a body over its cap | check the network, proxy and CA | no if the connection never opened (connect, DNS, TLS); yes after the request was written (timeout, reset) |
//! | `Deadline` | the call's overall deadline passed; the last failure is inside | raise `RetryPolicy::deadline`, or retry later | as its last failure |
//! | `TokenProvider` | your token provider failed (Redis, say) | check the store | no |
//! | `Budget` | the recipient budget's store failed, or a send names more users than the whole budget | check the store, or split the send (a campaign does) | no |
//!
//! [`Error::is_retryable`] and [`Error::may_have_been_sent`] answer both questions directly,
//! and [`Error::hint`] says what to do. Its `Display` names the code, DingTalk's message and the
//! `request_id`, and for an API error what to do about it (the hint). When a send may have
//! gone out, read the recipients' result (or the campaign's) before deciding to send again:
//! DingTalk drops the same content to the same user within a day (143106) anyway.
//! A `main` that returns the error prints its `Debug` form, which is the `Display` text
//! with the hint (`{:#?}` shows the structure).
//!
//! # Logging and metrics
//! Logs go through the [`log`](https://docs.rs/log) facade; with feature `metrics`,
//! counters and histograms through the [`metrics`](https://docs.rs/metrics) facade (no
//! exporter bundled: install the recorder you use). Neither carries a secret (tokens and
//! app secrets are redacted, request URIs are never logged, labels take bounded values).
//! `docs/observability.md` lists every metric (name, kind, labels) and log event; the
//! targets:
//!
//! | target | `info` | `warn` |
//! |---|---|---|
//! | `dingtalk_notify::client` | a retry (with its delay), a token replay | a throttle or ban (90002, 90018, 90019, 9000x, 143103/143104, 90020, the IP throttle page) |
//! | `dingtalk_notify::token` | | a failed refresh (the current token is used until it expires) |
//! | `dingtalk_notify::budget` | | DingTalk's per-minute recipient quota: no send for a minute |
//! | `dingtalk_notify::campaign` | a chunk refused for now, sent again | a chunk failed or ambiguous |
//!
//! Each attempt, token fetch and budget wait is at `debug`. `RUST_LOG=dingtalk_notify=info`
//! (with `env_logger`, say) shows every retry. Keep `trace` off for the `ureq` targets
//! wherever logs are kept (ureq then logs request URIs; the ureq transport warns).
//!
//! # Testing your service with the simulator
//! [`dingtalk-notify-mock`](https://docs.rs/dingtalk-notify-mock) is a blocking DingTalk on
//! loopback (a dev-dependency): start one per test, point the client at its base URL with
//! its demo app, and read what it received. Its clock is virtual, so a test moves time
//! instead of sleeping.
//!
//! ```
//! use dingtalk_notify::{Message, TokenSource, api::SendWorkNotification};
//! use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer};
//! use std::time::Duration;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let server = MockServer::builder().frozen_clock().start()?; // a free port, stopped on drop
//!     let source = TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET);
//!     let client = dingtalk_notify::client_at(&server.base_url(), source)?;
//!
//!     // Your service's code would run here; this sends directly.
//!     let send = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Disk 91% on db-3"))
//!         .to_users(["alice", "bob"]);
//!     let task = client.send(&send)?;
//!
//!     server.advance(Duration::from_secs(2)); // delivery completes in simulator time
//!     let result = client.result(&task)?;
//!     assert_eq!(result.read_user_id_list, ["alice"]); // the demo directory's behaviours
//!     assert_eq!(result.unread_user_id_list, ["bob"]);
//!     assert_eq!(server.deliveries("alice"), 1);
//!     Ok(())
//! }
//! ```
//!
//! `MockServer::inject` scripts faults (timeouts, resets, error codes, gateway pages) per
//! endpoint; `MockServer::requests` shows what arrived. The example
//! `examples/test_your_service.rs` wraps this in a test of a service's own function.
//!
//! # Fleets
//! Several replicas of one app share its access token, its recipients-per-minute budget
//! and its campaign ledger through Redis with
//! [`dingtalk-notify-redis`](https://docs.rs/dingtalk-notify-redis) (`RedisTokenProvider`
//! as a [`TokenSource::provider`], `RedisBudget` as the
//! [recipient budget](ClientBuilder::recipient_budget), `RedisLedger` as the campaign
//! [`ledger`]); the CLI does the same with `--redis URL`.
//!
//! # Examples
//! `crates/dingtalk-notify/examples/`, each against its own simulator unless given
//! `DINGTALK_BASE_URL`: `send_and_track`, `campaign_sqlite` (feature `sqlite`),
//! `test_your_service`, `closure_transport`, `isv_app`, `from_async`, `prometheus` (feature
//! `metrics`), and `minimal`.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod budget;
mod calls;
pub mod campaign;
mod client;
mod clock;
mod jitter;
pub mod ledger;
mod observe;
pub mod resolve;

pub use client::{Client, ClientBuilder, Error};
pub use clock::{SystemClock, VirtualClock};

pub use dingtalk_notify_proto::http;
pub use dingtalk_notify_proto::token::ProvidedToken;
pub use dingtalk_notify_proto::{
    AccessToken, AgentId, ApiError, BaseUrl, BuildError, Clock, DeliveryReport, DeptId, Endpoint,
    ErrorCode, HttpRequest, HttpResponse, MAINLAND_BASE_URL, Message, ResponseError, RetryPolicy,
    StatusColor, SuiteTicket, TaskHandle, TaskId, TokenProvider, TokenSource, TrackPolicy,
    Transport,
};

/// What the client's calls take and return, as the API reference names them: the send,
/// the progress and result it reads, and the answers of the status-bar update, the recall
/// and the media upload. The client builds the other requests itself from a
/// [`TaskHandle`]; every typed request of the API (for [`Client::call`]) is in the core,
/// `dingtalk_notify_proto::api`.
pub mod api {
    pub use dingtalk_notify_proto::api::{
        ForbiddenEntry, RecallWorkNotificationResponse, RecipientLimits, SendProgress, SendResult,
        SendWorkNotification, UpdateStatusBarResponse, UploadMediaResponse,
    };
}

/// How [`Client::call`] authenticates an [`Endpoint`] of your own: its `Auth` is
/// [`AccessTokenQuery`](auth::AccessTokenQuery), the access token as a query parameter.
pub mod auth {
    pub use dingtalk_notify_proto::auth::AccessTokenQuery;
}

/// Attachments: the kinds DingTalk takes ([`MediaKind`](media::MediaKind), with their formats
/// and limits), a file read and checked before upload, and the upload's errors.
/// Upload with [`Client::upload_media`] or [`Client::upload_media_path`].
pub mod media {
    pub use crate::client::{MediaFile, MediaFileError, UploadFileError};
    pub use dingtalk_notify_proto::media::MediaKind;
}

/// The parts of a [`Message`]: its OA and action-card bodies, buttons and media.
pub mod message {
    pub use dingtalk_notify_proto::message::{
        ActionCard, ActionCardButton, ActionCardButtons, BtnOrientation, Link, Markdown, Media, Oa,
        OaBody, OaForm, OaHead, OaRich, OaStatusBar, Text, Voice,
    };
}

/// Writing your own [`Transport`]: the time the client gives each attempt
/// ([`effective_timeout`](transport::effective_timeout) reads it from the request), and the
/// bundled transports' error, the default of [`Error`]. The settings of the bundled
/// transports (trust roots, proxies, timeouts) are in their crates, [`ureq`](mod@ureq) and
/// `isahc`.
pub mod transport {
    pub use dingtalk_notify_proto::transport::{TransportError, effective_timeout};
}

/// **The sibling crates' kit, not part of the documented API**: the whole core
/// (`dingtalk-notify-proto`) for `dingtalk-notify-redis`, the `dingtalk-notify` command and
/// the workspace's tests, which need what the surface above leaves out (the token cache,
/// redaction, the retry classification, the campaign core and the driver's steps, the
/// transport helpers and settings). It follows the core's versions. An application that
/// needs the core adds `dingtalk-notify-proto` itself.
#[doc(hidden)]
pub use dingtalk_notify_proto as kit;

/// The ureq transport crate, whole: its defaults and builder (feature `ureq`).
#[cfg(feature = "ureq")]
pub use dingtalk_notify_ureq as ureq;
/// The README's examples, checked as doc tests (they use the `ureq` and `sqlite` features).
#[cfg(all(doctest, feature = "ureq", feature = "sqlite"))]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "ureq")]
use dingtalk_notify_ureq::UreqTransport;

/// A client with default settings over a default [`UreqTransport`] (feature `ureq`).
///
/// ```
/// let client = dingtalk_notify::client(dingtalk_notify::TokenSource::app("dingkey", "secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
#[cfg(feature = "ureq")]
pub fn client(source: TokenSource) -> Client<UreqTransport> {
    Client::builder(source).build(UreqTransport::default())
}

/// A client with default settings over a default [`UreqTransport`], at `base_url` instead
/// of the international host: a gateway, [`MAINLAND_BASE_URL`], or the simulator (feature
/// `ureq`). The one line that changes between production and a test.
///
/// ```
/// use dingtalk_notify::TokenSource;
/// let client = dingtalk_notify::client_at("http://127.0.0.1:8080", TokenSource::app("dingkey", "secret"))?;
/// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:8080");
/// # Ok::<(), dingtalk_notify::BuildError>(())
/// ```
///
/// # Errors
/// [`BuildError`] if `base_url` is not a usable base URL ([`BaseUrl::new`]): not an
/// absolute `http(s)` URL without query, fragment or credentials, or plain `http://` to a
/// host that is not loopback.
#[cfg(feature = "ureq")]
pub fn client_at(base_url: &str, source: TokenSource) -> Result<Client<UreqTransport>, BuildError> {
    Ok(Client::builder(source)
        .base_url(BaseUrl::new(base_url)?)
        .build(UreqTransport::default()))
}

/// The isahc transport crate, whole: its defaults and builder (feature `isahc`).
#[cfg(feature = "isahc")]
pub use dingtalk_notify_isahc as isahc;
#[cfg(feature = "isahc")]
use dingtalk_notify_isahc::IsahcTransport;

/// A client with default settings over a default [`IsahcTransport`] (feature `isahc`).
///
/// ```
/// let client = dingtalk_notify::isahc_client(dingtalk_notify::TokenSource::app("dingkey", "secret"));
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.io");
/// ```
#[cfg(feature = "isahc")]
pub fn isahc_client(source: TokenSource) -> Client<IsahcTransport> {
    Client::builder(source).build(IsahcTransport::default())
}
