//! The clocks: [`SystemClock`] for production, [`VirtualClock`] for tests. The
//! [`Clock`] trait is the core's; these are the only implementations that read real time or
//! sleep.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use dingtalk_notify_proto::Clock;

/// The real clock: [`Instant::now`], [`SystemTime::now`] and [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Virtual time for tests: it moves only when told to, and [`sleep`](Clock::sleep) returns at
/// once after moving it. Clones share one timeline.
///
/// ```
/// use dingtalk_notify::{Clock, VirtualClock};
/// use std::time::Duration;
/// let clock = VirtualClock::new();
/// let t0 = clock.now();
/// clock.sleep(Duration::from_secs(30)); // returns immediately
/// clock.advance(Duration::from_secs(25 * 3600));
/// assert_eq!(clock.now() - t0, Duration::from_secs(30 + 25 * 3600));
/// assert_eq!(clock.slept(), Duration::from_secs(30));
/// ```
#[derive(Clone)]
pub struct VirtualClock {
    state: Arc<Mutex<VirtualState>>,
}

struct VirtualState {
    base: Instant,
    base_wall: SystemTime,
    offset: Duration,
    slept: Duration,
    sleeps: u64,
}

impl VirtualClock {
    /// A virtual clock starting now.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A virtual clock whose wall time starts at `wall`.
    pub fn starting_at(wall: SystemTime) -> Self {
        Self {
            state: Arc::new(Mutex::new(VirtualState {
                base: Instant::now(),
                base_wall: wall,
                offset: Duration::ZERO,
                slept: Duration::ZERO,
                sleeps: 0,
            })),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut VirtualState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        self.with(|s| s.offset += by);
    }

    /// How far time has moved since the clock was made.
    pub fn elapsed(&self) -> Duration {
        self.with(|s| s.offset)
    }

    /// The total of every `sleep` so far.
    pub fn slept(&self) -> Duration {
        self.with(|s| s.slept)
    }

    /// How many times `sleep` was called.
    pub fn sleeps(&self) -> u64 {
        self.with(|s| s.sleeps)
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for VirtualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualClock")
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.with(|s| s.base + s.offset)
    }
    fn wall(&self) -> SystemTime {
        self.with(|s| s.base_wall + s.offset)
    }
    fn sleep(&self, duration: Duration) {
        self.with(|s| {
            s.offset += duration;
            s.slept += duration;
            s.sleeps += 1;
        });
    }
}
