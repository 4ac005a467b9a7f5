//! What a resolution reports: the inputs that failed ([`Unresolved`], with a reason) and the
//! errors that stop it ([`ResolveError`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::code::ErrorCode;
use crate::error::{ApiError, ResponseError};
use crate::ids::DeptId;

/// One input the caller gave.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Input {
    /// A department, with everything below it.
    Department(DeptId),
    /// A mobile number.
    Mobile(String),
    /// A union id.
    UnionId(String),
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Department(id) => write!(f, "department {id}"),
            Self::Mobile(m) => write!(f, "mobile {m}"),
            Self::UnionId(u) => write!(f, "union id {u}"),
        }
    }
}

/// Why an input resolved to nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnresolvedReason {
    /// Nobody in the organisation has it (60121). DingTalk does not find people who left,
    /// so this also covers them unless DingTalk says so ([`LeftOrganization`](Self::LeftOrganization)).
    NotFound,
    /// It cannot be one (refused locally, or 40104 / 400002 / 40035 from DingTalk).
    Invalid,
    /// DingTalk said the person left the organisation (a 60121 whose message says 离职).
    LeftOrganization,
    /// The union id is an external contact's, not a member's: work notifications do not
    /// reach them.
    ExternalContact,
    /// No such department (60003).
    DepartmentNotFound,
}

impl UnresolvedReason {
    /// The reason as the CLI's JSON writes it: `not_found`, `invalid`, `left_organization`,
    /// `external_contact`, `department_not_found`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid => "invalid",
            Self::LeftOrganization => "left_organization",
            Self::ExternalContact => "external_contact",
            Self::DepartmentNotFound => "department_not_found",
        }
    }
}

impl fmt::Display for UnresolvedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotFound => "not found in the organization (people who left cannot be found)",
            Self::Invalid => "invalid",
            Self::LeftOrganization => "left the organization",
            Self::ExternalContact => "an external contact, not a member",
            Self::DepartmentNotFound => "no such department",
        })
    }
}

/// An input that resolved to nobody, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Unresolved {
    /// The input.
    pub input: Input,
    /// Why.
    pub reason: UnresolvedReason,
    /// DingTalk's code, when DingTalk said so (none when refused locally).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

impl Unresolved {
    /// `input` failed for `reason`, with DingTalk's `code` if any.
    pub fn new(input: Input, reason: UnresolvedReason, code: Option<ErrorCode>) -> Self {
        Self {
            input,
            reason,
            code,
        }
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input, self.reason)?;
        if let Some(code) = self.code {
            write!(f, " (errcode {})", code.get())?;
        }
        Ok(())
    }
}

/// Why a resolution stopped or an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// 90020: the organisation's monthly quota of metered API calls is used up. The
    /// resolution ends: nothing helps until next month or a plan upgrade.
    #[error(
        "the organization's monthly API call quota is used up (90020); the resolution stopped \
         after {calls} call(s), and retrying cannot help until next month or a plan upgrade: {message}"
    )]
    MonthlyQuotaExceeded {
        /// Calls the resolution made.
        calls: u64,
        /// DingTalk's message.
        message: String,
    },
    /// DingTalk refused the call in a way that waiting does not fix (a missing permission,
    /// an unknown textual sub_code, a rejected token): the state is unchanged, so the same
    /// call comes next (after a token refresh, say).
    #[error("{path} was refused: {error}")]
    Rejected {
        /// The endpoint.
        path: &'static str,
        /// The answer (boxed: it is large).
        error: Box<ResponseError>,
    },
    /// The answer could not be used (a page that does not advance, an answer of another
    /// endpoint): the state is unchanged.
    #[error("the answer of {path} cannot be used: {reason}")]
    Malformed {
        /// The endpoint.
        path: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The same call failed too often in a row; the resolution ends.
    #[error("{path} failed {attempts} times in a row; the resolution stopped: {last}")]
    GaveUp {
        /// The endpoint.
        path: String,
        /// The attempts.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// More departments than the configured limit: the resolution ends rather than walk on.
    #[error("more than {limit} departments; the resolution stopped")]
    TooManyDepartments {
        /// The limit ([`ResolveConfig::max_departments`](super::ResolveConfig::max_departments)).
        limit: usize,
    },
    /// [`answer`](super::Resolution::answer) was called with no call outstanding.
    #[error("no call is outstanding: the resolution is done")]
    NothingOutstanding,
}

impl ResolveError {
    /// The API error inside, if DingTalk answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Rejected { error, .. } => error.api(),
            _ => None,
        }
    }

    /// Whether the resolution has ended (90020, too many failures, too many departments);
    /// otherwise the same call may be made again.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::MonthlyQuotaExceeded { .. }
                | Self::GaveUp { .. }
                | Self::TooManyDepartments { .. }
                | Self::NothingOutstanding
        )
    }
}

/// Why a resolution ended early: kept in its state, so a restored one ends the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Halt {
    MonthlyQuota {
        message: String,
    },
    GaveUp {
        path: String,
        attempts: u32,
        last: String,
    },
    TooManyDepartments {
        limit: usize,
    },
}

impl Halt {
    pub(super) fn error(&self, calls: u64) -> ResolveError {
        match self {
            Self::MonthlyQuota { message } => ResolveError::MonthlyQuotaExceeded {
                calls,
                message: message.clone(),
            },
            Self::GaveUp {
                path,
                attempts,
                last,
            } => ResolveError::GaveUp {
                path: path.clone(),
                attempts: *attempts,
                last: last.clone(),
            },
            Self::TooManyDepartments { limit } => {
                ResolveError::TooManyDepartments { limit: *limit }
            }
        }
    }
}
