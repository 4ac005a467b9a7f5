//! What DingTalk says when a call fails: [`ApiError`] for the oapi envelope (`errcode`,
//! with the `sub_code` wrapping of `/topapi/...` paths), [`TopError`] for the old TOP
//! gateway's `error_response`.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::code::hint::{self, Call};
use crate::code::{ErrorClass, ErrorCode};
use crate::redaction::redact_secrets;

/// DingTalk answered with a non-zero `errcode`.
///
/// On `/topapi/...` paths the gateway wraps many errors as `errcode` 88 with a string
/// `sub_code` and a `sub_msg`; a rejected token there is `88` / `"40014"`. Every classifier
/// here works on the [`effective_code`](Self::effective_code), so a wrapped error is treated
/// like the code it wraps.
///
/// Its `Display` names the code, DingTalk's messages, the request id and, where known, what
/// to do about it (fitted to the endpoint the answer came from).
///
/// ```
/// use dingtalk_notify_proto::api::GetSendResult;
/// use dingtalk_notify_proto::{Endpoint, ErrorCode};
/// let body = r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token",
///     "errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"r1"}"#;
/// let err = GetSendResult::parse_response(http::Response::new(body)).unwrap_err();
/// let api = err.api().unwrap();
/// assert_eq!(api.code, ErrorCode::SEE_SUB_CODE);
/// assert_eq!(api.effective_code(), ErrorCode::INVALID_ACCESS_TOKEN);
/// assert!(api.is_token_rejected());
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The `errcode`.
    pub code: ErrorCode,
    /// The `errmsg` (empty when absent).
    pub errmsg: String,
    /// The `sub_code`, when present (mostly with errcode 88), as its text.
    pub sub_code: Option<String>,
    /// The `sub_msg`, when present (also without a `sub_code`, as with errcode 22).
    pub sub_msg: Option<String>,
    /// The `request_id`, to quote to DingTalk support.
    pub request_id: Option<String>,
    /// The HTTP status it came with (usually 200).
    pub status: StatusCode,
    /// The endpoint the answer came from, when known; hints use it.
    endpoint: Option<Call>,
}

impl ApiError {
    /// An error with this code and `errmsg`, under HTTP 200, without sub-code, request id
    /// or path (for tests and for transports that synthesize errors).
    pub fn new(code: ErrorCode, errmsg: impl Into<String>) -> Self {
        Self {
            code,
            errmsg: errmsg.into(),
            sub_code: None,
            sub_msg: None,
            request_id: None,
            status: StatusCode::OK,
            endpoint: None,
        }
    }

    /// Sets the `sub_code`.
    #[must_use]
    pub fn with_sub_code(mut self, sub_code: impl Into<String>) -> Self {
        self.sub_code = Some(sub_code.into());
        self
    }

    /// Sets the `sub_msg`.
    #[must_use]
    pub fn with_sub_msg(mut self, sub_msg: impl Into<String>) -> Self {
        self.sub_msg = Some(sub_msg.into());
        self
    }

    /// Sets the `request_id`.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Records the endpoint the answer came from, so the hint fits it (what the endpoints'
    /// parsers do).
    #[must_use]
    pub(crate) fn with_call(mut self, call: Call) -> Self {
        self.endpoint = Some(call);
        self
    }

    /// Whether the endpoint the answer came from is known: it is when an endpoint's
    /// [`parse_response`](crate::Endpoint::parse_response) made this error.
    pub fn knows_endpoint(&self) -> bool {
        self.endpoint.is_some()
    }

    /// The code that says what happened: under `errcode` 88, the `sub_code` when it is a
    /// number (`"40014"`, `"60011"`, `"90018"`) or a known textual code
    /// ([`ErrorCode::from_sub_code`]); otherwise the `errcode` itself. Any other textual
    /// `sub_code` leaves 88, which is permanent.
    pub fn effective_code(&self) -> ErrorCode {
        if self.code == ErrorCode::SEE_SUB_CODE {
            if let Some(sub) = self.sub_code.as_deref().and_then(ErrorCode::from_sub_code) {
                return sub;
            }
        }
        self.code
    }

    /// The [`ErrorClass`] of the [`effective_code`](Self::effective_code).
    pub fn class(&self) -> ErrorClass {
        self.effective_code()
            .class()
            .unwrap_or(ErrorClass::Permanent)
    }

    /// The token was refused, also when wrapped as 88: refresh it and replay once.
    pub fn is_token_rejected(&self) -> bool {
        self.class() == ErrorClass::TokenRejected
    }

