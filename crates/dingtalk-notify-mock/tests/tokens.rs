//! Tokens: `gettoken`, the signed ISV `get_corp_token`, expiry on the virtual clock.

mod common;

use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    AppCredentials, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_ISV_AGENT_ID,
    DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, ErrorStyle, MockServer,
};
use serde_json::json;

fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

#[test]
fn gettoken_issues_a_token_with_the_default_ttl() {
    let server = frozen();
    let v = token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET);
    assert_eq!(v["errcode"], 0);
    assert_eq!(v["errmsg"], "ok");
    assert_eq!(v["expires_in"], 7200);
    assert_eq!(v["access_token"].as_str().unwrap().len(), 32);
    assert!(v["request_id"].is_string());
    assert_eq!(server.token_fetches(), 1);
}

#[test]
fn same_token_within_validity_and_a_new_one_after_expiry() {
    let server = MockServer::builder()
        .frozen_clock()
        .token_ttl(Duration::from_secs(100))
        .start()
        .unwrap();
    let first = token(&server);
    server.advance(Duration::from_secs(50));
    assert_eq!(token(&server), first, "same token within validity");
    // The second fetch renewed it: still valid 99 s after that fetch.
    server.advance(Duration::from_secs(99));
    assert_eq!(send_text(&server, &first, "alice", "a")["errcode"], 0);

    server.advance(Duration::from_secs(1));
    let v = send_text(&server, &first, "alice", "b");
    assert_wrapped(&v, "42001");
    let second = token(&server);
    assert_ne!(second, first);
    assert_eq!(send_text(&server, &second, "alice", "c")["errcode"], 0);
    // The old token stays expired, not unknown.
    assert_wrapped(&send_text(&server, &first, "alice", "d"), "42001");
    assert_eq!(server.token_fetches(), 3);
}

#[test]
fn default_ttl_expires_after_7200_seconds() {
    let server = frozen();
    let t = token(&server);
    server.advance(Duration::from_secs(7199));
    assert_eq!(progress(&server, &t, 1)["errcode"], 40035); // token fine, task unknown
    server.advance(Duration::from_secs(1));
    assert_wrapped(&progress(&server, &t, 1), "42001");
}

#[test]
fn the_plain_style_answers_token_errors_under_their_own_code() {
    let server = MockServer::builder()
        .frozen_clock()
        .error_style(ErrorStyle::Plain)
        .start()
        .unwrap();
    let t = token(&server);
    let v = send_text(&server, "not-a-token", "alice", "x");
    assert_eq!(v["errcode"], 40014, "{v}");
    assert!(v.get("sub_code").is_none(), "{v}");
    server.advance(Duration::from_secs(7200));
    assert_eq!(progress(&server, &t, 1)["errcode"], 42001);
}

#[test]
fn gettoken_errors_are_never_wrapped() {
    // 88 is the topapi gateway's wrapper; gettoken answers plain (its own path).
    let server = frozen();
    let v = token_answer(&server, DEMO_APP_KEY, "wrong");
    assert_eq!(v["errcode"], 40001, "{v}");
    assert!(v.get("sub_code").is_none());
}

#[test]
fn unknown_missing_and_revoked_tokens_answer_40014() {
    let server = frozen();
    assert_wrapped(&send_text(&server, "not-a-token", "alice", "x"), "40014");
    let r = request(server.addr(), "POST", SEND, Some("application/json"), b"{}");
    assert_wrapped(&r.json(), "40014");
    let t = token(&server);
    server.revoke_tokens();
    assert_wrapped(&send_text(&server, &t, "alice", "x"), "40014");
    let fresh = token(&server);
    assert_ne!(fresh, t);
    assert_eq!(send_text(&server, &fresh, "alice", "x")["errcode"], 0);
}

#[test]
fn wrong_secret_unknown_key_and_missing_params() {
    let server = frozen();
    let v = token_answer(&server, DEMO_APP_KEY, "wrong");
    assert_eq!(v["errcode"], 40001);
    assert!(v.get("access_token").is_none());
    assert_eq!(
        token_answer(&server, "nokey", DEMO_APP_SECRET)["errcode"],
        40001
    );
    assert_eq!(
        get(&server, &format!("/gettoken?appkey={DEMO_APP_KEY}"))["errcode"],
        40
    );
    assert_eq!(get(&server, "/gettoken")["errcode"], 40);
    assert_eq!(server.token_fetches(), 4);
}

#[test]
fn advertised_expires_in_can_be_zero_or_missing() {
    let zero = MockServer::builder()
        .advertised_expires_in(Some(0))
        .start()
        .unwrap();
    assert_eq!(
        token_answer(&zero, DEMO_APP_KEY, DEMO_APP_SECRET)["expires_in"],
        0
    );
    let missing = MockServer::builder()
        .advertised_expires_in(None)
        .start()
        .unwrap();
    let v = token_answer(&missing, DEMO_APP_KEY, DEMO_APP_SECRET);
    assert_eq!(v["errcode"], 0);
    assert!(v.get("expires_in").is_none(), "{v}");
}

