//! [`Estimate`]: what sending a [`CampaignPlan`] will take, before anything is sent: how
//! long at the budget, and how many calls to send it and then to follow it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Admission, Budget, BudgetWindow, BudgetWindowError, CampaignPlan};

/// What a plan will cost: recipients, chunks, the time the budget makes the sending take,
/// and the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Estimate {
    /// Distinct user ids (departments and all users are counted by DingTalk, not here).
    pub recipients: usize,
    /// Chunks: one `asyncsend_v2` each.
    pub chunks: usize,
    /// From the first send to the last at the budget (sends themselves take no time here).
    pub eta: Duration,
    /// `asyncsend_v2` calls: one per chunk.
    pub send_calls: usize,
    /// The fewest calls that follow the campaign to its per-person result: one
    /// `getsendprogress` per chunk once it is delivered, and one `getsendresult` per chunk
    /// whose task has a per-user result. Polling while DingTalk delivers adds one
    /// `getsendprogress` per chunk per poll.
    pub follow_calls: usize,
}

impl Estimate {
    /// Estimates `plan` sent under `budget` from `now`, with `window` holding what the budget
    /// granted already (`BudgetWindow::new(budget)` for an idle one). Each chunk is paced by
    /// its number of user ids, as the driver paces it.
    ///
    /// ```
    /// use dingtalk_notify_proto::campaign::{Audience, Budget, BudgetWindow, CHUNK_LIMITS, CampaignPlan, Estimate};
    /// use dingtalk_notify_proto::Message;
    /// use std::time::{Duration, Instant};
    /// let users = (0..1_250).map(|i| format!("u{i}"));
    /// let plan = CampaignPlan::new(1, Message::text("hi"), Audience::users(users), CHUNK_LIMITS)?;
    /// let budget = Budget::per_minute(500);
    /// let e = Estimate::of(&plan, &BudgetWindow::new(budget), Instant::now())?;
    /// assert_eq!((e.recipients, e.chunks, e.send_calls, e.follow_calls), (1_250, 13, 13, 26));
    /// // 500 now, 500 a minute later, the last 250 two minutes later.
    /// assert_eq!(e.eta, Duration::from_secs(120));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`BudgetWindowError::LargerThanBudget`] for a chunk larger than the whole budget
    /// (it could never be sent).
    pub fn of(
        plan: &CampaignPlan,
        window: &BudgetWindow,
        now: Instant,
    ) -> Result<Self, BudgetWindowError> {
        let mut window = window.clone();
        let mut at = now;
        for chunk in plan.chunks() {
            let users = u32::try_from(chunk.user_ids().len()).unwrap_or(u32::MAX);
            while let Admission::Wait(wait) = window.try_acquire(users, at)? {
                // A wait is at most one window; `at` stays far from overflowing.
                at = at.checked_add(wait).unwrap_or(at);
                if wait.is_zero() {
                    break;
                }
            }
        }
        let follow = plan
            .chunks()
            .iter()
            .map(|c| 1 + usize::from(c.has_per_user_result()))
            .sum();
        Ok(Self {
            recipients: plan.user_count(),
            chunks: plan.chunks().len(),
            eta: at.saturating_duration_since(now),
            send_calls: plan.chunks().len(),
            follow_calls: follow,
        })
    }

    /// [`of`](Self::of) with an idle budget.
    ///
    /// # Errors
    /// As [`of`](Self::of).
    pub fn idle(
        plan: &CampaignPlan,
        budget: Budget,
        now: Instant,
    ) -> Result<Self, BudgetWindowError> {
        Self::of(plan, &BudgetWindow::new(budget), now)
    }
}
