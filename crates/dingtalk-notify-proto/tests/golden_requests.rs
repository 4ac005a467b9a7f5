//! Golden request tests: every request example of the reference pages and of
//! `adjacent-apis.md`, built with the core and compared field by field (method, full URI,
//! headers, JSON body as `serde_json::Value`).
//!
//! The reference pages' curl examples send a form-encoded body (`agent_id=123`); the core
//! sends the same values as a JSON body, which is what the official SDKs do.

use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::auth::SuiteSignature;
use dingtalk_notify_proto::{
    AccessToken, BaseUrl, BuildError, DEFAULT_BASE_URL, Endpoint, HttpRequest, MAINLAND_BASE_URL,
    Message, StatusColor, SuiteSecret, SuiteTicket, USER_AGENT_VALUE,
};
use http::Method;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde_json::{Value, json};

const PROGRESS_PATH: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT_PATH: &str = "/topapi/message/corpconversation/getsendresult";
const STATUS_BAR_PATH: &str = "/topapi/message/corpconversation/status_bar/update";
const SEND_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const RECALL_PATH: &str = "/topapi/message/corpconversation/recall";

fn build<E: Endpoint<Auth = AccessTokenQuery>>(endpoint: &E, token: &str) -> HttpRequest {
    endpoint
        .build_request(&BaseUrl::default(), &AccessToken::new(token))
        .expect("the example request builds")
}

fn body_json(req: &HttpRequest) -> Value {
    serde_json::from_slice(req.body()).expect("the body is JSON")
}

fn header(req: &HttpRequest, name: http::header::HeaderName) -> Option<&str> {
    req.headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// The checks every JSON POST under an access token shares.
fn assert_json_post(req: &HttpRequest, uri: &str, body: Value) {
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri().to_string(), uri);
    assert_eq!(header(req, CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(req, ACCEPT), Some("application/json"));
    assert_eq!(header(req, USER_AGENT), Some(USER_AGENT_VALUE));
    assert_eq!(body_json(req), body);
}

// ---- The three reference pages ----------------------------------------------------------

#[test]
fn getsendprogress_page_example() {
    // curl ... -d 'access_token=a0a25xxxxed3ff' -d 'agent_id=123' -d 'task_id=456'
    let req = build(&GetSendProgress::new(123, 456), "a0a25xxxxed3ff");
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/message/corpconversation/getsendprogress?access_token=a0a25xxxxed3ff",
        json!({"agent_id": 123, "task_id": 456}),
    );
    // The values are JSON integers, not strings.
    assert!(body_json(&req)["agent_id"].is_u64());
    assert!(body_json(&req)["task_id"].is_u64());
}

#[test]
fn getsendprogress_table_example_values() {
    // The request table's examples: agent_id 836390886, task_id 256271667526 (over 32 bits).
    let req = build(&GetSendProgress::new(836390886, 256271667526), "bE74xxxx");
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io{PROGRESS_PATH}?access_token=bE74xxxx"),
        json!({"agent_id": 836390886_u64, "task_id": 256271667526_u64}),
    );
}

#[test]
fn getsendresult_page_example() {
    // curl ... -d 'access_token=cfe36xxxxd8dbce' -d 'agent_id=123' -d 'task_id=456'
    let req = build(&GetSendResult::new(123, 456), "cfe36xxxxd8dbce");
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/message/corpconversation/getsendresult?access_token=cfe36xxxxd8dbce",
        json!({"agent_id": 123, "task_id": 456}),
    );
}

#[test]
fn getsendresult_table_example_values() {
    let req = build(&GetSendResult::new(836390886, 256271667526), "bE74xxxx");
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io{RESULT_PATH}?access_token=bE74xxxx"),
        json!({"agent_id": 836390886_u64, "task_id": 256271667526_u64}),
    );
}

