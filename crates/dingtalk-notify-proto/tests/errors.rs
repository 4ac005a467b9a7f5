//! One test per error variant: how it arises, its fields, its `Display` and its `source`.

use std::error::Error as _;
use std::time::Duration;

use dingtalk_notify_proto::api::{
    GetAccessToken, GetSendProgress, GetSendResult, RecallWorkNotification, SendWorkNotification,
    UpdateStatusBar,
};
use dingtalk_notify_proto::{
    AccessToken, ApiError, BaseUrl, BuildError, Endpoint, Error, ErrorCode, HttpRequest,
    HttpResponse, Message, RawBody, ResponseError, transport,
};
use http::StatusCode;

fn respond(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .expect("a valid response")
}

fn progress_err(status: u16, body: &str) -> ResponseError {
    GetSendProgress::parse_response(respond(status, body)).expect_err("must fail")
}

fn decode_parts(err: &ResponseError) -> (Option<&str>, &str) {
    match err {
        ResponseError::Decode { field, reason, .. } => (field.as_deref(), reason.as_str()),
        other => panic!("expected Decode, got {other:?}"),
    }
}

fn sample_api_error() -> ApiError {
    ApiError::new(ErrorCode::INVALID_AGENT_ID, "Invalid agentid").with_request_id("4jzllmte0wau")
}

// ---- BuildError ---------------------------------------------------------------------------

#[test]
fn build_error_display_of_every_variant() {
    let cases: Vec<(BuildError, &str)> = vec![
        (
            BuildError::EmptyField {
                field: "status_value",
            },
            "`status_value` must not be empty",
        ),
        (
            BuildError::ZeroId { field: "agent_id" },
            "`agent_id` must not be 0; use the id from the developer console or the send answer",
        ),
        (
            BuildError::InvalidStatusColor {
                input: "red".to_owned(),
            },
            "invalid colour \"red\": expected 0xAARRGGBB, AARRGGBB, #RRGGBB or RRGGBB",
        ),
        (
            BuildError::NoRecipients,
            "no recipients: give at least one user id or department id, or send to all users",
        ),
        (
            BuildError::TooManyRecipients {
                kind: "users",
                count: 5001,
                limit: 5000,
            },
            "too many users: 5001 given, at most 5000 per call; split the recipients across \
             several sends of at most 5000 users each, or, if your app still has the old limits \
             of 5,000 users and 500 departments per call, opt in with \
             RecipientLimits::LEGACY; nothing was sent",
        ),
        (
            BuildError::ToAllUserNotAllowed,
            "third-party (ISV) apps may not send to all users; list the recipients instead",
        ),
        (
            BuildError::InvalidValue {
                field: "userid_list",
                value: "a,b".to_owned(),
                reason: "a user id cannot contain a comma (the list is comma-separated)",
            },
            "invalid `userid_list` \"a,b\": a user id cannot contain a comma (the list is comma-separated)",
        ),
        (
            BuildError::InvalidBaseUrl {
                input: "ftp://x".to_owned(),
                reason: "the scheme must be https (or http for loopback)",
            },
            "invalid base URL \"ftp://x\": the scheme must be https (or http for loopback)",
        ),
        (
            BuildError::InsecureBaseUrl {
                host: "example.com".to_owned(),
            },
            "plain http:// is only allowed to loopback hosts, not \"example.com\"; use https://",
        ),
        (
            BuildError::Encode("boom".to_owned()),
            "the request body could not be encoded: boom",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
        assert!(err.source().is_none());
    }
}

#[test]
fn build_errors_arise_from_real_inputs() {
    let base = BaseUrl::default();
    let token = AccessToken::new("tok");
    assert!(matches!(
        UpdateStatusBar::new(1, 2, "").build_request(&base, &token),
        Err(BuildError::EmptyField { .. })
    ));
    assert!(matches!(
        GetSendResult::new(0, 2).build_request(&base, &token),
        Err(BuildError::ZeroId { .. })
    ));
    assert!(matches!(
        "0x1".parse::<dingtalk_notify_proto::StatusColor>(),
        Err(BuildError::InvalidStatusColor { .. })
    ));
    assert!(matches!(
        SendWorkNotification::new(1, Message::text("x")).build_request(&base, &token),
        Err(BuildError::NoRecipients)
    ));
    assert!(matches!(
        BaseUrl::new("nope"),
        Err(BuildError::InvalidBaseUrl { .. })
    ));
    assert!(matches!(
        BaseUrl::new("http://example.com"),
        Err(BuildError::InsecureBaseUrl { .. })
    ));
}

// ---- ResponseError::Api -------------------------------------------------------------------

#[test]
fn api_error_under_http_200() {
    let err = UpdateStatusBar::parse_response(respond(
        200,
        r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"4jzllmte0wau"}"#,
    ))
    .expect_err("an API error");
    let api = err.api().expect("Api");
    assert_eq!(api.code, sample_api_error().code);
    assert_eq!(api.errmsg, sample_api_error().errmsg);
    assert_eq!(api.request_id, sample_api_error().request_id);
    assert!(api.knows_endpoint());
    assert_ne!(
        api,
        &sample_api_error(),
        "the parsed error knows its endpoint"
    );
    assert_eq!(err.status(), StatusCode::OK);
    assert!(!err.is_retryable_answer());
    let text = err.to_string();
    assert_eq!(
        text,
        "DingTalk error 40056 (invalid agent id): Invalid agentid [request_id 4jzllmte0wau]; \
         check agent_id: it must be the app's AgentId from the developer console"
    );
}

