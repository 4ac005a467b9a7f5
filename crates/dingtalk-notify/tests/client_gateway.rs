//! The blocking client against the real gateway's error shapes (issue 10): a token refused
//! as errcode 88 / sub_code 40014 or 42001 is refreshed once and the call replayed once, on
//! each of the five corpconversation calls; 90018 is retried after at least a second; 88 /
//! 60011 is permanent with the permission hint; the IP throttle waits its `wait`.
//!
//! The transport is a scripted closure: these tests are about the client's decisions, which
//! the classifiers drive; the simulator's cross-crate suites cover the wire.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use dingtalk_notify::kit::retry::FixedJitter;
use dingtalk_notify::{
    Client, Error, ErrorCode, HttpRequest, HttpResponse, Message, TaskHandle, TokenSource,
    Transport, VirtualClock, api::SendWorkNotification,
};

/// What the scripted gateway saw and will answer.
#[derive(Default)]
struct Gateway {
    /// Answers for the corpconversation calls, in order; success when empty.
    script: VecDeque<(u16, &'static str)>,
    /// Token fetches so far.
    fetches: usize,
    /// Paths and tokens of the corpconversation calls, in order.
    calls: Vec<(String, String)>,
}

/// The scripted gateway as a transport.
struct Scripted(Arc<Mutex<Gateway>>);

impl Transport for Scripted {
    type Error = std::io::Error;