#[test]
fn status_bar_update_page_example() {
    // curl ... -d 'access_token=e4bbxxxxe7683' -d 'agent_id=123' -d 'status_bg=0xFFF65E5E'
    //          -d 'status_value=Completed' -d 'task_id=1111'
    let bg: StatusColor = "0xFFF65E5E".parse().expect("the page's colour parses");
    let req = build(
        &UpdateStatusBar::new(123, 1111, "Completed").status_bg(bg),
        "e4bbxxxxe7683",
    );
    assert_json_post(
        &req,
        "https://oapi.dingtalk.io/topapi/message/corpconversation/status_bar/update?access_token=e4bbxxxxe7683",
        json!({
            "agent_id": 123,
            "task_id": 1111,
            "status_value": "Completed",
            "status_bg": "0xFFF65E5E"
        }),
    );
}

#[test]
fn status_bar_update_table_example_values() {
    // The request table: agent_id 123, task_id 11, status_value Accepted, status_bg 0xFF78C06E.
    let req = build(
        &UpdateStatusBar::new(123, 11, "Accepted").status_bg(StatusColor::from_argb(0xFF78_C06E)),
        "bE74xxxx",
    );
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io{STATUS_BAR_PATH}?access_token=bE74xxxx"),
        json!({"agent_id": 123, "task_id": 11, "status_value": "Accepted", "status_bg": "0xFF78C06E"}),
    );
}

#[test]
fn status_bar_update_without_colour_omits_status_bg() {
    let req = build(&UpdateStatusBar::new(123, 1111, "Completed"), "tok");
    assert_eq!(
        body_json(&req),
        json!({"agent_id": 123, "task_id": 1111, "status_value": "Completed"})
    );
}

// ---- adjacent-apis.md ---------------------------------------------------------------------

#[test]
fn gettoken_is_a_get_with_credentials_in_the_query_and_no_body() {
    let req = GetAccessToken::new("APPKEY", "APPSECRET")
        .build_request(&BaseUrl::default(), ())
        .expect("builds");
    assert_eq!(req.method(), Method::GET);
    assert_eq!(
        req.uri().to_string(),
        "https://oapi.dingtalk.io/gettoken?appkey=APPKEY&appsecret=APPSECRET"
    );
    assert!(req.body().is_empty());
    assert_eq!(header(&req, CONTENT_TYPE), None, "no body, no Content-Type");
    assert_eq!(header(&req, ACCEPT), Some("application/json"));
}

#[test]
fn gettoken_percent_encodes_its_credentials() {
    let req = GetAccessToken::new("ding key", "a+b/c=d&e")
        .build_request(&BaseUrl::default(), ())
        .expect("builds");
    assert_eq!(
        req.uri().query(),
        Some("appkey=ding%20key&appsecret=a%2Bb%2Fc%3Dd%26e")
    );
}

/// `base64(HMAC-SHA256("suite-secret-XYZ", "1700000000000\nticket-1"))`, computed
/// independently with
/// `python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b"suite-secret-XYZ", b"1700000000000\nticket-1", hashlib.sha256).digest()).decode())'`.
/// It holds a `/`, a `+` and a `=`, so it also checks the URL encoding of all three.
const SIGNATURE_TICKET_1: &str = "Ug6Gl6Wa6Kp4j/pZQL+bSXOxrXTDTWU1KWDvsHAIL7E=";
const SIGNATURE_TICKET_1_ENCODED: &str = "Ug6Gl6Wa6Kp4j%2FpZQL%2BbSXOxrXTDTWU1KWDvsHAIL7E%3D";
/// The same for ticket `ticket-0` (only a trailing `=`).
const SIGNATURE_TICKET_0: &str = "M2otTUJGH0fCSXeYgHsAX52YOaQmk1qFMB0VEeYBxLU=";

fn sign(ticket: &str) -> SuiteSignature {
    SuiteSignature::sign(
        "suitekey",
        &SuiteSecret::new("suite-secret-XYZ"),
        &SuiteTicket::new(ticket),
        1_700_000_000_000,
    )
    .expect("signs")
}

