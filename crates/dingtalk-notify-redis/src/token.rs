//! [`RedisTokenProvider`]: one access token per app for the whole fleet, refreshed by one
//! process at a time.
//!
//! # Protocol
//! The token lives in a hash (`token`, `lifetime_ms`) whose Redis TTL is the token's
//! lifetime, under `dingtalk-notify:v1:<hash of the app key>:token`. A caller reads it and
//! judges its freshness with the core's [`TokenCache`] (the same refresh margin as a single
//! process: a tenth of the lifetime, at most 5 minutes). When it is due:
//! 1. `SET <ns>:token-lock <owner> NX PX <lock ttl>`; the one that gets it reads again (a
//!    token may have been stored meanwhile), fetches from DingTalk within the lock's TTL,
//!    stores the token and releases the lock only if it still owns it (a Lua compare and
//!    delete);
//! 2. the others keep using a still-valid token, or poll for the new one until their
//!    deadline. A holder that died leaves a lock that expires after its TTL; the next caller
//!    then takes it over.
//!
//! The app secret stays in the process: only the token and its lifetime go to Redis.
//!
//! Time is read, and the polls sleep, on the store's [`Clock`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use dingtalk_notify::kit::token::{
    Freshness, ProvidedToken, TokenCache, TokenKey, TokenSource, refresh_margin,
};
use dingtalk_notify::{AccessToken, BaseUrl, Clock, TokenProvider, Transport};

use crate::error::Error;
use crate::fetch::{Fetch, TokenFetcher};
use crate::keys::Namespace;
use crate::store::{RedisStore, later};
use crate::token_keys::{Stored, TokenKeys};

/// The default time one [`token`](TokenProvider::token) call may take, waiting included.
/// Keep it below the client's call deadline (30 s by default).
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10);
/// The default refresh lock TTL: how long a dead holder blocks the others, and how long a
/// holder's fetch may take.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(5);
/// The default pause between two reads while another process refreshes.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How long the opt-in fallback serves from the process's cache before trying Redis again.
const FALLBACK_RECHECK: Duration = Duration::from_secs(5);

/// The opt-in in-process fallback: a cache of its own, and when Redis last failed.
#[derive(Default)]
struct Fallback {
    cache: Mutex<TokenCache>,
    down_until: Mutex<Option<Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A [`TokenProvider`] that shares one access token per app (or per ISV suite and corp)
/// among every process that uses the same Redis.
///
/// ```no_run
/// use dingtalk_notify::{Client, TokenSource};
/// use dingtalk_notify_redis::{RedisStore, RedisTokenProvider};
/// use dingtalk_notify::ureq::UreqTransport;
///
/// let redis = RedisStore::open("redis://127.0.0.1:6379")?;
/// let source = TokenSource::app("dingkey", std::env::var("DINGTALK_APP_SECRET")?);
/// let provider = RedisTokenProvider::new(&redis, source, UreqTransport::new())?;
/// let client = Client::builder(TokenSource::provider(provider)).build(UreqTransport::new());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisTokenProvider {
    store: RedisStore,
    fetcher: Arc<dyn Fetch>,
    keys: TokenKeys,
    max_wait: Duration,
    lock_ttl: Duration,
    poll_interval: Duration,
    fallback: Option<Fallback>,
    key: TokenKey,
}

/// Numbers this process's lock owners, so two providers never share an owner id (not even
/// on one virtual clock, where their wall times agree).
static OWNER_SEQ: AtomicU64 = AtomicU64::new(0);

/// Configures a [`RedisTokenProvider`].
#[must_use]
pub struct RedisTokenProviderBuilder<T> {
    store: RedisStore,
    source: TokenSource,
    transport: T,
    base: BaseUrl,
    max_wait: Duration,
    lock_ttl: Duration,
    poll_interval: Duration,
    fallback: bool,
}

