//! The two questions users ask of a failed call, answered for real failures the simulator
//! injects: may the notification already be out (`may_have_been_sent`), and is trying again
//! later safe (`is_retryable`)? And a cloned client shares its token with the original.
#![cfg(feature = "ureq")]

use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{
    BaseUrl, Client, Error, ErrorCode, Message, RetryPolicy, TaskHandle, TokenSource,
};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Fault, MockServer, Route,
};

fn client_for(
    server: &MockServer,
    source: TokenSource,
    retry: RetryPolicy,
) -> Client<UreqTransport> {
    Client::builder(source)
        .base_url(BaseUrl::new(&server.base_url()).expect("a loopback base URL"))
        .retry(retry)
        .build(UreqTransport::default())
}

fn demo() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

/// One attempt: the answers are about the failure itself, not about the retry loop.
fn once() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    }
}

fn send() -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text("Disk 91% on db-3"))
        .to_users(["manager4220"])
}

fn started() -> MockServer {
    MockServer::start().expect("the simulator starts")
}

#[test]
fn a_reset_after_the_send_was_received_may_have_sent_it_and_is_not_retryable() {
    let server = started();
    server.inject(Route::Send, Calls::All, Fault::ResetBeforeResponse);
    let client = client_for(&server, demo(), RetryPolicy::default());
    let err = client.send(&send()).expect_err("the connection is reset");
    assert!(matches!(err, Error::Transport(_)), "{err:#?}");
    assert!(err.may_have_been_sent(), "{err}");
    assert!(!err.is_retryable(), "{err}");
    // The simulator ran the send before resetting: the notification is out, and the client
    // did not send it twice.
    assert_eq!(server.requests_to(Route::Send).len(), 1);
}

#[test]
fn a_send_that_times_out_may_have_been_sent() {
    let server = started();
    server.inject(
        Route::Send,
        Calls::All,
        Fault::Delay(Duration::from_secs(3)),
    );
    let retry = RetryPolicy {
        deadline: Duration::from_millis(400),
        ..RetryPolicy::default()
    };
    let client = client_for(&server, demo(), retry);
    // The token first, so the deadline is the send's alone.
    client.access_token().expect("a token");
    let err = client.send(&send()).expect_err("the send times out");
    assert!(err.may_have_been_sent(), "{err:#?}");
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(server.requests_to(Route::Send).len(), 1);
}

#[test]
fn a_refused_app_secret_sends_nothing_and_is_not_retryable() {
    let server = started();
    let client = client_for(
        &server,
        TokenSource::app(DEMO_APP_KEY, "not-the-secret"),
        once(),
    );
    let err = client.send(&send()).expect_err("the token is refused");
    assert!(
        err.code().is_some(),
        "DingTalk answered with a code: {err:#?}"
    );
    assert!(!err.may_have_been_sent(), "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert!(
        server.requests_to(Route::Send).is_empty(),
        "no send reached the simulator"
    );
}

#[test]
fn a_busy_answer_sent_nothing_and_is_retryable() {
    let server = started();
    server.inject(Route::Send, Calls::All, Fault::ErrCode(-1));
    let client = client_for(&server, demo(), once());
    let err = client.send(&send()).expect_err("DingTalk is busy");
    assert_eq!(err.code(), Some(ErrorCode::SYSTEM_BUSY));
    assert!(!err.may_have_been_sent(), "{err}");
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn a_permanent_refusal_sent_nothing_and_is_not_retryable() {
    let server = started();
    let client = client_for(&server, demo(), once());
    let wrong_agent = SendWorkNotification::new(1, Message::text("x")).to_users(["manager4220"]);
    let err = client.send(&wrong_agent).expect_err("an unknown agent");
    assert!(err.code().is_some(), "{err:#?}");
    assert!(!err.may_have_been_sent(), "{err}");
    assert!(!err.is_retryable(), "{err}");
    // Debug (what `main` prints when it returns the error) carries the hint.
    let hint = err.hint().expect("a hint for the code");
    assert!(format!("{err:?}").contains(hint), "{err:?}");
}

#[test]
fn a_gateway_502_may_have_passed_the_send_on() {
    let server = started();
    server.inject(Route::Send, Calls::All, Fault::Http502Html);
    let client = client_for(&server, demo(), once());
    let err = client.send(&send()).expect_err("a 502");
    assert!(matches!(err, Error::Response(_)), "{err:#?}");
    assert!(err.may_have_been_sent(), "{err}");
    assert!(!err.is_retryable(), "{err}");
}

#[test]
fn a_closed_port_sent_nothing_and_is_retryable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("bound").port()
    };
    let client = Client::builder(demo())
        .base_url(BaseUrl::new(&format!("http://127.0.0.1:{port}")).expect("loopback"))
        .retry(once())
        .build(UreqTransport::default());
    let err = client.send(&send()).expect_err("nothing listens");
    assert!(!err.may_have_been_sent(), "{err:#?}");
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn a_task_outside_its_window_is_refused_locally() {
    let server = started();
    let client = client_for(&server, demo(), once());
    let old = TaskHandle::new(DEMO_AGENT_ID, 1)
        .sent_at(std::time::SystemTime::now() - Duration::from_secs(2 * 86_400));
    let err = client.recall(&old).expect_err("too old to recall");
    assert!(matches!(err, Error::OutsideWindow { .. }), "{err:#?}");
    assert!(!err.may_have_been_sent() && !err.is_retryable(), "{err}");
    assert!(server.requests_to(Route::Recall).is_empty());
}

#[test]
fn a_clone_shares_the_token_with_the_original() {
    let server = started();
    let client = client_for(&server, demo(), RetryPolicy::default());
    let clone = client.clone();
    let other_thread = {
        let clone = clone.clone();
        std::thread::spawn(move || clone.send(&send()).map(|t| t.task_id))
    };
    let first = other_thread.join().expect("no panic").expect("sent");
    let second = client.send(&send()).expect("sent").task_id;
    let third = clone.send(&send()).expect("sent").task_id;
    assert_eq!(server.requests_to(Route::Send).len(), 3);
    assert!(first != second && second != third, "three tasks");
    assert_eq!(
        server.requests_to(Route::GetToken).len(),
        1,
        "one token fetch for the client and its clones"
    );
    // A separately built client has its own cache: the count can move.
    client_for(&server, demo(), RetryPolicy::default())
        .send(&send())
        .expect("sent");
    assert_eq!(server.requests_to(Route::GetToken).len(), 2);
}