#[test]
fn suite_signature_matches_an_independent_hmac_sha256_vector() {
    assert_eq!(sign("ticket-1").signature(), SIGNATURE_TICKET_1);
    assert_eq!(sign("ticket-0").signature(), SIGNATURE_TICKET_0);
    assert_eq!(sign("ticket-1").timestamp(), "1700000000000");
}

#[test]
fn get_corp_token_is_a_signed_post_with_the_corp_in_the_body() {
    let sig = sign("ticket-1");
    let req = GetCorpToken::new("CORP_ID")
        .build_request(&BaseUrl::default(), &sig)
        .expect("builds");
    assert_json_post(
        &req,
        &format!(
            "https://oapi.dingtalk.io/service/get_corp_token?accessKey=suitekey&timestamp=1700000000000&suiteTicket=ticket-1&signature={SIGNATURE_TICKET_1_ENCODED}"
        ),
        json!({"auth_corpid": "CORP_ID"}),
    );
    // The encoded signature decodes back to the exact base64 text.
    let query = req.uri().query().expect("a query");
    assert!(!query.contains('+') && !query.contains('/'));
    assert_eq!(
        query.matches('=').count(),
        4,
        "only the four key=value separators"
    );
}

#[test]
fn get_corp_token_percent_encodes_the_ticket() {
    let sig = SuiteSignature::sign(
        "suite key",
        &SuiteSecret::new("s"),
        &SuiteTicket::new("a+b/c=d"),
        1,
    )
    .expect("signs");
    let req = GetCorpToken::new("ding_corp")
        .build_request(&BaseUrl::default(), &sig)
        .expect("builds");
    let query = req.uri().query().expect("a query");
    assert!(
        query.starts_with("accessKey=suite%20key&timestamp=1&suiteTicket=a%2Bb%2Fc%3Dd&signature="),
        "{query}"
    );
}

#[test]
fn asyncsend_v2_adjacent_example() {
    let send = SendWorkNotification::new(836390886, Message::text("..."))
        .to_users(["user1", "user2"])
        .to_depts([123, 456]);
    let req = build(&send, "tok");
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io{SEND_PATH}?access_token=tok"),
        json!({
            "agent_id": 836390886,
            "userid_list": "user1,user2",
            "dept_id_list": "123,456",
            "to_all_user": false,
            "msg": {"msgtype": "text", "text": {"content": "..."}}
        }),
    );
}

#[test]
fn asyncsend_v2_sends_msg_as_an_object_and_lists_as_strings() {
    let req = build(
        &SendWorkNotification::new(1, Message::text("hi")).to_users(["u"]),
        "tok",
    );
    let body = body_json(&req);
    assert!(body["msg"].is_object(), "msg must be an object: {body}");
    assert!(body["userid_list"].is_string());
    assert!(
        body.get("dept_id_list").is_none(),
        "an empty list is left out"
    );
}

#[test]
fn asyncsend_v2_to_all_users() {
    let req = build(
        &SendWorkNotification::new(7, Message::text("all")).to_all_users(),
        "tok",
    );
    assert_eq!(
        body_json(&req),
        json!({
            "agent_id": 7,
            "to_all_user": true,
            "msg": {"msgtype": "text", "text": {"content": "all"}}
        })
    );
}

#[test]
fn recall_uses_msg_task_id() {
    let req = build(&RecallWorkNotification::new(836390886, 256271667526), "tok");
    assert_json_post(
        &req,
        &format!("https://oapi.dingtalk.io{RECALL_PATH}?access_token=tok"),
        json!({"agent_id": 836390886, "msg_task_id": 256271667526_u64}),
    );
    assert!(body_json(&req).get("task_id").is_none());
}

// ---- Base URLs, tokens, auth ---------------------------------------------------------------

#[test]
fn base_url_constants() {
    assert_eq!(DEFAULT_BASE_URL, "https://oapi.dingtalk.io");
    assert_eq!(MAINLAND_BASE_URL, "https://oapi.dingtalk.com");
    assert_eq!(BaseUrl::default().as_str(), DEFAULT_BASE_URL);
}

