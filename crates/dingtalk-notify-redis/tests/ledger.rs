//! RedisLedger against a real redis-server: the Ledger contract, a campaign through the
//! client, another replica following it, and Redis dying mid-campaign.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use common::{Options, RedisServer};
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignId, CampaignPlan, CampaignPolicy,
};
use dingtalk_notify::kit::campaign::ChunkOrigin;
use dingtalk_notify::ledger::{CampaignRecord, ChunkRecord, ChunkState, Ledger, LedgerError};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, StatusColor, TokenSource};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};
use dingtalk_notify_redis::{RedisBudget, RedisLedger, RedisStore};

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("staff{i:04}")).collect()
}

fn plan(n: usize) -> CampaignPlan {
    CampaignPlan::new(
        DEMO_AGENT_ID,
        Message::text("Evacuation drill at 3pm"),
        Audience::users(users(n)),
        CHUNK_LIMITS,
    )
    .unwrap()
}

fn record(id: &str, n: usize) -> CampaignRecord {
    CampaignRecord::new(
        CampaignId::new(id).unwrap(),
        plan(n),
        SystemTime::UNIX_EPOCH,
    )
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

fn no_resends() -> CampaignPolicy {
    CampaignPolicy {
        resend_rounds: 0,
        ..CampaignPolicy::default()
    }
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

#[test]
fn a_header_update_is_a_compare_and_set() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let r = record("h1", 150);
    let id = r.id().clone();
    ledger.create(&r).unwrap();
    let from = r.header().clone();
    let mut to = from.clone();
    to.created_at += Duration::from_secs(60);
    ledger.update_header(&id, &from, &to).unwrap();
    assert_eq!(ledger.load(&id).unwrap().unwrap().header(), &to);
    // A writer holding the old header loses, and the stored one stays.
    let mut late = from.clone();
    late.created_at += Duration::from_secs(7);
    let lost = ledger.update_header(&id, &from, &late);
    assert!(
        matches!(lost, Err(LedgerError::Conflict { .. })),
        "{lost:?}"
    );
    assert_eq!(ledger.load(&id).unwrap().unwrap().header(), &to);
    // The id cannot change, and an unknown campaign is not found.
    let mut renamed = to.clone();
    renamed.id = CampaignId::new("h2").unwrap();
    assert!(matches!(
        ledger.update_header(&id, &to, &renamed),
        Err(LedgerError::Corrupt { .. })
    ));
    let ghost = CampaignId::new("h2").unwrap();
    assert!(matches!(
        ledger.update_header(&ghost, &renamed, &renamed),
        Err(LedgerError::NotFound { .. })
    ));
    assert_eq!(ledger.load(&id).unwrap().unwrap().chunks(), r.chunks());
}

#[test]
fn create_load_transition_append_as_the_contract_says() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let r = record("c1", 250);
    let id = r.id().clone();
    ledger.create(&r).unwrap();
    assert!(matches!(ledger.create(&r), Err(LedgerError::Exists(_))));
    assert_eq!(ledger.load(&id).unwrap().as_ref(), Some(&r));
    assert_eq!(
        ledger.load(&CampaignId::new("nope").unwrap()).unwrap(),
        None
    );

    let sending = ChunkState::Sending {
        since: SystemTime::UNIX_EPOCH + Duration::from_secs(5),
    };
    ledger
        .transition(&id, 1, &ChunkState::Planned, &sending)
        .unwrap();
    // Compare and set: a second process moving the same chunk from planned loses.
    let again = ledger.transition(&id, 1, &ChunkState::Planned, &sending);
    assert!(
        matches!(again, Err(LedgerError::Conflict { index: 1, .. })),
        "{again:?}"
    );
    assert!(matches!(
        ledger.transition(&id, 9, &ChunkState::Planned, &sending),
        Err(LedgerError::NotFound { .. })
    ));
    assert!(matches!(
        ledger.transition(
            &CampaignId::new("nope").unwrap(),
            0,
            &ChunkState::Planned,
            &sending
        ),
        Err(LedgerError::NotFound { .. })
    ));
    let loaded = ledger.load(&id).unwrap().unwrap();
    assert_eq!(loaded.chunk(1).unwrap().state, sending);
    assert_eq!(loaded.chunk(0).unwrap().state, ChunkState::Planned);

    // Append: only at the end, and only resends of an earlier chunk of users.
    let resend = ChunkRecord {
        index: 3,
        recipients: loaded.chunk(0).unwrap().recipients.clone(),
        origin: ChunkOrigin::Resend { of: 0 },
        state: ChunkState::Planned,
        user_depts: Vec::new(),
    };
    let stale = ChunkRecord {
        index: 2,
        ..resend.clone()
    };
    assert!(matches!(
        ledger.append(&id, &[stale]),
        Err(LedgerError::Conflict { .. })
    ));
    ledger.append(&id, std::slice::from_ref(&resend)).unwrap();
    let loaded = ledger.load(&id).unwrap().unwrap();
    assert_eq!(loaded.chunks().len(), 4);
    assert_eq!(loaded.chunk(3), Some(&resend));

    // Kept for 7 days and a margin, renewed by every write.
    let key = redis
        .dump_all()
        .lines()
        .find(|l| l.contains(":campaign:c1"))
        .unwrap()
        .to_owned();
    let redis::Value::Int(ttl) = redis.command(&["PTTL", &key]) else {
        panic!("PTTL answers an integer");
    };
    assert!(ttl > 7 * 24 * 3600 * 1000, "{ttl}");
    assert!(!key.contains(DEMO_APP_KEY), "{key}");
}

