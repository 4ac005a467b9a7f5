//! [`MockServerBuilder`]: every knob of the simulator, with DingTalk's defaults.

use std::time::Duration;

use super::*;
use crate::campaign::BudgetOverflow;
use crate::credentials::{AppCredentials, IsvSuite};
use crate::directory::Directory;
use crate::fault::Route;
use crate::gateway::{ErrorStyle, SuccessStyle};
use crate::limits::SendLimits;
use crate::sim::{Config, ContactSettings};
use crate::tls::ServerTls;

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
    pub(super) port: u16,
    pub(super) config: Config,
    pub(super) clock: Option<MockClock>,
    pub(super) frozen: bool,
    pub(super) max_connections: usize,
    pub(super) idle_timeout: Duration,
    pub(super) tls: Option<ServerTls>,
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
                contacts: ContactSettings::default(),
                daily_user_limit: DEFAULT_DAILY_USER_LIMIT,
                isv_daily_user_limit: DEFAULT_ISV_DAILY_USER_LIMIT,
                recipients_per_minute: DEFAULT_RECIPIENTS_PER_MINUTE,
                budget_overflow: BudgetOverflow::RefuseCall,
                send_limits: SendLimits::CURRENT,
                isv_send_limits: SendLimits::CURRENT,
                error_style: ErrorStyle::RealGateway,
                success_style: SuccessStyle::AsCaptured,
                denied: Vec::new(),
                timestamp_tolerance: None,
                wall_origin_ms: 0,
                path_prefix: String::new(),
                max_body: DEFAULT_MAX_REQUEST_BODY,
                max_recorded: DEFAULT_MAX_RECORDED_REQUESTS,
            },
            clock: None,
            frozen: false,
            max_connections: MAX_CONNECTIONS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            tls: None,
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

    /// The organization's users and departments (default [`Directory::demo`]; a few
    /// hundred people: [`Directory::demo_org`]; from an org file:
    /// [`Directory::from_json_file`]).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use dingtalk_notify_mock::{Directory, MockServer};
    /// let org = Directory::from_json(r#"{"users": [{"userid": "ann", "mobile": "13800000009"}]}"#)?;
    /// let server = MockServer::builder().directory(org).start()?;
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn directory(mut self, directory: Directory) -> Self {
        self.config.directory = directory;
        self
    }

    /// A generated organisation of `people` people (see [`Directory::generated`] for its
    /// shape, the same for the same `seed`).
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use dingtalk_notify_mock::MockServer;
    /// let server = MockServer::builder().generated_org(10_000, 1).start()?;
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn generated_org(self, people: usize, seed: u64) -> Self {
        self.directory(Directory::generated(people, seed))
    }

    /// Contact calls an internal app may make per endpoint within any second of simulator
    /// time (default `Some(`[`DEFAULT_CONTACT_QPS`]`)`, DingTalk's figure); past it a call
    /// is answered errcode 90018 (not wrapped) and does not run. `None` lifts the limit.
    ///
    /// [`DEFAULT_CONTACT_QPS`]: crate::DEFAULT_CONTACT_QPS
    #[must_use]
    pub fn contact_qps(mut self, qps: Option<u32>) -> Self {
        self.config.contacts.qps = qps;
        self
    }

    /// The same for ISV apps, per authorizing organisation (default
    /// `Some(`[`DEFAULT_ISV_CONTACT_QPS`]`)`), answered errcode 90019.
    ///
    /// [`DEFAULT_ISV_CONTACT_QPS`]: crate::DEFAULT_ISV_CONTACT_QPS
    #[must_use]
    pub fn isv_contact_qps(mut self, qps: Option<u32>) -> Self {
        self.config.contacts.isv_qps = qps;
        self
    }

    /// Messages per user per internal app per simulator day (default
    /// [`DEFAULT_DAILY_USER_LIMIT`]); more land in `forbidden_list` with code 143105.
    #[must_use]
    pub fn daily_user_limit(mut self, limit: u32) -> Self {
        self.config.daily_user_limit = limit;
        self
    }

    /// What a send past the recipients-per-minute budget gets (default
    /// [`BudgetOverflow::RefuseCall`]: 143103 for the whole call).
    #[must_use]
    pub fn budget_overflow(mut self, overflow: BudgetOverflow) -> Self {
        self.config.budget_overflow = overflow;
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

    /// The per-call recipient limits of `asyncsend_v2` for internal apps (default
    /// [`SendLimits::CURRENT`]: 100 users, 20 departments; [`SendLimits::LEGACY`] for the
    /// old 5,000 and 500).
    #[must_use]
    pub fn send_limits(mut self, limits: SendLimits) -> Self {
        self.config.send_limits = limits;
        self
    }

    /// The per-call recipient limits for ISV apps (default [`SendLimits::CURRENT`];
    /// [`SendLimits::LEGACY_ISV`] for the old 1,000 and 500).
    #[must_use]
    pub fn isv_send_limits(mut self, limits: SendLimits) -> Self {
        self.config.isv_send_limits = limits;
        self
    }

    /// How errors are written (default [`ErrorStyle::RealGateway`]: token and permission
    /// errors on `/topapi` paths wrapped as `errcode 88`).
    #[must_use]
    pub fn error_style(mut self, style: ErrorStyle) -> Self {
        self.config.error_style = style;
        self
    }

    /// How successes are written (default [`SuccessStyle::AsCaptured`]).
    #[must_use]
    pub fn success_style(mut self, style: SuccessStyle) -> Self {
        self.config.success_style = style;
        self
    }

    /// Makes every app lack the permission for `route`: a call with a valid token answers
    /// 60011 (88-wrapped under [`ErrorStyle::RealGateway`]). May be called for several
    /// routes.
    #[must_use]
    pub fn missing_permission(mut self, route: Route) -> Self {
        self.config.denied.push(route);
        self
    }

    /// Makes `get_corp_token` refuse (errcode 853002) a `timestamp` further than
    /// `tolerance` from the simulator's wall clock ([`MockClock::wall`]); the real gateway
    /// allows a minute. Off by default, because a client signing with the real clock
    /// disagrees with a simulator whose time was advanced.
    #[must_use]
    pub fn check_corp_token_timestamp(mut self, tolerance: Duration) -> Self {
        self.config.timestamp_tolerance = Some(tolerance);
        self
    }

    /// The most connections open at once (default [`MAX_CONNECTIONS`]). At the cap, the
    /// connection that has waited longest for a request is closed to make room; a
    /// newcomer is answered `503` errcode -1 only when every connection is busy answering.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long a connection may wait for its next request, the whole head included
    /// (default [`DEFAULT_IDLE_TIMEOUT`]): one deadline per request, which bytes trickling
    /// in do not extend. Past it the connection is closed.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Serves HTTPS with these certificates (see [`ServerTls`]): a TLS front on the port
    /// relays to the plain simulator, so every route, fault and record works the same;
    /// [`MockServer::base_url`] is then `https://127.0.0.1:PORT`.
    #[must_use]
    pub fn https(mut self, tls: ServerTls) -> Self {
        self.tls = Some(tls);
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
}
