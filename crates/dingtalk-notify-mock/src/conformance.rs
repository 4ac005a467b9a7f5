//! A **transport conformance suite**: checks, against a real [`MockServer`] on loopback, that
//! a [`Transport`] keeps the contract documented on that trait.
//!
//! The suite builds the transport under test with a function you give it,
//! `Fn(ConformanceSettings) -> T`, so each check gets a transport with the overall timeout
//! and body cap it needs. Run every check with [`Conformance::check_all`], one with its
//! `check_*` method, or expand one `#[test]` per check with
//! [`transport_conformance_tests!`](crate::transport_conformance_tests) so each failure is
//! reported on its own:
//!
//! ```no_run
//! // tests/conformance.rs of the crate that ships your transport
//! use dingtalk_notify_mock::conformance::ConformanceSettings;
//! use dingtalk_notify_proto::{HttpRequest, HttpResponse};
//!
//! /// Your transport, built with the suite's timeout and body cap.
//! fn make(
//!     settings: ConformanceSettings,
//! ) -> impl Fn(HttpRequest) -> std::io::Result<HttpResponse> {
//!     move |request: HttpRequest| -> std::io::Result<HttpResponse> {
//!         // ... send `request` with `settings.timeout` and `settings.max_body` ...
//!         # let _ = (request, settings);
//!         # Err(std::io::Error::other("send it with your HTTP client"))
//!     }
//! }
//!
//! dingtalk_notify_mock::transport_conformance_tests!(make);
//! ```
//!
//! A transport that only pretends fails, and the [`Report`] says where:
//!
//! ```
//! use dingtalk_notify_mock::conformance::{Conformance, ConformanceSettings};
//! use dingtalk_notify_proto::{HttpRequest, HttpResponse, http};
//!
//! // Answers everything with a canned 200 and never touches the network.
//! let canned = |_: ConformanceSettings| {
//!     |_: HttpRequest| -> std::io::Result<HttpResponse> {
//!         Ok(http::Response::new(br#"{"errcode":0}"#.to_vec()))
//!     }
//! };
//! let suite = Conformance::new(canned);
//!
//! let failure = suite.check_statuses_are_responses().unwrap_err();
//! assert_eq!(failure.check(), "statuses_are_responses");
//! assert!(failure.problem().contains("a 200 JSON answer"), "{failure}");
//!
//! let report = suite.check_all();
//! assert!(!report.is_ok());
//! assert_eq!(report.failures().count(), dingtalk_notify_mock::conformance::CHECKS.len());
//! println!("{report}"); // one line per check: `ok` or `FAIL` and what went wrong
//! ```
//!
//! # The checks
//! Every request carries `?access_token=`[`ACCESS_TOKEN`], and every error the transport
//! returns, in any check, must keep it (and the word `access_token`) out of its `Display`,
//! its `Debug` and its [`source`](std::error::Error::source) chain. Kinds are read with
//! [`Transport::classify`].
//!
//! | check | the server | the transport must |
//! |---|---|---|
//! | [`statuses_are_responses`](Conformance::check_statuses_are_responses) | 200 JSON with a repeated header, the simulator's 404 envelope, a 502 HTML page, 400–504, 204 | return each as `Ok`, status, headers and whole body as sent |
//! | [`redirects_are_not_followed`](Conformance::check_redirects_are_not_followed) | 301, 302, 303, 307, 308 to another path | return the 3xx with its `Location`; the target is never requested |
//! | [`body_at_the_cap_is_whole`](Conformance::check_body_at_the_cap_is_whole) | exactly [`BODY_CAP`] bytes, with `Content-Length` and chunked | return all of them |
//! | [`body_over_the_cap_fails`](Conformance::check_body_over_the_cap_fails) | [`BODY_CAP`] + 1 bytes (with `Content-Length`, chunked) and 16 × [`BODY_CAP`] chunked | fail with `BodyTooLarge` |
//! | [`small_lying_content_length_is_not_read_past`](Conformance::check_small_lying_content_length_is_not_read_past) | `Content-Length: 100`, then 16 × [`BODY_CAP`] bytes and a close | return the declared 100 bytes, or fail with `BodyTooLarge` |
//! | [`huge_declared_content_length_fails`](Conformance::check_huge_declared_content_length_fails) | `Content-Length: 1000000000`, then a few bytes (or 16 × [`BODY_CAP`]) and a close | fail with `BodyTooLarge` |
//! | [`reset_before_response_is_interrupted`](Conformance::check_reset_before_response_is_interrupted) | reads the request, then a TCP RST | fail with `Interrupted`, the POST sent once |
//! | [`reset_mid_body_is_interrupted`](Conformance::check_reset_mid_body_is_interrupted) | head and half the body, then a TCP RST | fail with `Interrupted`, the POST sent once |
//! | [`close_before_response_is_interrupted`](Conformance::check_close_before_response_is_interrupted) | reads the request, then a FIN | fail with `Interrupted`, the POST sent once |
//! | [`close_mid_body_is_interrupted`](Conformance::check_close_mid_body_is_interrupted) | head and half the body, then a FIN | fail with `Interrupted`, the POST sent once |
//! | [`timeout_waiting_for_the_answer`](Conformance::check_timeout_waiting_for_the_answer) | answers after 5 s; the transport's timeout is [`SHORT_TIMEOUT`] | fail with `Timeout`, within 3 s |
//! | [`timeout_reading_the_body`](Conformance::check_timeout_reading_the_body) | the head at once, then the body a byte every 50 ms | fail with `Timeout`, within 3 s |
//! | [`request_timeout_is_honoured`](Conformance::check_request_timeout_is_honoured) | answers after 5 s; the transport's timeout is [`LONG_TIMEOUT`], the request's [`RequestTimeout`] is [`SHORT_TIMEOUT`] (and the other way round) | fail with `Timeout`, within 3 s |
//! | [`connection_refused_is_connect`](Conformance::check_connection_refused_is_connect) | nothing listens on the port | fail with `Connect` |
//! | [`connections_are_kept_alive`](Conformance::check_connections_are_kept_alive) | answers 200, 404 and 502 | send the three requests over one connection |
//! | [`requests_are_sent_as_built`](Conformance::check_requests_are_sent_as_built) | records what arrives | send method, path, query, headers (repeated ones in order, the caller's `User-Agent` once) and body unchanged; no body headers on a bodiless `GET` |
//! | [`non_idempotent_requests_are_not_resent`](Conformance::check_non_idempotent_requests_are_not_resent) | after two answered requests, resets (or closes) the connection of a [`Idempotency::NonIdempotent`] POST before answering | fail, having sent the POST once |
//! | [`errors_hide_the_access_token`](Conformance::check_errors_hide_the_access_token) | refuses the connection; answers garbage that quotes the request URL | fail without printing the token |
//!
//! What is accepted is strict on purpose: when the connection breaks after the request was
//! written, only `Interrupted` passes. `Connect` would tell the client that nothing was sent
//! (and it would repeat a send), `Timeout` names a stall that did not happen, and `Unknown`
//! (the default of [`Transport::classify`]) says nothing. A lying `Content-Length` may be
//! trusted (the declared bytes come back) or distrusted (reading stops at the cap); what is
//! never accepted is a body over the cap. The time bounds (3 s for a 300 ms timeout against
//! a 5 s stall) only tell "the limit applied" from "the server finally answered".
//!
//! The suite runs in a few seconds; every check starts its own simulator, so checks may run
//! in parallel.

