//! [`MockServer`]: the listener, its connection threads, and the handles tests hold.

mod builder;
mod conn;
mod contacts;
mod respond;
mod shared;
mod start;

use std::collections::BTreeMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::campaign::{Delivery, SendRecord};
use crate::clock::MockClock;
use crate::fault::{Calls, Fault, Route};
use crate::record::RecordedRequest;
use crate::snapshot::{TaskSnapshot, snapshot_of};

pub use builder::MockServerBuilder;
pub(crate) use respond::BAD_GATEWAY_HTML;
use shared::Shared;

/// The default token lifetime: 7200 s.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(7200);
/// The default time a send takes to complete: 2 s of simulator time.
pub const DEFAULT_DELIVERY_DURATION: Duration = Duration::from_secs(2);
/// The default daily limit of messages per user per internal app: 500.
pub const DEFAULT_DAILY_USER_LIMIT: u32 = 500;
/// The default daily limit of messages per user per ISV app: 100.
pub const DEFAULT_ISV_DAILY_USER_LIMIT: u32 = 100;
/// How long a connection may wait for a request, head included, by default: 15 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// The default recipients-per-minute budget of an app: 5,000.
pub const DEFAULT_RECIPIENTS_PER_MINUTE: usize = 5_000;
/// The default cap on a request body: 1 MiB.
pub const DEFAULT_MAX_REQUEST_BODY: usize = 1024 * 1024;
/// The default number of requests kept for [`MockServer::requests`]: 10,000.
pub const DEFAULT_MAX_RECORDED_REQUESTS: usize = 10_000;
/// The default cap on open connections ([`MockServerBuilder::max_connections`]): past it
/// the idlest connection is closed to make room; a newcomer gets `503` only when every one
/// is busy.
pub const MAX_CONNECTIONS: usize = 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
    front: Option<crate::tls::front::Front>,
    tls: Option<crate::tls::ServerTls>,
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

    /// The certificates served over HTTPS ([`MockServerBuilder::https`]), for a client's
    /// root store; `None` for a plain-HTTP simulator.
    pub fn tls(&self) -> Option<&crate::tls::ServerTls> {
        self.tls.as_ref()
    }

    /// The bound address (the TLS front's over HTTPS).
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
    /// use dingtalk_notify_mock::code;
    ///
    /// let server = MockServer::start()?;
    /// server.inject(Route::SendProgress, Calls::Nth(2), Fault::Http502Html);
    /// server.inject(Route::Send, Calls::First(2), Fault::ErrCode(code::SYSTEM_BUSY));
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
    pub fn task(&self, task_id: u64) -> Option<TaskSnapshot> {
        let now = self.now();
        let sim = lock(&self.shared.sim);
        let task = sim.task(task_id)?;
        Some(snapshot_of(task, now, sim.config.delivery_duration))
    }

    /// Every task, by task id.
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        let now = self.now();
        let sim = lock(&self.shared.sim);
        sim.all_tasks()
            .into_iter()
            .map(|task| snapshot_of(task, now, sim.config.delivery_duration))
            .collect()
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

    /// Every accepted send, oldest first, with its simulator time and the recipients it
    /// counted against the minute budget: a test can check that no 60 s window exceeds a
    /// budget.
    pub fn sends(&self) -> Vec<SendRecord> {
        lock(&self.shared.sim).send_log()
    }

    /// Every delivery of a message to a user, oldest first, with the task and simulator
    /// time (not invalid, forbidden or failing recipients; a recall does not undo it): a
    /// test can check that each user received a campaign exactly once.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::MockServer;
    /// let server = MockServer::start()?;
    /// assert!(server.delivery_log().is_empty() && server.sends().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn delivery_log(&self) -> Vec<Delivery> {
        lock(&self.shared.sim).delivery_log()
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
        if let Some(front) = &self.front {
            front.shutdown();
        }
        self.shared.request_stop();
        if let Some(accept) = lock(&self.accept).take() {
            let _ = accept.join();
        }
        let handles = {
            let mut conns = lock(&self.shared.conns);
            for open in conns.open.values() {
                let _ = open.stream.shutdown(Shutdown::Both);
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
