//! [`ErrorCode`]: a named constant for every code of the reference pages and of
//! `adjacent-apis.md`, and the classifiers that drive retries and token refreshes.

use dingtalk_notify_proto::api::GetSendResult;
use std::time::Duration;

use dingtalk_notify_proto::{Endpoint, ErrorClass, ErrorCode};

/// Every code the spec names, with its constant.
fn named() -> Vec<(i64, ErrorCode)> {
    vec![
        (0, ErrorCode::OK),
        // adjacent-apis.md
        (-1, ErrorCode::SYSTEM_BUSY),
        (22, ErrorCode::INVALID_METHOD),
        (40, ErrorCode::MISSING_ARGUMENT),
        (41, ErrorCode::INVALID_ARGUMENT),
        (88, ErrorCode::SEE_SUB_CODE),
        (33001, ErrorCode::INVALID_CORP_ID),
        (40001, ErrorCode::INVALID_CREDENTIAL),
        // The media codes of the global table (open.dingtalk.com/document/orgapp/
        // server-api-error-codes-1; quoted at https://developer.aliyun.com/ask/540868).
        (40004, ErrorCode::INVALID_MEDIA_TYPE),
        (40005, ErrorCode::INVALID_FILE_TYPE),
        (40006, ErrorCode::INVALID_FILE_SIZE),
        (40007, ErrorCode::INVALID_MEDIA_ID),
        (40008, ErrorCode::INVALID_MESSAGE_TYPE),
        (40014, ErrorCode::INVALID_ACCESS_TOKEN),
        (42001, ErrorCode::ACCESS_TOKEN_EXPIRED),
        (90019, ErrorCode::ISV_CALL_RATE_EXCEEDED),
        (90020, ErrorCode::MONTHLY_QUOTA_EXCEEDED),
        // getsendprogress and status_bar/update pages
        (500, ErrorCode::SYSTEM_ERROR),
        (40035, ErrorCode::INVALID_PARAMETER),
        (40056, ErrorCode::INVALID_AGENT_ID),
        (41052, ErrorCode::TOO_MANY_RECIPIENTS_FOR_RESULT),
        // getsendresult page
        (143103, ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED),
        (143104, ErrorCode::ORG_RECIPIENTS_PER_MINUTE_EXCEEDED),
        (143105, ErrorCode::DAILY_USER_LIMIT_EXCEEDED),
        (143106, ErrorCode::DUPLICATE_CONTENT),
        (143203, ErrorCode::ISV_CORP_RECIPIENTS_PER_MINUTE_EXCEEDED),
        (143204, ErrorCode::ISV_RECIPIENTS_PER_MINUTE_EXCEEDED),
        (143205, ErrorCode::ISV_DAILY_USER_LIMIT_EXCEEDED),
        (143206, ErrorCode::ISV_DUPLICATE_CONTENT),
        (1430000, ErrorCode::EMPTY_RECIPIENTS),
        (1430001, ErrorCode::UNRECOGNIZED_GRANT_TYPE),
        (1430002, ErrorCode::PROHIBITED_CONTENT),
        (1430003, ErrorCode::OAPI_PROTECTION),
        (1430004, ErrorCode::EXECUTIVE_PROTECTION),
        // The global error table (current-reference.md; a copy of the official page at
        // https://mabiji.com/dingtalk/errcode.html lists 404 and the 88 wrapping).
        (404, ErrorCode::NOT_FOUND),
        (40089, ErrorCode::INVALID_CORP_CREDENTIALS),
        (40096, ErrorCode::INVALID_APP_CREDENTIALS),
        (60011, ErrorCode::NO_PERMISSION),
        (60020, ErrorCode::IP_NOT_ALLOWED),
        (400002, ErrorCode::INVALID_RECALL_TARGET),
        (853001, ErrorCode::CORP_TOKEN_TIMESTAMP_INVALID),
        (853002, ErrorCode::CORP_TOKEN_TIMESTAMP_SKEWED),
        (853003, ErrorCode::CORP_TOKEN_ACCESS_KEY_INVALID),
        (853004, ErrorCode::CORP_TOKEN_SIGNATURE_MISMATCH),
        (853005, ErrorCode::CORP_TOKEN_SUITE_TICKET_INVALID),
        // The throttling page (https://help.dingtalk.io/open/development/call-frequency-limit):
        // 90002 global per-API limit, 90018 per app per API; the bans.
        (90001, ErrorCode::CALLS_BANNED_90001),
        (90002, ErrorCode::GLOBAL_RATE_LIMITED),
        (90003, ErrorCode::CALLS_BANNED_90003),
        (90004, ErrorCode::CALLS_BANNED_90004),
        (90005, ErrorCode::CALLS_BANNED_90005),
        (90006, ErrorCode::CALLS_BANNED_90006),
        (90007, ErrorCode::CALLS_BANNED_90007),
        (90008, ErrorCode::CALLS_BANNED_90008),
        (90009, ErrorCode::CALLS_BANNED_90009),
        (90010, ErrorCode::CALLS_BANNED_90010),
        (90011, ErrorCode::CALLS_BANNED_90011),
        (90012, ErrorCode::CALLS_BANNED_90012),
        (90013, ErrorCode::CALLS_BANNED_90013),
        (90014, ErrorCode::CALLS_BANNED_90014),
        (90017, ErrorCode::CALLS_BANNED_90017),
        (90018, ErrorCode::API_RATE_LIMITED),
        // The contact endpoints' pages (issue 21): listsubid and listid list 60003 and
        // 400002 (https://help.dingtalk.io/open/development/obtain-the-list-of-sub-department-ids,
        // .../query-the-list-of-department-userids); getbymobile lists 40104 and 60121
        // (https://help.dingtalk.io/open/development/query-users-by-phone-number).
        (60003, ErrorCode::DEPT_NOT_FOUND),
        (60121, ErrorCode::USER_NOT_FOUND),
        (40104, ErrorCode::INVALID_MOBILE),
    ]
}

