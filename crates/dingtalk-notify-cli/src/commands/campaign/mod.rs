//! Campaigns from the shell: `campaign status|watch|result|report|status-bar|recall|resume ID`,
//! over a SQLite ledger or a fleet's Redis (`--redis`), and the document and progress bar
//! `send --users-file` shares with them.

use std::io::IsTerminal;

use dingtalk_notify::budget::BudgetError;
use dingtalk_notify::campaign::{
    CampaignError, CampaignHandle, CampaignId, CampaignProgress, ChunkCalls,
};
use dingtalk_notify::ledger::{Ledger, LedgerError};
use dingtalk_notify::transport::TransportError;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::{CampaignCommand, GlobalArgs};
use crate::exit::{AMBIGUOUS, API, Failure, INVALID_INPUT, Kind, TRANSPORT};
use crate::output::{Output, printable};

mod calls;
mod lease;
mod ledger;
mod remind;
mod report;

pub(super) use ledger::{both_ledgers, open_ledger};

use ledger::open;

use super::CliClient;

/// Runs a `campaign` action.
///
/// # Errors
/// Exit 2 for a bad id or ledger, else the action's failure.
pub fn run(global: &GlobalArgs, command: &CampaignCommand, out: Output) -> Result<(), Failure> {
    let (client, fleet) = super::client_and_fleet(global)?;
    let fleet = fleet.as_ref();
    match command {
        CampaignCommand::Status(args) => {
            let (ledger, handle) = open(&client, fleet, args)?;
            let progress = client.campaigns(ledger.as_ref()).progress(&handle);
            let progress =
                progress.map_err(|e| stopped(out, &client, ledger.as_ref(), handle.id(), e))?;
            let handle = calls::reloaded(&client, ledger.as_ref(), handle);
            report(out, &handle, Some(&progress))
        }
        CampaignCommand::Watch(args) => {
            let (ledger, handle) = open(&client, fleet, args)?;
            let progress = watch(&client, ledger.as_ref(), &handle);
            let progress =
                progress.map_err(|e| stopped(out, &client, ledger.as_ref(), handle.id(), e))?;
            let handle = calls::reloaded(&client, ledger.as_ref(), handle);
            report(out, &handle, Some(&progress))
        }
        CampaignCommand::Result(args) => {
            let (ledger, handle) = open(&client, fleet, args)?;
            let result = client.campaigns(ledger.as_ref()).result(&handle);
            let r = &result.send_result;
            let human = format!(
                "campaign {}: read {}, unread {}, failed {}, forbidden {}, invalid {}; {} chunks without a result",
                handle.id(),
                r.read_user_id_list.len(),
                r.unread_user_id_list.len(),
                r.failed_user_id_list.len(),
                r.forbidden_user_id_list.len(),
                r.invalid_user_id_list.len(),
                result.problems.len()
            );
            out.answer(&human, &result);
            Ok(())
        }
        CampaignCommand::StatusBar(args) => {
            let bg = super::status_bar::parse_bg(args.bg.as_deref())?;
            let (ledger, handle) = open(&client, fleet, &args.campaign)?;
            let calls =
                client
                    .campaigns(ledger.as_ref())
                    .update_status_bar(&handle, &args.value, bg);
            calls_report(out, &handle, "status bar set on", calls)
        }
        CampaignCommand::Recall(args) => {
            let (ledger, handle) = open(&client, fleet, args)?;
            let calls = client.campaigns(ledger.as_ref()).recall(&handle);
            calls_report(out, &handle, "recalled", calls)
        }
        CampaignCommand::Report(args) => report::run(&client, fleet, args, out),
        CampaignCommand::Remind(args) => remind::run(global, &client, fleet, args, out),
        CampaignCommand::Resume(args) => {
            let (ledger, handle) = open(&client, fleet, &args.campaign)?;
            let stop = crate::signals::stop_flag()?;
            let campaigns = client.campaigns(ledger.as_ref()).stop_when(stop);
            let resumed = lease::resume_waiting(
                args.wait,
                stop,
                out,
                || {
                    if args.resend_ambiguous {
                        campaigns.resend_ambiguous(handle.id(), &handle.ambiguous())
                    } else {
                        campaigns.resume(handle.id())
                    }
                },
                || campaigns.load(handle.id()),
            );
            match resumed {
                Ok(handle) => report(out, &handle, None),
                Err(e) => Err(stopped(out, &client, ledger.as_ref(), handle.id(), e)),
            }
        }
    }
}

