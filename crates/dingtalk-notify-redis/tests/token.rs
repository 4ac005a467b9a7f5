//! RedisTokenProvider against a real redis-server and the simulator, in one process.

mod common;

use std::time::{Duration, Instant};

use common::{Options, RedisServer};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{AccessToken, TokenProvider, TokenSource};
use dingtalk_notify_mock::{
    Calls, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET, Fault, MockServer, Route,
};
use dingtalk_notify_redis::{Error, RedisStore, RedisTokenProvider};

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn provider(store: &RedisStore, mock: &MockServer) -> RedisTokenProvider {
    RedisTokenProvider::builder(store, app(), UreqTransport::new())
        .base_url(mock.base_url().parse().unwrap())
        .max_wait(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn providers_share_one_token_and_one_fetch() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let a = provider(&store, &mock);
    let b = provider(&RedisStore::open(&redis.url()).unwrap(), &mock);
    let first = a.current_token().unwrap();
    let second = b.current_token().unwrap();
    assert_eq!(first.token, second.token);
    assert_eq!(mock.token_fetches(), 1);
    // Cached by the client until the fleet's refresh point: below the lifetime, margin off.
    let lifetime = dingtalk_notify_mock::DEFAULT_TOKEN_TTL;
    let margin = dingtalk_notify::kit::token::refresh_margin(lifetime);
    let until = second
        .expires_in
        .expect("a fresh token says how long to cache it");
    assert!(until <= lifetime - margin, "{until:?}");
    assert!(
        until > lifetime - margin - Duration::from_secs(60),
        "{until:?}"
    );
}

#[test]
fn a_client_sends_with_the_shared_token() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let client = dingtalk_notify::Client::builder(TokenSource::provider(provider(&store, &mock)))
        .base_url(mock.base_url().parse().unwrap())
        .build(UreqTransport::new());
    let send = dingtalk_notify::api::SendWorkNotification::new(
        dingtalk_notify_mock::DEMO_AGENT_ID,
        dingtalk_notify::Message::text("fleet"),
    )
    .to_users(["alice"]);
    client.send(&send).unwrap();
    let other = dingtalk_notify::api::SendWorkNotification::new(
        dingtalk_notify_mock::DEMO_AGENT_ID,
        dingtalk_notify::Message::text("fleet, again"),
    )
    .to_users(["alice"]);
    client.send(&other).unwrap();
    assert_eq!(mock.token_fetches(), 1);
    assert_eq!(mock.deliveries("alice"), 2);
}

#[test]
fn redis_holds_neither_the_app_key_nor_the_secret() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let token = provider(&store, &mock).current_token().unwrap().token;
    let everything = redis.dump_all();
    assert!(everything.contains("dingtalk-notify:v1:"), "{everything}");
    assert!(
        everything.contains(token.expose_secret()),
        "the token is shared: {everything}"
    );
    assert!(!everything.contains(DEMO_APP_KEY), "{everything}");
    assert!(!everything.contains(DEMO_APP_SECRET), "{everything}");
}

#[test]
fn isv_tokens_are_shared_per_suite_and_corp() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let isv = || {
        TokenSource::isv(
            DEMO_SUITE_KEY,
            DEMO_SUITE_SECRET,
            DEMO_SUITE_TICKET,
            DEMO_CORP_ID,
        )
    };
    let make = || {
        RedisTokenProvider::builder(&store, isv(), UreqTransport::new())
            .base_url(mock.base_url().parse().unwrap())
            .build()
            .unwrap()
    };
    let a = make().current_token().unwrap();
    let b = make().current_token().unwrap();
    assert_eq!(a.token, b.token);
    assert_eq!(mock.token_fetches(), 1);
    let app_token = provider(&store, &mock).current_token().unwrap();
    assert_ne!(app_token.token, a.token);
    assert_eq!(mock.token_fetches(), 2);
    let everything = redis.dump_all();
    assert!(!everything.contains(DEMO_SUITE_SECRET) && !everything.contains(DEMO_SUITE_TICKET));
    assert!(!everything.contains(DEMO_SUITE_KEY) && !everything.contains(DEMO_CORP_ID));
}

