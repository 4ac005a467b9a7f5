//! [`CampaignRecord`]: everything a ledger keeps about a campaign, as plain serializable
//! data: the message, every chunk's recipients and state (with its task once sent).

use std::collections::HashSet;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::api::{RecipientLimits, SendProgress, SendWorkNotification};
use crate::ids::AgentId;
use crate::message::Message;
use crate::tracking::TaskHandle;

use super::record_error::RecordError;
use super::{
    CampaignId, CampaignPlan, CampaignProgress, ChunkRecipients, ChunkState, ProgressTally,
};

/// Where a chunk comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkOrigin {
    /// The planned audience.
    Audience,
    /// Users of chunk `of` that its result listed as held back by a per-minute quota.
    Resend {
        /// The chunk they were first sent in.
        of: usize,
    },
}

/// One chunk: its place, recipients, origin and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRecord {
    /// Its 0-based place in the campaign.
    pub index: usize,
    /// Who it goes to.
    pub recipients: ChunkRecipients,
    /// Where it comes from.
    pub origin: ChunkOrigin,
    /// Where its send stands.
    pub state: ChunkState,
}

/// Everything about a campaign that survives its process: what a ledger stores, and what a
/// campaign handle is made of. Pure data; the rules of its chunks' states are in
/// [`ChunkState`].
///
/// ```
/// use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord};
/// use dingtalk_notify_proto::Message;
/// use std::time::SystemTime;
/// let plan = CampaignPlan::new(836390886, Message::text("Payslips are out"),
///     Audience::users((0..250).map(|i| format!("u{i}"))), CHUNK_LIMITS)?;
/// let record = CampaignRecord::new(CampaignId::new("c1")?, plan, SystemTime::now());
/// assert_eq!(record.resume_plan().send, [0, 1, 2]);
/// let json = serde_json::to_string(&record)?;
/// assert_eq!(serde_json::from_str::<CampaignRecord>(&json)?, record);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Wire")]
pub struct CampaignRecord {
    id: CampaignId,
    agent_id: AgentId,
    message: Message,
    #[serde(with = "limits")]
    limits: RecipientLimits,
    created_at: SystemTime,
    chunks: Vec<ChunkRecord>,
}

#[derive(Deserialize)]
struct Wire {
    id: CampaignId,
    agent_id: AgentId,
    message: Message,
    #[serde(with = "limits")]
    limits: RecipientLimits,
    created_at: SystemTime,
    chunks: Vec<ChunkRecord>,
}

impl TryFrom<Wire> for CampaignRecord {
    type Error = RecordError;
    fn try_from(w: Wire) -> Result<Self, RecordError> {
        Self::from_parts(
            w.id,
            w.agent_id,
            w.message,
            w.limits,
            w.created_at,
            w.chunks,
        )
    }
}

/// Which chunks a resume sends, finds interrupted, and leaves to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResumePlan {
    /// Chunks to send: planned, or failed with a retryable error.
    pub send: Vec<usize>,
    /// Chunks left sending by a process that stopped: record them as
    /// [`ChunkState::on_resume`] says (ambiguous) before anything else.
    pub interrupted: Vec<usize>,
    /// Chunks already ambiguous, listed for the caller to decide on.
    pub ambiguous: Vec<usize>,
}

impl CampaignRecord {
    /// A new campaign: every chunk of `plan`, planned.
    pub fn new(id: CampaignId, plan: CampaignPlan, created_at: SystemTime) -> Self {
        let (agent_id, message, limits, chunks) = plan.into_parts();
        let chunks = chunks
            .into_iter()
            .enumerate()
            .map(|(index, recipients)| ChunkRecord {
                index,
                recipients,
                origin: ChunkOrigin::Audience,
                state: ChunkState::Planned,
            })
            .collect();
        Self {
            id,
            agent_id,
            message,
            limits,
            created_at,
            chunks,
        }
    }

