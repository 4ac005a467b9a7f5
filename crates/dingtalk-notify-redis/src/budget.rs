//! [`RedisBudget`]: the fleet-wide recipients-per-minute budget of one app, as one atomic
//! Lua script (a sliding-window log on Redis's own clock, or on the store's when it was
//! given one).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use dingtalk_notify::TokenSource;
use dingtalk_notify::budget::{BudgetError, RecipientBudget};
use dingtalk_notify::kit::campaign::{Admission, Budget, BudgetWindowError};

use crate::error::Error;
use crate::keys::Namespace;
use crate::store::{RedisStore, later};

/// DingTalk's quota period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(60);
/// How much longer than the period a grant counts (see [`RedisBudgetBuilder::margin`]).
pub const DEFAULT_MARGIN: Duration = Duration::from_millis(500);

/// The script. KEYS[1]: the log, a sorted set of `<recipients>:<unique id>` scored by the
/// time granted (Redis milliseconds); KEYS[2]: the sum of the log's recipients, kept beside
/// it so that a grant costs O(log n), not a pass over the window. ARGV: budget, window
/// (period + margin) in ms, recipients, unique id, now in Unix ms (empty: Redis's `TIME`).
/// Returns `{1, 0, left}` when granted, `{0, wait_ms, left}` when not.
const ACQUIRE: &str = r"
local now = tonumber(ARGV[5])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local budget = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local function count(member)
  return tonumber(string.match(member, '^(%d+):')) or 0
end
local cut = '(' .. (now - window)
local used = tonumber(redis.call('GET', KEYS[2]) or '')
if used then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cut)
  for i = 1, #expired do
    used = used - count(expired[i])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cut)
if not used or used < 0 then
  -- The sum is gone or wrong (deleted by hand): count the log again.
  used = 0
  local all = redis.call('ZRANGE', KEYS[1], 0, -1)
  for i = 1, #all do
    used = used + count(all[i])
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  used = 0
end
if used + n <= budget then
  redis.call('ZADD', KEYS[1], now, n .. ':' .. ARGV[4])
  redis.call('SET', KEYS[2], used + n, 'PX', window + 1000)
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return {1, 0, budget - used - n}
end
redis.call('SET', KEYS[2], used, 'KEEPTTL')
local freed = 0
local from = 0
while true do
  local batch = redis.call('ZRANGE', KEYS[1], from, from + 63, 'WITHSCORES')
  if #batch == 0 then
    return {0, window, budget - used}
  end
  for i = 1, #batch, 2 do
    freed = freed + count(batch[i])
    if used - freed + n <= budget then
      return {0, tonumber(batch[i + 1]) + window + 1 - now, budget - used}
    end
  end
  from = from + 64
end";

/// KEYS as [`ACQUIRE`]; ARGV: budget, window ms, unique id, now as in [`ACQUIRE`]. Counts
/// the whole budget now, so nothing is granted for a window (DingTalk said the quota is
/// spent).
const EXHAUST: &str = r"
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local budget = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
redis.call('ZADD', KEYS[1], now, budget .. ':' .. ARGV[3])
redis.call('SET', KEYS[2], used + budget, 'PX', window + 1000)
redis.call('PEXPIRE', KEYS[1], window + 1000)
return 1";

/// The answer to a budget request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Acquire {
    /// Granted: send now. `left` recipients remain in the current window.
    Go {
        /// What is left of the budget in the current window.
        left: u64,
    },
    /// Not granted: ask again after this long.
    Wait(Duration),
}

/// The recipients-per-period budget of one app, shared by every process on the same Redis.
///
/// A grant is counted on Redis's clock, so the replicas' clocks do not matter; in any window
/// of `period + margin` the grants add up to at most the budget. On a store given a clock
/// ([`RedisStoreBuilder::clock`](crate::RedisStoreBuilder::clock), a test's
/// [`VirtualClock`](dingtalk_notify::VirtualClock)), the window is counted on that clock
/// instead, so a wait for it ends when that clock has moved on.
///
/// ```no_run
/// use dingtalk_notify::TokenSource;
/// use dingtalk_notify_redis::{Acquire, RedisBudget, RedisStore};
/// use std::time::Duration;
/// let redis = RedisStore::open("redis://127.0.0.1:6379")?;
/// let app = TokenSource::app("dingkey", "secret");
/// let budget = RedisBudget::new(&redis, &app, 5_000)?; // recipients per minute, fleet-wide
/// match budget.try_acquire(100)? {
///     Acquire::Go { .. } => { /* send to 100 users */ }
///     Acquire::Wait(d) => redis.clock().sleep(d),
///     _ => {}
/// }
/// let deadline = redis.clock().now() + Duration::from_secs(90); // on the store's clock
/// budget.acquire(100, deadline)?; // or block until granted
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisBudget {
    store: RedisStore,
    key: String,
    sum_key: String,
    budget: u64,
    period: Duration,
    margin: Duration,
    response_deadline: Duration,
    seq: AtomicU64,
}

