//! The fault matrix: every fault the simulator can inject × both transports × every endpoint
//! (the five work-notification calls and the token fetch itself) ends in the documented typed
//! error, within the configured deadline, without a panic, a hang or a leaked thread.
//!
//! Each cell is one simulator, one client over the transport under test, one fault injected
//! on one route for **every** call to it ([`Calls::All`]), and one call. The cell then reads
//! the simulator's own records: how many requests reached the faulted route, how many sends
//! arrived, how many messages were delivered. [`expected`] writes the documented behaviour
//! out per case (from `RetryPolicy`'s and the `Transport` contract's documents and DingTalk's
//! error-code pages; nothing is asked of the code under test):
//!
//! - a call that is safe to repeat (progress, result, status bar, recall, and a token fetch
//!   whatever call needs it) is retried after a transient failure (a gateway 5xx or 429, a
//!   broken connection, a timeout) until its attempts or its deadline run out;
//! - a send is **never** repeated after an ambiguous failure (a gateway status, a broken or
//!   silent connection, a mangled answer): the simulator sees exactly one send, and when the
//!   fault let the call run, the message was delivered exactly once;
//! - an unambiguous refusal (the throttle page, a retryable errcode) is retried by every call;
//!   a rejected token (40014) is refreshed and the call replayed exactly once;
//! - an unusable 2xx answer (truncated, lying `Content-Length`, a body larger than its
//!   `Content-Length` says, gzip) is a `Decode` error and
//!   is not retried; a body over the cap is `BodyTooLarge` and is not retried; a redirect is
//!   a `302` status error and is not followed;
//! - **gzip**: the core sends no `Accept-Encoding` and both transports switch automatic
//!   decompression off, so a server that gzips anyway sends bytes that are not JSON: the
//!   right answer is a typed `Decode` error (not a silent decode, which one transport would
//!   do and the other not), and the request indeed carried no `Accept-Encoding`;
//! - **headers over 64 KiB**: each transport caps the response head, ureq at 64 KiB (a
//!   `Protocol` error, not retried), curl at 300 KiB (reported as a receive failure, so
//!   `Interrupted`: retried when safe, never for a send); below its cap the answer is used.
//!
//! - **issue 15**: a throttle page asking for 2^63 - 1 s ends at the deadline at once (no
//!   overflow, no sleep); token answers claiming `expires_in` 2^63 - 1 s work (clamped);
//!   cells over HTTPS (the simulator's CA trusted) behave as over plain HTTP; a proxy named
//!   by the setting and by `HTTPS_PROXY`/`HTTP_PROXY` never carries a loopback call.
//!
//! Timing: backoff sleeps run on a virtual clock shared with the simulator; the two faults
//! about time (a delay and a slow drip past the deadline) run on the real clock with a 1.5 s
//! deadline and a 1 s transport timeout, and must end within the deadline plus a margin.
//! Cells run on a small pool of worker threads, each with its own simulator; a watchdog fails
//! the test if any cell hangs.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::kit::retry::FixedJitter;
use dingtalk_notify::kit::transport::{
    CaCertificates, ProxySetting, ProxyUrl, RootCertificates, TransportErrorKind,
};
use dingtalk_notify::{
    BaseUrl, Client, Error, Message, ResponseError, RetryPolicy, Transport, VirtualClock,
};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Fault, MockServer, Route, ServerTls, code};
use dingtalk_notify_tests::harness::{SharedClock, TransportSettings, demo_app};
use dingtalk_notify_tests::proxy::{RecordingProxy, env};
use dingtalk_notify_tests::scenarios::TestTransport;

