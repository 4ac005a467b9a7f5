//! Sending, progress and results, against the demo directory.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, Directory, FIRST_TASK_ID, MockServer, SendLimits, UserBehaviour,
};
use serde_json::json;

fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

#[test]
fn send_answers_a_64_bit_task_id_and_ids_are_unique() {
    let server = frozen();
    let t = token(&server);
    let mut ids = HashSet::new();
    for i in 0..5 {
        let v = send_text(&server, &t, "alice", &format!("m{i}"));
        assert_eq!(v["errcode"], 0, "{v}");
        let id = v["task_id"].as_u64().unwrap();
        assert!(id > u64::from(u32::MAX));
        assert!(id >= FIRST_TASK_ID);
        assert!(ids.insert(id));
    }
    // The raw JSON carries the id as an integer literal.
    let r = post_resp(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "bob", "msg": text("raw") }),
    );
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        body.contains(&format!("\"task_id\":{}", FIRST_TASK_ID + 5)),
        "{body}"
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=utf-8")
    );
}

#[test]
fn unknown_agent_id_answers_40056() {
    let server = frozen();
    let t = token(&server);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": 1, "userid_list": "alice", "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 40056);
    assert_eq!(v["errmsg"], "Invalid agentid");
    assert!(server.tasks().is_empty());
}

#[test]
fn no_recipients_answers_1430000() {
    let server = frozen();
    let t = token(&server);
    for body in [
        json!({ "agent_id": DEMO_AGENT_ID, "msg": text("x") }),
        json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "", "dept_id_list": "", "to_all_user": false, "msg": text("x") }),
    ] {
        let v = post(&server, SEND, &t, &body);
        assert_eq!(v["errcode"], 1430000, "{v}");
    }
}

#[test]
fn msg_as_a_string_answers_41_invalid_arguments_msg() {
    let server = frozen();
    let t = token(&server);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice",
                 "msg": r#"{"msgtype":"text","text":{"content":"x"}}"# }),
    );
    assert_eq!(v["errcode"], 41);
    assert_eq!(v["errmsg"], "Invalid arguments:msg");
    assert!(server.tasks().is_empty());
}

#[test]
fn malformed_bodies_answer_40_or_41() {
    let server = frozen();
    let t = token(&server);
    let target = format!("{SEND}?access_token={t}");
    let send = |body: &[u8]| {
        request(
            server.addr(),
            "POST",
            &target,
            Some("application/json"),
            body,
        )
        .json()
    };
    assert_eq!(send(b"{not json")["errcode"], 41);
    assert_eq!(send(b"[1,2]")["errcode"], 41);
    let v = send(br#"{"userid_list":"alice","msg":{"msgtype":"text","text":{"content":"x"}}}"#);
    assert_eq!(v["errcode"], 40, "{v}");
    assert_eq!(v["errmsg"], "Missing parameter agent_id");
    let v = send(br#"{"agent_id":"abc","userid_list":"alice","msg":{"msgtype":"text","text":{"content":"x"}}}"#);
    assert_eq!(v["errcode"], 41);
    assert_eq!(v["errmsg"], "Invalid arguments:agent_id");
    let v = send(br#"{"agent_id":836390886,"userid_list":"alice","msg":{"msgtype":"telepathy"}}"#);
    assert_eq!(v["errcode"], 41, "{v}");
    assert_eq!(send(b"")["errcode"], 40);
    assert!(server.tasks().is_empty());
}

#[test]
fn form_encoded_bodies_are_accepted_like_the_curl_examples() {
    let server = frozen();
    let t = token(&server);
    let msg = enc(&text("from a form").to_string());
    let body = format!("access_token={t}&agent_id={DEMO_AGENT_ID}&userid_list=alice&msg={msg}");
    let r = request(
        server.addr(),
        "POST",
        SEND,
        Some("application/x-www-form-urlencoded;charset=utf-8"),
        body.as_bytes(),
    );
    let v = r.json();
    assert_eq!(v["errcode"], 0, "{v}");
    let task = v["task_id"].as_u64().unwrap();
    let body = format!("access_token={t}&agent_id={DEMO_AGENT_ID}&task_id={task}");
    let r = request(
        server.addr(),
        "POST",
        PROGRESS,
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    );
    assert_eq!(r.json()["errcode"], 0);
}

#[test]
fn progress_follows_the_clock_from_0_to_1_to_2() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("p") }),
    );
    let p = progress(&server, &t, task);
    assert_eq!(p["errcode"], 0);
    assert_eq!(
        p["progress"],
        json!({ "progress_in_percent": 0, "status": 0 })
    );
    server.advance(Duration::from_secs(1));
    assert_eq!(
        progress(&server, &t, task)["progress"],
        json!({ "progress_in_percent": 50, "status": 1 })
    );
    server.advance(Duration::from_secs(1));
    assert_eq!(
        progress(&server, &t, task)["progress"],
        json!({ "progress_in_percent": 100, "status": 2 })
    );
    let snap = server.task(task).unwrap();
    assert!(snap.progress.is_done());
}