#[test]
fn each_app_has_its_own_token_and_agent() {
    let server = MockServer::builder()
        .app(AppCredentials::new("key2", "secret2", 1002u64))
        .start()
        .unwrap();
    let t1 = token(&server);
    let v = token_answer(&server, "key2", "secret2");
    let t2 = v["access_token"].as_str().unwrap();
    assert_ne!(t1, t2);
    // The second app cannot send as the demo agent.
    assert_eq!(send_text(&server, t2, "alice", "x")["errcode"], 40056);
    let v = post(
        &server,
        SEND,
        t2,
        &json!({ "agent_id": 1002, "userid_list": "alice", "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 0, "{v}");
}

#[test]
fn clear_apps_removes_the_demo_app() {
    let server = MockServer::builder().clear_apps().start().unwrap();
    assert_eq!(
        token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET)["errcode"],
        40001
    );
}

#[test]
fn isv_signed_token_for_an_authorized_corp() {
    let server = frozen();
    let q = corp_token_query(
        DEMO_SUITE_KEY,
        DEMO_SUITE_SECRET,
        DEMO_SUITE_TICKET,
        1_700_000_000_000,
    );
    let v = corp_token_answer(&server, &q, DEMO_CORP_ID);
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["expires_in"], 7200);
    let t = v["access_token"].as_str().unwrap().to_owned();
    // Same token again (another timestamp, same corp).
    let q2 = corp_token_query(
        DEMO_SUITE_KEY,
        DEMO_SUITE_SECRET,
        DEMO_SUITE_TICKET,
        1_700_000_000_001,
    );
    assert_eq!(
        corp_token_answer(&server, &q2, DEMO_CORP_ID)["access_token"],
        t.as_str()
    );
    assert_eq!(server.token_fetches(), 2);

    // It sends as the ISV agent, not the internal one.
    assert_eq!(send_text(&server, &t, "alice", "x")["errcode"], 40056);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_ISV_AGENT_ID, "userid_list": "alice", "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 0, "{v}");
}

#[test]
fn isv_rejections() {
    let server = frozen();
    let ts = 1_700_000_000_000;
    // Signed with the wrong secret: 853004, "签名校验失败" (the signature check failed).
    let bad_sig = corp_token_query(DEMO_SUITE_KEY, "wrong-secret", DEMO_SUITE_TICKET, ts);
    assert_eq!(
        corp_token_answer(&server, &bad_sig, DEMO_CORP_ID)["errcode"],
        853004
    );
    // Signature of another timestamp.
    let good = corp_token_query(DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, ts);
    let replayed = good.replace(&format!("timestamp={ts}"), &format!("timestamp={}", ts + 1));
    assert_eq!(
        corp_token_answer(&server, &replayed, DEMO_CORP_ID)["errcode"],
        853004
    );
    // Wrong ticket (853005, "签名中套件ticket参数无效"), unknown suite key (853003).
    let bad_ticket = corp_token_query(DEMO_SUITE_KEY, DEMO_SUITE_SECRET, "old-ticket", ts);
    let v = corp_token_answer(&server, &bad_ticket, DEMO_CORP_ID);
    assert_eq!(v["errcode"], 853005);
    assert_eq!(v["errmsg"], "签名中套件ticket参数无效");
    let bad_key = corp_token_query("nosuite", DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, ts);
    assert_eq!(
        corp_token_answer(&server, &bad_key, DEMO_CORP_ID)["errcode"],
        853003
    );
    // Unknown corp, missing corp, missing signature, bad timestamp.
    assert_eq!(
        corp_token_answer(&server, &good, "dingothercorp")["errcode"],
        33001
    );
    let r = request(
        server.addr(),
        "POST",
        &good,
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.json()["errcode"], 40);
    let unsigned = good.split("&signature=").next().unwrap().to_owned();
    assert_eq!(
        corp_token_answer(&server, &unsigned, DEMO_CORP_ID)["errcode"],
        40
    );
    // Not a time in milliseconds: 853001.
    let bad_ts = good.replace(&format!("timestamp={ts}"), "timestamp=soon");
    assert_eq!(
        corp_token_answer(&server, &bad_ts, DEMO_CORP_ID)["errcode"],
        853001
    );
}

#[test]
fn isv_apps_may_not_send_to_all_users() {
    let server = frozen();
    let t = isv_token(&server);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_ISV_AGENT_ID, "to_all_user": true, "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 41, "{v}");
    assert!(v["errmsg"].as_str().unwrap().contains("to_all_user"));
    // The internal app may.
    let t = token(&server);
    let v = post(
        &server,
        SEND,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "to_all_user": true, "msg": text("x") }),
    );
    assert_eq!(v["errcode"], 0, "{v}");
}

#[test]
fn a_timestamp_over_a_minute_off_answers_853002_when_checked() {
    let server = MockServer::builder()
        .frozen_clock()
        .check_corp_token_timestamp(Duration::from_secs(60))
        .start()
        .unwrap();
    let wall_ms = |server: &MockServer| {
        server
            .clock()
            .wall()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    let now = wall_ms(&server);
    let q = |ts| corp_token_query(DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, ts);
    assert_eq!(
        corp_token_answer(&server, &q(now + 59_000), DEMO_CORP_ID)["errcode"],
        0
    );
    assert_eq!(
        corp_token_answer(&server, &q(now - 61_000), DEMO_CORP_ID)["errcode"],
        853002
    );
    // The simulator's clock moves, and the accepted window with it.
    server.advance(Duration::from_secs(3600));
    assert_eq!(
        corp_token_answer(&server, &q(now), DEMO_CORP_ID)["errcode"],
        853002
    );
    assert_eq!(
        corp_token_answer(&server, &q(wall_ms(&server)), DEMO_CORP_ID)["errcode"],
        0
    );
}

#[test]
fn get_corp_token_succeeds_without_errmsg_as_captured() {
    // The reference's answer: {"errcode":0,"access_token":"...","expires_in":7200}.
    let server = frozen();
    let q = corp_token_query(DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET, 1);
    let v = corp_token_answer(&server, &q, DEMO_CORP_ID);
    assert_eq!(v["errcode"], 0);
    assert!(v.get("errmsg").is_none(), "{v}");
    assert_eq!(
        token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET)["errmsg"],
        "ok"
    );
}
