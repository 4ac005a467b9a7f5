//! Following a task: `getsendprogress`, `getsendresult`, `status_bar/update`, `recall`, and
//! the progress and result a task has at a given time.

use std::time::Duration;

use serde::Serialize;
use serde_json::Map;

use super::answer::{Answer, Reject};
use super::ids::Ids;
use super::wire::{RecallBody, StatusBarBody, TaskQuery, body_object, decode};
use super::{DAY, Fate, MAX_RESULT_RECIPIENTS, Sim, Task, WEEK, code};
use crate::directory::UserBehaviour;
use crate::fault::Route;
use crate::http::Incoming;

/// `AsyncSendProgress` as the getsendprogress page writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Progress {
    /// 0 to 100.
    pub(crate) progress_in_percent: u32,
    /// 0 not started, 1 in progress, 2 completed.
    pub(crate) status: u8,
}

/// `SendForbiddenModel`: the code is a string on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Forbidden {
    #[serde(serialize_with = "code_as_string")]
    pub(crate) code: i64,
    pub(crate) count: u64,
    pub(crate) userid: String,
}

/// `AsyncSendResult` as the getsendresult page writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct SendResultWire {
    pub(crate) read_user_id_list: Vec<String>,
    pub(crate) unread_user_id_list: Vec<String>,
    pub(crate) failed_user_id_list: Vec<String>,
    pub(crate) invalid_user_id_list: Vec<String>,
    pub(crate) forbidden_user_id_list: Vec<String>,
    pub(crate) invalid_dept_id_list: Vec<u64>,
    pub(crate) forbidden_list: Vec<Forbidden>,
}

fn code_as_string<S: serde::Serializer>(code: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(code)
}

#[derive(Serialize)]
struct ProgressPayload {
    progress: Progress,
}

#[derive(Serialize)]
struct ResultPayload<'a> {
    send_result: &'a SendResultWire,
}

/// The progress of `task` at `now`, delivery taking `duration`.
pub(crate) fn progress_of(task: &Task, now: Duration, duration: Duration) -> Progress {
    let elapsed = now.saturating_sub(task.sent_at);
    if duration.is_zero() || elapsed >= duration {
        return Progress {
            progress_in_percent: 100,
            status: 2,
        };
    }
    let percent = u32::try_from(elapsed.as_nanos() * 100 / duration.as_nanos()).unwrap_or(99);
    Progress {
        progress_in_percent: percent.min(99),
        status: if percent == 0 { 0 } else { 1 },
    }
}

/// The result of `task` at `now`: until delivery completes, every delivered user is unread.
pub(crate) fn result_of(task: &Task, now: Duration, duration: Duration) -> SendResultWire {
    let done = progress_of(task, now, duration).status == 2;
    let mut r = SendResultWire {
        invalid_dept_id_list: task.invalid_depts.clone(),
        ..SendResultWire::default()
    };
    for (user, fate) in &task.recipients {
        let user = user.clone();
        match fate {
            Fate::Invalid => r.invalid_user_id_list.push(user),
            Fate::Forbidden(code, count) => {
                r.forbidden_user_id_list.push(user.clone());
                r.forbidden_list.push(Forbidden {
                    code: *code,
                    count: *count,
                    userid: user,
                });
            }
            Fate::Delivered(_) if !done => r.unread_user_id_list.push(user),
            Fate::Delivered(UserBehaviour::Reads) => r.read_user_id_list.push(user),
            Fate::Delivered(UserBehaviour::LeavesUnread) => r.unread_user_id_list.push(user),
            Fate::Delivered(UserBehaviour::Fails) => r.failed_user_id_list.push(user),
        }
    }
    r
}

impl Sim {
    /// The task `task_id` of `agent_id` if it is younger than `window`.
    fn task_within(
        &mut self,
        agent_id: u64,
        task_id: u64,
        now: Duration,
        window: Duration,
    ) -> Result<&mut Task, Reject> {
        match self.tasks.get_mut(&task_id) {
            Some(task)
                if task.agent_id == agent_id && now.saturating_sub(task.sent_at) < window =>
            {
                Ok(task)
            }
            _ => Err(Reject::new(code::INVALID_PARAMETER, "Invalid parameter")),
        }
    }

    pub(super) fn progress(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        self.caller(req, now)?;
        let q: TaskQuery = decode(body_object(req)?)?;
        let duration = self.config.delivery_duration;
        // getsendprogress answers for 7 days, per its own current page
        // (shared/spec/current-reference.md); getsendresult and recall for 24 h.
        let task = self.task_within(q.agent_id, q.task_id, now, WEEK)?;
        let progress = progress_of(task, now, duration);
        Ok(self.ok(Route::SendProgress, &ProgressPayload { progress }, ids))
    }

    pub(super) fn result(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        self.caller(req, now)?;
        let q: TaskQuery = decode(body_object(req)?)?;
        let duration = self.config.delivery_duration;
        let task = self.task_within(q.agent_id, q.task_id, now, DAY)?;
        if task.recipients.len() > MAX_RESULT_RECIPIENTS {
            return Err(Reject::new(
                code::RESULT_NOT_SERVED,
                format!(
                    "Call timeout: too many recipients in this delivery ({} > {MAX_RESULT_RECIPIENTS}); sending results will no longer be returned",
                    task.recipients.len()
                ),
            ));
        }
        let send_result = result_of(task, now, duration);
        let mut payload = serde_json::to_value(ResultPayload {
            send_result: &send_result,
        })
        .unwrap_or_default();
        if send_result.forbidden_user_id_list.is_empty()
            && !self.config.success_style.empty_forbidden_list()
        {
            // Real getsendresult answers leave it out (the page's own example does).
            if let Some(result) = payload
                .get_mut("send_result")
                .and_then(|r| r.as_object_mut())
            {
                result.remove("forbidden_user_id_list");
            }
        }
        Ok(self.ok(Route::SendResult, &payload, ids))
    }

    pub(super) fn status_bar(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        let caller = self.caller(req, now)?;
        let q: StatusBarBody = decode(body_object(req)?)?;
        if q.agent_id != caller.agent_id {
            return Err(Reject::new(code::INVALID_AGENT_ID, "Invalid agentid"));
        }
        if q.status_value.trim().is_empty() {
            return Err(Reject::new(
                code::MISSING_ARGUMENT,
                "Missing parameter status_value",
            ));
        }
        let task = self.task_within(q.agent_id, q.task_id, now, WEEK)?;
        task.status_value = Some(q.status_value);
        if q.status_bg.is_some() {
            task.status_bg = q.status_bg;
        }
        Ok(self.ok(Route::StatusBarUpdate, &Map::new(), ids))
    }

    pub(super) fn recall(
        &mut self,
        req: &Incoming,
        now: Duration,
        ids: &Ids,
    ) -> Result<Answer, Reject> {
        let caller = self.caller(req, now)?;
        let q: RecallBody = decode(body_object(req)?)?;
        if q.agent_id != caller.agent_id {
            return Err(Reject::new(code::INVALID_AGENT_ID, "Invalid agentid"));
        }
        let task = self.task_within(q.agent_id, q.msg_task_id, now, DAY)?;
        if task.recalled_at.is_none() {
            task.recalled_at = Some(now);
        }
        Ok(self.ok(Route::Recall, &Map::new(), ids))
    }
}