#[test]
fn delivery_duration_is_configurable() {
    let instant = MockServer::builder()
        .frozen_clock()
        .delivery_duration(Duration::ZERO)
        .start()
        .unwrap();
    let t = token(&instant);
    let task = send_ok(
        &instant,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("p") }),
    );
    assert_eq!(progress(&instant, &t, task)["progress"]["status"], 2);

    let slow = MockServer::builder()
        .frozen_clock()
        .delivery_duration(Duration::from_secs(100))
        .start()
        .unwrap();
    let t = token(&slow);
    let task = send_ok(
        &slow,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("p") }),
    );
    slow.advance(Duration::from_secs(25));
    assert_eq!(
        progress(&slow, &t, task)["progress"],
        json!({ "progress_in_percent": 25, "status": 1 })
    );
}

#[test]
fn unknown_task_or_other_agent_answers_40035() {
    let server = frozen();
    let t = token(&server);
    for v in [
        progress(&server, &t, 42),
        result(&server, &t, 42),
        status_bar(&server, &t, 42, "Done"),
        recall(&server, &t, 42),
    ] {
        assert_eq!(v["errcode"], 40035, "{v}");
        assert_eq!(v["errmsg"], "Invalid parameter");
    }
    // A real task asked about with another agent id.
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("x") }),
    );
    let v = post(
        &server,
        PROGRESS,
        &t,
        &json!({ "agent_id": 7, "task_id": task }),
    );
    assert_eq!(v["errcode"], 40035);
    let v = post(
        &server,
        RESULT,
        &t,
        &json!({ "agent_id": 7, "task_id": task }),
    );
    assert_eq!(v["errcode"], 40035);
}

#[test]
fn result_lists_recipients_by_directory_behaviour() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice,bob,dave,ghost",
                 "dept_id_list": "999", "msg": text("r") }),
    );
    // Before completion every delivered user is unread; invalid ones are known at once.
    let r = result(&server, &t, task);
    assert_eq!(r["errcode"], 0);
    let sr = &r["send_result"];
    assert_eq!(
        strings(&sr["unread_user_id_list"]),
        ["alice", "bob", "dave"]
    );
    assert_eq!(strings(&sr["invalid_user_id_list"]), ["ghost"]);
    assert_eq!(sr["invalid_dept_id_list"], json!([999]));
    assert_eq!(sr["read_user_id_list"], json!([]));

    server.advance(Duration::from_secs(2));
    let sr = result(&server, &t, task)["send_result"].clone();
    assert_eq!(strings(&sr["read_user_id_list"]), ["alice"]);
    assert_eq!(strings(&sr["unread_user_id_list"]), ["bob"]);
    assert_eq!(strings(&sr["failed_user_id_list"]), ["dave"]);
    assert_eq!(strings(&sr["invalid_user_id_list"]), ["ghost"]);
    assert_eq!(sr["forbidden_list"], json!([]));
    // As the page's example: no errmsg, no (empty) forbidden_user_id_list.
    assert!(sr.get("forbidden_user_id_list").is_none(), "{sr}");
    assert!(result(&server, &t, task).get("errmsg").is_none());

    // Deliveries count reached users only (not the failing or invalid ones).
    assert_eq!(server.deliveries("alice"), 1);
    assert_eq!(server.deliveries("bob"), 1);
    assert_eq!(server.deliveries("dave"), 0);
    assert_eq!(server.deliveries("ghost"), 0);
    let snap = server.task(task).unwrap();
    assert_eq!(snap.delivered, ["alice", "bob"]);
    assert_eq!(snap.recipients, ["alice", "bob", "dave", "ghost"]);
    // The snapshot holds what getsendresult answered.
    let r = &snap.result;
    assert_eq!(r.read_user_id_list, strings(&sr["read_user_id_list"]));
    assert_eq!(r.unread_user_id_list, strings(&sr["unread_user_id_list"]));
    assert_eq!(r.failed_user_id_list, strings(&sr["failed_user_id_list"]));
    assert_eq!(r.invalid_user_id_list, strings(&sr["invalid_user_id_list"]));
    assert_eq!(r.invalid_dept_id_list, [999]);
    assert!(r.forbidden_user_id_list.is_empty() && r.forbidden_list.is_empty());
}