use std::fmt;
use std::net::TcpListener;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::ErrorCode;
use dingtalk_notify_proto::http::{self, Method, StatusCode};
use dingtalk_notify_proto::transport::{
    HttpRequest, HttpResponse, Idempotency, RequestTimeout, Transport, TransportErrorKind,
};

use crate::fault::{Calls, Fault, Route};
use crate::record::RecordedRequest;
use crate::server::{BAD_GATEWAY_HTML, MockServer};

/// The access token every request of the suite carries in its query; no error may show it.
pub const ACCESS_TOKEN: &str = "c0nformance-T0KEN-5f3a9d";

/// The body cap the suite asks for ([`ConformanceSettings::max_body`]): 64 KiB.
pub const BODY_CAP: usize = 64 * 1024;

/// The overall timeout of every check that is not about timeouts: 10 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The short timeout the timeout checks set (on the transport or as a [`RequestTimeout`]).
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

/// The transport's own timeout when the request's [`RequestTimeout`] is the short one.
pub const LONG_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a stalling server waits before answering.
const STALL: Duration = Duration::from_secs(5);

/// A timeout check passes only if the error comes this soon: well before [`STALL`] ends.
const TIMEOUT_BOUND: Duration = Duration::from_secs(3);

/// Every check, by name, in the order [`Conformance::check_all`] runs them; the tests that
/// [`transport_conformance_tests!`](crate::transport_conformance_tests) expands have these
/// names.
pub const CHECKS: [&str; 18] = [
    "statuses_are_responses",
    "redirects_are_not_followed",
    "body_at_the_cap_is_whole",
    "body_over_the_cap_fails",
    "small_lying_content_length_is_not_read_past",
    "huge_declared_content_length_fails",
    "reset_before_response_is_interrupted",
    "reset_mid_body_is_interrupted",
    "close_before_response_is_interrupted",
    "close_mid_body_is_interrupted",
    "timeout_waiting_for_the_answer",
    "timeout_reading_the_body",
    "request_timeout_is_honoured",
    "connection_refused_is_connect",
    "connections_are_kept_alive",
    "requests_are_sent_as_built",
    "non_idempotent_requests_are_not_resent",
    "errors_hide_the_access_token",
];

const SEND_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const SEND_BODY: &[u8] =
    br#"{"agent_id":836390886,"userid_list":"manager4220","msg":{"msgtype":"text","text":{"content":"hi"}}}"#;

/// What a check asks of the transport it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConformanceSettings {
    /// The overall timeout: connect, send, and read the whole body.
    pub timeout: Duration,
    /// The body cap, in bytes: a larger body must fail with
    /// [`TransportErrorKind::BodyTooLarge`].
    pub max_body: usize,
}

impl ConformanceSettings {
    /// These settings.
    pub fn new(timeout: Duration, max_body: usize) -> Self {
        Self { timeout, max_body }
    }
}

impl Default for ConformanceSettings {
    /// [`DEFAULT_TIMEOUT`] and [`BODY_CAP`].
    fn default() -> Self {
        Self::new(DEFAULT_TIMEOUT, BODY_CAP)
    }
}

/// One check that did not pass: its name and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    check: &'static str,
    problem: String,
}

impl Failure {
    /// The check's name (one of [`CHECKS`]).
    pub fn check(&self) -> &'static str {
        self.check
    }

    /// What went wrong (the access token, should an error have shown it, is cut out).
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.check, self.problem)
    }
}

impl std::error::Error for Failure {}

/// The outcome of every check, from [`Conformance::check_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    outcomes: Vec<(&'static str, Result<(), Failure>)>,
}

impl Report {
    /// Whether every check passed.
    pub fn is_ok(&self) -> bool {
        self.outcomes.iter().all(|(_, r)| r.is_ok())
    }

    /// The checks that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.outcomes.iter().filter_map(|(_, r)| r.as_ref().err())
    }

    /// The names of the checks that passed.
    pub fn passed(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.outcomes
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(name, _)| *name)
    }

    /// One check's outcome, by name.
    pub fn outcome(&self, check: &str) -> Option<&Result<(), Failure>> {
        self.outcomes
            .iter()
            .find(|(name, _)| *name == check)
            .map(|(_, r)| r)
    }
}

impl fmt::Display for Report {
    /// One line per check: `ok   name` or `FAIL name: problem`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, outcome) in &self.outcomes {
            match outcome {
                Ok(()) => writeln!(f, "ok   {name}")?,
                Err(failure) => writeln!(f, "FAIL {failure}")?,
            }
        }
        Ok(())
    }
}

/// The conformance suite over the transports that `make` builds.
///
/// `make` is called once or more per check, with the settings the check needs; every
/// transport it returns must honour them. See the [module docs](self) for the checks.
pub struct Conformance<F> {
    make: F,
}

