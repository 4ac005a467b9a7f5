//! The client's unit tests, over a scripted transport and virtual time: calls, tokens,
//! retries, deadlines and tracking here; token providers, ISV clients and secrets in
//! [`providers`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_notify_proto::Endpoint;
use dingtalk_notify_proto::api::{GetAccessToken, GetCorpToken, SendWorkNotification};
use dingtalk_notify_proto::retry::FixedJitter;
use dingtalk_notify_proto::transport::{RequestTimeout, TransportErrorKind};
use dingtalk_notify_proto::{
    AccessToken, BuildError, ErrorCode, HttpRequest, HttpResponse, Message, RetryPolicy,
    TaskHandle, TokenSource, Transport,
};

use super::{Client, Error};
use crate::VirtualClock;

mod providers;

/// A scripted DingTalk: token fetches always succeed; other calls take the next scripted
/// answer, or succeed.
#[derive(Default)]
struct Fake {
    token_fetches: AtomicUsize,
    calls: AtomicUsize,
    script: Mutex<VecDeque<Result<&'static str, TransportErrorKind>>>,
    seen_tokens: Mutex<Vec<String>>,
    timeouts: Mutex<Vec<Duration>>,
}

#[derive(Debug, thiserror::Error)]
#[error("fake transport failure {0:?}")]
struct FakeError(TransportErrorKind);

/// The client owns its transport; the test keeps a handle on the same fake.
struct FakeRef(Arc<Fake>);

impl std::ops::Deref for FakeRef {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.0
    }
}

impl Transport for FakeRef {
    type Error = FakeError;
    fn send(&self, req: HttpRequest) -> Result<HttpResponse, FakeError> {
        if let Some(t) = req.extensions().get::<RequestTimeout>() {
            self.timeouts.lock().unwrap().push(t.0);
        }
        let path = req.uri().path().to_owned();
        if path == GetAccessToken::PATH || path == GetCorpToken::PATH {
            let n = self.token_fetches.fetch_add(1, Ordering::SeqCst) + 1;
            let body = format!(r#"{{"errcode":0,"access_token":"tok{n}","expires_in":7200}}"#);
            return Ok(http::Response::new(body.into_bytes()));
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let query = req.uri().query().unwrap_or_default().to_owned();
        self.seen_tokens.lock().unwrap().push(query);
        let next = self.script.lock().unwrap().pop_front();
        let body = match next {
            Some(Ok(body)) => body,
            Some(Err(kind)) => return Err(FakeError(kind)),
            None if path.ends_with("getsendprogress") => {
                r#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#
            }
            None if path.ends_with("getsendresult") => {
                r#"{"errcode":0,"send_result":{"read_user_id_list":["u1"]}}"#
            }
            None => r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"rq"}"#,
        };
        Ok(http::Response::new(body.as_bytes().to_vec()))
    }
    fn classify(&self, e: &FakeError) -> TransportErrorKind {
        e.0
    }
}

fn setup(
    script: Vec<Result<&'static str, TransportErrorKind>>,
) -> (Client<FakeRef>, Arc<Fake>, VirtualClock) {
    let fake = Arc::new(Fake::default());
    fake.script.lock().unwrap().extend(script);
    let clock = VirtualClock::new();
    let client = Client::builder(TokenSource::app("key", "APPSECRET"))
        .clock(clock.clone())
        .jitter(FixedJitter(0.5))
        .build(FakeRef(Arc::clone(&fake)));
    (client, fake, clock)
}

fn send_req() -> SendWorkNotification {
    SendWorkNotification::new(1, Message::text("hi")).to_users(["u1"])
}

fn task() -> TaskHandle {
    TaskHandle::new(1, 2)
}

#[test]
fn token_is_fetched_once_and_reused() {
    let (client, fake, _) = setup(vec![]);
    for _ in 0..5 {
        client.progress(&task()).unwrap();
    }
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 5);
    assert!(
        fake.seen_tokens
            .lock()
            .unwrap()
            .iter()
            .all(|q| q == "access_token=tok1")
    );
}

