//! `campaign remind ID (--text … | --markdown … | --msg-json …) [--include …] [--dry-run]`:
//! a follow-up campaign to the people of campaign ID who have not read it, kept in the same
//! ledger and linked to it; or, with `--dry-run`, its plan and nothing sent.

use std::collections::{HashSet, VecDeque};

use dingtalk_notify::campaign::{CampaignHandle, CampaignId, PersonState};

use super::super::CliClient;
use super::super::dry_run::{self, DryRun};
use super::super::fleet::Fleet;
use super::{campaign_failure, open, report, stopped};
use crate::cli::{CampaignRemindArgs, GlobalArgs, RemindState};
use crate::exit::Failure;
use crate::output::Output;
use crate::report::reminders::Reminders;

/// The report's states `--include` names.
fn states(include: &[RemindState]) -> Vec<PersonState> {
    include
        .iter()
        .map(|s| match s {
            RemindState::Unread => PersonState::Unread,
            RemindState::Failed => PersonState::Failed,
            RemindState::Forbidden => PersonState::Forbidden,
        })
        .collect()
}

/// Runs `campaign remind`.
///
/// # Errors
/// Exit 2, nothing sent, when the reminder is refused (the parent's content, the parent
/// not finished or its results unreadable, nobody to remind) or its input is invalid; else
/// as `send --ledger`.
pub(super) fn run(
    global: &GlobalArgs,
    client: &CliClient,
    fleet: Option<&Fleet>,
    args: &CampaignRemindArgs,
    out: Output,
) -> Result<(), Failure> {
    let message = super::super::send::message(&args.message.as_message_args())?;
    let (ledger, parent) = open(client, fleet, &args.campaign)?;
    let campaigns = client.campaigns(ledger.as_ref());
    let include = states(&args.include);
    if args.dry_run {
        let plan = campaigns
            .plan_reminder(parent.id(), message, &include)
            .map_err(campaign_failure)?;
        let run = DryRun {
            plan: &plan,
            given: None,
            file_duplicates: 0,
            unresolved: Vec::new(),
            parent: Some(parent.id().as_str()),
            ledger: Some(ledger.as_ref()),
        };
        return dry_run::print(global.budget, run, out);
    }
    let asked_at = std::time::SystemTime::now();
    match campaigns.remind(parent.id(), message, &include) {
        Ok(handle) => report(out, &handle, None),
        Err(e) => {
            // Refused before anything was stored: no reminder to show.
            if matches!(e, dingtalk_notify::campaign::CampaignError::Reminder(_)) {
                return Err(campaign_failure(e));
            }
            // Stored, then stopped while sending: the reminder's document, if it exists.
            match reminder_of(client, ledger.as_ref(), parent.id(), asked_at) {
                Some(id) => Err(stopped(out, client, ledger.as_ref(), &id, e)),
                None => Err(campaign_failure(e)),
            }
        }
    }
}

/// The newest reminder the parent's header lists, if it was created at or after
/// `asked_at` (this run's: an older one is another run's).
fn reminder_of(
    client: &CliClient,
    ledger: &dyn dingtalk_notify::ledger::Ledger,
    parent: &CampaignId,
    asked_at: std::time::SystemTime,
) -> Option<CampaignId> {
    let campaigns = client.campaigns(ledger);
    let handle = campaigns.load(parent).ok()?;
    let last = handle.record().header().reminders.last()?;
    let reminder = campaigns.load(last).ok()?;
    (reminder.record().created_at() >= asked_at).then(|| last.clone())
}

/// The reminders of `parent`, and theirs, a parent before its reminders: each one's own
/// report (one `getsendresult` per sent chunk). A reminder gone from the ledger is left
/// out.
pub(super) fn reminders_of(
    client: &CliClient,
    ledger: &dyn dingtalk_notify::ledger::Ledger,
    parent: &CampaignHandle,
) -> Reminders {
    let campaigns = client.campaigns(ledger);
    let mut reminders = Reminders::default();
    let mut queue: VecDeque<(CampaignId, CampaignId)> = parent
        .record()
        .header()
        .reminders
        .iter()
        .map(|r| (parent.id().clone(), r.clone()))
        .collect();
    let mut seen = HashSet::new();
    while let Some((of, id)) = queue.pop_front() {
        if !seen.insert(id.clone()) {
            continue; // a damaged ledger's cycle
        }
        let Ok(handle) = campaigns.load(&id) else {
            continue;
        };
        reminders.add(id.as_str(), of.as_str(), &campaigns.report(&handle));
        queue.extend(
            handle
                .record()
                .header()
                .reminders
                .iter()
                .map(|r| (id.clone(), r.clone())),
        );
    }
    reminders
}
