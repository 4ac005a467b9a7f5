//! Resolving an audience: departments with everything below them, the whole organisation,
//! mobile numbers and union ids turned into user ids over the client
//! ([`Client::resolve_audience`](crate::Client::resolve_audience), or
//! [`Client::resolver`](crate::Client::resolver) to configure, checkpoint and resume).
//!
//! The walk is the core's pure plan (`dingtalk_notify_proto::resolve::Resolution`); the client makes its calls with its
//! token, waits on its [`Clock`](crate::Clock) for every pause the plan asks for (its
//! per-second pace, the waits that 90002, 90018, 90019 and the 1111 page ask for, the backoff
//! after a lost answer), and hands each answer back.
//!
//! **Checkpoints.** The plan is a pure function of its query, its config and the answers
//! that moved it on. An [`AnswerSink`] receives each such answer ([`SavedAnswer`]: the
//! endpoint and the body, a few bytes per person); after an interruption,
//! [`AudienceResolver::resume_from`] replays the saved list into a new resolution of the
//! same query and config, without a call, and the walk goes on from there: no department is
//! walked twice.
//!
//! ```
//! use dingtalk_notify::resolve::{AudienceQuery, ResolveConfig, SavedAnswer};
//! use dingtalk_notify::{Client, HttpRequest, HttpResponse, TokenSource};
//!
//! // Department 1 has one sub-department, 2; "u1" sits in both. Mobile 13900139000 is nobody's.
//! let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
//!     let body = std::str::from_utf8(req.body()).unwrap_or_default();
//!     let answer = match (req.uri().path(), body) {
//!         ("/gettoken", _) => r#"{"errcode":0,"access_token":"t0k","expires_in":7200}"#,
//!         ("/topapi/v2/department/listsubid", r#"{"dept_id":1}"#) => r#"{"errcode":0,"result":{"dept_id_list":[2]}}"#,
//!         ("/topapi/v2/department/listsubid", _) => r#"{"errcode":0,"result":{"dept_id_list":[]}}"#,
//!         ("/topapi/user/listid", r#"{"dept_id":1}"#) => r#"{"errcode":0,"result":{"userid_list":["boss","u1"]}}"#,
//!         ("/topapi/user/listid", _) => r#"{"errcode":0,"result":{"userid_list":["u1","u2"]}}"#,
//!         _ => r#"{"errcode":60121,"errmsg":"找不到该用户"}"#,
//!     };
//!     Ok(http::Response::new(answer.as_bytes().to_vec()))
//! };
//! let client = Client::builder(TokenSource::app("key", "secret")).build(transport);
//! let query = AudienceQuery::new().dept_tree(1).mobiles(["13900139000"]);
//!
//! let mut saved: Vec<SavedAnswer> = Vec::new();
//! let audience = client.resolver(&query).on_answer(&mut saved).run()?;
//! assert_eq!(audience.user_ids().collect::<Vec<_>>(), ["boss", "u1", "u2"]);
//! let u1 = audience.recipients().find(|p| p.userid() == "u1").unwrap();
//! assert_eq!(u1.departments().map(|d| d.get()).collect::<Vec<_>>(), [1, 2]);
//! assert_eq!(audience.unresolved()[0].reason.name(), "not_found");
//!
//! // The same resolution again from the saved answers: no call at all.
//! let again = client.resolver(&query).resume_from(&saved).run()?;
//! assert_eq!(again.calls(), 0);
//! assert_eq!(again.recipient_count(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::error::Error as StdError;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

pub use dingtalk_notify_proto::resolve::{
    AudienceQuery, ResolveConfig, ResolveError, ResolvedAudience, ResolvedPerson, Unresolved,
};

pub use crate::client::AudienceResolver;

/// One answer that moved a resolution on: the endpoint path and the body as DingTalk sent
/// it. A list of them, in order, rebuilds the resolution
/// ([`AudienceResolver::resume_from`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAnswer {
    /// The endpoint path, e.g. `/topapi/user/listid`.
    pub path: String,
    /// The answer's body (JSON text).
    pub body: String,
}

impl SavedAnswer {
    /// An answer of `path` with `body`.
    pub fn new(path: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            body: body.into(),
        }
    }
}

impl fmt::Debug for SavedAnswer {
    /// The path and the body's length (the body lists people).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedAnswer")
            .field("path", &self.path)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Receives each answer that moved a resolution on, in order, before the next call is
/// made: a ledger appends it, so an interrupted resolution resumes where it stopped.
pub trait AnswerSink {
    /// Keeps `answer`.
    ///
    /// # Errors
    /// When it cannot be kept: the resolution stops with
    /// [`ResolveAudienceError::Checkpoint`].
    fn save(&mut self, answer: &SavedAnswer) -> Result<(), Box<dyn StdError + Send + Sync>>;
}

impl AnswerSink for Vec<SavedAnswer> {
    fn save(&mut self, answer: &SavedAnswer) -> Result<(), Box<dyn StdError + Send + Sync>> {
        self.push(answer.clone());
        Ok(())
    }
}

impl<F> AnswerSink for F
where
    F: FnMut(&SavedAnswer) -> Result<(), Box<dyn StdError + Send + Sync>>,
{
    fn save(&mut self, answer: &SavedAnswer) -> Result<(), Box<dyn StdError + Send + Sync>> {
        self(answer)
    }
}

/// Why resolving an audience stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveAudienceError<E> {
    /// 90020: the organisation's monthly quota of metered API calls is used up. Never
    /// retried: nothing helps until next month or a plan upgrade. The answers saved so far
    /// stay valid for a resume then.
    #[error(
        "the organization's monthly API call quota is used up (errcode 90020): the resolution \
         stopped after {calls} call(s); retrying cannot help until next month or a plan upgrade \
         ({message})"
    )]
    MonthlyQuotaExceeded {
        /// Contact calls this run made.
        calls: u64,
        /// DingTalk's message.
        message: String,
    },
    /// The plan stopped: DingTalk refused a call in a way waiting does not fix (a missing
    /// permission), an answer could not be used, the same call failed too often in a row,
    /// or the tree has more departments than allowed.
    #[error(transparent)]
    Resolve(ResolveError),
    /// A call failed before it had an answer the plan could judge: the token could not be
    /// fetched, the request could not be built, or the transport failed in a way a repeat
    /// does not fix (TLS, a body over the cap).
    #[error("resolving the audience failed: {0}")]
    Call(Error<E>),
    /// The [`AnswerSink`] could not keep an answer; the resolution stopped before the next
    /// call.
    #[error("saving the resolution's progress failed: {0}")]
    Checkpoint(Box<dyn StdError + Send + Sync>),
    /// A saved answer does not fit the resolution being resumed (another query, another
    /// config, or a damaged list); nothing was called.
    #[error("saved answer {index} does not fit this resolution: {reason}")]
    SavedAnswerMismatch {
        /// Its index in the saved list.
        index: usize,
        /// What does not fit.
        reason: String,
    },
}

impl<E> From<ResolveError> for ResolveAudienceError<E> {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::MonthlyQuotaExceeded { calls, message } => {
                Self::MonthlyQuotaExceeded { calls, message }
            }
            other => Self::Resolve(other),
        }
    }
}
