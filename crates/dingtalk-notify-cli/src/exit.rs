//! Errors as the command reports them: a [`Failure`] with its [`Kind`], DingTalk's details and
//! the process exit code.

use std::fmt;

use dingtalk_notify::budget::BudgetError;
use dingtalk_notify::kit::transport::TransportErrorKind;
use dingtalk_notify::transport::TransportError;
use dingtalk_notify::{ApiError, Error, ErrorCode, ResponseError};

use crate::secrets::redact_secret_values;

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
/// Exit code: a campaign completed, but some chunks are ambiguous (they may or may not have
/// reached their users; listed, never resent unless asked).
pub const AMBIGUOUS: u8 = 5;
/// Exit code: the campaign ledger could not be opened, read or written (an unwritable path,
/// a full disk, a foreign or damaged file); what it recorded before is the truth
/// (`campaign status`).
pub const LEDGER: u8 = 6;
/// Exit code: another process is sending the campaign (it holds the campaign's lease);
/// nothing was sent. Wait, or retry once its lease has run out (`campaign resume --wait`).
pub const BUSY: u8 = 7;
/// Exit code: a campaign stopped on SIGINT (128 + 2, as shells report it); its document
/// was printed and `campaign resume ID` sends the rest.
pub const INTERRUPTED: u8 = 130;
/// Exit code: a campaign stopped on SIGTERM (128 + 15); as [`INTERRUPTED`].
pub const TERMINATED: u8 = 143;
/// Exit code: DingTalk answered errcode 90020, the organisation's monthly quota of API
/// calls is used up: following stopped (never retried); it can go on next month or after a
/// plan upgrade, and nothing was lost.
pub const MONTHLY_QUOTA: u8 = 8;

/// What kind of failure it was, as `--json` names it in `error.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `"api"`: DingTalk answered with a non-zero `errcode`.
    Api,
    /// `"invalid_input"`: refused before anything was sent.
    InvalidInput,
    /// `"transport"`: no complete answer (connect, timeout, reset).
    Transport,
    /// `"tls"`: the server's certificate was refused, or TLS failed; nothing was sent.
    Tls,
    /// `"response"`: an answer that could not be used.
    Response,
    /// `"deadline"`: the call's overall time limit passed; the exit code follows the last
    /// failure.
    Deadline,
    /// `"outside_window"`: the task is too old for the operation; nothing was sent.
    OutsideWindow,
    /// `"incomplete"`: a campaign ended with failed or ambiguous chunks; its document was
    /// printed, and the exit code says which (1 failed, 5 ambiguous).
    Incomplete,
    /// `"over_budget"`: the recipient budget (`--budget`) would not admit the send within
    /// `--budget-wait`; nothing more was sent (exit 3: try again later).
    OverBudget,
    /// `"ledger"`: the campaign ledger (`--ledger`'s SQLite file) could not be opened, read
    /// or written, or is not a dingtalk-notify ledger (exit 6).
    Ledger,
    /// `"redis"`: the fleet's Redis (`--redis`) could not be reached or failed: its ledger,
    /// its budget or its token store (exit 3: try again later).
    Redis,
    /// `"token_provider"`: the source of access tokens failed; nothing was sent (exit 3).
    TokenProvider,
    /// `"not_found"`: no such campaign, or no ledger at the path given; nothing was sent
    /// (exit 2).
    NotFound,
    /// `"busy"`: another process is sending the campaign; nothing was sent (exit 7).
    Busy,
    /// `"interrupted"`: a campaign stopped on SIGINT or SIGTERM; its document was printed
    /// (exit 130 or 143).
    Interrupted,
    /// `"monthly_quota"`: DingTalk answered errcode 90020, the organisation's monthly
    /// quota of API calls is used up; following stopped, nothing was lost (exit 8).
    MonthlyQuota,
    /// `"other"`: anything else (a bug, not something a user can cause).
    Other,
}

impl Kind {
    /// The name `--json` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::InvalidInput => "invalid_input",
            Self::Transport => "transport",
            Self::Tls => "tls",
            Self::Response => "response",
            Self::Deadline => "deadline",
            Self::OutsideWindow => "outside_window",
            Self::Incomplete => "incomplete",
            Self::OverBudget => "over_budget",
            Self::Ledger => "ledger",
            Self::Redis => "redis",
            Self::TokenProvider => "token_provider",
            Self::NotFound => "not_found",
            Self::Busy => "busy",
            Self::Interrupted => "interrupted",
            Self::MonthlyQuota => "monthly_quota",
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
    /// DingTalk's `sub_code` and `sub_msg`, when it sent either.
    pub sub: Option<Box<SubCause>>,
    /// The `request_id` of the failing answer, to quote to DingTalk support.
    pub request_id: Option<String>,
    /// A sentence for humans.
    pub message: String,
    /// Whether the command's document (a campaign that stopped early) was already printed
    /// with this failure in it: `--json` then prints no second document.
    pub documented: bool,
}

