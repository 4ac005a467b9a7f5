//! `--budget N` and `--budget-wait SECS`: the recipients-per-minute budget every send and
//! campaign chunk waits for (in this process, or the fleet's on Redis), and the longest it
//! may wait before the send is refused with nothing sent.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk_notify::budget::{BudgetError, RecipientBudget};
use dingtalk_notify::kit::campaign::Admission;

/// A send refused because the budget would not admit it within `--budget-wait`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// The recipients asked for.
    pub recipients: u32,
    /// The budget, recipients per minute.
    pub budget: u32,
    /// How long until they would fit.
    pub wait: Duration,
    /// `--budget-wait`.
    pub max_wait: Duration,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the recipient budget of {} a minute (--budget) is used up: {} more recipients \
             fit in {:.1} s, longer than --budget-wait {:.1} s; nothing more was sent. Try \
             again later (a campaign kept in a ledger: `campaign resume ID`), or allow a \
             longer --budget-wait",
            self.budget,
            self.recipients,
            self.wait.as_secs_f64(),
            self.max_wait.as_secs_f64()
        )
    }
}

impl StdError for OverBudget {}

/// The first [`OverBudget`] in `error`'s chain of sources, itself included.
pub fn over_budget<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a OverBudget> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<OverBudget>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// A budget whose waits longer than `max_wait` become [`OverBudget`] errors (nothing is
/// counted then); the others are the inner budget's.
pub struct WaitLimit {
    inner: Arc<dyn RecipientBudget>,
    budget: u32,
    max_wait: Option<Duration>,
}

impl WaitLimit {
    /// `inner` (a budget of `budget` recipients a minute), waiting at most `max_wait`
    /// (`None`: as long as it says).
    pub fn new(inner: Arc<dyn RecipientBudget>, budget: u32, max_wait: Option<Duration>) -> Self {
        Self {
            inner,
            budget,
            max_wait,
        }
    }
}

impl RecipientBudget for WaitLimit {
    fn try_acquire(&self, recipients: u32, now: Instant) -> Result<Admission, BudgetError> {
        match (self.inner.try_acquire(recipients, now)?, self.max_wait) {
            (Admission::Wait(wait), Some(max_wait)) if wait > max_wait => {
                Err(BudgetError::Store(Box::new(OverBudget {
                    recipients,
                    budget: self.budget,
                    wait,
                    max_wait,
                })))
            }
            (admission, _) => Ok(admission),
        }
    }

    fn exhausted(&self, now: Instant) -> Result<(), BudgetError> {
        self.inner.exhausted(now)
    }

    fn capacity(&self) -> Option<u32> {
        self.inner.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_notify::budget::{Budget, InProcessBudget};

    fn limited(budget: u32, max_wait: Option<Duration>) -> WaitLimit {
        let inner = Arc::new(InProcessBudget::new(Budget::per_minute(budget)));
        WaitLimit::new(inner, budget, max_wait)
    }

    #[test]
    fn a_wait_past_the_limit_is_refused_and_counts_nothing() {
        let budget = limited(150, Some(Duration::from_secs(5)));
        let t0 = Instant::now();
        assert_eq!(budget.try_acquire(100, t0).unwrap(), Admission::Granted);
        let err = budget.try_acquire(100, t0).unwrap_err();
        let over = over_budget(&err).expect("an OverBudget in the chain");
        assert_eq!((over.recipients, over.budget), (100, 150));
        assert!(over.wait > Duration::from_secs(5), "{over:?}");
        assert!(err.to_string().contains("--budget-wait"), "{err}");
        // Nothing was counted: the 50 left still fit.
        assert_eq!(budget.try_acquire(50, t0).unwrap(), Admission::Granted);
        // A minute later the window is free again.
        let later = t0 + Duration::from_secs(61);
        assert_eq!(budget.try_acquire(100, later).unwrap(), Admission::Granted);
    }

    #[test]
    fn without_a_limit_waits_are_passed_on() {
        let budget = limited(100, None);
        let t0 = Instant::now();
        assert_eq!(budget.try_acquire(100, t0).unwrap(), Admission::Granted);
        assert!(matches!(
            budget.try_acquire(1, t0).unwrap(),
            Admission::Wait(w) if w > Duration::from_secs(50)
        ));
        let short = limited(100, Some(Duration::from_secs(120)));
        assert_eq!(short.try_acquire(100, t0).unwrap(), Admission::Granted);
        assert!(matches!(
            short.try_acquire(1, t0).unwrap(),
            Admission::Wait(_)
        ));
    }
}
