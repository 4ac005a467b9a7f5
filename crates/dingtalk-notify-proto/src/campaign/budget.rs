//! The recipient budget: at most so many recipients per window, kept as a sliding window of
//! grants. Pure: every decision takes `now`. (DingTalk calls its own limit a quota; ours,
//! which keeps under it, is the budget, in every crate.)
//!
//! DingTalk counts recipients per app per minute (143103 for the app, 143104 for the
//! organization; 143203/143204 for third-party apps). A sliding window is exact for such a
//! quota: a grant is admitted only if it and every grant of the last `window` together stay
//! within the quota, so **no window of that length ever holds more than the quota**, wherever
//! it starts. (A token bucket or GCRA with a full-minute burst would let almost twice the
//! quota through in a minute straddling the refill.)

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A recipient budget: at most `recipients` in any `window`.
///
/// The default, [`Budget::DINGTALK_APP`], is 5,000 recipients a minute: the per-app
/// figure of DingTalk's work-notification limits ("up to 5,000 recipients per minute per
/// app"). A campaign of up to 5,000 people goes out at once, unslowed; a larger one sends
/// 5,000 a minute, as fast as DingTalk accepts. Lower it when other senders share the app, or
/// when the organization's quota (143104) is smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Budget {
    /// The most recipients in any window.
    pub recipients: u32,
    /// The window's length.
    pub window: Duration,
}

impl Budget {
    /// 5,000 recipients a minute: DingTalk's per-app figure.
    pub const DINGTALK_APP: Self = Self::per_minute(5_000);

    /// `recipients` a minute.
    pub const fn per_minute(recipients: u32) -> Self {
        Self {
            recipients,
            window: Duration::from_secs(60),
        }
    }
}

impl Default for Budget {
    /// [`Budget::DINGTALK_APP`].
    fn default() -> Self {
        Self::DINGTALK_APP
    }
}

/// A request the budget can never grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetWindowError {
    /// More recipients at once than the whole budget.
    #[error(
        "{requested} recipients at once exceed the budget of {budget} per window; send smaller chunks or raise the budget"
    )]
    LargerThanBudget {
        /// What was asked for.
        requested: u32,
        /// The budget.
        budget: u32,
    },
}

/// The answer to an acquire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go now; the recipients are counted.
    Granted,
    /// Nothing was counted; ask again after this long.
    Wait(Duration),
}

/// The grants of the last window, and the decisions taken from them.
///
/// ```
/// use dingtalk_notify_proto::campaign::{Admission, BudgetWindow, Budget};
/// use std::time::{Duration, Instant};
/// let mut window = BudgetWindow::new(Budget::per_minute(250));
/// let t0 = Instant::now(); // any instant: time is an input
/// assert_eq!(window.try_acquire(100, t0)?, Admission::Granted);
/// assert_eq!(window.try_acquire(100, t0 + Duration::from_secs(10))?, Admission::Granted);
/// // 200 of 250 used: another 100 must wait until the first grant leaves the window.
/// let at = t0 + Duration::from_secs(20);
/// assert_eq!(window.try_acquire(100, at)?, Admission::Wait(Duration::from_secs(40)));
/// assert_eq!(window.try_acquire(100, t0 + Duration::from_secs(60))?, Admission::Granted);
/// # Ok::<(), dingtalk_notify_proto::campaign::BudgetWindowError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetWindow {
    budget: Budget,
    /// Grants in time order: when, and how many recipients.
    grants: VecDeque<(Instant, u32)>,
}

impl BudgetWindow {
    /// An empty window for `budget`.
    pub fn new(budget: Budget) -> Self {
        Self {
            budget,
            grants: VecDeque::new(),
        }
    }

    /// The budget.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// How many grants the window keeps. Grants that left the window are dropped as new
    /// ones come, so this stays bounded by the grants of one window, however long it runs.
    pub fn grant_count(&self) -> usize {
        self.grants.len()
    }

    /// Whether a grant made at `at` still counts at `now` (also when `at` is after `now`).
    fn live(&self, at: Instant, now: Instant) -> bool {
        now.checked_duration_since(at)
            .is_none_or(|age| age < self.budget.window)
    }

    /// Recipients granted within the window ending at `now`.
    pub fn used(&self, now: Instant) -> u64 {
        self.grants
            .iter()
            .filter(|(at, _)| self.live(*at, now))
            .map(|(_, n)| u64::from(*n))
            .sum()
    }

    /// How long from `now` until `n` recipients fit (zero: they fit now). Counts nothing.
    ///
    /// # Errors
    /// [`BudgetWindowError::LargerThanBudget`] when `n` exceeds the whole budget.
    pub fn wait_for(&self, n: u32, now: Instant) -> Result<Duration, BudgetWindowError> {
        let budget = u64::from(self.budget.recipients);
        if u64::from(n) > budget {
            return Err(BudgetWindowError::LargerThanBudget {
                requested: n,
                budget: self.budget.recipients,
            });
        }
        let used = self.used(now);
        let Some(excess) = (used + u64::from(n)).checked_sub(budget).filter(|e| *e > 0) else {
            return Ok(Duration::ZERO);
        };
        // Free the oldest grants until the excess is gone: the wait ends when the last of
        // them leaves the window.
        let mut freed = 0u64;
        for (at, count) in self.grants.iter().filter(|(at, _)| self.live(*at, now)) {
            freed += u64::from(*count);
            if freed >= excess {
                return Ok(at
                    .checked_add(self.budget.window)
                    .map_or(Duration::MAX, |expiry| {
                        expiry.saturating_duration_since(now)
                    }));
            }
        }
        // Unreachable while `n` fits the budget: the live grants hold `used >= excess`.
        Ok(self.budget.window)
    }

    /// Counts `n` recipients at `now` if they fit, or says how long to wait.
    ///
    /// # Errors
    /// [`BudgetWindowError::LargerThanBudget`] when `n` exceeds the whole budget.
    pub fn try_acquire(&mut self, n: u32, now: Instant) -> Result<Admission, BudgetWindowError> {
        let wait = self.wait_for(n, now)?;
        if !wait.is_zero() {
            return Ok(Admission::Wait(wait));
        }
        if n > 0 {
            self.record(n, now);
        }
        Ok(Admission::Granted)
    }

    /// DingTalk answered a per-minute quota code (143103/143104): others used the quota this
    /// window, so treat it as full for a whole window from `now`.
    pub fn exhaust(&mut self, now: Instant) {
        self.record(self.budget.recipients, now);
    }

    fn record(&mut self, n: u32, now: Instant) {
        let window = self.budget.window;
        while self.grants.front().is_some_and(|(at, _)| {
            now.checked_duration_since(*at)
                .is_some_and(|age| age >= window)
        }) {
            self.grants.pop_front();
        }
        // Keep time order even if the caller's `now` went back: count it at the latest grant.
        let at = self.grants.back().map_or(now, |(last, _)| now.max(*last));
        self.grants.push_back((at, n));
    }
}
