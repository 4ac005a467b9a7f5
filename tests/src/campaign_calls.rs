//! What following a campaign costs, checked against the simulator as the independent
//! witness: the ledger's count of calls, by endpoint, equals the requests the simulator
//! received; a campaign followed to the end costs no progress call when followed again
//! (from a fresh process reading the same SQLite ledger); errcode 90020 (the monthly quota)
//! stops the following at once, with what it means.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignHandle, CampaignPlan, ProblemKind,
};
use dingtalk_notify::ledger::{Ledger, SqliteLedger};
use dingtalk_notify::{ErrorCode, Message};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, Directory, Fault, MockServer, Route, UserBehaviour,
};

use crate::harness::{Harness, TransportSettings, demo_app, harness_with};
use crate::scenarios::TestTransport;

/// The endpoints a campaign calls, as the ledger names them and the simulator routes them.
const ROUTES: [(&str, Route); 6] = [
    ("token", Route::GetToken),
    ("send", Route::Send),
    ("progress", Route::SendProgress),
    ("result", Route::SendResult),
    ("status_bar", Route::StatusBarUpdate),
    ("recall", Route::Recall),
];

/// The calls the simulator received, by the ledger's names (endpoints never called are
/// left out, as the ledger leaves them out).
fn received(server: &MockServer) -> BTreeMap<String, u64> {
    let mut all = BTreeMap::new();
    for (name, route) in ROUTES {
        let n = server.requests_to(route).len() as u64;
        if n > 0 {
            all.insert(name.to_owned(), n);
        }
    }
    let known: u64 = all.values().sum();
    assert_eq!(
        known,
        server.requests_to(Route::Any).len() as u64,
        "every request was to a campaign endpoint"
    );
    all
}

/// The calls campaign `handle` spent, as the ledger at `path` records them.
fn counted(path: &PathBuf, handle: &CampaignHandle) -> BTreeMap<String, u64> {
    let ledger = SqliteLedger::open(path).expect("the ledger opens");
    let record = ledger
        .load(handle.id())
        .expect("the ledger reads")
        .expect("the campaign is there");
    record.header().calls.clone()
}

/// A SQLite file in its own directory, removed on drop.
struct TempLedger {
    dir: PathBuf,
    path: PathBuf,
}

impl TempLedger {
    fn new() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-notify-calls-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let path = dir.join("ledger.db");
        Self { dir, path }
    }
}

impl Drop for TempLedger {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// 350 people (four chunks), a third of whom leave it unread, on the default delivery
/// pace (2 s).
fn setup<T: TestTransport>(make: fn(TransportSettings) -> T) -> Harness<T> {
    let mut directory = Directory::new();
    for i in 0..350 {
        let behaviour = if i % 3 == 0 {
            UserBehaviour::LeavesUnread
        } else {
            UserBehaviour::Reads
        };
        directory = directory.with_user(person(i), behaviour);
    }
    harness_with(
        make(TransportSettings::default()),
        |_| demo_app(),
        |b| b.directory(directory),
    )
}

fn person(i: usize) -> String {
    format!("staff{i:04}")
}

fn plan() -> CampaignPlan {
    CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text("The canteen closes at 2pm on Friday"),
        Audience::users((0..350).map(person)),
        CHUNK_LIMITS,
    )
    .expect("a valid plan")
}

/// Sending, following (with a retried progress call), the result, the report and a recall:
/// after each step the ledger's count of calls, by endpoint, is what the simulator
/// received; the results were read once per chunk while following; following the finished
/// campaign again, from a fresh ledger handle, sends no progress call.
pub fn the_ledger_counts_every_call_the_simulator_received<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = setup(make);
    // One progress answer is a busy server: retried, so two requests, both counted.
    h.server
        .inject(Route::SendProgress, Calls::Nth(2), Fault::ErrCode(-1));
    let file = TempLedger::new();
    let ledger = SqliteLedger::open(&file.path).expect("the ledger opens");
    let campaigns = h.client.campaigns(&ledger);
    let handle = campaigns.start(plan()).expect("sent");
    assert_eq!(handle.sent(), [0, 1, 2, 3]);
    let after_send = counted(&file.path, &handle);
    assert_eq!(after_send, received(&h.server));
    assert_eq!(after_send["send"], 4);
    assert_eq!(after_send["token"], 1);

    // `send --watch`: the per-minute quota's follow-up (nobody held back), then the bar.
    let handle = campaigns
        .resend_held_back(handle.id())
        .expect("followed up");
    assert_eq!(
        h.server.requests_to(Route::SendResult).len(),
        4,
        "one result per chunk, read once"
    );
    let progress = campaigns.track(&handle, |_| {}).expect("followed");
    assert!(progress.is_finished(), "{progress:?}");
    let followed = counted(&file.path, &handle);
    assert_eq!(followed, received(&h.server));
    assert!(
        followed["progress"] >= 5,
        "four chunks polled, one retried: {followed:?}"
    );

    // A later process: the same file, a fresh handle. The campaign is known delivered, so
    // neither a status nor a watch asks DingTalk.
    let progress_calls = h.server.requests_to(Route::SendProgress).len();
    let reopened = SqliteLedger::open(&file.path).expect("the ledger opens");
    let later = h.client.campaigns(&reopened);
    let again = later.load(handle.id()).expect("loaded");
    let status = later.progress(&again).expect("read");
    assert!(status.is_finished() && status.delivered == 4, "{status:?}");
    let watched = later.track(&again, |_| {}).expect("followed");
    assert!(watched.is_finished(), "{watched:?}");
    assert_eq!(
        h.server.requests_to(Route::SendProgress).len(),
        progress_calls,
        "no progress call for a finished campaign"
    );

    // Asked for: the result and the report read each chunk's result once more; a recall
    // reaches each chunk once. Counted as the simulator saw them.
    let result = later.result(&again);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    assert_eq!(result.send_result.unread_user_id_list.len(), 117);
    let report = later.report(&again);
    assert_eq!(report.rows.len(), 350);
    let recalled = later.recall(&again);
    assert!(recalled.is_complete());
    let all = counted(&file.path, &handle);
    assert_eq!(all, received(&h.server));
    assert_eq!(all["result"], 12);
    assert_eq!(all["recall"], 4);
    let total: u64 = all.values().sum();
    let header = reopened.load(handle.id()).expect("read").expect("there");
    assert_eq!(header.header().total_calls(), total);
}