pub(super) fn campaign_failure(e: CampaignError) -> Failure {
    let e = match super::unresolved::failure(e) {
        Ok(failure) => return failure,
        Err(e) => e,
    };
    if let Some(over) = crate::budget::over_budget(&e) {
        return Failure::over_budget(over);
    }
    match e {
        CampaignError::MonthlyQuotaExceeded(ref api) => Failure::monthly_quota(api, e.to_string()),
        CampaignError::NotFound(_) | CampaignError::Ledger(LedgerError::NotFound { .. }) => {
            Failure::not_found(e.to_string())
        }
        CampaignError::Budget(BudgetError::Window(_)) => Failure::invalid_input(e.to_string()),
        // A reminder refused before anything was stored or sent.
        CampaignError::Reminder(_) => Failure::invalid_input(e.to_string()),
        CampaignError::Busy { id, owner, until } => lease::busy(&id, &owner, until),
        CampaignError::Stopped(_) => crate::signals::stopped(),
        CampaignError::Budget(_) => Failure::plain(Kind::Redis, TRANSPORT, e.to_string()),
        // The ledger failed, holds what another writer changed, or is damaged (and any
        // failure a later version adds is the ledger's too: the rest are sends, recorded).
        _ => Failure::ledger(&e, e.to_string()),
    }
}

/// One progress bar (stderr, on a terminal) or a line per change.
///
/// # Errors
/// [`CampaignError::MonthlyQuotaExceeded`]: following stopped on errcode 90020.
pub(super) fn watch(
    client: &CliClient,
    ledger: &dyn Ledger,
    handle: &CampaignHandle,
) -> Result<CampaignProgress, CampaignError> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(100);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos:>3}% {msg}") {
            bar.set_style(style);
        }
        bar
    });
    let mut last = None;
    let progress = client.campaigns(ledger).track(handle, |p| {
        let line = progress_line(p);
        match &bar {
            Some(bar) => {
                bar.set_position(u64::from(p.progress_in_percent));
                bar.set_message(line);
            }
            None if last.as_ref() != Some(&line) => {
                crate::output::stderr(&line);
                last = Some(line);
            }
            None => {}
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    progress
}

fn progress_line(p: &CampaignProgress) -> String {
    format!(
        "{}% of {} chunks: {} delivered, {} delivering, {} to send, {} failed, {} ambiguous",
        p.progress_in_percent,
        p.chunks,
        p.delivered,
        p.delivering,
        p.waiting,
        p.failed,
        p.ambiguous
    )
}

/// `campaign status`, `watch`, `resume` and `send --users-file`'s document.
#[derive(Debug, Serialize)]
struct CampaignDoc<'a> {
    campaign_id: &'a str,
    agent_id: u64,
    chunks: usize,
    sent: usize,
    pending: Vec<usize>,
    failed: Vec<FailedChunk<'a>>,
    ambiguous: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<&'a CampaignProgress>,
    /// The calls the campaign spent, by endpoint (the ledger's count).
    calls: &'a std::collections::BTreeMap<String, u64>,
    /// The media id the message carries (kept in the ledger: never uploaded again).
    #[serde(skip_serializing_if = "Option::is_none")]
    media_id: Option<&'a str>,
    /// Why the campaign stopped early (over budget, its ledger or Redis failing); absent
    /// when every chunk was tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<crate::output::ErrorBody<'a>>,
    /// The campaign this one reminds (`campaign remind`).
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    /// This campaign's reminders, oldest first.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    reminders: &'a [CampaignId],
    /// A campaign of people's `recipients` and `unresolved` inputs (`send --dept-tree`).
    #[serde(flatten)]
    people: Option<super::unresolved::PeopleDoc>,
}

#[derive(Debug, Serialize)]
struct FailedChunk<'a> {
    index: usize,
    errcode: Option<i64>,
    message: &'a str,
}

/// A campaign that stopped early (over budget, its ledger or Redis failing): its document
/// as the ledger has it, with the error in it (so `--json` prints one document, with the id
/// to resume), and the failure to exit with. When the ledger cannot be read either (Redis
/// lost), the document has the id and the error, and `null` for what only the ledger knows.
pub(super) fn stopped(
    out: Output,
    client: &CliClient,
    ledger: &dyn Ledger,
    id: &CampaignId,
    error: CampaignError,
) -> Failure {
    let mut failure = campaign_failure(error);
    failure.message = format!("campaign {id} stopped early: {}", failure.message);
    match client.campaigns(ledger).load(id) {
        Ok(handle) => {
            let redacted = Failure {
                message: crate::secrets::redact(&failure.message),
                ..failure.clone()
            };
            // The document's own verdict (failed or ambiguous chunks) yields to the stop.
            let _ = render(out, &handle, None, Some(&redacted));
            failure.documented()
        }
        Err(_) => {
            let doc = UnreadDoc {
                campaign_id: id.as_str(),
                sent: None,
                pending: None,
                ambiguous: None,
                error: crate::output::ErrorBody::of(&failure),
            };
            out.answer(
                &format!("campaign {id}: the ledger cannot be read; `campaign status` says what was sent once it can"),
                &doc,
            );
            failure.documented()
        }
    }
}