#[test]
fn api_error_under_a_non_2xx_status() {
    let err = progress_err(
        403,
        r#"{"errcode":40014,"errmsg":"不合法的access_token","request_id":"r9"}"#,
    );
    let api = err
        .api()
        .expect("Api, not Status: the envelope is judged first");
    assert_eq!(api.code, ErrorCode::INVALID_ACCESS_TOKEN);
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(err.status(), StatusCode::FORBIDDEN);
    assert_eq!(api.errmsg, "不合法的access_token");
}

#[test]
fn api_error_retryable_answer() {
    let err = progress_err(200, r#"{"errcode":-1,"errmsg":"系统繁忙"}"#);
    assert!(err.is_retryable_answer());
    assert_eq!(err.api().map(|e| e.code), Some(ErrorCode::SYSTEM_BUSY));
    assert_eq!(err.api().and_then(|e| e.request_id.clone()), None);
}

#[test]
fn api_error_display_has_code_errmsg_sub_code_sub_msg_and_request_id() {
    // The global error page's own example of the 88 wrapping (copied at
    // https://mabiji.com/dingtalk/errcode.html): a missing permission.
    let err = progress_err(
        200,
        r#"{"errcode":88,"sub_code":"60011","sub_msg":"没有调用该接口的权限","errmsg":"ding talk error[subcode=60011,submsg=没有调用该接口的权限]","request_id":"5imjny7u9xwa"}"#,
    );
    let api = err.api().expect("Api");
    assert_eq!(api.code, ErrorCode::SEE_SUB_CODE);
    assert_eq!(api.sub_code.as_deref(), Some("60011"));
    assert_eq!(api.sub_msg.as_deref(), Some("没有调用该接口的权限"));
    assert_eq!(api.effective_code(), ErrorCode::NO_PERMISSION);
    assert!(api.is_permanent() && !api.is_retryable() && !api.is_token_rejected());
    assert!(!err.is_retryable_answer());
    assert_eq!(
        api.to_string(),
        "DingTalk error 88 (see sub_code): ding talk error[subcode=60011,submsg=没有调用该接口的权限] \
         (sub_code 60011: 没有调用该接口的权限) [request_id 5imjny7u9xwa]; the app lacks the \
         work-notification permission; grant it under the app's permissions in the developer \
         console"
    );
    // sub_code as a number is kept as its text.
    let err = progress_err(200, r#"{"errcode":88,"sub_code":60011}"#);
    assert_eq!(err.api().and_then(|e| e.sub_code.as_deref()), Some("60011"));
    assert_eq!(
        err.api().map(ApiError::effective_code),
        Some(ErrorCode::NO_PERMISSION)
    );
}

#[test]
fn api_error_88_wrapping_a_rejected_token_is_a_rejected_token() {
    // The shape from issue 10 and a user's report of it on a topapi path
    // (https://github.com/cryozerolabs/n8n-nodes-dingtalk/issues/12:
    // "ding talk error[subcode=40014,submsg=不合法的access_token]").
    for (sub, code) in [
        ("40014", ErrorCode::INVALID_ACCESS_TOKEN),
        ("42001", ErrorCode::ACCESS_TOKEN_EXPIRED),
        (" 40001 ", ErrorCode::INVALID_CREDENTIAL),
    ] {
        let body = format!(
            r#"{{"errcode":88,"sub_code":"{sub}","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode={sub},submsg=不合法的access_token]","request_id":"r1"}}"#
        );
        let err = progress_err(200, &body);
        let api = err.api().expect("Api");
        assert_eq!(api.effective_code(), code, "{sub}");
        assert!(api.is_token_rejected(), "{sub}");
        assert!(!api.is_permanent(), "{sub}");
        let hint = code.hint().expect("a hint");
        assert!(api.to_string().ends_with(&format!("; {hint}")), "{api}");
    }
    // Through the whole-call error too.
    let e: Error = progress_err(
        200,
        r#"{"errcode":88,"sub_code":"40014","errmsg":"ding talk error"}"#,
    )
    .into();
    assert_eq!(e.code(), Some(ErrorCode::SEE_SUB_CODE));
    assert_eq!(e.effective_code(), Some(ErrorCode::INVALID_ACCESS_TOKEN));
}

#[test]
fn api_error_88_wrapping_a_rate_limit_is_retried_after_a_second() {
    let err = progress_err(
        200,
        r#"{"errcode":88,"sub_code":"90018","sub_msg":"调用频率超限","errmsg":"ding talk error[subcode=90018,submsg=调用频率超限]"}"#,
    );
    let api = err.api().expect("Api");
    assert_eq!(api.effective_code(), ErrorCode::API_RATE_LIMITED);
    assert!(api.is_retryable() && api.is_rate_limited() && !api.is_banned());
    assert_eq!(api.min_retry_delay(), Some(Duration::from_secs(1)));
    assert!(err.is_retryable_answer());
    let err = progress_err(200, r#"{"errcode":88,"sub_code":"90005"}"#);
    assert!(err.api().is_some_and(ApiError::is_banned));
}

#[test]
fn api_error_88_without_a_numeric_sub_code_is_permanent() {
    // The old TOP page of recall: its error example is {"errcode":88,"errmsg":"ding talk
    // error"} (https://jaq-doc.alibaba.com/docs/api.htm?apiId=43694).
    let err = progress_err(200, r#"{"errcode":88,"errmsg":"ding talk error"}"#);
    let api = err.api().expect("Api");
    assert_eq!(api.effective_code(), ErrorCode::SEE_SUB_CODE);
    assert!(api.is_permanent());
    assert_eq!(
        api.to_string(),
        "DingTalk error 88 (see sub_code): ding talk error; see sub_code and sub_msg for the cause"
    );
    // A textual sub_code is shown, and stays 88.
    let err = progress_err(
        200,
        r#"{"errcode":88,"sub_code":"isv.invalid-parameter","sub_msg":"bad msg"}"#,
    );
    let api = err.api().expect("Api");
    assert_eq!(api.effective_code(), ErrorCode::SEE_SUB_CODE);
    assert!(api.is_permanent());
    assert!(
        api.to_string()
            .contains("(sub_code isv.invalid-parameter: bad msg)"),
        "{api}"
    );
}

#[test]
fn api_error_shows_sub_msg_without_sub_code() {
    // An unknown topapi path, as oapi.dingtalk.com answers it (captured from
    // https://oapi.dingtalk.com/topapi/app/remove_auth).
    let body = r#"{"errcode":22,"sub_msg":"不合法ApiName，ApiName = dingtalk.oapi.app.remove_auth","errmsg":"Invalid method[submsg=不合法ApiName，ApiName = dingtalk.oapi.app.remove_auth]","request_id":"15s9in2w1yat9"}"#;
    let err = progress_err(200, body);
    let api = err.api().expect("Api");
    assert_eq!(api.code, ErrorCode::INVALID_METHOD);
    assert_eq!(api.sub_code, None);
    assert!(api.is_permanent());
    let text = api.to_string();
    assert!(
        text.contains("(sub_msg: 不合法ApiName，ApiName = dingtalk.oapi.app.remove_auth)"),
        "{text}"
    );
    assert!(
        text.ends_with("; the endpoint path is unknown; check the base URL and its path prefix")
    );
}

#[test]
fn api_error_hints_fit_the_endpoint_it_came_from() {
    let body = r#"{"errcode":40035,"errmsg":"缺少参数 appkey"}"#;
    let err = GetAccessToken::parse_response(respond(200, body)).expect_err("an API error");
    let api = err.api().expect("Api");
    assert!(api.knows_endpoint());
    assert!(
        api.to_string().contains("appkey or appsecret is missing"),
        "{api}"
    );
    let err = GetSendResult::parse_response(respond(200, body)).expect_err("an API error");
    assert!(
        err.to_string().contains("check task_id and agent_id"),
        "{err}"
    );
    // The free function does not know the endpoint: the general hint.
    let err = dingtalk_notify_proto::parse_response::<serde_json::Value, _>(respond(200, body))
        .expect_err("an API error");
    assert!(err.api().is_some_and(|a| !a.knows_endpoint()));
    assert_eq!(
        err.api().and_then(ApiError::hint),
        ErrorCode::INVALID_PARAMETER.hint()
    );
}

#[test]
fn api_error_builders() {
    let api = ApiError::new(ErrorCode::SEE_SUB_CODE, "wrapped")
        .with_sub_code("42001")
        .with_sub_msg("expired")
        .with_request_id("r")
        .with_status(StatusCode::FORBIDDEN);
    assert_eq!(api.sub_code.as_deref(), Some("42001"));
    assert_eq!(api.sub_msg.as_deref(), Some("expired"));
    assert_eq!(api.request_id.as_deref(), Some("r"));
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api.class(),
        dingtalk_notify_proto::ErrorClass::TokenRejected
    );
    assert!(!api.knows_endpoint(), "{api:?}");
    // An endpoint's parser records where the answer came from.
    let body = r#"{"errcode":88,"sub_code":"42001","errmsg":"wrapped"}"#;
    let err = RecallWorkNotification::parse_response(respond(200, body)).expect_err("an error");
    assert!(
        format!("{:?}", err.api().expect("Api")).contains("endpoint: Some(Recall)"),
        "{err:?}"
    );
}

#[test]
fn api_error_display_of_an_unknown_code_without_message() {
    let api = ApiError::new(ErrorCode::new(777), "");
    assert_eq!(api.to_string(), "DingTalk error 777");
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(
        (
            api.sub_code.clone(),
            api.sub_msg.clone(),
            api.request_id.clone()
        ),
        (None, None, None)
    );
    assert!(!api.knows_endpoint());
}

// ---- ResponseError::Status ----------------------------------------------------------------

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n\
<p>The upstream server oapi.dingtalk.io did not answer in time. Please try again later; \
if the problem persists contact your network administrator with the trace id below.</p>\r\n\
<p>trace: 0bc1f23a17000000000000000000000000</p>\r\n</body>\r\n</html>\r\n";

#[test]
fn status_error_for_an_html_502_keeps_the_raw_bytes() {
    assert!(
        HTML_502.len() > 256,
        "the sample must be longer than what is shown"
    );
    let err = progress_err(502, HTML_502);
    match &err {
        ResponseError::Status { status, body } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert_eq!(body.as_bytes(), HTML_502.as_bytes());
            assert_eq!(body.clone().into_bytes(), HTML_502.as_bytes());
        }
        other => panic!("expected Status, got {other:?}"),
    }
    assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
    assert!(
        !err.is_retryable_answer(),
        "a gateway status is ambiguous for a send"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("HTTP 502 Bad Gateway without a DingTalk envelope; body: \"<html>"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("… ({} bytes)", HTML_502.len())),
        "{text}"
    );
    assert!(
        !text.contains("trace: 0bc1"),
        "the tail past 256 bytes is cut: {text}"
    );
    assert!(
        !text.contains('\r') && !text.contains('\n'),
        "control characters are blanked"
    );
}

#[test]
fn status_error_short_and_empty_bodies() {
    let err = progress_err(503, "Service Unavailable");
    assert_eq!(
        err.to_string(),
        "HTTP 503 Service Unavailable without a DingTalk envelope; body: \"Service Unavailable\""
    );
    let err = progress_err(404, "");
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found without a DingTalk envelope; body: (empty body)"
    );
    // JSON that is not an envelope, under a non-2xx status.
    let err = progress_err(500, r#"{"message":"internal"}"#);
    assert!(matches!(err, ResponseError::Status { .. }), "{err:?}");
    // errcode 0 under a non-2xx status is not a success.
    let err = progress_err(500, r#"{"errcode":0,"progress":{"status":2}}"#);
    assert!(matches!(err, ResponseError::Status { .. }), "{err:?}");
}

#[test]
fn raw_body_display_and_debug() {
    let exactly = "a".repeat(256);
    assert_eq!(
        RawBody::new(exactly.clone()).to_string(),
        format!("{exactly:?}")
    );
    let over = "a".repeat(257);
    assert_eq!(
        RawBody::new(over).to_string(),
        format!("{exactly:?}… (257 bytes)")
    );
    assert_eq!(format!("{:?}", RawBody::new("hi")), "RawBody(\"hi\")");
    assert_eq!(RawBody::default().to_string(), "(empty body)");
    // Cutting inside a multi-byte character does not panic.
    let cjk = "中".repeat(100);
    assert!(RawBody::new(cjk).to_string().ends_with("… (300 bytes)"));
    // Invalid UTF-8 does not panic.
    assert!(!RawBody::new(vec![0xff, 0xfe, b'x']).to_string().is_empty());
}

// ---- ResponseError::Throttled -------------------------------------------------------------

#[test]
fn throttled_for_the_gateway_page() {
    for status in [200, 403, 429] {
        let err = progress_err(status, r#"{"status":1111,"wait":5,"punish":"deny"}"#);
        match &err {
            ResponseError::Throttled {
                status: s,
                code,
                wait,
                punish,
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(*code, 1111);
                assert_eq!(*wait, Some(Duration::from_secs(5)));
                assert_eq!(punish.as_deref(), Some("deny"));
            }
            other => panic!("expected Throttled, got {other:?}"),
        }
        assert!(err.is_retryable_answer());
        assert_eq!(err.status().as_u16(), status);
        assert_eq!(
            err.to_string(),
            "throttled by DingTalk's gateway (status 1111, punish Some(\"deny\")); wait Some(5s) before calling again"
        );
    }
}

#[test]
fn throttled_with_quoted_numbers() {
    let err = progress_err(200, r#"{"status":"1111","wait":"5"}"#);
    assert!(
        matches!(err, ResponseError::Throttled { code: 1111, wait: Some(w), punish: None, .. } if w == Duration::from_secs(5)),
        "{err:?}"
    );
}

// ---- ResponseError::Decode ----------------------------------------------------------------

#[test]
fn decode_for_truncated_json() {
    let err = progress_err(200, r#"{"errcode":0,"progress":{"progress_in_percent":10"#);
    let (field, reason) = decode_parts(&err);
    assert_eq!(field, None);
    assert!(reason.contains("truncated"), "{reason}");
    assert!(err.to_string().contains("truncated"));
}

#[test]
fn decode_for_non_json_under_200() {
    let err = progress_err(200, "<html><body>maintenance</body></html>");
    let (field, reason) = decode_parts(&err);
    assert_eq!(field, None);
    assert!(reason.contains("not valid JSON"), "{reason}");
    assert!(
        err.to_string().contains("maintenance"),
        "the body is shown: {err}"
    );
    let err = progress_err(200, "");
    assert!(matches!(err, ResponseError::Decode { .. }));
}

#[test]
fn decode_for_json_without_errcode() {
    let err = progress_err(200, r#"{"progress":{"progress_in_percent":10,"status":1}}"#);
    let (field, reason) = decode_parts(&err);
    assert_eq!(field, Some("errcode"));
    assert!(reason.contains("no `errcode`"), "{reason}");
    assert!(
        err.to_string()
            .starts_with("could not decode the response at `errcode`"),
        "{err}"
    );
    // Not an object at all.
    for body in ["[]", "\"ok\"", "42", "null"] {
        assert!(
            matches!(progress_err(200, body), ResponseError::Decode { .. }),
            "{body}"
        );
    }
}

#[test]
fn decode_for_a_missing_payload_field_names_it() {
    let err = SendWorkNotification::parse_response(respond(200, r#"{"errcode":0,"errmsg":"ok"}"#))
        .expect_err("no task_id");
    let (field, reason) = decode_parts(&err);
    assert_eq!(field, Some("task_id"));
    assert!(reason.contains("missing field `task_id`"), "{reason}");
    assert!(err.to_string().contains("at `task_id`"), "{err}");

    let err = progress_err(200, r#"{"errcode":0}"#);
    assert_eq!(decode_parts(&err).0, Some("progress"));

    let err = progress_err(200, r#"{"errcode":0,"progress":{"progress_in_percent":5}}"#);
    assert_eq!(decode_parts(&err).0, Some("progress.status"));
    assert!(err.to_string().contains("at `progress.status`"), "{err}");

    let err = GetAccessToken::parse_response(respond(200, r#"{"errcode":0,"expires_in":7200}"#))
        .expect_err("no token");
    assert_eq!(decode_parts(&err).0, Some("access_token"));
}

#[test]
fn decode_for_a_wrong_type_names_the_path() {
    let err = progress_err(
        200,
        r#"{"errcode":0,"progress":{"progress_in_percent":5,"status":"done"}}"#,
    );
    assert_eq!(decode_parts(&err).0, Some("progress.status"));

    let err = progress_err(200, r#"{"errcode":0,"progress":"100%"}"#);
    assert_eq!(decode_parts(&err).0, Some("progress"));

    let err = GetSendResult::parse_response(respond(
        200,
        r#"{"errcode":0,"send_result":{"read_user_id_list":["a",{"x":1}]}}"#,
    ))
    .expect_err("an object in a list of ids");
    assert_eq!(
        decode_parts(&err).0,
        Some("send_result.read_user_id_list[1]")
    );

    let err = GetSendResult::parse_response(respond(
        200,
        r#"{"errcode":0,"send_result":{"forbidden_list":[{"code":"x","count":1,"userid":"u"}]}}"#,
    ))
    .expect_err("a code that is not a number");
    assert_eq!(
        decode_parts(&err).0,
        Some("send_result.forbidden_list[0].code")
    );

    let err = SendWorkNotification::parse_response(respond(200, r#"{"errcode":0,"task_id":true}"#))
        .expect_err("a boolean task id");
    assert_eq!(decode_parts(&err).0, Some("task_id"));
    assert_eq!(err.status(), StatusCode::OK);
    assert!(!err.is_retryable_answer());
}

#[test]
fn decode_keeps_the_body() {
    let body = r#"{"errcode":0,"progress":{}}"#;
    match progress_err(200, body) {
        ResponseError::Decode {
            body: raw, status, ..
        } => {
            assert_eq!(raw.as_bytes(), body.as_bytes());
            assert_eq!(status, StatusCode::OK);
        }
        other => panic!("{other:?}"),
    }
}

// ---- Error<T> -----------------------------------------------------------------------------

#[derive(Debug)]
struct ConnRefused;

impl std::fmt::Display for ConnRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for ConnRefused {}

fn failing_transport(_req: HttpRequest) -> Result<HttpResponse, ConnRefused> {
    Err(ConnRefused)
}

#[test]
fn error_build() {
    let token = AccessToken::new("tok");
    let err = transport::execute(
        &failing_transport,
        &BaseUrl::default(),
        &token,
        &GetSendProgress::new(0, 1),
    )
    .expect_err("refused before sending");
    assert!(matches!(
        err,
        Error::Build(BuildError::ZeroId { field: "agent_id" })
    ));
    assert_eq!(
        err.to_string(),
        "invalid request: `agent_id` must not be 0; use the id from the developer console or the send answer"
    );
    let source = err.source().expect("a source");
    assert_eq!(
        source.to_string(),
        BuildError::ZeroId { field: "agent_id" }.to_string()
    );
    assert!(format!("{err:?}").starts_with("Build(ZeroId"));
    assert_eq!(err.code(), None);
}

#[test]
fn error_response() {
    let token = AccessToken::new("tok");
    let transport = |_req: HttpRequest| -> Result<HttpResponse, ConnRefused> {
        Ok(respond(
            200,
            r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"4jzllmte0wau"}"#,
        ))
    };
    let err = transport::execute(
        &transport,
        &BaseUrl::default(),
        &token,
        &UpdateStatusBar::new(123, 1111, "Completed"),
    )
    .expect_err("an API error");
    assert!(matches!(err, Error::Response(ResponseError::Api(_))));
    assert_eq!(err.code(), Some(ErrorCode::INVALID_AGENT_ID));
    assert_eq!(err.request_id(), Some("4jzllmte0wau"));
    assert_eq!(
        err.to_string(),
        ResponseError::Api(sample_api_error()).to_string()
    );
    assert!(err.source().is_some());
    assert!(format!("{err:?}").starts_with("Response(Api("));
}

#[test]
fn error_transport() {
    let token = AccessToken::new("tok");
    let err = transport::execute(
        &failing_transport,
        &BaseUrl::default(),
        &token,
        &GetSendProgress::new(1, 2),
    )
    .expect_err("the transport fails");
    assert!(matches!(err, Error::Transport(ConnRefused)));
    assert_eq!(err.to_string(), "transport failed: connection refused");
    assert_eq!(
        err.source().map(ToString::to_string).as_deref(),
        Some("connection refused")
    );
    assert_eq!(format!("{err:?}"), "Transport(ConnRefused)");
    assert_eq!(err.api(), None);

    let mapped: Error<String> = err.map_transport(|e| format!("wrapped {e}"));
    assert!(matches!(&mapped, Error::Transport(s) if s == "wrapped connection refused"));
}

#[test]
fn error_transport_from_a_closure_with_an_io_error() {
    let token = AccessToken::new("tok");
    let transport = |_req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
        Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "read timed out",
        ))
    };
    let err = transport::execute(
        &transport,
        &BaseUrl::default(),
        &token,
        &GetSendResult::new(1, 2),
    )
    .expect_err("times out");
    assert_eq!(err.to_string(), "transport failed: read timed out");
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the io error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn error_from_conversions() {
    let e: Error = BuildError::NoRecipients.into();
    assert!(matches!(e, Error::Build(BuildError::NoRecipients)));
    let e: Error = ResponseError::Api(sample_api_error()).into();
    assert_eq!(e.code(), Some(ErrorCode::INVALID_AGENT_ID));
}

// ---- ResponseError::Top -------------------------------------------------------------------

#[test]
fn top_error_fields_display_and_redaction() {
    let err = progress_err(
        200,
        r#"{"error_response":{"code":"15","msg":"Remote service error for access_token=abc123","sub_code":"isp.service-error","sub_msg":"appsecret=s3cr3t"}}"#,
    );
    let ResponseError::Top(top) = &err else {
        panic!("expected Top, got {err:?}");
    };
    assert_eq!(top.code, 15, "a quoted code is read");
    assert_eq!(top.request_id, None);
    assert!(top.hint().contains("try again later"), "{}", top.hint());
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("abc123") && !shown.contains("s3cr3t"),
        "{shown}"
    );
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(shown.contains("sub_code isp.service-error"), "{shown}");
    assert!(
        !err.is_retryable_answer(),
        "never retried: ambiguous for a send"
    );
    assert_eq!(err.api(), None);
    // Without sub_code: the base-URL hint.
    let err = progress_err(
        200,
        r#"{"error_response":{"code":7,"msg":"App Call Limited"}}"#,
    );
    assert!(
        err.to_string()
            .ends_with("check the base URL (it should be the oapi host)"),
        "{err}"
    );
}
