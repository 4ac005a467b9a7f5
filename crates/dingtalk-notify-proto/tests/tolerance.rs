//! Tolerance: what DingTalk and its gateways really send (numbers as strings, missing and null
//! lists, unknown fields, unknown statuses) is read; ids survive exactly beyond 2^53.

use dingtalk_notify_proto::api::{
    GetSendProgress, GetSendResult, ProgressStatus, RecallWorkNotification, SendWorkNotification,
    UpdateStatusBar,
};
use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::{
    AccessToken, BaseUrl, DeptId, Endpoint, ErrorCode, HttpRequest, Message, ResponseError, TaskId,
};
use serde_json::Value;

fn ok(body: &str) -> http::Response<&str> {
    http::Response::new(body)
}

fn built<E: Endpoint<Auth = AccessTokenQuery>>(endpoint: &E) -> HttpRequest {
    endpoint
        .build_request(&BaseUrl::default(), &AccessToken::new("tok"))
        .expect("builds")
}

fn decode_field(err: &ResponseError) -> Option<&str> {
    match err {
        ResponseError::Decode { field, .. } => field.as_deref(),
        other => panic!("expected Decode, got {other:?}"),
    }
}

// ---- Numbers as strings -------------------------------------------------------------------

#[test]
fn errcode_as_a_string() {
    let res = RecallWorkNotification::parse_response(ok(r#"{"errcode":"0","errmsg":"ok"}"#));
    assert!(res.is_ok(), "{res:?}");
    let err = RecallWorkNotification::parse_response(ok(r#"{"errcode":"40035","errmsg":"x"}"#))
        .expect_err("an error code");
    assert_eq!(
        err.api().map(|e| e.code),
        Some(ErrorCode::INVALID_PARAMETER)
    );
}

#[test]
fn progress_numbers_as_strings() {
    let res = GetSendProgress::parse_response(ok(
        r#"{"errcode":"0","progress":{"progress_in_percent":"100","status":"2"}}"#,
    ))
    .expect("parses");
    assert_eq!(res.progress.progress_in_percent, 100);
    assert_eq!(res.progress.status, ProgressStatus::Completed);
}

#[test]
fn task_id_as_a_string() {
    let res = SendWorkNotification::parse_response(ok(
        r#"{"errcode":0,"task_id":"256271667526","request_id":"r"}"#,
    ))
    .expect("parses");
    assert_eq!(res.task_id, TaskId(256271667526));
}

#[test]
fn request_id_as_a_number_or_camel_case() {
    let res =
        UpdateStatusBar::parse_response(ok(r#"{"errcode":0,"request_id":12345}"#)).expect("parses");
    assert_eq!(res.request_id.as_deref(), Some("12345"));
    let err = UpdateStatusBar::parse_response(ok(r#"{"errcode":500,"requestId":"abc"}"#))
        .expect_err("an error");
    assert_eq!(err.api().and_then(|e| e.request_id.as_deref()), Some("abc"));
}

#[test]
fn both_request_id_spellings_do_not_break_the_envelope() {
    // Some gateways add their own `requestId` next to DingTalk's `request_id`.
    let body = r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"a","requestId":"b"}"#;
    let err = UpdateStatusBar::parse_response(ok(body)).expect_err("an API error");
    let api = err
        .api()
        .unwrap_or_else(|| panic!("expected Api, got {err:?}"));
    assert_eq!(api.code, ErrorCode::INVALID_AGENT_ID);
    assert_eq!(api.request_id.as_deref(), Some("a"));
}

// ---- Lists --------------------------------------------------------------------------------

#[test]
fn missing_lists_are_empty() {
    let res =
        GetSendResult::parse_response(ok(r#"{"errcode":0,"send_result":{}}"#)).expect("parses");
    assert_eq!(res.send_result, Default::default());
    let res = GetSendResult::parse_response(ok(r#"{"errcode":0}"#)).expect("no send_result at all");
    assert_eq!(res.send_result.user_count(), 0);
}

#[test]
fn null_lists_are_empty() {
    let body = r#"{"errcode":0,"send_result":{
        "read_user_id_list":null,"unread_user_id_list":null,"failed_user_id_list":null,
        "invalid_user_id_list":null,"forbidden_user_id_list":null,
        "invalid_dept_id_list":null,"forbidden_list":null}}"#;
    let res = GetSendResult::parse_response(ok(body)).expect("parses");
    assert_eq!(res.send_result, Default::default());
}

#[test]
fn forbidden_code_as_string_or_number() {
    for code in [r#""143105""#, "143105"] {
        let body = format!(
            r#"{{"errcode":0,"send_result":{{"forbidden_user_id_list":["user123"],
                "forbidden_list":[{{"code":{code},"count":"1","userid":"user123"}}]}}}}"#
        );
        let res = GetSendResult::parse_response(ok(&body)).expect("parses");
        let entry = &res.send_result.forbidden_list[0];
        assert_eq!(entry.code, ErrorCode::DAILY_USER_LIMIT_EXCEEDED, "{code}");
        assert_eq!(entry.count, 1);
        assert_eq!(entry.userid, "user123");
    }
}

#[test]
fn forbidden_entry_writes_code_as_a_string() {
    let res = GetSendResult::parse_response(ok(
        r#"{"errcode":0,"send_result":{"forbidden_list":[{"code":143106,"count":1,"userid":"u"}]}}"#,
    ))
    .expect("parses");
    let v = serde_json::to_value(&res.send_result.forbidden_list[0]).expect("serializes");
    assert_eq!(v["code"], "143106");
}

#[test]
fn invalid_dept_ids_as_numbers_or_strings() {
    for list in ["[1,2,3]", r#"["1","2","3"]"#, r#"[1,"2",3]"#] {
        let body = format!(r#"{{"errcode":0,"send_result":{{"invalid_dept_id_list":{list}}}}}"#);
        let res = GetSendResult::parse_response(ok(&body)).expect("parses");
        assert_eq!(
            res.send_result.invalid_dept_id_list,
            [DeptId(1), DeptId(2), DeptId(3)],
            "{list}"
        );
    }
}

#[test]
fn user_ids_as_numbers_are_kept_as_text() {
    let res = GetSendResult::parse_response(ok(
        r#"{"errcode":0,"send_result":{"read_user_id_list":[1234,"manager4220"]}}"#,
    ))
    .expect("parses");
    assert_eq!(res.send_result.read_user_id_list, ["1234", "manager4220"]);
}

// ---- Unknown fields and values ------------------------------------------------------------

#[test]
fn unknown_fields_are_ignored_top_level_and_nested() {
    let body = r#"{"errcode":0,"errmsg":"ok","new_top":{"a":[1,2]},"success":true,
        "progress":{"progress_in_percent":50,"status":1,"eta_ms":1200,"extra":{"x":null}},
        "request_id":"r"}"#;
    let res = GetSendProgress::parse_response(ok(body)).expect("parses");
    assert_eq!(res.progress.progress_in_percent, 50);
    assert_eq!(res.progress.status, ProgressStatus::InProgress);

    let body = r#"{"errcode":0,"send_result":{"read_user_id_list":["u"],"new_list":[9],
        "forbidden_list":[{"code":"143106","count":1,"userid":"u","reason":"dup"}]},"extra":1}"#;
    let res = GetSendResult::parse_response(ok(body)).expect("parses");
    assert_eq!(res.send_result.read_user_id_list, ["u"]);
    assert_eq!(
        res.send_result.forbidden_list[0].code,
        ErrorCode::DUPLICATE_CONTENT
    );

    let res = SendWorkNotification::parse_response(ok(
        r#"{"errcode":0,"task_id":5,"request_id":"r","biz":{"k":"v"}}"#,
    ))
    .expect("parses");
    assert_eq!(res.task_id, TaskId(5));
}

#[test]
fn unknown_progress_status_is_kept() {
    let res = GetSendProgress::parse_response(ok(
        r#"{"errcode":0,"progress":{"progress_in_percent":0,"status":7}}"#,
    ))
    .expect("parses");
    assert_eq!(res.progress.status, ProgressStatus::Unknown(7));
    assert_eq!(res.progress.status.code(), 7);
    assert!(!res.progress.is_done());
    assert_eq!(res.progress.status.to_string(), "unknown status 7");
    assert_eq!(
        serde_json::to_value(res.progress.status).expect("serializes"),
        Value::from(7)
    );
}

#[test]
fn missing_progress_percent_defaults_to_zero() {
    let res = GetSendProgress::parse_response(ok(r#"{"errcode":0,"progress":{"status":0}}"#))
        .expect("parses");
    assert_eq!(res.progress.progress_in_percent, 0);
    assert_eq!(res.progress.status, ProgressStatus::NotStarted);
}

// ---- 64-bit ids ---------------------------------------------------------------------------

const BIG_IDS: [u64; 3] = [9_007_199_254_740_993, u64::MAX, i64::MAX as u64];

#[test]
fn big_task_ids_survive_in_responses() {
    for id in BIG_IDS {
        for body in [
            format!(r#"{{"errcode":0,"task_id":{id}}}"#),
            format!(r#"{{"errcode":0,"task_id":"{id}"}}"#),
        ] {
            let res = SendWorkNotification::parse_response(ok(&body)).expect("parses");
            assert_eq!(res.task_id.get(), id, "{body}");
            // And back out exactly (the simulator writes these).
            let out = serde_json::to_string(&res).expect("serializes");
            assert!(out.contains(&format!("\"task_id\":{id}")), "{out}");
        }
    }
}

#[test]
fn big_ids_survive_in_requests() {
    for id in BIG_IDS {
        let expect = format!("\"task_id\":{id}");
        let req = built(&GetSendProgress::new(id, id));
        let text = std::str::from_utf8(req.body()).expect("UTF-8");
        assert!(text.contains(&expect), "{text}");
        assert!(text.contains(&format!("\"agent_id\":{id}")), "{text}");

        let req = built(&GetSendResult::new(1, id));
        let body: Value = serde_json::from_slice(req.body()).expect("JSON");
        assert_eq!(body["task_id"].as_u64(), Some(id));

        let req = built(&UpdateStatusBar::new(1, id, "Done"));
        let body: Value = serde_json::from_slice(req.body()).expect("JSON");
        assert_eq!(body["task_id"].as_u64(), Some(id));

        let req = built(&RecallWorkNotification::new(1, id));
        let body: Value = serde_json::from_slice(req.body()).expect("JSON");
        assert_eq!(body["msg_task_id"].as_u64(), Some(id));

        let req = built(&SendWorkNotification::new(id, Message::text("x")).to_depts([id]));
        let body: Value = serde_json::from_slice(req.body()).expect("JSON");
        assert_eq!(body["agent_id"].as_u64(), Some(id));
        assert_eq!(body["dept_id_list"], Value::from(id.to_string()));
    }
}

#[test]
fn big_ids_are_written_as_exact_integers_in_request_bodies() {
    for id in BIG_IDS {
        let req = built(&GetSendProgress::new(1, id));
        let text = std::str::from_utf8(req.body()).expect("UTF-8");
        assert!(text.contains(&format!(r#""task_id":{id}"#)), "{text}");
        let req = built(&RecallWorkNotification::new(1, id));
        let text = std::str::from_utf8(req.body()).expect("UTF-8");
        assert!(text.contains(&format!(r#""msg_task_id":{id}"#)), "{text}");
    }
}

#[test]
fn a_float_task_id_is_an_error_not_a_rounding() {
    for float in [
        "1e20",
        "9007199254740993.0",
        "256271667526.5",
        "1.8446744073709552e19",
    ] {
        let body = format!(r#"{{"errcode":0,"task_id":{float}}}"#);
        let err = SendWorkNotification::parse_response(ok(&body)).expect_err(&body);
        assert_eq!(decode_field(&err), Some("task_id"), "{body}");
    }
}

#[test]
fn a_negative_or_overflowing_task_id_is_an_error() {
    for bad in ["-1", "18446744073709551616", r#""-5""#, r#""12ab""#] {
        let body = format!(r#"{{"errcode":0,"task_id":{bad}}}"#);
        let err = SendWorkNotification::parse_response(ok(&body)).expect_err(&body);
        assert_eq!(decode_field(&err), Some("task_id"), "{body}");
    }
}

#[test]
fn send_result_round_trips_through_its_serialized_form() {
    // The simulator writes these answers with the same types.
    let body = r#"{"errcode":0,"request_id":"r","send_result":{
        "read_user_id_list":["a"],"unread_user_id_list":["b"],"failed_user_id_list":["c"],
        "invalid_user_id_list":["d"],"forbidden_user_id_list":["e","f"],
        "invalid_dept_id_list":[9007199254740993],
        "forbidden_list":[{"code":"143105","count":500,"userid":"e"},
                          {"code":"143206","count":1,"userid":"f"}]}}"#;
    let res = GetSendResult::parse_response(ok(body)).expect("parses");
    let mut written = serde_json::to_value(&res).expect("serializes");
    written["errcode"] = Value::from(0);
    let text = written.to_string();
    let back = GetSendResult::parse_response(ok(&text)).expect("reads back");
    assert_eq!(back, res);
}

#[test]
fn integral_floats_are_read_where_exact() {
    use dingtalk_notify_proto::api::GetAccessToken;
    let res = GetAccessToken::parse_response(ok(
        r#"{"errcode":0.0,"access_token":"t","expires_in":7200.0}"#,
    ))
    .expect("parses");
    assert_eq!(res.expires_in, Some(7200));
    let err = GetAccessToken::parse_response(ok(
        r#"{"errcode":0,"access_token":"t","expires_in":7200.5}"#,
    ))
    .expect_err("not an integer");
    assert_eq!(decode_field(&err), Some("expires_in"));
    let res = GetSendProgress::parse_response(ok(
        r#"{"errcode":0,"progress":{"progress_in_percent":100.0,"status":2.0}}"#,
    ))
    .expect("parses");
    assert_eq!(res.progress.progress_in_percent, 100);
    assert_eq!(res.progress.status, ProgressStatus::Completed);
}