    /// A record from stored parts, checked: every chunk at its place, of a valid size, and
    /// every resend after a chunk of users.
    ///
    /// # Errors
    /// [`RecordError`] naming the first chunk that breaks a rule.
    pub fn from_parts(
        id: CampaignId,
        agent_id: AgentId,
        message: Message,
        limits: RecipientLimits,
        created_at: SystemTime,
        chunks: Vec<ChunkRecord>,
    ) -> Result<Self, RecordError> {
        let mut record = Self {
            id,
            agent_id,
            message,
            limits,
            created_at,
            chunks: Vec::with_capacity(chunks.len()),
        };
        record.append(chunks)?;
        Ok(record)
    }

    /// The id.
    pub fn id(&self) -> &CampaignId {
        &self.id
    }

    /// The sending app.
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The per-call limits.
    pub fn limits(&self) -> RecipientLimits {
        self.limits
    }

    /// When it was created.
    pub fn created_at(&self) -> SystemTime {
        self.created_at
    }

    /// Every chunk, in order.
    pub fn chunks(&self) -> &[ChunkRecord] {
        &self.chunks
    }

    /// Chunk `index`.
    pub fn chunk(&self, index: usize) -> Option<&ChunkRecord> {
        self.chunks.get(index)
    }

    /// The send of chunk `index`.
    pub fn send_work_notification(&self, index: usize) -> Option<SendWorkNotification> {
        let c = self.chunks.get(index)?;
        Some(
            c.recipients
                .send_work_notification(self.agent_id, &self.message, self.limits),
        )
    }

    /// Records chunk `index`'s new state (judge it first with [`ChunkState`]'s rules).
    ///
    /// # Errors
    /// [`RecordError::NoSuchChunk`].
    pub fn set_state(&mut self, index: usize, state: ChunkState) -> Result<(), RecordError> {
        let c = self
            .chunks
            .get_mut(index)
            .ok_or(RecordError::NoSuchChunk(index))?;
        c.state = state;
        Ok(())
    }

    /// Appends chunks, checked as in [`from_parts`](Self::from_parts).
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
                if user_ids.is_empty() || user_ids.len() > self.limits.max_users {
                    return Err(RecordError::BadSize {
                        index: c.index,
                        count: user_ids.len(),
                        limit: self.limits.max_users,
                    });
                }
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

    /// The chunks that resend chunk `of`'s `users`, to append in one ledger write (so a crash
    /// cannot plan them twice). `users` are those [`users_to_resend`](super::users_to_resend)
    /// found in `of`'s result. No users, no chunks.
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
        let allowed: HashSet<&str> = origin
            .recipients
            .user_ids()
            .iter()
            .map(String::as_str)
            .collect();
        let mut seen = HashSet::new();
        for user in &users {
            if !allowed.contains(user.as_str()) {
                return Err(RecordError::NotARecipient {
                    index: of,
                    user: user.chars().take(64).collect(),
                });
            }
        }
        let users: Vec<String> = users
            .into_iter()
            .filter(|u| seen.insert(u.clone()))
            .collect();
        let max = self.limits.max_users.max(1);
        Ok(users
            .chunks(max)
            .enumerate()
            .map(|(i, ids)| ChunkRecord {
                index: self.chunks.len() + i,
                recipients: ChunkRecipients::Users {
                    user_ids: ids.to_vec(),
                },
                origin: ChunkOrigin::Resend { of },
                state: ChunkState::Planned,
            })
            .collect())
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
            .unwrap_or(self.limits.max_users);
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

/// [`RecipientLimits`] as `{max_users, max_depts, allow_to_all_user}`.
mod limits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::api::RecipientLimits;

    #[derive(Serialize, Deserialize)]
    struct Limits {
        max_users: usize,
        max_depts: usize,
        allow_to_all_user: bool,
    }

    pub(super) fn serialize<S: Serializer>(l: &RecipientLimits, s: S) -> Result<S::Ok, S::Error> {
        Limits {
            max_users: l.max_users,
            max_depts: l.max_depts,
            allow_to_all_user: l.allow_to_all_user,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<RecipientLimits, D::Error> {
        let l = Limits::deserialize(d)?;
        Ok(RecipientLimits {
            max_users: l.max_users,
            max_depts: l.max_depts,
            allow_to_all_user: l.allow_to_all_user,
        })
    }
}
