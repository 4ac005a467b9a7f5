//! [`Sender`]: who a [`Campaigns`](super::Campaigns) driver is to the campaigns it sends:
//! the name its leases carry, and the campaigns it is sending now.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use dingtalk_notify_proto::campaign::CampaignId;

/// A sender: the name its leases carry, and the campaigns it is sending now (one sender
/// sends a campaign once at a time, also when shared by several threads).
pub(super) struct Sender {
    owner: String,
    running: Mutex<BTreeSet<CampaignId>>,
}

impl Sender {
    /// A new sender named after this process: pid, host and a random part.
    pub(super) fn new() -> Self {
        Self {
            owner: format!(
                "pid {} on {} ({:08x})",
                std::process::id(),
                host(),
                fastrand::u32(..)
            ),
            running: Mutex::new(BTreeSet::new()),
        }
    }

    /// The name its leases carry.
    pub(super) fn owner(&self) -> &str {
        &self.owner
    }

    /// Marks campaign `id` as being sent by this sender until the guard is dropped, or
    /// `None` when it is already (another thread sharing the driver).
    pub(super) fn enter(&self, id: &CampaignId) -> Option<Running<'_>> {
        let fresh = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone());
        fresh.then(|| Running {
            sender: self,
            id: id.clone(),
        })
    }
}

/// A campaign a sender is sending; dropping it ends that.
pub(super) struct Running<'s> {
    sender: &'s Sender,
    id: CampaignId,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.sender
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// The host's name as Linux gives it (`localhost` elsewhere), printable and short: it is
/// shown to whoever is refused.
fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let name: String = name
            .trim()
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        if name.is_empty() {
            "localhost".to_owned()
        } else {
            name
        }
    })
}

/// Whether a leased run went to its end or stopped on the caller's flag.
pub(super) enum Flow {
    Done,
    Stopped,
}

/// Seconds since the Unix epoch (0 before it): how errors show a lease's end.
pub(super) fn unix_secs(at: &SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