#[test]
fn token_is_refreshed_ahead_of_expiry() {
    let (client, fake, clock) = setup(vec![]);
    client.progress(&task()).unwrap();
    clock.advance(Duration::from_secs(6899));
    client.progress(&task()).unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(2)); // inside the 300 s margin
    client.progress(&task()).unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        fake.seen_tokens.lock().unwrap().last().unwrap(),
        "access_token=tok2"
    );
}

#[test]
fn rejected_token_is_refreshed_and_the_call_replayed_once() {
    let expired = r#"{"errcode":42001,"errmsg":"expired","request_id":"x"}"#;
    let (client, fake, _) = setup(vec![Ok(expired)]);
    client.progress(&task()).unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);

    let (client, fake, _) = setup(vec![Ok(expired), Ok(expired)]);
    let err = client.progress(&task()).unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ACCESS_TOKEN_EXPIRED));
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        2,
        "replayed exactly once"
    );
}

#[test]
fn retryable_errcodes_back_off_then_succeed() {
    let limited = r#"{"errcode":143103,"errmsg":"qpm","request_id":"r"}"#;
    let (client, fake, clock) = setup(vec![Ok(limited), Ok(limited)]);
    let t = client.send(&send_req()).unwrap();
    assert_eq!(t.task_id.get(), 256271667526);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
    // Full jitter at 0.5: 100 ms, then 200 ms.
    assert_eq!(clock.slept(), Duration::from_millis(300));
}

#[test]
fn permanent_errcode_is_surfaced_at_once_with_its_request_id() {
    let bad = r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"4jzllmte0wau"}"#;
    let (client, fake, clock) = setup(vec![Ok(bad)]);
    let err = client.progress(&task()).unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::INVALID_AGENT_ID));
    assert_eq!(err.request_id(), Some("4jzllmte0wau"));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    assert_eq!(clock.sleeps(), 0);
}

#[test]
fn a_send_is_not_replayed_after_an_ambiguous_failure() {
    for kind in [
        TransportErrorKind::Interrupted,
        TransportErrorKind::Timeout,
        TransportErrorKind::Unknown,
    ] {
        let (client, fake, _) = setup(vec![Err(kind)]);
        let err = client.send(&send_req()).unwrap_err();
        assert!(matches!(err, Error::Transport(FakeError(k)) if k == kind));
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1, "{kind:?}");
    }
    // ...but a gateway 502 is ambiguous too.
    let (client, fake, _) = setup(vec![Ok("<html>502</html>")]);
    let _ = client.send(&send_req()).unwrap_err();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_send_is_repeated_when_nothing_was_sent() {
    let (client, fake, _) = setup(vec![Err(TransportErrorKind::Connect)]);
    client.send(&send_req()).unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn safe_calls_are_repeated_after_transport_failures() {
    let (client, fake, _) = setup(vec![
        Err(TransportErrorKind::Interrupted),
        Err(TransportErrorKind::Timeout),
    ]);
    client.progress(&task()).unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
}

#[test]
fn the_deadline_ends_endless_retries() {
    let busy = r#"{"errcode":-1,"errmsg":"busy"}"#;
    let fake = Arc::new(Fake::default());
    fake.script
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(Ok(busy), 100));
    let clock = VirtualClock::new();
    let client = Client::builder(TokenSource::app("key", "APPSECRET"))
        .clock(clock.clone())
        .jitter(FixedJitter(1.0))
        .retry(RetryPolicy {
            max_attempts: 100,
            deadline: Duration::from_secs(5),
            ..RetryPolicy::default()
        })
        .build(FakeRef(Arc::clone(&fake)));
    let err = client.progress(&task()).unwrap_err();
    let Error::Deadline {
        attempts,
        last,
        deadline,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(deadline, Duration::from_secs(5));
    assert_eq!(last.unwrap().code(), Some(ErrorCode::SYSTEM_BUSY));
    // 0.2 + 0.4 + 0.8 + 1.6 = 3.0 s slept; the next 3.2 s would pass the deadline.
    assert_eq!(attempts, 5);
    assert_eq!(clock.slept(), Duration::from_millis(3000));
    // Each request carried the time left as its timeout.
    let timeouts = fake.timeouts.lock().unwrap();
    assert_eq!(timeouts[1], Duration::from_secs(5));
    assert!(timeouts.last().unwrap() <= &Duration::from_secs(2));
}

#[test]
fn sixty_four_threads_at_expiry_fetch_one_token() {
    let (client, fake, clock) = setup(vec![]);
    client.progress(&task()).unwrap();
    clock.advance(Duration::from_secs(7200));
    std::thread::scope(|s| {
        for _ in 0..64 {
            s.spawn(|| client.progress(&task()).unwrap());
        }
    });
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 65);
}