/// The `sub_code` and `sub_msg` of an answer (boxed in [`Failure`], every command's error,
/// to keep it small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubCause {
    /// The `sub_code`, as DingTalk sent it (a string: `"40014"` under errcode 88).
    pub code: Option<String>,
    /// The `sub_msg` (also without a `sub_code`, as with errcode 22).
    pub msg: Option<String>,
}

impl SubCause {
    /// The sub-cause of `api`, if it has a `sub_code` or a `sub_msg`.
    fn of(api: &ApiError) -> Option<Box<Self>> {
        if api.sub_code.is_none() && api.sub_msg.is_none() {
            return None;
        }
        Some(Box::new(Self {
            code: api.sub_code.clone(),
            msg: api.sub_msg.clone(),
        }))
    }
}

impl Failure {
    /// Invalid arguments or input (exit 2).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::plain(Kind::InvalidInput, INVALID_INPUT, message)
    }

    /// A send the budget refused within `--budget-wait` (exit 3).
    pub fn over_budget(over: &crate::budget::OverBudget) -> Self {
        Self::plain(Kind::OverBudget, TRANSPORT, over.to_string())
    }

    /// No such campaign, or no ledger at the path given (exit 2).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::plain(Kind::NotFound, INVALID_INPUT, message)
    }

    /// The campaign ledger failed (exit 6), or the fleet's Redis when it holds the ledger
    /// (exit 3).
    pub fn ledger(error: &(dyn std::error::Error + 'static), message: impl Into<String>) -> Self {
        if from_redis(error) {
            Self::plain(Kind::Redis, TRANSPORT, message)
        } else {
            Self::plain(Kind::Ledger, LEDGER, message)
        }
    }

    /// DingTalk's errcode 90020 that stopped a campaign's following (exit 8), with
    /// `message` saying what it means.
    pub fn monthly_quota(api: &ApiError, message: impl Into<String>) -> Self {
        Self {
            errcode: Some(api.code.get()),
            errmsg: Some(api.errmsg.clone()),
            sub: SubCause::of(api),
            request_id: api.request_id.clone(),
            ..Self::plain(Kind::MonthlyQuota, MONTHLY_QUOTA, message)
        }
    }

    /// This failure, printed inside the command's document already (one `--json` document).
    #[must_use]
    pub fn documented(mut self) -> Self {
        self.documented = true;
        self
    }

    /// A failure without DingTalk details.
    pub fn plain(kind: Kind, exit_code: u8, message: impl Into<String>) -> Self {
        Self {
            kind,
            exit_code,
            errcode: None,
            errmsg: None,
            sub: None,
            request_id: None,
            message: message.into(),
            documented: false,
        }
    }

    /// Classifies a client error.
    pub fn from_client(error: &Error<TransportError>) -> Self {
        if let Some(over) = crate::budget::over_budget(error) {
            return Self::over_budget(over);
        }
        let message = error.to_string();
        let (kind, exit_code) = classify(error);
        let api = error.api();
        Self {
            kind,
            exit_code,
            errcode: api.map(|a| a.code.get()),
            errmsg: api.map(|a| a.errmsg.clone()),
            sub: api.and_then(SubCause::of),
            request_id: error.request_id().map(str::to_owned),
            message,
            documented: false,
        }
    }

    /// Replaces each (non-empty) secret in the texts (the message, `errmsg`, `sub_code` and
    /// `sub_msg`) with `<redacted>`: in every form when it is long enough, as a whole token
    /// when it is very short ([`redact_secret_values`]).
    #[must_use]
    pub fn redact<'a>(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let secrets: Vec<&str> = secrets.into_iter().collect();
        self.message = redact_secret_values(&self.message, &secrets);
        let sub = self.sub.as_deref_mut().map(|s| [&mut s.code, &mut s.msg]);
        for m in [&mut self.errmsg]
            .into_iter()
            .chain(sub.into_iter().flatten())
            .flatten()
        {
            *m = redact_secret_values(m, &secrets);
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
        // More users than the whole budget admits: the input must change.
        Error::Build(_) | Error::Budget(BudgetError::Window(_)) => {
            (Kind::InvalidInput, INVALID_INPUT)
        }
        Error::OutsideWindow { .. } => (Kind::OutsideWindow, INVALID_INPUT),
        Error::Response(ResponseError::Api(a))
            if a.effective_code() == ErrorCode::MONTHLY_QUOTA_EXCEEDED =>
        {
            (Kind::MonthlyQuota, MONTHLY_QUOTA)
        }
        Error::Response(ResponseError::Api(_)) => (Kind::Api, API),
        Error::Response(_) => (Kind::Response, RESPONSE),
        Error::Transport(t) => match t.kind() {
            // The server answered, but not with anything usable.
            TransportErrorKind::BodyTooLarge | TransportErrorKind::Protocol => {
                (Kind::Response, RESPONSE)
            }
            TransportErrorKind::Tls => (Kind::Tls, TRANSPORT),
            _ => (Kind::Transport, TRANSPORT),
        },
        Error::Deadline { last, .. } => {
            let code = last.as_deref().map_or(TRANSPORT, |l| classify(l).1);
            (Kind::Deadline, code)
        }
        Error::TokenProvider(e) if from_redis(e.as_ref()) => (Kind::Redis, TRANSPORT),
        Error::TokenProvider(_) => (Kind::TokenProvider, TRANSPORT),
        // The command's only shared budget store is the fleet's Redis.
        Error::Budget(BudgetError::Store(_)) => (Kind::Redis, TRANSPORT),
        _ => (Kind::Other, TRANSPORT),
    }
}

