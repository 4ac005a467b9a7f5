//! Golden response tests: every response example of the reference pages and of
//! `adjacent-apis.md`, parsed with the core; and the parsers take any body type.

use std::time::Duration;

use dingtalk_notify_proto::api::gettoken::DEFAULT_TOKEN_LIFETIME;
use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendProgressResponse, GetSendResult,
    ProgressStatus, RecallWorkNotification, SendProgress, SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::{Endpoint, ResponseError, TaskId, parse_response};
use http::StatusCode;

/// The getsendprogress page's response example, verbatim.
const PROGRESS_EXAMPLE: &str = r#"{
  "errcode": 0,
  "errmsg":"ok",
  "progress": {
    "progress_in_percent": 100,
    "status": 2
  },
  "request_id": "5y2znla8tw3d"
}"#;

/// The getsendresult page's response example, verbatim.
const RESULT_EXAMPLE: &str = r#"{
  "errcode": 0,
  "send_result": {
    "failed_user_id_list": [],
    "forbidden_list": [],
    "invalid_dept_id_list": [],
    "invalid_user_id_list": [],
    "read_user_id_list": [
      "manager4220"
    ],
    "unread_user_id_list": []
  },
  "request_id": "6pcvwp6jcows"
}"#;

/// The status bar page's response example, verbatim: **not valid JSON** (no comma after
/// `request_id`, a trailing comma after `errmsg`).
const STATUS_BAR_EXAMPLE_AS_PRINTED: &str = r#"{
  "request_id":"4jzllmte0wau"
  "errcode":0,
  "errmsg":"ok",
}"#;

/// The same, corrected.
const STATUS_BAR_EXAMPLE_CORRECTED: &str = r#"{
  "request_id":"4jzllmte0wau",
  "errcode":0,
  "errmsg":"ok"
}"#;

fn ok<B>(body: B) -> http::Response<B> {
    http::Response::new(body)
}

#[test]
fn getsendprogress_page_example() {
    let res = GetSendProgress::parse_response(ok(PROGRESS_EXAMPLE)).expect("parses");
    assert_eq!(
        res.progress,
        SendProgress {
            progress_in_percent: 100,
            status: ProgressStatus::Completed,
        }
    );
    assert!(res.progress.is_done());
    assert_eq!(res.request_id.as_deref(), Some("5y2znla8tw3d"));
}

#[test]
fn progress_statuses_of_the_table() {
    for (code, status) in [
        (0, ProgressStatus::NotStarted),
        (1, ProgressStatus::InProgress),
        (2, ProgressStatus::Completed),
    ] {
        let body = format!(
            r#"{{"errcode":0,"errmsg":"ok","progress":{{"progress_in_percent":40,"status":{code}}}}}"#
        );
        let res = GetSendProgress::parse_response(ok(body)).expect("parses");
        assert_eq!(res.progress.status, status);
        assert_eq!(res.progress.status.code(), code);
        assert_eq!(ProgressStatus::from_code(code), status);
        assert_eq!(res.progress.is_done(), code == 2);
        assert_eq!(res.progress.progress_in_percent, 40);
    }
    assert_eq!(ProgressStatus::NotStarted.to_string(), "not started");
    assert_eq!(ProgressStatus::InProgress.to_string(), "in progress");
    assert_eq!(ProgressStatus::Completed.to_string(), "completed");
}

#[test]
fn getsendresult_page_example() {
    let res = GetSendResult::parse_response(ok(RESULT_EXAMPLE)).expect("parses");
    let r = &res.send_result;
    assert_eq!(r.read_user_id_list, ["manager4220"]);
    assert!(r.unread_user_id_list.is_empty());
    assert!(r.failed_user_id_list.is_empty());
    assert!(r.invalid_user_id_list.is_empty());
    assert!(r.forbidden_user_id_list.is_empty());
    assert!(r.invalid_dept_id_list.is_empty());
    assert!(r.forbidden_list.is_empty());
    assert_eq!(r.user_count(), 1);
    assert_eq!(res.request_id.as_deref(), Some("6pcvwp6jcows"));
}

