//! A Redis that forgets (issue 20, item 1): a restart from an older RDB snapshot, a reload
//! of older data, `FLUSHALL`, a server that promises nothing. A chunk recorded as sent is
//! never sent again; sends are counted at the simulator.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use common::{Options, RedisServer, Snapshot};
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignId, CampaignPlan, CampaignPolicy,
};
use dingtalk_notify::kit::campaign::ChunkOrigin;
use dingtalk_notify::ledger::{CampaignRecord, ChunkRecord, ChunkState, Ledger, LedgerError};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, TokenSource, VirtualClock};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};
use dingtalk_notify_redis::{Error, RedisLedger, RedisStore};

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn plan(n: usize) -> CampaignPlan {
    let users = (0..n).map(|i| format!("staff{i:04}"));
    CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text("Evacuation drill at 3pm"),
        Audience::users(users),
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

fn client(mock: &MockServer) -> Client<UreqTransport> {
    Client::builder(app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .build(UreqTransport::default())
}

/// A client on `clock` (a later one: a resume after a crashed sender's lease ran out).
fn client_at(mock: &MockServer, clock: VirtualClock) -> Client<UreqTransport> {
    Client::builder(app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .clock(clock)
        .build(UreqTransport::default())
}

fn no_resends() -> CampaignPolicy {
    CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    }
}

/// A ledger as a new process opens it: its own connections, nothing remembered.
fn ledger(redis: &RedisServer, accept_volatile: bool) -> RedisLedger {
    let store = RedisStore::open(&redis.url()).unwrap();
    RedisLedger::new(&store, &app())
        .unwrap()
        .accept_volatile(accept_volatile)
}

/// Every user's number of sends, from the simulator's records.
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

fn twice(mock: &MockServer) -> usize {
    sends_per_user(mock).values().filter(|&&n| n > 1).count()
}

/// The Redis error inside a ledger failure.
fn redis_error(e: &CampaignError) -> &Error {
    let CampaignError::Ledger(LedgerError::Storage(inner)) = e else {
        panic!("not a ledger storage failure: {e:?}");
    };
    inner
        .downcast_ref::<Error>()
        .unwrap_or_else(|| panic!("{inner:?}"))
}

fn campaign_keys(redis: &RedisServer) -> usize {
    redis
        .dump_all()
        .lines()
        .filter(|l| l.contains(":campaign:"))
        .count()
}

fn wait_for_sends(mock: &MockServer, n: usize) {
    let until = Instant::now() + Duration::from_secs(30);
    while mock.requests_to(Route::Send).len() < n {
        assert!(Instant::now() < until, "the campaign never made send {n}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_restart_from_an_older_snapshot_sends_nobody_twice() {
    // The case: Debian's default persistence (RDB snapshots), accepted by name.
    let mut redis = RedisServer::start_with(Options::volatile());
    let mock = mock();
    let client = client(&mock);
    let sender = ledger(&redis, true);
    // The snapshot is taken once chunk 2 is recorded as sent; chunks 3 to 5 go out after it.
    let snapshot: Mutex<Option<Snapshot>> = Mutex::new(None);
    let (url, dir) = (redis.url(), redis.dir().to_owned());
    let take = |chunk: &ChunkRecord| {
        if chunk.index == 2 {
            *snapshot.lock().unwrap() = Some(common::snapshot_at(&url, &dir));
        }
    };
    mock.inject(
        Route::Send,
        Calls::Nth(6),
        Fault::Delay(Duration::from_millis(800)),
    );
    let campaigns = client
        .campaigns(&sender)
        .policy(no_resends())
        .observe(&take);
    let id = campaigns.create(plan(1_000)).unwrap().id().clone();
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| campaigns.resume(&id));
        wait_for_sends(&mock, 6);
        // Redis crashes while chunk 5 is in flight and comes back from the snapshot.
        let snapshot = snapshot
            .lock()
            .unwrap()
            .take()
            .expect("a snapshot after chunk 2");
        redis.restart_from(&snapshot);
        run.join().unwrap()
    });
    assert!(
        result.is_err(),
        "chunk 5's end cannot be recorded: {result:?}"
    );
    assert_eq!(mock.requests_to(Route::Send).len(), 6);

    // Another process resumes it: the record is older than what was sent, so every chunk
    // not proven sent is ambiguous and nothing is sent on its own.
    let resumer = ledger(&redis, true);
    let done = client
        .campaigns(&resumer)
        .policy(no_resends())
        .resume(&id)
        .unwrap();
    assert_eq!(done.sent().len(), 3, "chunks 0 to 2, in the snapshot");
    assert_eq!(done.ambiguous(), (3..10).collect::<Vec<_>>());
    assert_eq!(done.pending(), Vec::<usize>::new());
    assert_eq!(mock.requests_to(Route::Send).len(), 6, "nothing sent again");
    assert_eq!(twice(&mock), 0, "nobody twice");
    let reason = match &done.record().chunk(4).unwrap().state {
        ChunkState::Ambiguous { reason, .. } => reason.clone(),
        other => panic!("{other:?}"),
    };
    // Told apart by the server's run id or by this process's own sequence: either way the
    // reason says Redis lost what was written.
    assert!(
        reason.contains("restarted") || reason.contains("lost writes"),
        "{reason}"
    );
    // Recorded: a second resume finds the same, and sends nothing either.
    let again = client
        .campaigns(&ledger(&redis, true))
        .policy(no_resends())
        .resume(&id)
        .unwrap();
    assert_eq!(again.ambiguous(), done.ambiguous());
    assert_eq!(mock.requests_to(Route::Send).len(), 6);
    // The caller's knowing decision sends them; the simulator counts who gets it twice.
    let resent = client
        .campaigns(&resumer)
        .policy(no_resends())
        .resend_ambiguous(&id, &[6, 7, 8, 9])
        .unwrap();
    assert_eq!(resent.ambiguous(), vec![3, 4, 5]);
    assert_eq!(mock.requests_to(Route::Send).len(), 10);
    assert_eq!(twice(&mock), 0, "chunks 6 to 9 had never gone out");
}

#[test]
fn a_durable_redis_resumes_normally_after_a_crash() {
    let mut redis = RedisServer::start(); // appendonly yes, appendfsync always
    let mock = mock();
    let client = client(&mock);
    let sender = ledger(&redis, false);
    mock.inject(
        Route::Send,
        Calls::Nth(3),
        Fault::Delay(Duration::from_millis(800)),
    );
    let campaigns = client.campaigns(&sender).policy(no_resends());
    let id = campaigns.create(plan(500)).unwrap().id().clone();
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| campaigns.resume(&id));
        wait_for_sends(&mock, 3);
        redis.kill(); // SIGKILL while chunk 2 is in flight
        run.join().unwrap()
    });
    assert!(result.is_err(), "{result:?}");
    redis.restart(); // back, with every acknowledged write
    // Another process resumes once the dead sender's lease has run out (a clock an hour on).
    let later = client_at(
        &mock,
        VirtualClock::starting_at(SystemTime::now() + Duration::from_secs(3600)),
    );
    let done = later
        .campaigns(&ledger(&redis, false))
        .policy(no_resends())
        .resume(&id)
        .unwrap();
    // Only the chunk in flight is ambiguous; the rest went out as planned.
    assert_eq!(done.ambiguous(), vec![2]);
    assert_eq!(done.sent().len(), 4);
    assert_eq!(mock.requests_to(Route::Send).len(), 5);
    assert_eq!(sends_per_user(&mock).len(), 500);
    assert_eq!(twice(&mock), 0);
}

