//! The error codes the simulator answers, written from DingTalk's global error-code page,
//! the throttling page and the work-notification pages (see `/work/shared/spec`). Plain
//! `i64` constants: the simulator keeps its own table, so a code renamed or renumbered in
//! the client is caught by the cross-crate tests instead of agreed with. Tests script
//! faults with them: [`Fault::ErrCode`](crate::Fault::ErrCode)`(code::SYSTEM_BUSY)`.

/// Success.
pub const OK: i64 = 0;
/// "System busy": transient.
pub const SYSTEM_BUSY: i64 = -1;
/// An unknown path or method ("Invalid method"); on `/topapi` it carries `sub_msg` only.
pub const INVALID_METHOD: i64 = 22;
/// A required parameter is missing.
pub const MISSING_ARGUMENT: i64 = 40;
/// A parameter is invalid (`"Invalid arguments:<path>"`).
pub const INVALID_ARGUMENT: i64 = 41;
/// The topapi gateway's wrapper: the real code is the string `sub_code`.
pub const WRAPPED: i64 = 88;
/// A global QPS limit was hit.
pub const GLOBAL_QPS_LIMIT: i64 = 90002;
/// The per-app, per-API QPS limit of the old API: wait 1 s and retry.
pub const API_QPS_LIMIT: i64 = 90018;
/// ISV apps: the per-organisation, per-API QPS limit (40 calls a second).
pub const ISV_QPS_LIMIT: i64 = 90019;
/// The organisation's monthly quota of metered API calls is spent: retrying cannot help
/// before the month ends or the plan changes.
pub const MONTHLY_QUOTA: i64 = 90020;
/// Contact calls: the department does not exist.
pub const DEPT_NOT_FOUND: i64 = 60003;
/// Contact lookups: no such user (people who left cannot be found either).
pub const USER_NOT_FOUND: i64 = 60121;
/// `getbymobile`: the mobile number is not a valid one.
pub const INVALID_MOBILE: i64 = 40104;
/// The corp id is invalid (or the corp did not authorize the suite).
pub const INVALID_CORP_ID: i64 = 33001;
/// The app secret (or suite credential) is wrong.
pub const INVALID_CREDENTIAL: i64 = 40001;
/// The access token is not valid.
pub const INVALID_ACCESS_TOKEN: i64 = 40014;
/// The access token has expired.
pub const ACCESS_TOKEN_EXPIRED: i64 = 42001;
/// A parameter (a task id, say) is invalid.
pub const INVALID_PARAMETER: i64 = 40035;
/// The agent id is not the token's app.
pub const INVALID_AGENT_ID: i64 = 40056;
/// The app lacks the permission the call needs.
pub const NO_PERMISSION: i64 = 60011;
/// The caller's IP is not on the app's allow-list.
pub const IP_NOT_ALLOWED: i64 = 60020;
/// getsendresult of a task with more than 100 recipients ("Call timeout").
pub const RESULT_NOT_SERVED: i64 = 41052;
/// No recipient given.
pub const EMPTY_RECIPIENTS: i64 = 1_430_000;
/// Internal app: recipients per minute per app exceeded.
pub const APP_RECIPIENTS_PER_MINUTE: i64 = 143_103;
/// Internal app: recipients per minute per organization exceeded.
pub const ORG_RECIPIENTS_PER_MINUTE: i64 = 143_104;
/// Internal app: the daily per-user limit.
pub const DAILY_USER_LIMIT: i64 = 143_105;
/// Internal app: the same content to the same user twice in a day.
pub const DUPLICATE_CONTENT: i64 = 143_106;
/// ISV app: recipients per minute to one organization exceeded.
pub const ISV_RECIPIENTS_PER_MINUTE: i64 = 143_203;
/// ISV app: the daily per-user limit.
pub const ISV_DAILY_USER_LIMIT: i64 = 143_205;
/// ISV app: the same content to the same user twice in a day.
pub const ISV_DUPLICATE_CONTENT: i64 = 143_206;
// The 85300x meanings: DingTalk support's table quoted at
// https://developer.aliyun.com/ask/318187 (853001–853004), and answers captured from
// oapi.dingtalk.com/service/get_corp_token: 853002 "签名时间戳参数超时" (same page),
// 853005 "签名中套件ticket参数无效" (opendingtalk/eapp-isv-quick-start-java#7).
/// `get_corp_token`: `timestamp` is not a time in milliseconds.
pub const TIMESTAMP_INVALID: i64 = 853_001;
/// `get_corp_token`: the timestamp is more than a minute off.
pub const TIMESTAMP_OUT_OF_RANGE: i64 = 853_002;
/// `get_corp_token`: `accessKey` is not a known suite key (or app id).
pub const ACCESS_KEY_INVALID: i64 = 853_003;
/// `get_corp_token`: the signature does not match the server's.
pub const SIGNATURE_MISMATCH: i64 = 853_004;
/// `get_corp_token`: the `suiteTicket` signed is not the suite's current ticket.
pub const SUITE_TICKET_INVALID: i64 = 853_005;

