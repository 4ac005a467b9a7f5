//! The real gateway's error shapes (issue 10) through the CLI: its exit codes, and `--json`
//! errors that carry DingTalk's `sub_code` and `sub_msg`. The simulator answers as the live
//! gateway does on `/topapi` paths: a refused token or a missing permission is errcode 88
//! with the real cause in a string `sub_code`.

mod common;

use common::{cli, frozen, run, send_text};
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};

/// 88: "see sub_code".
const WRAPPER: i64 = 88;

#[test]
fn a_token_refused_once_is_refreshed_and_the_command_succeeds() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    server.clear_requests();
    server.inject(Route::SendProgress, Calls::Nth(1), Fault::Code(40014));
    let before = server.token_fetches();
    run(cli(&server), ["--json", "progress", "--task-id", &task_id]).expect_code(0);
    assert_eq!(
        server.token_fetches(),
        before + 2,
        "a token, then one refresh"
    );
    assert_eq!(
        server.requests_to(Route::SendProgress).len(),
        2,
        "one replay"
    );
}

#[test]
fn a_token_refused_throughout_exits_1_with_the_sub_code() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    server.clear_requests();
    server.inject(Route::SendResult, Calls::All, Fault::Code(42001));
    let r = run(cli(&server), ["--json", "result", "--task-id", &task_id]).expect_code(1);
    let err = &r.json()["error"];
    assert_eq!(err["kind"], "api", "{r:?}");
    assert_eq!(err["errcode"], WRAPPER);
    assert_eq!(
        err["sub_code"], "42001",
        "the sub_code as DingTalk sent it: {r:?}"
    );
    assert!(
        err["sub_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{r:?}"
    );
    assert!(r.stderr.contains("42001"), "{r:?}");
    assert_eq!(
        server.requests_to(Route::SendResult).len(),
        2,
        "one replay, not a loop"
    );
}

/// The simulator where the demo app lacks the permission to send.
fn without_send_permission() -> MockServer {
    MockServer::builder()
        .frozen_clock()
        .missing_permission(Route::Send)
        .start()
        .expect("the simulator starts")
}

#[test]
fn a_missing_permission_exits_1_with_the_hint_and_nothing_is_retried() {
    let server = without_send_permission();
    let r = run(
        cli(&server),
        ["--json", "send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(1);
    let err = &r.json()["error"];
    assert_eq!(err["errcode"], WRAPPER, "{r:?}");
    assert_eq!(err["sub_code"], "60011", "{r:?}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("permission")),
        "the message says what to grant: {r:?}"
    );
    assert!(r.stderr.contains("permission"), "{r:?}");
    assert_eq!(server.requests_to(Route::Send).len(), 1, "not retried");
    assert_eq!(server.token_fetches(), 1, "the token was not blamed");
    assert!(server.tasks().is_empty(), "nothing went out");

    // Without --json: the same exit code, and the sub_code on stderr.
    let r = run(cli(&server), ["send", "--user", "alice", "--text", "hi"]).expect_code(1);
    assert!(r.stderr.contains("60011"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn a_rate_limit_is_waited_out_and_the_send_goes_out_once() {
    let server = frozen();
    server.inject(Route::Send, Calls::Nth(1), Fault::Code(90018));
    let r = run(
        cli(&server),
        ["--json", "send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(0);
    assert!(r.json()["task_id"].is_u64(), "{r:?}");
    assert_eq!(server.requests_to(Route::Send).len(), 2, "one retry");
    assert_eq!(server.tasks().len(), 1, "one task");
    assert_eq!(server.deliveries("alice"), 1, "delivered once");
}

#[test]
fn an_error_without_a_sub_code_has_null_sub_fields() {
    let server = frozen();
    let r = run(
        cli(&server),
        [
            "--json",
            "--agent-id",
            "1",
            "send",
            "--user",
            "alice",
            "--text",
            "hi",
        ],
    )
    .expect_code(1);
    let err = &r.json()["error"];
    assert_eq!(err["errcode"], 40056, "{r:?}");
    assert!(err["sub_code"].is_null(), "{r:?}");
    assert!(err["sub_msg"].is_null(), "{r:?}");
}
