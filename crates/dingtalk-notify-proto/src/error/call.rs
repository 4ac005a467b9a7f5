//! [`Error`]: one request's failure, generic over the transport's error.

use std::fmt;

use super::{ApiError, BuildError, ResponseError};
use crate::code::ErrorCode;

/// One request's failure (build → send → parse), generic over the transport's error `T`.
///
/// What a driver adds around a request (deadlines, retries, windows, token providers,
/// budgets) belongs to the driver's own error: the blocking client's is
/// `dingtalk_notify::Error`, which converts from this one.
///
/// Exhaustive: a request fails before it is sent, in the transport, or in its answer.
#[derive(Debug)]
pub enum Error<T = std::convert::Infallible> {
    /// The request was refused before it was built; nothing was sent.
    Build(BuildError),
    /// The answer was an API error or could not be used.
    Response(ResponseError),
    /// The transport failed (connect, TLS, timeout, reset, body over its cap).
    Transport(T),
}

impl<T> Error<T> {
    /// The API error, if DingTalk answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Response(r) => r.api(),
            _ => None,
        }
    }

    /// The `errcode`, if DingTalk answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api().map(|e| e.code)
    }

    /// The code that says what happened, if DingTalk answered with one: a numeric
    /// `sub_code` under errcode 88, else the `errcode` (see [`ApiError::effective_code`]).
    pub fn effective_code(&self) -> Option<ErrorCode> {
        self.api().map(ApiError::effective_code)
    }

    /// The `request_id` of the failing answer, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// Maps the transport error.
    pub fn map_transport<U>(self, f: impl FnOnce(T) -> U) -> Error<U> {
        match self {
            Self::Build(e) => Error::Build(e),
            Self::Response(e) => Error::Response(e),
            Self::Transport(e) => Error::Transport(f(e)),
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
        }
    }
}

impl<T: std::error::Error + 'static> std::error::Error for Error<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Build(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::Transport(e) => Some(e),
        }
    }
}
