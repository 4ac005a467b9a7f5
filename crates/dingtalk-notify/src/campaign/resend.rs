//! [`Campaigns::resend_held_back`]: the per-minute quota's follow-up, separate from sending
//! because it waits for delivery: read each sent chunk's result, resend the users DingTalk
//! held back with a per-minute quota code.

use dingtalk_notify_proto::Transport;
use dingtalk_notify_proto::campaign::{
    CampaignId, CampaignRecord, ChunkOrigin, ChunkRecipients, users_to_resend,
};

use super::driver::LOG_TARGET;
use super::{CampaignError, CampaignHandle, Campaigns};
use crate::ledger::{Ledger, LedgerError};

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// Follows up the per-minute quota: waits until the sent chunks of users are delivered
    /// (polling as [`Client::track`](crate::Client::track) does), reads their results, and resends the users
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
    /// As [`resume`](Self::resume).
    pub fn resend_held_back(&self, id: &CampaignId) -> Result<CampaignHandle, CampaignError> {
        let mut record = self
            .send_pending(self.load(id)?.into_record())?
            .into_record();
        for round in 1..=self.policy.resend_rounds {
            let added = self.plan_resends(&mut record, round)?;
            if added.is_empty() {
                break;
            }
            record = self.send_pending(record)?.into_record();
        }
        Ok(CampaignHandle::new(record))
    }

    /// Reads the results of sent chunks without a resend yet and plans one for the users
    /// a per-minute quota held back. Returns the new chunks.
    ///
    /// Users held back that way mean DingTalk's quota is tighter than the budget (another
    /// sender of the app, or a budget set too loose): the budget is marked exhausted for a
    /// window, once a round, before their resends are queued, so they wait for the quota
    /// instead of burning the resend rounds in the same minute.
    fn plan_resends(
        &self,
        record: &mut CampaignRecord,
        round: usize,
    ) -> Result<Vec<usize>, CampaignError> {
        let id = record.id().clone();
        let candidates: Vec<usize> = record
            .chunks()
            .iter()
            .filter(|c| {
                matches!(c.recipients, ChunkRecipients::Users { .. })
                    && c.recipients.has_per_user_result()
                    && c.state.task().is_some()
                    && record.resend_depth(c.index) < round
                    && !record
                        .chunks()
                        .iter()
                        .any(|r| r.origin == ChunkOrigin::Resend { of: c.index })
            })
            .map(|c| c.index)
            .collect();
        let mut added = Vec::new();
        let mut exhausted = false;
        for index in candidates {
            let Some(task) = record.chunk(index).and_then(|c| c.state.task()).copied() else {
                continue;
            };
            let report = match self.client.track(&task) {
                Ok(r) => r,
                Err(e) => {
                    log::debug!(target: LOG_TARGET, "campaign {id} chunk {index}: no result to check for held-back users: {e}");
                    continue;
                }
            };
            let users = users_to_resend(&report.send_result);
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
