//! [`CampaignPlan`]: an audience of any size split into sends within the per-call limits.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::api::getsendresult::MAX_RESULT_RECIPIENTS;
use crate::api::{RecipientLimits, SendWorkNotification};
use crate::error::BuildError;
use crate::ids::{AgentId, DeptId};
use crate::message::Message;
use crate::validate::check_agent;

use super::{Audience, UserIds};

/// The per-call limits of today's `asyncsend_v2` page: 100 user ids and 20 departments,
/// `to_all_user` allowed. The default of a plan.
pub const CHUNK_LIMITS: RecipientLimits = RecipientLimits {
    max_users: 100,
    max_depts: 20,
    allow_to_all_user: true,
};

/// The recipients of one send of a campaign.
///
/// Users and departments never share a chunk: a chunk of users has a known size (it is
/// paced and its per-user result can be read), a chunk of departments does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChunkRecipients {
    /// User ids, distinct, at most the limit's `max_users`.
    Users {
        /// The user ids.
        user_ids: UserIds,
    },
    /// Departments, distinct, at most the limit's `max_depts`.
    Depts {
        /// The department ids.
        dept_ids: Vec<DeptId>,
    },
    /// `to_all_user`.
    AllUsers,
}

impl ChunkRecipients {
    /// How many users it reaches, when known (only for [`ChunkRecipients::Users`]).
    pub fn user_count(&self) -> Option<usize> {
        match self {
            Self::Users { user_ids } => Some(user_ids.len()),
            Self::Depts { .. } | Self::AllUsers => None,
        }
    }

    /// The user ids (none for departments and all users).
    pub fn user_ids(&self) -> &UserIds {
        static NONE: UserIds = UserIds::new();
        match self {
            Self::Users { user_ids } => user_ids,
            Self::Depts { .. } | Self::AllUsers => &NONE,
        }
    }

    /// Whether `getsendresult` can answer for it: a chunk of at most
    /// [`MAX_RESULT_RECIPIENTS`] users. Departments and all users may exceed it, and DingTalk
    /// then answers "Call timeout": such chunks have no per-user result.
    pub fn has_per_user_result(&self) -> bool {
        self.user_count()
            .is_some_and(|n| n <= MAX_RESULT_RECIPIENTS)
    }

    /// The send of `msg` from `agent_id` to these recipients, checked against `limits`.
    pub fn send_work_notification(
        &self,
        agent_id: AgentId,
        msg: &Message,
        limits: RecipientLimits,
    ) -> SendWorkNotification {
        let send = SendWorkNotification::new(agent_id, msg.clone()).limits(limits);
        match self {
            Self::Users { user_ids } => send.to_users(user_ids),
            Self::Depts { dept_ids } => send.to_depts(dept_ids.iter().copied()),
            Self::AllUsers => send.to_all_users(),
        }
    }
}

/// Why an audience could not be planned. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// No user, no department, and not all users.
    #[error("the audience is empty: give at least one user id or department, or all users")]
    EmptyAudience,
    /// A user id that is empty or only spaces.
    #[error("the user id at index {index} is empty; remove blank lines from the list")]
    EmptyUserId {
        /// Its 0-based position in the audience's user ids.
        index: usize,
    },
    /// A user id DingTalk cannot take.
    #[error("the user id {value:?} at index {index} is invalid: {reason}")]
    InvalidUserId {
        /// Its 0-based position in the audience's user ids.
        index: usize,
        /// The id, cut to 64 characters.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A per-call limit of 0, which no chunk can satisfy.
    #[error(
        "the per-call limit for {kind} is 0; use at least 1 (today's limits are 100 users and 20 departments)"
    )]
    ZeroLimit {
        /// `"users"` or `"departments"`.
        kind: &'static str,
    },
    /// All users for an app that may not send to all users (a third-party app).
    #[error("this app may not send to all users (third-party apps cannot); list the users instead")]
    ToAllUserNotAllowed,
    /// The agent id or the message is invalid.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A message and its audience, split into chunks of at most the per-call limits.
