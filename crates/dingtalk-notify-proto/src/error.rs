//! The error family: [`BuildError`] before anything is sent, [`ResponseError`] for what came
//! back, and [`Error`] wrapping both with the transport's own error: one request's failure.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::redaction::{redact_secrets, redact_values};

mod build;
mod call;

pub use build::BuildError;
pub use call::Error;

pub use crate::api_error::{ApiError, TopError};

/// Response bytes kept for diagnosis; `Display` and `Debug` show at most 256 bytes of them,
/// with the values of credential keys (`access_token`, `appsecret`, `suiteTicket`, ...)
/// redacted. [`RawBody::as_bytes`] returns them whole and unredacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawBody(Vec<u8>);

impl RawBody {
    const SHOWN: usize = 256;

    /// Keeps these bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// All the bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, taken out.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Display for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(Self::SHOWN)];
        let text = String::from_utf8_lossy(shown);
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let text = redact_secrets(&text);
        if self.0.is_empty() {
            f.write_str("(empty body)")
        } else if self.0.len() > Self::SHOWN {
            write!(f, "{:?}… ({} bytes)", text.trim(), self.0.len())
        } else {
            write!(f, "{:?}", text.trim())
        }
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody({self})")
    }
}

/// What came back could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// DingTalk answered with an envelope whose `errcode` is not 0 (even under HTTP 200).
    #[error(transparent)]
    Api(ApiError),
    /// The old TOP gateway's `{"error_response":{"code":…,"sub_code":…}}`.
    #[error(transparent)]
    Top(TopError),
    /// A non-2xx status whose body is not a DingTalk envelope (a gateway's HTML 502, say).
    #[error("HTTP {status} without a DingTalk envelope; body: {body}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The body, kept whole; shown cut.
        body: RawBody,
    },
    /// The gateway's IP throttle page, `{"status":1111,"wait":5,"punish":"deny"}`: too many
    /// calls from this IP (over 10,000 in 20 s). Wait before calling again.
    #[error(
        "throttled by DingTalk's gateway (status {code}, punish {punish:?}); wait {wait:?} before calling again"
    )]
    Throttled {
        /// The HTTP status.
        status: StatusCode,
        /// The page's `status` field (1111).
        code: i64,
        /// The page's `wait`, when given.
        wait: Option<Duration>,
        /// The page's `punish`, when given.
        punish: Option<String>,
    },
    /// A 2xx body that is not valid JSON, is truncated, or lacks a field the response needs.
    #[error("could not decode the response{}: {reason}; body: {body}", field.as_ref().map(|f| format!(" at `{f}`")).unwrap_or_default())]
    Decode {
        /// The HTTP status.
        status: StatusCode,
        /// The field serde was reading, when it knows (`send_result.read_user_id_list[0]`).
        field: Option<String>,
        /// What went wrong.
        reason: String,
        /// The body, kept whole; shown cut.
        body: RawBody,
    },
}

impl ResponseError {
    /// This error with `secrets` cut out of everything the answer put in it (`errmsg`,
    /// `sub_code`, `sub_msg`, `request_id`, the throttle page's `punish`, bodies), in every
    /// form [`redact_values`] knows (raw, percent-encoded, JSON-escaped, any ASCII case): a
    /// gateway may echo the request URL, token and all, into its error page.
    /// The blocking client passes every answer's error through this with the token it sent.
    #[must_use]
    pub fn without_secrets(self, secrets: &[&str]) -> Self {
        const MIN: usize = 4;
        const MARK: &str = "[redacted]";
        let clean = |text: String| match redact_values(&text, secrets, MARK, MIN) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(t) => t,
        };
        let clean_body = |body: RawBody| {
            if crate::redaction::contains_values(body.as_bytes(), secrets, MIN) {
                let text = String::from_utf8_lossy(body.as_bytes()).into_owned();
                RawBody::new(clean(text).into_bytes())
            } else {
                body
            }
        };
        match self {
            Self::Api(mut api) => {
                api.errmsg = clean(api.errmsg);
                api.sub_code = api.sub_code.map(clean);
                api.sub_msg = api.sub_msg.map(clean);
                api.request_id = api.request_id.map(clean);
                Self::Api(api)
            }
            Self::Throttled {
                status,
                code,
                wait,
                punish,
            } => Self::Throttled {
                status,
                code,
                wait,
                punish: punish.map(clean),
            },
            Self::Top(mut top) => {
                top.msg = clean(top.msg);
                top.sub_code = top.sub_code.map(clean);
                top.sub_msg = top.sub_msg.map(clean);
                top.request_id = top.request_id.map(clean);
                Self::Top(top)
            }
            Self::Status { status, body } => Self::Status {
                status,
                body: clean_body(body),
            },
            Self::Decode {
                status,
                field,
                reason,
                body,
            } => Self::Decode {
                status,
                field: field.map(clean),
                reason: clean(reason),
                body: clean_body(body),
            },
        }
    }

    /// The API error, if DingTalk answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Api(e) => e.status,
            Self::Top(e) => e.status,
            Self::Status { status, .. }
            | Self::Throttled { status, .. }
            | Self::Decode { status, .. } => *status,
        }
    }

    /// Whether DingTalk said, unambiguously, that the call failed in a way worth retrying:
    /// a retryable code (also wrapped as errcode 88), or the gateway's throttle page.
    /// Gateway statuses (5xx, 429) are ambiguous for a send; see
    /// [`RetryPolicy`](crate::RetryPolicy) for the full rule.
    pub fn is_retryable_answer(&self) -> bool {
        match self {
            Self::Api(e) => e.is_retryable(),
            Self::Throttled { .. } => true,
            Self::Top(_) | Self::Status { .. } | Self::Decode { .. } => false,
        }
    }

    /// Records the endpoint on an API error, so its hint fits the endpoint.
    #[must_use]
    pub(crate) fn with_call(self, call: crate::code::hint::Call) -> Self {
        match self {
            Self::Api(e) => Self::Api(e.with_call(call)),
            other => other,
        }
    }
}