/// Attempts per call (the default retry policy's).
const MAX_ATTEMPTS: usize = 4;
/// The transports' body cap in every cell.
const BODY_CAP: usize = 64 * 1024;
/// The real deadline of the cells about time.
const REAL_DEADLINE: Duration = Duration::from_millis(1500);
/// The transport timeout of the cells about time: shorter than the deadline.
const REAL_TRANSPORT_TIMEOUT: Duration = Duration::from_secs(1);
/// The transport timeout of the other cells (they should never need it).
const TRANSPORT_TIMEOUT: Duration = Duration::from_secs(2);
/// What a cell may take on top of its deadline (debug build, two cores, busy neighbours).
const MARGIN: Duration = Duration::from_secs(1);
/// A virtual-clock cell may take this long in real time before it counts as a hang.
const VIRTUAL_CELL_BUDGET: Duration = Duration::from_secs(10);
/// The watchdog: the whole sub-matrix of one transport.
const MATRIX_BUDGET: Duration = Duration::from_secs(60);
const WORKERS: usize = 6;

/// The recipient of every send.
const USER: &str = "alice";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Which {
    Ureq,
    Isahc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Endpoint {
    Send,
    Progress,
    Result,
    StatusBar,
    Recall,
    /// The token fetch (`gettoken`) a fresh client makes before its first send.
    Token,
}

impl Endpoint {
    const ALL: [Endpoint; 6] = [
        Endpoint::Send,
        Endpoint::Progress,
        Endpoint::Result,
        Endpoint::StatusBar,
        Endpoint::Recall,
        Endpoint::Token,
    ];

    fn route(self) -> Route {
        match self {
            Endpoint::Send => Route::Send,
            Endpoint::Progress => Route::SendProgress,
            Endpoint::Result => Route::SendResult,
            Endpoint::StatusBar => Route::StatusBarUpdate,
            Endpoint::Recall => Route::Recall,
            Endpoint::Token => Route::GetToken,
        }
    }

    /// Whether the faulted request is safe to repeat (a token fetch always is).
    fn safe(self) -> bool {
        self != Endpoint::Send
    }

    fn short(self) -> &'static str {
        match self {
            Endpoint::Send => "send",
            Endpoint::Progress => "progress",
            Endpoint::Result => "result",
            Endpoint::StatusBar => "status bar",
            Endpoint::Recall => "recall",
            Endpoint::Token => "token",
        }
    }
}

/// One fault of the matrix, with a name for the table.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    fault: Fault,
    /// Runs on the real clock with a short real deadline.
    real_time: bool,
    /// How the cell's simulator and transport are set up (issue 15's cases).
    setup: Setup,
    /// The documented outcome, when the fault alone does not say it (a `Raw` answer).
    expect: Option<fn(Endpoint) -> Expectation>,
}

/// The cell's set-up beyond the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// Plain HTTP on loopback.
    Plain,
    /// Token answers claim `expires_in` 2^63 - 1 seconds.
    HugeExpiresIn,
    /// HTTPS, the simulator's CA trusted by the transport.
    Https,
    /// A recording proxy named by the setting and by `HTTPS_PROXY`/`HTTP_PROXY`: a loopback
    /// target must never go through it.
    LoopbackProxy,
}

fn case(name: &'static str, fault: Fault) -> Case {
    Case {
        name,
        fault,
        real_time: false,
        setup: Setup::Plain,
        expect: None,
    }
}

/// A case with a set-up of its own.
fn with_setup(name: &'static str, fault: Fault, setup: Setup) -> Case {
    Case {
        setup,
        ..case(name, fault)
    }
}

/// The call succeeds, once: a send delivers, and a fresh client's send too.
fn succeeds(endpoint: Endpoint) -> Expectation {
    Expectation {
        want: Want::Ok,
        attempts: Attempts::Once,
        delivered: u64::from(matches!(endpoint, Endpoint::Send | Endpoint::Token)),
    }
}

/// A throttle page whose `wait` cannot be waited within the deadline: the deadline at
/// once, the page its last failure, one attempt, nothing delivered.
fn deadline_at_once(_: Endpoint) -> Expectation {
    Expectation {
        want: Want::DeadlineThrottled,
        attempts: Attempts::Once,
        delivered: 0,
    }
}

