//! Applying an answer to a [`Resolution`]: a success moves the walk on; a failure lists an
//! input, asks for a wait, or is returned.

use std::time::{Duration, Instant};

use super::call::ContactAnswer;
use super::outcome::{Halt, Input, ResolveError, Unresolved, UnresolvedReason};
use super::people::NO_DEPT;
use super::plan::{AnswerOutcome, Resolution, Task};
use crate::api::ContactType;
use crate::code::{ErrorClass, ErrorCode};
use crate::error::{ApiError, ResponseError};

/// The wait after a ban (`90001`, `90003`–`90014`, `90017`).
const BAN_WAIT: Duration = Duration::from_secs(60);
/// The wait after the 1111 page when it names none.
const IP_THROTTLE_WAIT: Duration = Duration::from_secs(5);
/// The longest wait an answer can ask for (the IP ban lasts minutes).
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// The most pages of one department (100 people a page: ten million people).
const MAX_PAGES: u32 = 100_000;

impl Resolution {
    /// Uses a successful answer of the head task.
    pub(super) fn apply(
        &mut self,
        path: &'static str,
        answer: ContactAnswer,
    ) -> Result<AnswerOutcome, ResolveError> {
        let Some(task) = self.queue.front().copied() else {
            return Err(ResolveError::NothingOutstanding);
        };
        match (task, answer) {
            (Task::SubDepartments { .. }, ContactAnswer::SubDepartments(res)) => {
                self.advance();
                for child in res.result.dept_id_list {
                    if child.get() != 0 {
                        self.add_dept(child);
                    }
                    if let Some(halt) = &self.halt {
                        return Err(halt.error(self.calls));
                    }
                }
            }
            (Task::Members { dept, .. }, ContactAnswer::MemberIds(res)) => {
                for userid in &res.result.userid_list {
                    if !userid.trim().is_empty() {
                        self.people.add(userid, dept, false);
                    }
                }
                self.advance();
            }
            (Task::Members { dept, cursor, page }, ContactAnswer::Members(res)) => {
                let next = match (res.result.has_more, res.result.next_cursor) {
                    (false, _) => None,
                    (true, Some(next)) if next != cursor && page < MAX_PAGES => Some(next),
                    (true, next) => {
                        let reason = match next {
                            None => "has_more without a next_cursor".to_owned(),
                            Some(n) if n == cursor => format!("next_cursor {n} repeats the page"),
                            Some(_) => format!("more than {MAX_PAGES} pages"),
                        };
                        return self.failed_attempt(path, ResolveError::Malformed { path, reason });
                    }
                };
                for user in &res.result.list {
                    if !user.userid.trim().is_empty() {
                        self.people.add(&user.userid, dept, user.is_inactive());
                    }
                }
                match next {
                    Some(cursor) => {
                        if let Some(head) = self.queue.front_mut() {
                            *head = Task::Members {
                                dept,
                                cursor,
                                page: page.saturating_add(1),
                            };
                        }
                        self.attempts = 0;
                        self.throttles = 0;
                    }
                    None => self.advance(),
                }
            }
            (Task::Lookup { input }, ContactAnswer::ByMobile(res)) => {
                match res.userid() {
                    Some(userid) => {
                        self.people.add(userid, NO_DEPT, false);
                    }
                    None => self.unresolve(input, UnresolvedReason::NotFound, None),
                }
                self.advance();
            }
            (Task::Lookup { input }, ContactAnswer::ByUnionId(res)) => {
                match (res.result.contact_type, res.userid()) {
                    (ContactType::External, _) => {
                        self.unresolve(input, UnresolvedReason::ExternalContact, None);
                    }
                    (_, Some(userid)) => {
                        self.people.add(userid, NO_DEPT, false);
                    }
                    (_, None) => self.unresolve(input, UnresolvedReason::NotFound, None),
                }
                self.advance();
            }
            (_, answer) => {
                let reason = format!("an answer of {} came instead", answer.path());
                return self.failed_attempt(path, ResolveError::Malformed { path, reason });
            }
        }
        Ok(AnswerOutcome::Advanced)
    }

