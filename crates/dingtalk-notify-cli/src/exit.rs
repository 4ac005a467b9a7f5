//! Errors as the command reports them: a [`Failure`] with its [`Kind`], DingTalk's details and
//! the process exit code.

use std::fmt;

use dingtalk_notify::redaction::redact_values;
use dingtalk_notify::transport::{TransportError, TransportErrorKind};
use dingtalk_notify::{Error, ResponseError};

/// Exit code: success.
pub const SUCCESS: u8 = 0;
/// Exit code: DingTalk answered with a non-zero `errcode`.
pub const API: u8 = 1;
/// Exit code: invalid arguments or input; nothing was sent.
pub const INVALID_INPUT: u8 = 2;
/// Exit code: the transport failed (connect, timeout, TLS).
pub const TRANSPORT: u8 = 3;
/// Exit code: the answer could not be used.
pub const RESPONSE: u8 = 4;

/// What kind of failure it was, as `--json` names it in `error.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `"api"`: DingTalk answered with a non-zero `errcode`.
    Api,
    /// `"invalid_input"`: refused before anything was sent.
    InvalidInput,
    /// `"transport"`: no complete answer (connect, timeout, TLS, reset).
    Transport,
    /// `"response"`: an answer that could not be used.
    Response,
    /// `"deadline"`: the call's overall time limit passed; the exit code follows the last
    /// failure.
    Deadline,
    /// `"outside_window"`: the task is too old for the operation; nothing was sent.
    OutsideWindow,
    /// `"other"`: anything else.
    Other,
}

impl Kind {
    /// The name `--json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::InvalidInput => "invalid_input",
            Self::Transport => "transport",
            Self::Response => "response",
            Self::Deadline => "deadline",
            Self::OutsideWindow => "outside_window",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command that failed: what to tell the user and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The kind.
    pub kind: Kind,
    /// The exit code.
    pub exit_code: u8,
    /// DingTalk's `errcode`, when it answered with one.
    pub errcode: Option<i64>,
    /// DingTalk's `errmsg`, when it answered with one.
    pub errmsg: Option<String>,
    /// The `request_id` of the failing answer, to quote to DingTalk support.
    pub request_id: Option<String>,
    /// A sentence for humans.
    pub message: String,
}

impl Failure {
    /// Invalid arguments or input (exit 2).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::plain(Kind::InvalidInput, INVALID_INPUT, message)
    }

    /// A failure without DingTalk details.
    pub fn plain(kind: Kind, exit_code: u8, message: impl Into<String>) -> Self {
        Self {
            kind,
            exit_code,
            errcode: None,
            errmsg: None,
            request_id: None,
            message: message.into(),
        }
    }

    /// Classifies a client error.
    pub fn from_client(error: &Error<TransportError>) -> Self {
        let message = error.to_string();
        let (kind, exit_code) = classify(error);
        let api = error.api();
        Self {
            kind,
            exit_code,
            errcode: api.map(|a| a.code.get()),
            errmsg: api.map(|a| a.errmsg.clone()),
            request_id: error.request_id().map(str::to_owned),
            message,
        }
    }

    /// Replaces every occurrence of each (non-empty) secret in the texts, raw or
    /// percent-encoded, with `<redacted>` (the core's [`redact_values`]).
    #[must_use]
    pub fn redact<'a>(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let secrets: Vec<&str> = secrets.into_iter().collect();
        self.message = redact_values(&self.message, &secrets, "<redacted>", 1).into_owned();
        if let Some(m) = &mut self.errmsg {
            *m = redact_values(m, &secrets, "<redacted>", 1).into_owned();
        }
        self
    }
}

impl From<&Error<TransportError>> for Failure {
    fn from(error: &Error<TransportError>) -> Self {
        Self::from_client(error)
    }
}

impl From<Error<TransportError>> for Failure {
    fn from(error: Error<TransportError>) -> Self {
        Self::from_client(&error)
    }
}