/// The throttle page asking for a wait of 2^63 - 1 seconds.
fn huge_throttle() -> Fault {
    let body = format!(r#"{{"status":1111,"wait":{},"punish":"deny"}}"#, i64::MAX);
    Fault::Raw(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// Every fault the simulator can inject, each in the variants worth telling apart.
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "Delay 5s (deadline 1.5s)",
            real_time: true,
            ..case("", Fault::Delay(Duration::from_secs(5)))
        },
        Case {
            name: "SlowDrip 1B/50ms (deadline 1.5s)",
            real_time: true,
            ..case(
                "",
                Fault::SlowDrip {
                    chunk: 1,
                    interval: Duration::from_millis(50),
                },
            )
        },
        case(
            "HttpStatus 503",
            Fault::HttpStatus {
                status: 503,
                body: "<html><body>Service Unavailable</body></html>".into(),
            },
        ),
        case(
            "HttpStatus 429",
            Fault::HttpStatus {
                status: 429,
                body: "<html><body>Too Many Requests</body></html>".into(),
            },
        ),
        case(
            "HttpStatus 404",
            Fault::HttpStatus {
                status: 404,
                body: "<html><body>Not Found</body></html>".into(),
            },
        ),
        case("Http502Html", Fault::Http502Html),
        case("Throttle", Fault::Throttle),
        case(
            "ErrCode 143103 (retryable)",
            Fault::ErrCode(code::APP_RECIPIENTS_PER_MINUTE),
        ),
        case(
            "ErrCode 40056 (permanent)",
            Fault::ErrCode(code::INVALID_AGENT_ID),
        ),
        case(
            "ErrCode 40014 (token)",
            Fault::ErrCode(code::INVALID_ACCESS_TOKEN),
        ),
        case("ResetBeforeResponse", Fault::ResetBeforeResponse),
        case("ResetMidBody", Fault::ResetMidBody),
        case("CloseBeforeResponse", Fault::CloseBeforeResponse),
        case("CloseMidBody", Fault::CloseMidBody),
        case("TruncatedJson", Fault::TruncatedJson),
        case(
            "Oversized 1 MiB (cap 64 KiB)",
            Fault::Oversized(1024 * 1024),
        ),
        case(
            "1 MiB behind Content-Length: 100",
            Fault::OversizedBehindSmallContentLength {
                declared: 100,
                actual: 1024 * 1024,
            },
        ),
        case(
            "Redirect",
            Fault::Redirect("http://127.0.0.1:9/elsewhere".into()),
        ),
        case("LyingContentLength", Fault::LyingContentLength),
        case("Gzip", Fault::Gzip),
        case("HugeHeaders 80 KiB", Fault::HugeHeaders(80 * 1024)),
        case("HugeHeaders 1 MiB", Fault::HugeHeaders(1024 * 1024)),
        case(
            "Raw garbage",
            Fault::Raw(b"garbage\r\n\r\nnot http at all".to_vec()),
        ),
        case("Raw nothing", Fault::Raw(Vec::new())),
        // Issue 15.
        Case {
            expect: Some(deadline_at_once),
            ..case("Throttle wait 2^63-1 s", huge_throttle())
        },
        Case {
            expect: Some(succeeds),
            ..with_setup(
                "expires_in 2^63-1 s (no fault)",
                Fault::HugeHeaders(0),
                Setup::HugeExpiresIn,
            )
        },
        Case {
            expect: Some(succeeds),
            ..with_setup(
                "HTTPS, CA trusted (no fault)",
                Fault::HugeHeaders(0),
                Setup::Https,
            )
        },
        with_setup("HTTPS: CloseMidBody", Fault::CloseMidBody, Setup::Https),
        with_setup("HTTPS: Throttle", Fault::Throttle, Setup::Https),
        Case {
            expect: Some(succeeds),
            ..with_setup(
                "proxy on loopback (no fault)",
                Fault::HugeHeaders(0),
                Setup::LoopbackProxy,
            )
        },
        with_setup(
            "proxy on loopback: ResetMidBody",
            Fault::ResetMidBody,
            Setup::LoopbackProxy,
        ),
    ]
}

/// What a call ended in, as far as the matrix cares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Api(i64),
    Status(u16),
    Throttled,
    Decode,
    Transport(TransportErrorKind),
    Deadline(Option<Box<Outcome>>),
    /// Any other error (a build or window error, a provider failure): never expected here.
    Other(String),
    Panicked(String),
}

