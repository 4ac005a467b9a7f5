//! `POST /topapi/message/corpconversation/recall`: withdraw a work notification.
//!
//! The key is `msg_task_id`, not `task_id`. Only notifications sent within the last 24 hours.

use http::Method;
use serde::{Deserialize, Serialize};

use super::endpoint::{Endpoint, json_body};
use crate::auth::AccessTokenQuery;
use crate::error::BuildError;
use crate::ids::{AgentId, TaskId};
use crate::validate::{check_agent, check_task};
use crate::wire::opt_string;

/// Recalls the notification of task `msg_task_id`.
///
/// ```
/// use dingtalk_notify_proto::api::RecallWorkNotification;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint};
/// let req = RecallWorkNotification::new(836390886, 256271667526)
///     .build_request(&BaseUrl::default(), &AccessToken::new("tok"))?;
/// assert_eq!(req.body(), br#"{"agent_id":836390886,"msg_task_id":256271667526}"#);
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecallWorkNotification {
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The task id the send returned.
    pub msg_task_id: TaskId,
}

impl RecallWorkNotification {
    /// A recall.
    pub fn new(agent_id: impl Into<AgentId>, msg_task_id: impl Into<TaskId>) -> Self {
        Self {
            agent_id: agent_id.into(),
            msg_task_id: msg_task_id.into(),
        }
    }
}

impl Endpoint for RecallWorkNotification {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/message/corpconversation/recall";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = RecallWorkNotificationResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_agent(self.agent_id)?;
        check_task("msg_task_id", self.msg_task_id)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The recall answer: only the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecallWorkNotificationResponse {
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}
