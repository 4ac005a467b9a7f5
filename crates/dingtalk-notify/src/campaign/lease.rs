//! One sender per campaign, and a stop the caller may ask for: the driver's side of the
//! core's [`SenderLease`](dingtalk_notify_proto::campaign::SenderLease).
//!
//! Every send of [`Campaigns`] (start, resume, the resends) runs under a lease written into
//! the campaign's header through the ledger's compare-and-set: taken before the first state
//! is changed, renewed before each chunk's send and while a wait goes on, released at the
//! end. A second sender is refused ([`CampaignError::Busy`]) while the lease is live, so
//! it never judges a chunk in flight ambiguous; once a crashed sender's lease has run out,
//! a resume goes on as before it (`sending` becomes ambiguous).
//!
//! **The lease's length** is the client's call deadline
//! ([`RetryPolicy::deadline`](crate::RetryPolicy::deadline)) plus the policy's
//! [`lease_margin`](super::CampaignPolicy::lease_margin) (15 s by default), counted from
//! each renewal. A renewal comes right before a chunk's send, so the lease outlives the
//! call (bounded by the deadline) and the two ledger writes around it (SQLite waits at most
//! 5 s for its lock); waits renew it whenever less than half of it is left. A crashed
//! sender's campaign can be resumed at most that long after the crash.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use dingtalk_notify_proto::campaign::{Admission, CampaignId, CampaignRecord};
use dingtalk_notify_proto::{Transport, instant_after};

use super::driver::LOG_TARGET;
use super::sender::Flow;
use super::{CampaignError, CampaignHandle, Campaigns};
use crate::ledger::{Ledger, LedgerError};

/// How often a wait looks at the stop flag.
const STOP_SLICE: Duration = Duration::from_millis(100);
/// How many times a lease write is tried again when another writer changed the header
/// meanwhile (a lease is refused only by another sender's live lease).
const LEASE_TRIES: usize = 5;