#[test]
fn a_volatile_redis_is_refused_unless_accepted_by_name() {
    let redis = RedisServer::start_with(Options::volatile());
    let mock = mock();
    let client = client(&mock);
    let refusing = ledger(&redis, false);
    let err = client.campaigns(&refusing).start(plan(150)).unwrap_err();
    let inner = redis_error(&err);
    assert!(matches!(inner, Error::NotDurable { .. }), "{inner:?}");
    let text = err.to_string();
    assert!(
        text.contains("appendonly no") && text.contains("accept_volatile"),
        "{text}"
    );
    assert_eq!(campaign_keys(&redis), 0, "nothing stored");
    assert!(mock.requests_to(Route::Send).is_empty(), "nothing sent");
    // Accepted by name, it works.
    let done = client
        .campaigns(&ledger(&redis, true))
        .policy(no_resends())
        .start(plan(150))
        .unwrap();
    assert!(done.is_complete());
    assert_eq!(mock.requests_to(Route::Send).len(), 2);
}

#[test]
fn a_redis_whose_fsync_policy_cannot_be_read_is_volatile() {
    // appendfsync always, but CONFIG is disabled: before Redis 7.2 (no WAITAOF) nothing
    // confirms a write, so the ledger refuses it rather than guess.
    let redis = RedisServer::start_with(Options {
        extra: vec!["--rename-command".into(), "CONFIG".into(), String::new()],
        ..Options::default()
    });
    let mock = mock();
    let client = client(&mock);
    let result = client.campaigns(&ledger(&redis, false)).start(plan(50));
    if redis_server_has_waitaof(&redis) {
        assert!(result.unwrap().is_complete(), "WAITAOF confirms each write");
    } else {
        let err = result.unwrap_err();
        let inner = redis_error(&err);
        assert!(
            matches!(inner, Error::NotDurable { reason } if reason.contains("CONFIG")),
            "{inner:?}"
        );
        assert!(mock.requests_to(Route::Send).is_empty());
    }
}

