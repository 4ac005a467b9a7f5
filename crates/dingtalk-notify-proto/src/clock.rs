//! [`Clock`]: the trait through which the blocking client reads time and sleeps, so tests
//! can run on virtual time. The core only names it: every decision here takes `now`, and the
//! implementations (`SystemClock`, `VirtualClock`) live in the `dingtalk-notify` crate.

use std::time::{Duration, Instant, SystemTime};

/// A source of time and a way to wait.
///
/// The core's decisions take time as an argument; the blocking client asks its clock.
pub trait Clock: Send + Sync {
    /// Monotonic time, for deadlines and token freshness.
    fn now(&self) -> Instant;
    /// Wall-clock time, for when a task was sent (windows of 24 hours and 7 days).
    fn wall(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration);
}
