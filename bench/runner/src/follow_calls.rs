//! `follow-calls`: what following a campaign costs in calls, against the simulator at its
//! default delivery pace (2 s, real time), over the client and ureq on loopback.
//!
//! A campaign of `--people` (chunks of 100; a tenth of them leave it unread) is sent, then
//! followed as a user follows it: [`track`](dingtalk_notify::campaign::Campaigns::track)
//! until every chunk is delivered, then one
//! [`report`](dingtalk_notify::campaign::Campaigns::report) (one result per chunk). The
//! simulator counts the requests (the independent witness); the row has the following's
//! calls per 100 confirmed people (people whose outcome a result gave: read, unread,
//! failed, forbidden or invalid), sends excluded (one per 100 people whatever the
//! follow does), and whether the ledger's count of every call equals the simulator's.

use std::collections::BTreeMap;
use std::time::Instant;

use dingtalk_notify::campaign::{Audience, PersonState};
use dingtalk_notify::ledger::{Ledger, MemoryLedger};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, TokenSource};
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, Route, UserBehaviour,
};

use crate::Result;

/// The routes a campaign calls, by the ledger's names.
const ROUTES: [(&str, Route); 4] = [
    ("token", Route::GetToken),
    ("send", Route::Send),
    ("progress", Route::SendProgress),
    ("result", Route::SendResult),
];

fn received(server: &MockServer) -> BTreeMap<String, u64> {
    ROUTES
        .iter()
        .map(|(name, route)| ((*name).to_owned(), server.requests_to(*route).len() as u64))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn person(i: usize) -> String {
    format!("staff{i:06}")
}

/// Sends and follows a campaign of `people`; prints one JSON row.
pub(crate) fn follow_calls(people: usize) -> Result<()> {
    let unread = (0..people).step_by(10).map(person);
    let directory = Directory::new()
        .accept_any_user(UserBehaviour::Reads)
        .with_users(unread, UserBehaviour::LeavesUnread);
    let server = MockServer::builder().directory(directory).start()?;
    let client = Client::builder(TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET))
        .base_url(BaseUrl::new(&server.base_url())?)
        .build(UreqTransport::default());
    let ledger = MemoryLedger::new();
    let campaigns = client.campaigns(&ledger);
    let plan = campaigns.plan(
        DEMO_AGENT_ID,
        Message::text("The canteen closes at 2pm on Friday"),
        Audience::users((0..people).map(person)),
    )?;
    let handle = campaigns.start(plan)?;
    let chunks = handle.record().chunks().len();
    let sent = received(&server);

    let started = Instant::now();
    let progress = campaigns.track(&handle, |_| {})?;
    let report = campaigns.report(&handle);
    let wall = started.elapsed();

    let all = received(&server);
    let follow: BTreeMap<String, u64> = all
        .iter()
        .map(|(name, n)| (name.clone(), n - sent.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let follow_calls: u64 = follow.values().sum();
    let confirmed = report
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                PersonState::Read
                    | PersonState::Unread
                    | PersonState::Failed
                    | PersonState::Forbidden
                    | PersonState::Invalid
            )
        })
        .count();
    let counted = ledger
        .load(handle.id())?
        .ok_or("the campaign is not in the ledger")?
        .header()
        .calls
        .clone();
    let per_100 = |calls: u64| calls as f64 * 100.0 / confirmed.max(1) as f64;
    crate::emit(&serde_json::json!({
        "mode": "follow-calls",
        "people": people,
        "chunks": chunks,
        "finished": progress.is_finished(),
        "confirmed": confirmed,
        "follow_calls": follow,
        "calls_per_100_confirmed": per_100(follow_calls),
        "all_calls": all,
        "all_calls_per_100_confirmed": per_100(all.values().sum()),
        "ledger_calls": counted,
        "ledger_matches_simulator": counted == all,
        "follow_wall_ms": wall.as_millis() as u64,
    }))
}
