//! [`ErrorCode`]: a named constant for every code of the reference pages and of
//! `adjacent-apis.md`, and the classifiers that drive retries and token refreshes.

use dingtalk_notify_proto::api::GetSendResult;
use dingtalk_notify_proto::{Endpoint, ErrorCode};

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
        (40014, ErrorCode::INVALID_ACCESS_TOKEN),
        (42001, ErrorCode::ACCESS_TOKEN_EXPIRED),
        (90001, ErrorCode::CALLS_BANNED_90001),
        (90002, ErrorCode::CALLS_BANNED_90002),
        (90003, ErrorCode::CALLS_BANNED_90003),
        (90004, ErrorCode::CALLS_BANNED_90004),
        (90005, ErrorCode::CALLS_BANNED_90005),
        (90006, ErrorCode::CALLS_BANNED_90006),
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
    let c = ErrorCode::new(60011);
    assert_eq!(c.get(), 60011);
    assert_eq!(c.description(), None);
    assert_eq!(c.hint(), None);
    assert_eq!(c.to_string(), "60011");
    assert_eq!(format!("{c:?}"), "ErrorCode(60011)");
    assert!(
        c.is_permanent(),
        "an unknown failure is not retried blindly"
    );
    assert!(!c.is_retryable() && !c.is_token_rejected() && !c.is_rate_limited());
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
    // -1 system busy, 500 system error, the recipients-per-minute limits, the bans, 90019.
    for c in codes(&[-1, 500, 143103, 143104, 143203, 143204, 90019]) {
        assert!(c.is_retryable(), "{c}");
        assert!(!c.is_permanent(), "{c}");
    }
}

#[test]
fn bans_back_off_long() {
    for raw in 90001..=90006 {
        let c = ErrorCode::new(raw);
        assert!(
            c.is_banned() && c.is_retryable() && c.is_rate_limited(),
            "{c}"
        );
        assert!(c.hint().is_some_and(|h| h.contains("minutes")), "{c}");
    }
    assert!(!ErrorCode::new(90000).is_banned());
    assert!(!ErrorCode::new(90007).is_banned());
}

#[test]
fn rejected_tokens_are_refreshed() {
    for c in codes(&[33001, 40001, 40014, 42001]) {
        assert!(c.is_token_rejected(), "{c}");
        assert!(!c.is_retryable() && !c.is_permanent(), "{c}");
    }
    assert!(!ErrorCode::INVALID_PARAMETER.is_token_rejected());
}

#[test]
fn permanent_codes() {
    // Caller bugs, daily limits, duplicate content, monthly quota, 143000x.
    for c in codes(&[
        22, 40, 41, 88, 40035, 40056, 41052, 90020, 143105, 143106, 143205, 143206, 1430000,
        1430001, 1430002, 1430003, 1430004,
    ]) {
        assert!(c.is_permanent(), "{c}");
        assert!(!c.is_retryable(), "{c}");
    }
}

#[test]
fn rate_limits() {
    for c in codes(&[
        143103, 143104, 143105, 143106, 143203, 143204, 143205, 143206, 90019, 90020, 90001,
    ]) {
        assert!(c.is_rate_limited(), "{c}");
    }
    for c in codes(&[-1, 500, 40014, 40035, 1430000]) {
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
        (ErrorCode::EMPTY_RECIPIENTS, "userid_list"),
        (ErrorCode::DUPLICATE_CONTENT, "same content"),
        (
            ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED,
            "retry after a minute",
        ),
        (ErrorCode::MONTHLY_QUOTA_EXCEEDED, "next month"),
        (ErrorCode::SYSTEM_BUSY, "retry"),
    ] {
        let hint = c.hint().unwrap_or_else(|| panic!("{c} has no hint"));
        assert!(hint.contains(words), "{c}: {hint}");
    }
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