fn redis_server_has_waitaof(redis: &RedisServer) -> bool {
    let info = match redis.command(&["INFO", "server"]) {
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        redis::Value::VerbatimString { text, .. } => text,
        other => panic!("{other:?}"),
    };
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap()
        .trim()
        .to_owned();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap()) >= (7, 2)
}

#[test]
fn flushall_gives_not_found_and_sends_nothing() {
    let redis = RedisServer::start();
    let mock = mock();
    let client = client(&mock);
    let l = ledger(&redis, false);
    let campaigns = client.campaigns(&l).policy(no_resends());
    let handle = campaigns.start(plan(250)).unwrap();
    assert_eq!(mock.requests_to(Route::Send).len(), 3);
    redis.command(&["FLUSHALL"]);
    for l in [&l, &ledger(&redis, false)] {
        let err = client.campaigns(l).resume(handle.id()).unwrap_err();
        assert!(matches!(err, CampaignError::NotFound(_)), "{err:?}");
    }
    assert_eq!(mock.requests_to(Route::Send).len(), 3, "nothing sent anew");
}

#[test]
fn older_data_under_the_same_server_is_caught_by_the_sequence() {
    // DEBUG RELOAD NOSAVE loads the older RDB file in the same server process: its run_id
    // is unchanged, and only what this process wrote tells the data is older.
    let redis = RedisServer::start_with(Options {
        debug: true,
        ..Options::volatile()
    });
    let l = ledger(&redis, true);
    let record = CampaignRecord::new(
        CampaignId::new("seq1").unwrap(),
        plan(300),
        SystemTime::UNIX_EPOCH,
    );
    let id = record.id().clone();
    l.create(&record).unwrap();
    let _older = redis.snapshot();
    let since = SystemTime::UNIX_EPOCH + Duration::from_secs(9);
    l.transition(&id, 0, &ChunkState::Planned, &ChunkState::Sending { since })
        .unwrap();
    redis.command(&["DEBUG", "RELOAD", "NOSAVE"]);
    // A write to the older record is refused, and the record is marked first.
    let refused = l.transition(&id, 1, &ChunkState::Planned, &ChunkState::Sending { since });
    assert!(
        matches!(refused, Err(LedgerError::Conflict { index: 1, .. })),
        "{refused:?}"
    );
    let loaded = l.load(&id).unwrap().unwrap();
    let states: Vec<&str> = loaded.chunks().iter().map(|c| c.state.name()).collect();
    assert_eq!(states, ["ambiguous", "ambiguous", "ambiguous"]);
    // Resends of held-back users are refused on it: one may have gone out already.
    let resend = ChunkRecord {
        index: 3,
        recipients: loaded.chunk(0).unwrap().recipients.clone(),
        origin: ChunkOrigin::Resend { of: 0 },
        state: ChunkState::Planned,
        user_depts: Vec::new(),
    };
    let err = l.append(&id, &[resend]).unwrap_err();
    let LedgerError::Storage(inner) = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(inner.downcast_ref::<Error>(), Some(Error::Stale { .. })),
        "{inner:?}"
    );
    // Once recorded, the ambiguous chunks are the caller's to resend.
    l.transition(
        &id,
        2,
        &loaded.chunk(2).unwrap().state,
        &ChunkState::Planned,
    )
    .unwrap();
    assert_eq!(
        l.load(&id).unwrap().unwrap().chunk(2).unwrap().state,
        ChunkState::Planned
    );
}

