//! `POST /topapi/message/corpconversation/asyncsend_v2`: send a work notification.
//!
//! Recipients travel as comma-separated strings (`userid_list`, `dept_id_list`) and `msg` as a
//! JSON object. A send is **not idempotent**: never repeat it after an ambiguous failure.
//! Over-limit sends still answer success; the result's `forbidden_list` tells who was held
//! back.

use http::Method;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::AccessTokenQuery;
use crate::endpoint::{Endpoint, Validated, json_body};
use crate::error::BuildError;
use crate::ids::{AgentId, DeptId, TaskId};
use crate::message::Message;
use crate::validate::check_agent;
use crate::wire::opt_string;

/// How many recipients one send may carry; checked before anything is sent.
///
/// The defaults are the current `asyncsend_v2` page's: at most **100** user ids and **20**
/// departments per call. Accounts that still have the older limits (5,000 users and 500
/// departments) opt in with [`RecipientLimits::LEGACY`]; any other figures can be set field
/// by field. Larger audiences are split across several sends.
///
/// ```
/// use dingtalk_notify_proto::api::{RecipientLimits, SendWorkNotification};
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, BuildError, Endpoint, Message};
/// let users: Vec<String> = (0..101).map(|i| format!("user{i}")).collect();
/// let send = SendWorkNotification::new(836390886, Message::text("hi")).to_users(users);
/// let token = AccessToken::new("tok");
/// let err = send.build_request(&BaseUrl::default(), &token).unwrap_err();
/// assert!(matches!(err, BuildError::TooManyRecipients { count: 101, limit: 100, .. }));
/// assert!(err.to_string().contains("RecipientLimits::LEGACY"));
/// // An account that still has the old limits:
/// let send = send.limits(RecipientLimits::LEGACY);
/// assert!(send.build_request(&BaseUrl::default(), &token).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecipientLimits {
    /// Most user ids per call.
    pub max_users: usize,
    /// Most department ids per call.
    pub max_depts: usize,
    /// Whether `to_all_user` is allowed (not for ISV apps).
    pub allow_to_all_user: bool,
}

impl RecipientLimits {
    /// An internal app today: 100 users, 20 departments, `to_all_user` allowed (DingTalk
    /// accepts it at most 3 times a day).
    pub const INTERNAL: Self = Self {
        max_users: 100,
        max_depts: 20,
        allow_to_all_user: true,
    };
    /// A third-party (ISV) app today: 100 users, 20 departments, no `to_all_user`.
    pub const ISV: Self = Self {
        max_users: 100,
        max_depts: 20,
        allow_to_all_user: false,
    };
    /// The older limits some internal apps still have: 5,000 users, 500 departments,
    /// `to_all_user` allowed.
    pub const LEGACY: Self = Self {
        max_users: 5_000,
        max_depts: 500,
        allow_to_all_user: true,
    };
    /// The older limits of ISV apps: 1,000 users, 500 departments, no `to_all_user`.
    pub const LEGACY_ISV: Self = Self {
        max_users: 1_000,
        max_depts: 500,
        allow_to_all_user: false,
    };
}

impl Default for RecipientLimits {
    /// [`RecipientLimits::INTERNAL`].
    fn default() -> Self {
        Self::INTERNAL
    }
}

/// Sends a work notification; the answer is the task id to follow it by.
///
/// ```
/// use dingtalk_notify_proto::api::SendWorkNotification;
/// use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, Message};
/// let send = SendWorkNotification::new(836390886, Message::text("Build #42 is green"))
///     .to_users(["user1", "user2"])
///     .to_depts([123, 456]);
/// let req = send.build_request(&BaseUrl::default(), &AccessToken::new("tok"))?;
/// let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
/// assert_eq!(body["userid_list"], "user1,user2");
/// assert_eq!(body["msg"]["text"]["content"], "Build #42 is green");
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SendWorkNotification {
    agent_id: AgentId,
    userid_list: Vec<String>,
    dept_id_list: Vec<DeptId>,
    to_all_user: bool,
    msg: Message,
    limits: RecipientLimits,
}

impl SendWorkNotification {
    /// A send of `msg` from app `agent_id`, to nobody yet: add recipients.
    pub fn new(agent_id: impl Into<AgentId>, msg: impl Into<Message>) -> Self {
        Self {
            agent_id: agent_id.into(),
            userid_list: Vec::new(),
            dept_id_list: Vec::new(),
            to_all_user: false,
            msg: msg.into(),
            limits: RecipientLimits::INTERNAL,
        }
    }

    /// Adds users.
    #[must_use]
    pub fn to_users<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.userid_list.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Adds departments.
    #[must_use]
    pub fn to_depts<I, D>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = D>,
        D: Into<DeptId>,
    {
        self.dept_id_list.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Sends to every user of the organization (internal apps only).
    #[must_use]
    pub fn to_all_users(mut self) -> Self {
        self.to_all_user = true;
        self
    }

    /// Sets the recipient limits checked before sending.
    #[must_use]
    pub fn limits(mut self, limits: RecipientLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The sending app.
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    /// The user recipients.
    pub fn userid_list(&self) -> &[String] {
        &self.userid_list
    }

    /// The department recipients.
    pub fn dept_id_list(&self) -> &[DeptId] {
        &self.dept_id_list
    }

    /// Whether it goes to every user.
    pub fn is_to_all_user(&self) -> bool {
        self.to_all_user
    }

    /// The message.
    pub fn msg(&self) -> &Message {
        &self.msg
    }

    /// The limits it is checked against.
    pub fn recipient_limits(&self) -> RecipientLimits {
        self.limits
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    agent_id: AgentId,
    #[serde(skip_serializing_if = "Option::is_none")]
    userid_list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dept_id_list: Option<String>,
    to_all_user: bool,
    msg: &'a Message,
}

fn join<T: ToString>(items: &[T]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(items.len() * 12);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item.to_string());
    }
    Some(out)
}

impl SendWorkNotification {
    /// Checks the arguments against `limits` instead of the request's own
    /// ([`limits`](Self::limits)); the blocking client checks a send against its configured
    /// limits this way.
    ///
    /// # Errors
    /// A [`BuildError`] saying what to fix.
    pub fn validate_within(&self, limits: RecipientLimits) -> Result<(), BuildError> {
        self.validate_recipients_within(limits)?;
        self.msg.validate()
    }

