//! [`MockServer`]: the listener, its connection threads, and the handles tests hold.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::{ErrorCode, TaskId};

use crate::clock::MockClock;
use crate::credentials::{AppCredentials, IsvSuite};
use crate::directory::Directory;
use crate::fault::{Calls, Fault, FaultTable, Route};
use crate::http::{self, Incoming, ReadOutcome};
use crate::record::RecordedRequest;
use crate::sim::{self, Answer, Config, Ids, Sim, TaskSnapshot};

/// The default token lifetime: 7200 s.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(7200);
/// The default time a send takes to complete: 2 s of simulator time.
pub const DEFAULT_DELIVERY_DURATION: Duration = Duration::from_secs(2);
/// The default daily limit of messages per user per internal app: 500.
pub const DEFAULT_DAILY_USER_LIMIT: u32 = 500;
/// The default daily limit of messages per user per ISV app: 100.
pub const DEFAULT_ISV_DAILY_USER_LIMIT: u32 = 100;
/// The default recipients-per-minute budget of an app: 5,000.
pub const DEFAULT_RECIPIENTS_PER_MINUTE: usize = 5_000;
/// The default cap on a request body: 1 MiB.
pub const DEFAULT_MAX_REQUEST_BODY: usize = 1024 * 1024;
/// The default number of requests kept for [`MockServer::requests`]: 10,000.
pub const DEFAULT_MAX_RECORDED_REQUESTS: usize = 10_000;
/// The most connections open at once; more are answered `503` and closed.
pub const MAX_CONNECTIONS: usize = 1024;

/// The most padding [`Fault::HugeHeaders`] adds: 16 MiB.
const MAX_HUGE_HEADERS: usize = 16 * 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n";
const THROTTLE_JSON: &str = r#"{"status":1111,"wait":5,"punish":"deny"}"#;
const JSON: &str = "application/json;charset=utf-8";

/// What becomes of a connection after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Read the next request.
    KeepOpen,
    /// Close it cleanly (a FIN).
    Close,
    /// Abort it (a TCP RST).
    Reset,
}

impl Then {
    fn keep_if(keep: bool) -> Then {
        if keep { Then::KeepOpen } else { Then::Close }
    }
}

/// Makes closing `stream` send a TCP RST instead of a FIN: with `SO_LINGER` set to zero,
/// the last close aborts the connection. Falls back to a clean close if the option cannot
/// be set.
fn arm_reset(stream: &TcpStream) {
    if let Err(e) = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO)) {
        log::debug!("mock: cannot set SO_LINGER to 0 ({e}); closing with a FIN");
        let _ = stream.shutdown(Shutdown::Both);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Settings for a [`MockServer`]; every knob has DingTalk's default.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use dingtalk_notify_mock::{AppCredentials, Directory, IsvSuite, MockServer, UserBehaviour};
///
/// let server = MockServer::builder()
///     .port(0)                                        // any free port (the default)
///     .token_ttl(Duration::from_secs(600))            // tokens live 10 minutes
///     .advertised_expires_in(Some(0))                 // ...but answers say expires_in: 0
///     .delivery_duration(Duration::from_secs(10))     // sends take 10 s to complete
///     .directory(Directory::demo().with_user("eve", UserBehaviour::Reads))
///     .daily_user_limit(3)                            // 3 messages per user per day
///     .isv_daily_user_limit(2)
///     .recipients_per_minute(100)                     // per-app budget per minute
///     .app(AppCredentials::new("key2", "secret2", 1002u64)) // a second internal app
///     .suite(IsvSuite::new("suite2", "s2", "ticket2").corp("corp2", 2002u64))
///     .path_prefix("/dingtalk")                       // served behind a gateway prefix
///     .max_request_body(64 * 1024)
///     .max_recorded_requests(100)
///     .frozen_clock()                                 // time moves only on advance()
///     .start()?;
/// assert!(server.base_url().ends_with("/dingtalk"));
/// assert_eq!(server.clock().now(), Duration::ZERO);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    port: u16,
    config: Config,
    clock: Option<MockClock>,
    frozen: bool,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            config: Config {
                apps: vec![AppCredentials::demo()],
                suites: vec![IsvSuite::demo()],
                token_ttl: DEFAULT_TOKEN_TTL,
                expires_in: None,
                delivery_duration: DEFAULT_DELIVERY_DURATION,
                directory: Directory::demo(),
                daily_user_limit: DEFAULT_DAILY_USER_LIMIT,
                isv_daily_user_limit: DEFAULT_ISV_DAILY_USER_LIMIT,
                recipients_per_minute: DEFAULT_RECIPIENTS_PER_MINUTE,
                path_prefix: String::new(),
                max_body: DEFAULT_MAX_REQUEST_BODY,
                max_recorded: DEFAULT_MAX_RECORDED_REQUESTS,
            },
            clock: None,
            frozen: false,
        }
    }
}

