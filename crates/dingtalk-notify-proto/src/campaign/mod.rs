//! Campaigns: one notification to an audience of any size, as paced chunks followed as one.
//! Pure, like the rest of the core: no clock reads, no IO; every decision takes `now`.
//!
//! DingTalk takes at most 100 user ids and 20 departments per `asyncsend_v2` call, counts
//! recipients per app per minute (143103/143104), and `getsendresult` refuses tasks of more
//! than 100 recipients. A campaign therefore is:
//! - a [`CampaignPlan`]: the [`Audience`] split into chunks within the per-call limits
//!   ([`CHUNK_LIMITS`]), duplicates removed, order stable;
//! - pacing by a [`BudgetWindow`]: when the next chunk of `n` recipients may go
//!   ([`Budget::DINGTALK_APP`], 5,000 a minute, by default);
//! - a [`CampaignRecord`]: a [`CampaignHeader`] and every chunk's recipients and
//!   [`ChunkState`] (planned → sending → sent(task) | failed(error) | ambiguous), changed
//!   only by one pure function, [`ChunkState::next`], and written to a ledger before and
//!   after each call, with the rules for resuming ([`CampaignRecord::resume_plan`]);
//! - aggregation: [`CampaignProgress`] summed over chunks, and a [`CampaignResult`] merged
//!   by [`ResultMerger`] in which each user appears once, with the chunks that have no
//!   result beside it.
//!
//! The blocking driver that sends, sleeps and writes the ledger lives in the
//! `dingtalk-notify` crate.
//!
//! ```
//! use dingtalk_notify_proto::campaign::*;
//! use dingtalk_notify_proto::tracking::TaskHandle;
//! use dingtalk_notify_proto::Message;
//! use std::time::{Duration, Instant, SystemTime};
//!
//! let users: Vec<String> = (0..250).map(|i| format!("user{i}")).collect();
//! let plan = CampaignPlan::new(836390886, Message::text("Office closed Friday"),
//!     Audience::users(users), CHUNK_LIMITS)?;
//! let mut record = CampaignRecord::new(CampaignId::new("c1")?, plan, SystemTime::now());
//! let mut quota = BudgetWindow::new(Budget::per_minute(200));
//! let (t0, wall) = (Instant::now(), SystemTime::now());
//!
//! let mut at = t0;
//! for index in record.resume_plan().send {
//!     let n = record.chunk(index).unwrap().recipients.user_count().unwrap() as u32;
//!     // Pace: wait until the quota admits the chunk.
//!     while let Admission::Wait(wait) = quota.try_acquire(n, at)? {
//!         at += wait;
//!     }
//!     // Ledger: record "sending" before the call...
//!     let sending = record.transition(index, ChunkEvent::BeginSend, wall)?;
//!     record.commit(&sending)?; // after your ledger's compare-and-set of the same
//!     let send = record.chunk_send(index, CHUNK_LIMITS)?; // → send.validated(): your transport
//!     // ...and the outcome after it.
//!     let task = TaskHandle::new(836390886, 1000 + index as u64);
//!     let sent = record.transition(index, ChunkEvent::SendEnded(SendVerdict::Accepted(task)), wall)?;
//!     record.commit(&sent)?;
//! }
//! assert_eq!(at - t0, Duration::from_secs(60)); // 200 at once, the last 50 a minute later
//! assert!(record.resume_plan().send.is_empty()); // nothing is ever sent twice
//! assert_eq!(record.tasks().count(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audience;
mod budget;
mod chunk;
mod estimate;
mod follow;
mod header;
mod id;
mod lease;
mod people;
mod plan;
mod progress;
mod record;
mod record_error;
mod remind;
mod report;
mod result;
mod state;
mod user_ids;

pub use audience::Audience;
pub use budget::{Admission, Budget, BudgetWindow, BudgetWindowError};
pub use chunk::{ChunkOrigin, ChunkRecord, ChunkSend, Transition};
pub use estimate::Estimate;
pub use header::{AudienceSummary, CampaignHeader, MAX_CHUNK_USERS, SCHEMA_VERSION};
pub use id::{CampaignId, InvalidCampaignId};
pub use lease::SenderLease;
pub use people::{FrozenPeople, PeopleAudience};
pub use plan::{CHUNK_LIMITS, CampaignPlan, ChunkRecipients, PlanError};
pub use progress::{CampaignProgress, ProgressTally};
pub use record::{CampaignRecord, ResumePlan};
pub use record_error::RecordError;
pub use remind::{ReminderRefusal, check_content, check_parent, reminder_recipients};
pub use report::{CampaignReport, DeptTally, PersonState, ReportBuilder, ReportRow};
pub use result::{
    CampaignResult, ChunkProblem, ProblemKind, ResultMerger, UserOutcome, is_per_minute_quota,
    users_to_resend,
};
pub use state::{ChunkEvent, ChunkFailure, ChunkState, SendVerdict, TransitionError};
pub use user_ids::{UserIds, UserIdsIter};

#[cfg(test)]
mod tests;
