//! Fault injection: [`Route`], [`Calls`] and [`Fault`].

use std::time::Duration;

/// An endpoint of the simulator, for scripting faults and reading recorded requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// Every request, whatever its path (only meaningful in [`inject`]).
    ///
    /// [`inject`]: crate::MockServer::inject
    Any,
    /// `GET /gettoken`.
    GetToken,
    /// `POST /service/get_corp_token`.
    GetCorpToken,
    /// `POST /topapi/message/corpconversation/asyncsend_v2`.
    Send,
    /// `POST /topapi/message/corpconversation/getsendprogress`.
    SendProgress,
    /// `POST /topapi/message/corpconversation/getsendresult`.
    SendResult,
    /// `POST /topapi/message/corpconversation/status_bar/update`.
    StatusBarUpdate,
    /// `POST /topapi/message/corpconversation/recall`.
    Recall,
    /// `POST /topapi/v2/department/listsubid`: a department's sub-department ids.
    DepartmentListSubId,
    /// `POST /topapi/v2/department/listsub`: a department's sub-departments, with names.
    DepartmentListSub,
    /// `POST /topapi/user/listid`: a department's direct members' user ids.
    UserListId,
    /// `POST /topapi/v2/user/list`: a department's direct members, paged, with details.
    UserList,
    /// `POST /topapi/v2/user/getbymobile`: a user id from a mobile number.
    UserGetByMobile,
    /// `POST /topapi/user/getbyunionid`: a user id from a union id.
    UserGetByUnionId,
    /// Any path the simulator does not serve.
    Unknown,
}

impl Route {
    /// Every served route with its path (after the path prefix).
    pub const SERVED: [(Route, &'static str); 13] = [
        (Route::GetToken, "/gettoken"),
        (Route::GetCorpToken, "/service/get_corp_token"),
        (Route::Send, "/topapi/message/corpconversation/asyncsend_v2"),
        (
            Route::SendProgress,
            "/topapi/message/corpconversation/getsendprogress",
        ),
        (
            Route::SendResult,
            "/topapi/message/corpconversation/getsendresult",
        ),
        (
            Route::StatusBarUpdate,
            "/topapi/message/corpconversation/status_bar/update",
        ),
        (Route::Recall, "/topapi/message/corpconversation/recall"),
        (
            Route::DepartmentListSubId,
            "/topapi/v2/department/listsubid",
        ),
        (Route::DepartmentListSub, "/topapi/v2/department/listsub"),
        (Route::UserListId, "/topapi/user/listid"),
        (Route::UserList, "/topapi/v2/user/list"),
        (Route::UserGetByMobile, "/topapi/v2/user/getbymobile"),
        (Route::UserGetByUnionId, "/topapi/user/getbyunionid"),
    ];

    /// The route a path (without the prefix) names; [`Route::Unknown`] for anything else.
    ///
    /// ```
    /// use dingtalk_notify_mock::Route;
    /// assert_eq!(Route::from_path("/gettoken"), Route::GetToken);
    /// assert_eq!(Route::from_path("/nope"), Route::Unknown);
    /// ```
    pub fn from_path(path: &str) -> Route {
        Self::SERVED
            .iter()
            .find(|(_, p)| *p == path)
            .map_or(Route::Unknown, |(r, _)| *r)
    }

    /// The route's path, `None` for [`Route::Any`] and [`Route::Unknown`].
    pub fn path(self) -> Option<&'static str> {
        Self::SERVED
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, p)| *p)
    }

    /// The HTTP method the route takes.
    pub(crate) fn method(self) -> Option<&'static str> {
        match self {
            Route::Any | Route::Unknown => None,
            Route::GetToken => Some("GET"),
            _ => Some("POST"),
        }
    }

    /// Whether the route is under `/topapi`: the five corpconversation calls and the
    /// contact calls.
    pub(crate) fn is_topapi(self) -> bool {
        matches!(
            self,
            Route::Send
                | Route::SendProgress
                | Route::SendResult
                | Route::StatusBarUpdate
                | Route::Recall
        ) || self.is_contact()
    }

    /// Whether the route is one of the six contact calls.
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Route::DepartmentListSubId
                | Route::DepartmentListSub
                | Route::UserListId
                | Route::UserList
                | Route::UserGetByMobile
                | Route::UserGetByUnionId
        )
    }

    fn matches(self, route: Route) -> bool {
        self == Route::Any || self == route
    }
}

/// Which calls a fault applies to, counted (from 1) among the calls to its route **since the
/// fault was injected**.
///
/// ```
/// use dingtalk_notify_mock::Calls;
/// assert!(Calls::Nth(2).matches(2) && !Calls::Nth(2).matches(3));
/// assert!(Calls::First(2).matches(2) && !Calls::First(2).matches(3));
/// assert!(Calls::After(2).matches(3) && !Calls::After(2).matches(2));
/// assert!(Calls::All.matches(1_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Calls {
    /// Only the n-th call (1-based).
    Nth(u64),
    /// The first n calls, then never again ("fail N times, then succeed").
    First(u64),
    /// Every call after the first n.
    After(u64),
    /// Every call.
    All,
}

