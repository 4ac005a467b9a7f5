//! A campaign of people: an audience of departments (with everything below them), the whole
//! organisation, mobile numbers, union ids and user ids, resolved to people once and
//! **frozen** into the record before the first send.
//!
//! The record is created with its inputs ([`PeopleAudience`] in the header) and no chunk.
//! A driver resolves the inputs (read-only contact calls; nothing is sent), then freezes:
//! [`CampaignRecord::freeze`] gives the header to write (the people counted, the inputs
//! that failed, with why) and the chunks of at most `max_users` people, each person with
//! the departments they were found in. The driver writes the header, then appends the
//! chunks in one write (a compare-and-set on the chunk count, so two drivers never both
//! freeze). Until the chunks are in, [`CampaignRecord::needs_resolution`] says so, and a
//! resume resolves again: the calls are reads and nothing was sent. So the header keeps
//! the inputs until then; once the chunks are in, the driver writes
//! [`CampaignRecord::header_without_inputs`], and the people stand for them.
//!
//! ```
//! use dingtalk_notify_proto::campaign::{CampaignId, CampaignRecord, PeopleAudience};
//! use dingtalk_notify_proto::resolve::AudienceQuery;
//! use dingtalk_notify_proto::Message;
//! use std::time::SystemTime;
//!
//! let people = PeopleAudience::new(AudienceQuery::new().dept_tree(10)).users(["boss"]);
//! let record = CampaignRecord::of_people(CampaignId::new("c1")?, 836390886,
//!     Message::text("Payslips are out"), people, SystemTime::now())?;
//! assert!(record.needs_resolution());
//! assert!(record.chunks().is_empty()); // nothing to send before the people are frozen
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, DeptId};
use crate::message::Message;
use crate::resolve::{AudienceQuery, ResolveConfig, ResolvedAudience, Unresolved};
use crate::validate::check_agent;

use super::plan::distinct_users;
use super::{
    AudienceSummary, CampaignHeader, CampaignId, CampaignRecord, ChunkOrigin, ChunkRecipients,
    ChunkRecord, ChunkState, PlanError, RecordError, SCHEMA_VERSION, UserIds,
};

/// The audience of a campaign of people, as its header records it: the inputs to resolve,
/// how, and once frozen, what came of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PeopleAudience {
    /// Departments with everything below them (1 is the whole organisation), mobile
    /// numbers and union ids. Once frozen with the chunks in, the mobile numbers and union
    /// ids are dropped (the chunks hold the people they became, the header the ones that
    /// failed).
    pub query: AudienceQuery,
    /// User ids given as they are (dropped once the chunks that hold them are in). Serialised
    /// as a JSON array of strings, as the `Vec<String>` it once was.
    #[serde(default, skip_serializing_if = "UserIds::is_empty")]
    pub user_ids: UserIds,
    /// How the inputs are resolved (pace, whether people who never activated are left out).
    pub config: ResolveConfig,
    /// What the resolution froze; `None` before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen: Option<FrozenPeople>,
}

/// What freezing a campaign's people recorded in its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FrozenPeople {
    /// The people the campaign goes to, each once.
    pub people: usize,
    /// People left out because they never activated their account.
    #[serde(default)]
    pub inactive: usize,
    /// The inputs that resolved to nobody, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<Unresolved>,
    /// When they were frozen.
    pub at: SystemTime,
}

impl PeopleAudience {
    /// The people of `query`, resolved with the default [`ResolveConfig`].
    pub fn new(query: AudienceQuery) -> Self {
        Self {
            query,
            user_ids: UserIds::new(),
            config: ResolveConfig::default(),
            frozen: None,
        }
    }

    /// Adds user ids, taken as they are.
    #[must_use]
    pub fn users<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, ids: I) -> Self {
        self.user_ids.extend(ids);
        self
    }

    /// Resolves with `config` (its pace; [`ResolveConfig::exclude_inactive`] leaves out
    /// people who never activated their account).
    #[must_use]
    pub fn config(mut self, config: ResolveConfig) -> Self {
        self.config = config;
        self
    }
}

impl CampaignRecord {
    /// A new campaign of `people`: its inputs in the header, no chunk until
    /// [`freeze`](Self::freeze).
    ///
    /// # Errors
    /// [`PlanError`] for no input at all, a blank or invalid user id, a zero agent id or an
    /// invalid message.
    pub fn of_people(
        id: CampaignId,
        agent_id: impl Into<AgentId>,
        message: impl Into<Message>,
        mut people: PeopleAudience,
        created_at: SystemTime,
    ) -> Result<Self, PlanError> {
        let agent_id = agent_id.into();
        let message = message.into();
        check_agent(agent_id)?;
        message.validate()?;
        people.user_ids = distinct_users(std::mem::take(&mut people.user_ids))?;
        if people.query.is_empty() && people.user_ids.is_empty() {
            return Err(PlanError::EmptyAudience);
        }
        people.frozen = None;
        let header = CampaignHeader {
            schema: SCHEMA_VERSION,
            id,
            agent_id,
            message,
            audience: AudienceSummary::default(),
            created_at,
            parent: None,
            reminders: Vec::new(),
            lease: None,
            calls: Default::default(),
            delivered: Default::default(),
            people: Some(people),
        };
        Ok(Self {
            header,
            chunks: Vec::new(),
        })
    }

    /// Whether this is a campaign of people still to resolve and freeze: never frozen, or
    /// frozen in the header by a process that stopped before its chunks were appended.
    pub fn needs_resolution(&self) -> bool {
        self.header
            .people
            .as_ref()
            .is_some_and(|p| match &p.frozen {
                None => true,
                Some(frozen) => frozen.people > 0 && self.chunks.is_empty(),
            })
    }

