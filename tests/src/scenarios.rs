//! Every scenario, once, generic over the transport. Each takes `make`, which builds the
//! transport under test from [`TransportSettings`].
//!
//! The assertions read the simulator's own records (requests received, tasks, token
//! fetches), so they check what crossed the wire, not what the client believes.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::kit::transport::TransportErrorKind;
use dingtalk_notify::message::{Oa, OaBody, OaForm, OaHead};
use dingtalk_notify::{
    BaseUrl, BuildError, Client, Error, ErrorCode, Message, ResponseError, RetryPolicy,
    StatusColor, TaskHandle, TokenSource, Transport,
};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_CORP_ID, DEMO_ISV_AGENT_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET, Fault, Route, code,
};

use crate::harness::{
    SilentServer, TransportSettings, closed_port, demo_app, harness, harness_with,
};

/// What a scenario needs of the transport: `Send + Sync` to share the client across threads.
pub trait TestTransport: Transport + Send + Sync + 'static {}
impl<T: Transport + Send + Sync + 'static> TestTransport for T {}

fn text_to(users: &[&str]) -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Build #42 is green"))
        .to_users(users.iter().copied())
}

fn set(ids: &[String]) -> BTreeSet<&str> {
    ids.iter().map(String::as_str).collect()
}

fn transport_kind<T: Transport>(
    client: &Client<T>,
    err: &Error<T::Error>,
) -> Option<TransportErrorKind> {
    match err {
        Error::Transport(e) => Some(client.transport().classify(e)),
        Error::Deadline {
            last: Some(last), ..
        } => transport_kind(client, last),
        _ => None,
    }
}

/// Send an OA notification, follow it, read the result, update its status bar, recall it.
pub fn happy_path_every_endpoint<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let oa = Oa::new(
        "https://example.com/leave/7",
        OaHead::new(StatusColor::from_argb(0xFFBB_BBBB), "Leave"),
        OaBody {
            title: Some("Leave request".into()),
            form: vec![OaForm::new("Days", "3")],
            ..OaBody::default()
        },
    )
    .status_bar("Pending", None);
    let send = SendWorkNotification::new(DEMO_AGENT_ID, oa)
        .to_users(["alice", "bob", "dave"])
        .to_depts([200]);
    let task = h.client.send(&send).expect("send");
    assert!(
        task.task_id.get() > u64::from(u32::MAX),
        "task ids exceed 32 bits"
    );

    let first = h.client.progress(&task).expect("progress");
    assert!(!first.is_done());
    let mut polls = Vec::new();
    let report = h
        .client
        .track_with(&task, |p| polls.push(p.progress_in_percent))
        .expect("track");
    assert_eq!(polls.last(), Some(&100));
    let r = &report.send_result;
    assert_eq!(
        set(&r.read_user_id_list),
        BTreeSet::from(["alice", "manager4220"])
    );
    assert_eq!(
        set(&r.unread_user_id_list),
        BTreeSet::from(["bob", "carol"])
    );
    assert_eq!(set(&r.failed_user_id_list), BTreeSet::from(["dave"]));

    let again = h.client.result(&task).expect("result");
    assert_eq!(&again, r);

    let green = StatusColor::parse("#78C06E").expect("colour");
    h.client
        .update_status_bar(&task, "Approved", Some(green))
        .expect("status bar");
    h.client.recall(&task).expect("recall");

    let snapshot = h.server.task(task.task_id.get()).expect("the task exists");
    assert_eq!(snapshot.status_value.as_deref(), Some("Approved"));
    // The status bar page's form: 0xFF and six hex digits.
    assert_eq!(snapshot.status_bg.as_deref(), Some("0xFF78C06E"));
    assert!(snapshot.recalled);
    assert_eq!(
        h.server.token_fetches(),
        1,
        "one token for the whole lifecycle"
    );
    for route in [
        Route::Send,
        Route::SendProgress,
        Route::SendResult,
        Route::StatusBarUpdate,
        Route::Recall,
    ] {
        let reqs = h.server.requests_to(route);
        assert!(!reqs.is_empty(), "{route:?} was called");
        for req in reqs {
            assert_eq!(req.method, "POST");
            assert!(
                req.query_value("access_token")
                    .is_some_and(|t| !t.is_empty())
            );
            assert_eq!(req.header("content-type"), Some("application/json"));
        }
    }
    let recall = &h.server.requests_to(Route::Recall)[0];
    assert_eq!(
        recall.json().expect("json")["msg_task_id"],
        task.task_id.get()
    );
}