impl Outcome {
    fn of<T: Transport>(transport: &T, error: &Error<T::Error>) -> Outcome {
        match error {
            Error::Response(ResponseError::Api(e)) => Outcome::Api(e.code.get()),
            Error::Response(ResponseError::Status { status, .. }) => {
                Outcome::Status(status.as_u16())
            }
            Error::Response(ResponseError::Throttled { .. }) => Outcome::Throttled,
            Error::Response(ResponseError::Decode { .. }) => Outcome::Decode,
            Error::Transport(e) => Outcome::Transport(transport.classify(e)),
            Error::Deadline { last, .. } => {
                Outcome::Deadline(last.as_deref().map(|l| Box::new(Outcome::of(transport, l))))
            }
            other => Outcome::Other(format!("{other:?}")),
        }
    }

    fn short(&self) -> String {
        match self {
            Outcome::Ok => "Ok".into(),
            Outcome::Api(c) => format!("Api {c}"),
            Outcome::Status(s) => format!("Status {s}"),
            Outcome::Throttled => "Throttled".into(),
            Outcome::Decode => "Decode".into(),
            Outcome::Transport(k) => format!("{k:?}"),
            Outcome::Deadline(Some(last)) => format!("Deadline({})", last.short()),
            Outcome::Deadline(None) => "Deadline".into(),
            Outcome::Other(s) => format!("Other({s})"),
            Outcome::Panicked(s) => format!("PANIC({s})"),
        }
    }
}

/// The documented outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    Ok,
    Api(i64),
    Status(u16),
    Throttled,
    Decode,
    Kind(TransportErrorKind),
    /// A transport timeout, or the deadline with a timeout as its last failure.
    TimedOut,
    /// The deadline, with the throttle page as its last failure.
    DeadlineThrottled,
}

impl Want {
    fn matches(&self, got: &Outcome) -> bool {
        match (self, got) {
            (Want::TimedOut, Outcome::Transport(TransportErrorKind::Timeout)) => true,
            (Want::TimedOut, Outcome::Deadline(Some(last))) => {
                **last == Outcome::Transport(TransportErrorKind::Timeout)
            }
            (Want::DeadlineThrottled, Outcome::Deadline(Some(last))) => {
                **last == Outcome::Throttled
            }
            (Want::Ok, Outcome::Ok) => true,
            (Want::Api(a), Outcome::Api(b)) => a == b,
            (Want::Status(a), Outcome::Status(b)) => a == b,
            (Want::Throttled, Outcome::Throttled) => true,
            (Want::Decode, Outcome::Decode) => true,
            (Want::Kind(a), Outcome::Transport(b)) => a == b,
            _ => false,
        }
    }
}

/// How many requests reached the faulted route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempts {
    /// Exactly once: not retried.
    Once,
    /// Exactly twice: replayed once after a token refresh.
    Replayed,
    /// Every attempt the policy allows. (libcurl may add one re-send of its own for a safe
    /// request whose *reused* connection died before any answer, hence the range.)
    Retried,
    /// Retried until the real deadline: at least twice.
    UntilDeadline,
}