/// The kind and exit code of a client error.
fn classify(error: &Error<TransportError>) -> (Kind, u8) {
    match error {
        Error::Build(_) => (Kind::InvalidInput, INVALID_INPUT),
        Error::OutsideWindow { .. } => (Kind::OutsideWindow, INVALID_INPUT),
        Error::Response(ResponseError::Api(_)) => (Kind::Api, API),
        Error::Response(_) => (Kind::Response, RESPONSE),
        Error::Transport(t) => match t.kind() {
            // The server answered, but not with anything usable.
            TransportErrorKind::BodyTooLarge | TransportErrorKind::Protocol => {
                (Kind::Response, RESPONSE)
            }
            _ => (Kind::Transport, TRANSPORT),
        },
        Error::Deadline { last, .. } => {
            let code = last.as_deref().map_or(TRANSPORT, |l| classify(l).1);
            (Kind::Deadline, code)
        }
        _ => (Kind::Other, TRANSPORT),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dingtalk_notify::http::StatusCode;
    use dingtalk_notify::{ApiError, BuildError, ErrorCode, RawBody, TaskId};

    use super::*;

    fn api(code: i64) -> Error<TransportError> {
        Error::Response(ResponseError::Api(
            ApiError::new(ErrorCode::new(code), "Invalid agentid").with_request_id("4jzllmte0wau"),
        ))
    }

    fn status502() -> Error<TransportError> {
        Error::Response(ResponseError::Status {
            status: StatusCode::BAD_GATEWAY,
            body: RawBody::new("<html>502</html>"),
        })
    }

    fn deadline(last: Option<Error<TransportError>>) -> Error<TransportError> {
        Error::Deadline {
            deadline: Duration::from_secs(1),
            attempts: 3,
            last: last.map(Box::new),
        }
    }

    #[test]
    fn each_error_maps_to_its_code() {
        let f = Failure::from_client(&api(40056));
        assert_eq!((f.kind, f.exit_code), (Kind::Api, API));
        assert_eq!(f.errcode, Some(40056));
        assert_eq!(f.errmsg.as_deref(), Some("Invalid agentid"));
        assert_eq!(f.request_id.as_deref(), Some("4jzllmte0wau"));

        let f = Failure::from_client(&Error::Build(BuildError::NoRecipients));
        assert_eq!((f.kind, f.exit_code), (Kind::InvalidInput, INVALID_INPUT));

        let f = Failure::from_client(&status502());
        assert_eq!((f.kind, f.exit_code), (Kind::Response, RESPONSE));

        let f = Failure::from_client(&Error::OutsideWindow {
            task_id: TaskId(1),
            operation: "recall",
            age: Duration::from_secs(90_000),
            window: Duration::from_secs(86_400),
        });
        assert_eq!((f.kind, f.exit_code), (Kind::OutsideWindow, INVALID_INPUT));
    }

    #[test]
    fn a_deadline_exits_as_its_last_failure() {
        let f = Failure::from_client(&deadline(Some(api(-1))));
        assert_eq!((f.kind, f.exit_code), (Kind::Deadline, API));
        assert_eq!(f.errcode, Some(-1));
        let f = Failure::from_client(&deadline(None));
        assert_eq!((f.kind, f.exit_code), (Kind::Deadline, TRANSPORT));
        let f = Failure::from_client(&deadline(Some(status502())));
        assert_eq!((f.kind, f.exit_code), (Kind::Deadline, RESPONSE));
    }

    #[test]
    fn redaction_covers_message_and_errmsg() {
        let mut f = Failure::invalid_input("token s3cr3t refused");
        f.errmsg = Some("s3cr3t".into());
        let f = f.redact(["s3cr3t", ""]);
        assert_eq!(f.message, "token <redacted> refused");
        assert_eq!(f.errmsg.as_deref(), Some("<redacted>"));
    }
}
