//! `send … --dry-run` and `campaign remind … --dry-run`: the audience resolved (read calls
//! only) and planned, nothing sent; prints the recipients, chunks, an ETA at the budget,
//! the calls to send and then to follow the campaign, and warnings. Exit 0.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use dingtalk_notify::budget::Budget;
use dingtalk_notify::campaign::{Audience, CampaignPlan};
use dingtalk_notify::kit::campaign::ChunkRecipients;
use dingtalk_notify::kit::campaign::Estimate;
use dingtalk_notify::ledger::{Ledger, MemoryLedger};
use dingtalk_notify::media::MediaKind;
use dingtalk_notify::{AgentId, Message};
use serde::Serialize;

use super::CliClient;
use super::fleet::Fleet;
use super::media::Pending;
use crate::exit::Failure;
use crate::output::Output;

/// The longest `msg` DingTalk takes: "`msg` at most 2,048 bytes"
/// (../shared/spec/audience-and-media.md).
const MAX_MSG_BYTES: usize = 2_048;
/// The longest userid DingTalk gives out (as `send --users-file` checks).
const MAX_USER_ID_CHARS: usize = 64;
/// How many bad ids a warning names.
const NAMED: usize = 5;

/// The dry run's document.
#[derive(Debug, Serialize)]
struct DryRunDoc {
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    recipients: usize,
    chunks: usize,
    eta_seconds: u64,
    calls: Calls,
    warnings: Vec<Warning>,
    unresolved: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Calls {
    send: usize,
    follow: usize,
}

/// One warning: a stable kind, and what it means.
#[derive(Debug, Serialize)]
struct Warning {
    kind: &'static str,
    message: String,
}

/// What a dry run is about: the plan, the ids as given before duplicates were removed, what
/// could not be resolved, and the parent for a reminder.
pub(super) struct DryRun<'a> {
    /// The plan, made as the send would make it.
    pub plan: &'a CampaignPlan,
    /// How many user ids the audience was given (before duplicates were removed).
    pub given: Option<usize>,
    /// Duplicate ids a users file held beyond those in `given`.
    pub file_duplicates: usize,
    /// The audience's inputs that did not resolve (people audiences), as their resolver
    /// describes them.
    pub unresolved: Vec<serde_json::Value>,
    /// A reminder's parent campaign.
    pub parent: Option<&'a str>,
    /// The ledger to look for the same content sent within 24 hours, if any.
    pub ledger: Option<&'a dyn Ledger>,
}

/// `send --dry-run`: what the send path resolved, before anything is uploaded or sent.
pub(super) struct Send<'a> {
    /// The sending app.
    pub agent_id: AgentId,
    /// The message, or the file a send would upload first.
    pub pending: Pending,
    /// The audience as the send path resolved it.
    pub audience: Audience,
    /// Its inputs that did not resolve (people audiences), as their resolver describes them.
    pub unresolved: Vec<serde_json::Value>,
    /// `--ledger`, read only if the file exists (a dry run creates nothing).
    pub ledger: Option<&'a std::path::Path>,
    /// The fleet, whose Redis holds its ledger.
    pub fleet: Option<&'a Fleet>,
    /// The duplicate lines of `--users-file`, dropped as it was read.
    pub file_duplicates: usize,
}

/// A media id a dry run plans with: a file is uploaded only when sent.
const PLACEHOLDER_MEDIA_ID: &str = "@dry-run-media-id-uploaded-when-sent";

/// Plans `send` as the send path would (chunks within the client's limits and budget)
/// and prints the dry run; nothing is uploaded or sent.
///
/// # Errors
/// Exit 2 for an audience that cannot be planned.
pub(super) fn send(
    client: &CliClient,
    budget: u32,
    send: Send<'_>,
    out: Output,
) -> Result<(), Failure> {
    let message = match send.pending {
        Pending::Ready(message) => message,
        Pending::Upload { file, duration } => match file.kind {
            MediaKind::Image => Message::image(PLACEHOLDER_MEDIA_ID),
            MediaKind::Voice => Message::voice(PLACEHOLDER_MEDIA_ID, duration),
            MediaKind::File | MediaKind::Video => Message::file(PLACEHOLDER_MEDIA_ID),
        },
    };
    let given = send.audience.user_ids().len();
    let plan = client
        .campaigns(&MemoryLedger::new())
        .plan(send.agent_id, message, send.audience)
        .map_err(|e| Failure::invalid_input(e.to_string()))?;
    let ledger = match (send.ledger, send.fleet) {
        (Some(_), Some(_)) => return Err(super::campaign::both_ledgers()),
        (Some(path), None) if path.exists() => Some(super::campaign::open_ledger(path)?),
        (None, Some(fleet)) => Some(fleet.ledger()?),
        _ => None,
    };
    let run = DryRun {
        plan: &plan,
        given: Some(given),
        file_duplicates: send.file_duplicates,
        unresolved: send.unresolved,
        parent: None,
        ledger: ledger.as_deref(),
    };
    print(budget, run, out)
}