impl<F> fmt::Debug for Conformance<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conformance").finish_non_exhaustive()
    }
}

type Check<T> = fn(&T) -> Result<(), String>;

/// The result of one exchange: the response or the error with its kind, and how long it took.
type Sent<E> = (Result<HttpResponse, (E, TransportErrorKind)>, Duration);

impl<F> Conformance<F> {
    /// The suite over the transports `make` builds.
    pub fn new(make: F) -> Self {
        Self { make }
    }
}

impl<F, T> Conformance<F>
where
    F: Fn(ConformanceSettings) -> T,
    T: Transport,
{
    fn table() -> [(&'static str, Check<Self>); 18] {
        [
            (CHECKS[0], Self::statuses),
            (CHECKS[1], Self::redirects),
            (CHECKS[2], Self::body_at_cap),
            (CHECKS[3], Self::body_over_cap),
            (CHECKS[4], Self::small_lying_length),
            (CHECKS[5], Self::huge_declared_length),
            (CHECKS[6], |s| s.interrupted(&Fault::ResetBeforeResponse)),
            (CHECKS[7], |s| s.interrupted(&Fault::ResetMidBody)),
            (CHECKS[8], |s| s.interrupted(&Fault::CloseBeforeResponse)),
            (CHECKS[9], |s| s.interrupted(&Fault::CloseMidBody)),
            (CHECKS[10], Self::timeout_waiting),
            (CHECKS[11], Self::timeout_reading),
            (CHECKS[12], Self::request_timeout),
            (CHECKS[13], Self::refused),
            (CHECKS[14], Self::keep_alive),
            (CHECKS[15], Self::sent_as_built),
            (CHECKS[16], Self::not_resent),
            (CHECKS[17], Self::hygiene),
        ]
    }

    /// Runs every check, in the order of [`CHECKS`]. A panic in the transport (or in `make`)
    /// fails that check only.
    pub fn check_all(&self) -> Report {
        let outcomes = Self::table()
            .into_iter()
            .map(|(name, check)| (name, self.run(name, check)))
            .collect();
        Report { outcomes }
    }

    fn run(&self, name: &'static str, check: Check<Self>) -> Result<(), Failure> {
        let outcome = catch_unwind(AssertUnwindSafe(|| check(self))).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string payload".to_owned());
            Err(format!("panicked: {message}"))
        });
        outcome.map_err(|problem| Failure {
            check: name,
            problem: problem.replace(ACCESS_TOKEN, "<the access token>"),
        })
    }

    fn by_name(&self, name: &'static str) -> Result<(), Failure> {
        let check = Self::table()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c);
        match check {
            Some(check) => self.run(name, check),
            None => Err(Failure {
                check: name,
                problem: "no such check".to_owned(),
            }),
        }
    }

    /// Every status comes back as a response with its headers and whole body: a 200 JSON
    /// answer with a repeated header, the simulator's 404 envelope, a gateway's 502 HTML
    /// page, 400, 401, 403, 429, 500, 503 and 504 pages, and a bodiless 204.
    ///
    /// # Errors
    /// The first answer that came back as an error or changed.
    pub fn check_statuses_are_responses(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[0])
    }

    /// 301, 302, 303, 307 and 308 come back as they are, `Location` included, and their
    /// target is never requested (the 303, 307 and 308 answer a POST).
    ///
    /// # Errors
    /// A redirect that failed, changed or was followed.
    pub fn check_redirects_are_not_followed(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[1])
    }

    /// A body of exactly [`BODY_CAP`] bytes comes back whole, framed by `Content-Length`
    /// and chunked.
    ///
    /// # Errors
    /// When it failed or came back cut.
    pub fn check_body_at_the_cap_is_whole(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[2])
    }

    /// A body of [`BODY_CAP`] + 1 bytes (framed by `Content-Length`, and chunked) and a
    /// chunked one of 16 × [`BODY_CAP`] fail with [`TransportErrorKind::BodyTooLarge`].
    ///
    /// # Errors
    /// When one came back, or failed with another kind.
    pub fn check_body_over_the_cap_fails(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[3])
    }

    /// `Content-Length: 100` followed by 16 × [`BODY_CAP`] bytes and a close: the transport
    /// returns the 100 declared bytes, or fails with [`TransportErrorKind::BodyTooLarge`];
    /// it never returns more than its cap.
    ///
    /// # Errors
    /// Any other outcome.
    pub fn check_small_lying_content_length_is_not_read_past(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[4])
    }

    /// `Content-Length: 1000000000` fails with [`TransportErrorKind::BodyTooLarge`], whether
    /// a few bytes or 16 × [`BODY_CAP`] follow before the close: the declared body is over
    /// the cap, so the answer is unusable, and repeating the request cannot help.
    ///
    /// # Errors
    /// When it came back, or failed with another kind.
    pub fn check_huge_declared_content_length_fails(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[5])
    }

    /// The server reads the request and resets the connection (a TCP RST) without a byte
    /// of answer: a GET and a POST both fail with [`TransportErrorKind::Interrupted`], the
    /// POST sent once.
    ///
    /// # Errors
    /// An answer, another kind, or a POST sent twice.
    pub fn check_reset_before_response_is_interrupted(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[6])
    }

    /// The server sends the head and half the body, then resets the connection: as
    /// [the reset check](Self::check_reset_before_response_is_interrupted).
    ///
    /// # Errors
    /// An answer, another kind, or a POST sent twice.
    pub fn check_reset_mid_body_is_interrupted(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[7])
    }

    /// The server reads the request and closes the connection (a FIN) without a byte of
    /// answer: as
    /// [the reset check](Self::check_reset_before_response_is_interrupted).
    ///
    /// # Errors
    /// An answer, another kind, or a POST sent twice.
    pub fn check_close_before_response_is_interrupted(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[8])
    }

    /// The server sends the head and half the body, then closes the connection: as
    /// [the reset check](Self::check_reset_before_response_is_interrupted).
    ///
    /// # Errors
    /// An answer, another kind, or a POST sent twice.
    pub fn check_close_mid_body_is_interrupted(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[9])
    }

    /// With the transport's timeout at [`SHORT_TIMEOUT`], a server that answers after 5 s
    /// makes the request fail with [`TransportErrorKind::Timeout`] within 3 s.
    ///
    /// # Errors
    /// An answer, another kind, or a late error.
    pub fn check_timeout_waiting_for_the_answer(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[10])
    }

    /// With the transport's timeout at [`SHORT_TIMEOUT`], a server that sends the head at
    /// once and then the body a byte every 50 ms makes the request fail with
    /// [`TransportErrorKind::Timeout`] within 3 s: the overall timeout covers reading the
    /// body, not only each read.
    ///
    /// # Errors
    /// An answer, another kind, or a late error.
    pub fn check_timeout_reading_the_body(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[11])
    }

    /// The smaller of the transport's timeout and the request's [`RequestTimeout`] applies:
    /// a transport with [`LONG_TIMEOUT`] and a request with `RequestTimeout(`[`SHORT_TIMEOUT`]`)`,
    /// then a transport with [`SHORT_TIMEOUT`] and a request with
    /// `RequestTimeout(`[`LONG_TIMEOUT`]`)`, against a server that answers after 5 s, both
    /// fail with [`TransportErrorKind::Timeout`] within 3 s.
    ///
    /// # Errors
    /// An answer, another kind, or a late error.
    pub fn check_request_timeout_is_honoured(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[12])
    }

    /// A port nothing listens on fails with [`TransportErrorKind::Connect`].
    ///
    /// # Errors
    /// An answer or another kind.
    pub fn check_connection_refused_is_connect(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[13])
    }

    /// Three GETs in a row, answered 200, 404 and 502, go over one connection.
    ///
    /// # Errors
    /// A request that failed, or more than one connection.
    pub fn check_connections_are_kept_alive(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[14])
    }

    /// Requests arrive as built: a POST (marked non-idempotent, then idempotent) with a
    /// query, a JSON body, a repeated header, a header with spaces and the caller's
    /// `User-Agent`; PUT, PATCH and DELETE with a body; and a GET with an empty body,
    /// which goes without `Content-Length` or `Transfer-Encoding`.
    ///
    /// # Errors
    /// The first difference between what was built and what arrived.
    pub fn check_requests_are_sent_as_built(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[15])
    }

    /// After a GET and a POST were answered (so a pooled connection is warm), the server
    /// resets, then (on a new server) closes the connection of a
    /// [`Idempotency::NonIdempotent`] POST before answering: the request fails and the
    /// server saw it once. An HTTP library that silently re-sends a request whose reused
    /// connection died (libcurl does) fails here.
    ///
    /// # Errors
    /// An answer, or the POST seen more than once.
    pub fn check_non_idempotent_requests_are_not_resent(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[16])
    }

    /// A refused connection and an answer that is not HTTP (and quotes the request URL back)
    /// both fail, and neither error shows the access token or the word `access_token`.
    /// (Every other check applies the same rule to every error it sees.)
    ///
    /// # Errors
    /// An answer, or an error showing the token.
    pub fn check_errors_hide_the_access_token(&self) -> Result<(), Failure> {
        self.by_name(CHECKS[17])
    }

    // ----- the checks -----

    fn statuses(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        let json = br#"{"errcode":0,"errmsg":"ok","task_id":256271667526}"#;
        once(
            &server,
            Fault::Raw(raw_answer(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("X-Multi", "one"),
                    ("X-Multi", "two"),
                ],
                json,
            )),
        );
        let what = "a 200 JSON answer";
        let r = answer(&t, get(&url(&server, "/conformance/ok"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        expect_body(&r, json, what)?;
        if r.version() != http::Version::HTTP_11 {
            return Err(format!("{what}: version {:?}, not HTTP/1.1", r.version()));
        }
        let content_type = r.headers().get(http::header::CONTENT_TYPE);
        if content_type.is_none_or(|v| v != "application/json") {
            return Err(format!("{what}: Content-Type {content_type:?}"));
        }
        let multi: Vec<_> = r.headers().get_all("x-multi").iter().collect();
        if multi != ["one", "two"] {
            return Err(format!(
                "{what}: the repeated X-Multi came back as {multi:?}"
            ));
        }

        server.clear_faults();
        let what = "the simulator's 404 envelope";
        let r = answer(&t, get(&url(&server, "/conformance/not-found"))?, what)?;
        expect_status(&r, StatusCode::NOT_FOUND, what)?;
        expect_framed(&r, what)?;
        let envelope: serde_json::Value = serde_json::from_slice(r.body())
            .map_err(|e| format!("{what}: the body is not JSON ({e}): {}", show(r.body())))?;
        if envelope["errcode"] != ErrorCode::INVALID_METHOD.get() {
            return Err(format!("{what}: unexpected body {envelope}"));
        }

        once(&server, Fault::Http502Html);
        let what = "a gateway's 502 HTML page";
        let r = answer(&t, get(&url(&server, "/conformance/bad-gateway"))?, what)?;
        expect_status(&r, StatusCode::BAD_GATEWAY, what)?;
        expect_body(&r, BAD_GATEWAY_HTML.as_bytes(), what)?;

        for status in [400u16, 401, 403, 429, 500, 503, 504, 204] {
            let body = if status == 204 {
                String::new()
            } else {
                format!("<html><body>status {status}</body></html>")
            };
            once(
                &server,
                Fault::HttpStatus {
                    status,
                    body: body.clone(),
                },
            );
            let what = format!("a {status} answer");
            let path = format!("/conformance/status/{status}");
            let r = answer(&t, get(&url(&server, &path))?, &what)?;
            expect_status(&r, StatusCode::from_u16(status).unwrap_or_default(), &what)?;
            expect_body(&r, body.as_bytes(), &what)?;
        }
        Ok(())
    }

    fn redirects(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let target_path = "/conformance/redirect-target";
        let target = format!("{}{target_path}", server.base_url());
        let followed = |what: &str| -> Result<(), String> {
            let hits = server
                .requests()
                .iter()
                .filter(|r| r.path == target_path)
                .count();
            if hits > 0 {
                return Err(format!(
                    "{what}: the redirect was followed ({hits} request(s) to its target)"
                ));
            }
            Ok(())
        };

        once(&server, Fault::Redirect(target.clone()));
        let what = "a 302 answer to a GET";
        let r = answer(&t, get(&url(&server, "/conformance/redirect"))?, what)?;
        followed(what)?;
        expect_status(&r, StatusCode::FOUND, what)?;
        expect_location(&r, &target, what)?;

        for (status, method) in [
            (301u16, Method::GET),
            (303, Method::POST),
            (307, Method::POST),
            (308, Method::POST),
        ] {
            once(
                &server,
                Fault::Raw(raw_answer(status, &[("Location", &target)], b"moved")),
            );
            let what = format!("a {status} answer to a {method}");
            let request = if method == Method::GET {
                get(&url(&server, "/conformance/redirect"))?
            } else {
                post(&url(&server, "/conformance/redirect"), SEND_BODY)?
            };
            let r = answer(&t, request, &what)?;
            followed(&what)?;
            expect_status(&r, StatusCode::from_u16(status).unwrap_or_default(), &what)?;
            expect_location(&r, &target, &what)?;
            expect_body(&r, b"moved", &what)?;
        }
        Ok(())
    }

    fn body_at_cap(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        once(&server, Fault::Oversized(BODY_CAP));
        let what = "a body of exactly the cap, with Content-Length";
        let r = answer(&t, get(&url(&server, "/conformance/at-cap"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        if r.body().len() != BODY_CAP {
            return Err(format!(
                "{what}: {} bytes came back, not {BODY_CAP}",
                r.body().len()
            ));
        }
        serde_json::from_slice::<serde_json::Value>(r.body())
            .map_err(|e| format!("{what}: the body is not the JSON sent ({e})"))?;

        let body = vec![b'c'; BODY_CAP];
        once(&server, Fault::Raw(chunked_answer(&body)));
        let what = "a chunked body of exactly the cap";
        let r = answer(&t, get(&url(&server, "/conformance/at-cap-chunked"))?, what)?;
        expect_status(&r, StatusCode::OK, what)?;
        expect_body(&r, &body, what)
    }

    fn body_over_cap(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let cases = [
            (
                "a body of the cap + 1, with Content-Length",
                Fault::Oversized(BODY_CAP + 1),
            ),
            (
                "a chunked body of the cap + 1",
                Fault::Raw(chunked_answer(&vec![b'c'; BODY_CAP + 1])),
            ),
            (
                "a chunked body of 16 times the cap",
                Fault::Raw(chunked_answer(&vec![b'c'; 16 * BODY_CAP])),
            ),
        ];
        for (what, fault) in cases {
            once(&server, fault);
            let e = failure(&t, get(&url(&server, "/conformance/over-cap"))?, what)?;
            expect_kind(e, TransportErrorKind::BodyTooLarge, what)?;
        }
        Ok(())
    }

    fn small_lying_length(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        once(
            &server,
            Fault::OversizedBehindSmallContentLength {
                declared: 100,
                actual: 16 * BODY_CAP,
            },
        );
        let what = "Content-Length: 100 before 16 times the cap";
        let (sent, _) = exchange(&t, get(&url(&server, "/conformance/lying"))?);
        match sent {
            Ok(r) if r.body().len() == 100 => Ok(()),
            Ok(r) => Err(format!(
                "{what}: {} bytes came back (the declared 100, or an error, expected; \
                 the cap is {BODY_CAP})",
                r.body().len()
            )),
            Err((e, kind)) => {
                clean(&e)?;
                if kind == TransportErrorKind::BodyTooLarge {
                    Ok(())
                } else {
                    Err(format!(
                        "{what}: failed with {kind:?}, not BodyTooLarge (or the 100 declared \
                         bytes): {e}"
                    ))
                }
            }
        }
    }

    fn huge_declared_length(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let mut short = crate::http::head(
            200,
            &[("Content-Type", "application/json".to_owned())],
            Some(1_000_000_000),
            false,
        );
        short.extend_from_slice(br#"{"errcode":0"#);
        let cases = [
            (
                "Content-Length: 1000000000 and a few bytes",
                Fault::Raw(short),
            ),
            (
                "Content-Length: 1000000000 and 16 times the cap",
                Fault::OversizedBehindSmallContentLength {
                    declared: 1_000_000_000,
                    actual: 16 * BODY_CAP,
                },
            ),
        ];
        for (what, fault) in cases {
            once(&server, fault);
            let e = failure(&t, get(&url(&server, "/conformance/huge-length"))?, what)?;
            expect_kind(e, TransportErrorKind::BodyTooLarge, what)?;
        }
        Ok(())
    }

    fn interrupted(&self, fault: &Fault) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());

        once(&server, fault.clone());
        let what = format!("{fault:?} on a GET");
        let e = failure(&t, get(&url(&server, "/gettoken"))?, &what)?;
        expect_kind(e, TransportErrorKind::Interrupted, &what)?;

        once(&server, fault.clone());
        let what = format!("{fault:?} on a non-idempotent POST");
        let e = failure(&t, send_request(&server)?, &what)?;
        expect_kind(e, TransportErrorKind::Interrupted, &what)?;
        sent_once(&server, &what)
    }

    fn timeout_waiting(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::new(SHORT_TIMEOUT, BODY_CAP));
        once(&server, Fault::Delay(STALL));
        let what = format!("a {SHORT_TIMEOUT:?} timeout against an answer after {STALL:?}");
        timed_out(&t, get(&url(&server, "/gettoken"))?, &what)
    }

    fn timeout_reading(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::new(SHORT_TIMEOUT, BODY_CAP));
        let interval = Duration::from_millis(50);
        once(&server, Fault::SlowDrip { chunk: 1, interval });
        let what = format!(
            "a {SHORT_TIMEOUT:?} timeout against a body dripping a byte every {interval:?}"
        );
        timed_out(&t, get(&url(&server, "/gettoken"))?, &what)
    }

    fn request_timeout(&self) -> Result<(), String> {
        let server = start()?;
        let cases = [(LONG_TIMEOUT, SHORT_TIMEOUT), (SHORT_TIMEOUT, LONG_TIMEOUT)];
        for (own, extension) in cases {
            let t = self.transport(ConformanceSettings::new(own, BODY_CAP));
            once(&server, Fault::Delay(STALL));
            let mut request = get(&url(&server, "/gettoken"))?;
            request.extensions_mut().insert(RequestTimeout(extension));
            let what = format!(
                "a transport timeout of {own:?} and a RequestTimeout of {extension:?} against an \
                 answer after {STALL:?}"
            );
            timed_out(&t, request, &what)?;
        }
        Ok(())
    }

    fn refused(&self) -> Result<(), String> {
        let t = self.transport(ConformanceSettings::default());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let what = "a port nothing listens on";
        let request = get(&format!(
            "http://127.0.0.1:{port}/gettoken?access_token={ACCESS_TOKEN}"
        ))?;
        let e = failure(&t, request, what)?;
        expect_kind(e, TransportErrorKind::Connect, what)
    }

    fn keep_alive(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        answer(&t, get(&url(&server, "/gettoken"))?, "a 200 answer")?;
        answer(&t, get(&url(&server, "/conformance/nope"))?, "a 404 answer")?;
        once(&server, Fault::Http502Html);
        answer(&t, get(&url(&server, "/gettoken"))?, "a 502 answer")?;
        let requests = server.requests().len();
        let connections = server.connections_accepted();
        if requests != 3 || connections != 1 {
            return Err(format!(
                "three GETs answered 200, 404 and 502 took {connections} connection(s) for \
                 {requests} request(s); one connection expected"
            ));
        }
        Ok(())
    }

    fn sent_as_built(&self) -> Result<(), String> {
        let server = start()?;
        let t = self.transport(ConformanceSettings::default());
        let query = format!("access_token={ACCESS_TOKEN}&x=1&q=a%20b%2Fc");
        let target = format!("{}/conformance/echo?{query}", server.base_url());
        let expected_query = [("access_token", ACCESS_TOKEN), ("x", "1"), ("q", "a b/c")];

        for marker in [Idempotency::NonIdempotent, Idempotency::Idempotent] {
            let request = http::Request::post(&target)
                .header("Content-Type", "application/json")
                .header("X-Custom", "first")
                .header("X-Custom", "second")
                .header("X-Spaces", "a b; c=d")
                .header("User-Agent", "conformance-caller/1.0")
                .extension(marker)
                .body(SEND_BODY.to_vec())
                .map_err(|e| format!("cannot build the request: {e}"))?;
            let what = format!("a {marker:?} POST");
            answer(&t, request, &what)?;
            let seen = last_request(&server, &what)?;
            expect_eq(&what, "method", &seen.method.as_str(), &"POST")?;
            expect_eq(&what, "path", &seen.path.as_str(), &"/conformance/echo")?;
            let query: Vec<(&str, &str)> = seen
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            expect_eq(
                &what,
                "query",
                &query.as_slice(),
                &expected_query.as_slice(),
            )?;
            for (name, values) in [
                ("content-type", &["application/json"][..]),
                ("x-custom", &["first", "second"][..]),
                ("x-spaces", &["a b; c=d"][..]),
                ("user-agent", &["conformance-caller/1.0"][..]),
            ] {
                expect_eq(&what, name, &seen.header_values(name).as_slice(), &values)?;
            }
            let length = SEND_BODY.len().to_string();
            let framing = (
                seen.header("content-length"),
                seen.header("transfer-encoding"),
            );
            if !matches!(framing, (Some(l), None) if l == length)
                && !matches!(framing, (None, Some(te)) if te.eq_ignore_ascii_case("chunked"))
            {
                return Err(format!(
                    "{what}: framed by Content-Length {:?} and Transfer-Encoding {:?}",
                    framing.0, framing.1
                ));
            }
            expect_eq(&what, "body", &seen.body.as_slice(), &SEND_BODY)?;
        }

        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            let request = http::Request::builder()
                .method(method.clone())
                .uri(url(&server, "/conformance/echo"))
                .body(b"payload".to_vec())
                .map_err(|e| format!("cannot build the request: {e}"))?;
            let what = format!("a {method} with a body");
            answer(&t, request, &what)?;
            let seen = last_request(&server, &what)?;
            expect_eq(&what, "method", &seen.method.as_str(), &method.as_str())?;
            expect_eq(&what, "body", &seen.body.as_slice(), &b"payload".as_slice())?;
        }

        let what = "a GET with an empty body";
        answer(&t, get(&url(&server, "/conformance/echo"))?, what)?;
        let seen = last_request(&server, what)?;
        expect_eq(what, "method", &seen.method.as_str(), &"GET")?;
        for name in ["content-length", "transfer-encoding"] {
            if let Some(value) = seen.header(name) {
                return Err(format!("{what}: arrived with {name}: {value}"));
            }
        }
        Ok(())
    }

    fn not_resent(&self) -> Result<(), String> {
        for fault in [Fault::ResetBeforeResponse, Fault::CloseBeforeResponse] {
            let server = start()?;
            let t = self.transport(ConformanceSettings::default());
            answer(&t, get(&url(&server, "/gettoken"))?, "a warm-up GET")?;
            let warm = post(&url(&server, "/conformance/warm-up"), SEND_BODY)?;
            answer(&t, warm, "a warm-up POST")?;
            server.inject(Route::Send, Calls::All, fault.clone());
            let what = format!("{fault:?} on a non-idempotent POST after two answered requests");
            let (sent, _) = exchange(&t, send_request(&server)?);
            if let Ok(r) = sent {
                return Err(format!("{what}: came back as HTTP {}", r.status()));
            }
            if let Err((e, _)) = &sent {
                clean(e)?;
            }
            sent_once(&server, &what)?;
        }
        Ok(())
    }

    fn hygiene(&self) -> Result<(), String> {
        let t = self.transport(ConformanceSettings::default());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let refused = get(&format!(
            "http://127.0.0.1:{port}/gettoken?access_token={ACCESS_TOKEN}"
        ))?;
        failure(&t, refused, "a refused connection")?;

        let server = start()?;
        let target = url(&server, "/gettoken");
        let echo = format!(
            "HTTP/1.1 2OO BAD {target}\r\nLocation: {target}\r\n\r\nGET {target} failed\r\n"
        );
        once(&server, Fault::Raw(echo.into_bytes()));
        failure(
            &t,
            get(&target)?,
            "an answer that is not HTTP and quotes the URL",
        )?;
        Ok(())
    }

    fn transport(&self, settings: ConformanceSettings) -> T {
        (self.make)(settings)
    }
}