///
/// - Duplicate user and department ids are removed; the first occurrence keeps its place,
///   so the order is stable. User ids are trimmed of surrounding spaces first.
/// - Users fill chunks of `max_users`, then departments chunks of `max_depts`.
/// - [`Audience::AllUsers`] stays one send.
///
/// Planning costs time linear in the number of ids.
///
/// ```
/// use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
/// use dingtalk_notify_proto::Message;
/// let users: Vec<String> = (0..2_350).map(|i| format!("user{i}")).collect();
/// let plan = CampaignPlan::new(836390886, Message::text("Fire drill at 3pm"),
///     Audience::users(users), CHUNK_LIMITS)?;
/// assert_eq!(plan.chunks().len(), 24); // 23 × 100 + 50
/// assert_eq!(plan.chunks()[23].user_count(), Some(50));
/// let send = plan.send_work_notification(0).unwrap();
/// assert_eq!(send.userid_list().len(), 100);
/// # Ok::<(), dingtalk_notify_proto::campaign::PlanError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignPlan {
    agent_id: AgentId,
    message: Message,
    limits: RecipientLimits,
    chunks: Vec<ChunkRecipients>,
    user_count: usize,
}

impl CampaignPlan {
    /// Plans `message` from `agent_id` to `audience` within `limits` (usually
    /// [`CHUNK_LIMITS`]).
    ///
    /// # Errors
    /// [`PlanError`] for an empty audience, a blank or invalid user id, a zero limit,
    /// all users where `limits` forbids it, a zero agent id or an invalid message.
    pub fn new(
        agent_id: impl Into<AgentId>,
        message: impl Into<Message>,
        audience: Audience,
        limits: RecipientLimits,
    ) -> Result<Self, PlanError> {
        let agent_id = agent_id.into();
        let message = message.into();
        check_agent(agent_id)?;
        message.validate()?;
        if limits.max_users == 0 {
            return Err(PlanError::ZeroLimit { kind: "users" });
        }
        if limits.max_depts == 0 {
            return Err(PlanError::ZeroLimit {
                kind: "departments",
            });
        }
        let (chunks, user_count) = match audience {
            Audience::AllUsers if !limits.allow_to_all_user => {
                return Err(PlanError::ToAllUserNotAllowed);
            }
            Audience::AllUsers => (vec![ChunkRecipients::AllUsers], 0),
            Audience::Listed { user_ids, dept_ids } => {
                let users = distinct_users(user_ids)?;
                let depts = distinct_depts(dept_ids);
                if users.is_empty() && depts.is_empty() {
                    return Err(PlanError::EmptyAudience);
                }
                let user_count = users.len();
                let mut chunks = Vec::with_capacity(
                    users.len().div_ceil(limits.max_users) + depts.len().div_ceil(limits.max_depts),
                );
                split_users(users, limits.max_users, &mut chunks);
                chunks.extend(
                    depts
                        .chunks(limits.max_depts)
                        .map(|c| ChunkRecipients::Depts {
                            dept_ids: c.to_vec(),
                        }),
                );
                (chunks, user_count)
            }
        };
        Ok(Self {
            agent_id,
            message,
            limits,
            chunks,
            user_count,
        })
    }

    /// The sending app.
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The per-call limits the chunks respect.
    pub fn limits(&self) -> RecipientLimits {
        self.limits
    }

    /// The chunks, in sending order.
    pub fn chunks(&self) -> &[ChunkRecipients] {
        &self.chunks
    }

    /// How many distinct user ids were listed.
    pub fn user_count(&self) -> usize {
        self.user_count
    }

    /// The send of chunk `index`, or `None` past the last chunk.
    pub fn send_work_notification(&self, index: usize) -> Option<SendWorkNotification> {
        let chunk = self.chunks.get(index)?;
        Some(chunk.send_work_notification(self.agent_id, &self.message, self.limits))
    }

    /// The plan's parts: agent id, message, limits and chunks.
    pub fn into_parts(self) -> (AgentId, Message, RecipientLimits, Vec<ChunkRecipients>) {
        (self.agent_id, self.message, self.limits, self.chunks)
    }
}