    /// Worth retrying (transient, throttled or banned), also when wrapped as 88.
    pub fn is_retryable(&self) -> bool {
        self.effective_code().is_retryable()
    }

    /// A temporary ban, also when wrapped as 88.
    pub fn is_banned(&self) -> bool {
        self.class() == ErrorClass::Banned
    }

    /// Any rate limit or quota, also when wrapped as 88.
    pub fn is_rate_limited(&self) -> bool {
        self.effective_code().is_rate_limited()
    }

    /// Repeating the call cannot help.
    pub fn is_permanent(&self) -> bool {
        self.class() == ErrorClass::Permanent
    }

    /// The least wait before a retry (one second after a per-second rate limit).
    pub fn min_retry_delay(&self) -> Option<Duration> {
        self.effective_code().min_retry_delay()
    }

    /// What to do about it, fitted to the endpoint when known.
    pub fn hint(&self) -> Option<&'static str> {
        hint::hint(self.effective_code().get(), self.endpoint)
    }
}

impl fmt::Display for ApiError {
    /// `DingTalk error 88 (see sub_code): ding talk error[…] (sub_code 40014: 不合法的…)
    /// [request_id r1]; fetch a new access token and retry once`. Credentials a server
    /// echoes in `errmsg` or `sub_msg` (`access_token=...`) are shown as `[redacted]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DingTalk error {}", self.code)?;
        if !self.errmsg.is_empty() {
            write!(f, ": {}", redact_secrets(&self.errmsg))?;
        }
        match (&self.sub_code, &self.sub_msg) {
            (Some(sub), Some(m)) => write!(f, " (sub_code {sub}: {})", redact_secrets(m))?,
            (Some(sub), None) => write!(f, " (sub_code {sub})")?,
            (None, Some(m)) => write!(f, " (sub_msg: {})", redact_secrets(m))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    /// Like a derived `Debug`, with echoed credentials redacted as in `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("errmsg", &redact_secrets(&self.errmsg))
            .field("sub_code", &self.sub_code)
            .field("sub_msg", &self.sub_msg.as_deref().map(redact_secrets))
            .field("request_id", &self.request_id)
            .field("status", &self.status)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// The old TOP gateway's error shape,
/// `{"error_response":{"code":50,"msg":"…","sub_code":"isv.invalid-parameter","sub_msg":"…"}}`.
///
/// Its codes are TOP's, not oapi `errcode`s, so it is kept apart from [`ApiError`]. It is
/// never retried: `isv.*` sub-codes are caller errors, and an `isp.*` service failure is
/// ambiguous for a send.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TopError {
    /// The TOP `code` (`50`, `41`, ...).
    pub code: i64,
    /// The `msg` (empty when absent).
    pub msg: String,
    /// The `sub_code` (`isv.invalid-parameter`, `isp.service-error`, ...).
    pub sub_code: Option<String>,
    /// The `sub_msg`.
    pub sub_msg: Option<String>,
    /// The `request_id`.
    pub request_id: Option<String>,
    /// The HTTP status it came with.
    pub status: StatusCode,
}

impl TopError {
    /// What to do about it, by the `sub_code`'s prefix.
    pub fn hint(&self) -> &'static str {
        match self.sub_code.as_deref() {
            Some(s) if s.starts_with("isv.") => {
                "the request was refused as invalid; fix what sub_code and sub_msg name"
            }
            Some(s) if s.starts_with("isp.") => {
                "a DingTalk service failed; try again later, and check first whether a send went out"
            }
            _ => "an old TOP gateway answered; check the base URL (it should be the oapi host)",
        }
    }
}

impl fmt::Display for TopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DingTalk TOP gateway error {}", self.code)?;
        if !self.msg.is_empty() {
            write!(f, ": {}", redact_secrets(&self.msg))?;
        }
        match (&self.sub_code, &self.sub_msg) {
            (Some(sub), Some(m)) => write!(f, " (sub_code {sub}: {})", redact_secrets(m))?,
            (Some(sub), None) => write!(f, " (sub_code {sub})")?,
            (None, Some(m)) => write!(f, " (sub_msg: {})", redact_secrets(m))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        write!(f, "; {}", self.hint())
    }
}

impl fmt::Debug for TopError {
    /// Like a derived `Debug`, with echoed credentials redacted as in `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopError")
            .field("code", &self.code)
            .field("msg", &redact_secrets(&self.msg))
            .field("sub_code", &self.sub_code)
            .field("sub_msg", &self.sub_msg.as_deref().map(redact_secrets))
            .field("request_id", &self.request_id)
            .field("status", &self.status)
            .finish()
    }
}

impl std::error::Error for TopError {}
