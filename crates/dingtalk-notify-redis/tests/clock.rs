//! The Redis parts read time and wait on the store's clock: a client on a `VirtualClock`
//! and the `RedisTokenProvider` and `RedisBudget` under it run on that one clock, against a
//! real redis-server and the simulator. Every wait below would take tens of seconds of
//! real time on the system clock; on the virtual one it takes none.
//!
//! A store given a clock counts the budget's window on it too: a grant that must wait for
//! the window to pass waits on the virtual clock, once, instead of asking Redis again after
//! each virtual sleep until Redis's own time caught up (a spin of a real window).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::RedisServer;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{Client, Clock, Message, TokenSource, VirtualClock};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer, Route};
use dingtalk_notify_redis::redis;
use dingtalk_notify_redis::{Acquire, Error, RedisBudget, RedisStore, RedisTokenProvider};

const MAX_WAIT: Duration = Duration::from_secs(25);

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn store(redis: &RedisServer, clock: &VirtualClock) -> RedisStore {
    RedisStore::builder(redis.url())
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn provider(store: &RedisStore, mock: &MockServer) -> RedisTokenProvider {
    RedisTokenProvider::builder(store, app(), UreqTransport::new())
        .base_url(mock.base_url().parse().unwrap())
        .max_wait(MAX_WAIT)
        .lock_ttl(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Takes the app's refresh lock for a minute of Redis's time, as a replica that is
/// refreshing (or died doing so) would, and returns its key.
fn hold_refresh_lock(redis: &RedisServer, mock: &MockServer) -> String {
    // Found the way an operator would: the one `:token` key after a provider ran once.
    let probe = RedisStore::open(&redis.url()).unwrap();
    provider(&probe, mock).current_token().unwrap();
    let redis::Value::Array(keys) = redis.command(&["KEYS", "*:token"]) else {
        panic!("KEYS answers an array");
    };
    let [redis::Value::BulkString(token_key)] = keys.as_slice() else {
        panic!("one token key: {keys:?}");
    };
    let token_key = String::from_utf8_lossy(token_key).into_owned();
    redis.command(&["DEL", &token_key]);
    let lock = format!("{token_key}-lock");
    redis.command(&["SET", &lock, "another-replica", "PX", "60000"]);
    lock
}

#[test]
fn a_provider_waiting_for_another_replica_polls_on_the_virtual_clock() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    hold_refresh_lock(&redis, &mock);
    let clock = VirtualClock::new();
    let p = provider(&store(&redis, &clock), &mock);

    let real = Instant::now();
    let err = p.current_token().unwrap_err();
    let Error::LockWait { waited } = err else {
        panic!("no token appears while the lock is held: {err:?}");
    };
    // The whole wait passed on the virtual clock, in polls of 20 ms...
    assert!(clock.sleeps() > 100, "{} polls", clock.sleeps());
    assert!(
        clock.slept() > MAX_WAIT - Duration::from_secs(1) && clock.slept() <= MAX_WAIT,
        "{:?}",
        clock.slept()
    );
    assert_eq!(
        waited,
        clock.elapsed(),
        "the wait is measured on the same clock"
    );
    // ...and none of it in real time (25 s on the system clock).
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "{:?}",
        real.elapsed()
    );
    assert_eq!(mock.token_fetches(), 1, "only the probe fetched");
}

#[test]
fn a_client_and_its_redis_token_and_budget_share_one_virtual_clock() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let lock = hold_refresh_lock(&redis, &mock);
    let clock = VirtualClock::new();
    let store = store(&redis, &clock);
    let budget = Arc::new(
        RedisBudget::builder(&store, &app(), 4)
            .period(Duration::from_secs(60))
            .margin(Duration::ZERO)
            .build()
            .unwrap(),
    );
    let client = Client::builder(TokenSource::provider(provider(&store, &mock)))
        .base_url(mock.base_url().parse().unwrap())
        .clock(clock.clone())
        .recipient_budget(budget.clone())
        .build(UreqTransport::new());
    let send = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("one clock"))
        .to_users(["alice", "bob"]);

    // Another replica holds the refresh lock: the client's call waits for the token on the
    // client's own (virtual) clock, then fails without sending.
    let real = Instant::now();
    assert!(client.send(&send).is_err());
    assert!(
        clock.slept() > MAX_WAIT - Duration::from_secs(1),
        "{:?}",
        clock.slept()
    );
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "{:?}",
        real.elapsed()
    );
    assert_eq!(mock.deliveries("alice"), 0);

    // The lock is gone: the same client sends, counting its recipients in Redis (the
    // failed call counted its two as well: the budget is asked before the token).
    redis.command(&["DEL", &lock]);
    client.send(&send).unwrap();
    assert_eq!(mock.deliveries("alice"), 1);
    assert!(matches!(budget.try_acquire(1).unwrap(), Acquire::Wait(_)));

    // The budget is spent until the first call's grant (made before its 25 s wait for the
    // lock) is a minute old on the virtual clock: a wait that cannot end before a deadline
    // on the store's clock fails at once, counting nothing; one that can sleeps on that
    // clock, once, and is granted.
    let before = clock.slept();
    let real = Instant::now();
    let err = budget
        .acquire(1, clock.now() + Duration::from_secs(20))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(clock.slept(), before);
    let sleeps = clock.sleeps();
    budget
        .acquire(1, clock.now() + Duration::from_secs(90))
        .unwrap();
    let slept = clock.slept() - before;
    assert!(
        slept > Duration::from_secs(60) - MAX_WAIT - Duration::from_secs(1)
            && slept <= Duration::from_secs(60) - MAX_WAIT + Duration::from_secs(1),
        "the rest of the first grant's minute, on the virtual clock: {slept:?}"
    );
    assert_eq!(clock.sleeps() - sleeps, 1, "one sleep, no spin");
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "{:?}",
        real.elapsed()
    );
}

#[test]
fn a_send_waiting_for_the_budget_window_waits_on_the_virtual_clock_without_spinning() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let clock = VirtualClock::new();
    let store = store(&redis, &clock);
    let budget = RedisBudget::builder(&store, &app(), 2)
        .period(Duration::from_secs(3))
        .margin(Duration::ZERO)
        .build()
        .unwrap();
    let client = Client::builder(app())
        .base_url(mock.base_url().parse().unwrap())
        .clock(clock.clone())
        .recipient_budget(Arc::new(budget))
        .build(UreqTransport::new());
    let send =
        SendWorkNotification::new(DEMO_AGENT_ID, Message::text("paced")).to_users(["alice", "bob"]);
    client.send(&send).unwrap();
    // The second send must wait for the window: three seconds of the virtual clock, in one
    // sleep and no real time (it used to ask Redis again after every virtual sleep, for
    // three real seconds).
    let (sleeps, slept, real) = (clock.sleeps(), clock.slept(), Instant::now());
    client.send(&send).unwrap();
    assert_eq!(mock.requests_to(Route::Send).len(), 2);
    let waited = clock.slept() - slept;
    assert!(
        waited > Duration::from_secs(2) && waited < Duration::from_millis(3_100),
        "{waited:?}"
    );
    assert!(
        clock.sleeps() - sleeps <= 2,
        "{} sleeps",
        clock.sleeps() - sleeps
    );
    assert!(
        real.elapsed() < Duration::from_secs(2),
        "{:?}",
        real.elapsed()
    );
}