/// Prints the dry run of `run`, paced at `budget` recipients a minute.
///
/// # Errors
/// Exit 2 when a chunk could never fit the budget (the plan fits it, so not in practice).
pub(super) fn print(budget: u32, run: DryRun<'_>, out: Output) -> Result<(), Failure> {
    let now = std::time::Instant::now(); // an idle window: only durations matter
    let estimate = Estimate::idle(run.plan, Budget::per_minute(budget), now)
        .map_err(|e| Failure::invalid_input(e.to_string()))?;
    let mut warnings = warnings(run.plan, run.given, run.file_duplicates);
    if let Some(ledger) = run.ledger {
        warnings.extend(same_content(ledger, run.plan, SystemTime::now()));
    }
    let doc = DryRunDoc {
        dry_run: true,
        parent: run.parent.map(str::to_owned),
        recipients: estimate.recipients,
        chunks: estimate.chunks,
        eta_seconds: estimate.eta.as_secs(),
        calls: Calls {
            send: estimate.send_calls,
            follow: estimate.follow_calls,
        },
        warnings,
        unresolved: run.unresolved,
    };
    let mut human = format!(
        "dry run{}: {} recipients in {} chunks, about {} s at --budget {budget}/min; {} calls \
         to send, at least {} to follow; nothing was sent",
        doc.parent
            .as_deref()
            .map(|p| format!(" of a reminder of campaign {p}"))
            .unwrap_or_default(),
        doc.recipients,
        doc.chunks,
        doc.eta_seconds,
        doc.calls.send,
        doc.calls.follow
    );
    for w in &doc.warnings {
        human.push_str(&format!(
            "\nwarning: {}",
            crate::output::printable(&w.message)
        ));
    }
    if !doc.unresolved.is_empty() {
        human.push_str(&format!("\nunresolved: {} inputs", doc.unresolved.len()));
    }
    out.answer(&human, &doc);
    Ok(())
}

/// Everything a send would silently lose or be refused for.
fn warnings(plan: &CampaignPlan, given: Option<usize>, file: usize) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if let Some(given) = given {
        let removed = given.saturating_sub(plan.user_count()) + file;
        if removed > 0 {
            warnings.push(Warning {
                kind: "duplicates_removed",
                message: format!("{removed} duplicate user ids removed (each is sent once)"),
            });
        }
    }
    let ids = plan.chunks().iter().flat_map(|c| c.user_ids());
    let (mut long, mut control) = (Vec::new(), Vec::new());
    for id in ids {
        if id.chars().any(char::is_control) {
            control.push(id.escape_debug().to_string());
        } else if id.chars().count() > MAX_USER_ID_CHARS {
            long.push(id.to_owned());
        }
    }
    let named = |ids: &[String]| {
        let mut shown: Vec<&str> = ids.iter().take(NAMED).map(String::as_str).collect();
        if ids.len() > NAMED {
            shown.push("…");
        }
        shown.join(", ")
    };
    if !long.is_empty() {
        warnings.push(Warning {
            kind: "id_too_long",
            message: format!(
                "{} ids are longer than the {MAX_USER_ID_CHARS} characters of a DingTalk \
                 userid and cannot be user ids (DingTalk lists them as invalid): {}",
                long.len(),
                named(&long)
            ),
        });
    }
    if !control.is_empty() {
        warnings.push(Warning {
            kind: "id_control_character",
            message: format!(
                "{} ids hold control characters and cannot be user ids: {}",
                control.len(),
                named(&control)
            ),
        });
    }
    let msg_bytes = msg_bytes(plan.message());
    if msg_bytes > MAX_MSG_BYTES {
        warnings.push(Warning {
            kind: "msg_too_large",
            message: format!(
                "the msg is {msg_bytes} bytes; DingTalk takes at most {MAX_MSG_BYTES}: shorten it"
            ),
        });
    }
    if plan.chunks().iter().any(is_all) {
        warnings.push(Warning {
            kind: "to_all_user_daily_cap",
            message: "to_all_user: DingTalk allows it at most 3 times a day per app; this send \
                      uses one"
                .to_owned(),
        });
    }
    warnings
}

