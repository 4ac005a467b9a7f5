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

/// The longest span [`instant_after`] adds: about a century. Anything longer (a server's
/// `wait` near 2^63 seconds, a user's `--timeout 9.3e18`) means "never" for every purpose
/// here, and cannot overflow an [`Instant`].
pub const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `now + by`, never panicking: `by` is capped at [`FOREVER`], and an instant that still
/// cannot be represented is replaced by `now + FOREVER` or, failing that, `now`.
///
/// Every deadline and expiry computed from a duration that comes from a server or a user
/// goes through this (`Instant + Duration` panics on overflow).
///
/// ```
/// use std::time::{Duration, Instant};
/// use dingtalk_notify_proto::instant_after;
/// let now = Instant::now();
/// assert_eq!(instant_after(now, Duration::from_secs(5)), now + Duration::from_secs(5));
/// assert!(instant_after(now, Duration::MAX) > now);
/// ```
pub fn instant_after(now: Instant, by: Duration) -> Instant {
    now.checked_add(by.min(FOREVER))
        .or_else(|| now.checked_add(FOREVER))
        .unwrap_or(now)
}
