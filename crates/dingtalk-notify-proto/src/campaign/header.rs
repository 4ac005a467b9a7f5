//! [`CampaignHeader`]: what a campaign is, written once when it is created, and the schema
//! version every ledger stores with it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::ids::AgentId;
use crate::message::Message;

use super::{CampaignId, SenderLease};

/// The schema version of [`CampaignHeader`] and [`CampaignRecord`](super::CampaignRecord) that this crate reads and
/// writes; every ledger stores it with the header.
pub const SCHEMA_VERSION: u32 = 2;

/// The most users a chunk may hold: the largest per-call limit DingTalk has had (its older
/// internal apps' 5,000). The client checks each send against its own, usually 100.
pub const MAX_CHUNK_USERS: usize = 5_000;

/// What the campaign's audience was, as planned: distinct users and departments, or all
/// users. A summary, not the ids (the chunks hold those).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudienceSummary {
    /// Distinct user ids.
    pub users: usize,
    /// Distinct departments.
    pub depts: usize,
    /// Every user of the organization.
    pub all_users: bool,
}

/// What a campaign is, written once when it is created: id, app, message, audience,
/// creation time, and the schema version. Every ledger stores it as it is, beside the
/// chunks.
///
/// Room to grow: a later version adds fields here with `#[serde(default)]` (the resolved
/// people and unresolved inputs of an audience, a parent campaign for reminders, call
/// counts, a sender lease), so a record written before them still reads; fields this
/// version does not know are ignored on reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CampaignHeader {
    /// The schema version it was written with ([`SCHEMA_VERSION`]).
    #[serde(default)]
    pub schema: u32,
    /// The id.
    pub id: CampaignId,
    /// The sending app.
    pub agent_id: AgentId,
    /// The message, validated when the plan was made and again once when read.
    pub message: Message,
    /// The audience, as planned.
    #[serde(default)]
    pub audience: AudienceSummary,
    /// When it was created.
    pub created_at: SystemTime,
    /// The campaign this one reminds (a follow-up to its people who had not read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<CampaignId>,
    /// The reminders of this campaign, oldest first (each names this one as its `parent`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<CampaignId>,
    /// The lease of the process sending it now, if any ([`SenderLease`]: one sender per
    /// campaign).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<SenderLease>,
    /// Every call the campaign spent, by [`call_name`](crate::api::call_name) (`send`,
    /// `progress`, `result`, `token`, …), retries and token fetches included: what it
    /// cost of the organisation's monthly quota of calls (errcode 90020).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calls: BTreeMap<String, u64>,
    /// The chunks whose delivery is known to be complete (`getsendprogress` said so, or
    /// the task is past progress's 7-day window): never polled again. Written through
    /// [`learn`](Self::learn).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub delivered: BTreeSet<usize>,
    /// For a campaign of people: the inputs, and once frozen, what became of them
    /// (`None` for a campaign of user ids, departments or all users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<super::PeopleAudience>,
}
