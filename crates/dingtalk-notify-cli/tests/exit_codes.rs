//! Each exit code, with the simulator showing what was (not) sent.

mod common;

use std::net::TcpListener;

use common::{bare, cli, cli_at, frozen, run, send_text};
use dingtalk_notify_mock::{Calls, DEMO_APP_KEY, DEMO_APP_SECRET, Fault, Route};

#[test]
fn exit_1_names_the_errcode_and_request_id() {
    let server = frozen();
    let r = run(
        cli(&server),
        ["--agent-id", "1", "send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(1);
    assert!(r.stderr.contains("40056"), "{r:?}");
    assert!(r.stderr.contains("request_id"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");

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
    assert_eq!(err["kind"], "api");
    assert_eq!(err["errcode"], 40056);
    assert!(!err["errmsg"].as_str().unwrap().is_empty());
    let request_id = err["request_id"].as_str().unwrap();
    assert!(r.stderr.contains(request_id), "{r:?}");
    assert!(err["message"].as_str().unwrap().contains("40056"));
}

#[test]
fn exit_1_for_a_wrong_app_secret() {
    let server = frozen();
    let r = run(
        cli(&server),
        [
            "--app-secret",
            "not-the-secret",
            "--json",
            "progress",
            "--task-id",
            "1",
        ],
    )
    .expect_code(1);
    assert_eq!(r.json()["error"]["errcode"], 40001);
}

/// Runs `args` and asserts exit 2, no request at the simulator, and an invalid-input error.
#[track_caller]
fn refused(
    cmd: assert_cmd::Command,
    server: &dingtalk_notify_mock::MockServer,
    args: &[&str],
    needle: &str,
) {
    let mut with_json = vec!["--json"];
    with_json.extend_from_slice(args);
    let r = run(cmd, &with_json).expect_code(2);
    let err = &r.json()["error"];
    assert_eq!(err["kind"], "invalid_input", "{r:?}");
    assert!(err["errcode"].is_null());
    assert!(
        err["message"].as_str().unwrap().contains(needle),
        "{needle}: {r:?}"
    );
    assert!(r.stderr.contains(needle), "{r:?}");
    assert!(server.requests().is_empty(), "sent {:?}", server.requests());
}

#[test]
fn exit_2_for_no_recipients_before_anything_is_sent() {
    let server = frozen();
    refused(
        cli(&server),
        &server,
        &["send", "--text", "hi"],
        "no recipients",
    );
}

#[test]
fn exit_2_for_a_bad_colour() {
    let server = frozen();
    refused(
        cli(&server),
        &server,
        &[
            "status-bar",
            "--task-id",
            "5",
            "--value",
            "Done",
            "--bg",
            "green",
        ],
        "green",
    );
    refused(
        cli(&server),
        &server,
        &["status-bar", "--task-id", "5", "--value", " "],
        "status_value",
    );
}

#[test]
fn exit_2_for_missing_credentials_or_agent_id() {
    let server = frozen();
    let base = server.base_url();
    let mut cmd = bare();
    cmd.args(["--base-url", &base, "--agent-id", "7"]);
    refused(
        cmd,
        &server,
        &["progress", "--task-id", "5"],
        "missing credentials",
    );
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        &base,
        "--agent-id",
        "7",
        "--app-key",
        DEMO_APP_KEY,
    ]);
    refused(
        cmd,
        &server,
        &["progress", "--task-id", "5"],
        "--app-secret",
    );
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        &base,
        "--app-key",
        DEMO_APP_KEY,
        "--app-secret",
        DEMO_APP_SECRET,
    ]);
    refused(cmd, &server, &["recall", "--task-id", "5"], "--agent-id");
}

#[test]
fn exit_2_for_bad_message_json() {
    let server = frozen();
    let mut cmd = cli(&server);
    cmd.write_stdin("{\"msgtype\":\"text\"");
    refused(
        cmd,
        &server,
        &["send", "--user", "alice", "--msg-json", "-"],
        "not valid JSON",
    );
    let mut cmd = cli(&server);
    cmd.write_stdin(r#"{"msgtype":"carrier-pigeon"}"#);
    refused(
        cmd,
        &server,
        &["send", "--user", "alice", "--msg-json", "-"],
        "msg object",
    );
    refused(
        cli(&server),
        &server,
        &[
            "send",
            "--user",
            "alice",
            "--msg-json",
            "/nonexistent/msg.json",
        ],
        "cannot read",
    );
}

#[test]
fn exit_2_for_other_invalid_input() {
    let server = frozen();
    refused(
        cli(&server),
        &server,
        &["progress", "--task-id", "0"],
        "task_id",
    );
    let mut cmd = cli(&server);
    cmd.args(["--base-url", "http://example.com"]);
    refused(cmd, &server, &["progress", "--task-id", "5"], "https");
    // clap's own usage errors exit 2 too.
    let r = run(cli(&server), ["progress"]).expect_code(2);
    assert!(r.stderr.contains("--task-id"));
    run(
        cli(&server),
        ["send", "--user", "a", "--text", "x", "--markdown", "t", "x"],
    )
    .expect_code(2);
    assert!(server.requests().is_empty());
}

#[test]
fn exit_3_when_nothing_listens() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cmd = cli_at(&format!("http://127.0.0.1:{port}"), "0.5");
    let r = run(cmd, ["--json", "send", "--user", "alice", "--text", "hi"]).expect_code(3);
    let kind = r.json()["error"]["kind"].as_str().unwrap().to_owned();
    assert!(kind == "transport" || kind == "deadline", "{r:?}");
}

#[test]
fn exit_4_for_a_gateway_page_on_a_safe_call() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    server.inject(Route::SendProgress, Calls::All, Fault::Http502Html);
    let r = run(
        cli(&server),
        [
            "--timeout",
            "1",
            "--json",
            "progress",
            "--task-id",
            &task_id,
        ],
    )
    .expect_code(4);
    let err = &r.json()["error"];
    assert!(err["message"].as_str().unwrap().contains("502"), "{r:?}");
    assert!(err["errcode"].is_null());
}

#[test]
fn exit_4_for_an_oversized_body() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    server.inject(
        Route::SendResult,
        Calls::All,
        Fault::Oversized(5 * 1024 * 1024),
    );
    let r = run(cli(&server), ["--json", "result", "--task-id", &task_id]).expect_code(4);
    assert_eq!(r.json()["error"]["kind"], "response");
    assert_eq!(
        server.requests_to(Route::SendResult).len(),
        1,
        "not retried"
    );
}

#[test]
fn exit_4_for_truncated_json_and_the_send_is_not_repeated() {
    let server = frozen();
    server.inject(Route::Send, Calls::First(1), Fault::TruncatedJson);
    let r = run(
        cli(&server),
        ["--json", "send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(4);
    assert_eq!(r.json()["error"]["kind"], "response");
    assert_eq!(server.requests_to(Route::Send).len(), 1);
}

#[test]
fn exit_4_for_the_throttle_page() {
    let server = frozen();
    server.inject(Route::SendProgress, Calls::All, Fault::Throttle);
    let r = run(
        cli(&server),
        ["--timeout", "0.5", "progress", "--task-id", "5"],
    )
    .expect_code(4);
    assert!(r.stderr.contains("throttled"), "{r:?}");
}