/// An ISV app: signed `get_corp_token`, then the same calls.
pub fn isv_happy_path<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness_with(
        make(TransportSettings::default()),
        |_| {
            TokenSource::isv(
                DEMO_SUITE_KEY,
                DEMO_SUITE_SECRET,
                DEMO_SUITE_TICKET,
                DEMO_CORP_ID,
            )
        },
        |b| b,
    );
    let send = SendWorkNotification::new(DEMO_ISV_AGENT_ID, Message::markdown("Hi", "**hello**"))
        .to_users(["alice"]);
    let task = h.client.send(&send).expect("send");
    let report = h.client.track(&task).expect("track");
    assert_eq!(report.send_result.read_user_id_list, ["alice"]);
    assert_eq!(h.server.requests_to(Route::GetCorpToken).len(), 1);
    assert_eq!(h.server.token_fetches(), 1);
    // ISV apps may not send to everyone: refused before anything is sent.
    let err = h
        .client
        .send(&SendWorkNotification::new(DEMO_ISV_AGENT_ID, Message::text("x")).to_all_users())
        .expect_err("refused");
    assert!(matches!(err, Error::Build(BuildError::ToAllUserNotAllowed)));
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
}

/// The server expires the token while the client still trusts it: one refresh, one replay.
pub fn token_expiry_mid_run_refreshes_once_and_replays_once<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    assert_eq!(h.server.token_fetches(), 1);
    // Only the simulator's time moves: the client's cache still holds the token.
    h.server.advance(Duration::from_secs(7201));
    h.server.clear_requests();
    h.client.progress(&task).expect("progress after a replay");
    assert_eq!(h.server.token_fetches(), 2, "exactly one refresh");
    let progress = h.server.requests_to(Route::SendProgress);
    assert_eq!(progress.len(), 2, "the call was replayed exactly once");
    assert_ne!(
        progress[0].query_value("access_token"),
        progress[1].query_value("access_token")
    );
}

/// 40014 on a token just fetched: refreshed and replayed once.
pub fn fresh_token_rejected_with_40014_is_refreshed<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    h.server.inject(
        Route::SendProgress,
        Calls::Nth(1),
        Fault::ErrCode(code::INVALID_ACCESS_TOKEN),
    );
    let task = TaskHandle::new(
        DEMO_AGENT_ID,
        h.client.send(&text_to(&["bob"])).expect("send").task_id,
    );
    h.client.progress(&task).expect("progress");
    assert_eq!(h.server.token_fetches(), 2);
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 2);

    // Rejected twice in a row: surfaced, not looped.
    h.server.inject(
        Route::SendProgress,
        Calls::All,
        Fault::ErrCode(code::INVALID_ACCESS_TOKEN),
    );
    h.server.clear_requests();
    let err = h.client.progress(&task).expect_err("rejected again");
    assert_eq!(err.code(), Some(ErrorCode::INVALID_ACCESS_TOKEN));
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 2);
}

/// 143103 twice, then success: retried with backoff; exactly one task exists.
pub fn rate_limited_twice_then_success<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    h.server.inject(
        Route::Send,
        Calls::First(2),
        Fault::ErrCode(code::APP_RECIPIENTS_PER_MINUTE),
    );
    let before = h.clock.client.slept();
    let task = h
        .client
        .send(&text_to(&["alice"]))
        .expect("send succeeds on the third try");
    assert_eq!(h.server.requests_to(Route::Send).len(), 3);
    assert_eq!(h.server.tasks().len(), 1);
    assert_eq!(
        h.server.task(task.task_id.get()).map(|t| t.recipients),
        Some(vec!["alice".to_owned()])
    );
    assert!(h.clock.client.slept() > before, "it backed off");
}

/// A permanent errcode comes back at once, with DingTalk's request id.
pub fn non_retryable_errcode_surfaces_at_once_with_request_id<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let send = SendWorkNotification::new(DEMO_AGENT_ID + 1, Message::text("x")).to_users(["alice"]);
    let err = h.client.send(&send).expect_err("wrong agent");
    assert_eq!(err.code(), Some(ErrorCode::INVALID_AGENT_ID));
    let request_id = err.request_id().expect("a request id");
    assert!(!request_id.is_empty());
    assert!(err.to_string().contains(request_id));
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
    assert_eq!(h.clock.client.sleeps(), 0);
}