// ----- helpers -----

fn start() -> Result<MockServer, String> {
    MockServer::builder()
        .start()
        .map_err(|e| format!("cannot start the simulator: {e}"))
}

/// The next call, whatever its path, gets `fault`.
fn once(server: &MockServer, fault: Fault) {
    server.clear_faults();
    server.inject(Route::Any, Calls::First(1), fault);
}

fn url(server: &MockServer, path: &str) -> String {
    format!("{}{path}?access_token={ACCESS_TOKEN}", server.base_url())
}

fn get(url: &str) -> Result<HttpRequest, String> {
    http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| format!("cannot build a GET: {e}"))
}

fn post(url: &str, body: &[u8]) -> Result<HttpRequest, String> {
    http::Request::post(url)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .map_err(|e| format!("cannot build a POST: {e}"))
}

/// A send, as the core builds it: a POST marked non-idempotent.
fn send_request(server: &MockServer) -> Result<HttpRequest, String> {
    let mut request = post(&url(server, SEND_PATH), SEND_BODY)?;
    request.extensions_mut().insert(Idempotency::NonIdempotent);
    Ok(request)
}

fn sent_once(server: &MockServer, what: &str) -> Result<(), String> {
    let seen = server.requests_to(Route::Send).len();
    if seen != 1 {
        return Err(format!(
            "{what}: the server saw the POST {seen} times, not once"
        ));
    }
    Ok(())
}