fn codes(raw: &[i64]) -> Vec<ErrorCode> {
    raw.iter().copied().map(ErrorCode::new).collect()
}

#[test]
fn every_spec_code_has_a_constant_and_a_description() {
    for (raw, constant) in named() {
        assert_eq!(constant.get(), raw);
        assert_eq!(ErrorCode::new(raw), constant);
        assert_eq!(ErrorCode::from(raw), constant);
        let description = constant
            .description()
            .unwrap_or_else(|| panic!("{raw} has no description"));
        assert_eq!(constant.to_string(), format!("{raw} ({description})"));
        assert_eq!(
            format!("{constant:?}"),
            format!("ErrorCode({raw} {description})")
        );
    }
}

#[test]
fn unknown_codes_are_kept() {
    let c = ErrorCode::new(123_456);
    assert_eq!(c.get(), 123_456);
    assert_eq!(c.description(), None);
    assert_eq!(c.hint(), None);
    assert_eq!(hint_at(c, "/gettoken"), None);
    assert_eq!(c.to_string(), "123456");
    assert_eq!(format!("{c:?}"), "ErrorCode(123456)");
    assert_eq!(c.class(), Some(ErrorClass::Permanent));
    assert!(
        c.is_permanent(),
        "an unknown failure is not retried blindly"
    );
    assert!(!c.is_retryable() && !c.is_token_rejected() && !c.is_rate_limited());
    assert!(!ErrorCode::KNOWN.contains(&c));
}

#[test]
fn the_known_list_is_the_named_list() {
    let mut known: Vec<i64> = ErrorCode::KNOWN.iter().map(|c| c.get()).collect();
    let mut named: Vec<i64> = named().into_iter().map(|(raw, _)| raw).collect();
    known.sort_unstable();
    named.sort_unstable();
    assert_eq!(known, named);
    assert_eq!(
        ErrorCode::CALLS_BANNED_90002,
        ErrorCode::GLOBAL_RATE_LIMITED
    );
    // The get_corp_token codes' old placeholder names still compile, as the real codes.
    #[allow(deprecated)]
    let old = [
        ErrorCode::CORP_TOKEN_SIGNATURE_853001,
        ErrorCode::CORP_TOKEN_SIGNATURE_853003,
        ErrorCode::CORP_TOKEN_SIGNATURE_853004,
        ErrorCode::CORP_TOKEN_SIGNATURE_853005,
    ];
    assert_eq!(old.map(ErrorCode::get), [853001, 853003, 853004, 853005]);
}

#[test]
fn ok_is_in_no_failure_class() {
    assert!(ErrorCode::OK.is_ok());
    assert!(!ErrorCode::OK.is_retryable());
    assert!(!ErrorCode::OK.is_permanent());
    assert!(!ErrorCode::OK.is_token_rejected());
    assert!(!ErrorCode::OK.is_rate_limited());
    assert!(!ErrorCode::SYSTEM_BUSY.is_ok());
}

#[test]
fn every_failure_is_in_exactly_one_class() {
    for (raw, c) in named().into_iter().filter(|(raw, _)| *raw != 0) {
        let classes = [c.is_retryable(), c.is_token_rejected(), c.is_permanent()];
        assert_eq!(
            classes.iter().filter(|b| **b).count(),
            1,
            "{raw}: {classes:?}"
        );
    }
}

#[test]
fn transient_codes_are_retryable() {
    // -1 system busy (the global table: "retry once, at most 3 times"), 500 system error,
    // the recipients-per-minute limits.
    for c in codes(&[-1, 500, 143103, 143104, 143203, 143204]) {
        assert_eq!(c.class(), Some(ErrorClass::Retryable), "{c}");
        assert!(c.is_retryable() && !c.is_permanent(), "{c}");
        assert_eq!(c.min_retry_delay(), None, "{c}");
    }
}