/// The connection breaks mid-body after DingTalk took the send: never sent twice.
pub fn send_not_replayed_after_reset_mid_body<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    h.server
        .inject(Route::Send, Calls::Nth(1), Fault::ResetMidBody);
    let err = h
        .client
        .send(&text_to(&["alice"]))
        .expect_err("ambiguous failure");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(h.server.requests_to(Route::Send).len(), 1, "not replayed");
    assert_eq!(h.server.deliveries("alice"), 1, "delivered once");
}

/// The connection closes before any answer: never sent twice either.
pub fn send_not_replayed_after_reset_before_response<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    h.server
        .inject(Route::Send, Calls::Nth(1), Fault::ResetBeforeResponse);
    let err = h
        .client
        .send(&text_to(&["bob"]))
        .expect_err("ambiguous failure");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
    assert_eq!(h.server.deliveries("bob"), 1);
}

/// A gateway's HTML 502: a typed status error keeping the page; safe calls retry it.
pub fn html_502_is_a_status_error_and_retried_only_when_safe<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    h.server
        .inject(Route::Send, Calls::Nth(1), Fault::Http502Html);
    let err = h.client.send(&text_to(&["alice"])).expect_err("502");
    match &err {
        Error::Response(ResponseError::Status { status, body }) => {
            assert_eq!(status.as_u16(), 502);
            assert!(String::from_utf8_lossy(body.as_bytes()).contains("<html"));
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(
        h.server.requests_to(Route::Send).len(),
        1,
        "a send is not repeated after a 502"
    );

    let task = h.client.send(&text_to(&["alice"])).expect("send");
    h.server
        .inject(Route::SendProgress, Calls::First(2), Fault::Http502Html);
    h.client
        .progress(&task)
        .expect("progress retried past two 502s");
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 3);
}

/// The gateway's throttle page: typed, and waited out for at least its `wait`.
pub fn throttle_page_is_typed_and_waited_out<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    h.server
        .inject(Route::SendProgress, Calls::First(1), Fault::Throttle);
    let before = h.clock.client.slept();
    h.client.progress(&task).expect("progress after the wait");
    assert!(h.clock.client.slept() - before >= Duration::from_secs(5));

    h.server
        .inject(Route::SendResult, Calls::All, Fault::Throttle);
    let err = h.client.result(&task).expect_err("throttled throughout");
    let throttled = |e: &Error<T::Error>| {
        matches!(
            e,
            Error::Response(ResponseError::Throttled { code: 1111, .. })
        )
    };
    match &err {
        Error::Deadline {
            last: Some(last), ..
        } => assert!(throttled(last), "{last:?}"),
        other => assert!(throttled(other), "{other:?}"),
    }
}

/// Truncated JSON is a decode error, not a panic, and not retried.
pub fn truncated_json_is_a_decode_error<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    h.server
        .inject(Route::SendProgress, Calls::All, Fault::TruncatedJson);
    let err = h.client.progress(&task).expect_err("truncated");
    assert!(
        matches!(err, Error::Response(ResponseError::Decode { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("truncated"), "{err}");
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 1);
}

/// A body over the transport's cap is refused, not buffered.
pub fn oversized_body_is_refused<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings {
        max_body: 64 * 1024,
        ..TransportSettings::default()
    }));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    h.server
        .inject(Route::SendResult, Calls::All, Fault::Oversized(1024 * 1024));
    let err = h.client.result(&task).expect_err("oversized");
    assert_eq!(
        transport_kind(&h.client, &err),
        Some(TransportErrorKind::BodyTooLarge),
        "{err:?}"
    );
    assert_eq!(
        h.server.requests_to(Route::SendResult).len(),
        1,
        "not retried"
    );
}

/// A redirect comes back as a 302 status error; nothing follows it.
pub fn redirect_is_not_followed<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let target = format!("{}/elsewhere", h.server.base_url());
    h.server
        .inject(Route::Send, Calls::Nth(1), Fault::Redirect(target));
    let err = h.client.send(&text_to(&["alice"])).expect_err("302");
    match &err {
        Error::Response(ResponseError::Status { status, .. }) => assert_eq!(status.as_u16(), 302),
        other => panic!("expected a 302 status error, got {other:?}"),
    }
    assert!(
        h.server.requests_to(Route::Unknown).is_empty(),
        "the redirect was not followed"
    );
    assert_eq!(h.server.requests_to(Route::Send).len(), 1);
}

