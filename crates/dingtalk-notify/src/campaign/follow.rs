//! Following a campaign as one: progress, a tracked progress bar, the merged result, the
//! status bar and recall across every sent chunk.

use std::collections::BTreeMap;

use dingtalk_notify_proto::api::{ProgressStatus, SendProgress, SendResult};
use dingtalk_notify_proto::campaign::{
    CampaignHeader, CampaignProgress, CampaignRecord, CampaignResult, ChunkState, ProblemKind,
    ResultMerger,
};
use dingtalk_notify_proto::{ApiError, ResponseError, StatusColor, TaskHandle, TaskId, Transport};

use super::{CampaignError, CampaignHandle, Campaigns};
use crate::Error;
use crate::calls::monthly_quota;
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

/// A task past progress's window finished delivering long ago.
const DELIVERED: SendProgress = SendProgress {
    progress_in_percent: 100,
    status: ProgressStatus::Completed,
};

/// What [`Campaigns::deliver`] saw.
pub(super) struct Delivered {
    /// The whole campaign's last progress.
    pub(super) progress: CampaignProgress,
    /// What each chunk polled answered last.
    pub(super) known: BTreeMap<usize, SendProgress>,
    /// The header as stored after the last round.
    pub(super) header: CampaignHeader,
}

/// One progress call's outcome.
enum Polled {
    /// DingTalk answered (or the task is past the window: delivered).
    Progress(SendProgress),
    /// No answer this time: the chunk counts as still delivering.
    Unknown,
    /// The monthly quota (90020): stop following.
    Quota(ApiError),
}

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    fn chunk_progress(&self, task: &TaskHandle) -> Polled {
        match self.client.progress(task) {
            Ok(p) => Polled::Progress(p),
            Err(Error::OutsideWindow { .. }) => Polled::Progress(DELIVERED),
            Err(e) => monthly_quota(&e).map_or(Polled::Unknown, Polled::Quota),
        }
    }

    /// One round: a progress call for each of `record`'s chunks to poll
    /// ([`CampaignRecord::to_poll`], in the order they were sent) that `known` does not
    /// already hold as done, until the first one not done (or unreadable), stopping at a
    /// 90020. Its calls and the chunks it found delivered go to the header in one
    /// write. Returns the header as now stored.
    fn poll_round(
        &self,
        record: &CampaignRecord,
        header: &CampaignHeader,
        wanted: &impl Fn(usize) -> bool,
        known: &mut BTreeMap<usize, SendProgress>,
    ) -> Result<CampaignHeader, CampaignError> {
        let (outcome, calls) = crate::calls::counted(|| {
            let mut answers = Vec::new();
            for (index, task) in record.to_poll() {
                if !wanted(index) || known.get(&index).is_some_and(SendProgress::is_done) {
                    continue;
                }
                match self.chunk_progress(task) {
                    Polled::Progress(p) => {
                        answers.push((index, p));
                        // Those sent after it are most likely still delivering too.
                        if !p.is_done() {
                            break;
                        }
                    }
                    Polled::Unknown => break,
                    Polled::Quota(api) => return (answers, Some(api)),
                }
            }
            (answers, None)
        });
        let (answers, quota) = outcome;
        known.extend(answers.iter().copied());
        let header = self.learn_or_warn(record.id(), header, &calls, &answers);
        match quota {
            Some(api) => Err(CampaignError::MonthlyQuotaExceeded(api)),
            None => Ok(header),
        }
    }

    /// The campaign's progress now: one `getsendprogress` per sent chunk not yet known
    /// delivered (a chunk the ledger records as delivered costs no call), in the order
    /// they were sent, up to the first one still delivering: those sent after it count as
    /// delivering without a call. A chunk whose progress cannot be read counts as still
    /// delivering. The calls spent, and the chunks
    /// found delivered, are recorded in the ledger.
    ///
    /// # Errors
    /// [`CampaignError::MonthlyQuotaExceeded`] on errcode 90020: no further call is made.
    pub fn progress(&self, handle: &CampaignHandle) -> Result<CampaignProgress, CampaignError> {
        let record = handle.record();
        let mut known = BTreeMap::new();
        self.poll_round(record, record.header(), &|_| true, &mut known)?;
        Ok(record.progress(|c| {
            record
                .recorded_progress(c)
                .or_else(|| known.get(&c.index).copied())
        }))
    }

    /// Polls until every sent chunk is delivered (or the client's track deadline passes),
    /// calling `on_progress` after every round: one progress bar for the whole campaign.
    /// Only chunks not yet known delivered are polled, in the order they were sent, and a
    /// round stops at the first one still delivering (those sent after it wait for the
    /// next round); a chunk the ledger records as delivered (by this or an earlier follow)
    /// costs no call. Each
    /// round's calls and the chunks it found delivered are recorded in the ledger in one
    /// write. Returns the last progress; check [`CampaignProgress::is_finished`].
    ///
    /// # Errors
    /// [`CampaignError::MonthlyQuotaExceeded`] on errcode 90020: the following stops at
    /// once, with what it learnt recorded.
    pub fn track(
        &self,
        handle: &CampaignHandle,
        on_progress: impl FnMut(&CampaignProgress),
    ) -> Result<CampaignProgress, CampaignError> {
        self.deliver(handle.record(), |_| true, on_progress)
            .map(|delivered| delivered.progress)
    }

    /// [`track`](Self::track)'s loop over the chunks of `record` that are `wanted`.
    pub(super) fn deliver(
        &self,
        record: &CampaignRecord,
        wanted: impl Fn(usize) -> bool,
        mut on_progress: impl FnMut(&CampaignProgress),
    ) -> Result<Delivered, CampaignError> {
        let clock = self.client.clock();
        let policy = self.client.track_policy();
        let deadline_at = clock.now() + policy.deadline;
        let mut header = record.header().clone();
        let mut known: BTreeMap<usize, SendProgress> = BTreeMap::new();
        let mut poll = 0u32;
        loop {
            poll += 1;
            header = self.poll_round(record, &header, &wanted, &mut known)?;
            let progress = record.progress(|c| {
                record
                    .recorded_progress(c)
                    .or_else(|| known.get(&c.index).copied())
            });
            on_progress(&progress);
            let all_delivered = record
                .to_poll()
                .iter()
                .filter(|(i, _)| wanted(*i))
                .all(|(i, _)| known.get(i).is_some_and(SendProgress::is_done));
            let wait = policy.interval(poll);
            if all_delivered || clock.now() + wait > deadline_at {
                return Ok(Delivered {
                    progress,
                    known,
                    header,
                });
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
    /// why and its users. After a 90020 (the monthly quota) no further call is made: the
    /// remaining sent chunks' results are unavailable, with why. The calls spent are
    /// recorded in the ledger.
    pub(super) fn read_chunks(&self, handle: &CampaignHandle, mut visit: impl FnMut(ChunkRead)) {
        let ((), calls) = crate::calls::counted(|| {
            let mut quota: Option<String> = None;
            for c in handle.record().chunks() {
                let (index, problem) = (c.index, |task, kind, detail| ChunkRead::Problem {
                    index: c.index,
                    task,
                    kind,
                    detail,
                    users: c.recipients.user_ids().iter().map(str::to_owned).collect(),
                });
                let read = match &c.state {
                    ChunkState::Sent { task } => match &quota {
                        Some(why) => problem(
                            Some(task.task_id),
                            ProblemKind::ResultUnavailable,
                            why.clone(),
                        ),
                        None => match self.client.result(task) {
                            Ok(result) => ChunkRead::Result {
                                index,
                                task: task.task_id,
                                result,
                            },
                            Err(e) => {
                                if let Some(api) = monthly_quota(&e) {
                                    quota =
                                        Some(CampaignError::MonthlyQuotaExceeded(api).to_string());
                                }
                                problem(
                                    Some(task.task_id),
                                    ProblemKind::ResultUnavailable,
                                    e.to_string(),
                                )
                            }
                        },
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
        });
        let record = handle.record();
        self.learn_or_warn(record.id(), record.header(), &calls, &[]);
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

    /// One call per sent chunk, counted and recorded in the ledger; after a 90020 (the
    /// monthly quota) no further call is made and the remaining chunks fail with it.
    fn each_task(
        &self,
        handle: &CampaignHandle,
        mut call: impl FnMut(&TaskHandle) -> Result<(), Error<T::Error>>,
    ) -> ChunkCalls<T::Error> {
        let (calls, spent) = crate::calls::counted(|| {
            let mut calls = ChunkCalls {
                done: Vec::new(),
                failed: Vec::new(),
            };
            let mut quota: Option<ApiError> = None;
            for (index, task) in handle.tasks() {
                if let Some(api) = &quota {
                    let error = Error::Response(ResponseError::Api(api.clone()));
                    calls.failed.push((index, error));
                    continue;
                }
                match call(task) {
                    Ok(()) => calls.done.push(index),
                    Err(e) => {
                        quota = monthly_quota(&e);
                        calls.failed.push((index, e));
                    }
                }
            }
            calls
        });
        let record = handle.record();
        self.learn_or_warn(record.id(), record.header(), &spent, &[]);
        calls
    }
}
