//! [`Campaigns`]: starts and resumes campaigns: chunk after chunk under the client's
//! budget, every state written to the ledger before and after its call. Sending returns
//! once every chunk is sent; the resend rounds that need delivered results are a separate
//! call ([`Campaigns::resend_held_back`]).

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dingtalk_notify_proto::campaign::{
    Audience, CampaignId, CampaignPlan, CampaignRecord, ChunkEvent, ChunkRecord, ChunkState,
    PlanError, RecordError, ReminderRefusal, SendVerdict, is_per_minute_quota,
};
use dingtalk_notify_proto::retry::Failure;
use dingtalk_notify_proto::{AgentId, Message, Transport};

use super::CampaignHandle;
use super::sender::{Flow, Sender, unix_secs};
use crate::budget::BudgetError;
use crate::ledger::{Ledger, LedgerError};
use crate::{Client, Error};

pub(super) const LOG_TARGET: &str = "dingtalk_notify::campaign";

/// How a campaign is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignPolicy {
    /// How often one run sends a chunk again after a retryable refusal (a whole-call
    /// 143103/143104, a busy server) before leaving it for a later resume. Default 5.
    pub retries_per_chunk: u32,
    /// How many rounds of resends [`Campaigns::resend_held_back`] makes for users a chunk's
    /// result holds back with a per-minute quota code (143103/143104, ISV 143203/143204).
    /// Each round waits for the chunks to be delivered and reads their results. Default 3;
    /// 0 sends no resends and reads no results. [`Campaigns::start`] and
    /// [`Campaigns::resume`] make none: they return once every chunk is sent.
    pub resend_rounds: usize,
    /// How long a sender's lease on the campaign lasts beyond the client's call deadline,
    /// from each renewal: one sender per campaign (see [`CampaignError::Busy`]). It covers
    /// the ledger writes around a call and clock skew between hosts; a crashed sender's
    /// campaign can be resumed once its lease ran out, at most deadline + margin after the
    /// crash. Default 15 s.
    pub lease_margin: Duration,
}

impl Default for CampaignPolicy {
    fn default() -> Self {
        Self {
            retries_per_chunk: 5,
            resend_rounds: 3,
            lease_margin: Duration::from_secs(15),
        }
    }
}

