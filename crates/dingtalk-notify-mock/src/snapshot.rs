//! [`TaskSnapshot`]: a task as the simulator holds it, for assertions, in the simulator's
//! own terms: plain ids, the `msg` object as received, the status bar as stored, and the
//! progress ([`ProgressSnapshot`]) and result ([`ResultSnapshot`]) that `getsendprogress`
//! and `getsendresult` would answer now, as the simulator computes them.
//!
//! Nothing here names a type of the client: a test compares these fields with the client's
//! values by converting the *client's* side (`task.task_id.get()`), so a mistake made the
//! same way on both sides cannot pass unseen.

use std::time::Duration;

use serde_json::Value;

use crate::directory::UserBehaviour;
use crate::sim::{Fate, Forbidden, Progress, SendResultWire, Task, follow_progress, follow_result};

/// A task as the simulator holds it, for assertions ([`MockServer::task`]).
///
/// [`MockServer::task`]: crate::MockServer::task
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// The task id.
    pub task_id: u64,
    /// The sending app's agent id.
    pub agent_id: u64,
    /// The `msg` object exactly as the simulator received it.
    pub msg: Value,
    /// Whether it went to every user.
    pub to_all_user: bool,
    /// Every user id the send resolved to (users given, then members of the departments
    /// given), deduplicated, in order: valid, invalid and forbidden alike.
    pub recipients: Vec<String>,
    /// The recipients it was delivered to (not invalid, forbidden or failing).
    pub delivered: Vec<String>,
    /// Department ids the directory does not know.
    pub invalid_dept_ids: Vec<u64>,
    /// Simulator time of the send.
    pub sent_at: Duration,
    /// The status bar text: the OA message's own, then the latest `status_bar/update`.
    pub status_value: Option<String>,
    /// The status bar colour as received (`0xAARRGGBB`, trimmed), likewise.
    pub status_bg: Option<String>,
    /// Whether it was recalled.
    pub recalled: bool,
    /// Simulator time of the recall.
    pub recalled_at: Option<Duration>,
    /// The progress `getsendprogress` would answer now.
    pub progress: ProgressSnapshot,
    /// The result `getsendresult` would answer now (whatever the recipient count).
    pub result: ResultSnapshot,
}

/// A task's progress, as `getsendprogress` would answer it (`AsyncSendProgress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgressSnapshot {
    /// 0 to 100.
    pub progress_in_percent: u32,
    /// 0 not started, 1 in progress, 2 completed.
    pub status: u8,
}

impl ProgressSnapshot {
    /// Whether delivery has completed (status 2).
    pub fn is_done(&self) -> bool {
        self.status == 2
    }
}

/// A task's per-user result, as `getsendresult` would answer it (`AsyncSendResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResultSnapshot {
    /// Users who read it.
    pub read_user_id_list: Vec<String>,
    /// Users who have not read it (every delivered user until delivery completes).
    pub unread_user_id_list: Vec<String>,
    /// Users it failed to reach.
    pub failed_user_id_list: Vec<String>,
    /// Ids outside the directory.
    pub invalid_user_id_list: Vec<String>,
    /// Users held back by a limit.
    pub forbidden_user_id_list: Vec<String>,
    /// Department ids the directory does not know.
    pub invalid_dept_id_list: Vec<u64>,
    /// Why each forbidden user was held back.
    pub forbidden_list: Vec<ForbiddenSnapshot>,
}

/// One user held back by a limit (`SendForbiddenModel`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForbiddenSnapshot {
    /// The user.
    pub userid: String,
    /// The limit's code (`143105` daily limit, `143106` same content; ISV 1432xx), a
    /// string on the wire.
    pub code: i64,
    /// The limit's threshold.
    pub count: u64,
}

impl From<Progress> for ProgressSnapshot {
    fn from(p: Progress) -> Self {
        Self {
            progress_in_percent: p.progress_in_percent,
            status: p.status,
        }
    }
}

impl From<Forbidden> for ForbiddenSnapshot {
    fn from(f: Forbidden) -> Self {
        Self {
            userid: f.userid,
            code: f.code,
            count: f.count,
        }
    }
}

impl From<SendResultWire> for ResultSnapshot {
    fn from(r: SendResultWire) -> Self {
        Self {
            read_user_id_list: r.read_user_id_list,
            unread_user_id_list: r.unread_user_id_list,
            failed_user_id_list: r.failed_user_id_list,
            invalid_user_id_list: r.invalid_user_id_list,
            forbidden_user_id_list: r.forbidden_user_id_list,
            invalid_dept_id_list: r.invalid_dept_id_list,
            forbidden_list: r.forbidden_list.into_iter().map(Into::into).collect(),
        }
    }
}

/// The snapshot of `task` at `now`, delivery taking `duration`.
pub(crate) fn snapshot_of(task: &Task, now: Duration, duration: Duration) -> TaskSnapshot {
    TaskSnapshot {
        task_id: task.id,
        agent_id: task.agent_id,
        msg: task.msg.clone(),
        to_all_user: task.to_all_user,
        recipients: task.recipients.iter().map(|(u, _)| u.clone()).collect(),
        delivered: task
            .recipients
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Delivered(b) if *b != UserBehaviour::Fails))
            .map(|(u, _)| u.clone())
            .collect(),
        invalid_dept_ids: task.invalid_depts.clone(),
        sent_at: task.sent_at,
        status_value: task.status_value.clone(),
        status_bg: task.status_bg.clone(),
        recalled: task.recalled_at.is_some(),
        recalled_at: task.recalled_at,
        progress: follow_progress(task, now, duration).into(),
        result: follow_result(task, now, duration).into(),
    }
}