impl Calls {
    /// Whether the `n`-th call (1-based) is affected.
    pub fn matches(self, n: u64) -> bool {
        match self {
            Calls::Nth(k) => n == k,
            Calls::First(k) => n <= k,
            Calls::After(k) => n > k,
            Calls::All => true,
        }
    }
}

/// What goes wrong with a call.
///
/// Faults that **mangle the answer** run the call first (a send creates its task, a token
/// fetch issues its token) and then damage what goes back: [`Delay`], [`SlowDrip`],
/// [`ResetBeforeResponse`], [`ResetMidBody`], [`CloseBeforeResponse`], [`CloseMidBody`],
/// [`TruncatedJson`], [`LyingContentLength`], [`Gzip`] and [`HugeHeaders`]. This is the
/// ambiguous failure a client must not blindly repeat a send after. Faults that **replace
/// the answer** stand for a gateway in front of DingTalk and do not run the call:
/// [`HttpStatus`], [`Http502Html`], [`Throttle`], [`ThrottleHtml`], [`ErrCode`], [`Code`],
/// [`Wrapped`], [`OldGatewayError`], [`Redirect`], [`Oversized`],
/// [`OversizedBehindSmallContentLength`] and [`Raw`]. [`Fault::runs_the_call`] tells which.
///
/// [`Delay`]: Fault::Delay
/// [`SlowDrip`]: Fault::SlowDrip
/// [`ResetBeforeResponse`]: Fault::ResetBeforeResponse
/// [`ResetMidBody`]: Fault::ResetMidBody
/// [`CloseBeforeResponse`]: Fault::CloseBeforeResponse
/// [`CloseMidBody`]: Fault::CloseMidBody
/// [`TruncatedJson`]: Fault::TruncatedJson
/// [`LyingContentLength`]: Fault::LyingContentLength
/// [`Gzip`]: Fault::Gzip
/// [`HugeHeaders`]: Fault::HugeHeaders
/// [`HttpStatus`]: Fault::HttpStatus
/// [`Http502Html`]: Fault::Http502Html
/// [`Throttle`]: Fault::Throttle
/// [`ThrottleHtml`]: Fault::ThrottleHtml
/// [`ErrCode`]: Fault::ErrCode
/// [`Code`]: Fault::Code
/// [`Wrapped`]: Fault::Wrapped
/// [`OldGatewayError`]: Fault::OldGatewayError
/// [`Redirect`]: Fault::Redirect
/// [`Oversized`]: Fault::Oversized
/// [`OversizedBehindSmallContentLength`]: Fault::OversizedBehindSmallContentLength
/// [`Raw`]: Fault::Raw
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Waits this long (real time: it is for client timeouts), then answers normally.
    Delay(Duration),
    /// Answers with this HTTP status and body (served as `text/html`), no envelope. A `204`
    /// or `304` goes without a body, as HTTP requires.
    HttpStatus {
        /// The status (clamped to 200–599).
        status: u16,
        /// The body, an HTML page usually.
        body: String,
    },
    /// `502 Bad Gateway` with the HTML page a gateway serves.
    Http502Html,
    /// The IP throttle answer: HTTP 200, `application/json`,
    /// `{"status":1111,"wait":5,"punish":"deny"}` (no envelope, no `errcode`).
    Throttle,
    /// The envelope with this `errcode` (a number of the simulator's own [`code`](crate::code)
    /// table, or any other; its description as `errmsg`) instead of the answer, always
    /// plain (never 88-wrapped). With [`Calls::First`] this is "errcode N, N
    /// times, then success".
    ErrCode(i64),
    /// The error with this code (the simulator's own number) as the gateway would write
    /// it under the server's [`ErrorStyle`](crate::ErrorStyle): `Code(40014)` on a
    /// `/topapi` route is `errcode 88` with `sub_code "40014"` by default. For the
    /// throttles and bans of the global error table: `Code(90018)` (per-app, per-API QPS:
    /// wait 1 s), `Code(90002)`, `Code(90001..=90014)` and `Code(90017)`.
    Code(i64),
    /// An `errcode 88` envelope as written: with `sub_code` (a string, `"40014"`), or
    /// without one (the old TOP pages' example), and this `sub_msg`.
    Wrapped {
        /// The `sub_code`, if any.
        sub_code: Option<String>,
        /// The `sub_msg`.
        sub_msg: String,
    },
    /// The IP throttle as an HTML page (HTTP 200, `text/html`) instead of JSON; see
    /// [`Throttle`](Fault::Throttle).
    ThrottleHtml,
    /// The old TOP gateway's error shape:
    /// `{"error_response":{"code":50,"msg":"Remote service error","sub_code":"isv.invalid-parameter","sub_msg":"非法参数"}}`.
    OldGatewayError,
    /// Resets the connection after reading the request, with no response at all: a TCP
    /// RST (`SO_LINGER` 0, then close), so the client's read fails with
    /// [`ConnectionReset`](std::io::ErrorKind::ConnectionReset). See
    /// [`CloseBeforeResponse`](Fault::CloseBeforeResponse) for a clean close.
    ResetBeforeResponse,
    /// Sends the head with the full `Content-Length` and half of the body, then resets the
    /// connection (a TCP RST): the client reads the half, then its read fails with
    /// [`ConnectionReset`](std::io::ErrorKind::ConnectionReset). See
    /// [`CloseMidBody`](Fault::CloseMidBody) for a clean close.
    ResetMidBody,
    /// Closes the connection after reading the request, with no response at all: a FIN, so
    /// the client reads end-of-stream.
    CloseBeforeResponse,
    /// Sends the head with the full `Content-Length` and half of the body, then closes the
    /// connection (a FIN): the client reads end-of-stream before the declared length.
    CloseMidBody,
    /// A well-formed response (`Content-Length` matches) whose JSON body is cut in half.
    TruncatedJson,
    /// A well-formed `200` answer of exactly this many bytes (at least the envelope's
    /// length): a valid-looking envelope padded with a long string.
    Oversized(usize),
    /// A `200` whose head declares `Content-Length: declared` but whose body is `actual`
    /// bytes (meant to be far more, say 100 declared and 5 MiB sent), then the connection is
    /// closed (`Connection: close`). The body is [`Oversized`](Fault::Oversized)'s envelope
    /// padded to `actual` bytes (cut short if `actual` is smaller than the envelope). A
    /// client that trusts the header reads `declared` bytes of cut JSON; one that reads to
    /// the end of the stream must stop at its own body cap. Replaces the answer: the call
    /// does not run.
    OversizedBehindSmallContentLength {
        /// What `Content-Length` says.
        declared: usize,
        /// How many body bytes are written.
        actual: usize,
    },
    /// `302 Found` with this `Location`.
    Redirect(String),
    /// The normal answer, its body dribbled `chunk` bytes at a time every `interval` (real
    /// time).
    SlowDrip {
        /// Bytes per write (at least 1).
        chunk: usize,
        /// Pause between writes.
        interval: Duration,
    },
    /// The normal answer with a `Content-Length` **smaller** than the body (half of it): the
    /// whole body is sent, then the connection is closed. A client that trusts the header
    /// reads cut JSON; one that reuses the connection would read the rest as garbage.
    LyingContentLength,
    /// The normal answer gzip-encoded, with `Content-Encoding: gzip`, whatever the client
    /// accepts.
    Gzip,
    /// The normal answer after extra `X-Mock-Padding-N` headers adding up to at least this
    /// many bytes (at most 16 MiB).
    HugeHeaders(usize),
    /// These bytes, written as they are, then the connection is closed.
    Raw(Vec<u8>),
}