#[test]
fn invalidate_drops_only_the_rejected_token() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = provider(&store, &mock);
    let token = p.current_token().unwrap().token;
    p.invalidate(&AccessToken::new("some-other-token"));
    assert_eq!(p.current_token().unwrap().token, token);
    assert_eq!(mock.token_fetches(), 1);
    mock.revoke_tokens();
    p.invalidate(&token);
    let fresh = p.current_token().unwrap().token;
    assert_ne!(fresh, token);
    assert_eq!(mock.token_fetches(), 2);
}

#[test]
fn inside_the_refresh_margin_one_refreshes_and_the_others_use_the_current_token() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = provider(&store, &mock);
    let token = p.current_token().unwrap().token;
    let key = keys(&redis)
        .into_iter()
        .find(|k| k.ends_with(":token"))
        .unwrap();
    // 7200 s tokens are refreshed in their last 300 s (the core's margin).
    redis.command(&["PEXPIRE", &key, "301000"]);
    assert!(p.current_token().unwrap().expires_in.is_some());
    assert_eq!(mock.token_fetches(), 1, "301 s left: still fresh");
    redis.command(&["PEXPIRE", &key, "299000"]);
    // Another process holds the refresh lock: this one uses the current token meanwhile,
    // and asks again on its next call (no lifetime given).
    redis.command(&["SET", &format!("{key}-lock"), "other", "PX", "10000"]);
    let meanwhile = p.current_token().unwrap();
    assert_eq!(meanwhile.token, token);
    assert_eq!(meanwhile.expires_in, None);
    assert_eq!(mock.token_fetches(), 1);
    // No one refreshing: this one does, once.
    redis.command(&["DEL", &format!("{key}-lock")]);
    let refreshed = p.current_token().unwrap();
    assert_eq!(mock.token_fetches(), 2);
    assert!(refreshed.expires_in.unwrap() > Duration::from_secs(6800));
    let redis::Value::Int(pttl) = redis.command(&["PTTL", &key]) else {
        panic!("PTTL answers an integer");
    };
    assert!(
        pttl > 7_000_000,
        "stored again for the whole lifetime: {pttl}"
    );
}

#[test]
fn a_dead_holders_lock_expires_and_is_taken_over() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = provider(&store, &mock);
    // A lock some process took and never released (it died): it expires after 400 ms.
    let lock = lock_key(&redis);
    redis.command(&["SET", &lock, "dead-owner", "PX", "400"]);
    let started = Instant::now();
    p.current_token().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "waited for the lock"
    );
    assert_eq!(mock.token_fetches(), 1);
}

/// The lock key, found the way an operator would: the one key ending in `:token-lock`
/// after a provider ran once.
fn lock_key(redis: &RedisServer) -> String {
    let probe = RedisStore::open(&redis.url()).unwrap();
    let mock = MockServer::start().unwrap();
    provider(&probe, &mock).current_token().unwrap();
    let token_key = keys(redis)
        .into_iter()
        .find(|k| k.ends_with(":token"))
        .expect("a token key");
    redis.command(&["DEL", &token_key]);
    format!("{token_key}-lock")
}

