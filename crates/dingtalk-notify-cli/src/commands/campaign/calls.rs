//! The calls a campaign spent, as `campaign status` and `watch` show them: the ledger's
//! count by endpoint (sends, progress, results, token, …), read again after the command's
//! own calls so they are in it.

use dingtalk_notify::campaign::CampaignHandle;
use dingtalk_notify::ledger::CampaignHeader;
use dingtalk_notify::ledger::Ledger;

use super::super::CliClient;

/// `handle` as the ledger has it now (with the calls this command just spent), or as it
/// was when the ledger cannot be read again (the failure shows on the next command).
pub(super) fn reloaded(
    client: &CliClient,
    ledger: &dyn Ledger,
    handle: CampaignHandle,
) -> CampaignHandle {
    client.campaigns(ledger).load(handle.id()).unwrap_or(handle)
}

/// `\ncalls spent: 23 (progress 11, result 10, send 1, token 1)`, or nothing when the
/// ledger counted none (a campaign recorded before calls were counted).
pub(super) fn line(header: &CampaignHeader) -> String {
    if header.calls.is_empty() {
        return String::new();
    }
    let each: Vec<String> = header
        .calls
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    format!(
        "\ncalls spent: {} ({})",
        header.total_calls(),
        each.join(", ")
    )
}
