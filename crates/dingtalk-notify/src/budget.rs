//! Recipient budgets: how many recipients may be sent to per minute, shared by campaigns and
//! single sends. [`RecipientBudget`] is the seam (a fleet shares one on Redis, in
//! `dingtalk-notify-redis`); [`InProcessBudget`] keeps the core's sliding window in a mutex.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use dingtalk_notify_proto::Clock;
use dingtalk_notify_proto::campaign::{Admission, BudgetWindow, BudgetWindowError};

// The budget's size, one path. What a grant answers (`Admission`) and what can never fit
// (`BudgetWindowError`) are the core's, for whoever implements `RecipientBudget`.
pub use dingtalk_notify_proto::campaign::Budget;

/// A recipients-per-window budget. Implementations count a grant atomically: two callers
/// never both get the last recipients of a window.
pub trait RecipientBudget: Send + Sync {
    /// Counts `recipients` at `now` if they fit, or says how long to wait. An implementation
    /// on a shared store may use the store's clock instead of `now`.
    ///
    /// # Errors
    /// [`BudgetError`] when `recipients` exceed the whole budget, or the store failed.
    fn try_acquire(&self, recipients: u32, now: Instant) -> Result<Admission, BudgetError>;

    /// DingTalk answered a per-minute quota code (143103/143104): hold every grant for a
    /// whole window from `now`.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when a shared store failed.
    fn exhausted(&self, now: Instant) -> Result<(), BudgetError>;

    /// The most recipients one grant can ever take (the budget per window), when known: a
    /// campaign's chunks are cut to fit it ([`Campaigns::plan`](crate::campaign::Campaigns::plan)).
    fn capacity(&self) -> Option<u32> {
        None
    }
}

/// A budget could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The request can never fit.
    #[error(transparent)]
    Window(#[from] BudgetWindowError),
    /// The shared store failed.
    #[error("the recipient budget's store failed: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Waits on `clock` until `budget` admits `recipients`.
///
/// # Errors
/// As [`RecipientBudget::try_acquire`].
pub(crate) fn pace(
    budget: &dyn RecipientBudget,
    recipients: u32,
    clock: &dyn Clock,
) -> Result<(), BudgetError> {
    loop {
        match budget.try_acquire(recipients, clock.now())? {
            Admission::Granted => return Ok(()),
            Admission::Wait(wait) => {
                crate::observe::budget_wait(recipients, wait);
                clock.sleep(wait);
            }
        }
    }
}

/// DingTalk answered a per-minute quota code (143103/143104): holds `budget` for a whole
/// window from now ([`RecipientBudget::exhausted`]), and says so (a `warn`).
///
/// # Errors
/// As [`RecipientBudget::exhausted`].
pub(crate) fn hold(budget: &dyn RecipientBudget, clock: &dyn Clock) -> Result<(), BudgetError> {
    crate::observe::budget_held();
    budget.exhausted(clock.now())
}

/// The budget of one process: the core's [`BudgetWindow`] behind a mutex.
///
/// ```
/// use dingtalk_notify::budget::{Budget, InProcessBudget, RecipientBudget};
/// use dingtalk_notify_proto::campaign::Admission;
/// use std::time::Instant;
/// let budget = InProcessBudget::new(Budget::per_minute(150));
/// let now = Instant::now();
/// assert_eq!(budget.try_acquire(100, now)?, Admission::Granted);
/// assert!(matches!(budget.try_acquire(100, now)?, Admission::Wait(_)));
/// assert_eq!(budget.used(now), 100);
/// # Ok::<(), dingtalk_notify::budget::BudgetError>(())
/// ```
pub struct InProcessBudget {
    window: Mutex<BudgetWindow>,
}

impl InProcessBudget {
    /// A budget of `budget` (default [`Budget::DINGTALK_APP`], 5,000 a minute).
    pub fn new(budget: Budget) -> Self {
        Self {
            window: Mutex::new(BudgetWindow::new(budget)),
        }
    }

    /// The budget.
    pub fn budget(&self) -> Budget {
        self.with(|w| w.budget())
    }

    /// Recipients granted in the window ending at `now`.
    pub fn used(&self, now: Instant) -> u64 {
        self.with(|w| w.used(now))
    }

    fn with<R>(&self, f: impl FnOnce(&mut BudgetWindow) -> R) -> R {
        f(&mut self.window.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Default for InProcessBudget {
    fn default() -> Self {
        Self::new(Budget::default())
    }
}

impl fmt::Debug for InProcessBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessBudget")
            .field("budget", &self.budget())
            .finish_non_exhaustive()
    }
}

impl RecipientBudget for InProcessBudget {
    fn try_acquire(&self, recipients: u32, now: Instant) -> Result<Admission, BudgetError> {
        Ok(self.with(|w| w.try_acquire(recipients, now))?)
    }

    fn exhausted(&self, now: Instant) -> Result<(), BudgetError> {
        self.with(|w| w.exhaust(now));
        Ok(())
    }

    fn capacity(&self) -> Option<u32> {
        Some(self.budget().recipients)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn threads_never_share_out_more_than_the_budget() {
        let budget = Arc::new(InProcessBudget::new(Budget::per_minute(1_000)));
        let now = Instant::now();
        let granted: u32 = (0..8)
            .map(|_| {
                let b = Arc::clone(&budget);
                std::thread::spawn(move || {
                    (0..50)
                        .filter(|_| b.try_acquire(7, now).ok() == Some(Admission::Granted))
                        .count() as u32
                        * 7
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(granted, 994); // 142 grants of 7
        assert_eq!(budget.used(now), 994);
    }

    #[test]
    fn exhausted_holds_a_whole_window() {
        let budget = InProcessBudget::default();
        let now = Instant::now();
        budget.exhausted(now).unwrap();
        assert_eq!(
            budget
                .try_acquire(1, now + Duration::from_secs(30))
                .unwrap(),
            Admission::Wait(Duration::from_secs(30))
        );
        let err = budget.try_acquire(5_001, now).unwrap_err();
        assert!(matches!(err, BudgetError::Window(_)));
    }
}
