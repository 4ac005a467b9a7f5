//! The error family: [`BuildError`] before anything is sent, [`ResponseError`] for what came
//! back, and [`Error`] wrapping both with the transport's own error and the client's
//! deadlines and windows.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::code::ErrorCode;
use crate::ids::TaskId;
use crate::redaction::{redact_secrets, redact_values};

/// A request was refused before it was built: nothing was sent. The message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required text field is empty: `status_value`, a text or markdown body, a title, a
    /// media id, a user id, a credential.
    #[error("`{field}` must not be empty")]
    EmptyField {
        /// The field, as DingTalk names it (`status_value`, `msg.text.content`, ...).
        field: &'static str,
    },
    /// An id that DingTalk never issues as 0 (`agent_id`, `task_id`).
    #[error("`{field}` must not be 0; use the id from the developer console or the send answer")]
    ZeroId {
        /// The field (`agent_id`, `task_id`).
        field: &'static str,
    },
    /// A colour that is not `0xAARRGGBB`, `#RRGGBB` or `RRGGBB`.
    #[error("invalid colour {input:?}: expected 0xAARRGGBB, AARRGGBB, #RRGGBB or RRGGBB")]
    InvalidStatusColor {
        /// What was given (cut to 64 characters).
        input: String,
    },
    /// A send with no user, no department and no `to_all_user`.
    #[error("no recipients: give at least one user id or department id, or send to all users")]
    NoRecipients,
    /// More users or departments than one call may carry (see [`RecipientLimits`]).
    ///
    /// [`RecipientLimits`]: crate::api::asyncsend_v2::RecipientLimits
    #[error("too many {kind}: {count} given, at most {limit} per call; split the send")]
    TooManyRecipients {
        /// `"users"` or `"departments"`.
        kind: &'static str,
        /// How many were given.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A third-party (ISV) app asked for `to_all_user`, which DingTalk refuses.
    #[error("third-party (ISV) apps may not send to all users; list the recipients instead")]
    ToAllUserNotAllowed,
    /// A value DingTalk cannot take as it is (a user id with a comma, say).
    #[error("invalid `{field}` {value:?}: {reason}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// The offending value (cut to 64 characters).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A base URL that is not an absolute `http(s)` URL without query or credentials.
    #[error("invalid base URL {input:?}: {reason}")]
    InvalidBaseUrl {
        /// What was given (cut to 200 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain `http://` to a host that is not loopback.
    #[error("plain http:// is only allowed to loopback hosts, not {host:?}; use https://")]
    InsecureBaseUrl {
        /// The refused host.
        host: String,
    },
    /// The request URI could not be formed from the base URL, the path and the query (a
    /// base URL built by hand around [`BaseUrl`](crate::BaseUrl)'s checks).
    #[error("the request URI for `{path}` is invalid; check the base URL")]
    InvalidUri {
        /// The endpoint's path.
        path: &'static str,
    },
    /// The body could not be encoded as JSON (a bug: please report it).
    #[error("the request body could not be encoded: {0}")]
    Encode(String),
}

/// DingTalk answered with a non-zero `errcode`.
///
/// Its `Display` names the code, DingTalk's message, the request id and, where known, what to
/// do about it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The `errcode`.
    pub code: ErrorCode,
    /// The `errmsg`.
    pub errmsg: String,
    /// The `sub_code`, when present (with errcode 88).
    pub sub_code: Option<String>,
    /// The `sub_msg`, when present.
    pub sub_msg: Option<String>,
    /// The `request_id`, to quote to DingTalk support.
    pub request_id: Option<String>,
    /// The HTTP status it came with (usually 200).
    pub status: StatusCode,
}

impl ApiError {
    /// An error with this code and message under HTTP 200, without a sub-code or request id
    /// (set the public fields for more).
    pub fn new(code: ErrorCode, errmsg: impl Into<String>) -> Self {
        Self {
            code,
            errmsg: errmsg.into(),
            sub_code: None,
            sub_msg: None,
            request_id: None,
            status: StatusCode::OK,
        }
    }
}