#[test]
fn damaged_campaigns_are_corrupt_and_a_dead_redis_is_a_storage_error() {
    let mut redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let r = record("c2", 150);
    ledger.create(&r).unwrap();
    let key = redis
        .dump_all()
        .lines()
        .find(|l| l.contains(":campaign:c2"))
        .unwrap()
        .to_owned();
    // The stored shape is the core's: the header with its schema version, whole chunks.
    let redis::Value::BulkString(head) = redis.command(&["HGET", &key, "head"]) else {
        panic!("HGET answers the head");
    };
    let head: serde_json::Value = serde_json::from_slice(&head).unwrap();
    assert_eq!(
        head["schema"],
        dingtalk_notify::kit::campaign::SCHEMA_VERSION
    );
    assert_eq!(head, serde_json::to_value(r.header()).unwrap());
    let redis::Value::BulkString(chunk) = redis.command(&["HGET", &key, "chunk:1"]) else {
        panic!("HGET answers the chunk");
    };
    let chunk: ChunkRecord = serde_json::from_slice(&chunk).unwrap();
    assert_eq!(Some(&chunk), r.chunk(1));

    let good = serde_json::to_string(&chunk).unwrap();
    let bad = good.replace("\"planned\"", "\"exploded\"");
    redis.command(&["HSET", &key, "chunk:1", &bad]);
    assert!(matches!(
        ledger.load(r.id()),
        Err(LedgerError::Corrupt { .. })
    ));
    assert!(matches!(
        ledger.transition(r.id(), 1, &ChunkState::Planned, &ChunkState::Planned),
        Err(LedgerError::Corrupt { .. })
    ));
    redis.command(&["HSET", &key, "chunk:1", &good]);
    assert_eq!(ledger.load(r.id()).unwrap().as_ref(), Some(&r));
    // A campaign in the earlier layout (a state field per chunk) is named as such.
    redis.command(&["HSET", &key, "state:1", "{\"state\":\"planned\"}"]);
    let err = ledger.load(r.id()).unwrap_err();
    assert!(err.to_string().contains("earlier version"), "{err}");
    redis.command(&["HDEL", &key, "state:1"]);
    redis.command(&["HDEL", &key, "chunk:0"]);
    assert!(matches!(
        ledger.load(r.id()),
        Err(LedgerError::Corrupt { .. })
    ));
    redis.kill();
    let err = ledger.load(r.id()).unwrap_err();
    let LedgerError::Storage(inner) = &err else {
        panic!("{err:?}");
    };
    let inner = inner
        .downcast_ref::<dingtalk_notify_redis::Error>()
        .unwrap();
    assert!(inner.is_unavailable(), "{inner:?}");
}