impl<T: Transport + Send + Sync + 'static> RedisTokenProviderBuilder<T> {
    /// The DingTalk base URL the token is fetched from (default `https://oapi.dingtalk.io`).
    pub fn base_url(mut self, base: BaseUrl) -> Self {
        self.base = base;
        self
    }

    /// How long one call may take, waiting for another process included (default
    /// [`DEFAULT_MAX_WAIT`]). Keep it below the client's call deadline.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The refresh lock's TTL (default [`DEFAULT_LOCK_TTL`]).
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// The pause between reads while another process refreshes (default
    /// [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// **Opt-in**, off by default: when Redis is unreachable or does not answer, fetch and
    /// cache the token in this process instead of failing. Each process then fetches its
    /// own token while Redis is away (DingTalk returns the same token to every fetch within
    /// its validity, so this costs fetches, not correctness).
    pub fn fallback_to_local_cache(mut self, enabled: bool) -> Self {
        self.fallback = enabled;
        self
    }

    /// Builds the provider.
    ///
    /// # Errors
    /// [`Error::Config`] for a source that is not `App` or `Isv`, or a zero duration.
    pub fn build(self) -> Result<RedisTokenProvider, Error> {
        if self.max_wait.is_zero() || self.lock_ttl < Duration::from_millis(1) {
            return Err(Error::Config(
                "max_wait and lock_ttl must be above zero".into(),
            ));
        }
        let key = self.source.key();
        let ns = Namespace::for_key(&key)
            .ok_or_else(|| Error::Config("this token source has no app identity".into()))?;
        let fetcher = TokenFetcher::new(
            self.source,
            self.base,
            self.transport,
            self.store.shared_clock(),
        )?;
        Ok(RedisTokenProvider {
            store: self.store,
            fetcher: Arc::new(fetcher),
            keys: TokenKeys::new(&ns),
            max_wait: self.max_wait,
            lock_ttl: self.lock_ttl,
            poll_interval: self.poll_interval.max(Duration::from_millis(1)),
            fallback: self.fallback.then(Fallback::default),
            key,
        })
    }
}

