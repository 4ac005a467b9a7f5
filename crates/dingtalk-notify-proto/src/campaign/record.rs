//! [`CampaignRecord`]: everything a ledger keeps about a campaign, as plain serializable
//! data: a [`CampaignHeader`] (id, app, message, audience, creation, schema version) and
//! every chunk's recipients and state (with its task once sent).

use std::collections::HashSet;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::api::{RecipientLimits, SendProgress};
use crate::ids::AgentId;
use crate::message::Message;
use crate::tracking::TaskHandle;

use super::record_error::RecordError;
use super::{
    AudienceSummary, CHUNK_LIMITS, CampaignHeader, CampaignId, CampaignPlan, CampaignProgress,
    ChunkEvent, ChunkOrigin, ChunkRecipients, ChunkRecord, ChunkSend, ChunkState, MAX_CHUNK_USERS,
    ProgressTally, SCHEMA_VERSION, Transition, UserIds,
};

/// Everything about a campaign that survives its process: its [`CampaignHeader`] and its
/// chunks, each with its [`ChunkState`]. The one record shape every ledger stores (the
/// header, and each [`ChunkRecord`] as it is); a chunk's state changes only through
/// [`ChunkState::next`], recorded with [`transition`](Self::transition) then
/// [`commit`](Self::commit). The per-call limits are not part of it: the client holds them.
///
/// ```
/// use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord};
/// use dingtalk_notify_proto::Message;
/// use std::time::SystemTime;
/// let plan = CampaignPlan::new(836390886, Message::text("Payslips are out"),
///     Audience::users((0..250).map(|i| format!("u{i}"))), CHUNK_LIMITS)?;
/// let record = CampaignRecord::new(CampaignId::new("c1")?, plan, SystemTime::now());
/// assert_eq!(record.resume_plan().send, [0, 1, 2]);
/// assert_eq!(record.header().audience.users, 250);
/// let json = serde_json::to_string(&record)?;
/// assert_eq!(serde_json::from_str::<CampaignRecord>(&json)?, record);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Wire")]
pub struct CampaignRecord {
    pub(super) header: CampaignHeader,
    pub(super) chunks: Vec<ChunkRecord>,
}

#[derive(Deserialize)]
struct Wire {
    header: CampaignHeader,
    chunks: Vec<ChunkRecord>,
}

impl TryFrom<Wire> for CampaignRecord {
    type Error = RecordError;
    fn try_from(w: Wire) -> Result<Self, RecordError> {
        Self::from_stored(w.header, w.chunks)
    }
}

/// Which chunks a resume sends, finds interrupted, and leaves to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResumePlan {
    /// Chunks to send: planned, or failed with a retryable error.
    pub send: Vec<usize>,
    /// Chunks left sending by a process that stopped: record them as
    /// [`ChunkEvent::Resumed`] says (ambiguous) before anything else.
    pub interrupted: Vec<usize>,
    /// Chunks already ambiguous, listed for the caller to decide on.
    pub ambiguous: Vec<usize>,
}

impl CampaignRecord {
    /// A new campaign: every chunk of `plan`, planned.
    pub fn new(id: CampaignId, plan: CampaignPlan, created_at: SystemTime) -> Self {
        let users = plan.user_count();
        let (agent_id, message, _limits, chunks) = plan.into_parts();
        let audience = AudienceSummary {
            users,
            depts: chunks
                .iter()
                .map(|c| match c {
                    ChunkRecipients::Depts { dept_ids } => dept_ids.len(),
                    _ => 0,
                })
                .sum(),
            all_users: chunks
                .iter()
                .any(|c| matches!(c, ChunkRecipients::AllUsers)),
        };
        let chunks = chunks
            .into_iter()
            .enumerate()
            .map(|(index, recipients)| ChunkRecord {
                index,
                recipients,
                origin: ChunkOrigin::Audience,
                state: ChunkState::Planned,
                user_depts: Vec::new(),
            })
            .collect();
        Self {
            header: CampaignHeader {
                schema: SCHEMA_VERSION,
                id,
                agent_id,
                message,
                audience,
                created_at,
                parent: None,
                reminders: Vec::new(),
                lease: None,
                calls: Default::default(),
                delivered: Default::default(),
                people: None,
            },
            chunks,
        }
    }

    /// The record a ledger stored: its header and chunks, checked once here: the schema
    /// version, the message, every chunk at its place and of a valid size, every resend
    /// after a chunk of users.
    ///
    /// # Errors
    /// [`RecordError`] naming what breaks a rule.
    pub fn from_stored(
        header: CampaignHeader,
        chunks: Vec<ChunkRecord>,
    ) -> Result<Self, RecordError> {
        if header.schema != SCHEMA_VERSION {
            return Err(RecordError::Schema {
                found: header.schema,
                supported: SCHEMA_VERSION,
            });
        }
        header.message.validate()?;
        let mut record = Self {
            header,
            chunks: Vec::with_capacity(chunks.len()),
        };
        record.append(chunks)?;
        Ok(record)
    }