/// Configures a [`RedisBudget`].
#[must_use]
pub struct RedisBudgetBuilder {
    store: RedisStore,
    key: Option<String>,
    budget: u64,
    period: Duration,
    margin: Duration,
}

impl RedisBudgetBuilder {
    /// The period the budget is counted over (default [`DEFAULT_PERIOD`], DingTalk's minute;
    /// tests shorten it).
    pub fn period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// How much longer than the period a grant keeps counting (default
    /// [`DEFAULT_MARGIN`]), so that the time between a grant and the send's arrival at
    /// DingTalk, which varies, cannot put two windows' sends into one of DingTalk's minutes.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Builds the budget.
    ///
    /// # Errors
    /// [`Error::Config`] for a zero budget or period, or a source without an app identity
    /// (a static token or a provider).
    pub fn build(self) -> Result<RedisBudget, Error> {
        let key = self
            .key
            .ok_or_else(|| Error::Config("a budget needs an app (App or Isv source)".into()))?;
        if self.budget == 0 || self.period < Duration::from_millis(1) {
            return Err(Error::Config(
                "the budget and its period must be above zero".into(),
            ));
        }
        Ok(RedisBudget {
            response_deadline: Duration::from_secs(5),
            store: self.store,
            sum_key: format!("{key}-sum"),
            key,
            budget: self.budget,
            period: self.period,
            margin: self.margin,
            seq: AtomicU64::new(0),
        })
    }
}

impl RedisBudget {
    /// A budget of `recipients_per_minute` for the app of `source`, with the defaults.
    ///
    /// # Errors
    /// See [`RedisBudgetBuilder::build`].
    pub fn new(
        store: &RedisStore,
        source: &TokenSource,
        recipients_per_minute: u64,
    ) -> Result<Self, Error> {
        Self::builder(store, source, recipients_per_minute).build()
    }

    /// A builder for `budget` recipients per period for the app of `source`.
    pub fn builder(store: &RedisStore, source: &TokenSource, budget: u64) -> RedisBudgetBuilder {
        RedisBudgetBuilder {
            store: store.clone(),
            key: Namespace::for_key(&source.key()).map(|ns| ns.key("budget")),
            budget,
            period: DEFAULT_PERIOD,
            margin: DEFAULT_MARGIN,
        }
    }

    /// A budget of `budget` (its recipients per window) for the app of `source`.
    ///
    /// # Errors
    /// See [`RedisBudgetBuilder::build`].
    pub fn from_budget(
        store: &RedisStore,
        source: &TokenSource,
        budget: Budget,
    ) -> Result<Self, Error> {
        Self::builder(store, source, u64::from(budget.recipients))
            .period(budget.window)
            .build()
    }

    /// The budget per period.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Asks for `recipients` once: granted (and counted) or how long to wait.
    ///
    /// # Errors
    /// [`Error::OverBudget`] when `recipients` exceed the whole budget; a typed Redis
    /// failure otherwise.
    pub fn try_acquire(&self, recipients: u64) -> Result<Acquire, Error> {
        self.try_acquire_before(recipients, self.store.deadline_in(self.response_deadline))
    }

    /// Waits until `recipients` are granted, or fails when that cannot happen before
    /// `deadline`.
    ///
    /// # Errors
    /// [`Error::Timeout`] when the wait would pass `deadline` (nothing is counted then), or
    /// as [`try_acquire`](Self::try_acquire).
    pub fn acquire(&self, recipients: u64, deadline: Instant) -> Result<(), Error> {
        let clock = self.store.clock();
        let started = clock.now();
        loop {
            match self.try_acquire_before(recipients, deadline)? {
                Acquire::Go { .. } => return Ok(()),
                Acquire::Wait(wait) => {
                    if later(clock.now(), wait) > deadline {
                        return Err(Error::Timeout {
                            timeout: deadline.saturating_duration_since(started),
                        });
                    }
                    clock.sleep(wait);
                }
            }
        }
    }

