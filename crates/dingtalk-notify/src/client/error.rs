//! [`Error`]: a call of the blocking client that failed, and the two questions users ask of
//! it: may the notification already be out ([`Error::may_have_been_sent`]), and is trying
//! again later safe and worth it ([`Error::is_retryable`]).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use dingtalk_notify_proto::retry::Failure;
use dingtalk_notify_proto::transport::{TransportError, TransportErrorKind};
use dingtalk_notify_proto::{ApiError, BuildError, ErrorCode, ResponseError, TaskId};

use crate::budget::BudgetError;

/// Everything that can go wrong with a call of the [`Client`](crate::Client), generic over
/// the transport's error `T` ([`TransportError`] for the ureq and isahc transports).
///
/// Two methods answer what a caller must decide:
/// - [`may_have_been_sent`](Self::may_have_been_sent): the request may have reached
///   DingTalk, so a send may already be in its users' hands. Never re-send blindly; look the
///   task up, or ask a human.
/// - [`is_retryable`](Self::is_retryable): the failure is transient *and* nothing was sent,
///   so the same call may be made again later (after a backoff), a send included.
///
/// Its `Display` (and its `Debug`, which is what a `main` returning the error prints) says
/// what happened, DingTalk's code, messages and request id, and what to do about it;
/// `{:#?}` shows the structure.
///
/// ```no_run
/// use dingtalk_notify::{Message, TokenSource, api::SendWorkNotification};
///
/// fn main() -> Result<(), dingtalk_notify::Error> {
///     let client = dingtalk_notify::client(TokenSource::app("dingkey", "app-secret"));
///     let send = SendWorkNotification::new(836390886, Message::text("Disk 91% on db-3"))
///         .to_users(["manager4220"]);
///     match client.send(&send) {
///         Ok(task) => println!("task {}", task.task_id),
///         Err(e) if e.may_have_been_sent() => eprintln!("outcome unknown, not resending: {e}"),
///         Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
///         // Returned from `main`: prints `Error: errcode 40056 (...); check agent_id: ...`.
///         Err(e) => return Err(e),
///     }
///     Ok(())
/// }
/// ```
#[non_exhaustive]
pub enum Error<T = TransportError> {
    /// The request was refused before it was built; nothing was sent.
    Build(BuildError),
    /// The answer was an API error or could not be used.
    Response(ResponseError),
    /// The transport failed (connect, TLS, timeout, reset, body over its cap).
    Transport(T),
    /// The call's overall deadline ([`RetryPolicy::deadline`](crate::RetryPolicy::deadline),
    /// or the track policy's for [`Client::track`](crate::Client::track)) passed before it
    /// succeeded; `last` is the last failure.
    Deadline {
        /// The deadline.
        deadline: Duration,
        /// How many attempts (or, for a track, polls) were made.
        attempts: u32,
        /// The last failure before the deadline (none when a track's polls all succeeded
        /// without the task completing).
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
    /// A caller-supplied [`TokenProvider`](crate::TokenProvider) failed; nothing was sent.
    TokenProvider(Box<dyn StdError + Send + Sync + 'static>),
    /// The recipient budget refused the send (more users than the whole budget) or failed
    /// (a shared store); nothing was sent.
    Budget(BudgetError),
}

impl<T: StdError + 'static> Error<T> {
    /// Whether the request may have reached DingTalk: for a send, whether the notification
    /// may already be out. `false` when the client is sure nothing was acted on (refused
    /// before sending, a connection that never opened, an `errcode` answer); `true` after a
    /// timeout, a reset, an unusable answer or a gateway status without DingTalk's envelope.
    ///
    /// A send that may have been sent is never repeated by the client; do not repeat it
    /// yourself without checking ([`Client::progress`](crate::Client::progress) on its task,
    /// if you have one, or the recipients).
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Self::Build(_)
            | Self::OutsideWindow { .. }
            | Self::TokenProvider(_)
            | Self::Budget(_) => false,
            Self::Response(r) => match r {
                // DingTalk (or its gateway) refused the call in so many words.
                ResponseError::Api(_) | ResponseError::Top(_) | ResponseError::Throttled { .. } => {
                    false
                }
                // A gateway's page or an unusable 2xx: the call may have gone through.
                _ => true,
            },
            Self::Transport(t) => !transport_kind(t).nothing_sent(),
            Self::Deadline { last, .. } => last.as_deref().is_some_and(Self::may_have_been_sent),
        }
    }

    /// Whether the same call may be made again later, and may then succeed: the failure is
    /// transient (a busy system, a rate limit, a per-minute quota, a connection that could
    /// not be opened, a shared store that failed) and nothing was sent, so even a send is
    /// safe to repeat. The client already retried within its deadline; a caller retries
    /// later, with backoff.
    ///
    /// Calls other than a send (progress, result, status bar, recall) are harmless to repeat
    /// even when [`may_have_been_sent`](Self::may_have_been_sent) is true.
    pub fn is_retryable(&self) -> bool {
        if self.may_have_been_sent() {
            return false;
        }
        match self {
            Self::Build(_) | Self::OutsideWindow { .. } => false,
            Self::Response(r) => r.is_retryable_answer(),
            Self::Transport(t) => transport_kind(t).is_transient(),
            Self::Deadline { last, .. } => last.as_deref().is_none_or(Self::is_retryable),
            Self::TokenProvider(_) => true,
            Self::Budget(b) => matches!(b, BudgetError::Store(_)),
        }
    }
}