impl Attempts {
    fn matches(self, n: usize) -> bool {
        match self {
            Attempts::Once => n == 1,
            Attempts::Replayed => n == 2,
            Attempts::Retried => (MAX_ATTEMPTS..=MAX_ATTEMPTS + 1).contains(&n),
            Attempts::UntilDeadline => n >= 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expectation {
    want: Want,
    attempts: Attempts,
    /// Messages delivered to the recipient by the call under test.
    delivered: u64,
}

/// The documented behaviour of `transport` when every call to `endpoint` gets `fault`.
///
/// Written out per case from the documents (the retry policy, the `Transport` contract,
/// DingTalk's error-code pages), not derived from the code under test: each arm states the
/// outcome, how many requests reach the faulted route, and whether the simulator acts on a
/// faulted send before it mangles or withholds the answer (`runs`).
fn expected(which: Which, case: &Case, endpoint: Endpoint) -> Expectation {
    use Attempts::{Once, Replayed, Retried, UntilDeadline};
    use TransportErrorKind as K;
    if let Some(expect) = case.expect {
        return expect(endpoint);
    }
    let safe = endpoint.safe();
    // Retried when the call is safe to repeat; a send is never repeated.
    let when_safe = |retried: Attempts| if safe { retried } else { Once };
    let (want, attempts, runs) = match &case.fault {
        // The call runs, the answer never comes in time.
        Fault::Delay(_) | Fault::SlowDrip { .. } => {
            (Want::TimedOut, when_safe(UntilDeadline), true)
        }
        // Gateway statuses: nothing was acted on; 5xx and 429 are transient, 404 is not.
        Fault::HttpStatus { status: 503, .. } => (Want::Status(503), when_safe(Retried), false),
        Fault::HttpStatus { status: 429, .. } => (Want::Status(429), when_safe(Retried), false),
        Fault::HttpStatus { status: 404, .. } => (Want::Status(404), Once, false),
        Fault::Http502Html => (Want::Status(502), when_safe(Retried), false),
        // The gateway refused the call: unambiguous, so every call retries it, a send too.
        Fault::Throttle => (Want::Throttled, Retried, false),
        // 143103, the app's recipients-per-minute limit: nothing sent, retried by every call.
        Fault::ErrCode(143_103) => (Want::Api(143_103), Retried, false),
        // 40014, a rejected token: refreshed and the call replayed once; a token fetch
        // answered 40014 is a failed fetch, not retried.
        Fault::ErrCode(40_014) if endpoint == Endpoint::Token => (Want::Api(40_014), Once, false),
        Fault::ErrCode(40_014) => (Want::Api(40_014), Replayed, false),
        // 40056, an invalid agent id: permanent, never retried.
        Fault::ErrCode(40_056) => (Want::Api(40_056), Once, false),
        // The connection broke, or closed with no answer at all, after the call ran.
        Fault::ResetBeforeResponse
        | Fault::ResetMidBody
        | Fault::CloseBeforeResponse
        | Fault::CloseMidBody => (Want::Kind(K::Interrupted), when_safe(Retried), true),
        // An empty answer: the connection closed without a byte; the call did not run.
        Fault::Raw(bytes) if bytes.is_empty() => {
            (Want::Kind(K::Interrupted), when_safe(Retried), false)
        }
        // Bytes that are not HTTP: malformed, not retried.
        Fault::Raw(_) => (Want::Kind(K::Protocol), Once, false),
        // The call ran; its 2xx answer is unusable (cut, lying length, gzip nobody asked for).
        Fault::TruncatedJson | Fault::LyingContentLength | Fault::Gzip => {
            (Want::Decode, Once, true)
        }
        // A body over the 64 KiB cap: refused by the transport, not retried.
        Fault::Oversized(_) => (Want::Kind(K::BodyTooLarge), Once, false),
        // The client reads what `Content-Length` declares and no more: cut JSON.
        Fault::OversizedBehindSmallContentLength { .. } => (Want::Decode, Once, false),
        // A redirect is a 302 status, never followed.
        Fault::Redirect(_) => (Want::Status(302), Once, false),
        // ureq refuses a head over 64 KiB as malformed HTTP (`Protocol`, not retried).
        Fault::HugeHeaders(size) if which == Which::Ureq && *size > 64 * 1024 => {
            (Want::Kind(K::Protocol), Once, true)
        }
        // curl refuses a head over 300 KiB with CURLE_RECV_ERROR (56), the code of any
        // receive failure, so isahc cannot tell it from a broken connection: `Interrupted`,
        // retried when safe (a waste of three attempts, but bounded), never for a send.
        Fault::HugeHeaders(size) if which == Which::Isahc && *size > 300 * 1024 => {
            (Want::Kind(K::Interrupted), when_safe(Retried), true)
        }
        // Under the transport's cap the answer is used.
        Fault::HugeHeaders(_) => (Want::Ok, Once, true),
        other => panic!("no expectation for {other:?}: add it"),
    };
    let delivered = match endpoint {
        // A faulted send delivers once when the simulator ran it.
        Endpoint::Send => u64::from(runs),
        // A fresh client's send goes out only once its token fetch succeeded.
        Endpoint::Token => u64::from(want == Want::Ok),
        _ => 0,
    };
    Expectation {
        want,
        attempts,
        delivered,
    }
}

/// What one cell saw.
#[derive(Debug, Clone)]
struct Report {
    case: usize,
    endpoint: Endpoint,
    outcome: Outcome,
    attempts: usize,
    /// Sends that reached the simulator during the call (for the token endpoint: any).
    sends: usize,
    delivered: u64,
    took: Duration,
    /// Limit on `took`.
    budget: Duration,
    /// Requests that went anywhere the client was not sent (a followed redirect).
    unknown: usize,
    accept_encoding: bool,
    /// Requests a proxy received (a loopback target must go direct).
    proxied: usize,
    /// What `Display` and `Debug` of the error said, to check they do not panic.
    shown: String,
}

fn text_to(user: &str, text: &str) -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text(text)).to_users([user])
}

fn run_cell<T: TestTransport>(
    make: fn(TransportSettings) -> T,
    index: usize,
    case: &Case,
    endpoint: Endpoint,
) -> Report {
    let mut builder = MockServer::builder().frozen_clock();
    match case.setup {
        Setup::HugeExpiresIn => builder = builder.advertised_expires_in(Some(i64::MAX as u64)),
        Setup::Https => builder = builder.https(ServerTls::localhost().expect("certificates")),
        Setup::Plain | Setup::LoopbackProxy => {}
    }
    let server = builder.start().expect("the simulator starts");
    let base = BaseUrl::new(&server.base_url()).expect("loopback base URL");
    let proxy = (case.setup == Setup::LoopbackProxy).then(RecordingProxy::start);
    let (mut settings, retry) = if case.real_time {
        (
            TransportSettings {
                timeout: REAL_TRANSPORT_TIMEOUT,
                max_body: BODY_CAP,
                ..TransportSettings::default()
            },
            RetryPolicy {
                deadline: REAL_DEADLINE,
                ..RetryPolicy::default()
            },
        )
    } else {
        (
            TransportSettings {
                timeout: TRANSPORT_TIMEOUT,
                max_body: BODY_CAP,
                ..TransportSettings::default()
            },
            RetryPolicy::default(),
        )
    };
    if let Some(tls) = server.tls() {
        let ca = CaCertificates::from_pem(tls.ca_pem()).expect("the CA's PEM");
        settings.roots = RootCertificates::Only(ca);
    }
    if let Some(proxy) = &proxy {
        let url = proxy.url();
        settings.proxy = ProxySetting::Via(ProxyUrl::parse(&url).expect("proxy URL"));
        settings.proxy_env = env(&[("HTTPS_PROXY", &url), ("HTTP_PROXY", &url)]);
    }
    let builder = Client::builder(demo_app())
        .base_url(base)
        .retry(retry)
        .jitter(FixedJitter(0.5));
    let builder = if case.real_time {
        builder // the system clock
    } else {
        builder.clock(SharedClock {
            client: VirtualClock::new(),
            mock: server.clock(),
        })
    };
    let client = builder.build(make(settings));

    // Setup, unfaulted: a token, and a task to follow.
    let task = match endpoint {
        Endpoint::Token => None,
        Endpoint::Send => {
            client.access_token().expect("setup: token");
            None
        }
        _ => Some(
            client
                .send(&text_to(USER, "setup"))
                .expect("setup: a task to follow"),
        ),
    };
    let delivered_before = server.deliveries(USER);
    server.clear_requests();
    server.inject(endpoint.route(), Calls::All, case.fault.clone());

    let started = Instant::now();
    let result: Result<(), Error<T::Error>> = match (endpoint, task) {
        (Endpoint::Send | Endpoint::Token, _) => {
            client.send(&text_to(USER, "under test")).map(drop)
        }
        (Endpoint::Progress, Some(t)) => client.progress(&t).map(drop),
        (Endpoint::Result, Some(t)) => client.result(&t).map(drop),
        (Endpoint::StatusBar, Some(t)) => client.update_status_bar(&t, "Done", None).map(drop),
        (Endpoint::Recall, Some(t)) => client.recall(&t).map(drop),
        (_, None) => unreachable!("every follow-up has its task"),
    };
    let took = started.elapsed();
    let (outcome, shown) = match &result {
        Ok(()) => (Outcome::Ok, String::new()),
        Err(e) => (Outcome::of(client.transport(), e), format!("{e} {e:?}")),
    };
    let requests = server.requests();
    let report = Report {
        case: index,
        endpoint,
        outcome,
        attempts: requests
            .iter()
            .filter(|r| r.route == endpoint.route())
            .count(),
        sends: requests.iter().filter(|r| r.route == Route::Send).count(),
        delivered: server.deliveries(USER) - delivered_before,
        took,
        budget: if case.real_time {
            REAL_DEADLINE + MARGIN
        } else {
            VIRTUAL_CELL_BUDGET
        },
        unknown: requests
            .iter()
            .filter(|r| r.route == Route::Unknown)
            .count(),
        accept_encoding: requests
            .iter()
            .any(|r| r.header("accept-encoding").is_some()),
        proxied: proxy.as_ref().map_or(0, |p| p.heads().len()),
        shown,
    };
    drop(client);
    drop(server);
    report
}

/// The process's threads, from /proc/self/task.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

/// Waits (a bounded time) for the thread count to come back to `at_most`.
fn settled_threads(at_most: usize) -> usize {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let n = threads();
        if n <= at_most || Instant::now() >= until {
            return n;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs every cell for one transport on a worker pool; the slow cells first.
fn sub_matrix<T: TestTransport>(which: Which, make: fn(TransportSettings) -> T) -> Vec<Report> {
    let cases = Arc::new(cases());
    let mut queue: VecDeque<(usize, Endpoint)> = VecDeque::new();
    for real_first in [true, false] {
        for (i, c) in cases.iter().enumerate() {
            if c.real_time == real_first {
                for e in Endpoint::ALL {
                    queue.push_back((i, e));
                }
            }
        }
    }
    let total = queue.len();
    let queue = Arc::new(Mutex::new(queue));
    let (tx, rx) = mpsc::channel::<Report>();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let cases = Arc::clone(&cases);
            let tx = tx.clone();
            std::thread::spawn(move || {
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .pop_front();
                    let Some((i, endpoint)) = next else { break };
                    let case = &cases[i];
                    let started = Instant::now();
                    let report =
                        catch_unwind(AssertUnwindSafe(|| run_cell(make, i, case, endpoint)))
                            .unwrap_or_else(|panic| {
                                let msg = panic
                                    .downcast_ref::<String>()
                                    .cloned()
                                    .or_else(|| {
                                        panic.downcast_ref::<&str>().map(|s| (*s).to_owned())
                                    })
                                    .unwrap_or_default();
                                Report {
                                    case: i,
                                    endpoint,
                                    outcome: Outcome::Panicked(msg),
                                    attempts: 0,
                                    sends: 0,
                                    delivered: 0,
                                    took: started.elapsed(),
                                    budget: VIRTUAL_CELL_BUDGET,
                                    unknown: 0,
                                    accept_encoding: false,
                                    proxied: 0,
                                    shown: String::new(),
                                }
                            });
                    if tx.send(report).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let watchdog = Instant::now() + MATRIX_BUDGET;
    let mut reports = Vec::with_capacity(total);
    while reports.len() < total {
        let left = watchdog.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(r) => reports.push(r),
            Err(_) => {
                let done: Vec<_> = reports.iter().map(|r| (r.case, r.endpoint)).collect();
                let missing: Vec<String> = (0..cases.len())
                    .flat_map(|i| Endpoint::ALL.map(|e| (i, e)))
                    .filter(|k| !done.contains(k))
                    .map(|(i, e)| format!("{} × {}", cases[i].name, e.short()))
                    .collect();
                panic!("{which:?}: cells hung past {MATRIX_BUDGET:?}: {missing:?}");
            }
        }
    }
    for w in workers {
        w.join().expect("a worker");
    }
    reports
}

/// Checks every report against [`expected`]; returns the table and the failures.
fn check(which: Which, reports: &[Report]) -> (String, Vec<String>) {
    let cases = cases();
    let mut failures = Vec::new();
    let mut grid: BTreeMap<(usize, Endpoint), String> = BTreeMap::new();
    for r in reports {
        let case = &cases[r.case];
        let want = expected(which, case, r.endpoint);
        let mut wrong = Vec::new();
        if !want.want.matches(&r.outcome) {
            wrong.push(format!("outcome {:?}, want {:?}", r.outcome, want.want));
        }
        if !want.attempts.matches(r.attempts) {
            wrong.push(format!(
                "{} requests to {:?}, want {:?}",
                r.attempts,
                r.endpoint.route(),
                want.attempts
            ));
        }
        if r.delivered != want.delivered {
            wrong.push(format!(
                "delivered {} time(s), want {}",
                r.delivered, want.delivered
            ));
        }
        // A failed token fetch sends nothing.
        if r.endpoint == Endpoint::Token && r.outcome != Outcome::Ok && r.sends != 0 {
            wrong.push(format!("{} send(s) after a failed token fetch", r.sends));
        }
        if r.took > r.budget {
            wrong.push(format!("took {:?}, over {:?}", r.took, r.budget));
        }
        if r.unknown != 0 {
            wrong.push(format!("{} request(s) to an unknown path", r.unknown));
        }
        if r.accept_encoding {
            wrong.push("a request carried Accept-Encoding".into());
        }
        if r.proxied != 0 {
            wrong.push(format!("{} request(s) went through the proxy", r.proxied));
        }
        let mark = if wrong.is_empty() { "" } else { " ✗" };
        grid.insert(
            (r.case, r.endpoint),
            format!("{} ×{}{mark}", r.outcome.short(), r.attempts),
        );
        if !wrong.is_empty() {
            failures.push(format!(
                "{which:?} | {} | {}: {} [{}]",
                case.name,
                r.endpoint.short(),
                wrong.join("; "),
                r.shown
            ));
        }
    }
    let mut table = format!("\n{which:?}: outcome ×requests to the faulted route\n| fault |");
    for e in Endpoint::ALL {
        let _ = write!(table, " {} |", e.short());
    }
    table.push_str("\n|---|");
    for _ in Endpoint::ALL {
        table.push_str("---|");
    }
    for (i, c) in cases.iter().enumerate() {
        let _ = write!(table, "\n| {} |", c.name);
        for e in Endpoint::ALL {
            let _ = write!(
                table,
                " {} |",
                grid.get(&(i, e)).map_or("-", String::as_str)
            );
        }
    }
    table.push('\n');
    (table, failures)
}

use dingtalk_notify_tests::harness::ureq_transport as ureq;

use dingtalk_notify_tests::harness::isahc_transport as isahc;

/// One test for both transports, one after the other, so that the thread count of one
/// sub-matrix is not disturbed by the other's.
#[test]
fn every_fault_over_every_transport_and_endpoint() {
    let mut failures = Vec::new();
    let mut tables = String::new();
    for which in [Which::Ureq, Which::Isahc] {
        let before = threads();
        let started = Instant::now();
        let reports = match which {
            Which::Ureq => sub_matrix(which, ureq),
            Which::Isahc => sub_matrix(which, isahc),
        };
        let took = started.elapsed();
        let after = settled_threads(before);
        let (table, mut wrong) = check(which, &reports);
        let _ = writeln!(
            tables,
            "{table}{} cells in {took:?}; threads before {before}, after {after}",
            reports.len()
        );
        if after > before {
            wrong.push(format!(
                "{which:?}: {} thread(s) leaked ({before} before, {after} after)",
                after - before
            ));
        }
        failures.extend(wrong);
    }
    println!("{tables}");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}\n{tables}",
        failures.len(),
        failures.join("\n")
    );
}