impl RedisTokenProvider {
    /// A provider with the defaults, fetching from DingTalk's default base URL.
    ///
    /// # Errors
    /// See [`RedisTokenProviderBuilder::build`].
    pub fn new<T: Transport + Send + Sync + 'static>(
        store: &RedisStore,
        source: TokenSource,
        transport: T,
    ) -> Result<Self, Error> {
        Self::builder(store, source, transport).build()
    }

    /// A builder: `source` (`App` or `Isv`) is what the token is fetched with, over
    /// `transport`.
    pub fn builder<T: Transport + Send + Sync + 'static>(
        store: &RedisStore,
        source: TokenSource,
        transport: T,
    ) -> RedisTokenProviderBuilder<T> {
        RedisTokenProviderBuilder {
            store: store.clone(),
            source,
            transport,
            base: BaseUrl::default(),
            max_wait: DEFAULT_MAX_WAIT,
            lock_ttl: DEFAULT_LOCK_TTL,
            poll_interval: DEFAULT_POLL_INTERVAL,
            fallback: false,
        }
    }

    /// The fleet's current token, refreshing it if it is due, within the provider's
    /// `max_wait`.
    ///
    /// # Errors
    /// A typed [`Error`]: Redis unreachable, slow or answering garbage (unless the fallback
    /// is on), the fetch failing, or no token appearing while another process refreshes.
    pub fn current_token(&self) -> Result<ProvidedToken, Error> {
        let deadline = self.store.deadline_in(self.max_wait);
        if let Some(fallback) = &self.fallback {
            // Redis failed a moment ago: do not wait for its timeouts on every call.
            let now = self.clock().now();
            let skip = lock(&fallback.down_until).is_some_and(|until| now < until);
            if skip {
                return self.local_token(fallback, deadline);
            }
        }
        match (self.shared_token(deadline), &self.fallback) {
            (Err(e), Some(fallback)) if e.is_unavailable() => {
                log::warn!(
                    target: "dingtalk_notify_redis",
                    "Redis unavailable ({e}); using this process's own token cache for {:?}",
                    FALLBACK_RECHECK
                );
                *lock(&fallback.down_until) = Some(later(self.clock().now(), FALLBACK_RECHECK));
                self.local_token(fallback, deadline)
            }
            (other, _) => other,
        }
    }

    /// The store's clock, which every read of time and every wait here goes by.
    fn clock(&self) -> &dyn Clock {
        self.store.clock()
    }

    fn shared_token(&self, deadline: Instant) -> Result<ProvidedToken, Error> {
        let started = self.clock().now();
        loop {
            let stale = match self.judge(self.keys.read(&self.store, deadline)?) {
                (Freshness::Fresh(token), until_refresh) => {
                    return Ok(provided(token, until_refresh));
                }
                (Freshness::Stale(token), _) => Some(token),
                _ => None,
            };
            let owner = self.owner_id();
            if self
                .keys
                .try_lock(&self.store, &owner, self.lock_ttl, deadline)?
            {
                let result = self.refresh_locked(deadline, stale);
                if let Err(e) = self.keys.unlock(&self.store, &owner, deadline) {
                    log::debug!(
                        target: "dingtalk_notify_redis",
                        "could not release the refresh lock ({e}); it expires on its own"
                    );
                }
                return result;
            }
            if let Some(token) = stale {
                // Someone else refreshes; this one is valid meanwhile.
                return Ok(provided(token, None));
            }
            // Leave time for one more read before the deadline.
            let now = self.clock().now();
            let left = deadline.saturating_duration_since(later(now, self.poll_interval));
            if left.is_zero() {
                return Err(Error::LockWait {
                    waited: now.saturating_duration_since(started),
                });
            }
            self.clock().sleep(self.poll_interval);
        }
    }

    fn refresh_locked(
        &self,
        deadline: Instant,
        stale: Option<AccessToken>,
    ) -> Result<ProvidedToken, Error> {
        let locked_at = self.clock().now();
        // Another process may have stored a token between the read and the lock.
        if let (Freshness::Fresh(token), until_refresh) =
            self.judge(self.keys.read(&self.store, deadline)?)
        {
            return Ok(provided(token, until_refresh));
        }
        // Never fetch past the lock: after it, another process may fetch too. And leave a
        // tenth of the call's time to store the token and release the lock before the
        // call's deadline.
        let reserve = self.max_wait / 10;
        let fetch_deadline = deadline
            .checked_sub(reserve)
            .unwrap_or(locked_at)
            .min(later(locked_at, self.lock_ttl));
        match self.fetcher.fetch(fetch_deadline) {
            Ok(fetched) => {
                if let Err(e) =
                    self.keys
                        .write(&self.store, &fetched.token, fetched.lifetime, deadline)
                {
                    log::warn!(
                        target: "dingtalk_notify_redis",
                        "fetched a token but could not store it in Redis ({e})"
                    );
                }
                let until_refresh = fetched.lifetime - refresh_margin(fetched.lifetime);
                Ok(provided(fetched.token, Some(until_refresh)))
            }
            Err(e) => match stale {
                Some(token) => {
                    log::warn!(
                        target: "dingtalk_notify_redis",
                        "token refresh failed ({e}); using the current token until it expires"
                    );
                    Ok(provided(token, None))
                }
                None => Err(e),
            },
        }
    }

    fn local_token(&self, fallback: &Fallback, deadline: Instant) -> Result<ProvidedToken, Error> {
        let mut cache = lock(&fallback.cache);
        let now = self.clock().now();
        let stale = match cache.freshness(&self.key, now) {
            Freshness::Fresh(token) => return Ok(provided(token, None)),
            Freshness::Stale(token) => Some(token),
            _ => None,
        };
        match (self.fetcher.fetch(deadline), stale) {
            (Ok(f), _) => {
                cache.insert(self.key.clone(), f.token.clone(), f.lifetime, now);
                let until_refresh = f.lifetime - refresh_margin(f.lifetime);
                Ok(provided(f.token, Some(until_refresh)))
            }
            (Err(_), Some(token)) => Ok(provided(token, None)),
            (Err(e), None) => Err(e),
        }
    }

    /// How fresh a stored token is, judged by the core's own cache logic, and how long until
    /// the fleet refreshes it (for the client to cache it that long).
    fn judge(&self, stored: Option<Stored>) -> (Freshness, Option<Duration>) {
        let Some(s) = stored else {
            return (Freshness::Missing, None);
        };
        let now = self.clock().now();
        let age = s.lifetime.saturating_sub(s.remaining);
        let Some(issued) = now.checked_sub(age) else {
            return (Freshness::Missing, None);
        };
        let until_refresh = s.remaining.checked_sub(refresh_margin(s.lifetime));
        let mut cache = TokenCache::new();
        cache.insert(self.key.clone(), s.token, s.lifetime, issued);
        (cache.freshness(&self.key, now), until_refresh)
    }

    fn owner_id(&self) -> String {
        let nanos = self
            .clock()
            .wall()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seq = OWNER_SEQ.fetch_add(1, Ordering::Relaxed);
        format!("{}:{nanos}:{seq}", std::process::id())
    }
}

fn provided(token: AccessToken, expires_in: Option<Duration>) -> ProvidedToken {
    ProvidedToken { token, expires_in }
}

impl TokenProvider for RedisTokenProvider {
    fn token(&self) -> Result<ProvidedToken, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.current_token()?)
    }

    fn invalidate(&self, token: &AccessToken) {
        if let Some(fallback) = &self.fallback {
            lock(&fallback.cache).invalidate(&self.key, token);
        }
        let result =
            self.keys
                .invalidate(&self.store, token, self.store.deadline_in(self.max_wait));
        if let Err(e) = result {
            log::warn!(
                target: "dingtalk_notify_redis",
                "could not drop a rejected token from Redis ({e})"
            );
        }
    }
}

impl fmt::Debug for RedisTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenProvider")
            .field("store", &self.store)
            .field("token_key", &self.keys.token)
            .field("max_wait", &self.max_wait)
            .field("lock_ttl", &self.lock_ttl)
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}
