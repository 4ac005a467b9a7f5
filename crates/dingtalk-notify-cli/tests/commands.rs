//! Every command against the simulator, in human and `--json` form, with flags and with
//! environment variables.

mod common;

use common::{bare, cli, frozen, int, run, send_text};
use dingtalk_notify::kit::api::ProgressStatus;
use dingtalk_notify_mock::{
    DEFAULT_DELIVERY_DURATION, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer, Route,
};
use serde_json::json;

#[test]
fn send_text_prints_the_task_id() {
    let server = frozen();
    let task_id = send_text(&server, &["alice", "bob"]);
    let task = server.task(task_id).unwrap();
    assert_eq!(
        task.msg,
        json!({"msgtype": "text", "text": {"content": "hello"}})
    );
    assert_eq!(task.recipients, ["alice", "bob"]);
    assert_eq!(task.agent_id, DEMO_AGENT_ID);
}

#[test]
fn send_markdown_to_departments_and_comma_lists() {
    let server = frozen();
    let r = run(
        cli(&server),
        [
            "send",
            "--user",
            "alice,bob",
            "--dept",
            "200",
            "--markdown",
            "Deploy",
            "**prod** is live",
        ],
    )
    .expect_code(0);
    let task = server
        .task(r.stdout.trim().parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(
        task.msg,
        json!({"msgtype": "markdown", "markdown": {"title": "Deploy", "text": "**prod** is live"}})
    );
    assert_eq!(task.recipients, ["alice", "bob", "carol", "manager4220"]);
}

#[test]
fn send_to_all_users_as_json() {
    let server = frozen();
    let r = run(
        cli(&server),
        ["--json", "send", "--all-users", "--text", "all hands"],
    )
    .expect_code(0);
    let doc = r.json();
    let task = server.task(int(&doc["task_id"])).unwrap();
    assert_eq!(int(&doc["agent_id"]), DEMO_AGENT_ID);
    assert!(task.to_all_user);
    assert_eq!(task.recipients.len(), 6);
}

const OA: &str = r##"{"msgtype":"oa","oa":{"message_url":"https://example.com/a/1",
  "head":{"bgcolor":"FFBBBBBB","text":"Leave"},"status_bar":{"status_value":"Pending","status_bg":"#FF9900"},
  "body":{"title":"Leave request","form":[{"key":"Days","value":"3"}]}}}"##;

