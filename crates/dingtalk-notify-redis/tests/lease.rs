//! One sender per campaign (issue 20, item 3), on a real redis-server and on one SQLite
//! file, each through two ledger handles (two clients in two threads, as two processes
//! would): a second resume is refused while the first sends, and never judges the chunk in
//! flight ambiguous; once the first sender's lease has run out (on the second one's virtual
//! clock), a resume goes on as before and nobody gets the message twice.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use common::RedisServer;
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignId, CampaignPlan, CampaignPolicy,
};
use dingtalk_notify::ledger::{ChunkState, Ledger, SqliteLedger};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, RetryPolicy, TokenSource, VirtualClock};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};
use dingtalk_notify_redis::{RedisLedger, RedisStore};

const USERS: usize = 500;
/// The client's call deadline in these tests: the lease is this plus the margin.
const DEADLINE: Duration = Duration::from_secs(10);

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn plan() -> CampaignPlan {
    let users = (0..USERS).map(|i| format!("staff{i:04}"));
    CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text("Evacuation drill at 3pm"),
        Audience::users(users),
        CHUNK_LIMITS,
    )
    .unwrap()
}

/// The second send (chunk 1) waits 1.5 s in the simulator: it is in flight meanwhile.
fn mock() -> MockServer {
    let mock = MockServer::builder()
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    mock.inject(
        Route::Send,
        Calls::Nth(2),
        Fault::Delay(Duration::from_millis(1_500)),
    );
    mock
}

