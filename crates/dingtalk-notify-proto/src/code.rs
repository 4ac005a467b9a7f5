//! [`ErrorCode`]: DingTalk's `errcode`, an open set with named constants, a class
//! ([`ErrorClass`]) that drives retries and token refreshes, and hints that fit the endpoint.
//!
//! The table follows the current global error-code and throttling pages; `docs/errors.md`
//! at the repository root tabulates it, and a test keeps the two in step.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

pub(crate) mod hint;

/// A DingTalk `errcode`.
///
/// An open set, like [`http::StatusCode`]: every code a work-notification client can meet
/// has a named constant, and any other value is kept as it came. [`class`](Self::class)
/// says what to do about it; [`is_retryable`], [`is_rate_limited`], [`is_token_rejected`]
/// and [`is_permanent`] are shortcuts.
///
/// ```
/// use dingtalk_notify_proto::{ErrorClass, ErrorCode};
/// use std::time::Duration;
/// let code = ErrorCode::new(143103);
/// assert_eq!(code, ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED);
/// assert!(code.is_retryable() && code.is_rate_limited());
/// assert!(ErrorCode::ACCESS_TOKEN_EXPIRED.is_token_rejected());
/// assert!(ErrorCode::INVALID_AGENT_ID.is_permanent());
/// // The per-app, per-API rate limit: retry, but not before a second has passed.
/// assert_eq!(ErrorCode::API_RATE_LIMITED.class(), Some(ErrorClass::Throttled));
/// assert_eq!(ErrorCode::API_RATE_LIMITED.min_retry_delay(), Some(Duration::from_secs(1)));
/// // Hints fit the endpoint (`Endpoint::hint`): 40035 on gettoken is a missing appkey.
/// use dingtalk_notify_proto::{Endpoint, api::GetAccessToken};
/// assert!(GetAccessToken::hint(ErrorCode::INVALID_PARAMETER).unwrap().contains("appkey"));
/// ```
///
/// [`is_retryable`]: ErrorCode::is_retryable
/// [`is_rate_limited`]: ErrorCode::is_rate_limited
/// [`is_token_rejected`]: ErrorCode::is_token_rejected
/// [`is_permanent`]: ErrorCode::is_permanent
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ErrorCode(i64);

/// What a failing [`ErrorCode`] asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Transient (system busy, a per-minute recipient quota): retry with backoff.
    Retryable,
    /// A per-second call-rate limit (`90002`, `90018`, `90019`): retry after at least
    /// [`ErrorCode::min_retry_delay`].
    Throttled,
    /// A temporary ban (`90001`, `90003`–`90014`, `90017`): back off for long (the
    /// retry policy's `ban_floor`) before calling again.
    Banned,
    /// The access token was refused: refresh it and replay the call once.
    TokenRejected,
    /// Repeating the same call cannot help: a caller bug, a missing permission, a daily
    /// limit, a quota.
    Permanent,
}