impl fmt::Display for ApiError {
    /// Credentials a server echoes in `errmsg` or `sub_msg` (`access_token=...`) are shown as
    /// `[redacted]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DingTalk error {}", self.code)?;
        if !self.errmsg.is_empty() {
            write!(f, ": {}", redact_secrets(&self.errmsg))?;
        }
        if let Some(sub) = &self.sub_code {
            write!(f, " (sub_code {sub}")?;
            if let Some(m) = &self.sub_msg {
                write!(f, ": {}", redact_secrets(m))?;
            }
            f.write_str(")")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        if let Some(hint) = self.code.hint() {
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
            .finish()
    }
}

impl std::error::Error for ApiError {}

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
            Self::Status { status, .. }
            | Self::Throttled { status, .. }
            | Self::Decode { status, .. } => *status,
        }
    }

    /// Whether DingTalk said, unambiguously, that the call failed in a way worth retrying:
    /// a retryable `errcode`, or the gateway's throttle page. Gateway statuses (5xx, 429)
    /// are ambiguous for a send; see [`RetryPolicy`](crate::RetryPolicy) for the full rule.
    pub fn is_retryable_answer(&self) -> bool {
        match self {
            Self::Api(e) => e.code.is_retryable(),
            Self::Throttled { .. } => true,
            Self::Status { .. } | Self::Decode { .. } => false,
        }
    }
}

/// Everything that can go wrong with a call, generic over the transport's error `T`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<T = std::convert::Infallible> {
    /// The request was refused before it was built; nothing was sent.
    Build(BuildError),
    /// The answer was an API error or could not be used.
    Response(ResponseError),
    /// The transport failed (connect, TLS, timeout, reset, body over its cap).
    Transport(T),
    /// The call's overall deadline passed before it succeeded; `last` is the last failure.
    Deadline {
        /// The configured deadline.
        deadline: Duration,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure before the deadline, if any attempt was made.
        last: Option<Box<Error<T>>>,
    },
    /// The task is too old for this operation; refused locally, nothing was sent.
    OutsideWindow {
        /// The task.
        task_id: TaskId,
        /// What was attempted (`getsendresult`, `status_bar/update`, ...).
        operation: &'static str,
        /// How long ago the task was sent.
        age: Duration,
        /// How long the operation accepts tasks for.
        window: Duration,
    },
    /// A caller-supplied token provider failed.
    TokenProvider(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl<T> Error<T> {
    /// The API error, if DingTalk answered with one (also through a deadline's last error).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Response(r) => r.api(),
            Self::Deadline { last: Some(l), .. } => l.api(),
            _ => None,
        }
    }

    /// The `errcode`, if DingTalk answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api().map(|e| e.code)
    }

    /// The `request_id` of the failing answer, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// Maps the transport error.
    pub fn map_transport<U>(self, f: impl Fn(T) -> U + Copy) -> Error<U> {
        match self {
            Self::Build(e) => Error::Build(e),
            Self::Response(e) => Error::Response(e),
            Self::Transport(e) => Error::Transport(f(e)),
            Self::Deadline {
                deadline,
                attempts,
                last,
            } => Error::Deadline {
                deadline,
                attempts,
                last: last.map(|l| Box::new(l.map_transport(f))),
            },
            Self::OutsideWindow {
                task_id,
                operation,
                age,
                window,
            } => Error::OutsideWindow {
                task_id,
                operation,
                age,
                window,
            },
            Self::TokenProvider(e) => Error::TokenProvider(e),
        }
    }
}

impl<T> From<BuildError> for Error<T> {
    fn from(e: BuildError) -> Self {
        Self::Build(e)
    }
}

impl<T> From<ResponseError> for Error<T> {
    fn from(e: ResponseError) -> Self {
        Self::Response(e)
    }
}

impl<T: fmt::Display> fmt::Display for Error<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Build(e) => write!(f, "invalid request: {e}"),
            Self::Response(e) => fmt::Display::fmt(e, f),
            Self::Transport(e) => write!(f, "transport failed: {e}"),
            Self::Deadline {
                deadline,
                attempts,
                last,
            } => {
                write!(
                    f,
                    "deadline of {deadline:?} exceeded after {attempts} attempt(s)"
                )?;
                if let Some(last) = last {
                    write!(f, "; last failure: {last}")?;
                }
                Ok(())
            }
            Self::OutsideWindow {
                task_id,
                operation,
                age,
                window,
            } => write!(
                f,
                "task {task_id} was sent {}s ago, but {operation} only accepts tasks sent within \
                 the last {}s; nothing was sent",
                age.as_secs(),
                window.as_secs()
            ),
            Self::TokenProvider(e) => write!(f, "the access-token provider failed: {e}"),
        }
    }
}

impl<T: std::error::Error + 'static> std::error::Error for Error<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Build(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::Transport(e) => Some(e),
            Self::Deadline { last, .. } => last.as_deref().map(|l| l as _),
            Self::OutsideWindow { .. } => None,
            Self::TokenProvider(e) => Some(e.as_ref()),
        }
    }
}
