//! Property tests: every response parser turns arbitrary bytes, and mutated real DingTalk
//! answers, into a value or a typed error, never a panic. Bounded for CI (proptest's default
//! 256 cases per property); the `fuzz/` crate runs the same parsers unbounded.

use dingtalk_notify::Endpoint;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::kit::api::{
    GetAccessToken, GetSendProgress, GetSendResult, RecallWorkNotification, UpdateStatusBar,
};
use proptest::prelude::*;

/// Real answers, from the reference pages and adjacent-apis.md.
const REAL: &[&str] = &[
    r#"{"errcode":0,"errmsg":"ok","access_token":"fw8ef8we8f76e6f7s8df8s","expires_in":7200}"#,
    r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"4jzllmte0wau"}"#,
    r#"{"errcode":0,"errmsg":"ok","progress":{"progress_in_percent":100,"status":2},"request_id":"5y2znla8tw3d"}"#,
    r#"{"errcode":0,"send_result":{"failed_user_id_list":[],"forbidden_list":[{"code":"143106","count":1,"userid":"user123"}],"invalid_dept_id_list":[1,2,3],"invalid_user_id_list":[],"read_user_id_list":["manager4220"],"unread_user_id_list":[]},"request_id":"6pcvwp6jcows"}"#,
    r#"{"request_id":"4jzllmte0wau","errcode":0,"errmsg":"ok"}"#,
    r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"x"}"#,
    r#"{"status":1111,"wait":5,"punish":"deny"}"#,
    "<html><body>502 Bad Gateway</body></html>",
    // The gateway's shapes (sources in dingtalk-notify-proto's tests/golden_responses.rs):
    // errcode 88 wrapping a rejected token, errcode 22 with sub_msg only, the old TOP
    // gateway's error_response, the IP throttle inside an HTML page.
    r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"r"}"#,
    r#"{"errcode":22,"sub_msg":"不合法ApiName，ApiName = dingtalk.oapi.flow.Form.save","errmsg":"Invalid method[submsg=不合法ApiName]","request_id":"15s8zeioz2sf6"}"#,
    r#"{"error_response":{"code":50,"msg":"Remote service error","sub_code":"isv.invalid-parameter","sub_msg":"x","request_id":"r"}}"#,
    r#"<html><script>var c = {"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"u"};</script></html>"#,
];

/// Every parser over one response; formats any error (Display cuts the body).
fn parse_all(status: u16, body: &[u8]) {
    let resp = || {
        http::Response::builder()
            .status(status)
            .body(body)
            .expect("status is in range")
    };
    fn show<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug>(r: Result<T, E>) {
        match r {
            Ok(v) => drop(format!("{v:?}")),
            Err(e) => drop(format!("{e} {e:?}")),
        }
    }
    show(GetAccessToken::parse_response(resp()));
    show(SendWorkNotification::parse_response(resp()));
    show(GetSendProgress::parse_response(resp()));
    show(GetSendResult::parse_response(resp()));
    show(UpdateStatusBar::parse_response(resp()));
    show(RecallWorkNotification::parse_response(resp()));
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        // Structural tokens that change types: strings for numbers, nulls, nesting.
        (
            any::<usize>(),
            prop::sample::select(vec![
                b"\"".to_vec(),
                b"null".to_vec(),
                b"[".to_vec(),
                b"{".to_vec(),
                b"1e999".to_vec(),
                b"-".to_vec(),
                b"18446744073709551616".to_vec(),
                b"\\u0000".to_vec(),
            ])
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    let i = i % bytes.len();
                    bytes[i] ^= b | 1;
                }
            }
            Mutation::Insert(i, v) => {
                let i = i % (bytes.len() + 1);
                bytes.splice(i..i, v.iter().copied());
            }
            Mutation::Delete(i, n) => {
                if !bytes.is_empty() {
                    let i = i % bytes.len();
                    let end = (i + n).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
        }
    }
    bytes
}

