//! `Campaigns::stop_when`: a stop asked for between chunks or during a budget wait ends
//! the send with `CampaignError::Stopped` and the campaign as recorded (the chunk in flight
//! finished, nothing new started, the lease released); a resume sends the rest, nobody
//! twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dingtalk_notify::budget::{Budget, InProcessBudget};
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignPlan, CampaignPolicy,
};
use dingtalk_notify::ledger::{ChunkRecord, Ledger, SqliteLedger};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message};
use dingtalk_notify_mock::{DEMO_AGENT_ID, Directory, MockServer, Route, UserBehaviour};
use dingtalk_notify_tests::harness::demo_app;

fn plan(users: usize) -> CampaignPlan {
    CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text("Drill"),
        Audience::users((0..users).map(|i| format!("staff{i:04}"))),
        CHUNK_LIMITS,
    )
    .unwrap()
}

fn mock() -> MockServer {
    MockServer::builder()
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

/// A client on the system clock with a budget of `per_minute` recipients.
fn client(mock: &MockServer, per_minute: u32) -> Client<UreqTransport> {
    Client::builder(demo_app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .recipient_budget(Arc::new(InProcessBudget::new(Budget::per_minute(
            per_minute,
        ))))
        .build(UreqTransport::default())
}

fn policy() -> CampaignPolicy {
    CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    }
}

fn sends_per_user(mock: &MockServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in mock.requests_to(Route::Send) {
        let body = r.json().unwrap();
        for u in body["userid_list"].as_str().unwrap_or_default().split(',') {
            *seen.entry(u.to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dingtalk-stop-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_stop_between_chunks_leaves_the_rest_pending_and_resume_sends_it() {
    let mock = mock();
    let dir = TempDir::new("between");
    let ledger = SqliteLedger::open(dir.0.join("l.db")).unwrap();
    let client = client(&mock, 5_000);
    let stop = AtomicBool::new(false);
    // The flag is set once chunk 1 is recorded: chunk 2 never starts.
    let observe = |c: &ChunkRecord| {
        if c.index == 1 {
            stop.store(true, Ordering::SeqCst);
        }
    };
    let campaigns = client
        .campaigns(&ledger)
        .policy(policy())
        .observe(&observe)
        .stop_when(&stop);
    let id = campaigns.create(plan(500)).unwrap().id().clone();
    let err = campaigns.resume(&id).unwrap_err();
    let CampaignError::Stopped(handle) = err else {
        panic!("not stopped: {err:?}");
    };
    assert_eq!(handle.sent(), vec![0, 1]);
    assert_eq!(handle.pending(), vec![2, 3, 4]);
    assert!(handle.ambiguous().is_empty());
    assert_eq!(mock.requests_to(Route::Send).len(), 2);
    assert_eq!(
        ledger.load(&id).unwrap().unwrap().header().lease,
        None,
        "released"
    );
    // Another driver without the flag resumes from the record.
    let done = client
        .campaigns(&ledger)
        .policy(policy())
        .resume(&id)
        .unwrap();
    assert_eq!(done.sent(), vec![0, 1, 2, 3, 4]);
    let per_user = sends_per_user(&mock);
    assert_eq!(per_user.len(), 500);
    assert!(per_user.values().all(|&n| n == 1), "nobody twice");
}

#[test]
fn a_budget_wait_is_cut_short_by_a_stop() {
    let mock = mock();
    let dir = TempDir::new("wait");
    let ledger = SqliteLedger::open(dir.0.join("l.db")).unwrap();
    // 100 a minute: chunk 1 waits a whole minute for the budget.
    let client = client(&mock, 100);
    let stop = AtomicBool::new(false);
    let campaigns = client.campaigns(&ledger).policy(policy()).stop_when(&stop);
    let id = campaigns.create(plan(300)).unwrap().id().clone();
    let started = Instant::now();
    let outcome = std::thread::scope(|s| {
        let run = s.spawn(|| campaigns.resume(&id));
        while mock.requests_to(Route::Send).is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::SeqCst);
        run.join().unwrap()
    });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the minute's wait was cut short: {:?}",
        started.elapsed()
    );
    let Err(CampaignError::Stopped(handle)) = outcome else {
        panic!("not stopped: {outcome:?}");
    };
    assert_eq!(handle.sent(), vec![0]);
    assert_eq!(handle.pending(), vec![1, 2]);
    assert_eq!(
        mock.requests_to(Route::Send).len(),
        1,
        "nothing new started"
    );
}
