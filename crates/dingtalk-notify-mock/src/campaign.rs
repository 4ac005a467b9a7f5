//! What a campaign test reads back: every accepted send ([`SendRecord`]) and every
//! delivery to a user ([`Delivery`]), stamped with simulator time, and what the simulator
//! does when a send would exceed the per-minute recipient budget ([`BudgetOverflow`]).

use std::time::Duration;

/// What happens to a send that would take an app past its recipients-per-minute budget
/// (any 60 s window of simulator time).
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use dingtalk_notify_mock::{BudgetOverflow, MockServer};
/// let server = MockServer::builder()
///     .recipients_per_minute(500)
///     .budget_overflow(BudgetOverflow::ForbidExcessUsers)
///     .start()?;
/// # drop(server); Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum BudgetOverflow {
    /// The whole call is refused with 143103 (ISV 143203) and nothing is sent (the default).
    #[default]
    RefuseCall,
    /// The call succeeds; the recipients past the budget are not sent to and show in
    /// `getsendresult`'s forbidden lists with code 143103 (ISV 143203) and the budget as
    /// `count`, as the issue's captures describe for large sends.
    ForbidExcessUsers,
}

/// One accepted `asyncsend_v2` call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendRecord {
    /// The task it created.
    pub task_id: u64,
    /// The sending app's agent id.
    pub agent_id: u64,
    /// Simulator time of the call.
    pub at: Duration,
    /// Recipients counted against the minute budget (valid and invalid ids alike).
    pub counted: usize,
    /// Recipients it resolved to (users, department members), deduplicated.
    pub recipients: usize,
}

/// One message delivered to one user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The user.
    pub user_id: String,
    /// The task that delivered it.
    pub task_id: u64,
    /// The sending app's agent id.
    pub agent_id: u64,
    /// Simulator time of the send.
    pub at: Duration,
}

/// The most deliveries and sends the simulator keeps (the oldest go first).
pub const MAX_RECORDED_DELIVERIES: usize = 1_000_000;