impl MockServerBuilder {
    /// The port on 127.0.0.1; 0 (the default) picks a free one.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::MockServer;
    /// let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    /// let server = MockServer::builder().port(free).start()?;
    /// assert_eq!(server.base_url(), format!("http://127.0.0.1:{free}"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long tokens live (default [`DEFAULT_TOKEN_TTL`]). Fetching again within validity
    /// returns the same token and renews it.
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.config.token_ttl = ttl;
        self
    }

    /// What token answers say as `expires_in`: `Some(n)` sends `n`, `None` leaves the field
    /// out. By default it is the TTL in seconds. The real lifetime stays the TTL; this is for
    /// testing how clients read odd answers.
    #[must_use]
    pub fn advertised_expires_in(mut self, expires_in: Option<u64>) -> Self {
        self.config.expires_in = Some(expires_in);
        self
    }

    /// How long a send takes to complete in simulator time (default
    /// [`DEFAULT_DELIVERY_DURATION`]); zero completes at once.
    #[must_use]
    pub fn delivery_duration(mut self, duration: Duration) -> Self {
        self.config.delivery_duration = duration;
        self
    }

    /// The organization's users and departments (default [`Directory::demo`]).
    #[must_use]
    pub fn directory(mut self, directory: Directory) -> Self {
        self.config.directory = directory;
        self
    }

    /// Messages per user per internal app per simulator day (default
    /// [`DEFAULT_DAILY_USER_LIMIT`]); more land in `forbidden_list` with code 143105.
    #[must_use]
    pub fn daily_user_limit(mut self, limit: u32) -> Self {
        self.config.daily_user_limit = limit;
        self
    }

    /// Messages per user per ISV app per simulator day (default
    /// [`DEFAULT_ISV_DAILY_USER_LIMIT`]); more are forbidden with code 143205.
    #[must_use]
    pub fn isv_daily_user_limit(mut self, limit: u32) -> Self {
        self.config.isv_daily_user_limit = limit;
        self
    }

    /// Recipients an app may send to within any 60 s of simulator time (default
    /// [`DEFAULT_RECIPIENTS_PER_MINUTE`]); a send that would pass it is refused whole with
    /// errcode 143103 (143203 for ISV apps).
    #[must_use]
    pub fn recipients_per_minute(mut self, budget: usize) -> Self {
        self.config.recipients_per_minute = budget;
        self
    }

    /// Adds an internal app (the demo app is there unless [`clear_apps`] is called).
    ///
    /// [`clear_apps`]: MockServerBuilder::clear_apps
    #[must_use]
    pub fn app(mut self, app: AppCredentials) -> Self {
        self.config.apps.push(app);
        self
    }

    /// Removes every internal app, the demo one included.
    #[must_use]
    pub fn clear_apps(mut self) -> Self {
        self.config.apps.clear();
        self
    }

    /// Adds an ISV suite (the demo suite is there unless [`clear_suites`] is called).
    ///
    /// [`clear_suites`]: MockServerBuilder::clear_suites
    #[must_use]
    pub fn suite(mut self, suite: IsvSuite) -> Self {
        self.config.suites.push(suite);
        self
    }

    /// Removes every ISV suite, the demo one included.
    #[must_use]
    pub fn clear_suites(mut self) -> Self {
        self.config.suites.clear();
        self
    }

    /// Makes simulator time move only on [`MockServer::advance`] (by default it also
    /// follows real time).
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use dingtalk_notify_mock::MockServer;
    /// let server = MockServer::builder().frozen_clock().start()?;
    /// assert_eq!(server.now(), Duration::ZERO);
    /// server.advance(Duration::from_secs(25 * 3600)); // past every 24-hour window
    /// assert_eq!(server.now(), Duration::from_secs(25 * 3600));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn frozen_clock(mut self) -> Self {
        self.frozen = true;
        self
    }

    /// Uses this clock (shared with the test), whatever [`frozen_clock`] says.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use dingtalk_notify_mock::{MockClock, MockServer};
    /// let clock = MockClock::frozen();
    /// let a = MockServer::builder().clock(clock.clone()).start()?;
    /// let b = MockServer::builder().clock(clock.clone()).start()?;
    /// clock.advance(Duration::from_secs(60));
    /// assert_eq!(a.now(), b.now());
    /// # Ok(()) }
    /// ```
    ///
    /// [`frozen_clock`]: MockServerBuilder::frozen_clock
    #[must_use]
    pub fn clock(mut self, clock: MockClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Serves every path under this prefix (`/dingtalk` serves `/dingtalk/gettoken`), as a
    /// gateway would; other paths are unknown.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::MockServer;
    /// let server = MockServer::builder().path_prefix("/gw/dingtalk/").start()?;
    /// assert!(server.base_url().ends_with("/gw/dingtalk"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        let trimmed = prefix.trim_matches('/');
        self.config.path_prefix = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// The largest request body accepted (default [`DEFAULT_MAX_REQUEST_BODY`]); larger ones
    /// are answered `413` with an errcode 41 envelope and the connection is closed.
    #[must_use]
    pub fn max_request_body(mut self, bytes: usize) -> Self {
        self.config.max_body = bytes;
        self
    }

    /// How many requests [`MockServer::requests`] keeps, the oldest dropped first (default
    /// [`DEFAULT_MAX_RECORDED_REQUESTS`]).
    #[must_use]
    pub fn max_recorded_requests(mut self, count: usize) -> Self {
        self.config.max_recorded = count;
        self
    }

    /// Binds 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// When the port cannot be bound or the accept thread cannot be started.
    pub fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        let addr = listener.local_addr()?;
        let clock = self.clock.unwrap_or_else(|| {
            if self.frozen {
                MockClock::frozen()
            } else {
                MockClock::new()
            }
        });
        let base_url = format!("http://{addr}{}", self.config.path_prefix);
        let shared = Arc::new(Shared {
            path_prefix: self.config.path_prefix.clone(),
            max_body: self.config.max_body,
            max_recorded: self.config.max_recorded,
            sim: Mutex::new(Sim::new(self.config)),
            clock,
            ids: Ids::new(),
            faults: Mutex::new(FaultTable::default()),
            requests: Mutex::new(VecDeque::new()),
            token_fetches: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            stop_lock: Mutex::new(false),
            stop_cv: Condvar::new(),
            conns: Mutex::new(Conns::default()),
            addr,
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("dingtalk-mock-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        log::debug!("mock: listening on {addr}");
        Ok(MockServer {
            shared,
            addr,
            base_url,
            accept: Mutex::new(Some(accept)),
        })
    }
}

#[derive(Default)]
struct Conns {
    next: u64,
    open: HashMap<u64, TcpStream>,
    handles: Vec<JoinHandle<()>>,
}

struct Shared {
    sim: Mutex<Sim>,
    clock: MockClock,
    ids: Ids,
    faults: Mutex<FaultTable>,
    requests: Mutex<VecDeque<RecordedRequest>>,
    max_recorded: usize,
    path_prefix: String,
    max_body: usize,
    token_fetches: AtomicUsize,
    accepted: AtomicUsize,
    stop: AtomicBool,
    stop_lock: Mutex<bool>,
    stop_cv: Condvar,
    conns: Mutex<Conns>,
    addr: SocketAddr,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn request_stop(&self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        *lock(&self.stop_lock) = true;
        self.stop_cv.notify_all();
        // Wake the accept thread; it sees the flag and leaves.
        for _ in 0..3 {
            if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
                break;
            }
        }
    }

    /// Sleeps `d` of real time; `false` if the server stopped meanwhile. A duration too
    /// long to represent waits until the server stops.
    fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now().checked_add(d);
        let mut stopped = lock(&self.stop_lock);
        loop {
            if *stopped {
                return false;
            }
            stopped = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return true;
                    }
                    self.stop_cv
                        .wait_timeout(stopped, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .stop_cv
                    .wait(stopped)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    fn wait_for_stop(&self) {
        let mut stopped = lock(&self.stop_lock);
        while !*stopped {
            stopped = self
                .stop_cv
                .wait(stopped)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn route_of(&self, path: &str) -> Route {
        match path.strip_prefix(self.path_prefix.as_str()) {
            Some(rest) if rest.starts_with('/') => Route::from_path(rest),
            _ => Route::Unknown,
        }
    }

    fn record(&self, req: &Incoming, route: Route, now: Duration) {
        if self.max_recorded == 0 {
            return;
        }
        let recorded = RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            route,
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            at: now,
        };
        let mut requests = lock(&self.requests);
        while requests.len() >= self.max_recorded {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }

    fn answer(&self, route: Route, req: &Incoming, now: Duration) -> Answer {
        match route.method() {
            None => sim::err_status(
                404,
                ErrorCode::INVALID_METHOD,
                "Invalid method: this path is not served",
                &self.ids,
            ),
            Some(method) if method != req.method => sim::err_status(
                405,
                ErrorCode::INVALID_METHOD,
                &format!("Invalid method: use {method}"),
                &self.ids,
            ),
            Some(_) => lock(&self.sim).handle(route, req, now, &self.ids),
        }
    }

    /// Handles one request.
    fn handle(&self, req: &Incoming, w: &mut TcpStream) -> Then {
        let now = self.clock.now();
        let route = self.route_of(&req.path);
        if matches!(route, Route::GetToken | Route::GetCorpToken) {
            self.token_fetches.fetch_add(1, Ordering::SeqCst);
        }
        self.record(req, route, now);
        let keep = req.keep_alive;
        if req.method == "HEAD" {
            // No route takes HEAD (404 or 405), and an answer to HEAD has no body: the head
            // alone, or a client would read the body as the next response. No fault applies.
            let answer = self.answer(route, req, now);
            let ct = [("Content-Type", String::from(JSON))];
            let head = http::head(answer.status, &ct, Some(answer.body.len()), keep);
            return Then::keep_if(w.write_all(&head).and_then(|()| w.flush()).is_ok() && keep);
        }
        let fault = lock(&self.faults).on_call(route);
        if let Some(fault) = &fault {
            if !fault.runs_the_call() {
                log::debug!("mock: {} {} -> fault {fault:?}", req.method, req.path);
                return Then::keep_if(self.replace(fault, w, keep));
            }
        }
        let answer = self.answer(route, req, now);
        log::debug!(
            "mock: {} {} -> {} errcode {}",
            req.method,
            req.path,
            answer.status,
            answer.errcode.get()
        );
        match fault {
            None => Then::keep_if(write_json(w, &answer, keep)),
            Some(fault) => self.mangle(&fault, &answer, w, keep),
        }
    }

    /// A fault standing in for the answer.
    fn replace(&self, fault: &Fault, w: &mut TcpStream, keep: bool) -> bool {
        match fault {
            Fault::HttpStatus { status, body } => {
                let status = (*status).clamp(200, 599);
                let ct = [("Content-Type", String::from("text/html;charset=utf-8"))];
                if matches!(status, 204 | 304) {
                    // These never have a body (RFC 9110 §15.3.5, §15.4.5): any given is
                    // dropped, or a client would read it as the next response.
                    let head = http::head(status, &ct, None, keep);
                    w.write_all(&head).and_then(|()| w.flush()).is_ok() && keep
                } else {
                    write_body(w, status, &ct, body.as_bytes(), keep)
                }
            }
            Fault::Http502Html => write_body(
                w,
                502,
                &[("Content-Type", "text/html".into())],
                BAD_GATEWAY_HTML.as_bytes(),
                keep,
            ),
            Fault::Throttle => write_body(
                w,
                200,
                &[("Content-Type", JSON.into())],
                THROTTLE_JSON.as_bytes(),
                keep,
            ),
            Fault::ErrCode(code) => {
                let msg = code.description().unwrap_or("injected error");
                write_json(w, &sim::err(*code, msg, &self.ids), keep)
            }
            Fault::Redirect(location) => {
                let location: String = location.chars().filter(|c| !c.is_control()).collect();
                write_body(w, 302, &[("Location", location)], b"", keep)
            }
            Fault::Oversized(size) => self.padded_envelope(*size, None, w, keep).is_ok() && keep,
            Fault::OversizedBehindSmallContentLength { declared, actual } => {
                let _ = self.padded_envelope(*actual, Some(*declared), w, false);
                false
            }
            Fault::Raw(bytes) => {
                let _ = w.write_all(bytes).and_then(|()| w.flush());
                false
            }
            // Faults that run the call never come here; answer normally if they do.
            _ => write_body(w, 200, &[], b"", keep),
        }
    }

    /// A `200` whose body is a valid-looking envelope padded with a long string. With
    /// `lie: None` the body is `size` bytes (at least the envelope) and `Content-Length`
    /// says so: valid JSON. With `lie: Some(declared)` the head says `declared` and exactly
    /// `size` bytes follow (cut short if `size` is under the envelope's length).
    fn padded_envelope(
        &self,
        size: usize,
        lie: Option<usize>,
        w: &mut TcpStream,
        keep: bool,
    ) -> io::Result<()> {
        let prefix = format!(
            r#"{{"errcode":0,"errmsg":"ok","request_id":"{}","padding":""#,
            self.ids.request_id()
        );
        let suffix = "\"}";
        let actual = match lie {
            None => size.max(prefix.len() + suffix.len()),
            Some(_) => size,
        };
        let declared = lie.unwrap_or(actual);
        let pad = actual.saturating_sub(prefix.len() + suffix.len());
        let head = http::head(200, &[("Content-Type", JSON.into())], Some(declared), keep);
        w.write_all(&head)?;
        let mut left = actual;
        let mut put = |w: &mut TcpStream, bytes: &[u8]| -> io::Result<()> {
            let n = bytes.len().min(left);
            left -= n;
            w.write_all(&bytes[..n])
        };
        put(w, prefix.as_bytes())?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut pad_left = pad;
        while pad_left > 0 {
            let n = pad_left.min(chunk.len());
            put(w, &chunk[..n])?;
            pad_left -= n;
        }
        put(w, suffix.as_bytes())?;
        w.flush()
    }

    /// A fault damaging the real answer.
    fn mangle(&self, fault: &Fault, answer: &Answer, w: &mut TcpStream, keep: bool) -> Then {
        let ct = [("Content-Type", String::from(JSON))];
        let body = answer.body.as_slice();
        match fault {
            Fault::Delay(d) => Then::keep_if(self.sleep(*d) && write_json(w, answer, keep)),
            Fault::SlowDrip { chunk, interval } => {
                let head = http::head(answer.status, &ct, Some(body.len()), keep);
                if w.write_all(&head).and_then(|()| w.flush()).is_err() {
                    return Then::Close;
                }
                for piece in body.chunks((*chunk).max(1)) {
                    if !self.sleep(*interval) {
                        return Then::Close;
                    }
                    if w.write_all(piece).and_then(|()| w.flush()).is_err() {
                        return Then::Close;
                    }
                }
                Then::keep_if(keep)
            }
            Fault::ResetBeforeResponse => Then::Reset,
            Fault::CloseBeforeResponse => Then::Close,
            Fault::ResetMidBody | Fault::CloseMidBody => {
                let head = http::head(answer.status, &ct, Some(body.len()), keep);
                let _ = w
                    .write_all(&head)
                    .and_then(|()| w.write_all(&body[..body.len() / 2]))
                    .and_then(|()| w.flush());
                if *fault == Fault::ResetMidBody {
                    Then::Reset
                } else {
                    Then::Close
                }
            }
            Fault::TruncatedJson => {
                let cut = &body[..body.len() / 2];
                Then::keep_if(write_body(w, answer.status, &ct, cut, keep))
            }
            Fault::LyingContentLength => {
                let head = http::head(answer.status, &ct, Some(body.len() / 2), false);
                let _ = w
                    .write_all(&head)
                    .and_then(|()| w.write_all(body))
                    .and_then(|()| w.flush());
                Then::Close
            }
            Fault::Gzip => {
                let gz = http::gzip_stored(body);
                let headers = [
                    ("Content-Type", String::from(JSON)),
                    ("Content-Encoding", "gzip".into()),
                ];
                Then::keep_if(write_body(w, answer.status, &headers, &gz, keep))
            }
            Fault::HugeHeaders(size) => {
                let mut padding: Vec<(String, String)> = Vec::new();
                let mut added = 0usize;
                while added < (*size).min(MAX_HUGE_HEADERS) {
                    let name = format!("X-Mock-Padding-{}", padding.len());
                    let value = "x".repeat(1000);
                    added += name.len() + value.len() + 4;
                    padding.push((name, value));
                }
                let mut headers: Vec<(&str, String)> = vec![("Content-Type", JSON.into())];
                headers.extend(padding.iter().map(|(n, v)| (n.as_str(), v.clone())));
                Then::keep_if(write_body(w, answer.status, &headers, body, keep))
            }
            _ => Then::keep_if(write_json(w, answer, keep)),
        }
    }
}

fn write_body(
    w: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    keep: bool,
) -> bool {
    let mut out = http::head(status, headers, Some(body.len()), keep);
    out.extend_from_slice(body);
    w.write_all(&out).and_then(|()| w.flush()).is_ok() && keep
}

fn write_json(w: &mut TcpStream, answer: &Answer, keep: bool) -> bool {
    write_body(
        w,
        answer.status,
        &[("Content-Type", String::from(JSON))],
        &answer.body,
        keep,
    )
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        match stream {
            Ok(stream) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                spawn_connection(stream, shared);
            }
            Err(e) => {
                log::debug!("mock: accept failed: {e}");
                // Out of descriptors, say: back off instead of spinning.
                if !shared.sleep(Duration::from_millis(20)) {
                    break;
                }
            }
        }
    }
    log::debug!("mock: accept thread done");
}

fn spawn_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let mut conns = lock(&shared.conns);
    // Reap finished connection threads.
    let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut conns.handles)
        .into_iter()
        .partition(JoinHandle::is_finished);
    conns.handles = running;
    for handle in done {
        let _ = handle.join();
    }
    if conns.open.len() >= MAX_CONNECTIONS {
        drop(conns);
        let mut stream = stream;
        let answer = sim::err_status(503, ErrorCode::SYSTEM_BUSY, "System busy", &shared.ids);
        let _ = write_json(&mut stream, &answer, false);
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let Ok(registered) = stream.try_clone() else {
        return;
    };
    let id = conns.next;
    conns.next += 1;
    conns.open.insert(id, registered);
    let thread_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("dingtalk-mock-conn".into())
        .spawn(move || {
            serve(stream, &thread_shared);
            lock(&thread_shared.conns).open.remove(&id);
        });
    match spawned {
        Ok(handle) => conns.handles.push(handle),
        Err(e) => {
            log::debug!("mock: cannot spawn a connection thread: {e}");
            if let Some(s) = conns.open.remove(&id) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    let mut then = Then::Close;
    while !shared.stopping() {
        match http::read_request(&mut reader, &mut writer, shared.max_body) {
            ReadOutcome::Closed => break,
            ReadOutcome::Malformed { status, reason } => {
                let answer = sim::err_status(
                    status,
                    ErrorCode::INVALID_ARGUMENT,
                    &format!("Invalid arguments: {reason}"),
                    &shared.ids,
                );
                let _ = write_json(&mut writer, &answer, false);
                break;
            }
            ReadOutcome::BodyTooLarge(req) => {
                let now = shared.clock.now();
                let route = shared.route_of(&req.path);
                shared.record(&req, route, now);
                let answer = sim::err_status(
                    413,
                    ErrorCode::INVALID_ARGUMENT,
                    &format!(
                        "Invalid arguments: the request body is over {} bytes",
                        shared.max_body
                    ),
                    &shared.ids,
                );
                let _ = write_json(&mut writer, &answer, false);
                break;
            }
            ReadOutcome::Request(req) => {
                then = shared.handle(&req, &mut writer);
                if then != Then::KeepOpen {
                    break;
                }
            }
        }
    }
    if then == Then::Reset {
        // The RST goes out when the last handle on the socket (the one in `Conns`, removed
        // right after this returns) is dropped.
        arm_reset(&writer);
    } else {
        let _ = writer.shutdown(Shutdown::Both);
    }
}

/// A running simulator on 127.0.0.1. Dropping it (or [`shutdown`](MockServer::shutdown))
/// stops it: every thread is joined and the port is free again.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::io::{Read, Write};
/// use std::time::Duration;
/// use dingtalk_notify_mock::{MockServer, DEMO_APP_KEY, DEMO_APP_SECRET};
///
/// let server = MockServer::builder().frozen_clock().start()?;
/// let mut stream = std::net::TcpStream::connect(server.addr())?;
/// write!(stream, "GET /gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET} HTTP/1.1\r\n\
///                 Host: x\r\nConnection: close\r\n\r\n")?;
/// let mut answer = String::new();
/// stream.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK"));
/// assert!(answer.contains(r#""expires_in":7200"#));
/// assert_eq!(server.token_fetches(), 1);
///
/// server.advance(Duration::from_secs(7200)); // every token issued so far has expired
/// # Ok(()) }
/// ```
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("clock", &self.shared.clock)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a simulator with every default on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// When no port can be bound.
    pub fn start() -> io::Result<MockServer> {
        Self::builder().start()
    }

    /// Settings to start a simulator with.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, plus the path prefix if one is set: the base URL to give a
    /// client.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A handle on the simulator's clock (clones share its timeline).
    pub fn clock(&self) -> MockClock {
        self.shared.clock.clone()
    }

    /// Simulator time now (see [`MockClock::now`]).
    pub fn now(&self) -> Duration {
        self.shared.clock.now()
    }

    /// Moves simulator time forward at once: windows, token expiry, rate-limit minutes and
    /// days, and delivery progress all follow.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Scripts a fault: the calls to `route` that `calls` selects, counted from now, get
    /// `fault` instead of (or on top of) the normal answer. The first matching fault, in
    /// injection order, wins.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};
    /// use dingtalk_notify_proto::ErrorCode;
    ///
    /// let server = MockServer::start()?;
    /// server.inject(Route::SendProgress, Calls::Nth(2), Fault::Http502Html);
    /// server.inject(Route::Send, Calls::First(2), Fault::ErrCode(ErrorCode::SYSTEM_BUSY));
    /// server.inject(Route::Any, Calls::All, Fault::Delay(std::time::Duration::from_millis(1)));
    /// server.clear_faults();
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, route: Route, calls: Calls, fault: Fault) {
        lock(&self.shared.faults).inject(route, calls, fault);
    }

    /// Removes every scripted fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every request received so far (up to the recording cap), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().cloned().collect()
    }

    /// The requests to one route, oldest first.
    pub fn requests_to(&self, route: Route) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| route == Route::Any || r.route == route)
            .cloned()
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// How many token calls (`gettoken` and `get_corp_token`, failed or faulted ones
    /// included) have arrived.
    pub fn token_fetches(&self) -> usize {
        self.shared.token_fetches.load(Ordering::SeqCst)
    }

    /// How many TCP connections the server has accepted so far (those turned away with a
    /// `503` past [`MAX_CONNECTIONS`] included): with [`requests`](MockServer::requests),
    /// it tells whether a client kept its connection alive.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{Read, Write};
    /// use dingtalk_notify_mock::MockServer;
    ///
    /// let server = MockServer::start()?;
    /// let mut stream = std::net::TcpStream::connect(server.addr())?;
    /// for connection in ["keep-alive", "close"] {
    ///     write!(stream, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n\r\n")?;
    /// }
    /// stream.read_to_end(&mut Vec::new())?; // two answers, then the server closes
    /// assert_eq!(server.requests().len(), 2);
    /// assert_eq!(server.connections_accepted(), 1);
    /// # Ok(()) }
    /// ```
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The task `task_id` as the simulator holds it now.
    pub fn task(&self, task_id: impl Into<TaskId>) -> Option<TaskSnapshot> {
        lock(&self.shared.sim).snapshot(task_id.into(), self.now())
    }

    /// Every task, by task id.
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        lock(&self.shared.sim).snapshots(self.now())
    }

    /// How many messages were delivered to `user_id` (not counting invalid, forbidden or
    /// failing deliveries; recalls do not undo it).
    pub fn deliveries(&self, user_id: &str) -> u64 {
        lock(&self.shared.sim).deliveries(user_id)
    }

    /// Deliveries per user, for every user who got at least one.
    pub fn deliveries_by_user(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.sim).all_deliveries()
    }

    /// All deliveries to all users.
    pub fn total_deliveries(&self) -> u64 {
        self.deliveries_by_user().values().sum()
    }

    /// Makes every token issued so far unknown (errcode 40014), as if DingTalk had
    /// invalidated them; the next token fetch issues a fresh one.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.sim).revoke_tokens();
    }

    /// A handle that stops this server from another thread (see [`wait`](MockServer::wait)).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Blocks until a [`ShutdownHandle`] asks the server to stop, then stops it: for a
    /// standalone simulator (`dingtalk-notify mock-server --port N`).
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::MockServer;
    /// let server = MockServer::start()?;
    /// let handle = server.shutdown_handle();
    /// let stopper = std::thread::spawn(move || handle.shutdown());
    /// server.wait(); // returns once the handle has been used
    /// stopper.join().unwrap();
    /// # Ok(()) }
    /// ```
    pub fn wait(&self) {
        self.shared.wait_for_stop();
        self.shutdown();
    }

    /// Stops serving: closes the listener and every connection and joins every thread. The
    /// port is free when this returns. Idempotent; dropping the server does the same.
    pub fn shutdown(&self) {
        self.shared.request_stop();
        if let Some(accept) = lock(&self.accept).take() {
            let _ = accept.join();
        }
        let handles = {
            let mut conns = lock(&self.shared.conns);
            for stream in conns.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut conns.handles)
        };
        for handle in handles {
            let _ = handle.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Stops a [`MockServer`] from anywhere; cheap to clone.
#[derive(Clone)]
pub struct ShutdownHandle {
    shared: Arc<Shared>,
}

impl ShutdownHandle {
    /// Asks the server to stop; [`MockServer::wait`] then returns. The threads are joined
    /// by `wait`, `shutdown` or drop on the server itself.
    pub fn shutdown(&self) {
        self.shared.request_stop();
    }
}

impl std::fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("addr", &self.shared.addr)
            .finish()
    }
}