#[test]
fn getsendresult_table_example_values() {
    // The body table's examples: ["manager4220","user123"], [1,2,3], and a forbidden entry
    // {code "143105", count 1, userid "user123"}.
    let body = r#"{"errcode":0,"errmsg":"ok","request_id":"6pcvwp6jcows","send_result":{
        "invalid_user_id_list":["manager4220","user123"],
        "forbidden_user_id_list":["manager4220","user123"],
        "failed_user_id_list":["manager4220","user123"],
        "read_user_id_list":["manager4220","user123"],
        "unread_user_id_list":["manager4220","user123"],
        "invalid_dept_id_list":[1,2,3],
        "forbidden_list":[{"code":"143105","count":1,"userid":"user123"}]}}"#;
    let res = GetSendResult::parse_response(ok(body)).expect("parses");
    let r = &res.send_result;
    for list in [
        &r.invalid_user_id_list,
        &r.forbidden_user_id_list,
        &r.failed_user_id_list,
        &r.read_user_id_list,
        &r.unread_user_id_list,
    ] {
        assert_eq!(list, &["manager4220", "user123"]);
    }
    let depts: Vec<u64> = r.invalid_dept_id_list.iter().map(|d| d.get()).collect();
    assert_eq!(depts, [1, 2, 3]);
    assert_eq!(r.forbidden_list.len(), 1);
    let f = &r.forbidden_list[0];
    assert_eq!(
        f.code,
        dingtalk_notify_proto::ErrorCode::DAILY_USER_LIMIT_EXCEEDED
    );
    assert_eq!(f.count, 1);
    assert_eq!(f.userid, "user123");
    assert_eq!(r.user_count(), 10);
}

#[test]
fn status_bar_page_example_as_printed_is_a_decode_error_not_a_panic() {
    let err = UpdateStatusBar::parse_response(ok(STATUS_BAR_EXAMPLE_AS_PRINTED))
        .expect_err("the page's example is not valid JSON");
    match &err {
        ResponseError::Decode {
            status,
            reason,
            body,
            ..
        } => {
            assert_eq!(*status, StatusCode::OK);
            assert!(reason.contains("not valid JSON"), "{reason}");
            assert_eq!(body.as_bytes(), STATUS_BAR_EXAMPLE_AS_PRINTED.as_bytes());
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with("could not decode the response"),
        "{err}"
    );
}

#[test]
fn status_bar_page_example_corrected_parses() {
    let res = UpdateStatusBar::parse_response(ok(STATUS_BAR_EXAMPLE_CORRECTED)).expect("parses");
    assert_eq!(res.request_id.as_deref(), Some("4jzllmte0wau"));
}

#[test]
fn asyncsend_v2_adjacent_example() {
    let body = r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"abc"}"#;
    let res = SendWorkNotification::parse_response(ok(body)).expect("parses");
    assert_eq!(res.task_id, TaskId(256271667526));
    assert_eq!(res.request_id.as_deref(), Some("abc"));
}

