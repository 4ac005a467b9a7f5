//! [`SendLimits`]: how many recipients one `asyncsend_v2` call may name.

/// The per-call recipient limits of `asyncsend_v2`; a call over either is refused with
/// errcode 41 and nothing is sent.
///
/// The current reference page allows **100** user ids and **20** departments per call
/// ([`CURRENT`](Self::CURRENT), the default); older pages (and some accounts) allow 5,000
/// users and 500 departments ([`LEGACY`](Self::LEGACY)), ISV apps 1,000 users
/// ([`LEGACY_ISV`](Self::LEGACY_ISV)).
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use dingtalk_notify_mock::{MockServer, SendLimits};
/// assert_eq!((SendLimits::CURRENT.max_users, SendLimits::CURRENT.max_depts), (100, 20));
/// let legacy = MockServer::builder()
///     .send_limits(SendLimits::LEGACY)
///     .isv_send_limits(SendLimits::LEGACY_ISV)
///     .start()?;
/// # drop(legacy); Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendLimits {
    /// The most ids in `userid_list`.
    pub max_users: usize,
    /// The most ids in `dept_id_list`.
    pub max_depts: usize,
}

impl SendLimits {
    /// Today's page: 100 users, 20 departments.
    pub const CURRENT: SendLimits = SendLimits::new(100, 20);
    /// The old page, for internal apps: 5,000 users, 500 departments.
    pub const LEGACY: SendLimits = SendLimits::new(5_000, 500);
    /// The old page, for ISV apps: 1,000 users, 500 departments.
    pub const LEGACY_ISV: SendLimits = SendLimits::new(1_000, 500);

    /// Limits of your own.
    pub const fn new(max_users: usize, max_depts: usize) -> Self {
        Self {
            max_users,
            max_depts,
        }
    }
}

impl Default for SendLimits {
    fn default() -> Self {
        Self::CURRENT
    }
}
