//! [`ChunkRecord`]: one chunk of a campaign as a ledger stores it, a [`Transition`] of its
//! state, and the checked [`ChunkSend`] of it.

use serde::{Deserialize, Serialize};

use crate::api::SendWorkNotification;
use crate::endpoint::Validated;

use super::{ChunkRecipients, ChunkState};

/// Where a chunk comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkOrigin {
    /// The planned audience.
    Audience,
    /// Users of chunk `of` that its result listed as held back by a per-minute quota.
    Resend {
        /// The chunk they were first sent in.
        of: usize,
    },
}

/// One chunk: its place, recipients, origin and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRecord {
    /// Its 0-based place in the campaign.
    pub index: usize,
    /// Who it goes to.
    pub recipients: ChunkRecipients,
    /// Where it comes from.
    pub origin: ChunkOrigin,
    /// Where its send stands.
    pub state: ChunkState,
    /// Each user's departments, in the order of the user ids, for a chunk of a campaign of
    /// people ([`PeopleAudience`](super::PeopleAudience)); empty when not known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_depts: Vec<Vec<crate::ids::DeptId>>,
}

/// One chunk's change of state, decided by [`CampaignRecord::transition`](super::CampaignRecord::transition): what a ledger
/// writes (compare and set: only if the chunk is still `from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The chunk.
    pub index: usize,
    /// The state it leaves.
    pub from: ChunkState,
    /// The state it enters.
    pub to: ChunkState,
}

/// The send of one chunk, its recipients checked against the caller's limits and its
/// message checked once for the whole campaign: build it with
/// [`validated`](Self::validated), which checks nothing again.
#[derive(Debug, Clone)]
pub struct ChunkSend {
    pub(super) request: SendWorkNotification,
}

impl ChunkSend {
    /// The request.
    pub fn request(&self) -> &SendWorkNotification {
        &self.request
    }

    /// The checked request, ready to build.
    pub fn validated(&self) -> Validated<'_, SendWorkNotification> {
        Validated::checked(&self.request)
    }
}