/// A complete answer with a correct `Content-Length` and `Connection: close`.
fn raw_answer(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let headers: Vec<(&str, String)> = headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
    let mut out = crate::http::head(status, &headers, Some(body.len()), false);
    out.extend_from_slice(body);
    out
}

/// A `200` with `body` in chunks of at most 4 KiB, and `Connection: close`.
fn chunked_answer(body: &[u8]) -> Vec<u8> {
    let headers = [("Transfer-Encoding", "chunked".to_owned())];
    let mut out = crate::http::head(200, &headers, None, false);
    for piece in body.chunks(4096) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn exchange<T: Transport>(t: &T, request: HttpRequest) -> Sent<T::Error> {
    let started = Instant::now();
    let sent = t.send(request).map_err(|e| {
        let kind = t.classify(&e);
        (e, kind)
    });
    (sent, started.elapsed())
}

/// The response, or why there was none.
fn answer<T: Transport>(t: &T, request: HttpRequest, what: &str) -> Result<HttpResponse, String> {
    match exchange(t, request).0 {
        Ok(r) => Ok(r),
        Err((e, kind)) => {
            clean(&e)?;
            Err(format!(
                "{what}: expected a response, got an error ({kind:?}): {e}"
            ))
        }
    }
}

/// The error (checked for the token) and its kind, or why there was none.
fn failure<T: Transport>(
    t: &T,
    request: HttpRequest,
    what: &str,
) -> Result<(T::Error, TransportErrorKind), String> {
    match exchange(t, request).0 {
        Ok(r) => Err(format!(
            "{what}: expected an error, got HTTP {} with {} bytes",
            r.status(),
            r.body().len()
        )),
        Err((e, kind)) => {
            clean(&e)?;
            Ok((e, kind))
        }
    }
}

fn timed_out<T: Transport>(t: &T, request: HttpRequest, what: &str) -> Result<(), String> {
    let (sent, took) = exchange(t, request);
    match sent {
        Ok(r) => Err(format!(
            "{what}: expected a Timeout, got HTTP {} after {took:?}",
            r.status()
        )),
        Err((e, kind)) => {
            clean(&e)?;
            if kind != TransportErrorKind::Timeout {
                return Err(format!("{what}: failed with {kind:?}, not Timeout: {e}"));
            }
            if took >= TIMEOUT_BOUND {
                return Err(format!(
                    "{what}: the Timeout came after {took:?}, not within {TIMEOUT_BOUND:?}"
                ));
            }
            Ok(())
        }
    }
}

fn expect_kind<E: fmt::Display>(
    (e, kind): (E, TransportErrorKind),
    expected: TransportErrorKind,
    what: &str,
) -> Result<(), String> {
    if kind != expected {
        return Err(format!(
            "{what}: failed with {kind:?}, not {expected:?}: {e}"
        ));
    }
    Ok(())
}

/// Whether an error keeps the token out of its `Display`, `Debug` and source chain.
fn clean<E: std::error::Error + 'static>(error: &E) -> Result<(), String> {
    let mut shown = vec![
        ("Display", error.to_string()),
        ("Debug", format!("{error:?}")),
        ("alternate Debug", format!("{error:#?}")),
    ];
    let mut source = error.source();
    while let Some(s) = source {
        shown.push(("a source's Display", s.to_string()));
        shown.push(("a source's Debug", format!("{s:?}")));
        source = s.source();
    }
    for (how, text) in shown {
        if text.contains(ACCESS_TOKEN) || text.to_ascii_lowercase().contains("access_token") {
            return Err(format!(
                "an error's {how} shows the access token: {}",
                text.replace(ACCESS_TOKEN, "<the access token>")
            ));
        }
    }
    Ok(())
}

