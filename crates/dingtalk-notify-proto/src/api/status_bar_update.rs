//! `POST /topapi/message/corpconversation/status_bar/update`: change an OA notification's
//! status bar (an approval's "Accepted", say).
//!
//! Only notifications sent within the past 7 days.

use http::Method;
use serde::{Deserialize, Serialize};

use super::endpoint::{Endpoint, json_body};
use crate::auth::AccessTokenQuery;
use crate::color::StatusColor;
use crate::error::BuildError;
use crate::ids::{AgentId, TaskId};
use crate::validate::{check_agent, check_not_empty, check_task};
use crate::wire::opt_string;

/// Sets the status bar of the OA notification of task `task_id`.
///
/// ```
/// use dingtalk_notify_proto::api::UpdateStatusBar;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, StatusColor};
/// let req = UpdateStatusBar::new(123, 1111, "Completed")
///     .status_bg("#F65E5E".parse::<StatusColor>()?)
///     .build_request(&BaseUrl::default(), &AccessToken::new("tok"))?;
/// assert_eq!(
///     req.body(),
///     br#"{"agent_id":123,"task_id":1111,"status_value":"Completed","status_bg":"0xFFF65E5E"}"#
/// );
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateStatusBar {
    /// The sending app's agent id.
    pub agent_id: AgentId,
    /// The task id the send returned.
    pub task_id: TaskId,
    /// The new status text; must not be empty.
    pub status_value: String,
    /// The background colour, sent as `0xAARRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_bg: Option<StatusColor>,
}

impl UpdateStatusBar {
    /// A status bar update with no colour change.
    pub fn new(
        agent_id: impl Into<AgentId>,
        task_id: impl Into<TaskId>,
        status_value: impl Into<String>,
    ) -> Self {
        Self {
            agent_id: agent_id.into(),
            task_id: task_id.into(),
            status_value: status_value.into(),
            status_bg: None,
        }
    }

    /// Sets the background colour.
    #[must_use]
    pub fn status_bg(mut self, color: StatusColor) -> Self {
        self.status_bg = Some(color);
        self
    }
}

impl Endpoint for UpdateStatusBar {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/message/corpconversation/status_bar/update";
    const IDEMPOTENT: bool = true;
    type Auth = AccessTokenQuery;
    type Response = UpdateStatusBarResponse;

    fn validate(&self) -> Result<(), BuildError> {
        check_agent(self.agent_id)?;
        check_task("task_id", self.task_id)?;
        check_not_empty("status_value", &self.status_value)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(self)
    }
}

/// The status bar answer: only the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateStatusBarResponse {
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}
