//! What following a campaign learns, kept as data in its header: the calls it spent, by
//! endpoint, and the chunks whose delivery is known to be complete. Pure: the driver asks
//! [`CampaignHeader::learn`] for the next header and writes it with the ledger's
//! compare-and-set; [`CampaignRecord::to_poll`] says which chunks still need a progress
//! call.

use std::collections::BTreeMap;

use crate::api::{ProgressStatus, SendProgress};
use crate::tracking::TaskHandle;

use super::{CampaignHeader, CampaignRecord, ChunkRecord};

/// The progress of a chunk known delivered: 100 %, completed.
const COMPLETED: SendProgress = SendProgress {
    progress_in_percent: 100,
    status: ProgressStatus::Completed,
};

impl CampaignHeader {
    /// The header after a follow round: `calls` added to [`calls`](Self::calls), and every
    /// chunk whose answered `progress` is done ([`SendProgress::is_done`]) added to
    /// [`delivered`](Self::delivered). `None` when it learns nothing (no call, no chunk
    /// newly delivered), so nothing need be written.
    ///
    /// ```
    /// use dingtalk_notify_proto::api::{ProgressStatus, SendProgress};
    /// use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord};
    /// use dingtalk_notify_proto::Message;
    /// use std::collections::BTreeMap;
    /// let plan = CampaignPlan::new(1, Message::text("hi"), Audience::users(["a"]), CHUNK_LIMITS)?;
    /// let record = CampaignRecord::new(CampaignId::new("c1")?, plan, std::time::SystemTime::UNIX_EPOCH);
    /// let done = SendProgress { progress_in_percent: 100, status: ProgressStatus::Completed };
    /// let half = SendProgress { progress_in_percent: 50, status: ProgressStatus::InProgress };
    /// let calls = BTreeMap::from([("progress", 2), ("token", 1)]);
    /// let header = record.header().learn(&calls, &[(0, done), (1, half)]).unwrap();
    /// assert_eq!(header.calls["progress"], 2);
    /// assert_eq!(header.total_calls(), 3);
    /// assert!(header.delivered.contains(&0) && !header.delivered.contains(&1));
    /// assert_eq!(header.learn(&BTreeMap::new(), &[(0, done)]), None); // nothing new
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn learn(
        &self,
        calls: &BTreeMap<&str, u64>,
        progress: &[(usize, SendProgress)],
    ) -> Option<Self> {
        let mut next = self.clone();
        let mut changed = false;
        for (&name, &n) in calls {
            if n == 0 {
                continue;
            }
            let count = next.calls.entry(name.to_owned()).or_insert(0);
            *count = count.saturating_add(n);
            changed = true;
        }
        for (index, p) in progress {
            if p.is_done() {
                changed |= next.delivered.insert(*index);
            }
        }
        changed.then_some(next)
    }

    /// Every call the campaign spent, whatever the endpoint.
    pub fn total_calls(&self) -> u64 {
        self.calls.values().fold(0, |a, n| a.saturating_add(*n))
    }
}

impl CampaignRecord {
    /// The sent chunks whose delivery is not known to be complete, in the order they were
    /// sent (then by index): the only ones a follow polls (`getsendprogress`). A chunk in
    /// [`CampaignHeader::delivered`] is never polled again, by this process or a later
    /// one.
    ///
    /// In that order, a chunk still delivering makes those sent after it unlikely to be
    /// done: a follow round stops polling at the first one not done.
    pub fn to_poll(&self) -> Vec<(usize, &TaskHandle)> {
        let mut chunks: Vec<(usize, &TaskHandle)> = self
            .tasks()
            .filter(|(index, _)| !self.header().delivered.contains(index))
            .collect();
        chunks.sort_by_key(|(index, task)| (task.sent_at, *index));
        chunks
    }

    /// A chunk's progress as the record knows it: completed for a sent chunk known
    /// delivered, else `None` (ask DingTalk).
    pub fn recorded_progress(&self, chunk: &ChunkRecord) -> Option<SendProgress> {
        (chunk.state.task().is_some() && self.header().delivered.contains(&chunk.index))
            .then_some(COMPLETED)
    }
}