#[test]
fn send_msg_json_from_a_file() {
    let server = frozen();
    let path = std::env::temp_dir().join(format!(
        "dingtalk-notify-cli-oa-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, OA).unwrap();
    let file = path.to_str().unwrap().to_owned();
    let r = run(
        cli(&server),
        ["send", "--user", "alice", "--msg-json", &file],
    );
    let _ = std::fs::remove_file(&path);
    let r = r.expect_code(0);
    let task = server
        .task(r.stdout.trim().parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(task.msg["msgtype"], "oa");
    assert_eq!(task.status_value.as_deref(), Some("Pending"));
    // "#FF9900" goes out in the status bar page's form.
    assert_eq!(task.status_bg.as_deref(), Some("0xFFFF9900"));
}

#[test]
fn send_msg_json_from_stdin() {
    let server = frozen();
    let mut cmd = cli(&server);
    cmd.write_stdin(r#"{"msgtype":"text","text":{"content":"from stdin"}}"#);
    let r = run(cmd, ["send", "--user", "bob", "--msg-json", "-"]).expect_code(0);
    let task = server
        .task(r.stdout.trim().parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(
        task.msg,
        json!({"msgtype": "text", "text": {"content": "from stdin"}})
    );
}

#[test]
fn progress_follows_the_simulator_clock() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    let r = run(cli(&server), ["progress", "--task-id", &task_id]).expect_code(0);
    assert_eq!(r.stdout.trim(), format!("task {task_id}: 0% (not started)"));

    server.advance(DEFAULT_DELIVERY_DURATION);
    let doc = run(cli(&server), ["progress", "--task-id", &task_id, "--json"])
        .expect_code(0)
        .json();
    assert_eq!(int(&doc["task_id"]).to_string(), task_id);
    assert_eq!(int(&doc["progress"]["progress_in_percent"]), 100);
    assert_eq!(
        int(&doc["progress"]["status"]) as i64,
        ProgressStatus::Completed.code()
    );
}

#[test]
fn result_lists_every_outcome() {
    let server = frozen();
    let task_id = send_text(&server, &["alice", "bob", "dave", "ghost"]).to_string();
    server.advance(DEFAULT_DELIVERY_DURATION);

    let r = run(cli(&server), ["result", "--task-id", &task_id]).expect_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "read          1  alice");
    assert_eq!(lines[1], "unread        1  bob");
    assert_eq!(lines[2], "failed        1  dave");
    assert_eq!(lines[3], "invalid       1  ghost");
    assert_eq!(lines[4], "forbidden     0");

    let doc = run(cli(&server), ["--json", "result", "--task-id", &task_id])
        .expect_code(0)
        .json();
    let res = &doc["send_result"];
    assert_eq!(res["read_user_id_list"], serde_json::json!(["alice"]));
    assert_eq!(res["unread_user_id_list"], serde_json::json!(["bob"]));
    assert_eq!(res["failed_user_id_list"], serde_json::json!(["dave"]));
    assert_eq!(res["invalid_user_id_list"], serde_json::json!(["ghost"]));
    assert_eq!(res["forbidden_list"], serde_json::json!([]));
    assert_eq!(int(&doc["task_id"]).to_string(), task_id);
}

#[test]
fn forbidden_codes_are_strings_and_dept_ids_integers() {
    let server = MockServer::builder()
        .frozen_clock()
        .daily_user_limit(1)
        .start()
        .unwrap();
    send_text(&server, &["alice"]);
    let r = run(
        cli(&server),
        [
            "send", "--user", "alice", "--dept", "999", "--text", "again",
        ],
    )
    .expect_code(0);
    let task_id = r.stdout.trim().to_owned();
    server.advance(DEFAULT_DELIVERY_DURATION);
    let doc = run(cli(&server), ["--json", "result", "--task-id", &task_id])
        .expect_code(0)
        .json();
    let res = &doc["send_result"];
    assert_eq!(int(&res["invalid_dept_id_list"][0]), 999);
    assert_eq!(res["forbidden_list"][0]["userid"], "alice");
    assert_eq!(res["forbidden_list"][0]["code"], "143105");
    let human = run(cli(&server), ["result", "--task-id", &task_id]).expect_code(0);
    assert!(
        human.stdout.contains("alice (errcode 143105, limit 1)"),
        "{human:?}"
    );
    assert!(human.stdout.contains("bad depts     1  999"), "{human:?}");
}

#[test]
fn recall_marks_the_task_recalled() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]);
    let doc = run(
        cli(&server),
        ["--json", "recall", "--task-id", &task_id.to_string()],
    )
    .expect_code(0)
    .json();
    assert_eq!(doc["recalled"], true);
    assert_eq!(int(&doc["task_id"]), task_id);
    // The simulator's answer carries a request id; the document passes it on.
    assert!(
        doc["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{doc}"
    );
    assert!(server.task(task_id).unwrap().recalled);
    assert_eq!(server.requests_to(Route::Recall).len(), 1);
}

#[test]
fn status_bar_sets_value_and_colour() {
    let server = frozen();
    let task_id = send_text(&server, &["alice"]).to_string();
    let r = run(
        cli(&server),
        [
            "status-bar",
            "--task-id",
            &task_id,
            "--value",
            "Approved",
            "--bg",
            "#78C06E",
        ],
    )
    .expect_code(0);
    assert_eq!(
        r.stdout.trim(),
        format!("task {task_id}: status bar set to \"Approved\" (0xFF78C06E)")
    );
    let task = server.task(task_id.parse::<u64>().unwrap()).unwrap();
    assert_eq!(task.status_value.as_deref(), Some("Approved"));
    assert_eq!(task.status_bg.as_deref(), Some("0xFF78C06E"));

    for bg in ["0x8078C06E", "78c06e"] {
        let doc = run(
            cli(&server),
            [
                "--json",
                "status-bar",
                "--task-id",
                &task_id,
                "--value",
                "Done",
                "--bg",
                bg,
            ],
        )
        .expect_code(0)
        .json();
        assert_eq!(doc["status_value"], "Done");
        assert!(
            doc["request_id"].as_str().is_some_and(|id| !id.is_empty()),
            "{doc}"
        );
        assert!(doc["status_bg"].as_str().unwrap().ends_with("78C06E"));
    }
}

/// A simulator on real time whose sends complete quickly, for `watch`.
fn quick() -> MockServer {
    MockServer::builder()
        .delivery_duration(std::time::Duration::from_millis(300))
        .start()
        .unwrap()
}

#[test]
fn watch_without_a_terminal_prints_plain_lines_then_the_summary() {
    let server = quick();
    let task_id = send_text(&server, &["alice", "bob"]).to_string();
    let r = run(
        cli(&server),
        ["watch", "--task-id", &task_id, "--interval", "0.1"],
    )
    .expect_code(0);
    assert!(
        r.stderr
            .contains(&format!("task {task_id}: 100% (completed)")),
        "{r:?}"
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], format!("task {task_id}: 100% (completed)"));
    assert_eq!(lines[1], "read          1  alice");
    assert_eq!(lines[2], "unread        1  bob");
    assert!(server.requests_to(Route::SendProgress).len() >= 2);
    assert_eq!(server.requests_to(Route::SendResult).len(), 1);
}