    /// The header: id, app, message, audience, creation time.
    pub fn header(&self) -> &CampaignHeader {
        &self.header
    }

    /// Replaces the header with a later version of itself (a ledger's
    /// `update_header`): the id and schema version stay.
    ///
    /// # Errors
    /// [`RecordError::HeaderIdentity`] when `header` names another campaign or schema.
    pub fn set_header(&mut self, header: CampaignHeader) -> Result<(), RecordError> {
        if header.id != self.header.id || header.schema != self.header.schema {
            return Err(RecordError::HeaderIdentity);
        }
        self.header = header;
        Ok(())
    }

    /// The id.
    pub fn id(&self) -> &CampaignId {
        &self.header.id
    }

    /// The sending app.
    pub fn agent_id(&self) -> AgentId {
        self.header.agent_id
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.header.message
    }

    /// When it was created.
    pub fn created_at(&self) -> SystemTime {
        self.header.created_at
    }

    /// Every chunk, in order.
    pub fn chunks(&self) -> &[ChunkRecord] {
        &self.chunks
    }

    /// Chunk `index`.
    pub fn chunk(&self, index: usize) -> Option<&ChunkRecord> {
        self.chunks.get(index)
    }

    /// The send of chunk `index`, its recipients checked against `limits` (the client's);
    /// the message is not checked again.
    ///
    /// # Errors
    /// [`RecordError::NoSuchChunk`], or [`RecordError::Message`] holding the
    /// [`BuildError`](crate::error::BuildError) of recipients beyond `limits`.
    pub fn chunk_send(
        &self,
        index: usize,
        limits: RecipientLimits,
    ) -> Result<ChunkSend, RecordError> {
        let c = self
            .chunks
            .get(index)
            .ok_or(RecordError::NoSuchChunk(index))?;
        let request =
            c.recipients
                .send_work_notification(self.header.agent_id, &self.header.message, limits);
        request.validate_recipients_within(limits)?;
        Ok(ChunkSend { request })
    }

    /// The transition `event` makes on chunk `index` at `now`, by [`ChunkState::next`].
    /// Pure: nothing changes until it is [committed](Self::commit) (after the ledger
    /// recorded it).
    ///
    /// # Errors
    /// [`RecordError::NoSuchChunk`], or [`RecordError::Transition`] when the chunk's state
    /// does not allow `event`.
    pub fn transition(
        &self,
        index: usize,
        event: ChunkEvent,
        now: SystemTime,
    ) -> Result<Transition, RecordError> {
        let c = self
            .chunks
            .get(index)
            .ok_or(RecordError::NoSuchChunk(index))?;
        let to = c.state.next(event, now)?;
        Ok(Transition {
            index,
            from: c.state.clone(),
            to,
        })
    }