/// Checks and trims every id, then keeps the first occurrence of each, in order, in place:
/// the places of the ids sorted by id (4 bytes each) find the later ones, where a set of
/// the ids would cost about 30 bytes an id (a 5-million-id audience: 140 MB more at the
/// peak).
pub(super) fn distinct_users(mut ids: UserIds) -> Result<UserIds, PlanError> {
    for (index, id) in ids.iter().enumerate() {
        let trimmed = id.trim();
        if trimmed.is_empty() {
            return Err(PlanError::EmptyUserId { index });
        }
        if trimmed.contains(',') {
            return Err(PlanError::InvalidUserId {
                index,
                value: trimmed.chars().take(64).collect(),
                reason: "a user id cannot contain a comma (DingTalk's list is comma-separated)",
            });
        }
    }
    ids.trim_each();
    ids.remove_duplicates();
    Ok(ids)
}

fn distinct_depts(mut ids: Vec<DeptId>) -> Vec<DeptId> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.retain(|id| seen.insert(*id));
    ids
}

/// Moves the users into chunks of `max`, every chunk full but the last. The chunks are cut
/// from the end and the list shrunk behind each, so the chunks and the list they come from
/// never hold the same ids at once (the peak stays one copy of the ids).
fn split_users(mut users: UserIds, max: usize, out: &mut Vec<ChunkRecipients>) {
    let first = out.len();
    let mut take = match users.len() % max {
        0 => max,
        rest => rest,
    };
    while !users.is_empty() {
        let at = users.len().saturating_sub(take);
        let chunk = users.split_off(at);
        users.shrink_to_fit();
        out.push(ChunkRecipients::Users { user_ids: chunk });
        take = max;
    }
    out[first..].reverse();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(audience: Audience) -> Result<CampaignPlan, PlanError> {
        CampaignPlan::new(7, Message::text("hi"), audience, CHUNK_LIMITS)
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    /// The chunks' lists hold exactly their ids, in the audience's order, duplicates dropped
    /// at their later places.
    #[test]
    fn chunk_lists_are_exact_and_in_order() {
        let mut users = ids(1_050);
        users.insert(500, "u3".to_owned());
        users.push("u0".to_owned());
        let p = plan(Audience::users(users)).unwrap();
        let mut all = Vec::new();
        for (i, chunk) in p.chunks().iter().enumerate() {
            let ChunkRecipients::Users { user_ids } = chunk else {
                panic!("{chunk:?}")
            };
            assert_eq!(user_ids.len(), if i < 10 { 100 } else { 50 });
            all.extend(user_ids.iter().map(str::to_owned));
        }
        assert_eq!(all, ids(1_050));
    }

    #[test]
    fn splits_2350_users_into_23_full_chunks_and_one_of_50() {
        let p = plan(Audience::users(ids(2_350))).unwrap();
        let sizes: Vec<_> = p.chunks().iter().map(|c| c.user_count().unwrap()).collect();
        assert_eq!(sizes.len(), 24);
        assert!(sizes[..23].iter().all(|&n| n == 100));
        assert_eq!(sizes[23], 50);
        assert_eq!(p.user_count(), 2_350);
        assert_eq!(p.chunks()[1].user_ids().get(0), Some("u100"));
    }

    #[test]
    fn duplicates_go_and_the_first_occurrence_keeps_its_place() {
        let p =
            plan(Audience::users(["b", " a", "b", "c", "a ", "b"]).and_depts([3, 1, 3])).unwrap();
        assert_eq!(p.chunks().len(), 2);
        assert_eq!(p.chunks()[0].user_ids(), ["b", "a", "c"]);
        assert_eq!(
            p.chunks()[1],
            ChunkRecipients::Depts {
                dept_ids: vec![DeptId(3), DeptId(1)]
            }
        );
        assert_eq!(p.user_count(), 3);
    }

    #[test]
    fn departments_come_in_chunks_of_20_after_the_users() {
        let p = plan(Audience::depts(1..=45u64).and_users(["x"])).unwrap();
        let kinds: Vec<_> = p
            .chunks()
            .iter()
            .map(|c| match c {
                ChunkRecipients::Users { user_ids } => ("users", user_ids.len()),
                ChunkRecipients::Depts { dept_ids } => ("depts", dept_ids.len()),
                ChunkRecipients::AllUsers => ("all", 0),
            })
            .collect();
        assert_eq!(
            kinds,
            [("users", 1), ("depts", 20), ("depts", 20), ("depts", 5)]
        );
        assert!(p.chunks()[0].has_per_user_result());
        assert!(!p.chunks()[1].has_per_user_result());
    }

    #[test]
    fn all_users_is_one_send() {
        let p = plan(Audience::all_users()).unwrap();
        assert_eq!(p.chunks(), [ChunkRecipients::AllUsers]);
        let send = p.send_work_notification(0).unwrap();
        assert!(send.is_to_all_user() && send.userid_list().is_empty());
        assert!(p.send_work_notification(1).is_none());
    }

    #[test]
    fn all_users_is_refused_where_the_limits_forbid_it() {
        let limits = RecipientLimits {
            allow_to_all_user: false,
            ..CHUNK_LIMITS
        };
        let err = CampaignPlan::new(7, Message::text("hi"), Audience::AllUsers, limits);
        assert_eq!(err.unwrap_err(), PlanError::ToAllUserNotAllowed);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            plan(Audience::users(Vec::<String>::new())).unwrap_err(),
            PlanError::EmptyAudience
        );
        assert_eq!(
            plan(Audience::users(["a", "  "])).unwrap_err(),
            PlanError::EmptyUserId { index: 1 }
        );
        assert!(matches!(
            plan(Audience::users(["a,b"])).unwrap_err(),
            PlanError::InvalidUserId { index: 0, .. }
        ));
        let zero = RecipientLimits {
            max_users: 0,
            ..CHUNK_LIMITS
        };
        let err = CampaignPlan::new(7, Message::text("hi"), Audience::users(["a"]), zero);
        assert_eq!(err.unwrap_err(), PlanError::ZeroLimit { kind: "users" });
        let err = CampaignPlan::new(0, Message::text("hi"), Audience::users(["a"]), CHUNK_LIMITS);
        assert_eq!(
            err.unwrap_err(),
            PlanError::Build(BuildError::ZeroId { field: "agent_id" })
        );
        let err = CampaignPlan::new(7, Message::text(" "), Audience::users(["a"]), CHUNK_LIMITS);
        assert!(matches!(
            err.unwrap_err(),
            PlanError::Build(BuildError::EmptyField { .. })
        ));
    }

    #[test]
    fn every_chunk_builds_a_valid_send_within_the_limits() {
        use crate::api::endpoint::Endpoint;
        let p = plan(Audience::users(ids(250)).and_depts(1..=25u64)).unwrap();
        for i in 0..p.chunks().len() {
            let send = p.send_work_notification(i).unwrap();
            send.validate().unwrap();
            assert_eq!(send.recipient_limits(), CHUNK_LIMITS);
            assert_eq!(send.agent_id(), AgentId(7));
        }
        let send = p.send_work_notification(4).unwrap();
        assert_eq!(send.dept_id_list().len(), 5);
    }

    #[test]
    fn chunks_serialize_as_tagged_objects() {
        let json = serde_json::to_string(&ChunkRecipients::Users {
            user_ids: ["a"].into_iter().collect(),
        })
        .unwrap();
        assert_eq!(json, r#"{"kind":"users","user_ids":["a"]}"#);
        let back: ChunkRecipients = serde_json::from_str(r#"{"kind":"all_users"}"#).unwrap();
        assert_eq!(back, ChunkRecipients::AllUsers);
    }

    /// Ledgers written while a chunk's users were a `Vec<String>` (SQLite rows, Redis
    /// hashes) still load, and a chunk is written as it was then.
    #[test]
    fn chunks_of_the_old_shape_still_load() {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Old {
            Users { user_ids: Vec<String> },
        }
        let users = vec!["ann".to_owned(), "张三".to_owned(), "b\"o\\b".to_owned()];
        let old = serde_json::to_string(&Old::Users {
            user_ids: users.clone(),
        })
        .unwrap();
        let chunk: ChunkRecipients = serde_json::from_str(&old).unwrap();
        assert_eq!(*chunk.user_ids(), users);
        assert_eq!(serde_json::to_string(&chunk).unwrap(), old);
    }
}