impl Fault {
    /// Whether the call still runs (the answer is damaged afterwards); `false` for the
    /// faults that replace the answer.
    ///
    /// ```
    /// use dingtalk_notify_mock::Fault;
    /// assert!(Fault::ResetMidBody.runs_the_call());
    /// assert!(Fault::CloseBeforeResponse.runs_the_call());
    /// assert!(!Fault::Http502Html.runs_the_call());
    /// assert!(!Fault::OversizedBehindSmallContentLength { declared: 100, actual: 1 << 20 }
    ///     .runs_the_call());
    /// ```
    pub fn runs_the_call(&self) -> bool {
        matches!(
            self,
            Fault::Delay(_)
                | Fault::SlowDrip { .. }
                | Fault::ResetBeforeResponse
                | Fault::ResetMidBody
                | Fault::CloseBeforeResponse
                | Fault::CloseMidBody
                | Fault::TruncatedJson
                | Fault::LyingContentLength
                | Fault::Gzip
                | Fault::HugeHeaders(_)
        )
    }
}

#[derive(Debug)]
struct Rule {
    route: Route,
    calls: Calls,
    fault: Fault,
    seen: u64,
}

/// The scripted faults, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    rules: Vec<Rule>,
}

impl FaultTable {
    pub(crate) fn inject(&mut self, route: Route, calls: Calls, fault: Fault) {
        self.rules.push(Rule {
            route,
            calls,
            fault,
            seen: 0,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Counts a call to `route` against every rule for it; the first rule (in injection
    /// order) whose [`Calls`] match wins.
    pub(crate) fn on_call(&mut self, route: Route) -> Option<Fault> {
        let mut chosen = None;
        for rule in &mut self.rules {
            if !rule.route.matches(route) {
                continue;
            }
            rule.seen = rule.seen.saturating_add(1);
            if chosen.is_none() && rule.calls.matches(rule.seen) {
                chosen = Some(rule.fault.clone());
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_rule_since_injection() {
        let mut t = FaultTable::default();
        t.inject(Route::SendProgress, Calls::Nth(2), Fault::Throttle);
        t.inject(Route::Any, Calls::First(1), Fault::Gzip);
        assert_eq!(t.on_call(Route::Send), Some(Fault::Gzip));
        assert_eq!(t.on_call(Route::SendProgress), None);
        assert_eq!(t.on_call(Route::SendProgress), Some(Fault::Throttle));
        assert_eq!(t.on_call(Route::SendProgress), None);
        t.clear();
        assert_eq!(t.on_call(Route::Send), None);
    }

    /// A variant's name; the match is exhaustive, so a new fault does not compile until it
    /// is named here (and so checked below).
    fn name(fault: &Fault) -> &'static str {
        match fault {
            Fault::Delay(_) => "Delay",
            Fault::HttpStatus { .. } => "HttpStatus",
            Fault::Http502Html => "Http502Html",
            Fault::Throttle => "Throttle",
            Fault::ErrCode(_) => "ErrCode",
            Fault::Code(_) => "Code",
            Fault::Wrapped { .. } => "Wrapped",
            Fault::ThrottleHtml => "ThrottleHtml",
            Fault::OldGatewayError => "OldGatewayError",
            Fault::ResetBeforeResponse => "ResetBeforeResponse",
            Fault::ResetMidBody => "ResetMidBody",
            Fault::CloseBeforeResponse => "CloseBeforeResponse",
            Fault::CloseMidBody => "CloseMidBody",
            Fault::TruncatedJson => "TruncatedJson",
            Fault::Oversized(_) => "Oversized",
            Fault::OversizedBehindSmallContentLength { .. } => "OversizedBehindSmallContentLength",
            Fault::Redirect(_) => "Redirect",
            Fault::SlowDrip { .. } => "SlowDrip",
            Fault::LyingContentLength => "LyingContentLength",
            Fault::Gzip => "Gzip",
            Fault::HugeHeaders(_) => "HugeHeaders",
            Fault::Raw(_) => "Raw",
        }
    }

    #[test]
    fn the_docs_list_every_fault_with_what_it_does_to_the_call() {
        let every = [
            Fault::Delay(Duration::ZERO),
            Fault::HttpStatus {
                status: 500,
                body: String::new(),
            },
            Fault::Http502Html,
            Fault::Throttle,
            Fault::ErrCode(crate::code::SYSTEM_BUSY),
            Fault::Code(90018),
            Fault::Wrapped {
                sub_code: None,
                sub_msg: String::new(),
            },
            Fault::ThrottleHtml,
            Fault::OldGatewayError,
            Fault::ResetBeforeResponse,
            Fault::ResetMidBody,
            Fault::CloseBeforeResponse,
            Fault::CloseMidBody,
            Fault::TruncatedJson,
            Fault::Oversized(1),
            Fault::OversizedBehindSmallContentLength {
                declared: 1,
                actual: 2,
            },
            Fault::Redirect(String::new()),
            Fault::SlowDrip {
                chunk: 1,
                interval: Duration::ZERO,
            },
            Fault::LyingContentLength,
            Fault::Gzip,
            Fault::HugeHeaders(0),
            Fault::Raw(Vec::new()),
        ];
        let crate_docs = include_str!("lib.rs");
        let enum_docs = include_str!("fault.rs");
        let enum_docs = &enum_docs[..enum_docs.find("pub enum Fault").unwrap()];
        let mut seen = std::collections::HashSet::new();
        for fault in &every {
            let name = name(fault);
            assert!(seen.insert(name), "{name} twice");
            let effect = if fault.runs_the_call() {
                "runs"
            } else {
                "replaced"
            };
            let row = format!("//! | [`{name}`](Fault::{name}) | {effect} |");
            assert!(crate_docs.contains(&row), "lib.rs lacks {row:?}");
            let link = format!("/// [`{name}`]: Fault::{name}\n");
            assert!(enum_docs.contains(&link), "Fault's docs lack {link:?}");
        }
        let rows = crate_docs.matches("](Fault::").count();
        assert_eq!(rows, every.len(), "a row per fault, no more");
    }

    #[test]
    fn paths_round_trip() {
        for (route, path) in Route::SERVED {
            assert_eq!(Route::from_path(path), route);
            assert_eq!(route.path(), Some(path));
        }
        assert_eq!(Route::Any.path(), None);
    }
}