fn expect_status(r: &HttpResponse, status: StatusCode, what: &str) -> Result<(), String> {
    if r.status() != status {
        return Err(format!(
            "{what}: came back as {}, not {status} (body: {})",
            r.status(),
            show(r.body())
        ));
    }
    Ok(())
}

fn expect_body(r: &HttpResponse, body: &[u8], what: &str) -> Result<(), String> {
    if r.body() != body {
        return Err(format!(
            "{what}: the body came back as {} ({} bytes), not {} ({} bytes)",
            show(r.body()),
            r.body().len(),
            show(body),
            body.len()
        ));
    }
    Ok(())
}

/// The body is as long as `Content-Length` says, when there is one.
fn expect_framed(r: &HttpResponse, what: &str) -> Result<(), String> {
    let declared = r
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n != r.body().len() => Err(format!(
            "{what}: {} bytes came back, Content-Length says {n}",
            r.body().len()
        )),
        _ => Ok(()),
    }
}

fn expect_location(r: &HttpResponse, location: &str, what: &str) -> Result<(), String> {
    let got = r.headers().get(http::header::LOCATION);
    if got.is_none_or(|v| v != location) {
        return Err(format!(
            "{what}: Location came back as {got:?}, not {location:?}"
        ));
    }
    Ok(())
}

