//! Campaigns: one notification to an audience of any size, sent as paced chunks, followed
//! as one, resumable after a crash without a duplicate.
//!
//! The pure half (planning, pacing, chunk states, merging) is the core's
//! `campaign` module (`dingtalk-notify-proto`), re-exported here; this module drives it: it
//! sends under the client's [`RecipientBudget`](crate::budget::RecipientBudget) (one per
//! app), writes every chunk's state to a
//! [`Ledger`](crate::ledger::Ledger) before and after each call, and follows the chunks.
//!
//! `start` sends and returns; following (progress, track, result, the per-minute quota's
//! resends) is a separate call on [`Campaigns`]. [`Campaigns::report`] gives one
//! [`ReportRow`] per person (state, code, chunk, task) from the same reads as
//! [`Campaigns::result`]. [`Campaigns::remind`] sends a follow-up campaign to the people
//! who have not read it, linked to its parent in the ledger.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = dingtalk_notify_mock::MockServer::builder()
//! #     .directory(dingtalk_notify_mock::Directory::new().accept_any_user(dingtalk_notify_mock::UserBehaviour::Reads))
//! #     .frozen_clock().start()?;
//! use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
//! use dingtalk_notify::ledger::MemoryLedger;
//! use dingtalk_notify::ureq::UreqTransport;
//! use dingtalk_notify::{Client, Message, TokenSource};
//! # let (key, secret, agent) = (dingtalk_notify_mock::DEMO_APP_KEY, dingtalk_notify_mock::DEMO_APP_SECRET, dingtalk_notify_mock::DEMO_AGENT_ID);
//! let client = Client::builder(TokenSource::app(key, secret))
//! #   .base_url(server.base_url().parse()?).clock(server.clock())
//!     .build(UreqTransport::default());
//! let users = (0..5_000).map(|i| format!("employee{i}"));
//! let plan = CampaignPlan::new(agent, Message::text("Fire drill at 3pm"),
//!     Audience::users(users), CHUNK_LIMITS)?;
//! let ledger = MemoryLedger::new(); // or SqliteLedger::open(path)? (feature `sqlite`)
//! let campaigns = client.campaigns(&ledger);
//! let campaign = campaigns.start(plan)?; // 50 sends, paced, each recorded before and after
//! assert_eq!(campaign.tasks().count(), 50);
//! let progress = campaigns.track(&campaign, |p| println!("{}%", p.progress_in_percent))?;
//! assert!(progress.is_finished());
//! let result = campaigns.result(&campaign); // each user once
//! assert_eq!(result.send_result.read_user_id_list.len(), 5_000);
//! # Ok(()) }
//! ```

mod calls;
mod driver;
mod follow;
mod handle;
mod lease;
mod people;
mod remind;
mod report;
mod resend;
mod sender;

// What users touch, one path each. The stored record is the ledger's
// (`crate::ledger::{CampaignRecord, CampaignHeader, ChunkRecord, ChunkState}`), the budget's
// types are `crate::budget`'s; the driver's own steps (transitions, verdicts, tallies, the
// merger) stay in the core, reached by the sibling crates through `kit`.
pub use dingtalk_notify_proto::campaign::{
    Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignProgress, CampaignReport,
    CampaignResult, ChunkFailure, ChunkProblem, FrozenPeople, PeopleAudience, PersonState,
    PlanError, ProblemKind, ReminderRefusal, ReportBuilder, ReportRow,
};
pub use driver::{CampaignError, CampaignPolicy, Campaigns};
pub use follow::ChunkCalls;
pub use handle::CampaignHandle;
