//! [`CampaignProgress`]: the chunks' states and progress summed into one.

use serde::{Deserialize, Serialize};

use crate::api::SendProgress;

use super::ChunkState;

/// The progress of a whole campaign: chunks by stage and one weighted percentage.
///
/// Each chunk weighs its number of users (a department or all-user chunk, whose size is
/// unknown, weighs as much as a full chunk). A chunk counts 0 % until sent, its
/// `progress_in_percent` while DingTalk delivers it, and 100 % once delivered, failed for
/// good or ambiguous (nothing more will happen to it). The percentage reaches 100 only when
/// the campaign [is finished](Self::is_finished).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignProgress {
    /// Every chunk.
    pub chunks: usize,
    /// Planned, or failed with a retryable error: still to send.
    pub waiting: usize,
    /// A send call is under way (or was, when the process stopped).
    pub sending: usize,
    /// Sent; DingTalk is still delivering it (or its progress is unknown).
    pub delivering: usize,
    /// Sent and delivered (`getsendprogress` says completed).
    pub delivered: usize,
    /// Failed for good.
    pub failed: usize,
    /// Ambiguous: listed for the caller to decide on.
    pub ambiguous: usize,
    /// 0 to 100, weighted by recipients.
    pub progress_in_percent: u32,
}

impl CampaignProgress {
    /// Whether every chunk reached its end: delivered, failed for good or ambiguous.
    pub fn is_finished(&self) -> bool {
        self.waiting == 0 && self.sending == 0 && self.delivering == 0
    }
}

/// Sums chunks into a [`CampaignProgress`].
///
/// ```
/// use dingtalk_notify_proto::api::{ProgressStatus, SendProgress};
/// use dingtalk_notify_proto::campaign::{ChunkState, ProgressTally};
/// use dingtalk_notify_proto::tracking::TaskHandle;
/// let sent = ChunkState::Sent { task: TaskHandle::new(1, 2) };
/// let half = SendProgress { progress_in_percent: 50, status: ProgressStatus::InProgress };
/// let mut tally = ProgressTally::new();
/// tally.add(&sent, 100, Some(half));
/// tally.add(&ChunkState::Planned, 100, None);
/// let p = tally.finish();
/// assert_eq!((p.chunks, p.delivering, p.waiting), (2, 1, 1));
/// assert_eq!(p.progress_in_percent, 25);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProgressTally {
    progress: CampaignProgress,
    weights: u128,
    done: u128,
}

impl ProgressTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk in `state` weighing `weight` (its users; 0 counts as 1), with its last
    /// known progress if it was sent.
    pub fn add(&mut self, state: &ChunkState, weight: u64, progress: Option<SendProgress>) {
        let p = &mut self.progress;
        p.chunks += 1;
        let percent = match state {
            ChunkState::Planned => {
                p.waiting += 1;
                0
            }
            ChunkState::Failed { failure } if failure.retryable => {
                p.waiting += 1;
                0
            }
            ChunkState::Sending { .. } => {
                p.sending += 1;
                0
            }
            ChunkState::Sent { .. } => match progress {
                Some(sp) if sp.is_done() => {
                    p.delivered += 1;
                    100
                }
                Some(sp) => {
                    p.delivering += 1;
                    sp.progress_in_percent.min(100)
                }
                None => {
                    p.delivering += 1;
                    0
                }
            },
            ChunkState::Failed { .. } => {
                p.failed += 1;
                100
            }
            ChunkState::Ambiguous { .. } => {
                p.ambiguous += 1;
                100
            }
        };
        let weight = u128::from(weight.max(1));
        self.weights += weight;
        self.done += weight * u128::from(percent);
    }

    /// The sum.
    pub fn finish(self) -> CampaignProgress {
        let mut p = self.progress;
        let percent = self.done.checked_div(self.weights).unwrap_or(0);
        let percent = u32::try_from(percent).unwrap_or(100).min(100);
        p.progress_in_percent = if p.is_finished() {
            percent
        } else {
            percent.min(99)
        };
        p
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::api::ProgressStatus;
    use crate::campaign::ChunkFailure;
    use crate::tracking::TaskHandle;

    fn sent() -> ChunkState {
        ChunkState::Sent {
            task: TaskHandle::new(1, 2),
        }
    }

    fn at(percent: u32, status: ProgressStatus) -> Option<SendProgress> {
        Some(SendProgress {
            progress_in_percent: percent,
            status,
        })
    }

    #[test]
    fn every_chunk_lands_in_exactly_one_stage() {
        let failed = |retryable| ChunkState::Failed {
            failure: ChunkFailure {
                code: None,
                message: String::new(),
                retryable,
            },
        };
        let mut t = ProgressTally::new();
        t.add(&ChunkState::Planned, 100, None);
        t.add(&failed(true), 100, None);
        t.add(
            &ChunkState::Sending {
                since: SystemTime::UNIX_EPOCH,
            },
            100,
            None,
        );
        t.add(&sent(), 100, None);
        t.add(&sent(), 100, at(30, ProgressStatus::InProgress));
        t.add(&sent(), 100, at(100, ProgressStatus::Completed));
        t.add(&failed(false), 100, None);
        t.add(
            &ChunkState::Ambiguous {
                since: SystemTime::UNIX_EPOCH,
                reason: String::new(),
            },
            100,
            None,
        );
        let p = t.finish();
        assert_eq!(
            (
                p.chunks,
                p.waiting,
                p.sending,
                p.delivering,
                p.delivered,
                p.failed,
                p.ambiguous
            ),
            (8, 2, 1, 2, 1, 1, 1)
        );
        // (0 + 0 + 0 + 0 + 30 + 100 + 100 + 100) / 8
        assert_eq!(p.progress_in_percent, 41);
        assert!(!p.is_finished());
    }

    #[test]
    fn weights_follow_recipients_and_100_means_finished() {
        let mut t = ProgressTally::new();
        t.add(&sent(), 100, at(100, ProgressStatus::Completed));
        t.add(&sent(), 50, at(100, ProgressStatus::InProgress));
        let p = t.finish();
        assert_eq!(p.progress_in_percent, 99); // all at 100 %, but one still in progress
        let mut t = ProgressTally::new();
        t.add(&sent(), 300, at(100, ProgressStatus::Completed));
        t.add(&ChunkState::Planned, 100, None);
        assert_eq!(t.finish().progress_in_percent, 75);
        let mut t = ProgressTally::new();
        t.add(&sent(), 0, at(100, ProgressStatus::Completed));
        let p = t.finish();
        assert!(p.is_finished());
        assert_eq!(p.progress_in_percent, 100);
    }

    #[test]
    fn an_empty_tally_is_finished_at_zero() {
        let p = ProgressTally::new().finish();
        assert_eq!(p, CampaignProgress::default());
        assert!(p.is_finished());
    }
}
