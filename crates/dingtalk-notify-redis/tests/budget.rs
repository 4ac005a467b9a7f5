//! RedisBudget against a real redis-server, in one process (the fleet test shares one
//! among four processes).

mod common;

use std::time::{Duration, Instant};

use common::RedisServer;
use dingtalk_notify::TokenSource;
use dingtalk_notify_redis::{Acquire, Error, RedisBudget, RedisStore};

fn budget(store: &RedisStore, app_key: &str, per_period: u64, period_ms: u64) -> RedisBudget {
    RedisBudget::builder(store, &TokenSource::app(app_key, "secret"), per_period)
        .period(Duration::from_millis(period_ms))
        .margin(Duration::ZERO)
        .build()
        .unwrap()
}

#[test]
fn grants_up_to_the_budget_then_says_how_long_to_wait() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let b = budget(&store, "app", 100, 60_000);
    assert_eq!(b.try_acquire(60).unwrap(), Acquire::Go { left: 40 });
    assert_eq!(b.try_acquire(40).unwrap(), Acquire::Go { left: 0 });
    let Acquire::Wait(wait) = b.try_acquire(1).unwrap() else {
        panic!("the budget is spent");
    };
    // The first grant frees its 60 recipients when it leaves the minute.
    assert!(
        // (+1 ms: a grant leaves the window strictly after it.)
        wait > Duration::from_secs(50) && wait <= Duration::from_millis(60_001),
        "{wait:?}"
    );
    // A refusal is not counted: another app's budget and a zero request still go.
    assert!(matches!(
        budget(&store, "other-app", 100, 60_000)
            .try_acquire(100)
            .unwrap(),
        Acquire::Go { .. }
    ));
    assert_eq!(b.try_acquire(0).unwrap(), Acquire::Go { left: 100 });
}

#[test]
fn a_wait_ends_when_the_oldest_grant_leaves_the_window() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let b = budget(&store, "app", 10, 300);
    assert!(matches!(b.try_acquire(10).unwrap(), Acquire::Go { .. }));
    let started = Instant::now();
    b.acquire(5, Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "waited for the window"
    );
    // A wait that cannot end before the deadline fails at once, counting nothing.
    let err = b
        .acquire(10, Instant::now() + Duration::from_millis(50))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn a_lost_running_sum_is_counted_again_from_the_log() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let b = budget(&store, "app", 100, 60_000);
    assert!(matches!(
        b.try_acquire(70).unwrap(),
        Acquire::Go { left: 30 }
    ));
    let sum_key = redis
        .dump_all()
        .lines()
        .find(|l| l.ends_with(":budget-sum"))
        .expect("the running sum")
        .to_owned();
    redis.command(&["DEL", &sum_key]);
    assert!(matches!(b.try_acquire(40).unwrap(), Acquire::Wait(_)));
    assert_eq!(b.try_acquire(30).unwrap(), Acquire::Go { left: 0 });
}

#[test]
fn more_than_the_whole_budget_is_refused_and_sends_nothing() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let b = budget(&store, "app", 100, 60_000);
    let err = b.try_acquire(101).unwrap_err();
    assert!(
        matches!(
            err,
            Error::OverBudget {
                requested: 101,
                budget: 100,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!redis.dump_all().contains("budget"), "nothing was counted");
    assert!(RedisBudget::new(&store, &TokenSource::static_token("t"), 10).is_err());
    assert!(RedisBudget::new(&store, &TokenSource::app("k", "s"), 0).is_err());
}

#[test]
fn redis_down_is_a_typed_error_and_a_restart_works() {
    let mut redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let b = budget(&store, "app", 100, 60_000);
    assert!(matches!(b.try_acquire(1).unwrap(), Acquire::Go { .. }));
    redis.kill();
    let err = b.try_acquire(1).unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    redis.restart();
    assert!(matches!(b.try_acquire(1).unwrap(), Acquire::Go { .. }));
}