#[test]
fn mainland_base_url_is_used_as_given() {
    let base = BaseUrl::new(MAINLAND_BASE_URL).expect("valid");
    let req = GetSendProgress::new(123, 456)
        .build_request(&base, &AccessToken::new("tok"))
        .expect("builds");
    assert_eq!(
        req.uri().to_string(),
        format!("https://oapi.dingtalk.com{PROGRESS_PATH}?access_token=tok")
    );
}

#[test]
fn base_url_with_a_path_prefix_keeps_it() {
    for input in [
        "https://gw.example.com/dingtalk",
        "https://gw.example.com/dingtalk/",
    ] {
        let base = BaseUrl::new(input).expect("valid");
        let req = GetSendResult::new(123, 456)
            .build_request(&base, &AccessToken::new("tok"))
            .expect("builds");
        assert_eq!(req.uri().host(), Some("gw.example.com"));
        assert_eq!(req.uri().path(), format!("/dingtalk{RESULT_PATH}"));
        assert_eq!(
            req.uri().to_string(),
            format!("https://gw.example.com/dingtalk{RESULT_PATH}?access_token=tok")
        );
    }
    let base = BaseUrl::new("https://gw.example.com:8443/a/b").expect("valid");
    let req = GetAccessToken::new("k", "s")
        .build_request(&base, ())
        .expect("builds");
    assert_eq!(
        req.uri().to_string(),
        "https://gw.example.com:8443/a/b/gettoken?appkey=k&appsecret=s"
    );
}

#[test]
fn plain_http_only_to_loopback() {
    for ok in [
        "http://127.0.0.1:8080",
        "http://127.0.0.1",
        "http://localhost:1234",
        "http://LocalHost",
        "http://[::1]:9000",
    ] {
        let base = BaseUrl::new(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert!(base.is_plain_http());
        let req = GetSendProgress::new(1, 2)
            .build_request(&base, &AccessToken::new("tok"))
            .expect("builds");
        assert_eq!(req.uri().scheme_str(), Some("http"));
    }
    for bad in [
        "http://oapi.dingtalk.io",
        "http://10.0.0.1",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
    ] {
        let err = BaseUrl::new(bad).expect_err(bad);
        assert!(
            matches!(err, BuildError::InsecureBaseUrl { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().contains("https://"), "{err}");
    }
    assert!(!BaseUrl::default().is_plain_http());
}

#[test]
fn access_token_is_percent_encoded() {
    let req = build(&GetSendProgress::new(1, 2), "a+b/c=d&e f%");
    assert_eq!(
        req.uri().query(),
        Some("access_token=a%2Bb%2Fc%3Dd%26e%20f%25")
    );
}

#[test]
fn endpoint_metadata() {
    assert_eq!(GetAccessToken::METHOD, Method::GET);
    assert_eq!(GetAccessToken::PATH, "/gettoken");
    assert_eq!(GetCorpToken::PATH, "/service/get_corp_token");
    assert_eq!(SendWorkNotification::PATH, SEND_PATH);
    assert_eq!(GetSendProgress::PATH, PROGRESS_PATH);
    assert_eq!(GetSendResult::PATH, RESULT_PATH);
    assert_eq!(UpdateStatusBar::PATH, STATUS_BAR_PATH);
    assert_eq!(RecallWorkNotification::PATH, RECALL_PATH);
    // A send is the one call that must never be replayed after an ambiguous failure.
    assert_eq!(
        [
            idempotent::<GetAccessToken>(),
            idempotent::<GetCorpToken>(),
            idempotent::<SendWorkNotification>(),
            idempotent::<GetSendProgress>(),
            idempotent::<GetSendResult>(),
            idempotent::<UpdateStatusBar>(),
            idempotent::<RecallWorkNotification>(),
        ],
        [true, true, false, true, true, true, true]
    );
}

fn idempotent<E: Endpoint>() -> bool {
    E::IDEMPOTENT
}