impl<'a, T: Transport, L: Ledger + ?Sized> Campaigns<'a, T, L> {
    /// Stops sending once `stop` is set (a signal handler sets it, say): checked before
    /// each chunk and during every wait (the budget's, a retry's), which sleeps in slices
    /// of 100 ms on the client's clock. The call in flight is not cut short: it ends
    /// within the client's deadline and is recorded. Sending then returns
    /// [`CampaignError::Stopped`] with the campaign as recorded; a
    /// [`resume`](Self::resume) sends the rest.
    #[must_use]
    pub fn stop_when(mut self, stop: &'a AtomicBool) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Whether the caller asked to stop.
    pub(super) fn stop_requested(&self) -> bool {
        self.stop.is_some_and(|s| s.load(Ordering::SeqCst))
    }

    fn lease_length(&self) -> Duration {
        self.client
            .retry_policy()
            .deadline
            .saturating_add(self.policy.lease_margin)
    }

    fn busy(&self, id: &CampaignId, owner: String, until: SystemTime) -> CampaignError {
        CampaignError::Busy {
            id: id.clone(),
            owner,
            until,
        }
    }

    /// Runs `run` on campaign `id` under this sender's lease: taken first (refused while
    /// another sender's is live), the record then read again so `run` sees every chunk as
    /// stored, and released at the end whatever happened (a release that fails leaves a
    /// lease that runs out, or that this sender takes again).
    pub(super) fn leased(
        &self,
        id: &CampaignId,
        run: impl FnOnce(&mut CampaignRecord) -> Result<Flow, CampaignError>,
    ) -> Result<CampaignHandle, CampaignError> {
        let mut record = self.load(id)?.into_record();
        let Some(_running) = self.sender.enter(id) else {
            let until = record
                .header()
                .lease
                .as_ref()
                .map_or_else(|| self.client.clock().wall(), |l| l.expires_at);
            return Err(self.busy(id, self.sender.owner().to_owned(), until));
        };
        self.renew_lease(&mut record)?;
        // One copy at a time: a campaign of millions of users is a large record.
        drop(record);
        let mut record = self.load(id)?.into_record();
        let outcome = run(&mut record);
        self.release_lease(&mut record);
        match outcome? {
            Flow::Done => Ok(CampaignHandle::new(record)),
            Flow::Stopped => {
                log::info!(target: LOG_TARGET, "campaign {id} stopped on request");
                Err(CampaignError::Stopped(Box::new(CampaignHandle::new(
                    record,
                ))))
            }
        }
    }

    /// Takes or renews this sender's lease for [`lease_length`](Self::lease_length) from
    /// now, keeping the record's header as written.
    ///
    /// # Errors
    /// [`CampaignError::Busy`] while another sender's lease is live (it took the campaign
    /// over after this one's ran out, say); a ledger failure.
    pub(super) fn renew_lease(&self, record: &mut CampaignRecord) -> Result<(), CampaignError> {
        let id = record.id().clone();
        for _ in 0..LEASE_TRIES {
            let now = self.client.clock().wall();
            let to = record
                .header()
                .take_lease(self.sender.owner(), now, self.lease_length())
                .map_err(|held| self.busy(&id, held.owner, held.expires_at))?;
            match self.ledger.update_header(&id, record.header(), &to) {
                Ok(()) => {
                    record.set_header(to)?;
                    return Ok(());
                }
                Err(LedgerError::Conflict { .. }) => {
                    let stored = self.load(&id)?.into_record();
                    record.set_header(stored.header().clone())?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(LedgerError::Conflict { id, index: 0 }.into())
    }

    /// Releases this sender's lease if it still holds it; a failure is logged (the lease
    /// runs out by itself).
    fn release_lease(&self, record: &mut CampaignRecord) {
        let id = record.id().clone();
        for _ in 0..LEASE_TRIES {
            let Some(to) = record.header().release_lease(self.sender.owner()) else {
                return;
            };
            match self.ledger.update_header(&id, record.header(), &to) {
                Ok(()) => {
                    let _ = record.set_header(to);
                    return;
                }
                Err(LedgerError::Conflict { .. }) => match self.load(&id) {
                    Ok(stored) => {
                        let _ = record.set_header(stored.record().header().clone());
                    }
                    Err(e) => {
                        log::warn!(target: LOG_TARGET, "campaign {id}: the lease could not be released ({e}); it runs out by itself");
                        return;
                    }
                },
                Err(e) => {
                    log::warn!(target: LOG_TARGET, "campaign {id}: the lease could not be released ({e}); it runs out by itself");
                    return;
                }
            }
        }
    }

    /// Waits `total` on the client's clock, in slices: the stop flag is looked at between
    /// them (every 100 ms when there is one) and the lease renewed when less than half of
    /// it is left. Returns `false` when stopped.
    pub(super) fn wait(
        &self,
        record: &mut CampaignRecord,
        total: Duration,
    ) -> Result<bool, CampaignError> {
        let clock = self.client.clock();
        let length = self.lease_length();
        let slice = if self.stop.is_some() {
            STOP_SLICE
        } else {
            (length / 4).max(STOP_SLICE)
        };
        let end = instant_after(clock.now(), total);
        loop {
            if self.stop_requested() {
                return Ok(false);
            }
            let now = clock.now();
            if now >= end {
                return Ok(true);
            }
            let left = record
                .header()
                .lease
                .as_ref()
                .map_or(Duration::ZERO, |l| l.left(clock.wall()));
            if left < length / 2 {
                self.renew_lease(record)?;
            }
            clock.sleep((end - now).min(slice));
        }
    }

    /// Waits until the client's budget admits `users` recipients, as
    /// [`wait`](Self::wait) waits. Returns `false` when stopped (nothing was counted then).
    pub(super) fn pace(
        &self,
        record: &mut CampaignRecord,
        users: u32,
    ) -> Result<bool, CampaignError> {
        loop {
            if self.stop_requested() {
                return Ok(false);
            }
            let now = self.client.clock().now();
            match self.client.budget().try_acquire(users, now)? {
                Admission::Granted => return Ok(true),
                Admission::Wait(wait) => {
                    crate::observe::budget_wait(users, wait);
                    if !self.wait(record, wait)? {
                        return Ok(false);
                    }
                }
            }
        }
    }
}