#[test]
fn any_replica_follows_a_campaign_another_sent() {
    let redis = RedisServer::start();
    let mock = mock();
    let store = RedisStore::open(&redis.url()).unwrap();
    // Replica A sends, paced by the fleet's budget.
    let ledger_a = RedisLedger::new(&store, &app()).unwrap();
    let budget = RedisBudget::new(&store, &app(), 5_000).unwrap();
    let client_a = Client::builder(app())
        .base_url(BaseUrl::new(&mock.base_url()).unwrap())
        .recipient_budget(std::sync::Arc::new(budget))
        .build(UreqTransport::default());
    let handle = client_a
        .campaigns(&ledger_a)
        .policy(no_resends())
        .start(plan(250))
        .unwrap();
    assert!(handle.is_complete());
    // Replica B, another connection and client, finds it by id, reads its result and
    // updates its status bar.
    let store_b = RedisStore::open(&redis.url()).unwrap();
    let ledger_b = RedisLedger::new(&store_b, &app()).unwrap();
    let client_b = client(&mock);
    let campaigns_b = client_b.campaigns(&ledger_b);
    let found = campaigns_b.load(handle.id()).unwrap();
    assert_eq!(found.record(), handle.record());
    mock.advance(Duration::from_secs(5)); // deliveries complete
    let result = campaigns_b.result(&found);
    assert_eq!(result.send_result.read_user_id_list.len(), 250);
    let calls =
        campaigns_b.update_status_bar(&found, "approved", Some(StatusColor::from_argb(0xFF78C06E)));
    assert!(calls.is_complete(), "every chunk's status bar updated");
    assert_eq!(mock.requests_to(Route::StatusBarUpdate).len(), 3);
    assert!(sends_per_user(&mock).values().all(|&n| n == 1));
}

#[test]
fn redis_dying_mid_campaign_stops_it_and_after_a_restart_it_completes() {
    let mut redis = RedisServer::start_with(Options {
        aof: true,
        ..Options::default()
    });
    let mock = mock();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let client = client(&mock);
    // The fourth send waits in the simulator; Redis dies meanwhile.
    mock.inject(
        Route::Send,
        Calls::Nth(4),
        Fault::Delay(Duration::from_millis(800)),
    );
    let campaigns = client.campaigns(&ledger).policy(no_resends());
    let handle = campaigns.create(plan(1_000)).unwrap();
    let id = handle.id().clone();
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| campaigns.resume(&id));
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while mock.requests_to(Route::Send).len() < 4 {
            assert!(
                std::time::Instant::now() < until,
                "the campaign never made send 4"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        redis.kill();
        run.join().unwrap()
    });
    // A typed error: the ledger could not record chunk 4's end, and nothing more was sent.
    let err = result.unwrap_err();
    assert!(
        matches!(&err, CampaignError::Ledger(LedgerError::Storage(_))),
        "{err:?}"
    );
    assert_eq!(
        mock.requests_to(Route::Send).len(),
        4,
        "nothing sent unrecorded"
    );
    // Append-only persistence kept every write: after a restart the campaign completes.
    // Chunk 4 was in flight when its end could not be written: it is ambiguous, never
    // resent on its own.
    redis.restart();
    let done = campaigns.resume(&id).unwrap();
    assert_eq!(done.ambiguous(), vec![3]);
    assert_eq!(done.pending(), Vec::<usize>::new());
    assert_eq!(mock.requests_to(Route::Send).len(), 10);
    let per_user = sends_per_user(&mock);
    assert_eq!(per_user.len(), 1_000);
    assert!(per_user.values().all(|&n| n == 1), "nobody twice");
}

/// `created_since` lists this app's campaigns created at or after a time, oldest first, and
/// nothing of another app: what a fleet's dry run reads to warn of the same content sent
/// to the same people within a day.
#[test]
fn created_since_lists_this_apps_recent_campaigns_oldest_first() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    let other_app = RedisLedger::new(&store, &TokenSource::app("dingother", "secret")).unwrap();
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let at = |id: &str, secs: u64| {
        CampaignRecord::new(
            CampaignId::new(id).unwrap(),
            plan(10),
            t0 + Duration::from_secs(secs),
        )
    };
    ledger.create(&at("late", 300)).unwrap();
    ledger.create(&at("old", 0)).unwrap();
    ledger.create(&at("early", 200)).unwrap();
    other_app.create(&at("foreign", 250)).unwrap();
    let ids = |since| -> Vec<String> {
        ledger
            .created_since(since)
            .unwrap()
            .expect("Redis lists its campaigns")
            .iter()
            .map(|id| id.as_str().to_owned())
            .collect()
    };
    assert_eq!(ids(t0 + Duration::from_secs(100)), ["early", "late"]);
    assert_eq!(ids(t0), ["old", "early", "late"]);
    assert!(ids(t0 + Duration::from_secs(301)).is_empty());
}