/// The kind of a transport error: the ureq and isahc transports' [`TransportError`], an
/// [`io::Error`](std::io::Error), or either as a source; anything else is `Unknown`, which
/// counts as ambiguous (the same rule as [`Transport::classify`](crate::Transport::classify)).
fn transport_kind(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<TransportError>() {
            return t.kind();
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return TransportErrorKind::from_io(io.kind());
        }
        next = e.source();
    }
    TransportErrorKind::Unknown
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

    /// What to do about it, in one sentence, when DingTalk answered with a code that has
    /// one (fitted to the endpoint). `Display` includes it.
    pub fn hint(&self) -> Option<&'static str> {
        self.api().and_then(ApiError::hint)
    }

    /// What the failure is to the retry policy; `kind` classifies the transport's error.
    pub(crate) fn failure(&self, kind: impl Fn(&T) -> TransportErrorKind) -> Failure {
        match self {
            Self::Response(r) => Failure::of_response(r),
            Self::Transport(t) => Failure::Transport(kind(t)),
            _ => Failure::Fatal,
        }
    }
}

impl<T> From<dingtalk_notify_proto::Error<T>> for Error<T> {
    fn from(e: dingtalk_notify_proto::Error<T>) -> Self {
        match e {
            dingtalk_notify_proto::Error::Build(e) => Self::Build(e),
            dingtalk_notify_proto::Error::Response(e) => Self::Response(e),
            dingtalk_notify_proto::Error::Transport(e) => Self::Transport(e),
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

impl<T> From<BudgetError> for Error<T> {
    fn from(e: BudgetError) -> Self {
        Self::Budget(e)
    }
}

impl<T> Error<T> {
    /// The message, with `transport` writing the transport's error.
    fn describe(
        &self,
        f: &mut fmt::Formatter<'_>,
        transport: fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result,
    ) -> fmt::Result {
        match self {
            Self::Build(e) => write!(f, "invalid request: {e}"),
            Self::Response(e) => fmt::Display::fmt(e, f),
            Self::Transport(e) => {
                f.write_str("transport failed: ")?;
                transport(e, f)
            }
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
                    f.write_str("; last failure: ")?;
                    last.describe(f, transport)?;
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
            Self::Budget(BudgetError::Window(e)) => {
                write!(
                    f,
                    "the recipient budget refused the send: {e}; nothing was sent"
                )
            }
            Self::Budget(e) => write!(f, "the recipient budget failed, nothing was sent: {e}"),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Error<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f, |t, f| fmt::Display::fmt(t, f))
    }
}

/// `{:?}` is the `Display` text, hint included (with the transport's error in its `Debug`
/// form), so a `main` that returns the error prints what to do; `{:#?}` shows the
/// structure.
impl<T: fmt::Debug> fmt::Debug for Error<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !f.alternate() {
            return self.describe(f, |t, f| fmt::Debug::fmt(t, f));
        }
        match self {
            Self::Build(e) => f.debug_tuple("Build").field(e).finish(),
            Self::Response(e) => f.debug_tuple("Response").field(e).finish(),
            Self::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Self::Deadline {
                deadline,
                attempts,
                last,
            } => f
                .debug_struct("Deadline")
                .field("deadline", deadline)
                .field("attempts", attempts)
                .field("last", last)
                .finish(),
            Self::OutsideWindow {
                task_id,
                operation,
                age,
                window,
            } => f
                .debug_struct("OutsideWindow")
                .field("task_id", task_id)
                .field("operation", operation)
                .field("age", age)
                .field("window", window)
                .finish(),
            Self::TokenProvider(e) => f.debug_tuple("TokenProvider").field(e).finish(),
            Self::Budget(e) => f.debug_tuple("Budget").field(e).finish(),
        }
    }
}

impl<T: StdError + 'static> StdError for Error<T> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Build(e) => Some(e),
            Self::Response(e) => Some(e),
            Self::Transport(e) => Some(e),
            Self::Deadline { last, .. } => last.as_deref().map(|l| l as _),
            Self::OutsideWindow { .. } => None,
            Self::TokenProvider(e) => Some(e.as_ref()),
            Self::Budget(e) => Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use dingtalk_notify_proto::TaskId;

    use super::*;

    #[derive(Debug)]
    struct ConnRefused;

