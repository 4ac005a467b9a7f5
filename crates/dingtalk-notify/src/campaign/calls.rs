//! The calls a campaign spends, kept in its header: each send, each follow round and each
//! per-chunk pass (result, status bar, recall) is counted ([`crate::calls::counted`]) and
//! added to [`CampaignHeader::calls`](super::CampaignHeader::calls) in one compare-and-set
//! (never one write per call), with the chunks the round found delivered.

use dingtalk_notify_proto::Transport;
use dingtalk_notify_proto::api::SendProgress;
use dingtalk_notify_proto::campaign::{CampaignHeader, CampaignId, CampaignRecord};

use super::driver::LOG_TARGET;
use super::{CampaignError, Campaigns};
use crate::calls::Tally;
use crate::ledger::{Ledger, LedgerError};

/// How often a header write is tried again after another writer changed the header.
const CONFLICT_RETRIES: usize = 8;

impl<T: Transport, L: Ledger + ?Sized> Campaigns<'_, T, L> {
    /// Adds `calls` and the chunks `progress` shows delivered to campaign `id`'s header,
    /// from `header` (as last read): one compare-and-set; on a conflict the header is read
    /// again and the same facts added to it. Returns the header as now stored.
    ///
    /// # Errors
    /// The ledger's failure (the facts are then not recorded).
    pub(super) fn learn(
        &self,
        id: &CampaignId,
        header: &CampaignHeader,
        calls: &Tally,
        progress: &[(usize, SendProgress)],
    ) -> Result<CampaignHeader, CampaignError> {
        let mut from = header.clone();
        for _ in 0..=CONFLICT_RETRIES {
            let Some(to) = from.learn(calls, progress) else {
                return Ok(from);
            };
            match self.ledger.update_header(id, &from, &to) {
                Ok(()) => return Ok(to),
                Err(LedgerError::Conflict { .. }) => {
                    from = self.load(id)?.record().header().clone();
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CampaignError::Ledger(LedgerError::Conflict {
            id: id.clone(),
            index: 0,
        }))
    }

    /// Adds the calls of one chunk's send to `record`'s header, in the ledger then in
    /// memory.
    ///
    /// # Errors
    /// The ledger's failure.
    pub(super) fn record_calls(
        &self,
        record: &mut CampaignRecord,
        calls: &Tally,
    ) -> Result<(), CampaignError> {
        let header = self.learn(record.id(), record.header(), calls, &[])?;
        record.set_header(header)?;
        Ok(())
    }

    /// [`learn`](Self::learn) where nothing can be returned: a failure is logged (warn)
    /// and the header as it was is kept.
    pub(super) fn learn_or_warn(
        &self,
        id: &CampaignId,
        header: &CampaignHeader,
        calls: &Tally,
        progress: &[(usize, SendProgress)],
    ) -> CampaignHeader {
        self.learn(id, header, calls, progress)
            .unwrap_or_else(|e| {
                log::warn!(target: LOG_TARGET, "campaign {id}: the calls spent could not be recorded: {e}");
                header.clone()
            })
    }
}