impl ErrorClass {
    /// The class's name as `docs/errors.md` writes it: `retryable`, `throttled`, `banned`,
    /// `token`, `permanent`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Retryable => "retryable",
            Self::Throttled => "throttled",
            Self::Banned => "banned",
            Self::TokenRejected => "token",
            Self::Permanent => "permanent",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:expr;)*) => {
        impl ErrorCode {
            $(
                $(#[$doc])*
                pub const $name: ErrorCode = ErrorCode($value);
            )*

            /// Every named code, in table order.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode($value)),*];

            /// The constant's name (`"INVALID_ACCESS_TOKEN"`) of a known code.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// A short description of a known code, from the API reference.
            pub fn description(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// `0`: success.
    OK = 0, "ok";
    /// `-1`: system busy; transient, retry with backoff.
    SYSTEM_BUSY = -1, "system busy";
    /// `22`: invalid method: the gateway does not know the path (`sub_msg` names it).
    INVALID_METHOD = 22, "invalid method (unknown path)";
    /// `40`: a required argument is missing.
    MISSING_ARGUMENT = 40, "missing argument";
    /// `41`: an argument is invalid (for example `msg` sent as a string).
    INVALID_ARGUMENT = 41, "invalid argument";
    /// `88`: the real cause is in `sub_code` and `sub_msg` (see
    /// [`ApiError::effective_code`](crate::ApiError::effective_code)).
    SEE_SUB_CODE = 88, "see sub_code";
    /// `404`: the URI does not exist.
    NOT_FOUND = 404, "the requested URI does not exist";
    /// `500`: system error; transient.
    SYSTEM_ERROR = 500, "system error";
    /// `33001`: invalid corp id (token rejected).
    INVALID_CORP_ID = 33001, "invalid corp id";
    /// `40001`: invalid credential or secret (token rejected).
    INVALID_CREDENTIAL = 40001, "invalid credential";
    // 40004–40008: the global error-code table (open.dingtalk.com/document/orgapp/
    // server-api-error-codes-1, quoted at https://developer.aliyun.com/ask/540868), with the
    // captured {"errcode":40004,"errmsg":"不合法的媒体文件类型"} (developer.aliyun.com/ask/660148,
    // ask/270597: `type` missing from the query) and {"errcode":40007,"errmsg":"不合法的媒体文件id"}
    // on a file message (ask/220587).
    /// `40004`: invalid media type (`type` is not image, voice, video or file, or is missing
    /// from the upload's query).
    INVALID_MEDIA_TYPE = 40004, "invalid media type";
    /// `40005`: invalid file type: the file's format is not one the media type takes.
    INVALID_FILE_TYPE = 40005, "invalid file type";
    /// `40006`: invalid file size: empty, or over the media type's limit.
    INVALID_FILE_SIZE = 40006, "invalid file size";
    /// `40007`: invalid media id: a message names a `media_id` DingTalk never issued.
    INVALID_MEDIA_ID = 40007, "invalid media_id";
    /// `40008`: invalid message type.
    INVALID_MESSAGE_TYPE = 40008, "invalid message type";
    /// `40014`: invalid access token.
    INVALID_ACCESS_TOKEN = 40014, "invalid access token";
    /// `40035`: a parameter is missing or invalid; what it means depends on the endpoint
    /// (on `gettoken`, a missing appkey or appsecret).
    INVALID_PARAMETER = 40035, "missing or invalid parameter";
    /// `40056`: invalid agent id.
    INVALID_AGENT_ID = 40056, "invalid agent id";
    /// `40089`: invalid corp id or corp secret (on `gettoken`).
    INVALID_CORP_CREDENTIALS = 40089, "invalid corpid or corpsecret";
    /// `40096`: invalid appkey or appsecret (on `gettoken`).
    INVALID_APP_CREDENTIALS = 40096, "invalid appkey or appsecret";
    /// `41052`: too many recipients; sending results are no longer returned.
    TOO_MANY_RECIPIENTS_FOR_RESULT = 41052, "too many recipients for results";
    /// `42001`: the access token expired.
    ACCESS_TOKEN_EXPIRED = 42001, "access token expired";
    /// `60011`: the app lacks the permission for this API.
    NO_PERMISSION = 60011, "no permission to call this API";
    /// `60020`: the caller's IP is not on the app's allow-list.
    IP_NOT_ALLOWED = 60020, "caller IP not on the app's allow-list";
    // ---- The contact endpoints (issue 21): listsubid, listsub, listid, v2/user/list,
    // getbymobile, getbyunionid. Their reference pages' error tables
    // (help.dingtalk.io/open/development/obtain-the-list-of-sub-department-ids,
    // .../query-the-list-of-department-userids, .../query-users-by-phone-number).
    /// `60003`: the department does not exist (listsubid, listsub, listid, v2/user/list).
    DEPT_NOT_FOUND = 60003, "department not found";
    /// `60121`: no such user (getbymobile, getbyunionid); people who left are not found.
    USER_NOT_FOUND = 60121, "user not found";
    /// `40104`: the mobile number is not valid in the organization (getbymobile).
    INVALID_MOBILE = 40104, "invalid mobile number in the organization";
    // ---- end of the contact endpoints' codes.
    /// `90001`: calls temporarily banned for excess.
    CALLS_BANNED_90001 = 90001, "calls temporarily banned";
    /// `90002`: the global per-API rate limit (all apps of all organizations) was hit.
    GLOBAL_RATE_LIMITED = 90002, "global per-API rate limit";
    /// `90003`: calls temporarily banned for excess.
    CALLS_BANNED_90003 = 90003, "calls temporarily banned";
    /// `90004`: calls temporarily banned for excess.
    CALLS_BANNED_90004 = 90004, "calls temporarily banned";
    /// `90005`: calls temporarily banned for excess (per organization, per API, per minute).
    CALLS_BANNED_90005 = 90005, "calls temporarily banned";
    /// `90006`: calls temporarily banned for excess (per app, per API, per minute).
    CALLS_BANNED_90006 = 90006, "calls temporarily banned";
    /// `90007`: calls temporarily banned for excess.
    CALLS_BANNED_90007 = 90007, "calls temporarily banned";
    /// `90008`: calls temporarily banned for excess.
    CALLS_BANNED_90008 = 90008, "calls temporarily banned";
    /// `90009`: calls temporarily banned for excess.
    CALLS_BANNED_90009 = 90009, "calls temporarily banned";
    /// `90010`: calls temporarily banned for excess.
    CALLS_BANNED_90010 = 90010, "calls temporarily banned";
    /// `90011`: calls temporarily banned for excess.
    CALLS_BANNED_90011 = 90011, "calls temporarily banned";
    /// `90012`: calls temporarily banned for excess.
    CALLS_BANNED_90012 = 90012, "calls temporarily banned";
    /// `90013`: calls temporarily banned for excess.
    CALLS_BANNED_90013 = 90013, "calls temporarily banned";
    /// `90014`: calls temporarily banned for excess.
    CALLS_BANNED_90014 = 90014, "calls temporarily banned";
    /// `90017`: calls temporarily banned for excess.
    CALLS_BANNED_90017 = 90017, "calls temporarily banned";
    /// `90018`: the per-app, per-API call rate of the old API was exceeded; wait a second.
    API_RATE_LIMITED = 90018, "per-app per-API call rate exceeded";
    /// `90019`: ISV per-corp per-API rate (40 req/s) exceeded.
    ISV_CALL_RATE_EXCEEDED = 90019, "ISV per-corp call rate exceeded";
    /// `90020`: the organization's monthly quota of metered API calls is used up
    /// ("您的企业本月api调用量已超过限制"; the free plan has 10,000 a month). Calls fail until the
    /// next calendar month or a plan upgrade: never retried.
    MONTHLY_QUOTA_EXCEEDED = 90020, "organization's monthly API call quota exceeded";
    /// `143103`: recipients-per-minute limit of the app exceeded.
    APP_RECIPIENTS_PER_MINUTE_EXCEEDED = 143103, "app recipients per minute exceeded";
    /// `143104`: recipients-per-minute limit of the organization exceeded.
    ORG_RECIPIENTS_PER_MINUTE_EXCEEDED = 143104, "organization recipients per minute exceeded";
    /// `143105`: daily per-user limit of an internal app exceeded.
    DAILY_USER_LIMIT_EXCEEDED = 143105, "daily per-user limit exceeded";
    /// `143106`: the same content was already sent to this user today.
    DUPLICATE_CONTENT = 143106, "duplicate content to the same user today";
    /// `143203`: ISV app sending to one organization over its per-minute limit.
    ISV_CORP_RECIPIENTS_PER_MINUTE_EXCEEDED = 143203, "ISV per-organization recipients per minute exceeded";
    /// `143204`: ISV app sending to all organizations over its per-minute limit.
    ISV_RECIPIENTS_PER_MINUTE_EXCEEDED = 143204, "ISV recipients per minute exceeded";
    /// `143205`: daily per-user limit of an ISV app exceeded.
    ISV_DAILY_USER_LIMIT_EXCEEDED = 143205, "ISV daily per-user limit exceeded";
    /// `143206`: an ISV app already sent the same content to this user today.
    ISV_DUPLICATE_CONTENT = 143206, "ISV duplicate content to the same user today";
    /// `400002`: an invalid parameter; on recall, an invalid agent id or task id (the
    /// contact endpoints' pages: "无效的参数").
    INVALID_RECALL_TARGET = 400002, "invalid parameter (recall: invalid agent id or task id)";
    // 853001–853004: DingTalk support's table, quoted at https://developer.aliyun.com/ask/318187
    // (with the captured {"errcode":853002,"errmsg":"签名时间戳参数超时"}); 853005: the captured
    // {"errcode":853005,"errmsg":"签名中套件ticket参数无效"} (opendingtalk/eapp-isv-quick-start-java#7).
    /// `853001`: `get_corp_token`'s `timestamp` is not the current time in milliseconds.
    CORP_TOKEN_TIMESTAMP_INVALID = 853001, "get_corp_token timestamp not in milliseconds";
    /// `853002`: `get_corp_token`'s timestamp is more than a minute off DingTalk's clock.
    CORP_TOKEN_TIMESTAMP_SKEWED = 853002, "get_corp_token timestamp more than a minute off";
    /// `853003`: `get_corp_token`'s `accessKey` is not a suite key (or app id) DingTalk knows.
    CORP_TOKEN_ACCESS_KEY_INVALID = 853003, "get_corp_token accessKey unknown";
    /// `853004`: `get_corp_token`'s signature differs from the one DingTalk computes.
    CORP_TOKEN_SIGNATURE_MISMATCH = 853004, "get_corp_token signature mismatch";
    /// `853005`: the `suiteTicket` signed for `get_corp_token` is not valid.
    CORP_TOKEN_SUITE_TICKET_INVALID = 853005, "get_corp_token suiteTicket invalid";
    /// `1430000`: the recipient list is empty.
    EMPTY_RECIPIENTS = 1430000, "empty recipients";
    /// `1430001`: unrecognized grantType.
    UNRECOGNIZED_GRANT_TYPE = 1430001, "unrecognized grantType";
    /// `1430002`: the message contains prohibited content.
    PROHIBITED_CONTENT = 1430002, "prohibited content";
    /// `1430003`: OAPI system protection triggered.
    OAPI_PROTECTION = 1430003, "OAPI system protection";
    /// `1430004`: senior executive protection.
    EXECUTIVE_PROTECTION = 1430004, "senior executive protection";
}

impl ErrorCode {
    /// The old name of [`ErrorCode::GLOBAL_RATE_LIMITED`] (`90002`).
    pub const CALLS_BANNED_90002: ErrorCode = ErrorCode::GLOBAL_RATE_LIMITED;
    /// The old, placeholder name of [`ErrorCode::CORP_TOKEN_TIMESTAMP_INVALID`] (`853001`).
    #[deprecated(note = "853001 is a malformed timestamp: use CORP_TOKEN_TIMESTAMP_INVALID")]
    pub const CORP_TOKEN_SIGNATURE_853001: ErrorCode = ErrorCode::CORP_TOKEN_TIMESTAMP_INVALID;
    /// The old, placeholder name of [`ErrorCode::CORP_TOKEN_ACCESS_KEY_INVALID`] (`853003`).
    #[deprecated(note = "853003 is an unknown accessKey: use CORP_TOKEN_ACCESS_KEY_INVALID")]
    pub const CORP_TOKEN_SIGNATURE_853003: ErrorCode = ErrorCode::CORP_TOKEN_ACCESS_KEY_INVALID;
    /// The old, placeholder name of [`ErrorCode::CORP_TOKEN_SIGNATURE_MISMATCH`] (`853004`).
    #[deprecated(note = "use CORP_TOKEN_SIGNATURE_MISMATCH")]
    pub const CORP_TOKEN_SIGNATURE_853004: ErrorCode = ErrorCode::CORP_TOKEN_SIGNATURE_MISMATCH;
    /// The old, placeholder name of [`ErrorCode::CORP_TOKEN_SUITE_TICKET_INVALID`] (`853005`).
    #[deprecated(note = "853005 is an invalid suiteTicket: use CORP_TOKEN_SUITE_TICKET_INVALID")]
    pub const CORP_TOKEN_SIGNATURE_853005: ErrorCode = ErrorCode::CORP_TOKEN_SUITE_TICKET_INVALID;

    /// `400002` under the name its contact endpoints' pages give it ("invalid parameter").
    pub const INVALID_PARAMETER_400002: ErrorCode = ErrorCode::INVALID_RECALL_TARGET;

    /// The textual `sub_code`s the gateway is known to wrap under errcode 88, with the
    /// `errcode` each stands for. `Forbidden.AccessDenied.ApiCountLimitForOrg` is the
    /// monthly quota: DingTalk's help page "API调用量超过限额后,是否会有超额提示" names it
    /// beside errcode 90020 (<http://www.dingtalk.com/qidian/help-detail-1061621972.html>).
    const TEXT_SUB_CODES: [(&'static str, ErrorCode); 1] = [(
        "Forbidden.AccessDenied.ApiCountLimitForOrg",
        ErrorCode::MONTHLY_QUOTA_EXCEEDED,
    )];

    /// The code a `sub_code` stands for: a number (`"40014"`, `"60121"`), or a known textual
    /// code (`"Forbidden.AccessDenied.ApiCountLimitForOrg"` is `90020`); `None` for any
    /// other text (`"isv.invalid-parameter"`).
    ///
    /// ```
    /// use dingtalk_notify_proto::ErrorCode;
    /// assert_eq!(ErrorCode::from_sub_code(" 60121"), Some(ErrorCode::USER_NOT_FOUND));
    /// assert_eq!(
    ///     ErrorCode::from_sub_code("Forbidden.AccessDenied.ApiCountLimitForOrg"),
    ///     Some(ErrorCode::MONTHLY_QUOTA_EXCEEDED)
    /// );
    /// assert_eq!(ErrorCode::from_sub_code("isv.invalid-parameter"), None);
    /// ```
    pub fn from_sub_code(sub_code: &str) -> Option<Self> {
        let sub_code = sub_code.trim();
        if let Ok(code) = sub_code.parse() {
            return Some(Self(code));
        }
        Self::TEXT_SUB_CODES
            .iter()
            .find(|(text, _)| text.eq_ignore_ascii_case(sub_code))
            .map(|(_, code)| *code)
    }

    /// Wraps any `errcode`.
    pub const fn new(code: i64) -> Self {
        Self(code)
    }

    /// The raw `errcode`.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// `errcode == 0`.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// What the code asks of the caller; `None` for success (`0`). Unknown codes are
    /// [`ErrorClass::Permanent`]: an unknown failure is not retried blindly.
    pub const fn class(self) -> Option<ErrorClass> {
        Some(match self.0 {
            0 => return None,
            -1 | 500 | 143103 | 143104 | 143203 | 143204 => ErrorClass::Retryable,
            90002 | 90018 | 90019 => ErrorClass::Throttled,
            90001 | 90003..=90014 | 90017 => ErrorClass::Banned,
            33001 | 40001 | 40014 | 42001 => ErrorClass::TokenRejected,
            _ => ErrorClass::Permanent,
        })
    }

    const fn is(self, class: ErrorClass) -> bool {
        match self.class() {
            Some(c) => c as u8 == class as u8,
            None => false,
        }
    }

    /// The temporary call bans `90001`, `90003`–`90014` and `90017`; back off for long.
    pub const fn is_banned(self) -> bool {
        self.is(ErrorClass::Banned)
    }

    /// A failure worth retrying: [`Retryable`](ErrorClass::Retryable),
    /// [`Throttled`](ErrorClass::Throttled) or [`Banned`](ErrorClass::Banned). DingTalk
    /// refused the call, so even a send may be repeated.
    pub const fn is_retryable(self) -> bool {
        self.is(ErrorClass::Retryable) || self.is(ErrorClass::Throttled) || self.is_banned()
    }

    /// Any rate limit or quota: per-second, per-minute, per-day, duplicate content, bans and
    /// the monthly quota.
    pub const fn is_rate_limited(self) -> bool {
        matches!(
            self.0,
            143103 | 143104 | 143105 | 143106 | 143203 | 143204 | 143205 | 143206 | 90020
        ) || self.is(ErrorClass::Throttled)
            || self.is_banned()
    }

    /// The access token was refused (`40014`, `42001`, `40001`, `33001`): refresh it and
    /// replay the call once.
    pub const fn is_token_rejected(self) -> bool {
        self.is(ErrorClass::TokenRejected)
    }

    /// A failure that repeating the same call cannot fix (a caller bug, a daily limit, a
    /// quota): neither success, retryable nor a rejected token.
    pub const fn is_permanent(self) -> bool {
        self.is(ErrorClass::Permanent)
    }

    /// The least wait before a retry, where the reference names one: one second after a
    /// per-second rate limit (`90002`, `90018`, `90019`). Bans use the retry policy's
    /// longer `ban_floor`.
    pub const fn min_retry_delay(self) -> Option<Duration> {
        if self.is(ErrorClass::Throttled) {
            Some(Duration::from_secs(1))
        } else {
            None
        }
    }

    /// What to do about this code, in one sentence, where there is something to say.
    /// Where the meaning depends on the endpoint, prefer the endpoint's
    /// [`Endpoint::hint`](crate::Endpoint::hint).
    pub fn hint(self) -> Option<&'static str> {
        hint::hint(self.0, None)
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "ErrorCode({} {d})", self.0),
            None => write!(f, "ErrorCode({})", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "{} ({d})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl From<i64> for ErrorCode {
    fn from(code: i64) -> Self {
        Self(code)
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::lenient::<D, i64>(d).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_is_in_one_class_and_described() {
        for c in ErrorCode::KNOWN.iter().copied().filter(|c| !c.is_ok()) {
            assert!(c.description().is_some(), "{c:?} has no description");
            let classes = [c.is_retryable(), c.is_token_rejected(), c.is_permanent()];
            assert_eq!(
                classes.iter().filter(|b| **b).count(),
                1,
                "{c}: {classes:?}"
            );
        }
        assert_eq!(ErrorCode::OK.class(), None);
        assert!(!ErrorCode::OK.is_permanent() && !ErrorCode::OK.is_retryable());
    }

    #[test]
    fn known_codes_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ErrorCode::KNOWN {
            assert!(seen.insert(c.get()), "{c:?} is listed twice");
        }
    }

    #[test]
    fn reads_numbers_and_strings() {
        let c: ErrorCode = serde_json::from_str("\"143106\"").unwrap();
        assert_eq!(c, ErrorCode::DUPLICATE_CONTENT);
        let c: ErrorCode = serde_json::from_str("-1").unwrap();
        assert_eq!(c, ErrorCode::SYSTEM_BUSY);
    }
}