    /// Records `t` if its chunk is still in `t.from` (compare and set).
    ///
    /// # Errors
    /// [`RecordError::NoSuchChunk`], or [`RecordError::Stale`] when the chunk moved.
    pub fn commit(&mut self, t: &Transition) -> Result<(), RecordError> {
        let c = self
            .chunks
            .get_mut(t.index)
            .ok_or(RecordError::NoSuchChunk(t.index))?;
        if c.state != t.from {
            return Err(RecordError::Stale {
                index: t.index,
                expected: t.from.name(),
                found: c.state.name(),
            });
        }
        c.state = t.to.clone();
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn set_state(&mut self, index: usize, state: ChunkState) -> Result<(), RecordError> {
        let c = self
            .chunks
            .get_mut(index)
            .ok_or(RecordError::NoSuchChunk(index))?;
        c.state = state;
        Ok(())
    }

    /// Appends chunks, checked as in [`from_stored`](Self::from_stored).
    ///
    /// # Errors
    /// [`RecordError`] naming the first bad chunk; nothing is appended then.
    pub fn append(&mut self, chunks: Vec<ChunkRecord>) -> Result<(), RecordError> {
        let start = self.chunks.len();
        for (offset, c) in chunks.iter().enumerate() {
            let expected = start + offset;
            if c.index != expected {
                return Err(RecordError::OutOfPlace {
                    expected,
                    found: c.index,
                });
            }
            if let ChunkRecipients::Users { user_ids } = &c.recipients {
                if user_ids.is_empty() || user_ids.len() > MAX_CHUNK_USERS {
                    return Err(RecordError::BadSize {
                        index: c.index,
                        count: user_ids.len(),
                        limit: MAX_CHUNK_USERS,
                    });
                }
            }
            if !c.user_depts.is_empty() && c.user_depts.len() != c.recipients.user_ids().len() {
                return Err(RecordError::BadDepts { index: c.index });
            }
            if let ChunkOrigin::Resend { of } = c.origin {
                let origin = if of < expected {
                    chunks_or_new(&self.chunks, &chunks, start, of)
                } else {
                    None
                };
                let users = matches!(c.recipients, ChunkRecipients::Users { .. });
                if !users || origin.is_none_or(|o| o.recipients.user_count().is_none()) {
                    return Err(RecordError::BadOrigin { index: c.index, of });
                }
            }
        }
        self.chunks.extend(chunks);
        Ok(())
    }

    /// The chunk that resends chunk `of`'s `users`, to append in one ledger write (so a
    /// crash cannot plan it twice): one chunk, since they were all recipients of `of`.
    /// `users` are those [`users_to_resend`](super::users_to_resend) found in `of`'s result.
    /// No users, no chunk.
    ///
    /// # Errors
    /// [`RecordError`] when `of` is not sent, already has a resend, or `users` holds someone
    /// who was not its recipient.
    pub fn plan_resend(
        &self,
        of: usize,
        users: Vec<String>,
    ) -> Result<Vec<ChunkRecord>, RecordError> {
        let origin = self.chunks.get(of).ok_or(RecordError::NoSuchChunk(of))?;
        if !matches!(origin.state, ChunkState::Sent { .. }) {
            return Err(RecordError::NotSent(of));
        }
        if self
            .chunks
            .iter()
            .any(|c| c.origin == ChunkOrigin::Resend { of })
        {
            return Err(RecordError::AlreadyResent(of));
        }
        let allowed: HashSet<&str> = origin.recipients.user_ids().iter().collect();
        for user in &users {
            if !allowed.contains(user.as_str()) {
                return Err(RecordError::NotARecipient {
                    index: of,
                    user: user.chars().take(64).collect(),
                });
            }
        }
        let mut seen = HashSet::new();
        let users: UserIds = users.iter().filter(|u| seen.insert(u.as_str())).collect();
        if users.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![ChunkRecord {
            index: self.chunks.len(),
            recipients: ChunkRecipients::Users { user_ids: users },
            origin: ChunkOrigin::Resend { of },
            state: ChunkState::Planned,
            user_depts: Vec::new(),
        }])
    }

    /// How many resends deep chunk `index` is (0 for a chunk of the audience).
    pub fn resend_depth(&self, index: usize) -> usize {
        let mut depth = 0;
        let mut at = index;
        while let Some(ChunkOrigin::Resend { of }) = self.chunks.get(at).map(|c| c.origin) {
            depth += 1;
            at = of;
        }
        depth
    }

    /// What a resume does: which chunks it sends, which it finds interrupted, which it lists.
    /// Never a chunk that is sent, sending or ambiguous among those to send.
    pub fn resume_plan(&self) -> ResumePlan {
        let mut plan = ResumePlan::default();
        for c in &self.chunks {
            match &c.state {
                ChunkState::Sending { .. } => plan.interrupted.push(c.index),
                ChunkState::Ambiguous { .. } => plan.ambiguous.push(c.index),
                s if s.may_send() => plan.send.push(c.index),
                _ => {}
            }
        }
        plan
    }

    /// Every sent chunk's task.
    pub fn tasks(&self) -> impl Iterator<Item = (usize, &TaskHandle)> {
        self.chunks
            .iter()
            .filter_map(|c| c.state.task().map(|t| (c.index, t)))
    }

    /// The weight of a chunk in the progress: its users, or a full chunk when unknown.
    pub fn weight(&self, chunk: &ChunkRecord) -> u64 {
        let n = chunk
            .recipients
            .user_count()
            .unwrap_or(CHUNK_LIMITS.max_users);
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// The campaign's progress, given each sent chunk's last known progress.
    pub fn progress(
        &self,
        mut progress_of: impl FnMut(&ChunkRecord) -> Option<SendProgress>,
    ) -> CampaignProgress {
        let mut tally = ProgressTally::new();
        for c in &self.chunks {
            let p = c.state.task().and_then(|_| progress_of(c));
            tally.add(&c.state, self.weight(c), p);
        }
        tally.finish()
    }
}

fn chunks_or_new<'a>(
    existing: &'a [ChunkRecord],
    new: &'a [ChunkRecord],
    start: usize,
    index: usize,
) -> Option<&'a ChunkRecord> {
    match index.checked_sub(start) {
        None => existing.get(index),
        Some(offset) => new.get(offset),
    }
}
