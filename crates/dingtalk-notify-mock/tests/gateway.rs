//! The live gateway's shapes (issue 10): 88-wrapped token and permission errors on every
//! topapi call, the throttle and ban faults, the current per-call limits and their legacy
//! preset, and successes as the reference's examples write them.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, Directory, ErrorStyle, Fault, MockServer, Route, SendLimits,
    SuccessStyle, UserBehaviour,
};
use serde_json::{Value, json};

fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

/// A valid body for each of the five topapi calls, about task `task`.
fn topapi_calls(task: u64) -> [(Route, &'static str, Value); 5] {
    [
        (
            Route::Send,
            SEND,
            json!({"agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("x")}),
        ),
        (
            Route::SendProgress,
            PROGRESS,
            json!({"agent_id": DEMO_AGENT_ID, "task_id": task}),
        ),
        (
            Route::SendResult,
            RESULT,
            json!({"agent_id": DEMO_AGENT_ID, "task_id": task}),
        ),
        (
            Route::StatusBarUpdate,
            STATUS_BAR,
            json!({"agent_id": DEMO_AGENT_ID, "task_id": task, "status_value": "Done"}),
        ),
        (
            Route::Recall,
            RECALL,
            json!({"agent_id": DEMO_AGENT_ID, "msg_task_id": task}),
        ),
    ]
}

#[test]
fn rejected_and_expired_tokens_are_88_wrapped_on_every_topapi_call() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "bob", "msg": text("t")}),
    );
    for (_, path, body) in topapi_calls(task) {
        let v = post(&server, path, "not-a-token", &body);
        assert_wrapped(&v, "40014");
        assert_eq!(v["sub_msg"], "不合法的access_token", "{path}");
    }
    server.advance(Duration::from_secs(7200));
    for (_, path, body) in topapi_calls(task) {
        assert_wrapped(&post(&server, path, &t, &body), "42001");
    }
    assert_eq!(server.tasks().len(), 1, "no refused send created a task");
}

#[test]
fn a_missing_permission_is_88_wrapped_60011_after_the_token_check() {
    let mut builder = MockServer::builder().frozen_clock();
    for route in [
        Route::Send,
        Route::SendProgress,
        Route::SendResult,
        Route::StatusBarUpdate,
        Route::Recall,
    ] {
        builder = builder.missing_permission(route);
    }
    let server = builder.start().unwrap();
    let t = token(&server);
    for (_, path, body) in topapi_calls(FIRST_TASK) {
        assert_wrapped(&post(&server, path, &t, &body), "60011");
        // A bad token is still the token error.
        assert_wrapped(&post(&server, path, "nope", &body), "40014");
    }
    assert!(server.tasks().is_empty());
    // Only the routes named.
    let server = MockServer::builder()
        .frozen_clock()
        .missing_permission(Route::Recall)
        .start()
        .unwrap();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "bob", "msg": text("t")}),
    );
    assert_wrapped(
        &post(
            &server,
            RECALL,
            &t,
            &json!({"agent_id": DEMO_AGENT_ID, "msg_task_id": task}),
        ),
        "60011",
    );
}

const FIRST_TASK: u64 = dingtalk_notify_mock::FIRST_TASK_ID;

#[test]
fn parameter_errors_stay_plain_on_topapi_paths() {
    // Captured: {"errcode":41,"errmsg":"Invalid arguments:to_all_user"} (007gzs/dingtalk-sdk#39).
    let server = frozen();
    let t = token(&server);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "to_all_user": 7, "msg": text("x")}),
    );
    assert_eq!(v["errcode"], 41, "{v}");
    assert_eq!(v["errmsg"], "Invalid arguments:to_all_user");
    assert!(v.get("sub_code").is_none());
    let v = post(
        &server,
        PROGRESS,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "task_id": 1}),
    );
    assert_eq!(v["errcode"], 40035, "{v}");
}

#[test]
fn code_faults_follow_the_error_style_and_errcode_faults_stay_plain() {
    let server = frozen();
    let t = token(&server);
    server.inject(Route::SendProgress, Calls::Nth(1), Fault::Code(40014));
    let body = json!({"agent_id": DEMO_AGENT_ID, "task_id": 1});
    assert_wrapped(&post(&server, PROGRESS, &t, &body), "40014");
    server.inject(Route::Send, Calls::First(1), Fault::Code(90018));
    let v = post(
        &server,
        SEND,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("x")}),
    );
    assert_eq!(v["errcode"], 90018, "throttles are not wrapped: {v}");
    assert!(v["errmsg"].as_str().unwrap().contains("1 s"), "{v}");
    assert!(
        server.tasks().is_empty(),
        "a replaced answer does not run the call"
    );
    for ban in [90001, 90002, 90006, 90014, 90017] {
        server.clear_faults();
        server.inject(Route::Any, Calls::All, Fault::Code(ban));
        assert_eq!(post(&server, PROGRESS, &t, &body)["errcode"], ban);
    }
    server.clear_faults();
    server.inject(
        Route::SendProgress,
        Calls::All,
        Fault::ErrCode(dingtalk_notify_mock::code::INVALID_ACCESS_TOKEN),
    );
    let v = post(&server, PROGRESS, &t, &body);
    assert_eq!(v["errcode"], 40014, "{v}");
    // Under the plain style, Code is plain too.
    let plain = MockServer::builder()
        .frozen_clock()
        .error_style(ErrorStyle::Plain)
        .start()
        .unwrap();
    let t = token(&plain);
    plain.inject(Route::SendProgress, Calls::All, Fault::Code(42001));
    assert_eq!(post(&plain, PROGRESS, &t, &body)["errcode"], 42001);
}