/// Whether `error`, or an error it was caused by, is the fleet's Redis failing.
pub fn from_redis(error: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(feature = "redis")]
    {
        let mut next = Some(error);
        while let Some(e) = next {
            if e.is::<dingtalk_notify_redis::Error>() {
                return true;
            }
            next = e.source();
        }
    }
    #[cfg(not(feature = "redis"))]
    let _ = error;
    false
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dingtalk_notify::http::{Response, StatusCode};
    use dingtalk_notify::kit::RawBody;
    use dingtalk_notify::kit::api::GetSendProgress;
    use dingtalk_notify::kit::campaign::BudgetWindowError;
    use dingtalk_notify::{BuildError, Endpoint, ErrorCode, TaskId};

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

        let over = BudgetWindowError::LargerThanBudget {
            requested: 6000,
            budget: 5000,
        };
        let f = Failure::from_client(&Error::Budget(BudgetError::Window(over)));
        assert_eq!((f.kind, f.exit_code), (Kind::InvalidInput, INVALID_INPUT));
        assert!(f.message.contains("6000"), "{}", f.message);

        let store = BudgetError::Store(Box::new(std::io::Error::other("redis down")));
        let f = Failure::from_client(&Error::Budget(store));
        assert_eq!((f.kind, f.exit_code), (Kind::Redis, TRANSPORT));

        let provider = Error::TokenProvider(Box::new(std::io::Error::other("vault sealed")));
        let f = Failure::from_client(&provider);
        assert_eq!((f.kind, f.exit_code), (Kind::TokenProvider, TRANSPORT));
        assert!(f.message.contains("vault sealed"), "{}", f.message);

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
    fn the_monthly_quota_has_its_own_kind_and_code_plain_or_wrapped() {
        let f = Failure::from_client(&api(90020));
        assert_eq!((f.kind, f.exit_code), (Kind::MonthlyQuota, MONTHLY_QUOTA));
        assert_eq!(f.kind.as_str(), "monthly_quota");
        let body = r#"{"errcode":88,"sub_code":"90020","sub_msg":"您的企业本月api调用量已超过限制","errmsg":"ding talk error[subcode=90020]"}"#;
        let err = <GetSendProgress as Endpoint>::parse_response(Response::new(body))
            .expect_err("an error");
        let f = Failure::from_client(&Error::Response(err));
        assert_eq!((f.kind, f.exit_code), (Kind::MonthlyQuota, MONTHLY_QUOTA));
        // Any other API error stays exit 1.
        assert_eq!(Failure::from_client(&api(90018)).exit_code, API);
    }

    #[test]
    fn a_wrapped_error_keeps_its_sub_code_and_sub_msg() {
        // The live gateway's answer to a rejected token on a /topapi path (issue 10).
        let body = r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token",
            "errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"r1"}"#;
        let err = <GetSendProgress as Endpoint>::parse_response(Response::new(body))
            .expect_err("an error");
        let f = Failure::from_client(&Error::Response(err));
        assert_eq!((f.kind, f.exit_code), (Kind::Api, API));
        assert_eq!(f.errcode, Some(88));
        let sub = f.sub.expect("a sub-cause");
        assert_eq!(sub.code.as_deref(), Some("40014"));
        assert_eq!(sub.msg.as_deref(), Some("不合法的access_token"));

        let f = Failure::from_client(&api(40056));
        assert_eq!(f.sub, None);
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
    fn redaction_covers_message_errmsg_and_sub_fields() {
        let mut f = Failure::invalid_input("token s3cr3t refused");
        f.errmsg = Some("s3cr3t".into());
        f.sub = Some(Box::new(SubCause {
            code: Some("s3cr3t".into()),
            msg: Some("bad token s3cr3t".into()),
        }));
        let f = f.redact(["s3cr3t", ""]);
        assert_eq!(f.message, "token <redacted> refused");
        assert_eq!(f.errmsg.as_deref(), Some("<redacted>"));
        let sub = f.sub.expect("kept");
        assert_eq!(sub.code.as_deref(), Some("<redacted>"));
        assert_eq!(sub.msg.as_deref(), Some("bad token <redacted>"));
    }

    /// A one-character app secret does not blank that letter from the document.
    #[test]
    fn a_one_letter_secret_leaves_words_whole() {
        let mut f = Failure::invalid_input("invalid appkey or appsecret: a");
        f.errmsg = Some("invalid appsecret".into());
        let f = f.redact(["a"]);
        assert_eq!(f.message, "invalid appkey or appsecret: <redacted>");
        assert_eq!(f.errmsg.as_deref(), Some("invalid appsecret"));
    }
}
