//! [`SenderLease`]: one sender per campaign. The process sending a campaign holds a lease in
//! its [`CampaignHeader`], renewed while it works; another process may take the campaign
//! over only once the lease has run out (its sender crashed or stalled). The rules are
//! pure: every decision takes `now` (wall-clock time, which processes on one or several
//! hosts share); the driver reads the clock and writes the header through its ledger's
//! compare-and-set.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::CampaignHeader;
use crate::clock::FOREVER;

/// Who sends a campaign, and until when the claim holds unless renewed.
///
/// ```
/// use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord};
/// use dingtalk_notify_proto::Message;
/// use std::time::{Duration, SystemTime};
/// let plan = CampaignPlan::new(1, Message::text("hi"), Audience::users(["u1"]), CHUNK_LIMITS)?;
/// let header = CampaignRecord::new(CampaignId::new("c1")?, plan, SystemTime::UNIX_EPOCH).header().clone();
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
/// let minute = Duration::from_secs(60);
/// let mine = header.take_lease("pid 1", now, minute).expect("nobody holds it");
/// // Another sender is refused while the lease is live, and told whose it is...
/// let held = mine.take_lease("pid 2", now + Duration::from_secs(59), minute).unwrap_err();
/// assert_eq!(held.owner, "pid 1");
/// // ...and takes over once it has run out (its sender crashed).
/// assert!(mine.take_lease("pid 2", now + minute, minute).is_ok());
/// // The holder renews it, and releases it at the end.
/// let renewed = mine.take_lease("pid 1", now + Duration::from_secs(30), minute).unwrap();
/// assert_eq!(renewed.lease.as_ref().unwrap().expires_at, now + Duration::from_secs(90));
/// assert_eq!(renewed.release_lease("pid 1").unwrap().lease, None);
/// assert!(renewed.release_lease("pid 2").is_none(), "not theirs to release");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SenderLease {
    /// The sender: a name unique to one sending run (process, host, a random part).
    pub owner: String,
    /// When the lease runs out unless renewed.
    pub expires_at: SystemTime,
}

impl SenderLease {
    /// A lease of `owner` until `expires_at`.
    pub fn new(owner: impl Into<String>, expires_at: SystemTime) -> Self {
        Self {
            owner: owner.into(),
            expires_at,
        }
    }

    /// Whether it still holds at `now` (it runs out at `expires_at`).
    pub fn is_live(&self, now: SystemTime) -> bool {
        now < self.expires_at
    }

    /// How long it still holds at `now` (zero once it ran out).
    pub fn left(&self, now: SystemTime) -> Duration {
        self.expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
    }
}

impl CampaignHeader {
    /// The header with `owner` holding the lease for `length` from `now`: taken when no
    /// lease is live, renewed when `owner` holds it already (live or not). `length` is
    /// capped at [`FOREVER`].
    ///
    /// # Errors
    /// The live lease of another sender: the campaign is being sent, nothing may be sent
    /// by `owner`, and no chunk it left `sending` may be judged ambiguous.
    pub fn take_lease(
        &self,
        owner: &str,
        now: SystemTime,
        length: Duration,
    ) -> Result<CampaignHeader, SenderLease> {
        if let Some(held) = &self.lease {
            if held.owner != owner && held.is_live(now) {
                return Err(held.clone());
            }
        }
        let expires_at = now
            .checked_add(length.min(FOREVER))
            .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
            .unwrap_or(now);
        let mut header = self.clone();
        header.lease = Some(SenderLease::new(owner, expires_at));
        Ok(header)
    }

    /// The header without `owner`'s lease, or `None` when the lease is not `owner`'s
    /// (another sender took the campaign over after it ran out, or there is none): then
    /// there is nothing to release.
    pub fn release_lease(&self, owner: &str) -> Option<CampaignHeader> {
        match &self.lease {
            Some(held) if held.owner == owner => {
                let mut header = self.clone();
                header.lease = None;
                Some(header)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::{Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord};
    use crate::message::Message;

    fn header() -> CampaignHeader {
        let plan = CampaignPlan::new(7, Message::text("hi"), Audience::users(["a"]), CHUNK_LIMITS)
            .unwrap();
        let id = CampaignId::new("c1").unwrap();
        CampaignRecord::new(id, plan, SystemTime::UNIX_EPOCH)
            .header()
            .clone()
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_live_lease_of_another_refuses_an_expired_one_does_not() {
        let len = Duration::from_secs(45);
        let a = header().take_lease("a", at(100), len).unwrap();
        assert_eq!(a.lease, Some(SenderLease::new("a", at(145))));
        for now in [at(100), at(144)] {
            assert_eq!(
                a.take_lease("b", now, len),
                Err(SenderLease::new("a", at(145)))
            );
        }
        // Runs out at expires_at exactly.
        let b = a.take_lease("b", at(145), len).unwrap();
        assert_eq!(b.lease, Some(SenderLease::new("b", at(190))));
        // A lease that is not live any more is the old sender's no longer: it is refused
        // in turn while b's holds.
        assert_eq!(
            b.take_lease("a", at(150), len).unwrap_err().owner,
            "b".to_owned()
        );
    }

    #[test]
    fn the_holder_renews_even_after_it_ran_out() {
        let len = Duration::from_secs(10);
        let a = header().take_lease("a", at(0), len).unwrap();
        let renewed = a.take_lease("a", at(30), len).unwrap();
        assert_eq!(renewed.lease, Some(SenderLease::new("a", at(40))));
        assert_eq!(renewed.id, a.id);
        assert_eq!(renewed.message, a.message);
    }

    #[test]
    fn only_the_holder_releases() {
        let h = header();
        assert_eq!(h.release_lease("a"), None, "no lease");
        let a = h.take_lease("a", at(0), Duration::from_secs(10)).unwrap();
        assert_eq!(a.release_lease("b"), None);
        let released = a.release_lease("a").unwrap();
        assert_eq!(released.lease, None);
        assert_eq!(released, h);
    }

    #[test]
    fn a_huge_length_does_not_overflow() {
        let a = header().take_lease("a", at(0), Duration::MAX).unwrap();
        let lease = a.lease.unwrap();
        assert!(lease.is_live(at(50 * 365 * 24 * 3600)));
        assert_eq!(lease.left(at(0)), FOREVER);
        assert_eq!(
            lease.left(lease.expires_at + Duration::from_secs(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_header_without_a_lease_reads_and_writes_as_before() {
        let h = header();
        let json = serde_json::to_value(&h).unwrap();
        assert!(json.get("lease").is_none(), "{json}");
        let leased = h.take_lease("a", at(5), Duration::from_secs(1)).unwrap();
        let json = serde_json::to_string(&leased).unwrap();
        let back: CampaignHeader = serde_json::from_str(&json).unwrap();
        assert_eq!(back, leased);
    }
}