    /// Judges a failed answer of the head task.
    pub(super) fn fail(
        &mut self,
        now: Instant,
        path: &'static str,
        error: ResponseError,
    ) -> Result<AnswerOutcome, ResolveError> {
        // Some(Some(wait)): a throttle or ban naming its wait; Some(None): transient.
        let wait = match &error {
            ResponseError::Api(api) => {
                let code = api.effective_code();
                if code == ErrorCode::MONTHLY_QUOTA_EXCEEDED {
                    self.halt = Some(Halt::MonthlyQuota {
                        message: api.to_string(),
                    });
                    return Err(ResolveError::MonthlyQuotaExceeded {
                        calls: self.calls,
                        message: api.to_string(),
                    });
                }
                if let Some(reason) = self.reason_for(code, api) {
                    self.settle_failed(reason, code);
                    return Ok(AnswerOutcome::Advanced);
                }
                match api.class() {
                    ErrorClass::Throttled => Some(Some(
                        api.min_retry_delay().unwrap_or(Duration::from_secs(1)),
                    )),
                    ErrorClass::Banned => Some(Some(BAN_WAIT)),
                    ErrorClass::Retryable => Some(None),
                    _ => None,
                }
            }
            ResponseError::Throttled { wait, .. } => Some(Some(wait.unwrap_or(IP_THROTTLE_WAIT))),
            ResponseError::Status { status, .. }
                if status.is_server_error() || *status == http::StatusCode::TOO_MANY_REQUESTS =>
            {
                Some(None)
            }
            _ => None,
        };
        match wait {
            None => self.failed_attempt(
                path,
                ResolveError::Rejected {
                    path,
                    error: Box::new(error),
                },
            ),
            Some(None) => self.retry_later(now, path, error.to_string()),
            Some(Some(asked)) => {
                // Throttles are bounded apart, more loosely: waiting them out is the point.
                self.throttles = self.throttles.saturating_add(1);
                let limit = self.config.max_attempts.saturating_mul(10);
                if self.throttles >= limit {
                    return Err(self.give_up(path, self.throttles, error.to_string()));
                }
                let wait = asked.clamp(Duration::from_secs(1), MAX_WAIT);
                self.pacer.hold(now, wait);
                Ok(AnswerOutcome::Retry(wait))
            }
        }
    }

    /// A transient failure (a busy system, a gateway's 5xx, a lost answer): counted, and the
    /// same call again after a backoff of 1 s, 2 s, 4 s, ... up to 30 s.
    pub(super) fn retry_later(
        &mut self,
        now: Instant,
        path: &'static str,
        last: String,
    ) -> Result<AnswerOutcome, ResolveError> {
        self.attempts = self.attempts.saturating_add(1);
        if self.attempts >= self.config.max_attempts {
            return Err(self.give_up(path, self.attempts, last));
        }
        let shift = self.attempts.saturating_sub(1).min(5);
        let wait = Duration::from_secs(1u64 << shift).min(Duration::from_secs(30));
        self.pacer.hold(now, wait);
        Ok(AnswerOutcome::Retry(wait))
    }

    /// A failure that waiting does not fix: counted, and returned (the state is unchanged).
    pub(super) fn failed_attempt(
        &mut self,
        path: &'static str,
        error: ResolveError,
    ) -> Result<AnswerOutcome, ResolveError> {
        self.attempts = self.attempts.saturating_add(1);
        if self.attempts >= self.config.max_attempts {
            return Err(self.give_up(path, self.attempts, error.to_string()));
        }
        Err(error)
    }

    fn give_up(&mut self, path: &'static str, attempts: u32, last: String) -> ResolveError {
        let halt = Halt::GaveUp {
            path: path.to_owned(),
            attempts,
            last,
        };
        let error = halt.error(self.calls);
        self.halt = Some(halt);
        error
    }

    /// The reason a per-input failure lists the head task's input with, if `code` is one.
    fn reason_for(&self, code: ErrorCode, api: &ApiError) -> Option<UnresolvedReason> {
        let task = self.queue.front()?;
        match (task, code.get()) {
            (Task::Lookup { .. }, 60121) => {
                let left = [
                    api.errmsg.as_str(),
                    api.sub_msg.as_deref().unwrap_or_default(),
                ]
                .iter()
                .any(|m| m.contains("离职") || m.to_ascii_lowercase().contains("resigned"));
                Some(if left {
                    UnresolvedReason::LeftOrganization
                } else {
                    UnresolvedReason::NotFound
                })
            }
            (Task::Lookup { .. }, 40104 | 400002 | 40035) => Some(UnresolvedReason::Invalid),
            (Task::SubDepartments { .. } | Task::Members { .. }, 60003) => {
                Some(UnresolvedReason::DepartmentNotFound)
            }
            (Task::SubDepartments { .. } | Task::Members { .. }, 400002) => {
                Some(UnresolvedReason::Invalid)
            }
            _ => None,
        }
    }

    /// Lists the head task's input as unresolved and moves on; a department's other work
    /// goes too, so it is listed once.
    fn settle_failed(&mut self, reason: UnresolvedReason, code: ErrorCode) {
        let Some(task) = self.queue.front().copied() else {
            return;
        };
        match task {
            Task::Lookup { input } => {
                self.unresolve(input, reason, Some(code));
                self.advance();
            }
            Task::SubDepartments { dept } | Task::Members { dept, .. } => {
                if let Some(&id) = self.depts.get(dept as usize) {
                    self.unresolved.push(Unresolved::new(
                        Input::Department(id),
                        reason,
                        Some(code),
                    ));
                }
                self.queue.retain(|t| {
                    !matches!(t, Task::SubDepartments { dept: d } | Task::Members { dept: d, .. } if *d == dept)
                });
                self.attempts = 0;
                self.throttles = 0;
            }
        }
    }

    fn unresolve(&mut self, input: u32, reason: UnresolvedReason, code: Option<ErrorCode>) {
        if let Some(input) = self.inputs.get(input as usize) {
            self.unresolved
                .push(Unresolved::new(input.clone(), reason, code));
        }
    }

    /// The head task is done.
    fn advance(&mut self) {
        self.queue.pop_front();
        self.attempts = 0;
        self.throttles = 0;
    }
}
