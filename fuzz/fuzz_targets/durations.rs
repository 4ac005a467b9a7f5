//! Fuzzes the durations a server sends (a token's `expires_in`, a throttle page's `wait`)
//! through the arithmetic the client does with them: the token cache, the retry decision and
//! the deadline check. Issue 15: values near 2^63 s used to panic in `Instant + Duration`.
#![no_main]

use std::time::{Duration, Instant};

use dingtalk_notify_proto::api::MAX_TOKEN_LIFETIME;
use dingtalk_notify_proto::api::{GetAccessToken, SendWorkNotification};
use dingtalk_notify_proto::retry::Failure;
use dingtalk_notify_proto::token::{TokenCache, TokenKey};
use dingtalk_notify_proto::{Endpoint, Error, RetryPolicy, http, instant_after};

libfuzzer_sys::fuzz_target!(|input: (u64, u64, u64, u64)| {
    let (expires_in, wait, deadline_secs, delay_secs) = input;
    let now = Instant::now();

    let token = format!(r#"{{"errcode":0,"access_token":"t0k","expires_in":{expires_in}}}"#);
    if let Ok(answer) = GetAccessToken::parse_response(http::Response::new(token.as_bytes())) {
        assert!(answer.lifetime() <= MAX_TOKEN_LIFETIME);
        let mut cache = TokenCache::new();
        let key = TokenKey::App("k".into());
        cache.insert(key.clone(), answer.access_token, Duration::from_secs(expires_in), now);
        let _ = cache.freshness(&key, instant_after(now, Duration::from_secs(delay_secs)));
    }

    let page = format!(r#"{{"status":1111,"wait":{wait},"punish":"deny"}}"#);
    if let Err(err) = SendWorkNotification::parse_response(http::Response::new(page.as_bytes())) {
        let _ = format!("{err} {err:?}");
        let policy = RetryPolicy {
            deadline: Duration::from_secs(deadline_secs),
            ..RetryPolicy::default()
        };
        let failure = Failure::of(&Error::<()>::Response(err), |()| unreachable!());
        if let Some(delay) = policy.decide(failure, 1, false, 0.5) {
            let _ = instant_after(now, delay) >= instant_after(now, policy.deadline);
        }
    }
});
