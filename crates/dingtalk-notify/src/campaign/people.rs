//! Campaigns of people: departments with everything below them, the whole organisation,
//! mobile numbers, union ids and user ids, resolved once and frozen into the ledger before
//! the first send, then sent as chunks of users (at most 100, so every person has a
//! per-user result).
//!
//! **Crash safety.** The campaign is created in the ledger with its inputs and no chunk
//! before anything is resolved. Freezing is two writes: the header (the people counted,
//! the inputs that failed) by compare-and-set, then every chunk in one
//! [`Ledger::append`], a compare-and-set on the chunk count, so two resumers never both
//! freeze. A process that stops before the chunks are in leaves a campaign that
//! [needs resolution](super::CampaignRecord::needs_resolution): a resume resolves again.
//! That is cheap and safe: the contact calls are reads, and nothing was sent (no chunk
//! existed to send). So the frozen header keeps the inputs (mobile numbers, union ids, user
//! ids) until the chunks are in; a third write then drops them, and a resume retries it if
//! it failed. Once the chunks are in, resume, reports and reminders use those people,
//! whatever the organisation became.

use dingtalk_notify_proto::Transport;
use dingtalk_notify_proto::api::MAX_RESULT_RECIPIENTS;
use dingtalk_notify_proto::campaign::{CampaignId, CampaignRecord, PeopleAudience};
use dingtalk_notify_proto::{AgentId, Message};

use super::driver::fresh_id;
use super::{CampaignError, CampaignHandle, Campaigns};
use crate::ledger::{Ledger, LedgerError};

/// How often a freeze writes again after another writer changed the header meanwhile
/// (a sender's lease, say) before giving up.
const HEADER_TRIES: usize = 8;

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// Stores a new campaign of `people` with a fresh id: its inputs, no chunk; nothing is
    /// resolved or sent. [`resume`](Self::resume) resolves, freezes and sends it.
    ///
    /// # Errors
    /// [`CampaignError::Plan`] (no input, an invalid user id or message: nothing stored),
    /// [`CampaignError::Ledger`].
    pub fn create_people(
        &self,
        agent_id: impl Into<AgentId>,
        message: impl Into<Message>,
        people: PeopleAudience,
    ) -> Result<CampaignHandle, CampaignError> {
        let created_at = self.client.clock().wall();
        let id = fresh_id(created_at)?;
        let record = CampaignRecord::of_people(id, agent_id, message, people, created_at)?;
        self.ledger.create(&record)?;
        Ok(CampaignHandle::new(record))
    }

    /// [`create_people`](Self::create_people), then resolves the people, freezes them into
    /// the ledger and sends them as chunks of at most 100 users: returns once every chunk
    /// is sent, like [`start`](Self::start). The inputs that failed are in
    /// [`CampaignRecord::unresolved`] (through [`CampaignHandle::record`]).
    ///
    /// # Errors
    /// As [`create_people`](Self::create_people), [`CampaignError::Resolve`] when the
    /// resolution stops (nothing sent; a [`resume`](Self::resume) resolves again), or as
    /// [`start`](Self::start).
    pub fn start_people(
        &self,
        agent_id: impl Into<AgentId>,
        message: impl Into<Message>,
        people: PeopleAudience,
    ) -> Result<CampaignHandle, CampaignError> {
        let handle = self.create_people(agent_id, message, people)?;
        let record = self.frozen(handle.into_record())?;
        self.send_pending(record)
    }

    /// Resolves and freezes campaign `id`'s people if they are not frozen yet, and sends
    /// nothing: the campaign as recorded afterwards.
    ///
    /// # Errors
    /// [`CampaignError::NotFound`], [`CampaignError::Resolve`], [`CampaignError::Ledger`].
    pub fn freeze(&self, id: &CampaignId) -> Result<CampaignHandle, CampaignError> {
        Ok(CampaignHandle::new(
            self.frozen(self.load(id)?.into_record())?,
        ))
    }

    /// `record` with its people frozen: as it is when nothing needs resolution; else
    /// resolved, its header then its chunks written, then its inputs dropped (see the
    /// module's crash safety).
    pub(super) fn frozen(&self, record: CampaignRecord) -> Result<CampaignRecord, CampaignError> {
        if !record.needs_resolution() {
            return Ok(self.without_inputs(record));
        }
        // The inputs to resolve, without the user ids given beside them (the chunks take
        // those from the record, so they are not copied here).
        let people = record.header().people.as_ref();
        let Some((query, config)) = people.map(|p| (p.query.clone(), p.config)) else {
            return Ok(record);
        };
        let audience = self
            .client
            .resolver(&query)
            .config(config)
            .run()
            .map_err(|e| CampaignError::Resolve(Box::new(e)))?;
        let id = record.id().clone();
        let mut record = record;
        for _ in 0..HEADER_TRIES {
            if !record.needs_resolution() {
                return Ok(record);
            }
            let (header, chunks) =
                record.freeze(&audience, self.max_users(), self.client.clock().wall())?;
            match self.ledger.update_header(&id, record.header(), &header) {
                Ok(()) => {}
                Err(LedgerError::Conflict { .. }) => {
                    record = self.load(&id)?.into_record();
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            return match self.ledger.append(&id, &chunks) {
                Ok(()) => {
                    record.set_header(header)?;
                    record.append(chunks)?;
                    log::info!(target: super::driver::LOG_TARGET,
                        "campaign {id}: {} people frozen in {} chunks, {} inputs unresolved",
                        record.header().audience.users, record.chunks().len(), record.unresolved().len());
                    Ok(self.without_inputs(record))
                }
                // Another process froze it first: its people stand.
                Err(LedgerError::Conflict { .. }) => {
                    Ok(self.without_inputs(self.load(&id)?.into_record()))
                }
                Err(e) => Err(e.into()),
            };
        }
        Err(CampaignError::Ledger(LedgerError::Conflict {
            id,
            index: 0,
        }))
    }

    /// `record` with the inputs its chunks now hold dropped from its header (mobile
    /// numbers, union ids, user ids; see [`CampaignRecord::header_without_inputs`]), once
    /// they are in. A failure to write leaves them for the next resume, logged: the
    /// campaign is frozen and sends the same either way.
    fn without_inputs(&self, mut record: CampaignRecord) -> CampaignRecord {
        for _ in 0..HEADER_TRIES {
            let Some(header) = record.header_without_inputs() else {
                return record;
            };
            let id = record.id().clone();
            let failed = match self.ledger.update_header(&id, record.header(), &header) {
                Ok(()) => match record.set_header(header) {
                    Ok(()) => return record,
                    Err(e) => e.to_string(),
                },
                // A lease renewed meanwhile, say: read the header again.
                Err(LedgerError::Conflict { .. }) => match self.load(&id) {
                    Ok(handle) => {
                        record = handle.into_record();
                        continue;
                    }
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            log::warn!(target: super::driver::LOG_TARGET,
                "campaign {id}: its inputs stay in the ledger until the next resume: {failed}");
            return record;
        }
        record
    }

    /// The most users a chunk of people holds: the client's per-call limit, the
    /// recipients `getsendresult` answers for (100), and the budget's capacity.
    fn max_users(&self) -> usize {
        let mut max = self
            .client
            .recipient_limits()
            .max_users
            .min(MAX_RESULT_RECIPIENTS);
        if let Some(capacity) = self.client.budget().capacity() {
            max = max.min(usize::try_from(capacity).unwrap_or(usize::MAX).max(1));
        }
        max.max(1)
    }
}