/// A campaign could not be started, resumed or followed. Chunks already sent stay recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The ledger failed: nothing was sent whose state could not be written first.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The recipient budget failed.
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// No campaign with this id in the ledger.
    #[error(
        "no campaign {0} in this ledger; check the id, and that this is the ledger it was started in"
    )]
    NotFound(CampaignId),
    /// The stored campaign breaks a rule (another writer, a damaged ledger), or a chunk's
    /// state does not allow the step ([`RecordError::Transition`]: another process moved
    /// it, or the chunk is not in the state the step needs).
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A reminder was refused before anything was stored or sent (its content equals the
    /// parent's, the parent's results cannot be read yet, nobody to remind).
    #[error(transparent)]
    Reminder(#[from] ReminderRefusal),
    /// Another sender holds the campaign's lease until `until`: it is being sent now.
    /// Nothing was sent, and no chunk was judged ambiguous. Try again after `until` (when
    /// a crashed sender's lease has run out, a resume goes on).
    #[error(
        "campaign {id} is being sent by another process ({owner}); try again after its lease \
         runs out (at {} s Unix time)",
        unix_secs(.until)
    )]
    Busy {
        /// The campaign.
        id: CampaignId,
        /// The sender holding the lease (process id, host and a random part).
        owner: String,
        /// When its lease runs out unless renewed.
        until: SystemTime,
    },
    /// Sending stopped because the caller's flag was set ([`Campaigns::stop_when`]): the
    /// call in flight ended and was recorded, nothing new started. The campaign as
    /// recorded; [`Campaigns::resume`] sends what is pending.
    #[error("campaign {} stopped on request; resume it to send what is pending", .0.id())]
    Stopped(Box<CampaignHandle>),
    /// DingTalk answered errcode 90020: the organisation's monthly quota of API calls is
    /// used up. Following (or sending) stopped at once, never retried or looped; nothing
    /// was lost: chunks not sent stay pending for a `resume`.
    #[error(
        "the organisation's monthly quota of DingTalk API calls is used up (errcode 90020): \
         following stopped; it can continue next month or after a plan upgrade, and nothing \
         was lost (the ledger keeps every chunk and what was learnt; follow the campaign \
         again then) [{0}]"
    )]
    MonthlyQuotaExceeded(dingtalk_notify_proto::ApiError),
    /// The campaign could not be planned (no recipient, an invalid user id or message);
    /// nothing was stored or sent.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Resolving a campaign of people stopped (a
    /// [`ResolveAudienceError`](crate::resolve::ResolveAudienceError) of the client's
    /// transport); nothing was sent, and a resume resolves again.
    #[error("resolving the campaign's people failed; nothing was sent: {0}")]
    Resolve(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Campaigns of one client, kept in one ledger: `client.campaigns(&ledger)`.
///
/// - [`start`](Self::start) (or [`create`](Self::create) then [`resume`](Self::resume))
///   **sends and returns**: every chunk is sent (or refused, or ambiguous) when it returns;
///   it does not wait for delivery. The handle says what was sent
///   ([`CampaignHandle::sent`]), what is pending and what is ambiguous.
/// - Following is separate and explicit: [`progress`](Self::progress) (once),
///   [`track`](Self::track) (until delivered), [`result`](Self::result) (per user), and
///   [`resend_held_back`](Self::resend_held_back), which waits for the chunks' results and
///   resends the users DingTalk held back with a per-minute quota code.
///
/// Pacing: the client's [recipient budget](crate::ClientBuilder::recipient_budget), one per
/// client, shared by its single sends and every campaign.
pub struct Campaigns<'a, T, L: ?Sized> {
    pub(super) client: &'a Client<T>,
    pub(super) ledger: &'a L,
    pub(super) policy: CampaignPolicy,
    observer: Option<&'a (dyn Fn(&ChunkRecord) + Sync)>,
    pub(super) stop: Option<&'a AtomicBool>,
    pub(super) sender: Sender,
}

impl<T: Transport> Client<T> {
    /// Campaigns kept in `ledger`: start, resume and follow them.
    pub fn campaigns<'a, L: Ledger + ?Sized>(&'a self, ledger: &'a L) -> Campaigns<'a, T, L> {
        Campaigns {
            client: self,
            ledger,
            policy: CampaignPolicy::default(),
            observer: None,
            stop: None,
            sender: Sender::new(),
        }
    }
}

/// What became of one send attempt.
enum Step {
    Done,
    Retry { quota: bool },
    TakenElsewhere,
    Stopped,
}