#[test]
fn per_second_limits_are_throttled_for_at_least_a_second() {
    // The throttling page: 90002 (global per-API limit) and 90018 (per app, per API) ask
    // for a second's wait and a retry; 90019 is the ISV's 40 calls per second per corp.
    for c in codes(&[90002, 90018, 90019]) {
        assert_eq!(c.class(), Some(ErrorClass::Throttled), "{c}");
        assert!(
            c.is_retryable() && c.is_rate_limited() && !c.is_banned(),
            "{c}"
        );
        assert_eq!(c.min_retry_delay(), Some(Duration::from_secs(1)), "{c}");
        assert!(c.hint().is_some_and(|h| h.contains("second")), "{c}");
    }
}

#[test]
fn bans_back_off_long() {
    // 90001–90014 and 90017 except 90002: temporary bans along various dimensions.
    for raw in (90001..=90014).chain([90017]).filter(|r| *r != 90002) {
        let c = ErrorCode::new(raw);
        assert_eq!(c.class(), Some(ErrorClass::Banned), "{c}");
        assert!(
            c.is_banned() && c.is_retryable() && c.is_rate_limited(),
            "{c}"
        );
        assert_eq!(
            c.min_retry_delay(),
            None,
            "the retry policy's ban floor applies"
        );
        assert!(c.hint().is_some_and(|h| h.contains("minutes")), "{c}");
    }
    for raw in [90000, 90015, 90016, 90021] {
        assert!(!ErrorCode::new(raw).is_banned(), "{raw}");
    }
}

#[test]
fn rejected_tokens_are_refreshed() {
    for c in codes(&[33001, 40001, 40014, 42001]) {
        assert_eq!(c.class(), Some(ErrorClass::TokenRejected), "{c}");
        assert!(c.is_token_rejected(), "{c}");
        assert!(!c.is_retryable() && !c.is_permanent(), "{c}");
    }
    // Bad app credentials on gettoken cannot be fixed by fetching again.
    for c in codes(&[40035, 40089, 40096, 60011, 60020]) {
        assert!(!c.is_token_rejected() && c.is_permanent(), "{c}");
    }
}

#[test]
fn permanent_codes() {
    // Caller bugs, permissions, the IP allow-list, daily limits, duplicate content, the
    // monthly quota, recall and signature failures, 143000x.
    for c in codes(&[
        22, 40, 41, 88, 404, 40035, 40056, 40089, 40096, 41052, 60011, 60020, 90020, 143105,
        143106, 143205, 143206, 400002, 853001, 853002, 853003, 853004, 853005, 1430000, 1430001,
        1430002, 1430003, 1430004,
    ]) {
        assert_eq!(c.class(), Some(ErrorClass::Permanent), "{c}");
        assert!(c.is_permanent(), "{c}");
        assert!(!c.is_retryable(), "{c}");
    }
}

#[test]
fn rate_limits() {
    for c in codes(&[
        143103, 143104, 143105, 143106, 143203, 143204, 143205, 143206, 90002, 90018, 90019, 90020,
        90001, 90017,
    ]) {
        assert!(c.is_rate_limited(), "{c}");
    }
    for c in codes(&[-1, 500, 40014, 40035, 60011, 1430000]) {
        assert!(!c.is_rate_limited(), "{c}");
    }
}

#[test]
fn hints_say_what_to_do() {
    for (c, words) in [
        (ErrorCode::ACCESS_TOKEN_EXPIRED, "new access token"),
        (ErrorCode::INVALID_ACCESS_TOKEN, "new access token"),
        (ErrorCode::INVALID_AGENT_ID, "agent_id"),
        (ErrorCode::INVALID_PARAMETER, "task_id"),
        (ErrorCode::INVALID_METHOD, "base URL"),
        (ErrorCode::NOT_FOUND, "base URL"),
        (ErrorCode::EMPTY_RECIPIENTS, "userid_list"),
        (ErrorCode::DUPLICATE_CONTENT, "same content"),
        (
            ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED,
            "retry after a minute",
        ),
        (ErrorCode::MONTHLY_QUOTA_EXCEEDED, "next month"),
        (ErrorCode::SYSTEM_BUSY, "retry"),
        (ErrorCode::NO_PERMISSION, "permission"),
        (ErrorCode::IP_NOT_ALLOWED, "allow-list"),
        (ErrorCode::API_RATE_LIMITED, "a second"),
        (ErrorCode::INVALID_RECALL_TARGET, "recalled"),
        (ErrorCode::CORP_TOKEN_TIMESTAMP_SKEWED, "clock"),
        (ErrorCode::CORP_TOKEN_TIMESTAMP_INVALID, "milliseconds"),
        (ErrorCode::CORP_TOKEN_ACCESS_KEY_INVALID, "SuiteKey"),
        (ErrorCode::CORP_TOKEN_SIGNATURE_MISMATCH, "HMAC-SHA256"),
        (
            ErrorCode::CORP_TOKEN_SUITE_TICKET_INVALID,
            "latest suite_ticket",
        ),
        (ErrorCode::INVALID_APP_CREDENTIALS, "appsecret"),
    ] {
        let hint = c.hint().unwrap_or_else(|| panic!("{c} has no hint"));
        assert!(hint.contains(words), "{c}: {hint}");
    }
}

