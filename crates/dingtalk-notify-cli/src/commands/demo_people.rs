//! `demo`'s last step: a department resolved to people and each person's receipt, on a
//! second simulator holding the demo organisation (285 people in three levels,
//! `Directory::demo_org`): Operations and everything below it resolved to user ids, frozen
//! into a ledger, sent as user chunks, then the per-person report.

use std::collections::BTreeMap;
use std::time::Duration;

use dingtalk_notify::campaign::{CampaignPolicy, PeopleAudience, PersonState};
use dingtalk_notify::kit::resolve::AudienceQuery;
use dingtalk_notify::kit::transport::{ProxySetting, RootCertificates};
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::{BaseUrl, Client, Message, TokenSource, TrackPolicy};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::exit::{Failure, Kind, TRANSPORT};
use crate::output::Output;

/// The department resolved: Operations, with Support, Finance and People below it.
const DEPARTMENT: u64 = 300;

/// The step, in `demo --json`'s document.
#[derive(Debug, Serialize)]
pub(super) struct PeopleDemoDoc {
    department: u64,
    people: usize,
    chunks: usize,
    /// Each person's receipt: user id → state (`read`, `unread`, `failed`, …).
    receipts: BTreeMap<String, &'static str>,
}

fn failed(e: impl std::fmt::Display) -> Failure {
    Failure::plain(Kind::Other, TRANSPORT, e.to_string())
}

/// The HTTP calls made: method and path.
type CallList = Vec<(String, String)>;

/// Narrates the requests `server` received since `seen` (method and path only: the query
/// holds the token), consecutive repeats folded into one line, and adds them to `all`.
fn show(server: &MockServer, seen: &mut usize, all: &mut CallList, out: Output) {
    let requests = server.requests();
    let new = requests.get(*seen..).unwrap_or_default();
    *seen = requests.len();
    let mut lines: Vec<(&str, &str, usize)> = Vec::new();
    for r in new {
        all.push((r.method.clone(), r.path.clone()));
        match lines.last_mut() {
            Some((m, p, n)) if *m == r.method && *p == r.path => *n += 1,
            _ => lines.push((&r.method, &r.path, 1)),
        }
    }
    for (method, path, n) in lines {
        let times = if n > 1 {
            format!("  x{n}")
        } else {
            String::new()
        };
        out.narrate(&format!("      {method:<4} {path}{times}"));
    }
}

/// Runs the step, numbered `step`: its document, and the HTTP calls it made.
///
/// # Errors
/// When the second simulator cannot start, or a call fails (a bug).
pub(super) fn run(
    global: &GlobalArgs,
    out: Output,
    step: &str,
) -> Result<(PeopleDemoDoc, CallList), Failure> {
    let org = Directory::demo_org();
    let names: BTreeMap<u64, String> = org
        .department_ids()
        .filter_map(|d| org.department_name(d).map(|n| (d, n.to_owned())))
        .collect();
    let server = MockServer::builder()
        .delivery_duration(Duration::from_millis(300))
        .directory(org)
        .start()
        .map_err(failed)?;
    let base = BaseUrl::new(&server.base_url()).map_err(failed)?;
    let client = Client::builder(TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET))
        .base_url(base)
        .retry(super::retry(global.timeout))
        .track(TrackPolicy {
            initial_interval: Duration::from_millis(200),
            max_interval: Duration::from_millis(400),
            deadline: Duration::from_secs(30),
        })
        .build(super::transport(
            global.timeout,
            ProxySetting::Direct,
            RootCertificates::Bundled,
        ));
    let (mut seen, mut calls) = (0, CallList::new());
    let name = names.get(&DEPARTMENT).map_or("?", String::as_str);
    out.narrate(&format!(
        "{step} a department as people: {name} ({DEPARTMENT}) and everything below it resolved to \
         user ids on a simulator with the demo organisation (285 people, three levels), frozen \
         in the ledger, sent in user chunks, then each person's receipt"
    ));
    let ledger = MemoryLedger::new();
    let campaigns = client.campaigns(&ledger).policy(CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    });
    let people = PeopleAudience::new(AudienceQuery::new().dept_tree(DEPARTMENT));
    let campaign = campaigns
        .start_people(
            DEMO_AGENT_ID,
            Message::text("Quarterly safety briefing"),
            people,
        )
        .map_err(failed)?;
    show(&server, &mut seen, &mut calls, out);
    let record = campaign.record();
    let count = record.people().count();
    let chunks = record.chunks().len();
    out.narrate(&format!(
        "      -> {count} people, each once (some sit in two teams), in {chunks} chunk(s) of at most 100"
    ));
    campaigns.track(&campaign, |_| {}).map_err(failed)?;
    let report = campaigns.report(&campaign);
    show(&server, &mut seen, &mut calls, out);
    for (dept, tally) in report.by_department() {
        let dept_name = names.get(&dept.get()).map_or("?", String::as_str);
        out.narrate(&format!(
            "      {dept_name:<10} {:>3} people: {:>3} read, {:>3} unread, {:>3} not reached",
            tally.people, tally.read, tally.unread, tally.not_reached
        ));
    }
    let mut by_state: BTreeMap<PersonState, Vec<&str>> = BTreeMap::new();
    for row in &report.rows {
        by_state.entry(row.state).or_default().push(&row.user_id);
    }
    for (state, users) in by_state.iter().rev() {
        out.narrate(&format!(
            "      {} ({}): {}",
            state.as_str(),
            users.len(),
            users.join(" ")
        ));
    }
    let doc = PeopleDemoDoc {
        department: DEPARTMENT,
        people: count,
        chunks,
        receipts: report
            .rows
            .iter()
            .map(|r| (r.user_id.clone(), r.state.as_str()))
            .collect(),
    };
    Ok((doc, calls))
}