/// Every duration a server sends, followed to the arithmetic the client does with it: a
/// token's lifetime into the cache, a throttle page's `wait` into the retry decision and the
/// deadline check. Issue 15: values near 2^63 s used to panic in `Instant + Duration`.
fn durations_from_answers(expires_in: u64, wait: u64, deadline_secs: u64) {
    use dingtalk_notify::RetryPolicy;
    use dingtalk_notify::kit::api::MAX_TOKEN_LIFETIME;
    use dingtalk_notify::kit::instant_after;
    use dingtalk_notify::kit::retry::Failure;
    use dingtalk_notify::kit::token::{Freshness, TokenCache, TokenKey};
    use std::time::{Duration, Instant};

    let token = format!(r#"{{"errcode":0,"access_token":"t0k","expires_in":{expires_in}}}"#);
    let answer = GetAccessToken::parse_response(http::Response::new(token.as_bytes()))
        .expect("a token answer");
    let lifetime = answer.lifetime();
    assert!(lifetime <= MAX_TOKEN_LIFETIME, "{lifetime:?}");
    let now = Instant::now();
    let mut cache = TokenCache::new();
    let key = TokenKey::App("k".into());
    cache.insert(
        key.clone(),
        answer.access_token,
        Duration::from_secs(expires_in),
        now,
    );
    let later = instant_after(now, MAX_TOKEN_LIFETIME);
    assert_eq!(cache.freshness(&key, later), Freshness::Missing);

    let page = format!(r#"{{"status":1111,"wait":{wait},"punish":"deny"}}"#);
    let resp = http::Response::builder()
        .status(200)
        .body(page.as_bytes())
        .expect("status");
    let err = SendWorkNotification::parse_response(resp).expect_err("throttled");
    let policy = RetryPolicy {
        deadline: Duration::from_secs(deadline_secs),
        ..RetryPolicy::default()
    };
    let failure = Failure::of_response(&err);
    let delay = policy
        .decide(failure, 1, false, 0.5)
        .expect("a throttle is retried");
    assert!(delay >= Duration::from_secs(wait));
    let deadline_at = instant_after(now, policy.deadline);
    let _ = instant_after(now, delay) >= deadline_at;
}

proptest! {
    #[test]
    fn durations_from_answers_never_panic(
        expires_in in prop_oneof![any::<u64>(), (i64::MAX as u64 - 1000)..=u64::MAX, 0u64..100_000],
        wait in prop_oneof![any::<u64>(), (i64::MAX as u64 - 1000)..=u64::MAX, 0u64..100_000],
        deadline in prop_oneof![any::<u64>(), 0u64..100_000],
    ) {
        durations_from_answers(expires_in, wait, deadline);
    }

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_all(status, &body);
    }

    #[test]
    fn arbitrary_json_values_never_panic(status in prop::sample::select(vec![200u16, 400, 502]), text in "[\\[\\]{}:,\"0-9a-z_ .-]{0,200}") {
        parse_all(status, text.as_bytes());
    }

    #[test]
    fn mutated_real_answers_never_panic(
        which in 0..REAL.len(),
        status in prop::sample::select(vec![200u16, 201, 302, 404, 429, 500, 502]),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let body = apply(REAL[which].as_bytes().to_vec(), &mutations);
        parse_all(status, &body);
    }
}

#[test]
fn the_real_answers_parse() {
    // The seeds themselves are what the mutations start from: make sure they are meaningful.
    fn ok(b: &str) -> http::Response<&[u8]> {
        http::Response::new(b.as_bytes())
    }
    assert_eq!(
        GetAccessToken::parse_response(ok(REAL[0]))
            .unwrap()
            .expires_in,
        Some(7200)
    );
    assert_eq!(
        SendWorkNotification::parse_response(ok(REAL[1]))
            .unwrap()
            .task_id
            .get(),
        256271667526
    );
    assert!(
        GetSendProgress::parse_response(ok(REAL[2]))
            .unwrap()
            .progress
            .is_done()
    );
    assert_eq!(
        GetSendResult::parse_response(ok(REAL[3]))
            .unwrap()
            .send_result
            .forbidden_list[0]
            .userid,
        "user123"
    );
    assert!(UpdateStatusBar::parse_response(ok(REAL[4])).is_ok());
    assert!(RecallWorkNotification::parse_response(ok(REAL[5])).is_err());
    let wrapped = GetSendResult::parse_response(ok(REAL[8])).unwrap_err();
    assert!(wrapped.api().unwrap().is_token_rejected());
    let unknown = GetSendProgress::parse_response(ok(REAL[9])).unwrap_err();
    assert!(unknown.api().unwrap().sub_msg.is_some());
    let top = SendWorkNotification::parse_response(ok(REAL[10])).unwrap_err();
    assert!(matches!(top, dingtalk_notify::ResponseError::Top(_)));
    let throttled = SendWorkNotification::parse_response(ok(REAL[11])).unwrap_err();
    assert!(matches!(
        throttled,
        dingtalk_notify::ResponseError::Throttled { code: 1111, .. }
    ));
}
