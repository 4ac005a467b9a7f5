//! [`MockClock`]: the simulator's virtual time.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use dingtalk_notify_proto::Clock;

/// The simulator's clock: time since the server started, as the simulator sees it.
///
/// Every window (24 hours for results and recall, 7 days for progress and the status bar),
/// token expiry, rate-limit minute and day, and delivery progress is measured on this clock.
/// [`advance`](MockClock::advance) moves it forward at once; by default it also follows real
/// elapsed time, so a standalone demo progresses on its own. A
/// [`frozen`](MockClock::frozen) clock moves only when advanced. Clones share one timeline.
///
/// ```
/// use dingtalk_notify_mock::MockClock;
/// use std::time::Duration;
///
/// let clock = MockClock::frozen();
/// assert_eq!(clock.now(), Duration::ZERO);
/// clock.advance(Duration::from_secs(25 * 3600));
/// let shared = clock.clone();
/// assert_eq!(shared.now(), Duration::from_secs(25 * 3600));
/// ```
#[derive(Clone)]
pub struct MockClock {
    inner: Arc<Inner>,
}

struct Inner {
    start: Instant,
    start_wall: SystemTime,
    follows_real_time: bool,
    offset: Mutex<Duration>,
}

impl MockClock {
    /// A clock that follows real elapsed time, plus whatever it is advanced by.
    pub fn new() -> Self {
        Self::with(true)
    }

    /// A clock that moves only when [`advance`](MockClock::advance)d.
    pub fn frozen() -> Self {
        Self::with(false)
    }

    fn with(follows_real_time: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                start: Instant::now(),
                start_wall: SystemTime::now(),
                follows_real_time,
                offset: Mutex::new(Duration::ZERO),
            }),
        }
    }

    fn offset(&self) -> Duration {
        *self
            .inner
            .offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Simulator time: how long since the clock was made, as the simulator sees it.
    pub fn now(&self) -> Duration {
        let real = if self.inner.follows_real_time {
            self.inner.start.elapsed()
        } else {
            Duration::ZERO
        };
        real.saturating_add(self.offset())
    }

    /// Wall-clock time as the simulator sees it: the real time the clock was made, plus
    /// [`now`](MockClock::now).
    pub fn wall(&self) -> SystemTime {
        self.inner
            .start_wall
            .checked_add(self.now())
            .unwrap_or(self.inner.start_wall)
    }

    /// Moves simulator time forward by `by`, at once.
    pub fn advance(&self, by: Duration) {
        let mut offset = self
            .inner
            .offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }

    /// Whether the clock moves only when advanced.
    pub fn is_frozen(&self) -> bool {
        !self.inner.follows_real_time
    }
}

/// A client can run on the simulator's own timeline: `now` and `wall` follow it, and
/// `sleep` advances it at once instead of waiting, so a client's retries and polling move
/// the simulator's windows and deliveries with them.
///
/// ```
/// use dingtalk_notify_mock::MockClock;
/// use dingtalk_notify_proto::Clock;
/// use std::time::Duration;
///
/// let clock = MockClock::frozen();
/// let t0 = Clock::now(&clock);
/// clock.sleep(Duration::from_secs(30)); // returns at once
/// assert_eq!(Clock::now(&clock) - t0, Duration::from_secs(30));
/// assert_eq!(MockClock::now(&clock), Duration::from_secs(30));
/// ```
impl Clock for MockClock {
    fn now(&self) -> Instant {
        self.inner
            .start
            .checked_add(MockClock::now(self))
            .unwrap_or(self.inner.start)
    }

    fn wall(&self) -> SystemTime {
        MockClock::wall(self)
    }

    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

impl Default for MockClock {
    /// [`MockClock::new`]: follows real time.
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MockClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockClock")
            .field("now", &self.now())
            .field("frozen", &self.is_frozen())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_moves_only_when_advanced() {
        let c = MockClock::frozen();
        assert_eq!(c.now(), Duration::ZERO);
        c.advance(Duration::from_secs(3));
        assert_eq!(c.now(), Duration::from_secs(3));
        assert!(c.is_frozen());
    }

    #[test]
    fn following_clock_adds_offset() {
        let c = MockClock::new();
        c.advance(Duration::from_secs(3600));
        assert!(c.now() >= Duration::from_secs(3600));
        assert!(!c.is_frozen());
    }
}
