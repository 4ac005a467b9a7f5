//! [`RedisStore`]: the connection settings and the small pool every part of the crate shares.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dingtalk_notify::{Clock, SystemClock};
use redis::{Connection, IntoConnectionInfo, RedisResult};

use crate::error::Error;

/// The default time allowed to open a connection (TCP, TLS and AUTH).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The default time allowed for one answer.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 16;

/// A Redis server for a fleet: its address, credentials and timeouts, and a pool of idle
/// connections. Cheap to clone; clones share the pool.
///
/// Every call is bounded: connecting takes at most the connect timeout, each answer at most
/// the response timeout, and neither more than what is left of the caller's deadline. A
/// broken connection is dropped and the next call opens a fresh one, so a restarted Redis is
/// picked up by itself.
///
/// Every part of the crate built on a store (the token provider, the budget, the ledger)
/// reads time and sleeps on the store's [`Clock`]: the system's by default, or the
/// client's own ([`RedisStoreBuilder::clock`]), so a client on a
/// [`VirtualClock`](dingtalk_notify::VirtualClock) and its Redis parts run on one clock.
///
/// ```no_run
/// use dingtalk_notify_redis::RedisStore;
/// use std::time::Duration;
/// let redis = RedisStore::builder("redis://10.0.0.5:6379/0")
///     .username("notify")
///     .password(std::env::var("REDIS_PASSWORD")?)
///     .response_timeout(Duration::from_millis(500))
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connect_timeout: Duration,
    response_timeout: Duration,
    /// The password, only to scrub it from error texts.
    password: Option<String>,
    idle: Mutex<Vec<Connection>>,
    clock: Arc<dyn Clock>,
    /// Whether the caller gave the clock ([`RedisStoreBuilder::clock`]).
    clock_given: bool,
}

/// Configures a [`RedisStore`].
#[must_use]
pub struct RedisStoreBuilder {
    url: String,
    username: Option<String>,
    password: Option<String>,
    connect_timeout: Duration,
    response_timeout: Duration,
    clock: Arc<dyn Clock>,
    clock_given: bool,
    #[cfg(feature = "tls")]
    root_pem: Option<Vec<u8>>,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("username", &self.username)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// The ACL username (overrides one in the URL).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password (overrides one in the URL). It never appears in `Debug`, errors or logs.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The time allowed to open a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed for one answer (default [`DEFAULT_RESPONSE_TIMEOUT`]).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// The clock every part built on this store reads time and sleeps on (default
    /// [`SystemClock`]). Give it the client's clock (a clone of the same
    /// [`VirtualClock`](dingtalk_notify::VirtualClock), in a test) so the client and its
    /// Redis parts share one timeline. A [`RedisBudget`](crate::RedisBudget) on this store
    /// then counts its window on this clock too (without one, on the Redis server's clock),
    /// so a wait for the window ends on it; every store sharing a budget should then be
    /// given the same clock. Redis's own expiries (the token's, the lock's) still run on
    /// the Redis server's clock.
    ///
    /// ```no_run
    /// use dingtalk_notify::VirtualClock;
    /// use dingtalk_notify_redis::RedisStore;
    /// let clock = VirtualClock::new();
    /// let redis = RedisStore::builder("redis://127.0.0.1:6379").clock(clock.clone()).build()?;
    /// // ... Client::builder(..).clock(clock) ...
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self.clock_given = true;
        self
    }

    /// Also trusts these root certificates (PEM) for `rediss://`, besides the system's: for
    /// a Redis behind a private CA. The server's certificate is always verified.
    #[cfg(feature = "tls")]
    pub fn tls_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_pem = Some(pem.into());
        self
    }

    /// Checks the URL and options; connects only when first used.
    ///
    /// # Errors
    /// [`Error::Config`] for a URL that is not `redis://`, `rediss://` or `unix://`, a zero
    /// timeout, or `rediss://` without the `tls` feature.
    pub fn build(self) -> Result<RedisStore, Error> {
        let mut secrets: Vec<&str> = Vec::new();
        if let Some(p) = &self.password {
            secrets.push(p);
        }
        secrets.extend(url_password(&self.url));
        if self.connect_timeout.is_zero() || self.response_timeout.is_zero() {
            return Err(Error::Config("timeouts must be above zero".into()));
        }
        if self.url.starts_with("rediss://") && !cfg!(feature = "tls") {
            return Err(Error::Config(
                "a rediss:// URL needs the crate's `tls` feature".into(),
            ));
        }
        let info = self.url.as_str().into_connection_info().map_err(|e| {
            Error::Config(format!(
                "the Redis URL is invalid ({})",
                crate::error::scrub(&e.to_string(), &secrets)
            ))
        })?;
        let mut settings = info.redis_settings().clone();
        if let Some(u) = &self.username {
            settings = settings.set_username(u);
        }
        if let Some(p) = &self.password {
            settings = settings.set_password(p);
        }
        let password = settings.password().map(str::to_owned);
        let info = info.set_redis_settings(settings);
        #[cfg(feature = "tls")]
        crate::tls::ensure_crypto_provider();
        #[cfg(feature = "tls")]
        let client = match self.root_pem {
            Some(pem) => redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(crate::tls::system_roots_and(&pem)),
                },
            ),
            None => redis::Client::open(info),
        };
        #[cfg(not(feature = "tls"))]
        let client = redis::Client::open(info);
        let client =
            client.map_err(|e| Error::Config(crate::error::scrub(&e.to_string(), &secrets)))?;
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                connect_timeout: self.connect_timeout,
                response_timeout: self.response_timeout,
                password,
                idle: Mutex::new(Vec::new()),
                clock: self.clock,
                clock_given: self.clock_given,
            }),
        })
    }
}

