//! How the contact endpoints' errors are classified (issue 21): the codes of their reference
//! pages, the errcode 88 wrapping, the throttles, the 1111 page and the monthly quota.
//!
//! Sources, cited per test: the endpoint pages' error tables
//! (<https://help.dingtalk.io/open/development/obtain-the-list-of-sub-department-ids>,
//! <https://developers.dingtalk.com/document/orgapp/query-the-list-of-department-userids>,
//! <https://help.dingtalk.io/open/development/query-users-by-phone-number>), the 88 wrapping
//! as the global error page shows it (<https://mabiji.com/dingtalk/errcode.html>), the
//! throttling page, and DingTalk's help page on the monthly quota
//! (<http://www.dingtalk.com/qidian/help-detail-1061621972.html>).

use std::time::Duration;

use dingtalk_notify_proto::api::{
    GetUserByMobile, GetUserByUnionId, ListDepartmentUserIds, ListDepartmentUsers,
    ListSubDepartmentIds, ListSubDepartments, RecallWorkNotification,
};
use dingtalk_notify_proto::retry::{Failure, RetryPolicy};
use dingtalk_notify_proto::transport::TransportErrorKind;
use dingtalk_notify_proto::{ApiError, Endpoint, Error, ErrorClass, ErrorCode, ResponseError};

fn err<E: Endpoint>(body: &str) -> ResponseError {
    match E::parse_response(http::Response::new(body)) {
        Ok(_) => panic!("{body} should be an error"),
        Err(e) => e,
    }
}

fn api<E: Endpoint>(body: &str) -> ApiError {
    err::<E>(body).api().cloned().expect("an API error")
}

/// What the client's retry policy does with this error on the first attempt.
fn retry_after(e: ResponseError) -> Option<Duration> {
    let failure = Failure::of(&Error::<std::io::Error>::Response(e), |_| {
        TransportErrorKind::Unknown
    });
    RetryPolicy::default().decide(failure, 1, true, 0.0)
}

