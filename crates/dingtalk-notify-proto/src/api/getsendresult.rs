//! `POST /topapi/message/corpconversation/getsendresult`: who read, who did not, and why.
//!
//! Only tasks sent within the last 24 hours. **Tasks with more than 100 recipients are not
//! supported**: DingTalk answers "Call timeout" for them.

use http::Method;
use serde::{Deserialize, Serialize};

use super::endpoint::{Endpoint, json_body};
use crate::auth::AccessTokenQuery;
use crate::code::ErrorCode;
use crate::error::BuildError;
use crate::ids::{AgentId, DeptId, TaskId};
use crate::validate::{check_agent, check_task};
use crate::wire::{LenientString, lenient, list_or_null, opt_string, string_list};

/// The largest task (in recipients) whose result DingTalk returns.
pub const MAX_RESULT_RECIPIENTS: usize = 100;

/// Asks for the per-user delivery result of task `task_id`.
///
/// ```
/// use dingtalk_notify_proto::api::GetSendResult;
/// use dingtalk_notify_proto::Endpoint;
/// let res = GetSendResult::parse_response(http::Response::new(
///     r#"{"errcode":0,"send_result":{"read_user_id_list":["manager4220"]},"request_id":"6pcvwp6jcows"}"#,
/// ))?;
/// assert_eq!(res.send_result.read_user_id_list, ["manager4220"]);
/// assert!(res.send_result.forbidden_list.is_empty()); // missing lists are empty
/// # Ok::<(), dingtalk_notify_proto::ResponseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GetSendResult {
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The task id the send returned.
    pub task_id: TaskId,
}

impl GetSendResult {
    /// A result query.
    pub fn new(agent_id: impl Into<AgentId>, task_id: impl Into<TaskId>) -> Self {
        Self {
            agent_id: agent_id.into(),
            task_id: task_id.into(),
        }
    }
}

impl Endpoint for GetSendResult {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/message/corpconversation/getsendresult";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = GetSendResultResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_agent(self.agent_id)?;
        check_task("task_id", self.task_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The result answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetSendResultResponse {
    /// The result; empty lists when DingTalk omits it.
    #[serde(default)]
    pub send_result: SendResult,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `AsyncSendResult`: the recipients by outcome. Missing or `null` lists are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendResult {
    /// Users who read the message.
    #[serde(default, deserialize_with = "string_list")]
    pub read_user_id_list: Vec<String>,
    /// Users who received but have not read it.
    #[serde(default, deserialize_with = "string_list")]
    pub unread_user_id_list: Vec<String>,
    /// Users it failed to reach.
    #[serde(default, deserialize_with = "string_list")]
    pub failed_user_id_list: Vec<String>,
    /// User ids that do not exist.
    #[serde(default, deserialize_with = "string_list")]
    pub invalid_user_id_list: Vec<String>,
    /// Users not sent to because of a rate limit (see `forbidden_list` for why).
    #[serde(default, deserialize_with = "string_list")]
    pub forbidden_user_id_list: Vec<String>,
    /// Department ids that do not exist.
    #[serde(default, deserialize_with = "list_or_null")]
    pub invalid_dept_id_list: Vec<DeptId>,
    /// Why each forbidden user was not sent to.
    #[serde(default, deserialize_with = "list_or_null")]
    pub forbidden_list: Vec<ForbiddenEntry>,
}

impl SendResult {
    /// The number of user ids across every list.
    pub fn user_count(&self) -> usize {
        self.read_user_id_list.len()
            + self.unread_user_id_list.len()
            + self.failed_user_id_list.len()
            + self.invalid_user_id_list.len()
            + self.forbidden_user_id_list.len()
    }
}

/// `SendForbiddenModel`: one user held back by a rate limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ForbiddenEntry {
    /// The limit hit (`143105` daily limit, `143106` duplicate content); sent as a string.
    #[serde(serialize_with = "code_as_string")]
    pub code: ErrorCode,
    /// The limit's threshold.
    #[serde(default, deserialize_with = "lenient")]
    pub count: u64,
    /// The user held back.
    #[serde(deserialize_with = "userid")]
    pub userid: String,
}

impl ForbiddenEntry {
    /// `userid` held back by the limit `code` at threshold `count`.
    pub fn new(code: ErrorCode, count: u64, userid: impl Into<String>) -> Self {
        Self {
            code,
            count,
            userid: userid.into(),
        }
    }
}

/// `"143105"`: the bare number as text (not the `Display` form, which adds a description).
fn code_as_string<S: serde::Serializer>(code: &ErrorCode, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&code.get())
}

fn userid<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    LenientString::deserialize(d).map(|s| s.0)
}