/// `at + by`, never panicking: a duration too long to add gives about a century from `at`
/// (or `at` itself, on a platform where even that cannot be represented).
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    at.checked_add(by)
        .or_else(|| at.checked_add(CENTURY))
        .unwrap_or(at)
}

/// The password part of a URL (`scheme://user:password@host`), to scrub it from errors.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':').map_or(userinfo, |(_, p)| p))
}

impl RedisStore {
    /// A store for `url` with the default timeouts.
    ///
    /// # Errors
    /// See [`RedisStoreBuilder::build`].
    pub fn open(url: &str) -> Result<Self, Error> {
        Self::builder(url).build()
    }

    /// A builder for `url` (`redis://[user:password@]host[:port][/db]`, `rediss://...` with
    /// the `tls` feature, or `unix:///path`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            username: None,
            password: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            clock: Arc::new(SystemClock),
            clock_given: false,
            #[cfg(feature = "tls")]
            root_pem: None,
        }
    }

    /// Sends `PING`, within `timeout`.
    ///
    /// # Errors
    /// The typed failure: unreachable, timeout, auth.
    pub fn ping(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = self.deadline_in(timeout);
        let pong: String = self.run(deadline, |c| redis::cmd("PING").query(c))?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(Error::Garbage {
                detail: "PING was not answered PONG".into(),
            })
        }
    }

    /// The time allowed for one answer ([`RedisStoreBuilder::response_timeout`]).
    pub(crate) fn response_timeout(&self) -> Duration {
        self.inner.response_timeout
    }

    /// The clock the store's users read time and sleep on ([`RedisStoreBuilder::clock`]).
    pub fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    /// Whether the caller gave the store its clock ([`RedisStoreBuilder::clock`]).
    pub(crate) fn clock_given(&self) -> bool {
        self.inner.clock_given
    }

    /// A shared handle on the store's clock, for a part that keeps it.
    pub(crate) fn shared_clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.inner.clock)
    }

    /// The instant `timeout` from now on the store's clock (far in the future for a
    /// duration too long to add).
    pub(crate) fn deadline_in(&self, timeout: Duration) -> Instant {
        later(self.clock().now(), timeout)
    }

    fn secrets(&self) -> Vec<&str> {
        self.inner.password.as_deref().into_iter().collect()
    }

    /// Runs `f` on a connection before `deadline`. A pooled connection that turns out to be
    /// broken is replaced once by a fresh one, so `f` must be safe to run twice (every
    /// command of this crate is, or errs on the safe side).
    pub(crate) fn run<R>(
        &self,
        deadline: Instant,
        mut f: impl FnMut(&mut Connection) -> RedisResult<R>,
    ) -> Result<R, Error> {
        let pooled = self.lock_idle().pop();
        let reused = pooled.is_some();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect(deadline)?,
        };
        let timeout = self.bound(self.inner.response_timeout, deadline)?;
        match run_on(&mut conn, timeout, &mut f) {
            Ok(r) => {
                self.put_back(conn);
                Ok(r)
            }
            Err(e) if reused && e.is_connection_dropped() => {
                log::debug!("dingtalk_notify_redis: a pooled connection broke; reconnecting");
                let mut conn = self.connect(deadline)?;
                let timeout = self.bound(self.inner.response_timeout, deadline)?;
                let r = run_on(&mut conn, timeout, &mut f).map_err(|e| self.error(&e, timeout))?;
                self.put_back(conn);
                Ok(r)
            }
            Err(e) => {
                let error = self.error(&e, timeout);
                // An error reply leaves the connection usable; anything else drops it.
                if matches!(error, Error::Server { .. }) {
                    self.put_back(conn);
                }
                Err(error)
            }
        }
    }

    fn connect(&self, deadline: Instant) -> Result<Connection, Error> {
        let timeout = self.bound(self.inner.connect_timeout, deadline)?;
        self.inner
            .client
            .get_connection_with_timeout(timeout)
            .map_err(|e| match self.error(&e, timeout) {
                // A connection that broke while connecting never got anywhere.
                Error::Interrupted { detail } => Error::Unreachable { detail },
                other => other,
            })
    }

    /// The smaller of `limit` and the time left before `deadline`.
    fn bound(&self, limit: Duration, deadline: Instant) -> Result<Duration, Error> {
        let left = deadline.saturating_duration_since(self.clock().now());
        if left.is_zero() {
            return Err(Error::Timeout { timeout: limit });
        }
        Ok(limit.min(left))
    }

    fn error(&self, e: &redis::RedisError, timeout: Duration) -> Error {
        Error::from_redis(e, timeout, &self.secrets())
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.lock_idle();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn run_on<R>(
    conn: &mut Connection,
    timeout: Duration,
    f: &mut impl FnMut(&mut Connection) -> RedisResult<R>,
) -> RedisResult<R> {
    conn.set_read_timeout(Some(timeout))?;
    conn.set_write_timeout(Some(timeout))?;
    f(conn)
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.inner.client.get_connection_info();
        f.debug_struct("RedisStore")
            .field("addr", &info.addr().to_string())
            .field("username", &info.redis_settings().username())
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("response_timeout", &self.inner.response_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_password_is_found_for_scrubbing() {
        assert_eq!(url_password("redis://u:pw1@h:1/0"), Some("pw1"));
        assert_eq!(url_password("redis://:pw2@h"), Some("pw2"));
        assert_eq!(url_password("redis://h:6379"), None);
    }

    #[test]
    fn bad_urls_and_options_are_config_errors_without_the_password() {
        let e = RedisStore::open("http://u:SECRETPW@h").unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(!e.to_string().contains("SECRETPW"), "{e}");
        let e = RedisStore::builder("redis://127.0.0.1")
            .response_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)));
    }

    #[test]
    fn debug_hides_the_password() {
        let store = RedisStore::builder("redis://user:URLSECRET@127.0.0.1:1")
            .build()
            .unwrap();
        let shown = format!("{store:?}");
        assert!(
            shown.contains("127.0.0.1:1") && !shown.contains("URLSECRET"),
            "{shown}"
        );
        let builder = RedisStore::builder("redis://127.0.0.1").password("BUILDERSECRET");
        assert!(!format!("{builder:?}").contains("BUILDERSECRET"));
    }
}