fn expect_eq<A: PartialEq<B> + fmt::Debug, B: fmt::Debug>(
    what: &str,
    field: &str,
    got: &A,
    expected: &B,
) -> Result<(), String> {
    if got != expected {
        return Err(format!(
            "{what}: {field} arrived as {got:?}, not {expected:?}"
        ));
    }
    Ok(())
}

fn last_request(server: &MockServer, what: &str) -> Result<RecordedRequest, String> {
    server
        .requests()
        .pop()
        .ok_or_else(|| format!("{what}: the server saw no request"))
}

/// A body for a message: lossy text, cut to 200 characters.
fn show(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

/// Expands one `#[test]` per conformance check (see [`conformance`](crate::conformance))
/// over the transports that `$make: Fn(ConformanceSettings) -> T` builds. The tests are
/// named after [`CHECKS`](crate::conformance::CHECKS); expand it in a test file (or module)
/// of its own.
///
/// ```no_run
/// use dingtalk_notify_mock::conformance::ConformanceSettings;
/// use dingtalk_notify_proto::{HttpRequest, HttpResponse};
///
/// fn make(
///     settings: ConformanceSettings,
/// ) -> impl Fn(HttpRequest) -> std::io::Result<HttpResponse> {
///     move |request: HttpRequest| -> std::io::Result<HttpResponse> {
///         # let _ = (request, settings);
///         # Err(std::io::Error::other("send it with your HTTP client"))
///     }
/// }
///
/// dingtalk_notify_mock::transport_conformance_tests!(make);
/// ```
#[macro_export]
macro_rules! transport_conformance_tests {
    ($make:expr) => {
        $crate::transport_conformance_tests!(@tests $make;
            statuses_are_responses => check_statuses_are_responses,
            redirects_are_not_followed => check_redirects_are_not_followed,
            body_at_the_cap_is_whole => check_body_at_the_cap_is_whole,
            body_over_the_cap_fails => check_body_over_the_cap_fails,
            small_lying_content_length_is_not_read_past =>
                check_small_lying_content_length_is_not_read_past,
            huge_declared_content_length_fails => check_huge_declared_content_length_fails,
            reset_before_response_is_interrupted => check_reset_before_response_is_interrupted,
            reset_mid_body_is_interrupted => check_reset_mid_body_is_interrupted,
            close_before_response_is_interrupted => check_close_before_response_is_interrupted,
            close_mid_body_is_interrupted => check_close_mid_body_is_interrupted,
            timeout_waiting_for_the_answer => check_timeout_waiting_for_the_answer,
            timeout_reading_the_body => check_timeout_reading_the_body,
            request_timeout_is_honoured => check_request_timeout_is_honoured,
            connection_refused_is_connect => check_connection_refused_is_connect,
            connections_are_kept_alive => check_connections_are_kept_alive,
            requests_are_sent_as_built => check_requests_are_sent_as_built,
            non_idempotent_requests_are_not_resent => check_non_idempotent_requests_are_not_resent,
            errors_hide_the_access_token => check_errors_hide_the_access_token,
        );
    };
    (@tests $make:expr; $($name:ident => $check:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if let Err(failure) = $crate::conformance::Conformance::new($make).$check() {
                    panic!("{failure}");
                }
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macro_the_table_and_the_docs_name_every_check() {
        let source = include_str!("conformance.rs");
        let start = source
            .find("macro_rules! transport_conformance_tests")
            .unwrap();
        let end = start + source[start..].find("\n}\n").unwrap();
        let macro_body = source[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for name in CHECKS {
            assert!(
                macro_body.contains(&format!(" {name} => check_{name},")),
                "the macro lacks {name}"
            );
            assert!(
                source.contains(&format!("//! | [`{name}`](Conformance::check_{name}) |")),
                "the docs' table lacks {name}"
            );
            assert!(
                source.contains(&format!("    pub fn check_{name}(&self)")),
                "no check_{name}"
            );
        }
        assert_eq!(macro_body.matches(" => check_").count(), CHECKS.len());
        type Make = fn(ConformanceSettings) -> fn(HttpRequest) -> std::io::Result<HttpResponse>;
        let table: Vec<_> = Conformance::<Make>::table()
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(table, CHECKS);
    }

    #[test]
    fn a_panicking_transport_fails_its_check_only() {
        let suite = Conformance::new(|_: ConformanceSettings| {
            |_: HttpRequest| -> std::io::Result<HttpResponse> { panic!("boom") }
        });
        let failure = suite.check_connection_refused_is_connect().unwrap_err();
        assert_eq!(failure.check(), "connection_refused_is_connect");
        assert_eq!(failure.problem(), "panicked: boom");
    }

    #[test]
    fn a_leaked_token_is_reported_without_it() {
        let leaky = io_error(&format!("GET /x?access_token={ACCESS_TOKEN} failed"));
        let problem = clean(&leaky).unwrap_err();
        assert!(problem.contains("Display"), "{problem}");
        // The failure built from it does not repeat the token either.
        let suite = Conformance::new(|_: ConformanceSettings| {
            |r: HttpRequest| -> std::io::Result<HttpResponse> {
                Err(io_error(&format!("cannot reach {}", r.uri())))
            }
        });
        let failure = suite.check_errors_hide_the_access_token().unwrap_err();
        assert!(
            failure.problem().contains("shows the access token"),
            "{failure}"
        );
        assert!(!failure.to_string().contains(ACCESS_TOKEN), "{failure}");
    }

    fn io_error(text: &str) -> std::io::Error {
        std::io::Error::other(text.to_owned())
    }
}
