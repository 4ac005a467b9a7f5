//! `POST /topapi/message/corpconversation/getsendprogress`: how far a send has got.
//!
//! Only tasks sent within the past 7 days can be queried (the page's description; its
//! parameter table also says 24 hours). The client refuses older tasks locally.

use std::fmt;

use http::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::endpoint::{Endpoint, json_body};
use crate::auth::AccessTokenQuery;
use crate::error::BuildError;
use crate::ids::{AgentId, TaskId};
use crate::validate::{check_agent, check_task};
use crate::wire::{lenient, opt_string};

/// Asks for the delivery progress of task `task_id`.
///
/// ```
/// use dingtalk_notify_proto::api::GetSendProgress;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = GetSendProgress::new(123, 456)
///     .build_request(&BaseUrl::default(), &AccessToken::new("tok"))?;
/// assert_eq!(req.body(), br#"{"agent_id":123,"task_id":456}"#);
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GetSendProgress {
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The task id the send returned.
    pub task_id: TaskId,
}

impl GetSendProgress {
    /// A progress query.
    pub fn new(agent_id: impl Into<AgentId>, task_id: impl Into<TaskId>) -> Self {
        Self {
            agent_id: agent_id.into(),
            task_id: task_id.into(),
        }
    }
}

impl Endpoint for GetSendProgress {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/message/corpconversation/getsendprogress";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = GetSendProgressResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_agent(self.agent_id)?;
        check_task("task_id", self.task_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The progress answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetSendProgressResponse {
    /// The progress.
    pub progress: SendProgress,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// `AsyncSendProgress`: percent done and the task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendProgress {
    /// 0 to 100.
    #[serde(default, deserialize_with = "lenient")]
    pub progress_in_percent: u32,
    /// The task's status.
    pub status: ProgressStatus,
}

impl SendProgress {
    /// Whether the task has finished sending.
    pub fn is_done(&self) -> bool {
        self.status == ProgressStatus::Completed
    }
}

/// The task status: 0 not started, 1 in progress, 2 completed; any other value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProgressStatus {
    /// `0`.
    NotStarted,
    /// `1`.
    InProgress,
    /// `2`.
    Completed,
    /// A value this version does not know, kept as sent.
    Unknown(i64),
}

impl ProgressStatus {
    /// The wire value.
    pub fn code(self) -> i64 {
        match self {
            Self::NotStarted => 0,
            Self::InProgress => 1,
            Self::Completed => 2,
            Self::Unknown(v) => v,
        }
    }

    /// From the wire value.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::NotStarted,
            1 => Self::InProgress,
            2 => Self::Completed,
            other => Self::Unknown(other),
        }
    }
}

impl fmt::Display for ProgressStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStarted => f.write_str("not started"),
            Self::InProgress => f.write_str("in progress"),
            Self::Completed => f.write_str("completed"),
            Self::Unknown(v) => write!(f, "unknown status {v}"),
        }
    }
}

impl Serialize for ProgressStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for ProgressStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::<D, i64>(d).map(Self::from_code)
    }
}