/// The `errmsg` DingTalk's pages give for `code`, for injected faults; `None` if the
/// simulator has no text for it.
pub(crate) fn description(code: i64) -> Option<&'static str> {
    Some(match code {
        OK => "ok",
        SYSTEM_BUSY => "system busy",
        INVALID_METHOD => "Invalid method",
        MISSING_ARGUMENT => "Missing parameter",
        INVALID_ARGUMENT => "Invalid arguments",
        WRAPPED => "ding talk error",
        GLOBAL_QPS_LIMIT => "The global QPS limit has been exceeded",
        90001..=90014 | 90017 => "Calls are temporarily banned: too many requests",
        API_QPS_LIMIT => "The API call rate of this app is over its limit; wait 1 s and retry",
        ISV_QPS_LIMIT => "The API call rate of this ISV app in this organization is over its limit",
        // The captured text (dingtalk.com/qidian/help-detail-1061621972), without the counts.
        MONTHLY_QUOTA => "您的企业本月api调用量已超过限制",
        DEPT_NOT_FOUND => "部门不存在",
        USER_NOT_FOUND => "找不到该用户",
        INVALID_MOBILE => "无效的手机号",
        33001 => "Invalid corpid",
        40001 => "Invalid appkey or appsecret",
        40014 => "不合法的access_token",
        42001 => "access_token超时",
        40035 => "Invalid parameter",
        40056 => "Invalid agentid",
        60011 => "No permission for this API",
        IP_NOT_ALLOWED => "The caller IP is not on the app's allow-list",
        400_002 => "Invalid agentid or task id",
        41052 => "Call timeout",
        1_430_000 => "The recipient is empty",
        APP_RECIPIENTS_PER_MINUTE | ISV_RECIPIENTS_PER_MINUTE => {
            "The recipients-per-minute limit of the app has been exceeded"
        }
        ORG_RECIPIENTS_PER_MINUTE | 143_204 => {
            "The recipients-per-minute limit of the organization has been exceeded"
        }
        143_105 | 143_205 => "The daily limit of messages to this user has been exceeded",
        143_106 | 143_206 => "The same content was already sent to this user today",
        TIMESTAMP_INVALID => "timestamp参数格式不正确",
        TIMESTAMP_OUT_OF_RANGE => "签名时间戳参数超时",
        ACCESS_KEY_INVALID => "accessKey参数不合法",
        SIGNATURE_MISMATCH => "签名校验失败",
        SUITE_TICKET_INVALID => "签名中套件ticket参数无效",
        500 => "System error",
        _ => return None,
    })
}

/// The real gateway's `errmsg` of an 88-wrapped error: `ding talk error[subcode=…,submsg=…]`.
pub(crate) fn wrapped_errmsg(sub_code: &str, sub_msg: &str) -> String {
    format!("ding talk error[subcode={sub_code},submsg={sub_msg}]")
}
