//! [`CampaignHandle`]: a campaign as the caller holds it, serializable like a
//! [`TaskHandle`](crate::TaskHandle).

use dingtalk_notify_proto::TaskHandle;
use dingtalk_notify_proto::campaign::{CampaignId, CampaignRecord, ChunkFailure, ChunkState};
use serde::{Deserialize, Serialize};

/// A campaign: every chunk's recipients and state, with its [`TaskHandle`] once sent.
/// Serializable (it is the ledger's record), so it can be stored and followed later from
/// another process with [`Campaigns`](super::Campaigns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CampaignHandle {
    record: CampaignRecord,
}

impl CampaignHandle {
    /// The campaign's id (to resume it, follow it from the CLI).
    pub fn id(&self) -> &CampaignId {
        self.record.id()
    }

    /// The record: message, chunks, states.
    pub fn record(&self) -> &CampaignRecord {
        &self.record
    }

    /// Every sent chunk's task.
    pub fn tasks(&self) -> impl Iterator<Item = (usize, &TaskHandle)> {
        self.record.tasks()
    }

    /// The chunks sent: DingTalk accepted them and gave each a task (see
    /// [`tasks`](Self::tasks)). Sent is not delivered: follow them with
    /// [`Campaigns::track`](super::Campaigns::track).
    pub fn sent(&self) -> Vec<usize> {
        self.indices(|s| matches!(s, ChunkState::Sent { .. }))
    }

    /// The chunks whose send is ambiguous: their users may or may not have the message.
    /// They are never resent on their own; see
    /// [`Campaigns::resend_ambiguous`](super::Campaigns::resend_ambiguous).
    pub fn ambiguous(&self) -> Vec<usize> {
        self.indices(|s| matches!(s, ChunkState::Ambiguous { .. }))
    }

    /// The chunks DingTalk refused for good, with why.
    pub fn failed(&self) -> Vec<(usize, &ChunkFailure)> {
        self.record
            .chunks()
            .iter()
            .filter_map(|c| match &c.state {
                ChunkState::Failed { failure } if !failure.retryable => Some((c.index, failure)),
                _ => None,
            })
            .collect()
    }

    /// The chunks still to send (planned, or refused with a retryable error): a resume
    /// sends them.
    pub fn pending(&self) -> Vec<usize> {
        self.record.resume_plan().send
    }

    /// Whether every chunk reached its end: sent, failed for good, or ambiguous.
    pub fn is_complete(&self) -> bool {
        self.record.chunks().iter().all(|c| c.state.is_final())
    }

    fn indices(&self, f: impl Fn(&ChunkState) -> bool) -> Vec<usize> {
        self.record
            .chunks()
            .iter()
            .filter(|c| f(&c.state))
            .map(|c| c.index)
            .collect()
    }

    pub(super) fn new(record: CampaignRecord) -> Self {
        Self { record }
    }

    pub(super) fn into_record(self) -> CampaignRecord {
        self.record
    }
}