fn keys(redis: &RedisServer) -> Vec<String> {
    let redis::Value::Array(keys) = redis.command(&["KEYS", "*"]) else {
        panic!("KEYS answers an array");
    };
    keys.into_iter()
        .filter_map(|k| match k {
            redis::Value::BulkString(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_lock_is_released_only_by_its_owner() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let lock = lock_key(&redis);
    let store = RedisStore::open(&redis.url()).unwrap();
    // The fetch outlives this provider's 100 ms lock; meanwhile another process takes it.
    mock.inject(
        Route::GetToken,
        Calls::All,
        Fault::Delay(Duration::from_millis(600)),
    );
    let p = RedisTokenProvider::builder(&store, app(), UreqTransport::new())
        .base_url(mock.base_url().parse().unwrap())
        .lock_ttl(Duration::from_millis(100))
        .build()
        .unwrap();
    std::thread::scope(|scope| {
        let taker = scope.spawn(|| {
            let client = redis::Client::open(redis.url()).unwrap();
            let mut c = client.get_connection().unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            // Once the provider is fetching (under its lock), take the lock as "other" the
            // moment it expires.
            while mock.token_fetches() == 0 && Instant::now() < deadline {
                std::thread::yield_now();
            }
            while Instant::now() < deadline {
                let set: Option<String> = redis::cmd("SET")
                    .arg(&lock)
                    .arg("other")
                    .arg("NX")
                    .arg("PX")
                    .arg(10_000)
                    .query(&mut c)
                    .unwrap();
                if set.is_some() {
                    return true;
                }
            }
            false
        });
        // The fetch gives up at the lock's expiry (never fetch past the lock): an error.
        let result = p.current_token();
        assert!(taker.join().unwrap(), "the other process got the lock");
        assert!(matches!(result, Err(Error::Fetch { .. })), "{result:?}");
    });
    let holder = redis.command(&["GET", &lock]);
    assert_eq!(holder, redis::Value::BulkString(b"other".to_vec()));
}

#[test]
fn a_hanging_dingtalk_fails_within_max_wait() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    mock.inject(
        Route::GetToken,
        Calls::All,
        Fault::Delay(Duration::from_secs(20)),
    );
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = RedisTokenProvider::builder(&store, app(), UreqTransport::new())
        .base_url(mock.base_url().parse().unwrap())
        .max_wait(Duration::from_millis(800))
        .lock_ttl(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = p.current_token().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Fetch {
                rejected: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by max_wait, not the fault"
    );
    // Its lock is released: the next caller does not wait for the 10 s TTL.
    assert!(!redis.dump_all().contains("token-lock"));
}

#[test]
fn redis_down_is_a_typed_error_within_the_deadline_and_a_restart_works() {
    let mut redis = RedisServer::start_with(Options::volatile());
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = provider(&store, &mock);
    let token = p.current_token().unwrap().token;
    redis.kill();
    let started = Instant::now();
    let err = p.current_token().unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "within max_wait"
    );
    // Through the seam too: the client gets the provider's error.
    assert!(TokenProvider::token(&p).is_err());
    redis.restart();
    // Persistence was off: the token is gone, fetched again (DingTalk renews the same one).
    let again = p.current_token().unwrap().token;
    assert_eq!(again, token);
    assert_eq!(mock.token_fetches(), 2);
}

#[test]
fn the_local_fallback_is_off_by_default_and_works_when_enabled() {
    let mut redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    redis.kill();
    let off = provider(&store, &mock);
    assert!(off.current_token().unwrap_err().is_unavailable());
    assert_eq!(mock.token_fetches(), 0);
    let on = RedisTokenProvider::builder(&store, app(), UreqTransport::new())
        .base_url(mock.base_url().parse().unwrap())
        .fallback_to_local_cache(true)
        .build()
        .unwrap();
    let a = on.current_token().unwrap().token;
    let b = on.current_token().unwrap().token;
    assert_eq!(a, b);
    assert_eq!(mock.token_fetches(), 1, "cached in the process");
}

#[test]
fn a_wrong_secret_is_a_fetch_error_without_the_secret() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = RedisTokenProvider::builder(
        &store,
        TokenSource::app(DEMO_APP_KEY, "WRONG-SECRET-123"),
        UreqTransport::new(),
    )
    .base_url(mock.base_url().parse().unwrap())
    .build()
    .unwrap();
    let err = p.current_token().unwrap_err();
    assert!(
        matches!(err, Error::Fetch { rejected: true, .. }),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("WRONG-SECRET-123"), "{shown}");
    // Nothing was stored, and the lock was released: the next call fetches at once.
    assert!(!redis.dump_all().contains("token-lock"));
}

#[test]
fn garbage_under_our_key_is_a_typed_error() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let store = RedisStore::open(&redis.url()).unwrap();
    let p = provider(&store, &mock);
    p.current_token().unwrap();
    let key = keys(&redis)
        .into_iter()
        .find(|k| k.ends_with(":token"))
        .unwrap();
    redis.command(&["HSET", &key, "token", &"x".repeat(100_000)]);
    assert!(matches!(p.current_token(), Err(Error::Garbage { .. })));
    redis.command(&["HSET", &key, "lifetime_ms", "soon"]);
    assert!(matches!(p.current_token(), Err(Error::Garbage { .. })));
    redis.command(&["DEL", &key]);
    redis.command(&["SET", &key, "a string, not a hash"]);
    assert!(matches!(p.current_token(), Err(Error::Server { .. })));
}

#[test]
fn static_tokens_and_providers_are_refused() {
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let err = RedisTokenProvider::new(&store, TokenSource::static_token("t"), UreqTransport::new())
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}
