//! Following a campaign as one: progress, a tracked progress bar, the merged result, the
//! status bar and recall across every sent chunk.

use std::collections::BTreeMap;

use dingtalk_notify_proto::api::{ProgressStatus, SendProgress, SendResult};
use dingtalk_notify_proto::campaign::{
    CampaignProgress, CampaignResult, ChunkState, ProblemKind, ResultMerger,
};
use dingtalk_notify_proto::{StatusColor, TaskHandle, TaskId, Transport};

use super::{CampaignHandle, Campaigns};
use crate::Error;
use crate::ledger::Ledger;

/// One call per sent chunk (status bar, recall): which chunks it reached, which failed and
/// why. One failed chunk does not stop the others.
#[derive(Debug)]
pub struct ChunkCalls<E> {
    /// The chunks whose call succeeded.
    pub done: Vec<usize>,
    /// The chunks whose call failed, with the error.
    pub failed: Vec<(usize, Error<E>)>,
}

impl<E> ChunkCalls<E> {
    /// Whether every sent chunk was reached.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// One chunk as [`Campaigns::read_chunks`] read it.
pub(super) enum ChunkRead {
    /// The chunk's per-user result, read for its task.
    Result {
        index: usize,
        task: TaskId,
        result: SendResult,
    },
    /// The chunk has no result: why, and its users.
    Problem {
        index: usize,
        task: Option<TaskId>,
        kind: ProblemKind,
        detail: String,
        users: Vec<String>,
    },
}

/// A task past the 24-hour window finished delivering long ago.
const DELIVERED: SendProgress = SendProgress {
    progress_in_percent: 100,
    status: ProgressStatus::Completed,
};

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    fn chunk_progress(&self, task: &TaskHandle) -> Option<SendProgress> {
        match self.client.progress(task) {
            Ok(p) => Some(p),
            Err(Error::OutsideWindow { .. }) => Some(DELIVERED),
            Err(_) => None,
        }
    }

    /// The campaign's progress now: one `getsendprogress` per sent chunk. A chunk whose
    /// progress cannot be read counts as still delivering.
    pub fn progress(&self, handle: &CampaignHandle) -> CampaignProgress {
        handle
            .record()
            .progress(|c| c.state.task().and_then(|t| self.chunk_progress(t)))
    }

    /// Polls until every sent chunk is delivered (or the client's track deadline passes),
    /// calling `on_progress` after every round: one progress bar for the whole campaign.
    /// Delivered chunks are not polled again. Returns the last progress; check
    /// [`CampaignProgress::is_finished`].
    pub fn track(
        &self,
        handle: &CampaignHandle,
        mut on_progress: impl FnMut(&CampaignProgress),
    ) -> CampaignProgress {
        let clock = self.client.clock();
        let policy = self.client.track_policy();
        let deadline_at = clock.now() + policy.deadline;
        let mut known: BTreeMap<usize, SendProgress> = BTreeMap::new();
        let mut poll = 0u32;
        loop {
            poll += 1;
            for (index, task) in handle.tasks() {
                if known.get(&index).is_some_and(SendProgress::is_done) {
                    continue;
                }
                if let Some(p) = self.chunk_progress(task) {
                    known.insert(index, p);
                }
            }
            let progress = handle.record().progress(|c| known.get(&c.index).copied());
            on_progress(&progress);
            let all_delivered = handle
                .tasks()
                .all(|(i, _)| known.get(&i).is_some_and(SendProgress::is_done));
            let wait = policy.interval(poll);
            if all_delivered || clock.now() + wait > deadline_at {
                return progress;
            }
            clock.sleep(wait);
        }
    }

    /// The merged per-user result: one `getsendresult` per sent chunk, each user once at
    /// its best outcome, and every chunk without a result (not sent, failed, ambiguous,
    /// result unreadable) beside it with its users.
    pub fn result(&self, handle: &CampaignHandle) -> CampaignResult {
        let mut merger = ResultMerger::new();
        self.read_chunks(handle, |chunk| match chunk {
            ChunkRead::Result { result, .. } => merger.add_result(&result),
            ChunkRead::Problem {
                index,
                kind,
                detail,
                users,
                ..
            } => merger.add_problem(index, kind, detail, users),
        });
        merger.finish()
    }

    /// The one pass over a campaign's chunks that `result` and `report` share: in chunk
    /// order, one `getsendresult` per sent chunk, and every chunk without a result with
    /// why and its users.
    pub(super) fn read_chunks(&self, handle: &CampaignHandle, mut visit: impl FnMut(ChunkRead)) {
        for c in handle.record().chunks() {
            let (index, problem) = (c.index, |task, kind, detail| ChunkRead::Problem {
                index: c.index,
                task,
                kind,
                detail,
                users: c.recipients.user_ids().to_vec(),
            });
            let read = match &c.state {
                ChunkState::Sent { task } => match self.client.result(task) {
                    Ok(result) => ChunkRead::Result {
                        index,
                        task: task.task_id,
                        result,
                    },
                    Err(e) => problem(
                        Some(task.task_id),
                        ProblemKind::ResultUnavailable,
                        e.to_string(),
                    ),
                },
                ChunkState::Planned | ChunkState::Sending { .. } => {
                    problem(None, ProblemKind::NotSent, "not sent yet".to_owned())
                }
                ChunkState::Failed { failure } => {
                    problem(None, ProblemKind::Failed, failure.message.clone())
                }
                ChunkState::Ambiguous { reason, .. } => {
                    problem(None, ProblemKind::Ambiguous, reason.clone())
                }
            };
            visit(read);
        }
    }

    /// Updates the OA status bar of every sent chunk.
    pub fn update_status_bar(
        &self,
        handle: &CampaignHandle,
        status_value: &str,
        status_bg: Option<StatusColor>,
    ) -> ChunkCalls<T::Error> {
        self.each_task(handle, |task| {
            self.client
                .update_status_bar(task, status_value, status_bg)
                .map(drop)
        })
    }

    /// Recalls every sent chunk.
    pub fn recall(&self, handle: &CampaignHandle) -> ChunkCalls<T::Error> {
        self.each_task(handle, |task| self.client.recall(task).map(drop))
    }

    fn each_task(
        &self,
        handle: &CampaignHandle,
        mut call: impl FnMut(&TaskHandle) -> Result<(), Error<T::Error>>,
    ) -> ChunkCalls<T::Error> {
        let mut calls = ChunkCalls {
            done: Vec::new(),
            failed: Vec::new(),
        };
        for (index, task) in handle.tasks() {
            match call(task) {
                Ok(()) => calls.done.push(index),
                Err(e) => calls.failed.push((index, e)),
            }
        }
        calls
    }
}
