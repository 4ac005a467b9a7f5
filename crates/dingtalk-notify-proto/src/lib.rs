//! The sans-IO core of **dingtalk-notify**: DingTalk work notifications (工作通知) as typed
//! requests and responses over [`http`] types. Most users add the `dingtalk-notify` crate,
//! whose blocking client drives this one; this crate is for those who bring their own IO.
//!
//! Each endpoint is a module of [`api`] with a request type that becomes an
//! [`http::Request<Vec<u8>>`](HttpRequest) and a response type parsed from any
//! `http::Response<B: AsRef<[u8]>>`. Errors are typed: [`BuildError`] before anything is
//! sent, [`ResponseError`] for what came back, [`Error`] for one request (a driver's
//! deadlines, retries and windows are the driver's: `dingtalk_notify::Error`).
//!
//! # In scope
//! - Building every work-notification request: `gettoken`, `get_corp_token` (signed),
//!   `asyncsend_v2` with every message type, `getsendprogress`, `getsendresult`,
//!   `status_bar/update` and `recall`; the contact calls that turn departments, phone
//!   numbers and union ids into user ids; `media/upload` (a [`multipart`] body, the
//!   [`media`] kinds' formats and limits); arguments are validated first.
//! - Authentication as a type ([`auth`]): each endpoint names its scheme, and
//!   `build_request` takes that scheme's input, so a wrong one does not compile.
//! - Parsing every answer, judging DingTalk's envelope (`errcode` under HTTP 200) in one
//!   place and tolerating what DingTalk really sends (numbers as strings, missing lists).
//! - The pure halves of the client: the [`token`] cache ("the token, or the request to fetch
//!   it"), the [`retry`] policy and the [`tracking`] windows. Every decision takes `now`.
//! - Secrets ([`AccessToken`], [`AppSecret`], [`SuiteSecret`], [`SuiteTicket`]) that never
//!   print, and one [`redaction`] module for everything else.
//! - The [`Transport`] seam and the transport author's kit in [`transport`].
//!
//! # Out of scope
//! - Sockets, TLS, files, threads, locks, sleeps, clock reads and randomness: none here.
//!   The blocking `Client`, `SystemClock` and the random jitter are in `dingtalk-notify`.
//! - Async runtimes: nothing here needs one.
//!
//! # Layering
//! The modules form a DAG; each imports only from the layers before it (`.ci/module-dag`
//! checks it and prints these layers):
//! 0. leaves: `secret`, `wire`, `clock` (the trait), `http_types` (the `http` aliases and
//!    the request extensions), [`multipart`] (the form-data builder);
//! 1. `ids`, `code`, [`redaction`];
//! 2. `error`;
//! 3. `validate`, `color`, `base_url`, `response`, [`media`];
//! 4. [`auth`], [`message`];
//! 5. [`api`]: the [`Endpoint`] trait, its one generic builder, the table of the core's
//!    endpoints (what an unmarked request's idempotency is, the context of a hint) and one
//!    module per endpoint; every endpoint fact lives here;
//! 6. [`transport`] (the seam, its kit and the generic
//!    [`transport::execute`]);
//! 7. [`token`], [`retry`], [`tracking`], [`resolve`] (departments, phone numbers and union
//!    ids to user ids, walked through the contact endpoints).
//!
//! # The whole lifecycle
//! Build a request, hand it to your transport (here a closure standing in for one), parse
//! the answer:
//!
//! ```
//! use dingtalk_notify_proto::api::{SendWorkNotification, UpdateStatusBar};
//! use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, Message, ResponseError};
//!
//! let base = BaseUrl::default(); // https://oapi.dingtalk.io
//! let token = AccessToken::new("bE74xxxx");
//!
//! // 1. Build: validated, then a plain http::Request. The topapi calls take the token.
//! let send = SendWorkNotification::new(836390886, Message::text("Disk 91% on db-3"))
//!     .to_users(["manager4220"]);
//! let request = send.build_request(&base, &token)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri().path(), "/topapi/message/corpconversation/asyncsend_v2");
//!
//! // 2. Send it with any HTTP client; here, a closure answers as DingTalk would.
//! let transport = |_req: http::Request<Vec<u8>>| {
//!     http::Response::new(br#"{"errcode":0,"errmsg":"ok","task_id":256271667526}"#.to_vec())
//! };
//! let response = transport(request);
//!
//! // 3. Parse: the typed answer, or a typed error.
//! let task_id = SendWorkNotification::parse_response(response)?.task_id;
//! assert_eq!(task_id.get(), 256271667526);
//!
//! // An errcode under HTTP 200 is an error, with DingTalk's code and request id.
//! let err = UpdateStatusBar::parse_response(http::Response::new(
//!     r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"4jzllmte0wau"}"#,
//! ))
//! .unwrap_err();
//! assert_eq!(err.api().unwrap().request_id.as_deref(), Some("4jzllmte0wau"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub use http;

pub mod api;
mod api_error;
pub mod auth;
mod base_url;
pub mod campaign;
mod clock;
mod code;
mod color;
mod error;
mod http_types;
mod ids;
pub mod media;
pub mod message;
pub mod multipart;
pub mod redaction;
pub mod resolve;
mod response;
pub mod retry;
mod secret;
pub mod token;
pub mod tracking;
pub mod transport;
mod validate;
mod wire;

/// The endpoint machinery's old home, kept so that endpoint modules written against
/// `crate::endpoint::{Endpoint, json_body}` keep compiling; new code uses `super::endpoint`.
#[allow(unused_imports)]
pub(crate) use api::endpoint;
pub use api::endpoint::{AuthInput, Endpoint, USER_AGENT_VALUE, Validated};
pub use base_url::{BaseUrl, DEFAULT_BASE_URL, MAINLAND_BASE_URL};
pub use clock::{Clock, FOREVER, instant_after};
pub use code::{ErrorClass, ErrorCode};
pub use color::StatusColor;
pub use error::{ApiError, BuildError, Error, RawBody, ResponseError, TopError};
pub use http_types::{HttpRequest, HttpResponse};
pub use ids::{AgentId, DeptId, TaskId};
pub use message::Message;
pub use response::parse_response;
pub use retry::RetryPolicy;
pub use secret::{AccessToken, AppSecret, SuiteSecret, SuiteTicket};
pub use token::{TokenProvider, TokenSource};
pub use tracking::{DeliveryReport, TaskHandle, TrackPolicy};
pub use transport::Transport;