#[test]
fn hints_fit_the_endpoint() {
    const API: &str = "/topapi/message/corpconversation";
    let p = ErrorCode::INVALID_PARAMETER;
    let at = |path: &str| hint_at(p, path).unwrap_or_else(|| panic!("no hint at {path}"));
    // 40035 on gettoken: a missing appkey or appsecret, not a task id.
    assert!(
        at("/gettoken").contains("appkey or appsecret"),
        "{}",
        at("/gettoken")
    );
    assert!(!at("/gettoken").contains("task_id"));
    assert!(at("/service/get_corp_token").contains("suiteTicket"));
    assert!(at(&format!("{API}/asyncsend_v2")).contains("recipients"));
    assert!(at(&format!("{API}/getsendprogress")).contains("7 days"));
    assert!(at(&format!("{API}/getsendresult")).contains("24 hours"));
    assert!(at(&format!("{API}/recall")).contains("24 hours"));
    assert!(at(&format!("{API}/status_bar/update")).contains("7 days"));
    // A gateway prefix does not hide the endpoint.
    assert_eq!(at("/gw/dingtalk/gettoken"), at("/gettoken"));
    // Codes whose meaning does not depend on the endpoint give the same hint everywhere.
    assert_eq!(
        hint_at(ErrorCode::IP_NOT_ALLOWED, "/gettoken"),
        ErrorCode::IP_NOT_ALLOWED.hint()
    );
    assert!(
        hint_at(ErrorCode::NO_PERMISSION, &format!("{API}/asyncsend_v2"))
            .is_some_and(|h| h.contains("work-notification permission"))
    );
}

#[test]
fn reads_numbers_and_strings_and_writes_numbers() {
    let c: ErrorCode = serde_json::from_str("143106").expect("a number");
    assert_eq!(c, ErrorCode::DUPLICATE_CONTENT);
    let c: ErrorCode = serde_json::from_str("\"-1\"").expect("a string");
    assert_eq!(c, ErrorCode::SYSTEM_BUSY);
    assert!(serde_json::from_str::<ErrorCode>("\"busy\"").is_err());
    assert_eq!(
        serde_json::to_string(&ErrorCode::EMPTY_RECIPIENTS).expect("writes"),
        "1430000"
    );
}

#[test]
fn answers_are_classified_by_their_code() {
    for (body, retryable) in [
        (r#"{"errcode":143103,"errmsg":"qpm"}"#, true),
        (r#"{"errcode":"500","errmsg":"system error"}"#, true),
        (r#"{"errcode":143105,"errmsg":"daily"}"#, false),
        (r#"{"errcode":41052,"errmsg":"too many"}"#, false),
    ] {
        let err = GetSendResult::parse_response(http::Response::new(body)).expect_err(body);
        assert_eq!(err.is_retryable_answer(), retryable, "{body}");
    }
}

/// The hint of `code` at the endpoint whose path `path` ends with (a gateway prefix is
/// allowed), asked of the endpoint type; the generic hint for any other path.
/// An endpoint's `Endpoint::hint`.
type Hint = fn(ErrorCode) -> Option<&'static str>;

fn hint_at(code: ErrorCode, path: &str) -> Option<&'static str> {
    use dingtalk_notify_proto::Endpoint;
    use dingtalk_notify_proto::api::{
        GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
        SendWorkNotification, UpdateStatusBar,
    };
    let endpoints: [(&str, Hint); 7] = [
        (GetAccessToken::PATH, GetAccessToken::hint),
        (GetCorpToken::PATH, GetCorpToken::hint),
        (SendWorkNotification::PATH, SendWorkNotification::hint),
        (GetSendProgress::PATH, GetSendProgress::hint),
        (GetSendResult::PATH, GetSendResult::hint),
        (UpdateStatusBar::PATH, UpdateStatusBar::hint),
        (RecallWorkNotification::PATH, RecallWorkNotification::hint),
    ];
    match endpoints.iter().find(|(p, _)| path.ends_with(p)) {
        Some((_, hint)) => hint(code),
        None => code.hint(),
    }
}
