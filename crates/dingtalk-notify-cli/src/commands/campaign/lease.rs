//! One sender per campaign from the shell: a campaign another process is sending is
//! refused (exit 7, "another process is sending it; wait or retry after …"), or waited for
//! with `campaign resume --wait`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dingtalk_notify::campaign::{CampaignError, CampaignHandle, CampaignId};

use crate::exit::{BUSY, Failure, Kind};
use crate::output::{Output, printable};

/// How often `--wait` tries again (a sender that ends releases its lease at once).
const POLL: Duration = Duration::from_secs(1);
/// How often `--wait` looks at the stop flag.
const SLICE: Duration = Duration::from_millis(100);

/// The failure of a resume refused because `owner` holds the lease until `until`.
pub(super) fn busy(id: &CampaignId, owner: &str, until: SystemTime) -> Failure {
    Failure::plain(
        Kind::Busy,
        BUSY,
        format!(
            "another process is sending it; wait or retry after {}, when its lease (held \
             by {}) runs out, or let `campaign resume {id} --wait` wait; nothing was sent",
            when(until),
            printable(owner),
        ),
    )
}

/// `HH:MM:SS UTC (in N s)`: a lease lasts the call deadline plus a margin, so the time of
/// day is enough.
fn when(until: SystemTime) -> String {
    let secs = until.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let left = until
        .duration_since(SystemTime::now())
        .map_or(0, |d| d.as_secs().saturating_add(1));
    let day = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC (in {left} s)",
        day / 3600,
        day / 60 % 60,
        day % 60
    )
}

/// Runs `resume`; with `wait`, a campaign another process is sending is tried again every
/// second until that process ends or its lease runs out. A stop (`stop`) meanwhile ends
/// the wait with the campaign as `load` reads it.
pub(super) fn resume_waiting(
    wait: bool,
    stop: &AtomicBool,
    out: Output,
    mut resume: impl FnMut() -> Result<CampaignHandle, CampaignError>,
    load: impl Fn() -> Result<CampaignHandle, CampaignError>,
) -> Result<CampaignHandle, CampaignError> {
    let mut told = false;
    loop {
        match resume() {
            Err(CampaignError::Busy { id, owner, until }) if wait => {
                if !told {
                    out.narrate(&format!(
                        "campaign {id}: another process is sending it ({}); waiting until it \
                         ends or its lease runs out at {}",
                        printable(&owner),
                        when(until)
                    ));
                    told = true;
                }
                let end = Instant::now() + POLL;
                while Instant::now() < end {
                    if stop.load(Ordering::SeqCst) {
                        return Err(CampaignError::Stopped(Box::new(load()?)));
                    }
                    std::thread::sleep(SLICE);
                }
            }
            other => return other,
        }
    }
}
