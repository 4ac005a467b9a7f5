//! Listing an app's campaigns by creation time ([`Ledger::created_since`]): a `SCAN` of the
//! app's campaign hashes and each one's `head`, read only (nothing is stamped or rewritten).
//!
//! [`Ledger::created_since`]: dingtalk_notify::ledger::Ledger::created_since

use std::time::SystemTime;

use dingtalk_notify::campaign::CampaignId;
use dingtalk_notify::ledger::{CampaignHeader, LedgerError};

use crate::keys::Namespace;
use crate::ledger_write::Writer;

/// Keys asked of each `SCAN` round.
const SCAN_COUNT: usize = 500;
/// The most campaign hashes looked at in one listing: a bound on the work a dry run does.
const MAX_LISTED: usize = 100_000;

/// The ids of the app's campaigns created at or after `since`, oldest first (ties by id).
/// A hash whose head cannot be read is skipped: a listing warns, it does not judge.
pub(crate) fn created_since(
    writer: &Writer,
    ns: &Namespace,
    since: SystemTime,
) -> Result<Vec<CampaignId>, LedgerError> {
    let prefix = ns.key("campaign:");
    let pattern = format!("{prefix}*");
    let mut cursor: u64 = 0;
    let mut keys: Vec<String> = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = writer.run(|c| {
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query(c)
        })?;
        keys.extend(batch);
        if next == 0 || keys.len() >= MAX_LISTED {
            break;
        }
        cursor = next;
    }
    keys.sort();
    keys.dedup(); // SCAN may return a key twice
    let mut found: Vec<(SystemTime, CampaignId)> = Vec::new();
    for key in keys {
        let head: Option<String> =
            writer.run(|c| redis::cmd("HGET").arg(&key).arg("head").query(c))?;
        let Some(head) = head else { continue };
        let Ok(header) = serde_json::from_str::<CampaignHeader>(&head) else {
            continue;
        };
        if header.created_at >= since && key.strip_prefix(&prefix) == Some(header.id.as_str()) {
            found.push((header.created_at, header.id));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, id)| id).collect())
}