    fn send(&self, req: HttpRequest) -> Result<HttpResponse, std::io::Error> {
        let mut gw = self.0.lock().expect("not poisoned");
        let path = req.uri().path().to_owned();
        if path == "/gettoken" {
            gw.fetches += 1;
            let body = format!(
                r#"{{"errcode":0,"access_token":"tok{}","expires_in":7200}}"#,
                gw.fetches
            );
            return Ok(http::Response::new(body.into_bytes()));
        }
        let query = req.uri().query().unwrap_or_default().to_owned();
        gw.calls.push((path.clone(), query));
        let (status, body) = gw.script.pop_front().unwrap_or((
            200,
            if path.ends_with("getsendprogress") {
                r#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#
            } else if path.ends_with("getsendresult") {
                r#"{"errcode":0,"send_result":{"read_user_id_list":["u1"]}}"#
            } else {
                r#"{"errcode":0,"task_id":256271667526,"request_id":"rq"}"#
            },
        ));
        Ok(http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .expect("a valid response"))
    }
}

fn client(script: &[(u16, &'static str)]) -> (Client<Scripted>, Arc<Mutex<Gateway>>, VirtualClock) {
    let gw = Arc::new(Mutex::new(Gateway {
        script: script.iter().copied().collect(),
        ..Gateway::default()
    }));
    let clock =
        VirtualClock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let client = Client::builder(TokenSource::app("key", "APPSECRET"))
        .clock(clock.clone())
        .jitter(FixedJitter(0.0))
        .build(Scripted(Arc::clone(&gw)));
    (client, gw, clock)
}

fn send() -> SendWorkNotification {
    SendWorkNotification::new(1, Message::text("hi")).to_users(["u1"])
}

/// Runs one of the five calls; the handle is fresh, so no window applies.
fn call(client: &Client<Scripted>, which: &str) -> Result<(), String> {
    let task = TaskHandle::new(1, 256271667526);
    let shown = |e: Error<std::io::Error>| e.to_string();
    match which {
        "asyncsend_v2" => client.send(&send()).map(drop).map_err(shown),
        "getsendprogress" => client.progress(&task).map(drop).map_err(shown),
        "getsendresult" => client.result(&task).map(drop).map_err(shown),
        "status_bar/update" => client
            .update_status_bar(&task, "Done", None)
            .map(drop)
            .map_err(shown),
        "recall" => client.recall(&task).map(drop).map_err(shown),
        other => panic!("no call {other}"),
    }
}

const CALLS: [&str; 5] = [
    "asyncsend_v2",
    "getsendprogress",
    "getsendresult",
    "status_bar/update",
    "recall",
];

const WRAPPED_40014: &str = r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"r1"}"#;
const WRAPPED_42001: &str = r#"{"errcode":88,"sub_code":"42001","sub_msg":"access_token已过期","errmsg":"ding talk error[subcode=42001,submsg=access_token已过期]","request_id":"r2"}"#;

#[test]
fn a_token_refused_as_88_is_refreshed_once_and_the_call_replayed_once() {
    for wrapped in [WRAPPED_40014, WRAPPED_42001] {
        for which in CALLS {
            let (client, gw, _) = client(&[(200, wrapped)]);
            call(&client, which).unwrap_or_else(|e| panic!("{which}: {e}"));
            let gw = gw.lock().unwrap();
            assert_eq!(gw.fetches, 2, "{which}: the token is fetched again");
            assert_eq!(gw.calls.len(), 2, "{which}: refused once, replayed once");
            assert!(gw.calls.iter().all(|(p, _)| p.ends_with(which)), "{which}");
            assert_eq!(gw.calls[0].1, "access_token=tok1", "{which}");
            assert_eq!(
                gw.calls[1].1, "access_token=tok2",
                "{which}: with the new token"
            );
        }
    }
}

#[test]
fn a_token_refused_twice_is_not_replayed_again() {
    for which in CALLS {
        let (client, gw, _) = client(&[(200, WRAPPED_40014), (200, WRAPPED_40014)]);
        let err = call(&client, which).expect_err("refused twice");
        assert!(err.contains("sub_code 40014"), "{which}: {err}");
        let gw = gw.lock().unwrap();
        assert_eq!(gw.calls.len(), 2, "{which}: one replay only");
        assert_eq!(gw.fetches, 2, "{which}");
    }
}

#[test]
fn a_per_app_rate_limit_is_retried_after_at_least_a_second() {
    for body in [
        r#"{"errcode":90018,"errmsg":"调用频率超限","request_id":"r"}"#,
        r#"{"errcode":88,"sub_code":"90018","sub_msg":"调用频率超限","errmsg":"ding talk error[subcode=90018,submsg=调用频率超限]"}"#,
    ] {
        for which in CALLS {
            let (client, gw, clock) = client(&[(200, body)]);
            call(&client, which).unwrap_or_else(|e| panic!("{which}: {e}"));
            assert_eq!(gw.lock().unwrap().calls.len(), 2, "{which}: retried once");
            assert_eq!(gw.lock().unwrap().fetches, 1, "{which}: the token is kept");
            assert!(
                clock.slept() >= Duration::from_secs(1),
                "{which}: slept {:?}",
                clock.slept()
            );
        }
    }
}

#[test]
fn a_missing_permission_as_88_is_permanent_with_the_permission_hint() {
    let body = r#"{"errcode":88,"sub_code":"60011","sub_msg":"没有调用该接口的权限","errmsg":"ding talk error[subcode=60011,submsg=没有调用该接口的权限]","request_id":"5imjny7u9xwa"}"#;
    for which in CALLS {
        let (client, gw, clock) = client(&[(200, body)]);
        let err = call(&client, which).expect_err("permanent");
        assert!(
            err.contains("work-notification permission"),
            "{which}: {err}"
        );
        assert!(err.contains("sub_code 60011"), "{which}: {err}");
        let gw = gw.lock().unwrap();
        assert_eq!(gw.calls.len(), 1, "{which}: not repeated");
        assert_eq!(gw.fetches, 1, "{which}: the token is kept");
        assert_eq!(clock.slept(), Duration::ZERO);
    }
    let (client, _, _) = client(&[(200, body)]);
    let err = client.send(&send()).expect_err("permanent");
    assert_eq!(err.code(), Some(ErrorCode::SEE_SUB_CODE));
    assert_eq!(err.effective_code(), Some(ErrorCode::NO_PERMISSION));
    assert_eq!(err.request_id(), Some("5imjny7u9xwa"));
}

#[test]
fn the_ip_throttle_page_waits_its_wait() {
    let html = r#"<html><script>var c = {"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"u"};</script></html>"#;
    let (client, gw, clock) = client(&[(200, html)]);
    client
        .progress(&TaskHandle::new(1, 256271667526))
        .expect("retried");
    assert_eq!(gw.lock().unwrap().calls.len(), 2);
    assert!(
        clock.slept() >= Duration::from_secs(5),
        "slept {:?}",
        clock.slept()
    );
}

#[test]
fn over_the_current_limits_a_send_is_refused_before_anything_is_sent() {
    // The current asyncsend_v2 page: at most 100 user ids and 20 departments per call.
    let users: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    let too_many_users = SendWorkNotification::new(1, Message::text("hi")).to_users(users.clone());
    let too_many_depts = SendWorkNotification::new(1, Message::text("hi")).to_depts(1..=21u64);
    for send in [&too_many_users, &too_many_depts] {
        let (client, gw, _) = client(&[]);
        let err = client.send(send).expect_err("refused locally");
        assert!(matches!(err, Error::Build(_)), "{err:?}");
        let text = err.to_string();
        for words in [
            "split the recipients",
            "RecipientLimits::LEGACY",
            "nothing was sent",
        ] {
            assert!(text.contains(words), "{text}");
        }
        let gw = gw.lock().unwrap();
        assert_eq!((gw.fetches, gw.calls.len()), (0, 0), "no token, no call");
    }
    // An account that still has the old limits opts in on the builder.
    let gw = Arc::new(Mutex::new(Gateway::default()));
    let legacy = Client::builder(TokenSource::app("key", "APPSECRET"))
        .recipient_limits(dingtalk_notify::api::RecipientLimits::LEGACY)
        .build(Scripted(Arc::clone(&gw)));
    legacy.send(&too_many_users).expect("within 5,000");
    legacy.send(&too_many_depts).expect("within 500");
    assert_eq!(gw.lock().unwrap().calls.len(), 2);
}
