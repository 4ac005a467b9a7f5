//! Delivery tracking: a [`TaskHandle`] that remembers when a notification was sent, the
//! windows DingTalk allows each follow-up call, and the [`DeliveryReport`] at the end.
//! Pure: every check takes `now`.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::api::{SendProgress, SendResult};
use crate::ids::{AgentId, TaskId};

/// A follow-up call and the window DingTalk allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `getsendprogress`: 7 days, as its page's description says (its parameter table also
    /// says "tasks created within the past 24 hours"; the current reference sides with 7
    /// days, and DingTalk itself refuses an older task).
    Progress,
    /// `getsendresult`: 24 hours.
    Result,
    /// `status_bar/update`: 7 days.
    StatusBar,
    /// `recall`: 24 hours.
    Recall,
}

impl Operation {
    /// How old a task may be for this call.
    pub const fn window(self) -> Duration {
        match self {
            Self::Progress | Self::StatusBar => Duration::from_secs(7 * 24 * 3600),
            Self::Result | Self::Recall => Duration::from_secs(24 * 3600),
        }
    }

    /// The endpoint's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Progress => "getsendprogress",
            Self::Result => "getsendresult",
            Self::StatusBar => "status_bar/update",
            Self::Recall => "recall",
        }
    }
}

/// A sent notification: its ids and, when known, when it was sent.
///
/// ```
/// use dingtalk_notify_proto::tracking::{Operation, TaskHandle};
/// use std::time::{Duration, SystemTime};
/// let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let task = TaskHandle::new(836390886, 256271667526).sent_at(sent);
/// assert!(task.check_window(Operation::Result, sent + Duration::from_secs(3600)).is_ok());
/// let late = sent + Duration::from_secs(25 * 3600);
/// assert!(task.check_window(Operation::Result, late).is_err());
/// assert!(task.check_window(Operation::StatusBar, late).is_ok()); // 7 days
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskHandle {
    /// The sending app.
    pub agent_id: AgentId,
    /// The task.
    pub task_id: TaskId,
    /// When it was sent, if known; without it, windows are left to DingTalk to enforce.
    pub sent_at: Option<SystemTime>,
}

/// A call outside its window: how old the task is and what the window is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideWindow {
    /// The task's age.
    pub age: Duration,
    /// The window.
    pub window: Duration,
}

impl TaskHandle {
    /// A task whose send time is unknown.
    pub fn new(agent_id: impl Into<AgentId>, task_id: impl Into<TaskId>) -> Self {
        Self {
            agent_id: agent_id.into(),
            task_id: task_id.into(),
            sent_at: None,
        }
    }

    /// Records when the task was sent.
    #[must_use]
    pub fn sent_at(mut self, at: SystemTime) -> Self {
        self.sent_at = Some(at);
        self
    }

    /// The task's age at `now` (zero if the send time is unknown or in the future).
    pub fn age(&self, now: SystemTime) -> Duration {
        self.sent_at
            .and_then(|at| now.duration_since(at).ok())
            .unwrap_or(Duration::ZERO)
    }

    /// Whether `op` is still allowed at `now`.
    ///
    /// # Errors
    /// [`OutsideWindow`] when the task is older than the operation's window.
    pub fn check_window(&self, op: Operation, now: SystemTime) -> Result<(), OutsideWindow> {
        let age = self.age(now);
        if self.sent_at.is_some() && age >= op.window() {
            return Err(OutsideWindow {
                age,
                window: op.window(),
            });
        }
        Ok(())
    }
}

/// How the blocking client's `track` polls progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackPolicy {
    /// The wait before the second poll.
    pub initial_interval: Duration,
    /// The longest wait between polls.
    pub max_interval: Duration,
    /// Give up waiting for completion after this long.
    pub deadline: Duration,
}

impl Default for TrackPolicy {
    /// 1 s, doubling to 30 s, for at most 10 minutes.
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            deadline: Duration::from_secs(600),
        }
    }
}

impl TrackPolicy {
    /// The wait after poll number `poll` (1-based): doubling from `initial_interval`, capped.
    pub fn interval(&self, poll: u32) -> Duration {
        let exp = poll.saturating_sub(1).min(31);
        self.initial_interval
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
    }
}

/// What became of a notification: its final progress and the per-user result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The task.
    pub task: TaskHandle,
    /// The last progress seen.
    pub progress: SendProgress,
    /// The per-user result.
    pub send_result: SendResult,
}

impl DeliveryReport {
    /// A report of `task`: its final progress and per-user result.
    pub fn new(task: TaskHandle, progress: SendProgress, send_result: SendResult) -> Self {
        Self {
            task,
            progress,
            send_result,
        }
    }

    /// Counts by outcome: `(read, unread, failed, invalid, forbidden)`.
    pub fn counts(&self) -> (usize, usize, usize, usize, usize) {
        let r = &self.send_result;
        (
            r.read_user_id_list.len(),
            r.unread_user_id_list.len(),
            r.failed_user_id_list.len(),
            r.invalid_user_id_list.len(),
            r.forbidden_user_id_list.len().max(r.forbidden_list.len()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_each_page() {
        // getsendresult and recall: 24 hours; getsendprogress (its page's description) and
        // status_bar/update: 7 days.
        let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let t = TaskHandle::new(1, 2).sent_at(sent);
        let h = |n: u64| sent + Duration::from_secs(n * 3600);
        for op in [Operation::Result, Operation::Recall] {
            assert!(t.check_window(op, h(23)).is_ok());
            let e = t.check_window(op, h(24)).unwrap_err();
            assert_eq!(e.window, Duration::from_secs(86_400));
        }
        for op in [Operation::Progress, Operation::StatusBar] {
            assert!(t.check_window(op, h(24 * 7 - 1)).is_ok(), "{op:?}");
            let e = t.check_window(op, h(24 * 7)).unwrap_err();
            assert_eq!(e.window, Duration::from_secs(7 * 86_400), "{op:?}");
        }
    }

    #[test]
    fn unknown_send_time_never_fails_locally() {
        let t = TaskHandle::new(1, 2);
        // Any instant: a moment in 2027, long past any send.
        let later = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(t.check_window(Operation::Result, later).is_ok());
    }

    #[test]
    fn poll_interval_doubles_and_caps() {
        let p = TrackPolicy::default();
        assert_eq!(p.interval(1), Duration::from_secs(1));
        assert_eq!(p.interval(2), Duration::from_secs(2));
        assert_eq!(p.interval(5), Duration::from_secs(16));
        assert_eq!(p.interval(6), Duration::from_secs(30));
        assert_eq!(p.interval(100), Duration::from_secs(30));
    }
}