#[test]
fn invalid_arguments_send_and_fetch_nothing() {
    let (client, fake, _) = setup(vec![]);
    let err = client
        .send(&SendWorkNotification::new(1, Message::text("hi")))
        .unwrap_err();
    assert!(matches!(err, Error::Build(BuildError::NoRecipients)));
    let err = client.update_status_bar(&task(), " ", None).unwrap_err();
    assert!(matches!(
        err,
        Error::Build(BuildError::EmptyField {
            field: "status_value"
        })
    ));
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

#[test]
fn track_polls_until_done_then_reads_the_result() {
    let p0 = r#"{"errcode":0,"progress":{"progress_in_percent":0,"status":0}}"#;
    let p1 = r#"{"errcode":0,"progress":{"progress_in_percent":50,"status":1}}"#;
    let (client, fake, clock) = setup(vec![Ok(p0), Ok(p1)]);
    let mut seen = Vec::new();
    let report = client
        .track_with(&task(), |p| seen.push(p.progress_in_percent))
        .unwrap();
    assert_eq!(seen, [0, 50, 100]);
    assert_eq!(report.send_result.read_user_id_list, ["u1"]);
    assert_eq!(report.counts(), (1, 0, 0, 0, 0));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 4);
    assert_eq!(clock.slept(), Duration::from_secs(3)); // 1 s then 2 s
}

#[test]
fn track_gives_up_at_its_deadline() {
    let p1 = r#"{"errcode":0,"progress":{"progress_in_percent":50,"status":1}}"#;
    let (client, _, _) = setup(std::iter::repeat_n(Ok(p1), 100).collect());
    let err = client.track(&task()).unwrap_err();
    assert!(matches!(err, Error::Deadline { last: None, .. }), "{err:?}");
}

#[test]
fn windows_fail_locally_after_a_25_hour_jump() {
    let (client, fake, clock) = setup(vec![]);
    let t = client.send(&send_req()).unwrap();
    assert!(t.sent_at.is_some());
    clock.advance(Duration::from_secs(25 * 3600));
    let calls = fake.calls.load(Ordering::SeqCst);
    for err in [
        client.track(&t).unwrap_err(),
        client.result(&t).unwrap_err(),
        client.recall(&t).unwrap_err(),
    ] {
        assert!(matches!(err, Error::OutsideWindow { .. }), "{err:?}");
        assert!(err.to_string().contains("nothing was sent"));
    }
    // track refuses on the result's window before polling progress.
    assert!(matches!(
        client.track(&t).unwrap_err(),
        Error::OutsideWindow {
            operation: "getsendresult",
            ..
        }
    ));
    assert_eq!(fake.calls.load(Ordering::SeqCst), calls);
    // getsendprogress and the status bar: 7 days.
    client.progress(&t).unwrap();
    client.update_status_bar(&t, "Done", None).unwrap();
    clock.advance(Duration::from_secs(6 * 24 * 3600));
    assert!(matches!(
        client.progress(&t).unwrap_err(),
        Error::OutsideWindow {
            operation: "getsendprogress",
            ..
        }
    ));
    assert!(matches!(
        client.update_status_bar(&t, "Done", None).unwrap_err(),
        Error::OutsideWindow {
            operation: "status_bar/update",
            ..
        }
    ));
}
