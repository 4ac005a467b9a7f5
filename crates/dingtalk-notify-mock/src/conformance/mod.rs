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
//! [`CHECKS`] lists them, each with what the server does and what the transport must do;
//! every `check_*` method of [`Conformance`] documents its check in full.
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

mod bodies;
mod checks;
mod support;
mod table;

use std::fmt;
use std::net::TcpListener;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::http::{self, Method, StatusCode};
use dingtalk_notify_proto::transport::{
    BuildTransport, HttpRequest, HttpResponse, Idempotency, RequestTimeout, Transport,
    TransportBuilder, TransportErrorKind,
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

    /// A transport of the kit ([`TransportBuilder`]: the ureq and isahc transports) built
    /// from `builder` with these settings applied.
    pub fn build<T: BuildTransport>(self, builder: TransportBuilder<T>) -> T {
        builder
            .timeout(self.timeout)
            .max_body_size(self.max_body)
            .build()
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
crate::__conformance_checks!(define);

impl<F, T> Conformance<F>
where
    F: Fn(ConformanceSettings) -> T,
    T: Transport,
{
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
        $crate::__conformance_checks!(tests $make);
    };
}

#[cfg(test)]
mod tests {
    use super::support::clean;
    use super::*;

    type Make = fn(ConformanceSettings) -> fn(HttpRequest) -> std::io::Result<HttpResponse>;

    #[test]
    fn every_check_runs_by_its_name_and_fails_a_canned_transport() {
        let canned = |_: ConformanceSettings| {
            |_: HttpRequest| -> std::io::Result<HttpResponse> {
                Ok(http::Response::new(br#"{"errcode":0}"#.to_vec()))
            }
        };
        let suite = Conformance::new(canned);
        let report = suite.check_all();
        let failed: Vec<&str> = report.failures().map(Failure::check).collect();
        assert_eq!(failed, CHECKS, "{report}");
        for failure in report.failures() {
            assert_ne!(failure.problem(), "no such check", "{failure}");
        }
        let table: Vec<&str> = Conformance::<Make>::table()
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(table, CHECKS);
        let unique: std::collections::BTreeSet<&str> = CHECKS.iter().copied().collect();
        assert_eq!(unique.len(), CHECKS.len());
    }

    #[test]
    fn an_unknown_name_is_a_failure_not_a_panic() {
        let suite = Conformance::new(|_: ConformanceSettings| {
            |_: HttpRequest| -> std::io::Result<HttpResponse> { Err(io_error("unused")) }
        });
        let failure = suite.by_name("no_such_check").unwrap_err();
        assert_eq!(failure.problem(), "no such check");
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