#[test]
fn a_campaign_written_by_an_earlier_version_is_treated_as_possibly_stale() {
    let redis = RedisServer::start();
    let l = ledger(&redis, false);
    let record = CampaignRecord::new(
        CampaignId::new("old1").unwrap(),
        plan(150),
        SystemTime::UNIX_EPOCH,
    );
    l.create(&record).unwrap();
    let key = redis
        .dump_all()
        .lines()
        .find(|l| l.contains(":campaign:old1"))
        .unwrap()
        .to_owned();
    for field in ["seq", "run_id", "proven"] {
        redis.command(&["HDEL", &key, field]);
    }
    let fresh = ledger(&redis, false);
    let loaded = fresh.load(record.id()).unwrap().unwrap();
    assert!(
        loaded
            .chunks()
            .iter()
            .all(|c| matches!(&c.state, ChunkState::Ambiguous { reason, .. } if reason.contains("earlier version")))
    );
}

/// `kill -<signal> pid`.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn with_a_replica_each_write_waits_for_it_and_a_lagging_one_stops_the_campaign() {
    let primary = RedisServer::start();
    let replica = RedisServer::start_with(Options {
        extra: vec![
            "--replicaof".into(),
            "127.0.0.1".into(),
            primary.port().to_string(),
        ],
        ..Options::default()
    });
    let until = Instant::now() + Duration::from_secs(20);
    while !matches!(primary.command(&["INFO", "replication"]),
        redis::Value::BulkString(b) if String::from_utf8_lossy(&b).contains("state=online"))
    {
        assert!(Instant::now() < until, "the replica never attached");
        std::thread::sleep(Duration::from_millis(20));
    }
    let l = ledger(&primary, false);
    let record = CampaignRecord::new(
        CampaignId::new("rep1").unwrap(),
        plan(200),
        SystemTime::UNIX_EPOCH,
    );
    let id = record.id().clone();
    l.create(&record).unwrap();
    // Confirmed by the replica (WAIT 1), so recorded as proven: the replica has it all.
    let key = primary
        .dump_all()
        .lines()
        .find(|l| l.contains(":campaign:rep1"))
        .unwrap()
        .to_owned();
    let field = |server: &RedisServer, f: &str| match server.command(&["HGET", &key, f]) {
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        other => format!("{other:?}"),
    };
    assert_eq!(field(&primary, "proven"), field(&primary, "seq"));
    assert_eq!(field(&replica, "seq"), field(&primary, "seq"));

    // The replica stops answering: the write is made but not confirmed, and the caller
    // hears it (the driver stops; a resume treats what may be lost as ambiguous).
    signal(replica.pid(), "-STOP");
    let since = SystemTime::UNIX_EPOCH;
    let err = l
        .transition(&id, 0, &ChunkState::Planned, &ChunkState::Sending { since })
        .unwrap_err();
    signal(replica.pid(), "-CONT");
    let LedgerError::Storage(inner) = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(inner.downcast_ref::<Error>(), Some(Error::NotConfirmed { detail }) if detail.contains("WAIT")),
        "{inner:?}"
    );
    assert_ne!(field(&primary, "proven"), field(&primary, "seq"));
}
