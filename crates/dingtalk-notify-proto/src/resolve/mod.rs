//! Resolution: departments (with everything below them), the whole organisation, mobile
//! numbers and union ids turned into user ids, as a pure plan. No IO, no clock: every
//! decision takes `now`.
//!
//! A [`Resolution`] walks the department tree breadth first with the contact endpoints
//! (`listsubid` for the sub-departments, `listid` or the paged `v2/user/list` for the
//! members), looks up mobile numbers (`getbymobile`) and union ids (`getbyunionid`), and
//! keeps every person once with the departments they were found in ([`ResolvedAudience`]).
//! Inputs that fail are listed with a reason ([`Unresolved`]): not found, invalid, left the
//! organisation, an external contact, no such department. With
//! [`ResolveConfig::exclude_inactive`], people who never activated their account are left
//! out and listed apart.
//!
//! Calls are paced: at most [`ResolveConfig::per_second`] in any second (15 by default,
//! under DingTalk's 20 per app and API), and no call before a wait that 90002, 90018, 90019,
//! a ban or the 1111 page asked for. 90020 (the monthly quota) ends the resolution with
//! [`ResolveError::MonthlyQuotaExceeded`]. Every loop is bounded: the same call fails at most
//! [`ResolveConfig::max_attempts`] times in a row, a department is walked once, a walk stops
//! at [`ResolveConfig::max_departments`].
//!
//! The state serializes, so a driver can checkpoint it after each answer: a crash then
//! loses at most the call in flight, and no department is walked twice.
//!
//! ```
//! use dingtalk_notify_proto::resolve::{AudienceQuery, Resolution, ResolveConfig, ResolveStep};
//! use std::time::{Duration, Instant};
//!
//! // Department 1 has one sub-department, 2; "u1" sits in both.
//! let answer_for = |path: &str, body: &str| -> &'static str {
//!     match (path, body) {
//!         ("/topapi/v2/department/listsubid", r#"{"dept_id":1}"#) => r#"{"errcode":0,"result":{"dept_id_list":[2]}}"#,
//!         ("/topapi/v2/department/listsubid", _) => r#"{"errcode":0,"result":{"dept_id_list":[]}}"#,
//!         ("/topapi/user/listid", r#"{"dept_id":1}"#) => r#"{"errcode":0,"result":{"userid_list":["boss","u1"]}}"#,
//!         ("/topapi/user/listid", _) => r#"{"errcode":0,"result":{"userid_list":["u1","u2"]}}"#,
//!         _ => r#"{"errcode":60121,"errmsg":"找不到该用户"}"#,
//!     }
//! };
//! let query = AudienceQuery::new().whole_organization().mobiles(["13800138000"]);
//! let mut resolution = Resolution::new(&query, ResolveConfig::default());
//! let token = dingtalk_notify_proto::AccessToken::new("t");
//! let mut now = Instant::now();
//! loop {
//!     match resolution.next(now)? {
//!         ResolveStep::Call(call) => {
//!             let request = call.build_request(&Default::default(), &token)?;
//!             let body = std::str::from_utf8(request.body())?;
//!             let response = http::Response::new(answer_for(request.uri().path(), body));
//!             resolution.answer_response(now, response)?;
//!         }
//!         ResolveStep::Wait(wait) => now += wait,
//!         ResolveStep::Done => break,
//!         _ => unreachable!(),
//!     }
//! }
//! let audience = resolution.into_audience()?;
//! assert_eq!(audience.user_ids().collect::<Vec<_>>(), ["boss", "u1", "u2"]);
//! let u1 = audience.recipients().find(|p| p.userid() == "u1").unwrap();
//! assert_eq!(u1.departments().map(|d| d.get()).collect::<Vec<_>>(), [1, 2]);
//! assert_eq!(audience.unresolved()[0].reason.name(), "not_found");
//! assert_eq!(audience.calls(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
mod audience;
mod call;
mod outcome;
mod pace;
mod people;
mod plan;
mod query;

pub use audience::{ResolvedAudience, ResolvedPerson};
pub use call::{ContactAnswer, ContactCall};
pub use outcome::{Input, ResolveError, Unresolved, UnresolvedReason};
pub use plan::{AnswerOutcome, Resolution, ResolveStep};
pub use query::{AudienceQuery, ResolveConfig};