#[test]
fn department_not_found_is_permanent_with_a_dept_id_hint() {
    // listsubid and listid: 60003 "未找到部门", "请确认dept_id是否正确".
    for e in [
        api::<ListSubDepartmentIds>(r#"{"errcode":60003,"errmsg":"未找到部门","request_id":"r"}"#),
        api::<ListDepartmentUserIds>(r#"{"errcode":60003,"errmsg":"未找到部门"}"#),
        api::<ListDepartmentUsers>(
            r#"{"errcode":88,"sub_code":"60003","sub_msg":"未找到部门","errmsg":"ding talk error[subcode=60003,submsg=未找到部门]"}"#,
        ),
        api::<ListSubDepartments>(r#"{"errcode":"60003"}"#),
    ] {
        assert_eq!(e.effective_code(), ErrorCode::DEPT_NOT_FOUND, "{e}");
        assert!(e.is_permanent() && !e.is_retryable(), "{e}");
        assert!(e.hint().is_some_and(|h| h.contains("dept_id")), "{e}");
        assert_eq!(retry_after(ResponseError::Api(e)), None);
    }
}

#[test]
fn user_not_found_and_invalid_mobile_are_permanent() {
    // getbymobile: 40104 "企业中的手机号码无效", 60121 "找不到该用户"; getbyunionid: 60121.
    let e = api::<GetUserByMobile>(r#"{"errcode":60121,"errmsg":"找不到该用户"}"#);
    assert_eq!(e.effective_code(), ErrorCode::USER_NOT_FOUND);
    assert!(e.is_permanent());
    assert!(e.hint().is_some_and(|h| h.contains("left")), "{e}");
    let e = api::<GetUserByUnionId>(
        r#"{"errcode":88,"sub_code":"60121","sub_msg":"找不到该用户","errmsg":"ding talk error[subcode=60121,submsg=找不到该用户]"}"#,
    );
    assert_eq!(e.code, ErrorCode::SEE_SUB_CODE);
    assert_eq!(e.effective_code(), ErrorCode::USER_NOT_FOUND);
    assert!(e.is_permanent());
    let e = api::<GetUserByMobile>(r#"{"errcode":40104,"errmsg":"企业中的手机号码无效"}"#);
    assert_eq!(e.effective_code(), ErrorCode::INVALID_MOBILE);
    assert!(e.is_permanent());
    assert!(e.hint().is_some_and(|h| h.contains("mobile number")), "{e}");
    assert!(e.to_string().contains("40104"), "{e}");
}

#[test]
fn invalid_parameter_400002_has_a_contact_hint_on_contact_calls() {
    // The contact pages: 400002 "无效的参数"; on recall, 400002 is the task or agent id.
    let e = api::<ListDepartmentUserIds>(r#"{"errcode":400002,"errmsg":"无效的参数"}"#);
    assert_eq!(e.effective_code(), ErrorCode::INVALID_PARAMETER_400002);
    assert!(e.is_permanent());
    let hint = e.hint().expect("a hint");
    assert!(
        hint.contains("dept_id") && !hint.contains("recall"),
        "{hint}"
    );
    assert!(
        <RecallWorkNotification as Endpoint>::hint(ErrorCode::INVALID_RECALL_TARGET)
            .is_some_and(|h| h.contains("recalled"))
    );
}

#[test]
fn no_permission_names_the_contacts_permissions() {
    let e = api::<GetUserByMobile>(
        r#"{"errcode":88,"sub_code":"60011","sub_msg":"没有调用该接口的权限","errmsg":"ding talk error[subcode=60011,submsg=没有调用该接口的权限]","request_id":"5imjny7u9xwa"}"#,
    );
    assert_eq!(e.effective_code(), ErrorCode::NO_PERMISSION);
    assert!(
        e.hint()
            .is_some_and(|h| h.contains("qyapi_get_member_by_mobile")),
        "{e}"
    );
}

#[test]
fn per_second_limits_are_throttled_and_wait_a_second() {
    // The throttling page: 90002 global, 90018 per app per API ("wait 1 s"), 90019 the ISV's
    // 40 calls a second; plain or wrapped under 88.
    for body in [
        r#"{"errcode":90002,"errmsg":"api calls too frequent"}"#,
        r#"{"errcode":90018,"errmsg":"当前应用调用该接口并发量过大"}"#,
        r#"{"errcode":90019,"errmsg":"isv call limit"}"#,
        r#"{"errcode":88,"sub_code":"90018","sub_msg":"当前应用调用该接口并发量过大","errmsg":"ding talk error[subcode=90018,submsg=…]"}"#,
    ] {
        let e = api::<ListDepartmentUserIds>(body);
        assert_eq!(e.class(), ErrorClass::Throttled, "{body}");
        assert_eq!(e.min_retry_delay(), Some(Duration::from_secs(1)), "{body}");
        assert_eq!(
            retry_after(ResponseError::Api(e)),
            Some(Duration::from_secs(1)),
            "{body}"
        );
    }
}

#[test]
fn the_1111_page_is_throttled_with_its_wait() {
    // current-reference.md: the IP throttle answers {"status":1111,"wait":5,…} or an HTML page.
    for body in [
        r#"{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"u"}"#,
        r#"<html><body>{"status":1111,"wait":5,"punish":"deny"}</body></html>"#,
    ] {
        let e = err::<ListDepartmentUsers>(body);
        assert!(
            matches!(e, ResponseError::Throttled { code: 1111, wait: Some(w), .. } if w == Duration::from_secs(5)),
            "{body}: {e:?}"
        );
        assert_eq!(retry_after(e), Some(Duration::from_secs(5)), "{body}");
    }
}

#[test]
fn the_monthly_quota_is_never_retried_and_says_what_it_means() {
    // The help page's capture: "errcode":90020,"errmsg":"您的企业本月api调用量已超过限制,
    // 调用量:10001次,额度:10000次,请登录开发者后台-资源管理-查看用量明细"; the same page names
    // the textual code Forbidden.AccessDenied.ApiCountLimitForOrg.
    for body in [
        r#"{"errcode":90020,"errmsg":"您的企业本月api调用量已超过限制,调用量:10001次,额度:10000次,请登录开发者后台-资源管理-查看用量明细"}"#,
        r#"{"errcode":88,"sub_code":"90020","sub_msg":"您的企业本月api调用量已超过限制","errmsg":"ding talk error[subcode=90020,submsg=您的企业本月api调用量已超过限制]"}"#,
        r#"{"errcode":88,"sub_code":"Forbidden.AccessDenied.ApiCountLimitForOrg","sub_msg":"api count limit","errmsg":"ding talk error[subcode=Forbidden.AccessDenied.ApiCountLimitForOrg,submsg=api count limit]"}"#,
    ] {
        let e = api::<GetUserByUnionId>(body);
        assert_eq!(
            e.effective_code(),
            ErrorCode::MONTHLY_QUOTA_EXCEEDED,
            "{body}"
        );
        assert!(
            e.is_permanent() && e.is_rate_limited() && !e.is_retryable(),
            "{body}"
        );
        let text = e.to_string();
        assert!(
            text.contains("monthly quota") && text.contains("retrying cannot help"),
            "{text}"
        );
        assert_eq!(retry_after(ResponseError::Api(e)), None, "{body}");
    }
}

#[test]
fn other_textual_sub_codes_stay_88_and_permanent() {
    let e = api::<ListSubDepartmentIds>(
        r#"{"errcode":88,"sub_code":"isv.invalid-parameter","sub_msg":"非法参数","errmsg":"ding talk error[subcode=isv.invalid-parameter,submsg=非法参数]"}"#,
    );
    assert_eq!(e.effective_code(), ErrorCode::SEE_SUB_CODE);
    assert!(e.is_permanent());
    assert!(e.to_string().contains("isv.invalid-parameter"));
}

#[test]
fn rejected_tokens_on_contact_calls_refresh_the_token() {
    // A captured answer of getbymobile (cryozerolabs/n8n-nodes-dingtalk#12):
    // "ding talk error[subcode=40014,submsg=不合法的access_token]".
    let e = api::<GetUserByMobile>(
        r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]"}"#,
    );
    assert!(e.is_token_rejected());
}