/// The campaigns of `ledger` created in the 24 hours before `now` with the plan's message
/// and some of its people: DingTalk drops the same content to the same person within a
/// day as 143106 (../shared/spec/audience-and-media.md). A campaign that cannot be read is
/// skipped.
fn same_content(ledger: &dyn Ledger, plan: &CampaignPlan, now: SystemTime) -> Option<Warning> {
    let since = now.checked_sub(DAY).unwrap_or(SystemTime::UNIX_EPOCH);
    let ids = match ledger.created_since(since) {
        Ok(Some(ids)) => ids,
        Ok(None) | Err(_) => {
            return Some(Warning {
                kind: "same_content_unchecked",
                message: "the ledger cannot list its campaigns: the same content sent to the \
                          same people within 24 h was not checked"
                    .to_owned(),
            });
        }
    };
    let plan_all = plan.chunks().iter().any(is_all);
    let people: HashSet<&str> = plan.chunks().iter().flat_map(|c| c.user_ids()).collect();
    let mut found: Vec<String> = Vec::new();
    let mut overlap = 0usize;
    for id in ids {
        let Ok(Some(record)) = ledger.load(&id) else {
            continue;
        };
        if record.message() != plan.message() {
            continue;
        }
        let theirs = record.chunks().iter().map(|c| &c.recipients);
        let common = if plan_all || theirs.clone().any(is_all) {
            people.len().max(1)
        } else {
            let theirs: HashSet<&str> = theirs.flat_map(|c| c.user_ids()).collect();
            people.iter().filter(|p| theirs.contains(*p)).count()
        };
        if common > 0 {
            overlap = overlap.max(common);
            found.push(id.as_str().to_owned());
        }
    }
    if found.is_empty() {
        return None;
    }
    Some(Warning {
        kind: "same_content_within_24h",
        message: format!(
            "the same content went to {overlap} of these people within 24 h (campaign {}): \
             DingTalk drops it for them as 143106; change the text",
            found.join(", ")
        ),
    })
}

fn is_all(chunk: &ChunkRecipients) -> bool {
    matches!(chunk, ChunkRecipients::AllUsers)
}

/// A day: DingTalk's window for the same content to the same person.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// The bytes of `msg` as sent (its JSON).
fn msg_bytes(message: &Message) -> usize {
    serde_json::to_string(message).map_or(0, |s| s.len())
}

#[cfg(test)]
mod tests {
    use dingtalk_notify::campaign::CHUNK_LIMITS;

    use super::*;

    fn kinds(plan: &CampaignPlan, given: &Audience) -> Vec<&'static str> {
        warnings(plan, Some(given.user_ids().len()), 0)
            .iter()
            .map(|w| w.kind)
            .collect()
    }

    #[test]
    fn every_kind_of_warning() {
        let long = "x".repeat(65);
        let given = Audience::users(["a", "a", "b\u{7}", long.as_str(), "c"]);
        let big = Message::text("字".repeat(700)); // 2,100 bytes of text
        let plan = CampaignPlan::new(1, big, given.clone(), CHUNK_LIMITS).unwrap();
        assert_eq!(
            kinds(&plan, &given),
            [
                "duplicates_removed",
                "id_too_long",
                "id_control_character",
                "msg_too_large"
            ]
        );
        let all = Audience::all_users();
        let plan = CampaignPlan::new(1, Message::text("hi"), all.clone(), CHUNK_LIMITS).unwrap();
        assert_eq!(kinds(&plan, &all), ["to_all_user_daily_cap"]);
    }

    #[test]
    fn the_same_content_to_the_same_people_within_a_day_is_found_in_the_ledger() {
        use dingtalk_notify::kit::campaign::{CampaignId, CampaignRecord};
        let ledger = MemoryLedger::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let hour = Duration::from_secs(3600);
        let plan = |text: &str, users: &[&str]| {
            CampaignPlan::new(
                1,
                Message::text(text),
                Audience::users(users.iter().copied()),
                CHUNK_LIMITS,
            )
            .unwrap()
        };
        for (id, text, users, age) in [
            ("c-old", "hi", &["a", "b"][..], 25 * hour),
            ("c-other-text", "hello", &["a", "b"][..], hour),
            ("c-recent", "hi", &["b", "z"][..], 2 * hour),
        ] {
            let record =
                CampaignRecord::new(CampaignId::new(id).unwrap(), plan(text, users), now - age);
            ledger.create(&record).unwrap();
        }
        let w = same_content(&ledger, &plan("hi", &["a", "b", "c"]), now).expect("a warning");
        assert_eq!(w.kind, "same_content_within_24h");
        assert!(
            w.message.contains("went to 1 of these people"),
            "{}",
            w.message
        );
        assert!(
            w.message.contains("c-recent") && !w.message.contains("c-old"),
            "{}",
            w.message
        );
        assert!(same_content(&ledger, &plan("hi", &["c"]), now).is_none());
        assert!(same_content(&ledger, &plan("new", &["b"]), now).is_none());
    }

    #[test]
    fn a_clean_plan_has_no_warning() {
        let given = Audience::users(["a", "b"]);
        let plan = CampaignPlan::new(1, Message::text("hi"), given.clone(), CHUNK_LIMITS).unwrap();
        assert!(warnings(&plan, Some(given.user_ids().len()), 0).is_empty());
    }
}
