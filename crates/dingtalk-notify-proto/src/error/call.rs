//! [`Error`]: a whole call's failure, generic over the transport's error.

use std::fmt;
use std::time::Duration;

use super::{ApiError, BuildError, ResponseError};
use crate::code::ErrorCode;
use crate::ids::TaskId;

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
    /// The recipient budget (a shared store, say) failed; nothing was sent.
    Budget(Box<dyn std::error::Error + Send + Sync + 'static>),
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
            Self::Budget(e) => Error::Budget(e),
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
            Self::Budget(e) => write!(f, "the recipient budget failed, nothing was sent: {e}"),
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
            Self::TokenProvider(e) | Self::Budget(e) => Some(e.as_ref()),
        }
    }
}