fn client(mock: &MockServer, clock: Option<VirtualClock>) -> Client<UreqTransport> {
    let builder = Client::builder(app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .retry(RetryPolicy {
            deadline: DEADLINE,
            ..RetryPolicy::default()
        });
    match clock {
        Some(clock) => builder.clock(clock),
        None => builder,
    }
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
        let body = r.json().expect("a JSON send");
        for u in body["userid_list"].as_str().unwrap_or_default().split(',') {
            *seen.entry(u.to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

fn wait_for_sends(mock: &MockServer, n: usize) {
    let until = Instant::now() + Duration::from_secs(30);
    while mock.requests_to(Route::Send).len() < n {
        assert!(Instant::now() < until, "send {n} never came");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The first sender (handle `a`) sends; while chunk 1 is in flight the second (handle `b`)
/// is refused, by `resume` and by `resend_ambiguous`, and changes nothing.
fn second_resume_is_refused_while_the_first_sends(a: &dyn Ledger, b: &dyn Ledger) {
    let mock = mock();
    let (first, second) = (client(&mock, None), client(&mock, None));
    let sending = first.campaigns(a).policy(policy());
    let id = sending.create(plan()).unwrap().id().clone();
    let done = std::thread::scope(|s| {
        let run = s.spawn(|| sending.resume(&id));
        wait_for_sends(&mock, 2);
        let other = second.campaigns(b).policy(policy());
        let refused = [other.resume(&id), other.resend_ambiguous(&id, &[])];
        for err in refused {
            let Err(CampaignError::Busy {
                id: busy,
                owner,
                until,
            }) = err
            else {
                panic!("a live sender's campaign was not refused: {err:?}");
            };
            assert_eq!(busy, id);
            assert!(
                owner.contains(&format!("pid {}", std::process::id())),
                "{owner}"
            );
            assert!(until > SystemTime::now(), "the lease is live");
            assert!(
                until <= SystemTime::now() + DEADLINE + policy().lease_margin,
                "deadline + margin at most"
            );
            let text = CampaignError::Busy {
                id: busy,
                owner: owner.clone(),
                until,
            }
            .to_string();
            assert!(text.contains(&owner), "{text}");
        }
        // The chunk in flight is still the first sender's: not judged ambiguous.
        let stored = b.load(&id).unwrap().unwrap();
        assert!(
            matches!(stored.chunk(1).unwrap().state, ChunkState::Sending { .. }),
            "{:?}",
            stored.chunk(1)
        );
        assert!(stored.header().lease.is_some());
        assert_eq!(mock.requests_to(Route::Send).len(), 2, "nothing sent by b");
        run.join().unwrap()
    });
    let done = done.expect("the first sender completes");
    assert_eq!(done.sent(), vec![0, 1, 2, 3, 4]);
    assert!(done.ambiguous().is_empty(), "{:?}", done.ambiguous());
    // Released at the end: the second one may resume now, and finds nothing to send.
    assert_eq!(b.load(&id).unwrap().unwrap().header().lease, None);
    let again = second.campaigns(b).policy(policy()).resume(&id).unwrap();
    assert!(again.is_complete() && again.ambiguous().is_empty());
    let per_user = sends_per_user(&mock);
    assert_eq!(per_user.len(), USERS);
    assert!(per_user.values().all(|&n| n == 1), "nobody twice");
}

/// The first sender stalls in a call (1.5 s) beyond its lease as the second sender's
/// virtual clock sees it: the second is refused, then, its clock moved past the lease,
/// resumes as after a crash: the chunk in flight is ambiguous, the rest sent once; the
/// first sender's late answer cannot overwrite that.
fn resume_after_the_lease_ran_out_goes_on(a: &dyn Ledger, b: &dyn Ledger) {
    let mock = mock();
    let clock = VirtualClock::starting_at(SystemTime::now());
    let (first, second) = (client(&mock, None), client(&mock, Some(clock.clone())));
    let sending = first.campaigns(a).policy(policy());
    let id: CampaignId = sending.create(plan()).unwrap().id().clone();
    let (first_outcome, resumed) = std::thread::scope(|s| {
        let run = s.spawn(|| sending.resume(&id));
        wait_for_sends(&mock, 2);
        let other = second.campaigns(b).policy(policy());
        let refused = other.resume(&id);
        assert!(
            matches!(refused, Err(CampaignError::Busy { .. })),
            "{refused:?}"
        );
        clock.advance(DEADLINE + policy().lease_margin + Duration::from_secs(1));
        let resumed = other.resume(&id);
        (run.join().unwrap(), resumed)
    });
    let resumed = resumed.expect("the lease ran out: resume goes on");
    assert_eq!(resumed.ambiguous(), vec![1], "the chunk in flight");
    assert_eq!(resumed.sent(), vec![0, 2, 3, 4]);
    // The stalled sender's answer came after the takeover: its record of chunk 1 is
    // refused (compare and set), so the chunk stays ambiguous, never resent.
    assert!(first_outcome.is_err(), "{first_outcome:?}");
    let stored = b.load(&id).unwrap().unwrap();
    assert!(matches!(
        stored.chunk(1).unwrap().state,
        ChunkState::Ambiguous { .. }
    ));
    let per_user = sends_per_user(&mock);
    assert_eq!(per_user.len(), USERS);
    assert!(per_user.values().all(|&n| n == 1), "nobody twice");
}

fn redis_pair(redis: &RedisServer) -> (RedisLedger, RedisLedger) {
    let a = RedisStore::open(&redis.url()).unwrap();
    let b = RedisStore::open(&redis.url()).unwrap();
    (
        RedisLedger::new(&a, &app()).unwrap(),
        RedisLedger::new(&b, &app()).unwrap(),
    )
}

struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-lease-{}-{name}-{:08x}",
            std::process::id(),
            fastrand_u32()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn ledgers(&self) -> (SqliteLedger, SqliteLedger) {
        let path = self.0.join("ledger.db");
        (
            SqliteLedger::open(&path).unwrap(),
            SqliteLedger::open(&path).unwrap(),
        )
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A distinct suffix per test without a crate: the time's nanoseconds.
fn fastrand_u32() -> u32 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

#[test]
fn redis_a_second_resume_is_refused_while_the_first_sends() {
    let redis = RedisServer::start();
    let (a, b) = redis_pair(&redis);
    second_resume_is_refused_while_the_first_sends(&a, &b);
}

#[test]
fn redis_a_resume_after_the_lease_ran_out_goes_on() {
    let redis = RedisServer::start();
    let (a, b) = redis_pair(&redis);
    resume_after_the_lease_ran_out_goes_on(&a, &b);
}

#[test]
fn sqlite_a_second_resume_is_refused_while_the_first_sends() {
    let dir = TempFile::new("refused");
    let (a, b) = dir.ledgers();
    second_resume_is_refused_while_the_first_sends(&a, &b);
}

#[test]
fn sqlite_a_resume_after_the_lease_ran_out_goes_on() {
    let dir = TempFile::new("expired");
    let (a, b) = dir.ledgers();
    resume_after_the_lease_ran_out_goes_on(&a, &b);
}
