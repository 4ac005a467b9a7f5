//! Rate limits: duplicate content, the daily per-user limit, the per-minute budget.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{DEMO_ISV_AGENT_ID, MockServer};
use serde_json::json;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Tokens outlive the day jumps.
fn frozen() -> MockServer {
    MockServer::builder()
        .frozen_clock()
        .token_ttl(3 * DAY)
        .start()
        .unwrap()
}

#[test]
fn same_content_to_the_same_user_twice_a_day_is_forbidden_143106() {
    let server = frozen();
    let t = token(&server);
    let first = send_text(&server, &t, "alice,bob", "Disk 91% on db-3");
    assert_eq!(first["errcode"], 0);
    // alice again with the same content: success, but forbidden; carol is new.
    let second = send_text(&server, &t, "alice,carol", "Disk 91% on db-3");
    assert_eq!(
        second["errcode"], 0,
        "over-limit sends still answer success"
    );
    let task = second["task_id"].as_u64().unwrap();
    let sr = result(&server, &t, task)["send_result"].clone();
    assert_eq!(strings(&sr["forbidden_user_id_list"]), ["alice"]);
    assert_eq!(
        sr["forbidden_list"],
        json!([{ "code": "143106", "count": 1, "userid": "alice" }])
    );
    let snap = server.task(task).unwrap().result;
    assert_eq!(snap.forbidden_user_id_list, ["alice"]);
    let held: Vec<_> = snap
        .forbidden_list
        .iter()
        .map(|f| (f.userid.as_str(), f.code, f.count))
        .collect();
    assert_eq!(
        held,
        [("alice", 143_106, 1)],
        "the snapshot holds the code as a number"
    );
    assert_eq!(strings(&sr["unread_user_id_list"]), ["carol"]);
    assert_eq!(server.deliveries("alice"), 1);
    assert_eq!(server.deliveries("carol"), 1);

    // Other content is fine the same day, and the same content the next day.
    let v = send_text(&server, &t, "alice", "Disk 95% on db-3");
    let sr = result(&server, &t, v["task_id"].as_u64().unwrap())["send_result"].clone();
    assert_eq!(sr["forbidden_list"], json!([]));
    server.advance(DAY);
    let v = send_text(&server, &t, "alice", "Disk 91% on db-3");
    let sr = result(&server, &t, v["task_id"].as_u64().unwrap())["send_result"].clone();
    assert_eq!(sr["forbidden_list"], json!([]));
    assert_eq!(server.deliveries("alice"), 3);
}

#[test]
fn past_the_daily_limit_users_are_forbidden_143105() {
    let server = MockServer::builder()
        .frozen_clock()
        .token_ttl(3 * DAY)
        .daily_user_limit(2)
        .start()
        .unwrap();
    let t = token(&server);
    for i in 0..2 {
        let v = send_text(&server, &t, "alice", &format!("n{i}"));
        let sr = result(&server, &t, v["task_id"].as_u64().unwrap())["send_result"].clone();
        assert_eq!(sr["forbidden_list"], json!([]));
    }
    let v = send_text(&server, &t, "alice,bob", "n2");
    assert_eq!(v["errcode"], 0);
    let sr = result(&server, &t, v["task_id"].as_u64().unwrap())["send_result"].clone();
    assert_eq!(
        sr["forbidden_list"],
        json!([{ "code": "143105", "count": 2, "userid": "alice" }])
    );
    assert_eq!(strings(&sr["forbidden_user_id_list"]), ["alice"]);
    assert_eq!(server.deliveries("alice"), 2);
    assert_eq!(server.deliveries("bob"), 1);
    server.advance(DAY);
    let v = send_text(&server, &t, "alice", "n3");
    let sr = result(&server, &t, v["task_id"].as_u64().unwrap())["send_result"].clone();
    assert_eq!(sr["forbidden_list"], json!([]));
    assert_eq!(server.deliveries("alice"), 3);
}

#[test]
fn isv_apps_get_their_own_codes_and_limit() {
    let server = MockServer::builder()
        .frozen_clock()
        .isv_daily_user_limit(1)
        .start()
        .unwrap();
    let t = isv_token(&server);
    let send = |content: &str| {
        post(
            &server,
            SEND,
            &t,
            &json!({ "agent_id": DEMO_ISV_AGENT_ID, "userid_list": "alice", "msg": text(content) }),
        )["task_id"]
            .as_u64()
            .unwrap()
    };
    let result_of = |task: u64| {
        post(
            &server,
            RESULT,
            &t,
            &json!({ "agent_id": DEMO_ISV_AGENT_ID, "task_id": task }),
        )["send_result"]["forbidden_list"]
            .clone()
    };
    send("a");
    assert_eq!(
        result_of(send("a")),
        json!([{ "code": "143206", "count": 1, "userid": "alice" }])
    );
    assert_eq!(
        result_of(send("b")),
        json!([{ "code": "143205", "count": 1, "userid": "alice" }])
    );
}

#[test]
fn the_per_minute_budget_refuses_whole_calls_143103_then_recovers() {
    let server = MockServer::builder()
        .frozen_clock()
        .recipients_per_minute(5)
        .start()
        .unwrap();
    let t = token(&server);
    assert_eq!(
        send_text(&server, &t, "alice,bob,carol", "m1")["errcode"],
        0
    );
    server.advance(Duration::from_secs(30));
    // 3 + 3 > 5: the whole call is refused and nothing is delivered.
    let v = send_text(&server, &t, "alice,bob,user123", "m2");
    assert_eq!(v["errcode"], 143103, "{v}");
    assert!(v.get("task_id").is_none());
    assert_eq!(server.deliveries("user123"), 0);
    // 3 + 2 fits.
    assert_eq!(send_text(&server, &t, "dave,user123", "m3")["errcode"], 0);
    assert_eq!(send_text(&server, &t, "alice", "m4")["errcode"], 143103);
    // A minute after the first send, its 3 recipients leave the window.
    server.advance(Duration::from_secs(30));
    assert_eq!(
        send_text(&server, &t, "alice,bob,carol", "m5")["errcode"],
        0
    );
    assert_eq!(server.tasks().len(), 3);
}

#[test]
fn the_budget_is_per_app() {
    let server = MockServer::builder()
        .frozen_clock()
        .recipients_per_minute(1)
        .start()
        .unwrap();
    let t = token(&server);
    assert_eq!(send_text(&server, &t, "alice", "x")["errcode"], 0);
    assert_eq!(send_text(&server, &t, "bob", "x")["errcode"], 143103);
    let isv = isv_token(&server);
    let v = post(
        &server,
        SEND,
        &isv,
        &json!({ "agent_id": DEMO_ISV_AGENT_ID, "userid_list": "alice", "msg": text("y") }),
    );
    assert_eq!(v["errcode"], 0, "{v}");
    let v = post(
        &server,
        SEND,
        &isv,
        &json!({ "agent_id": DEMO_ISV_AGENT_ID, "userid_list": "bob", "msg": text("y") }),
    );
    assert_eq!(v["errcode"], 143203, "{v}");
}