    /// [`validate_within`](Self::validate_within) without the message: for a campaign's
    /// chunk, whose message was checked once for every chunk.
    pub(crate) fn validate_recipients_within(
        &self,
        limits: RecipientLimits,
    ) -> Result<(), BuildError> {
        check_agent(self.agent_id)?;
        if self.userid_list.is_empty() && self.dept_id_list.is_empty() && !self.to_all_user {
            return Err(BuildError::NoRecipients);
        }
        if self.to_all_user && !limits.allow_to_all_user {
            return Err(BuildError::ToAllUserNotAllowed);
        }
        // DingTalk ignores the lists under `to_all_user`: the whole organisation would get
        // a message meant for a few.
        if self.to_all_user && !(self.userid_list.is_empty() && self.dept_id_list.is_empty()) {
            return Err(BuildError::InvalidValue {
                field: "to_all_user",
                value: "true".to_owned(),
                reason: "sends to the whole organisation: do not combine it with user or \
                         department ids",
            });
        }
        if self.userid_list.len() > limits.max_users {
            return Err(BuildError::TooManyRecipients {
                kind: "users",
                count: self.userid_list.len(),
                limit: limits.max_users,
            });
        }
        if self.dept_id_list.len() > limits.max_depts {
            return Err(BuildError::TooManyRecipients {
                kind: "departments",
                count: self.dept_id_list.len(),
                limit: limits.max_depts,
            });
        }
        for id in &self.userid_list {
            if id.trim().is_empty() {
                return Err(BuildError::EmptyField {
                    field: "userid_list[]",
                });
            }
            if id.contains(',') {
                return Err(BuildError::InvalidValue {
                    field: "userid_list",
                    value: id.chars().take(64).collect(),
                    reason: "a user id cannot contain a comma (the list is comma-separated)",
                });
            }
        }
        Ok(())
    }

    /// [`validate_within`](Self::validate_within), then the checked request, ready to build.
    ///
    /// # Errors
    /// As [`validate_within`](Self::validate_within).
    pub fn validated_within(
        &self,
        limits: RecipientLimits,
    ) -> Result<Validated<'_, Self>, BuildError> {
        self.validate_within(limits)?;
        Ok(Validated::checked(self))
    }
}

impl Endpoint for SendWorkNotification {
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/topapi/message/corpconversation/asyncsend_v2";
    const IDEMPOTENT: bool = false;
    type Auth = AccessTokenQuery;
    type Response = SendWorkNotificationResponse;

    fn validate(&self) -> Result<(), BuildError> {
        self.validate_within(self.limits)
    }

    fn body(&self) -> Result<Option<Vec<u8>>, BuildError> {
        json_body(&Wire {
            agent_id: self.agent_id,
            userid_list: join(&self.userid_list),
            dept_id_list: join(&self.dept_id_list),
            to_all_user: self.to_all_user,
            msg: &self.msg,
        })
    }
}

/// Reads the wire form (comma-separated lists, `msg` an object), as a server would; the
/// limits are the defaults.
impl<'de> Deserialize<'de> for SendWorkNotification {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Owned {
            agent_id: AgentId,
            #[serde(default, deserialize_with = "opt_string")]
            userid_list: Option<String>,
            #[serde(default, deserialize_with = "opt_string")]
            dept_id_list: Option<String>,
            #[serde(default, deserialize_with = "lenient_bool")]
            to_all_user: bool,
            msg: Message,
        }
        let w = Owned::deserialize(d)?;
        let split = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let depts = split(w.dept_id_list)
            .into_iter()
            .map(|s| s.parse::<DeptId>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| serde::de::Error::custom("dept_id_list must hold integers"))?;
        Ok(Self {
            agent_id: w.agent_id,
            userid_list: split(w.userid_list),
            dept_id_list: depts,
            to_all_user: w.to_all_user,
            msg: w.msg,
            limits: RecipientLimits::INTERNAL,
        })
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Str(String),
    }
    Ok(match Option::<B>::deserialize(d)? {
        None => false,
        Some(B::Bool(b)) => b,
        Some(B::Str(s)) => s.eq_ignore_ascii_case("true"),
    })
}

/// The send answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendWorkNotificationResponse {
    /// The task id: follow the send with it. Never 0: an answer without one, or with 0, is
    /// a [`Decode`](crate::ResponseError::Decode) error (the send's outcome is unknown).
    #[serde(deserialize_with = "nonzero_task_id")]
    pub task_id: TaskId,
    /// The request id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
}

/// A task id DingTalk could have issued: present and not 0.
fn nonzero_task_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<TaskId, D::Error> {
    let id = TaskId::deserialize(d)?;
    if id.get() == 0 {
        return Err(serde::de::Error::custom(
            "task_id 0 names no task: the send's outcome is unknown; check the recipients' \
             inboxes before sending again",
        ));
    }
    Ok(id)
}
