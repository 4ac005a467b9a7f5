//! [`ErrorCode`]: DingTalk's `errcode`, an open set with named constants and classifiers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A DingTalk `errcode`.
///
/// An open set, like [`http::StatusCode`]: every code in the reference pages has a named
/// constant, and any other value is kept as it came. Classify with [`is_retryable`],
/// [`is_rate_limited`], [`is_token_rejected`] and [`is_permanent`].
///
/// ```
/// use dingtalk_notify_proto::ErrorCode;
/// let code = ErrorCode::new(143103);
/// assert_eq!(code, ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED);
/// assert!(code.is_retryable() && code.is_rate_limited());
/// assert!(ErrorCode::ACCESS_TOKEN_EXPIRED.is_token_rejected());
/// assert!(ErrorCode::INVALID_AGENT_ID.is_permanent());
/// ```
///
/// [`is_retryable`]: ErrorCode::is_retryable
/// [`is_rate_limited`]: ErrorCode::is_rate_limited
/// [`is_token_rejected`]: ErrorCode::is_token_rejected
/// [`is_permanent`]: ErrorCode::is_permanent
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ErrorCode(i64);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:expr;)*) => {
        impl ErrorCode {
            $(
                $(#[$doc])*
                pub const $name: ErrorCode = ErrorCode($value);
            )*

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
    /// `22`: invalid method (unknown path).
    INVALID_METHOD = 22, "invalid method";
    /// `40`: a required argument is missing.
    MISSING_ARGUMENT = 40, "missing argument";
    /// `41`: an argument is invalid (for example `msg` sent as a string).
    INVALID_ARGUMENT = 41, "invalid argument";
    /// `88`: see `sub_code` and `sub_msg`.
    SEE_SUB_CODE = 88, "see sub_code";
    /// `500`: system error; transient.
    SYSTEM_ERROR = 500, "system error";
    /// `33001`: invalid corp id (token rejected).
    INVALID_CORP_ID = 33001, "invalid corp id";
    /// `40001`: invalid credential or secret (token rejected).
    INVALID_CREDENTIAL = 40001, "invalid credential";
    /// `40014`: invalid access token.
    INVALID_ACCESS_TOKEN = 40014, "invalid access token";
    /// `40035`: invalid parameter (check `task_id` and `agent_id`).
    INVALID_PARAMETER = 40035, "invalid parameter";
    /// `40056`: invalid agent id.
    INVALID_AGENT_ID = 40056, "invalid agent id";
    /// `41052`: too many recipients; sending results are no longer returned.
    TOO_MANY_RECIPIENTS_FOR_RESULT = 41052, "too many recipients for results";
    /// `42001`: the access token expired.
    ACCESS_TOKEN_EXPIRED = 42001, "access token expired";
    /// `90001`: calls temporarily banned for excess.
    CALLS_BANNED_90001 = 90001, "calls temporarily banned";
    /// `90002`: calls temporarily banned for excess.
    CALLS_BANNED_90002 = 90002, "calls temporarily banned";
    /// `90003`: calls temporarily banned for excess.
    CALLS_BANNED_90003 = 90003, "calls temporarily banned";
    /// `90004`: calls temporarily banned for excess.
    CALLS_BANNED_90004 = 90004, "calls temporarily banned";
    /// `90005`: calls temporarily banned for excess.
    CALLS_BANNED_90005 = 90005, "calls temporarily banned";
    /// `90006`: calls temporarily banned for excess.
    CALLS_BANNED_90006 = 90006, "calls temporarily banned";
    /// `90019`: ISV per-corp per-API rate (40 req/s) exceeded.
    ISV_CALL_RATE_EXCEEDED = 90019, "ISV per-corp call rate exceeded";
    /// `90020`: monthly call quota exceeded.
    MONTHLY_QUOTA_EXCEEDED = 90020, "monthly quota exceeded";
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

    /// The temporary call bans `90001`–`90006`; back off for a long time.
    pub const fn is_banned(self) -> bool {
        matches!(self.0, 90001..=90006)
    }

    /// A transient failure worth retrying with backoff: `-1`, `500`, the
    /// recipients-per-minute limits, the `9000x` bans and the ISV call rate (`90019`).
    pub const fn is_retryable(self) -> bool {
        matches!(self.0, -1 | 500 | 143103 | 143104 | 143203 | 143204 | 90019) || self.is_banned()
    }

    /// Any rate limit or quota: per-minute, per-day, duplicate content, bans and quotas.
    pub const fn is_rate_limited(self) -> bool {
        matches!(
            self.0,
            143103 | 143104 | 143105 | 143106 | 143203 | 143204 | 143205 | 143206 | 90019 | 90020
        ) || self.is_banned()
    }

    /// The access token was refused (`40014`, `42001`, `40001`, `33001`): refresh it and
    /// replay the call once.
    pub const fn is_token_rejected(self) -> bool {
        matches!(self.0, 40014 | 42001 | 40001 | 33001)
    }

    /// A failure that repeating the same call cannot fix (a caller bug, a daily limit, a
    /// quota): neither success, retryable nor a rejected token.
    pub const fn is_permanent(self) -> bool {
        !self.is_ok() && !self.is_retryable() && !self.is_token_rejected()
    }

    /// What to do about this code, in one sentence, where there is something to say.
    pub fn hint(self) -> Option<&'static str> {
        Some(match self.0 {
            -1 | 500 => "DingTalk is busy; retry later with backoff",
            22 => "the endpoint path is unknown; check the base URL and its path prefix",
            40 | 41 => "an argument is missing or invalid; check the request fields",
            88 => "see sub_code and sub_msg for the cause",
            33001 => "check the corp id the token was issued for",
            40001 => "check the app key and app secret",
            40014 | 42001 => "fetch a new access token and retry once",
            40035 => "check task_id and agent_id (tasks are only queryable for 24 hours)",
            40056 => "check agent_id: it must be the app's AgentId from the developer console",
            41052 => "the task has too many recipients or is still sending; query it later",
            90001..=90006 => "calls are banned for a while; back off for minutes before retrying",
            90019 => "over 40 calls per second to this corp; slow down",
            90020 => "the monthly quota is used up; calls fail until next month",
            143103 | 143104 | 143203 | 143204 => {
                "over the recipients-per-minute limit; retry after a minute"
            }
            143105 | 143205 => "this user reached today's message limit for the app",
            143106 | 143206 => "the same content was already sent to this user today",
            1430000 => "give at least one of userid_list, dept_id_list or to_all_user",
            1430002 => "the message contains prohibited words; change the content",
            1430004 => "the recipient has executive protection enabled",
            _ => return None,
        })
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
    fn every_named_code_is_classified_once() {
        for raw in [
            -1, 22, 40, 41, 88, 500, 33001, 40001, 40014, 40035, 40056, 41052, 42001, 90001, 90002,
            90003, 90004, 90005, 90006, 90019, 90020, 143103, 143104, 143105, 143106, 143203,
            143204, 143205, 143206, 1430000, 1430001, 1430002, 1430003, 1430004,
        ] {
            let c = ErrorCode::new(raw);
            assert!(c.description().is_some(), "{raw} has no description");
            let classes = [c.is_retryable(), c.is_token_rejected(), c.is_permanent()];
            assert_eq!(
                classes.iter().filter(|b| **b).count(),
                1,
                "{raw}: {classes:?}"
            );
        }
        assert!(!ErrorCode::OK.is_permanent() && !ErrorCode::OK.is_retryable());
    }

    #[test]
    fn classes_follow_the_reference() {
        for c in [-1, 500, 143103, 143104, 143203, 143204, 90001, 90006, 90019] {
            assert!(ErrorCode::new(c).is_retryable(), "{c}");
        }
        for c in [143105, 143106, 143205, 143206, 90020] {
            assert!(ErrorCode::new(c).is_rate_limited() && ErrorCode::new(c).is_permanent());
        }
        for c in [33001, 40001, 40014, 42001] {
            assert!(ErrorCode::new(c).is_token_rejected(), "{c}");
        }
        assert!(ErrorCode::new(123_456).is_permanent());
        assert_eq!(ErrorCode::new(123_456).to_string(), "123456");
        assert_eq!(
            ErrorCode::INVALID_AGENT_ID.to_string(),
            "40056 (invalid agent id)"
        );
    }

    #[test]
    fn reads_numbers_and_strings() {
        let c: ErrorCode = serde_json::from_str("\"143106\"").unwrap();
        assert_eq!(c, ErrorCode::DUPLICATE_CONTENT);
        let c: ErrorCode = serde_json::from_str("-1").unwrap();
        assert_eq!(c, ErrorCode::SYSTEM_BUSY);
    }
}