#[test]
fn recall_adjacent_example() {
    let res = RecallWorkNotification::parse_response(ok(r#"{"errcode":0,"errmsg":"ok"}"#))
        .expect("parses");
    assert_eq!(res.request_id, None);
}

#[test]
fn gettoken_adjacent_example() {
    let body =
        r#"{"errcode":0,"errmsg":"ok","access_token":"fw8ef8we8f76e6f7s8df8s","expires_in":7200}"#;
    let res = GetAccessToken::parse_response(ok(body)).expect("parses");
    assert_eq!(res.access_token.expose_secret(), "fw8ef8we8f76e6f7s8df8s");
    assert_eq!(res.expires_in, Some(7200));
    assert_eq!(res.lifetime(), Duration::from_secs(7200));
}

#[test]
fn get_corp_token_adjacent_example() {
    let body = r#"{"errcode":0,"access_token":"corp-token-1","expires_in":7200}"#;
    let res = GetCorpToken::parse_response(ok(body)).expect("parses");
    assert_eq!(res.access_token.expose_secret(), "corp-token-1");
    assert_eq!(res.lifetime(), Duration::from_secs(7200));
}

#[test]
fn token_lifetime_falls_back_when_zero_or_missing() {
    assert_eq!(DEFAULT_TOKEN_LIFETIME, Duration::from_secs(7200));
    for body in [
        r#"{"errcode":0,"access_token":"t","expires_in":0}"#,
        r#"{"errcode":0,"access_token":"t"}"#,
        r#"{"errcode":0,"access_token":"t","expires_in":null}"#,
        r#"{"errcode":0,"access_token":"t","expires_in":""}"#,
    ] {
        let res = GetAccessToken::parse_response(ok(body)).expect(body);
        assert_eq!(res.lifetime(), DEFAULT_TOKEN_LIFETIME, "{body}");
    }
    let res =
        GetAccessToken::parse_response(ok(r#"{"errcode":0,"access_token":"t","expires_in":"60"}"#))
            .expect("parses");
    assert_eq!(res.lifetime(), Duration::from_secs(60));
}

// ---- Body types ---------------------------------------------------------------------------

#[test]
fn parsers_accept_byte_slices_vectors_strings_and_strs() {
    let from_slice =
        GetSendProgress::parse_response(ok(PROGRESS_EXAMPLE.as_bytes())).expect("&[u8]");
    let from_vec =
        GetSendProgress::parse_response(ok(PROGRESS_EXAMPLE.as_bytes().to_vec())).expect("Vec<u8>");
    let from_string =
        GetSendProgress::parse_response(ok(PROGRESS_EXAMPLE.to_owned())).expect("String");
    let from_str = GetSendProgress::parse_response(ok(PROGRESS_EXAMPLE)).expect("&str");
    assert_eq!(from_slice, from_vec);
    assert_eq!(from_vec, from_string);
    assert_eq!(from_string, from_str);

    // The free function too.
    let generic: GetSendProgressResponse =
        parse_response(ok(PROGRESS_EXAMPLE.as_bytes())).expect("generic");
    assert_eq!(generic, from_str);
}

#[test]
fn errors_come_back_the_same_from_every_body_type() {
    let body = r#"{"errcode":40035,"errmsg":"Invalid parameter","request_id":"r1"}"#;
    let a = GetSendResult::parse_response(ok(body.as_bytes())).expect_err("&[u8]");
    let b = GetSendResult::parse_response(ok(body.as_bytes().to_vec())).expect_err("Vec<u8>");
    let c = GetSendResult::parse_response(ok(body.to_owned())).expect_err("String");
    let d = GetSendResult::parse_response(ok(body)).expect_err("&str");
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(c, d);
}

/// Issue 15: an answer that cannot be acted on is a decode error (exit 4 at the CLI), never
/// a success with a made-up id nor an "invalid request" after the request went out.
#[test]
fn unusable_success_answers_are_decode_errors() {
    for body in [
        r#"{"errcode":0,"errmsg":"ok","task_id":0,"request_id":"abc"}"#,
        r#"{"errcode":0,"errmsg":"ok","task_id":"0"}"#,
        r#"{"errcode":0,"errmsg":"ok","request_id":"abc"}"#,
    ] {
        let err = SendWorkNotification::parse_response(ok(body)).expect_err(body);
        assert!(
            matches!(&err, ResponseError::Decode { field, .. } if field.as_deref() == Some("task_id") || field.is_none()),
            "{body}: {err:?}"
        );
    }
    for body in [
        r#"{"errcode":0,"errmsg":"ok","access_token":"","expires_in":7200}"#,
        r#"{"errcode":0,"errmsg":"ok","access_token":"  "}"#,
        r#"{"errcode":0,"errmsg":"ok","expires_in":7200}"#,
    ] {
        let err = GetAccessToken::parse_response(ok(body)).expect_err(body);
        assert!(
            matches!(err, ResponseError::Decode { .. }),
            "{body}: {err:?}"
        );
        assert!(err.to_string().contains("access_token"), "{err}");
    }
}
