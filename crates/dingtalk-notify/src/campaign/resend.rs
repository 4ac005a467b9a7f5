//! [`Campaigns::resend_held_back`]: the per-minute quota's follow-up, separate from sending
//! because it waits for delivery: read each sent chunk's result, resend the users DingTalk
//! held back with a per-minute quota code.

use std::collections::BTreeSet;

use dingtalk_notify_proto::Transport;
use dingtalk_notify_proto::api::SendProgress;
use dingtalk_notify_proto::campaign::{
    CampaignId, CampaignRecord, ChunkOrigin, ChunkRecipients, users_to_resend,
};
use dingtalk_notify_proto::tracking::Operation;

use super::driver::LOG_TARGET;
use super::{CampaignError, CampaignHandle, Campaigns};
use crate::calls::monthly_quota;
use crate::ledger::{Ledger, LedgerError};

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// Follows up the per-minute quota: waits until the sent chunks of users are delivered
    /// (polling as [`track`](Self::track) does: chunks known delivered cost no call),
    /// reads each one's result once, and resends the users
    /// DingTalk held back with a per-minute quota code (143103/143104, ISV 143203/143204)
    /// in new chunks, recorded in the ledger before they are sent; then again for those
    /// chunks, up to the policy's [`resend_rounds`](super::CampaignPolicy::resend_rounds). Users
    /// held back for the day (143105, 143106) are never resent. A chunk gets at most one
    /// resend, so calling this again (after a crash, say) resends nobody twice.
    ///
    /// This blocks for as long as delivery takes; call it when the caller wants everyone
    /// reached, not to send.
    ///
    /// # Errors
    /// As [`resume`](Self::resume); [`CampaignError::MonthlyQuotaExceeded`] on errcode
    /// 90020, which stops it at once.
    pub fn resend_held_back(&self, id: &CampaignId) -> Result<CampaignHandle, CampaignError> {
        let mut record = self
            .send_pending(self.load(id)?.into_record())?
            .into_record();
        // Chunks whose result was read in this call: never read twice.
        let mut checked = BTreeSet::new();
        for round in 1..=self.policy.resend_rounds {
            let added = self.plan_resends(&mut record, round, &mut checked)?;
            if added.is_empty() {
                break;
            }
            record = self.send_pending(record)?.into_record();
        }
        Ok(CampaignHandle::new(record))
    }

    /// Waits until the sent chunks of users without a resend (and not `checked` yet) are
    /// delivered, reads each one's result once, and plans a resend for the users a
    /// per-minute quota held back. Returns the new chunks.
    ///
    /// Users held back that way mean DingTalk's quota is tighter than the budget (another
    /// sender of the app, or a budget set too loose): the budget is marked exhausted for a
    /// window, once a round, before their resends are queued, so they wait for the quota
    /// instead of burning the resend rounds in the same minute.
    fn plan_resends(
        &self,
        record: &mut CampaignRecord,
        round: usize,
        checked: &mut BTreeSet<usize>,
    ) -> Result<Vec<usize>, CampaignError> {
        let id = record.id().clone();
        let now = self.client.clock().wall();
        let candidates: BTreeSet<usize> = record
            .chunks()
            .iter()
            .filter(|c| {
                matches!(c.recipients, ChunkRecipients::Users { .. })
                    && c.recipients.has_per_user_result()
                    && c.state
                        .task()
                        .is_some_and(|t| t.check_window(Operation::Result, now).is_ok())
                    && !checked.contains(&c.index)
                    && record.resend_depth(c.index) < round
                    && !record
                        .chunks()
                        .iter()
                        .any(|r| r.origin == ChunkOrigin::Resend { of: c.index })
            })
            .map(|c| c.index)
            .collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let delivered = self.deliver(record, |i| candidates.contains(&i), |_| {})?;
        record.set_header(delivered.header)?;
        let (outcome, calls) = crate::calls::counted(|| {
            let mut results = Vec::new();
            for &index in &candidates {
                let Some(chunk) = record.chunk(index) else {
                    continue;
                };
                let done = record.recorded_progress(chunk).is_some()
                    || delivered
                        .known
                        .get(&index)
                        .is_some_and(SendProgress::is_done);
                let Some(task) = chunk.state.task().filter(|_| done) else {
                    log::debug!(target: LOG_TARGET, "campaign {id} chunk {index}: not delivered before the track deadline; its held-back users are checked next time");
                    continue;
                };
                checked.insert(index);
                match self.client.result(task) {
                    Ok(result) => results.push((index, users_to_resend(&result))),
                    Err(e) => {
                        if let Some(api) = monthly_quota(&e) {
                            return (results, Some(api));
                        }
                        log::debug!(target: LOG_TARGET, "campaign {id} chunk {index}: no result to check for held-back users: {e}");
                    }
                }
            }
            (results, None)
        });
        let (results, quota) = outcome;
        let header = self.learn(&id, record.header(), &calls, &[])?;
        record.set_header(header)?;
        if let Some(api) = quota {
            return Err(CampaignError::MonthlyQuotaExceeded(api));
        }
        let mut added = Vec::new();
        let mut exhausted = false;
        for (index, users) in results {
            if users.is_empty() {
                continue;
            }
            if !exhausted {
                crate::budget::hold(self.client.budget(), self.client.clock())?;
                exhausted = true;
            }
            let chunks = record.plan_resend(index, users)?;
            match self.ledger.append(&id, &chunks) {
                Ok(()) => {}
                Err(LedgerError::Conflict { .. }) => {
                    *record = self.load(&id)?.into_record();
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
            added.extend(chunks.iter().map(|c| c.index));
            record.append(chunks)?;
        }
        Ok(added)
    }
}
