//! [`Pacer`]: at most `per_second` calls in any second, and no call before a wait that an
//! answer asked for. Pure: every method takes `now`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::clock::instant_after;

const SECOND: Duration = Duration::from_secs(1);
/// The largest budget the window keeps exactly.
const MAX_PER_SECOND: u32 = 10_000;

/// The calls of the last second and the earliest next call. Not part of a checkpoint: a
/// restored resolution starts with an empty window (at most one second's budget early).
#[derive(Debug, Clone, Default)]
pub(super) struct Pacer {
    /// When each call of the last second was made, oldest first.
    recent: VecDeque<Instant>,
    /// No call before this (a throttle's or a ban's wait).
    not_before: Option<Instant>,
}

impl Pacer {
    /// How long to wait before the next call at `now`; `None` when it may go now.
    pub(super) fn wait(&mut self, per_second: u32, now: Instant) -> Option<Duration> {
        if let Some(at) = self.not_before {
            if now < at {
                return Some(at.saturating_duration_since(now));
            }
            self.not_before = None;
        }
        while self
            .recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= SECOND)
        {
            self.recent.pop_front();
        }
        // Above 10,000 a second the window is capped (it holds one instant per call).
        let budget = usize::try_from(per_second.clamp(1, MAX_PER_SECOND)).unwrap_or(1);
        if self.recent.len() < budget {
            return None;
        }
        let oldest = self.recent.front().copied().unwrap_or(now);
        Some(SECOND.saturating_sub(now.saturating_duration_since(oldest)))
    }

    /// A call goes out at `now`.
    pub(super) fn record(&mut self, now: Instant) {
        self.recent.push_back(now);
    }

    /// No call before `now + wait` (the later of this and any earlier hold).
    pub(super) fn hold(&mut self, now: Instant, wait: Duration) {
        let at = instant_after(now, wait);
        self.not_before = Some(self.not_before.map_or(at, |t| t.max(at)));
    }
}