    impl fmt::Display for ConnRefused {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("connection refused")
        }
    }

    impl StdError for ConnRefused {}

    fn busy() -> Error<ConnRefused> {
        Error::Response(ResponseError::Api(
            ApiError::new(ErrorCode::SYSTEM_BUSY, "busy").with_request_id("rq"),
        ))
    }

    #[test]
    fn a_deadline_shows_its_last_failure_and_hint() {
        let err = Error::Deadline {
            deadline: Duration::from_secs(30),
            attempts: 3,
            last: Some(Box::new(busy())),
        };
        let text = "deadline of 30s exceeded after 3 attempt(s); last failure: DingTalk error -1 \
                    (system busy): busy [request_id rq]; DingTalk is busy; retry later with backoff";
        assert_eq!(err.to_string(), text);
        // What `fn main() -> Result<(), Error>` prints: the hint included.
        assert_eq!(format!("{err:?}"), text);
        assert!(
            format!("{err:#?}").starts_with("Deadline {\n    deadline: 30s,\n    attempts: 3,")
        );
        assert_eq!(err.code(), Some(ErrorCode::SYSTEM_BUSY));
        assert_eq!(err.request_id(), Some("rq"));
        assert_eq!(
            err.hint(),
            Some("DingTalk is busy; retry later with backoff")
        );
        assert!(
            err.source()
                .is_some_and(|s| s.to_string().contains("system busy"))
        );
        assert!(!err.may_have_been_sent() && err.is_retryable());

        let bare: Error<ConnRefused> = Error::Deadline {
            deadline: Duration::from_millis(1500),
            attempts: 0,
            last: None,
        };
        assert_eq!(
            bare.to_string(),
            "deadline of 1.5s exceeded after 0 attempt(s)"
        );
        assert!(bare.source().is_none() && bare.code().is_none());
    }

    #[test]
    fn the_transport_error_shows_in_both_forms() {
        let err: Error<ConnRefused> = Error::Transport(ConnRefused);
        assert_eq!(err.to_string(), "transport failed: connection refused");
        assert_eq!(format!("{err:?}"), "transport failed: ConnRefused");
        // An error the client cannot classify counts as ambiguous.
        assert!(err.may_have_been_sent() && !err.is_retryable());
        let io: Error<std::io::Error> =
            Error::Transport(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!io.may_have_been_sent() && io.is_retryable());
        let reset: Error<std::io::Error> =
            Error::Transport(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(reset.may_have_been_sent() && !reset.is_retryable());
    }

    #[test]
    fn local_refusals_sent_nothing() {
        let window: Error<ConnRefused> = Error::OutsideWindow {
            task_id: TaskId(256271667526),
            operation: "getsendresult",
            age: Duration::from_secs(90_000),
            window: Duration::from_secs(86_400),
        };
        assert_eq!(
            window.to_string(),
            "task 256271667526 was sent 90000s ago, but getsendresult only accepts tasks sent \
             within the last 86400s; nothing was sent"
        );
        assert!(window.source().is_none());
        assert!(format!("{window:#?}").contains("operation: \"getsendresult\""));
        assert!(!window.may_have_been_sent() && !window.is_retryable());

        let provider: Error<ConnRefused> =
            Error::TokenProvider(Box::new(std::io::Error::other("vault unreachable")));
        assert_eq!(
            provider.to_string(),
            "the access-token provider failed: vault unreachable"
        );
        assert_eq!(
            provider.source().map(ToString::to_string).as_deref(),
            Some("vault unreachable")
        );
        assert!(!provider.may_have_been_sent() && provider.is_retryable());

        let over: Error<ConnRefused> = Error::Budget(BudgetError::Window(
            dingtalk_notify_proto::campaign::BudgetWindowError::LargerThanBudget {
                requested: 6000,
                budget: 5000,
            },
        ));
        assert!(
            over.to_string()
                .starts_with("the recipient budget refused the send: 6000")
        );
        assert!(over.to_string().ends_with("nothing was sent"));
        assert!(!over.may_have_been_sent() && !over.is_retryable());
        let store: Error<ConnRefused> = Error::Budget(BudgetError::Store(Box::new(
            std::io::Error::other("redis down"),
        )));
        assert!(!store.may_have_been_sent() && store.is_retryable());
    }

    #[test]
    fn a_core_error_converts_variant_for_variant() {
        let e: Error<ConnRefused> = dingtalk_notify_proto::Error::Transport(ConnRefused).into();
        assert!(matches!(e, Error::Transport(ConnRefused)));
        let e: Error<ConnRefused> =
            dingtalk_notify_proto::Error::Build(BuildError::NoRecipients).into();
        assert!(matches!(e, Error::Build(BuildError::NoRecipients)));
        let e: Error<ConnRefused> = dingtalk_notify_proto::Error::Response(ResponseError::Api(
            ApiError::new(ErrorCode::INVALID_AGENT_ID, "x"),
        ))
        .into();
        assert_eq!(e.code(), Some(ErrorCode::INVALID_AGENT_ID));
    }
}