/// The document of a campaign that stopped early and whose ledger cannot be read: what was
/// sent, pending and ambiguous is unknown here (`null`), the id says what to resume.
#[derive(Debug, Serialize)]
struct UnreadDoc<'a> {
    campaign_id: &'a str,
    sent: Option<usize>,
    pending: Option<Vec<usize>>,
    ambiguous: Option<Vec<usize>>,
    error: crate::output::ErrorBody<'a>,
}

/// Prints the campaign's document; failed chunks exit 1, ambiguous ones exit 5.
pub(super) fn report(
    out: Output,
    handle: &CampaignHandle,
    progress: Option<&CampaignProgress>,
) -> Result<(), Failure> {
    render(out, handle, progress, None)
}

/// The document, with why it stopped early if it did.
fn render(
    out: Output,
    handle: &CampaignHandle,
    progress: Option<&CampaignProgress>,
    stopped: Option<&Failure>,
) -> Result<(), Failure> {
    let failed: Vec<FailedChunk<'_>> = handle
        .failed()
        .into_iter()
        .map(|(index, f)| FailedChunk {
            index,
            errcode: f.code.map(|c| c.get()),
            message: &f.message,
        })
        .collect();
    let doc = CampaignDoc {
        campaign_id: handle.id().as_str(),
        agent_id: handle.record().agent_id().get(),
        chunks: handle.record().chunks().len(),
        sent: handle.tasks().count(),
        pending: handle.pending(),
        failed,
        ambiguous: handle.ambiguous(),
        progress,
        calls: &handle.record().header().calls,
        media_id: super::media::media_id_of(handle.record().message()),
        error: stopped.map(crate::output::ErrorBody::of),
        parent: handle
            .record()
            .header()
            .parent
            .as_ref()
            .map(CampaignId::as_str),
        reminders: &handle.record().header().reminders,
        people: super::unresolved::doc(handle.record()),
    };
    let mut human = format!(
        "campaign {}: {} of {} chunks sent",
        doc.campaign_id, doc.sent, doc.chunks
    );
    if let Some(parent) = doc.parent {
        human.push_str(&format!(" (a reminder of campaign {parent})"));
    }
    if !doc.pending.is_empty() {
        human.push_str(&format!(", {} to send (resume it)", doc.pending.len()));
    }
    for f in &doc.failed {
        human.push_str(&format!(
            "\nchunk {} failed: {}",
            f.index,
            printable(f.message)
        ));
    }
    if !doc.ambiguous.is_empty() {
        human.push_str(&format!(
            "\nambiguous chunks (may or may not have arrived; not resent): {:?}",
            doc.ambiguous
        ));
    }
    if let Some(p) = progress {
        human.push('\n');
        human.push_str(&progress_line(p));
    }
    human.push_str(&calls::line(handle.record().header()));
    out.answer(&human, &doc);
    if !doc.failed.is_empty() {
        return Err(Failure::plain(
            Kind::Incomplete,
            API,
            format!(
                "campaign {}: {} chunks failed",
                doc.campaign_id,
                doc.failed.len()
            ),
        ));
    }
    if !doc.ambiguous.is_empty() {
        return Err(Failure::plain(
            Kind::Incomplete,
            AMBIGUOUS,
            format!(
                "campaign {} completed with ambiguous chunks {:?}; `campaign resume --resend-ambiguous` sends them again",
                doc.campaign_id, doc.ambiguous
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct CallsDoc<'a> {
    campaign_id: &'a str,
    done: &'a [usize],
    failed: Vec<FailedChunk<'a>>,
}

/// Prints which chunks a status-bar update or recall reached; any failure exits with the
/// first failure's code.
fn calls_report(
    out: Output,
    handle: &CampaignHandle,
    verb: &str,
    calls: ChunkCalls<TransportError>,
) -> Result<(), Failure> {
    let failures: Vec<Failure> = calls.failed.iter().map(|(_, e)| Failure::from(e)).collect();
    let failed = calls
        .failed
        .iter()
        .zip(&failures)
        .map(|((index, _), f)| FailedChunk {
            index: *index,
            errcode: f.errcode,
            message: &f.message,
        })
        .collect();
    let doc = CallsDoc {
        campaign_id: handle.id().as_str(),
        done: &calls.done,
        failed,
    };
    let mut human = format!(
        "campaign {}: {verb} {} chunks",
        doc.campaign_id,
        doc.done.len()
    );
    for f in &doc.failed {
        human.push_str(&format!(
            "\nchunk {} failed: {}",
            f.index,
            printable(f.message)
        ));
    }
    out.answer(&human, &doc);
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(Failure::plain(
            Kind::Incomplete,
            if first.exit_code == INVALID_INPUT {
                API
            } else {
                first.exit_code
            },
            format!(
                "campaign {}: {} chunks failed",
                doc.campaign_id,
                failures.len()
            ),
        )),
    }
}