#[test]
fn departments_expand_and_users_are_deduplicated() {
    let server = frozen();
    let t = token(&server);
    // alice is given, and in dept 100 and dept 1; dept 100 repeats.
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice,alice",
                 "dept_id_list": "100,200,100", "msg": text("d") }),
    );
    let snap = server.task(task).unwrap();
    assert_eq!(
        snap.recipients,
        ["alice", "bob", "dave", "carol", "manager4220"]
    );
    assert_eq!(server.deliveries("alice"), 1);
    server.advance(Duration::from_secs(2));
    let sr = result(&server, &t, task)["send_result"].clone();
    assert_eq!(strings(&sr["read_user_id_list"]), ["alice", "manager4220"]);
    assert_eq!(strings(&sr["unread_user_id_list"]), ["bob", "carol"]);
    assert_eq!(strings(&sr["failed_user_id_list"]), ["dave"]);
}

#[test]
fn to_all_user_reaches_every_directory_user() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "to_all_user": true, "msg": text("all") }),
    );
    let snap = server.task(task).unwrap();
    assert!(snap.to_all_user);
    assert_eq!(snap.recipients.len(), 6);
    assert_eq!(server.total_deliveries(), 5); // dave fails
}

#[test]
fn results_of_tasks_over_100_recipients_are_refused_with_call_timeout() {
    let dir = Directory::demo().with_users((0..101).map(|i| format!("u{i}")), UserBehaviour::Reads);
    let server = MockServer::builder()
        .frozen_clock()
        .directory(dir)
        .send_limits(SendLimits::LEGACY)
        .start()
        .unwrap();
    let t = token(&server);
    let users: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    let big = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": users.join(","), "msg": text("big") }),
    );
    let v = result(&server, &t, big);
    assert_eq!(v["errcode"], 41052);
    assert!(
        v["errmsg"].as_str().unwrap().contains("Call timeout"),
        "{v}"
    );
    // Progress still works, and exactly 100 recipients is fine.
    assert_eq!(progress(&server, &t, big)["errcode"], 0);
    let hundred = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": users[..100].join(","), "msg": text("ok") }),
    );
    assert_eq!(result(&server, &t, hundred)["errcode"], 0);
}

#[test]
fn too_many_users_or_departments_per_call_answer_41() {
    let server = frozen();
    let t = token(&server);
    let users: Vec<String> = (0..5001).map(|i| format!("u{i}")).collect();
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": users.join(","), "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 41, "{v}");
    let depts: Vec<String> = (0..501).map(|i| i.to_string()).collect();
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "dept_id_list": depts.join(","), "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 41, "{v}");
}

#[test]
fn every_message_type_is_accepted_and_kept() {
    let server = frozen();
    let t = token(&server);
    // Media ids must be issued by an upload (40007 otherwise: tests/media.rs).
    let issue = |kind: &str, name: &str| {
        let body = format!(
            "--b\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{name}\"\r\n\r\nx\r\n--b--\r\n"
        );
        let r = request(
            server.addr(),
            "POST",
            &format!("/media/upload?access_token={t}&type={kind}"),
            Some("multipart/form-data; boundary=b"),
            body.as_bytes(),
        );
        r.json()["media_id"].as_str().unwrap().to_owned()
    };
    let (image, voice, file) = (
        issue("image", "a.png"),
        issue("voice", "a.amr"),
        issue("file", "a.pdf"),
    );
    let msgs = [
        json!({"msgtype":"image","image":{"media_id":image}}),
        json!({"msgtype":"voice","voice":{"media_id":voice,"duration":"10"}}),
        json!({"msgtype":"file","file":{"media_id":file}}),
        json!({"msgtype":"link","link":{"messageUrl":"https://e.x","picUrl":"@lA","title":"t","text":"x"}}),
        json!({"msgtype":"markdown","markdown":{"title":"t","text":"**x**"}}),
        json!({"msgtype":"action_card","action_card":{"title":"t","markdown":"m","single_title":"s","single_url":"https://e.x"}}),
        json!({"msgtype":"oa","oa":{"message_url":"https://e.x","head":{"bgcolor":"FFBBBBBB","text":"h"},
               "status_bar":{"status_value":"Pending","status_bg":"0xFFFF9900"},"body":{"title":"t"}}}),
    ];
    for msg in msgs {
        let task = send_ok(
            &server,
            &t,
            &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": msg }),
        );
        assert_eq!(server.task(task).unwrap().msg, msg);
    }
}