/// Nothing listens: a connect error, retried within the deadline, then surfaced.
pub fn connection_refused_is_a_connect_error<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let base = BaseUrl::new(&format!("http://127.0.0.1:{}", closed_port())).expect("base");
    let clock = dingtalk_notify::VirtualClock::new();
    let client = Client::builder(demo_app())
        .base_url(base)
        .clock(clock.clone())
        .build(make(TransportSettings::default()));
    let err = client.send(&text_to(&["alice"])).expect_err("refused");
    assert_eq!(
        transport_kind(&client, &err),
        Some(TransportErrorKind::Connect),
        "{err:?}"
    );
    assert!(
        clock.sleeps() >= 1,
        "a connect failure sent nothing, so it was retried"
    );
}

/// A server that never answers: the call ends at its deadline, in real time, although the
/// transport's own timeout is far longer (the client passes the time left with each request).
pub fn silent_server_ends_at_the_deadline<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let silent = SilentServer::start();
    let deadline = Duration::from_millis(1500);
    let client = Client::builder(TokenSource::static_token("t"))
        .base_url(BaseUrl::new(&silent.base_url()).expect("base"))
        .retry(RetryPolicy {
            deadline,
            ..RetryPolicy::default()
        })
        .build(make(TransportSettings {
            timeout: Duration::from_secs(30),
            ..TransportSettings::default()
        }));
    let started = Instant::now();
    let err = client
        .progress(&TaskHandle::new(DEMO_AGENT_ID, 1u64))
        .expect_err("silence");
    let took = started.elapsed();
    assert_eq!(
        transport_kind(&client, &err),
        Some(TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(took < deadline + Duration::from_secs(1), "took {took:?}");
    assert!(silent.connections() >= 1);
}

/// 64 threads sharing one client when the token expires: exactly one token fetch.
pub fn sixty_four_threads_at_token_expiry_fetch_one_token<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    assert_eq!(h.server.token_fetches(), 1);
    h.clock.advance(Duration::from_secs(7200));
    let barrier = std::sync::Barrier::new(64);
    std::thread::scope(|s| {
        for _ in 0..64 {
            s.spawn(|| {
                barrier.wait();
                h.client.progress(&task).expect("progress");
            });
        }
    });
    assert_eq!(
        h.server.token_fetches(),
        2,
        "one fetch at expiry for 64 threads"
    );
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 64);
}

/// After a virtual 25-hour jump, tracking fails locally with the window error.
pub fn track_after_a_25_hour_jump_reports_the_window<T: TestTransport>(
    make: fn(TransportSettings) -> T,
) {
    let h = harness(make(TransportSettings::default()));
    let task = h.client.send(&text_to(&["alice"])).expect("send");
    h.clock.advance(Duration::from_secs(25 * 3600));
    let err = h.client.track(&task).expect_err("too old");
    match &err {
        // The track ends with getsendresult (24 hours), so it refuses before polling
        // getsendprogress (7 days).
        Error::OutsideWindow {
            operation, window, ..
        } => {
            assert_eq!(*operation, "getsendresult");
            assert_eq!(*window, Duration::from_secs(24 * 3600));
        }
        other => panic!("expected the window error, got {other:?}"),
    }
    assert!(
        h.server.requests_to(Route::SendProgress).is_empty(),
        "nothing was sent"
    );
    // The status bar window is 7 days: still open.
    h.client
        .update_status_bar(&task, "Archived", None)
        .expect("status bar within 7 days");
}

/// Invalid arguments are refused before any token fetch or request.
pub fn invalid_input_sends_nothing<T: TestTransport>(make: fn(TransportSettings) -> T) {
    let h = harness(make(TransportSettings::default()));
    let no_recipients = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("x"));
    assert!(matches!(
        h.client.send(&no_recipients),
        Err(Error::Build(BuildError::NoRecipients))
    ));
    let empty = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("")).to_users(["alice"]);
    assert!(matches!(
        h.client.send(&empty),
        Err(Error::Build(BuildError::EmptyField { .. }))
    ));
    let task = TaskHandle::new(DEMO_AGENT_ID, 1u64);
    assert!(matches!(
        h.client.update_status_bar(&task, "", None),
        Err(Error::Build(BuildError::EmptyField {
            field: "status_value"
        }))
    ));
    assert!(h.server.requests().is_empty(), "nothing reached the server");
}