    /// Freezes `audience` (the resolution of this campaign's inputs) at `now`: the header
    /// to write (the people counted, the inputs that failed; the inputs kept until the
    /// chunks are in) and the chunks to append after it, in one write: the resolved people in
    /// the order found, each with their departments, then the given user ids not among
    /// them, at most `max_users` a chunk (at least 1). Pure.
    ///
    /// # Errors
    /// [`RecordError::NotToFreeze`] when the record is not a campaign of people that
    /// [needs resolution](Self::needs_resolution).
    pub fn freeze(
        &self,
        audience: &ResolvedAudience,
        max_users: usize,
        now: SystemTime,
    ) -> Result<(CampaignHeader, Vec<ChunkRecord>), RecordError> {
        if !self.needs_resolution() {
            return Err(RecordError::NotToFreeze);
        }
        let Some(people) = &self.header.people else {
            return Err(RecordError::NotToFreeze);
        };
        let max = max_users.clamp(1, super::MAX_CHUNK_USERS);
        let mut chunks = Vec::new();
        let mut users = Vec::with_capacity(max);
        let mut depts: Vec<Vec<DeptId>> = Vec::with_capacity(max);
        let mut count = 0usize;
        let mut flush = |users: &mut Vec<String>, depts: &mut Vec<Vec<DeptId>>, force: bool| {
            if users.len() >= max || (force && !users.is_empty()) {
                let user_depts = if depts.iter().all(Vec::is_empty) {
                    Vec::new()
                } else {
                    std::mem::take(depts)
                };
                depts.clear();
                chunks.push(ChunkRecord {
                    index: chunks.len(),
                    recipients: ChunkRecipients::Users {
                        user_ids: users.drain(..).collect(),
                    },
                    origin: ChunkOrigin::Audience,
                    state: ChunkState::Planned,
                    user_depts,
                });
            }
        };
        // The people found, to leave them out of the given ids after them (a set of the
        // organisation's size, not of a users file's).
        let mut found: HashSet<&str> = HashSet::new();
        for person in audience.recipients() {
            found.insert(person.userid());
            users.push(person.userid().to_owned());
            depts.push(person.departments().collect());
            count += 1;
            flush(&mut users, &mut depts, false);
        }
        for user in &people.user_ids {
            if !found.contains(user) {
                users.push(user.to_owned());
                depts.push(Vec::new());
                count += 1;
                flush(&mut users, &mut depts, false);
            }
        }
        flush(&mut users, &mut depts, true);
        let frozen = FrozenPeople {
            people: count,
            inactive: audience.inactive().count(),
            unresolved: audience.unresolved().to_vec(),
            at: now,
        };
        // The inputs stay in the header until the chunks are in (see
        // `header_without_inputs`): a process that stops before then resolves them again.
        let mut header = self.header.clone();
        header.audience.users = count;
        if let Some(p) = header.people.as_mut() {
            p.frozen = Some(frozen);
        }
        Ok((header, chunks))
    }

    /// The header to write once this campaign's people are frozen and its chunks are in:
    /// this one without the inputs the chunks now hold (mobile numbers, union ids and user
    /// ids; the departments stay, to say what the campaign was for). `None` when there is
    /// nothing to drop: not a campaign of people, still to [freeze](Self::freeze) (a resume
    /// resolves the inputs again, so they are kept), or dropped already.
    pub fn header_without_inputs(&self) -> Option<CampaignHeader> {
        let people = self.header.people.as_ref()?;
        let inputs = !people.query.mobiles.is_empty()
            || !people.query.union_ids.is_empty()
            || !people.user_ids.is_empty();
        if people.frozen.is_none() || self.needs_resolution() || !inputs {
            return None;
        }
        // Built field by field so that the inputs are never copied: a users file's ids can
        // be most of the record.
        let h = &self.header;
        let query = AudienceQuery {
            dept_trees: people.query.dept_trees.clone(),
            ..AudienceQuery::default()
        };
        Some(CampaignHeader {
            schema: h.schema,
            id: h.id.clone(),
            agent_id: h.agent_id,
            message: h.message.clone(),
            audience: h.audience,
            created_at: h.created_at,
            parent: h.parent.clone(),
            reminders: h.reminders.clone(),
            lease: h.lease.clone(),
            calls: h.calls.clone(),
            delivered: h.delivered.clone(),
            people: Some(PeopleAudience {
                query,
                user_ids: UserIds::new(),
                config: people.config,
                frozen: people.frozen.clone(),
            }),
        })
    }

    /// The people a campaign goes to, each with their departments (empty when unknown):
    /// every recipient of its audience's chunks, in order (resends add nobody). For a
    /// campaign of people these are the frozen people, the same whatever the organisation
    /// became since.
    pub fn people(&self) -> impl Iterator<Item = (&str, &[DeptId])> {
        self.chunks
            .iter()
            .filter(|c| c.origin == ChunkOrigin::Audience)
            .flat_map(|c| {
                let ids = c.recipients.user_ids();
                ids.iter().enumerate().map(move |(i, id)| {
                    let depts = c.user_depts.get(i).map_or(&[][..], Vec::as_slice);
                    (id, depts)
                })
            })
    }

    /// The inputs of a campaign of people that resolved to nobody, and why (empty before
    /// it is frozen, and for other campaigns).
    pub fn unresolved(&self) -> &[Unresolved] {
        self.header
            .people
            .as_ref()
            .and_then(|p| p.frozen.as_ref())
            .map_or(&[], |f| f.unresolved.as_slice())
    }
}