#[test]
fn wrapped_faults_with_and_without_sub_code() {
    let server = frozen();
    let t = token(&server);
    let body = json!({"agent_id": DEMO_AGENT_ID, "task_id": 1});
    server.inject(
        Route::SendProgress,
        Calls::Nth(1),
        Fault::Wrapped {
            sub_code: Some("60020".into()),
            sub_msg: "ip not in whitelist".into(),
        },
    );
    assert_wrapped(&post(&server, PROGRESS, &t, &body), "60020");
    server.inject(
        Route::SendProgress,
        Calls::Nth(1), // counted since its own injection
        Fault::Wrapped {
            sub_code: None,
            sub_msg: "boom".into(),
        },
    );
    let v = post(&server, PROGRESS, &t, &body);
    assert_eq!(v["errcode"], 88);
    assert!(v.get("sub_code").is_none(), "{v}");
    assert_eq!(v["sub_msg"], "boom");
}

#[test]
fn the_ip_throttle_as_json_and_as_html_and_the_old_gateway_shape() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::Throttle);
    server.inject(Route::GetToken, Calls::Nth(2), Fault::ThrottleHtml);
    server.inject(Route::GetToken, Calls::Nth(3), Fault::OldGatewayError);
    let target = format!(
        "/gettoken?appkey={}&appsecret={}",
        dingtalk_notify_mock::DEMO_APP_KEY,
        dingtalk_notify_mock::DEMO_APP_SECRET
    );
    let r = request(server.addr(), "GET", &target, None, b"");
    let v = r.json();
    assert_eq!(
        (v["status"].clone(), v["wait"].clone()),
        (json!(1111), json!(5))
    );
    assert!(v.get("errcode").is_none());
    let r = request(server.addr(), "GET", &target, None, b"");
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("1111"),
        "{html}"
    );
    let v = request(server.addr(), "GET", &target, None, b"").json();
    assert_eq!(v["error_response"]["code"], 50);
    assert_eq!(v["error_response"]["sub_code"], "isv.invalid-parameter");
    assert_eq!(server.token_fetches(), 3);
}

#[test]
fn current_limits_refuse_101_users_and_21_departments_and_the_legacy_preset_allows_them() {
    let users: Vec<String> = (0..5_000).map(|i| format!("u{i}")).collect();
    let depts: Vec<String> = (1..=500).map(|d| d.to_string()).collect();
    let dir = Directory::new().accept_any_user(UserBehaviour::Reads);
    let server = MockServer::builder()
        .frozen_clock()
        .directory(dir.clone())
        .start()
        .unwrap();
    let t = token(&server);
    let send = |server: &MockServer, t: &str, u: usize, d: usize| {
        let mut body = json!({"agent_id": DEMO_AGENT_ID, "msg": text("limits")});
        if u > 0 {
            body["userid_list"] = json!(users[..u].join(","));
        }
        if d > 0 {
            body["dept_id_list"] = json!(depts[..d].join(","));
        }
        post(server, SEND, t, &body)
    };
    assert_eq!(send(&server, &t, 100, 20)["errcode"], 0);
    let v = send(&server, &t, 101, 0);
    assert_eq!(v["errcode"], 41, "{v}");
    assert!(v["errmsg"].as_str().unwrap().contains("userid_list"));
    let v = send(&server, &t, 1, 21);
    assert_eq!(v["errcode"], 41, "{v}");
    assert!(v["errmsg"].as_str().unwrap().contains("dept_id_list"));
    assert_eq!(server.tasks().len(), 1);
    assert_eq!(SendLimits::default(), SendLimits::CURRENT);

    let legacy = MockServer::builder()
        .frozen_clock()
        .directory(dir)
        .send_limits(SendLimits::LEGACY)
        .recipients_per_minute(usize::MAX)
        .start()
        .unwrap();
    let t = token(&legacy);
    assert_eq!(send(&legacy, &t, 5_000, 500)["errcode"], 0);
    assert_eq!(send(&legacy, &t, 1, 0)["errcode"], 0);
    let v = post(
        &legacy,
        SEND,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": format!("{},x", users.join(",")), "msg": text("over")}),
    );
    assert_eq!(v["errcode"], 41, "5,001 users");
}

#[test]
fn successes_as_captured_or_all_with_errmsg() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("s")}),
    );
    let q = json!({"agent_id": DEMO_AGENT_ID, "task_id": task});
    // getsendprogress's example carries "errmsg":"ok"; getsendresult's has none.
    assert_eq!(post(&server, PROGRESS, &t, &q)["errmsg"], "ok");
    let v = post(&server, RESULT, &t, &q);
    assert!(v.get("errmsg").is_none(), "{v}");
    assert!(
        v["send_result"].get("forbidden_user_id_list").is_none(),
        "{v}"
    );

    let full = MockServer::builder()
        .frozen_clock()
        .success_style(SuccessStyle::WithErrmsg)
        .start()
        .unwrap();
    let t = token(&full);
    let task = send_ok(
        &full,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("s")}),
    );
    let v = post(
        &full,
        RESULT,
        &t,
        &json!({"agent_id": DEMO_AGENT_ID, "task_id": task}),
    );
    assert_eq!(v["errmsg"], "ok");
    assert_eq!(v["send_result"]["forbidden_user_id_list"], json!([]));
}