impl<'a, T: Transport, L: Ledger + ?Sized> Campaigns<'a, T, L> {
    /// The policy for this driver.
    #[must_use]
    pub fn policy(mut self, policy: CampaignPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Plans `message` from `agent_id` to `audience` within the client's limits: its
    /// [recipient limits](crate::ClientBuilder::recipient_limits), with chunks of users cut
    /// to fit its [budget](crate::ClientBuilder::recipient_budget) when that is smaller, so
    /// every chunk can be granted.
    ///
    /// # Errors
    /// [`PlanError`] as [`CampaignPlan::new`]: nothing is stored or sent.
    pub fn plan(
        &self,
        agent_id: impl Into<AgentId>,
        message: impl Into<Message>,
        audience: Audience,
    ) -> Result<CampaignPlan, PlanError> {
        let mut limits = self.client.recipient_limits();
        if let Some(capacity) = self.client.budget().capacity() {
            let capacity = usize::try_from(capacity).unwrap_or(usize::MAX).max(1);
            limits.max_users = limits.max_users.min(capacity);
        }
        CampaignPlan::new(agent_id, message, audience, limits)
    }

    /// Calls `observer` with each chunk once its send has ended (sent, refused or
    /// ambiguous), as recorded: a progress bar of the sending.
    #[must_use]
    pub fn observe(mut self, observer: &'a (dyn Fn(&ChunkRecord) + Sync)) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Stores `plan` as a new campaign with a fresh id, then sends every chunk and returns:
    /// it does not wait for delivery (see [`track`](Self::track),
    /// [`resend_held_back`](Self::resend_held_back)). The id is in the ledger before
    /// anything is sent.
    ///
    /// # Errors
    /// [`CampaignError`] when the ledger or the budget fails; a chunk DingTalk refuses does
    /// not stop the others (see [`CampaignHandle::failed`]).
    pub fn start(&self, plan: CampaignPlan) -> Result<CampaignHandle, CampaignError> {
        self.send_pending(self.create(plan)?.into_record())
    }

    /// Stores `plan` as a new campaign with a fresh id and sends nothing: call
    /// [`resume`](Self::resume) to send it (a CLI prints the id first, say).
    ///
    /// # Errors
    /// [`CampaignError::Ledger`].
    pub fn create(&self, plan: CampaignPlan) -> Result<CampaignHandle, CampaignError> {
        let created_at = self.client.clock().wall();
        let id = fresh_id(created_at)?;
        let record = CampaignRecord::new(id, plan, created_at);
        self.ledger.create(&record)?;
        Ok(CampaignHandle::new(record))
    }

    /// Sends what campaign `id` never sent: planned chunks and chunks refused with a
    /// retryable error. A chunk recorded as sent is never sent again; a chunk left
    /// `sending` by a process that stopped becomes ambiguous and is listed
    /// ([`CampaignHandle::ambiguous`]), never resent on its own. Returns once they are
    /// sent, like [`start`](Self::start).
    ///
    /// # Errors
    /// [`CampaignError::NotFound`], or as [`start`](Self::start).
    pub fn resume(&self, id: &CampaignId) -> Result<CampaignHandle, CampaignError> {
        // A campaign of people is resolved and frozen first (`people.rs`).
        self.send_pending(self.frozen(self.load(id)?.into_record())?)
    }

    /// Sends the ambiguous chunks `chunks` again: the caller's decision, never the
    /// driver's. DingTalk drops the same content to the same user within a day (143106 in
    /// the result's forbidden list), so users who did get the first send are not notified
    /// twice; they show as forbidden in the resent chunk's result.
    ///
    /// # Errors
    /// [`CampaignError::Record`] ([`RecordError::Transition`]) for a chunk that is not
    /// ambiguous, or as [`resume`](Self::resume).
    pub fn resend_ambiguous(
        &self,
        id: &CampaignId,
        chunks: &[usize],
    ) -> Result<CampaignHandle, CampaignError> {
        self.leased(id, |record| {
            for &index in chunks {
                self.step(record, index, ChunkEvent::ResendAmbiguous)?;
            }
            self.send_leased(record)
        })
    }

    /// Campaign `id` as last recorded.
    ///
    /// # Errors
    /// [`CampaignError::NotFound`] or [`CampaignError::Ledger`].
    pub fn load(&self, id: &CampaignId) -> Result<CampaignHandle, CampaignError> {
        self.ledger
            .load(id)?
            .map(CampaignHandle::new)
            .ok_or_else(|| CampaignError::NotFound(id.clone()))
    }

    /// Sends every chunk the record's resume plan lists, under this sender's lease (see
    /// [`leased`](Self::leased)).
    pub(super) fn send_pending(
        &self,
        record: CampaignRecord,
    ) -> Result<CampaignHandle, CampaignError> {
        // `leased` reads the record again under the lease: this copy goes first.
        let id = record.id().clone();
        drop(record);
        self.leased(&id, |record| self.send_leased(record))
    }

    /// Sends every chunk the record's resume plan lists, after recording interrupted
    /// chunks as ambiguous (the lease is held: their sender is gone); a retryable refusal
    /// is retried up to the policy's `retries_per_chunk`, then left pending.
    fn send_leased(&self, record: &mut CampaignRecord) -> Result<Flow, CampaignError> {
        let id = record.id().clone();
        let plan = record.resume_plan();
        for index in plan.interrupted {
            self.step(record, index, ChunkEvent::Resumed)?;
            crate::observe::chunk_interrupted(&id, index);
        }
        let mut queue: VecDeque<(usize, u32)> = plan.send.into_iter().map(|i| (i, 0)).collect();
        while let Some((index, tries)) = queue.pop_front() {
            if self.stop_requested() {
                return Ok(Flow::Stopped);
            }
            match self.send_chunk(record, index)? {
                Step::Done => {}
                Step::Stopped => return Ok(Flow::Stopped),
                Step::TakenElsewhere => {
                    *record = self.load(&id)?.into_record();
                }
                Step::Retry { quota } => {
                    if tries < self.policy.retries_per_chunk {
                        if !quota {
                            let wait = self.client.retry_policy().ceiling(tries + 1);
                            crate::observe::wait("chunk_retry", wait);
                            if !self.wait(record, wait)? {
                                return Ok(Flow::Stopped);
                            }
                        }
                        queue.push_back((index, tries + 1));
                    }
                }
            }
        }
        Ok(Flow::Done)
    }

    /// The one place a chunk changes state: the core decides ([`CampaignRecord::transition`],
    /// by [`ChunkState::next`](super::ChunkState::next)), the ledger records it (compare and
    /// set), then the record in memory follows ([`CampaignRecord::commit`]). Returns the new
    /// state.
    fn step(
        &self,
        record: &mut CampaignRecord,
        index: usize,
        event: ChunkEvent,
    ) -> Result<ChunkState, CampaignError> {
        let t = record
            .transition(index, event, self.client.clock().wall())
            .map_err(CampaignError::Record)?;
        self.ledger
            .transition(record.id(), t.index, &t.from, &t.to)?;
        record.commit(&t)?;
        Ok(t.to)
    }

    /// One chunk: budget, `sending` in the ledger, the call, its outcome in the ledger.
    fn send_chunk(&self, record: &mut CampaignRecord, index: usize) -> Result<Step, CampaignError> {
        let id = record.id().clone();
        let chunk = record.chunk(index).ok_or(RecordError::NoSuchChunk(index))?;
        if !chunk.state.may_send() {
            return Ok(Step::Done);
        }
        let users = u32::try_from(chunk.recipients.user_ids().len()).unwrap_or(u32::MAX);
        let send = record.chunk_send(index, self.client.recipient_limits());
        if !self.pace(record, users)? {
            return Ok(Step::Stopped);
        }
        self.renew_lease(record)?;
        match self.step(record, index, ChunkEvent::BeginSend) {
            Ok(_) => {}
            Err(CampaignError::Ledger(LedgerError::Conflict { .. })) => {
                return Ok(Step::TakenElsewhere);
            }
            Err(e) => return Err(e),
        }
        let mut monthly_quota = None;
        let (verdict, calls) = crate::calls::counted(|| match send {
            Ok(send) => match self.client.send_validated(send.validated()) {
                Ok(task) => SendVerdict::Accepted(task),
                Err(error) => {
                    monthly_quota = crate::calls::monthly_quota(&error);
                    verdict(self.client, &error)
                }
            },
            // Recipients beyond the client's limits: refused before sending.
            Err(e) => SendVerdict::of_failure(Failure::Fatal, e.to_string()),
        });
        let quota = matches!(&verdict, SendVerdict::Rejected(f)
            if f.code.is_some_and(is_per_minute_quota));
        if quota {
            crate::budget::hold(self.client.budget(), self.client.clock())?;
        }
        let done = self.step(record, index, ChunkEvent::SendEnded(verdict))?;
        crate::observe::chunk_ended(&id, index, &done);
        self.record_calls(record, &calls)?;
        if let Some(api) = monthly_quota {
            // Every further call would be refused too: the rest stays pending.
            return Err(CampaignError::MonthlyQuotaExceeded(api));
        }
        if let (Some(observe), Some(chunk)) = (self.observer, record.chunk(index)) {
            observe(chunk);
        }
        Ok(if done.may_send() {
            Step::Retry { quota }
        } else {
            Step::Done
        })
    }
}

/// Judges a failed send: by the last attempt when the call hit its deadline.
fn verdict<T: Transport>(client: &Client<T>, error: &Error<T::Error>) -> SendVerdict {
    match error {
        Error::Deadline {
            last: Some(last), ..
        } => verdict(client, last),
        Error::Deadline { last: None, .. } => SendVerdict::of_failure(
            Failure::Transport(dingtalk_notify_proto::transport::TransportErrorKind::Connect),
            error.to_string(),
        ),
        other => SendVerdict::of_failure(
            other.failure(|e| client.transport().classify(e)),
            other.to_string(),
        ),
    }
}

/// `c-<unix ms>-<16 random hex digits>`: unique across processes and hosts sharing a ledger
/// (64 random bits from `fastrand`, seeded per thread from the OS's hasher keys).
pub(super) fn fresh_id(at: SystemTime) -> Result<CampaignId, CampaignError> {
    let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let id = format!("c-{ms}-{:016x}", fastrand::u64(..));
    CampaignId::new(id).map_err(|e| CampaignError::Ledger(LedgerError::Storage(Box::new(e))))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use dingtalk_notify_proto::{HttpRequest, HttpResponse, TokenSource};

    use super::*;
    use crate::budget::Budget;
    use crate::budget::InProcessBudget;
    use crate::ledger::MemoryLedger;

    fn client(source: TokenSource, budget: u32) -> Client<impl Transport> {
        let never = |_: HttpRequest| -> Result<HttpResponse, std::io::Error> {
            Err(std::io::Error::other("planning makes no call"))
        };
        Client::builder(source)
            .recipient_budget(Arc::new(InProcessBudget::new(Budget::per_minute(budget))))
            .build(never)
    }

    #[test]
    fn a_plan_fits_the_clients_limits_and_budget() {
        let ledger = MemoryLedger::new();
        let users = || Audience::users((0..250).map(|i| format!("u{i}")));
        let app = TokenSource::app("key", "secret");
        let small = client(app.clone(), 30);
        let plan = small
            .campaigns(&ledger)
            .plan(7, Message::text("hi"), users());
        let sizes: Vec<_> = plan
            .unwrap()
            .chunks()
            .iter()
            .map(|c| c.user_ids().len())
            .collect();
        assert_eq!(sizes, [30, 30, 30, 30, 30, 30, 30, 30, 10]);
        let roomy = client(app, 5_000);
        let plan = roomy
            .campaigns(&ledger)
            .plan(7, Message::text("hi"), users());
        assert_eq!(plan.unwrap().chunks().len(), 3, "the client's 100 a call");
        // A third-party app's limits forbid all users: refused while planning.
        let isv = client(
            TokenSource::isv("suite", "secret", "ticket", "ding-corp"),
            5_000,
        );
        let err = isv
            .campaigns(&ledger)
            .plan(7, Message::text("hi"), Audience::all_users())
            .unwrap_err();
        assert_eq!(err, PlanError::ToAllUserNotAllowed);
    }

    #[test]
    fn fresh_ids_are_valid_and_distinct() {
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_764_625_200_123);
        let ids: std::collections::BTreeSet<CampaignId> =
            (0..1_000).map(|_| fresh_id(at).unwrap()).collect();
        assert_eq!(ids.len(), 1_000, "the same millisecond, no collision");
        let id = ids.iter().next().unwrap().as_str().to_owned();
        assert!(id.starts_with("c-1764625200123-"), "{id}");
        assert_eq!(id.len(), "c-1764625200123-".len() + 16);
    }
}
