//! Campaign support (issue 12): the per-minute recipient budget per app, departments whose
//! members receive a send, and records (sends and per-user deliveries on the virtual clock)
//! good enough to check "no 60 s window exceeds B" and "each user got it exactly once".

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    BudgetOverflow, DEMO_AGENT_ID, Directory, MockServer, SendRecord, UserBehaviour,
};
use serde_json::{Value, json};

const MINUTE: Duration = Duration::from_secs(60);

/// The most recipients counted in any 60 s window of `sends` (a window starts at a send).
fn busiest_minute(sends: &[SendRecord]) -> usize {
    sends
        .iter()
        .map(|start| {
            sends
                .iter()
                .filter(|s| s.at >= start.at && s.at - start.at < MINUTE)
                .map(|s| s.counted)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("emp{i:04}")).collect()
}

fn send_to(server: &MockServer, t: &str, ids: &[String], content: &str) -> Value {
    post(
        server,
        SEND,
        t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": ids.join(","), "msg": text(content)}),
    )
}

#[test]
fn a_paced_campaign_never_exceeds_the_budget_and_reaches_everyone_once() {
    const B: usize = 250;
    let everyone = users(1_000);
    let server = MockServer::builder()
        .frozen_clock()
        .directory(Directory::new().with_users(everyone.clone(), UserBehaviour::Reads))
        .recipients_per_minute(B)
        .start()
        .unwrap();
    let t = token(&server);
    let mut refused = 0;
    for chunk in everyone.chunks(100) {
        loop {
            let v = send_to(&server, &t, chunk, "Town hall at 3pm");
            if v["errcode"] == 0 {
                break;
            }
            assert_eq!(v["errcode"], 143103, "{v}");
            refused += 1;
            server.advance(Duration::from_secs(10));
        }
        server.advance(Duration::from_secs(1));
    }
    assert!(refused > 0, "the budget was hit");
    let sends = server.sends();
    assert_eq!(sends.len(), 10, "refused calls are not recorded as sends");
    assert!(busiest_minute(&sends) <= B, "{}", busiest_minute(&sends));
    let mut got: BTreeMap<&str, usize> = BTreeMap::new();
    for d in server.delivery_log() {
        assert_eq!(d.agent_id, DEMO_AGENT_ID);
        assert!(sends.iter().any(|s| s.task_id == d.task_id && s.at == d.at));
        *got.entry(everyone.iter().find(|u| **u == d.user_id).unwrap())
            .or_default() += 1;
    }
    assert_eq!(got.len(), 1_000);
    assert!(got.values().all(|&n| n == 1));
}

#[test]
fn the_window_slides_with_the_virtual_clock() {
    let server = MockServer::builder()
        .frozen_clock()
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .recipients_per_minute(100)
        .start()
        .unwrap();
    let t = token(&server);
    assert_eq!(send_to(&server, &t, &users(60), "a")["errcode"], 0);
    server.advance(Duration::from_secs(30));
    assert_eq!(send_to(&server, &t, &users(41), "b")["errcode"], 143103);
    assert_eq!(send_to(&server, &t, &users(40), "c")["errcode"], 0);
    server.advance(Duration::from_secs(29));
    assert_eq!(send_to(&server, &t, &users(1), "d")["errcode"], 143103);
    server.advance(Duration::from_secs(1)); // the first send leaves the window
    assert_eq!(send_to(&server, &t, &users(60), "e")["errcode"], 0);
    let at: Vec<u64> = server.sends().iter().map(|s| s.at.as_secs()).collect();
    assert_eq!(at, [0, 30, 60]);
    assert!(busiest_minute(&server.sends()) <= 100);
}

#[test]
fn past_the_budget_users_can_be_forbidden_with_the_quota_code_and_resent_later() {
    let everyone = users(100);
    let server = MockServer::builder()
        .frozen_clock()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().with_users(everyone.clone(), UserBehaviour::Reads))
        .recipients_per_minute(60)
        .budget_overflow(BudgetOverflow::ForbidExcessUsers)
        .start()
        .unwrap();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": everyone.join(","), "msg": text("n")}),
    );
    let r = post(
        &server,
        RESULT,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "task_id": task}),
    );
    let sr = &r["send_result"];
    assert_eq!(strings(&sr["read_user_id_list"]), everyone[..60]);
    let forbidden = strings(&sr["forbidden_user_id_list"]);
    assert_eq!(forbidden, everyone[60..]);
    for entry in sr["forbidden_list"].as_array().unwrap() {
        assert_eq!(entry["code"], "143103", "{entry}");
        assert_eq!(entry["count"], 60);
    }
    assert_eq!(server.sends()[0].counted, 60);
    assert_eq!(server.sends()[0].recipients, 100);
    // Within the minute nothing more goes out; after it, the held-back users do.
    let held = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": forbidden.join(","), "msg": text("n")}),
    );
    assert!(server.task(held).unwrap().delivered.is_empty());
    server.advance(MINUTE);
    send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": forbidden.join(","), "msg": text("n")}),
    );
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for d in server.delivery_log() {
        *got.entry(d.user_id).or_default() += 1;
    }
    assert_eq!(got.len(), 100);
    assert!(got.values().all(|&n| n == 1), "{got:?}");
    assert!(busiest_minute(&server.sends()) <= 60);
}

#[test]
fn a_send_to_a_department_delivers_to_its_members() {
    let dir = Directory::new()
        .with_department(7, ["ann", "ben", "cat"])
        .with_department(8, ["cat", "dan"]);
    let server = MockServer::builder()
        .frozen_clock()
        .directory(dir)
        .start()
        .unwrap();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "dan", "dept_id_list": "7,8,99", "msg": text("d")}),
    );
    let snap = server.task(task).unwrap();
    assert_eq!(
        snap.recipients,
        ["dan", "ann", "ben", "cat"],
        "users, then members, deduplicated"
    );
    assert_eq!(snap.invalid_dept_ids, [99]);
    let log: Vec<String> = server
        .delivery_log()
        .into_iter()
        .map(|d| d.user_id)
        .collect();
    assert_eq!(log, ["dan", "ann", "ben", "cat"]);
    assert_eq!(server.sends()[0].recipients, 4);
}
