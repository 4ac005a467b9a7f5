//! The one place the simulator names the client's types: [`TaskSnapshot`], whose fields tests
//! compare with the client's values, [`TaskKey`] (so [`MockServer::task`] takes a `u64` or a
//! `TaskId`), and the `ErrorCode` of [`Fault::ErrCode`](crate::Fault::ErrCode).
//!
//! Nothing here decides what the simulator accepts or answers: a snapshot is built from the
//! simulator's own record after the fact, and its typed fields are parsed, with the
//! client's *response* parser, from the JSON the simulator itself would answer. The raw
//! `msg` object is kept too ([`TaskSnapshot::msg`]).
//!
//! [`MockServer::task`]: crate::MockServer::task

use std::time::Duration;

use dingtalk_notify_proto::api::{SendProgress, SendResult};
use dingtalk_notify_proto::message::Message;
use dingtalk_notify_proto::{AgentId, DeptId, StatusColor, TaskId};
use serde_json::Value;

use crate::directory::UserBehaviour;
use crate::sim::{Fate, Task, follow_progress, follow_result};

/// The client's error-code type, accepted by [`Fault::ErrCode`](crate::Fault::ErrCode).
pub type ClientErrorCode = dingtalk_notify_proto::ErrorCode;

/// The wire value of a client error code.
pub(crate) fn code_value(code: ClientErrorCode) -> i64 {
    code.get()
}

/// A task id: a `u64`, or the client's `TaskId`.
pub trait TaskKey {
    /// The id.
    fn task_key(self) -> u64;
}

impl TaskKey for u64 {
    fn task_key(self) -> u64 {
        self
    }
}

impl TaskKey for TaskId {
    fn task_key(self) -> u64 {
        self.get()
    }
}

/// A task as the simulator holds it, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSnapshot {
    /// The task id.
    pub task_id: TaskId,
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The message sent, read with the client's message type (a `msg` the client cannot
    /// read shows as a text message holding its JSON; [`msg`](Self::msg) is exact).
    pub message: Message,
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
    pub invalid_dept_ids: Vec<DeptId>,
    /// Simulator time of the send.
    pub sent_at: Duration,
    /// The status bar text: the OA message's own, then the latest `status_bar/update`.
    pub status_value: Option<String>,
    /// The status bar colour, likewise.
    pub status_bg: Option<StatusColor>,
    /// Whether it was recalled.
    pub recalled: bool,
    /// Simulator time of the recall.
    pub recalled_at: Option<Duration>,
    /// The progress `getsendprogress` would answer now.
    pub progress: SendProgress,
    /// The result `getsendresult` would answer now (whatever the recipient count).
    pub result: SendResult,
}

/// The snapshot of `task` at `now`; `None` (and a warning in the log) if the client's
/// response types cannot read what the simulator would answer.
pub(crate) fn snapshot_of(task: &Task, now: Duration, duration: Duration) -> Option<TaskSnapshot> {
    let progress = serde_json::to_value(follow_progress(task, now, duration))
        .ok()
        .and_then(|v| serde_json::from_value(v).ok());
    let result = serde_json::to_value(follow_result(task, now, duration))
        .ok()
        .and_then(|v| serde_json::from_value(v).ok());
    let (Some(progress), Some(result)) = (progress, result) else {
        log::warn!(
            "mock: the client's types cannot read task {}'s progress or result",
            task.id
        );
        return None;
    };
    Some(TaskSnapshot {
        task_id: TaskId(task.id),
        agent_id: AgentId(task.agent_id),
        message: serde_json::from_value(task.msg.clone())
            .unwrap_or_else(|_| Message::text(task.msg.to_string())),
        msg: task.msg.clone(),
        to_all_user: task.to_all_user,
        recipients: task.recipients.iter().map(|(u, _)| u.clone()).collect(),
        delivered: task
            .recipients
            .iter()
            .filter(|(_, f)| matches!(f, Fate::Delivered(b) if *b != UserBehaviour::Fails))
            .map(|(u, _)| u.clone())
            .collect(),
        invalid_dept_ids: task.invalid_depts.iter().map(|&d| DeptId(d)).collect(),
        sent_at: task.sent_at,
        status_value: task.status_value.clone(),
        status_bg: task.status_bg.as_deref().and_then(|bg| bg.parse().ok()),
        recalled: task.recalled_at.is_some(),
        recalled_at: task.recalled_at,
        progress,
        result,
    })
}
