//! Windows: 24 hours for results and recall; 7 days for progress (its own current page,
//! shared/spec/current-reference.md) and for the status bar.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{DEMO_AGENT_ID, MockServer};
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);

fn oa(status: &str) -> Value {
    json!({"msgtype":"oa","oa":{"message_url":"https://example.com/leave/7",
        "head":{"bgcolor":"FFBBBBBB","text":"Leave"},
        "status_bar":{"status_value":status,"status_bg":"0xFFFF9900"},
        "body":{"title":"Leave request"}}})
}

/// A server with a token that lives long enough for the jumps.
fn setup() -> (MockServer, String, u64) {
    let server = MockServer::builder()
        .frozen_clock()
        .token_ttl(Duration::from_secs(30 * 24 * 3600))
        .start()
        .unwrap();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": oa("Pending") }),
    );
    (server, t, task)
}

#[test]
fn after_25_hours_result_and_recall_are_refused_but_progress_and_the_status_bar_work() {
    let (server, t, task) = setup();
    server.advance(23 * HOUR);
    assert_eq!(progress(&server, &t, task)["errcode"], 0);
    assert_eq!(result(&server, &t, task)["errcode"], 0);
    server.advance(2 * HOUR);
    assert_eq!(progress(&server, &t, task)["errcode"], 0);
    assert_eq!(result(&server, &t, task)["errcode"], 40035);
    assert_eq!(recall(&server, &t, task)["errcode"], 40035);
    assert!(!server.task(task).unwrap().recalled);
    let v = status_bar(&server, &t, task, "Approved");
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(
        server.task(task).unwrap().status_value.as_deref(),
        Some("Approved")
    );
}

#[test]
fn after_8_days_progress_and_the_status_bar_are_refused() {
    let (server, t, task) = setup();
    server.advance(6 * 24 * HOUR + 23 * HOUR);
    assert_eq!(progress(&server, &t, task)["errcode"], 0);
    assert_eq!(status_bar(&server, &t, task, "Late")["errcode"], 0);
    server.advance(25 * HOUR);
    assert_eq!(progress(&server, &t, task)["errcode"], 40035);
    let v = status_bar(&server, &t, task, "Too late");
    assert_eq!(v["errcode"], 40035, "{v}");
    assert_eq!(
        server.task(task).unwrap().status_value.as_deref(),
        Some("Late")
    );
}

#[test]
fn status_bar_updates_and_recall_show_in_snapshots() {
    let (server, t, task) = setup();
    let snap = server.task(task).unwrap();
    assert_eq!(snap.status_value.as_deref(), Some("Pending"));
    assert_eq!(snap.status_bg.as_deref(), Some("0xFFFF9900"));
    assert!(!snap.recalled);
    assert_eq!(snap.sent_at, Duration::ZERO);

    let v = status_bar(&server, &t, task, "Approved");
    assert_eq!(
        v,
        json!({ "errcode": 0, "errmsg": "ok", "request_id": v["request_id"] })
    );
    let snap = server.task(task).unwrap();
    assert_eq!(snap.status_value.as_deref(), Some("Approved"));
    assert_eq!(snap.status_bg.as_deref(), Some("0xFF78C06E"));

    // Without status_bg, the colour stays.
    let v = post(
        &server,
        STATUS_BAR,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task, "status_value": "Archived" }),
    );
    assert_eq!(v["errcode"], 0);
    let snap = server.task(task).unwrap();
    assert_eq!(snap.status_value.as_deref(), Some("Archived"));
    assert_eq!(snap.status_bg.as_deref(), Some("0xFF78C06E"));

    server.advance(HOUR);
    assert_eq!(recall(&server, &t, task)["errcode"], 0);
    let snap = server.task(task).unwrap();
    assert!(snap.recalled);
    assert_eq!(snap.recalled_at, Some(HOUR));
    // Recalling again is harmless.
    assert_eq!(recall(&server, &t, task)["errcode"], 0);
}

#[test]
fn status_bar_and_recall_check_the_agent_and_arguments() {
    let (server, t, task) = setup();
    let v = post(
        &server,
        STATUS_BAR,
        &t,
        &json!({ "agent_id": 1, "task_id": task, "status_value": "x" }),
    );
    assert_eq!(v["errcode"], 40056);
    let v = post(
        &server,
        RECALL,
        &t,
        &json!({ "agent_id": 1, "msg_task_id": task }),
    );
    assert_eq!(v["errcode"], 40056);
    // Recall takes msg_task_id, not task_id.
    let v = post(
        &server,
        RECALL,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task }),
    );
    assert_eq!(v["errcode"], 40);
    assert_eq!(v["errmsg"], "Missing parameter msg_task_id");
    let v = post(
        &server,
        STATUS_BAR,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task, "status_value": "x", "status_bg": "green" }),
    );
    assert_eq!(v["errcode"], 41);
    assert_eq!(v["errmsg"], "Invalid arguments:status_bg");
    let v = post(
        &server,
        STATUS_BAR,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task, "status_value": " " }),
    );
    assert_eq!(v["errcode"], 40);
}

#[test]
fn the_default_clock_follows_real_time_and_advances_too() {
    let server = MockServer::start().unwrap();
    let before = server.now();
    server.advance(HOUR);
    assert!(server.now() >= before + HOUR);
    assert!(!server.clock().is_frozen());
}