#[test]
fn watch_as_json_is_one_document() {
    let server = quick();
    let task_id = send_text(&server, &["alice", "dave"]);
    let doc = run(
        cli(&server),
        [
            "--json",
            "watch",
            "--task-id",
            &task_id.to_string(),
            "--interval",
            "0.1",
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(int(&doc["task_id"]), task_id);
    assert_eq!(int(&doc["progress"]["progress_in_percent"]), 100);
    assert_eq!(
        doc["send_result"]["failed_user_id_list"],
        serde_json::json!(["dave"])
    );
}

#[test]
fn environment_variables_replace_flags() {
    let server = frozen();
    let env = |mut cmd: assert_cmd::Command| {
        cmd.env("DINGTALK_BASE_URL", server.base_url())
            .env("DINGTALK_APP_KEY", DEMO_APP_KEY)
            .env("DINGTALK_APP_SECRET", DEMO_APP_SECRET)
            .env("DINGTALK_AGENT_ID", DEMO_AGENT_ID.to_string())
            .env("DINGTALK_TIMEOUT", "5");
        cmd
    };
    let r = run(
        env(bare()),
        ["send", "--user", "alice", "--text", "via env"],
    )
    .expect_code(0);
    let task_id = r.stdout.trim().to_owned();
    assert_eq!(
        server.task(task_id.parse::<u64>().unwrap()).unwrap().msg,
        json!({"msgtype": "text", "text": {"content": "via env"}})
    );

    // A ready token instead of key and secret: no token is fetched.
    let fetches = server.token_fetches();
    let token = dingtalk_notify::Client::builder(dingtalk_notify::TokenSource::app(
        DEMO_APP_KEY,
        DEMO_APP_SECRET,
    ))
    .base_url(dingtalk_notify::BaseUrl::new(&server.base_url()).unwrap())
    .build(dingtalk_notify::ureq::UreqTransport::default())
    .access_token()
    .unwrap();
    let mut cmd = bare();
    cmd.env("DINGTALK_BASE_URL", server.base_url())
        .env("DINGTALK_ACCESS_TOKEN", token.expose_secret())
        .env("DINGTALK_AGENT_ID", DEMO_AGENT_ID.to_string());
    run(cmd, ["progress", "--task-id", &task_id]).expect_code(0);
    assert_eq!(
        server.token_fetches(),
        fetches + 1,
        "only the test's own fetch"
    );

    // Flags win over the environment.
    let mut cmd = env(bare());
    cmd.env("DINGTALK_AGENT_ID", "1");
    run(
        cmd,
        [
            "--agent-id",
            &DEMO_AGENT_ID.to_string(),
            "progress",
            "--task-id",
            &task_id,
        ],
    )
    .expect_code(0);
}

#[test]
fn help_documents_the_contract() {
    let r = run(bare(), ["--help"]).expect_code(0);
    for needle in [
        "DINGTALK_BASE_URL",
        "DINGTALK_APP_KEY",
        "DINGTALK_APP_SECRET",
        "DINGTALK_ACCESS_TOKEN",
        "DINGTALK_AGENT_ID",
        "--timeout",
        "--json",
        "Exit codes",
        "mock-server",
        "demo",
    ] {
        assert!(r.stdout.contains(needle), "{needle} missing from --help");
    }
    let r = run(bare(), ["status-bar", "--help"]).expect_code(0);
    assert!(r.stdout.contains("0xAARRGGBB"));
}