    fn try_acquire_before(&self, recipients: u64, deadline: Instant) -> Result<Acquire, Error> {
        if recipients > self.budget {
            return Err(Error::OverBudget {
                requested: recipients,
                budget: self.budget,
                period: self.period,
            });
        }
        if recipients == 0 {
            return Ok(Acquire::Go { left: self.budget });
        }
        let window = self.period.saturating_add(self.margin);
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let id = self.unique_id();
        let now = self.now_arg();
        let script = redis::Script::new(ACQUIRE);
        let (granted, wait_ms, left): (i64, i64, i64) = self.store.run(deadline, |c| {
            script
                .key(&self.key)
                .key(&self.sum_key)
                .arg(self.budget)
                .arg(window_ms)
                .arg(recipients)
                .arg(&id)
                .arg(&now)
                .invoke(c)
        })?;
        let to_u64 = |v: i64, what: &str| {
            u64::try_from(v).map_err(|_| Error::Garbage {
                detail: format!("the budget script returned a negative {what}"),
            })
        };
        match granted {
            1 => Ok(Acquire::Go {
                left: to_u64(left, "remainder")?,
            }),
            0 => Ok(Acquire::Wait(Duration::from_millis(
                to_u64(wait_ms, "wait")?.max(1),
            ))),
            _ => Err(Error::Garbage {
                detail: "the budget script returned neither grant nor wait".into(),
            }),
        }
    }

    /// DingTalk answered a per-minute quota code (143103/143104): counts the whole budget
    /// now, so that no replica is granted anything for a window.
    ///
    /// # Errors
    /// A typed Redis failure.
    pub fn exhaust(&self) -> Result<(), Error> {
        let window = self.period.saturating_add(self.margin);
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let id = self.unique_id();
        let now = self.now_arg();
        let script = redis::Script::new(EXHAUST);
        self.store
            .run(self.store.deadline_in(self.response_deadline), |c| {
                script
                    .key(&self.key)
                    .key(&self.sum_key)
                    .arg(self.budget)
                    .arg(window_ms)
                    .arg(&id)
                    .arg(&now)
                    .invoke::<i64>(c)
            })
            .map(drop)
    }

    /// The scripts' `now`: the store's clock in Unix ms when the store was given one, so a
    /// client on a virtual clock waits for the window on that clock (asking Redis again
    /// after each virtual sleep would spin until Redis's own time caught up); empty for
    /// Redis's `TIME`.
    fn now_arg(&self) -> String {
        if !self.store.clock_given() {
            return String::new();
        }
        let ms = (self.store.clock().wall())
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        ms.to_string()
    }

    fn unique_id(&self) -> String {
        let nanos = (self.store.clock().wall())
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        format!("{}:{nanos}:{seq}", std::process::id())
    }
}

/// The client's budget seam: campaigns and single sends pace on the fleet's budget. The
/// grant is counted on Redis's clock (or the store's given clock); `now` is not used.
impl RecipientBudget for RedisBudget {
    fn try_acquire(&self, recipients: u32, now: Instant) -> Result<Admission, BudgetError> {
        let _ = now;
        match RedisBudget::try_acquire(self, u64::from(recipients)) {
            Ok(Acquire::Go { .. }) => Ok(Admission::Granted),
            Ok(Acquire::Wait(wait)) => Ok(Admission::Wait(wait)),
            Err(Error::OverBudget { .. }) => {
                Err(BudgetError::Window(BudgetWindowError::LargerThanBudget {
                    requested: recipients,
                    budget: u32::try_from(self.budget).unwrap_or(u32::MAX),
                }))
            }
            Err(e) => Err(BudgetError::Store(Box::new(e))),
        }
    }

    fn exhausted(&self, now: Instant) -> Result<(), BudgetError> {
        let _ = now;
        self.exhaust().map_err(|e| BudgetError::Store(Box::new(e)))
    }

    fn capacity(&self) -> Option<u32> {
        Some(u32::try_from(self.budget).unwrap_or(u32::MAX))
    }
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("key", &self.key)
            .field("budget", &self.budget)
            .field("period", &self.period)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}