/// Errcode 90020 on a progress call, written plain or wrapped under errcode 88: `track`
/// stops at the first one (no retry, no further poll) with
/// [`CampaignError::MonthlyQuotaExceeded`], whose message says what it means; the call is
/// counted; the result after it makes one call and gives every other chunk's result as
/// unavailable for the same reason, without asking.
pub fn the_monthly_quota_stops_the_following_once<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    for fault in [Fault::ErrCode(90020), Fault::Code(90020)] {
        let h = setup(make);
        let file = TempLedger::new();
        let ledger = SqliteLedger::open(&file.path).expect("the ledger opens");
        let campaigns = h.client.campaigns(&ledger);
        let handle = campaigns.start(plan()).expect("sent");
        h.server
            .inject(Route::SendProgress, Calls::All, fault.clone());
        h.server
            .inject(Route::SendResult, Calls::All, fault.clone());
        let before = h.clock.client.elapsed();

        let err = campaigns
            .track(&handle, |_| {})
            .expect_err("the quota stops it");
        let CampaignError::MonthlyQuotaExceeded(api) = &err else {
            panic!("{fault:?}: {err:?}");
        };
        assert_eq!(api.effective_code(), ErrorCode::MONTHLY_QUOTA_EXCEEDED);
        let message = err.to_string();
        for words in [
            "monthly quota",
            "90020",
            "next month",
            "upgrade",
            "nothing was lost",
        ] {
            assert!(message.contains(words), "{words:?} in {message}");
        }
        assert_eq!(
            h.server.requests_to(Route::SendProgress).len(),
            1,
            "{fault:?}: stopped at the first answer"
        );
        assert_eq!(
            h.clock.client.elapsed(),
            before,
            "{fault:?}: no wait, no loop"
        );
        assert_eq!(campaigns.progress(&handle).map(|_| ()).ok(), None);
        assert_eq!(h.server.requests_to(Route::SendProgress).len(), 2);

        let result = campaigns.result(&handle);
        assert_eq!(
            h.server.requests_to(Route::SendResult).len(),
            1,
            "{fault:?}"
        );
        assert_eq!(result.problems.len(), 4);
        for p in &result.problems {
            assert_eq!(p.kind, ProblemKind::ResultUnavailable);
            assert!(
                p.detail.contains("90020"),
                "chunk {}: {}",
                p.index,
                p.detail
            );
        }
        assert_eq!(
            counted(&file.path, &handle),
            received(&h.server),
            "{fault:?}"
        );
    }
}

/// Errcode 90020 on a send: the campaign stops at the first refused chunk (one send call,
/// counted), every chunk stays pending, and a resume after the quota is back sends them all.
pub fn the_monthly_quota_stops_sending_and_a_resume_sends_later<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = setup(make);
    let file = TempLedger::new();
    let ledger = SqliteLedger::open(&file.path).expect("the ledger opens");
    let campaigns = h.client.campaigns(&ledger);
    h.server.inject(Route::Send, Calls::All, Fault::Code(90020));
    let created = campaigns.create(plan()).expect("stored");
    let err = campaigns
        .resume(created.id())
        .expect_err("the quota stops it");
    assert!(
        matches!(err, CampaignError::MonthlyQuotaExceeded(_)),
        "{err:?}"
    );
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        1,
        "one refused send"
    );
    assert!(h.server.sends().is_empty(), "nothing went out");
    let stored = campaigns.load(created.id()).expect("loaded");
    assert_eq!(stored.pending(), [0, 1, 2, 3]);
    assert!(stored.failed().is_empty(), "{:?}", stored.failed());
    assert_eq!(counted(&file.path, &created), received(&h.server));

    // Next month (the fault cleared): a resume sends every chunk, once.
    h.server.clear_faults();
    let sent = campaigns.resume(created.id()).expect("sent");
    assert_eq!(sent.sent(), [0, 1, 2, 3]);
    assert_eq!(h.server.sends().len(), 4);
    assert_eq!(counted(&file.path, &created), received(&h.server));
}
