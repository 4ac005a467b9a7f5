//! [`Resolution`]: the state of one resolution, the call it asks for next, and its
//! checkpoint form.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::call::{ContactAnswer, ContactCall};
use super::outcome::{Halt, Input, ResolveError, Unresolved, UnresolvedReason};
use super::pace::Pacer;
use super::people::{People, PeopleColumns};
use super::query::{AudienceQuery, ResolveConfig};
use crate::api::contact::{check_mobile, check_unionid};
use crate::api::{
    GetUserByMobile, GetUserByUnionId, ListDepartmentUserIds, ListDepartmentUsers,
    ListSubDepartmentIds,
};
use crate::error::ResponseError;
use crate::ids::DeptId;

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveStep {
    /// Make this call, then hand its answer to [`Resolution::answer`].
    Call(ContactCall),
    /// Wait this long, then ask again (the per-second budget, or a wait DingTalk asked for).
    Wait(Duration),
    /// Nothing is left: take the result with [`Resolution::into_audience`].
    Done,
}

/// What an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerOutcome {
    /// The answer was used; the resolution moved on.
    Advanced,
    /// DingTalk asked for a wait (90002, 90018, 90019, a ban, the 1111 page, a busy
    /// system): the same call comes again after it.
    Retry(Duration),
}

/// One unit of work, in breadth-first order. Departments are indices into `depts`,
/// lookups indices into `inputs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub(super) enum Task {
    SubDepartments { dept: u32 },
    Members { dept: u32, cursor: u64, page: u32 },
    Lookup { input: u32 },
}

/// A resolution of an [`AudienceQuery`] into user ids: a pure plan in the style of the
/// token cache ("the value, or the request to fetch it").
///
/// [`next`](Self::next) says what to do at `now` (a [`ContactCall`], a wait, or done);
/// [`answer`](Self::answer) takes the call's answer. One call is outstanding at a time:
/// until it is answered, `next` asks for the same call again, so a driver that lost an
/// answer (a timeout, a crash) simply repeats it; every contact call is safe to repeat.
///
/// The state serializes (serde) into a checkpoint: departments found, the queue of work,
/// the people found with their departments, the inputs that failed. A driver that stores it
/// after each answer loses at most the call in flight when it crashes, and never walks a
/// department twice. Pacing is not stored: a restored resolution starts a fresh second.
///
/// The plan is also a pure function of its query, its config and the answers that moved it
/// on ([`AnswerOutcome::Advanced`]): a driver may append each such answer's body to a
/// ledger instead (a few bytes per person found, once), and rebuild the state after a crash
/// by replaying them through [`answer_response`](Self::answer_response) into a new
/// resolution of the same query. Replaying costs what parsing them cost the first time
/// (about 2 µs per person), makes no call, and walks no department twice.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ResolutionRecord")]
pub struct Resolution {
    pub(super) config: ResolveConfig,
    /// Every department found, in the order found.
    pub(super) depts: Vec<DeptId>,
    /// The mobile numbers and union ids to look up.
    pub(super) inputs: Vec<Input>,
    pub(super) queue: VecDeque<Task>,
    pub(super) people: People,
    pub(super) unresolved: Vec<Unresolved>,
    /// Calls asked for so far.
    pub(super) calls: u64,
    /// Failed answers to the head task in a row, and throttles in a row.
    pub(super) attempts: u32,
    pub(super) throttles: u32,
    pub(super) halt: Option<Halt>,
    #[serde(skip)]
    pub(super) dept_index: HashMap<DeptId, u32>,
    #[serde(skip)]
    pub(super) pacer: Pacer,
}

impl Resolution {
    /// A resolution of `query`. Inputs that cannot be valid (department 0, a mobile number
    /// with letters, an empty union id) are listed as unresolved at once, without a call;
    /// duplicates are resolved once.
    pub fn new(query: &AudienceQuery, config: ResolveConfig) -> Self {
        let mut this = Self {
            config: config.normalized(),
            depts: Vec::new(),
            inputs: Vec::new(),
            queue: VecDeque::new(),
            people: People::default(),
            unresolved: Vec::new(),
            calls: 0,
            attempts: 0,
            throttles: 0,
            halt: None,
            dept_index: HashMap::new(),
            pacer: Pacer::default(),
        };
        for &root in &query.dept_trees {
            if root.get() == 0 {
                this.fail_input(Input::Department(root), UnresolvedReason::Invalid);
            } else {
                this.add_dept(root);
            }
        }
        let lookups = query
            .mobiles
            .iter()
            .map(|m| {
                (
                    Input::Mobile(m.trim().to_owned()),
                    check_mobile(m.trim()).is_ok(),
                )
            })
            .chain(query.union_ids.iter().map(|u| {
                (
                    Input::UnionId(u.trim().to_owned()),
                    check_unionid(u.trim()).is_ok(),
                )
            }));
        let mut seen = std::collections::HashSet::new();
        for (input, valid) in lookups {
            if !seen.insert(input.clone()) {
                continue;
            }
            if !valid {
                this.fail_input(input, UnresolvedReason::Invalid);
                continue;
            }
            let Ok(index) = u32::try_from(this.inputs.len()) else {
                this.fail_input(input, UnresolvedReason::Invalid);
                continue;
            };
            this.inputs.push(input);
            this.queue.push_back(Task::Lookup { input: index });
        }
        this
    }

    /// What to do at `now`: a call, a wait, or done.
    ///
    /// # Errors
    /// The [`ResolveError`] that ended the resolution (90020, too many failures, too many
    /// departments), every time it is asked again.
    pub fn next(&mut self, now: Instant) -> Result<ResolveStep, ResolveError> {
        if let Some(halt) = &self.halt {
            return Err(halt.error(self.calls));
        }
        let Some(call) = self.current_call() else {
            return Ok(ResolveStep::Done);
        };
        if let Some(wait) = self.pacer.wait(self.config.per_second, now) {
            return Ok(ResolveStep::Wait(wait));
        }
        self.pacer.record(now);
        self.calls = self.calls.saturating_add(1);
        Ok(ResolveStep::Call(call))
    }

    /// The call outstanding (the head of the queue), if any.
    pub fn current_call(&self) -> Option<ContactCall> {
        let task = *self.queue.front()?;
        let dept = |d: u32| self.depts.get(d as usize).copied();
        Some(match task {
            Task::SubDepartments { dept: d } => {
                ContactCall::SubDepartments(ListSubDepartmentIds::new(dept(d)?))
            }
            Task::Members {
                dept: d, cursor, ..
            } if self.config.exclude_inactive => ContactCall::Members(ListDepartmentUsers::new(
                dept(d)?,
                cursor,
                self.config.page_size,
            )),
            Task::Members { dept: d, .. } => {
                ContactCall::MemberIds(ListDepartmentUserIds::new(dept(d)?))
            }
            Task::Lookup { input } => match self.inputs.get(input as usize)? {
                Input::Mobile(m) => ContactCall::ByMobile(GetUserByMobile::new(m.clone())),
                Input::UnionId(u) => ContactCall::ByUnionId(GetUserByUnionId::new(u.clone())),
                Input::Department(_) => return None,
            },
        })
    }

    /// Parses `response` as the answer to the outstanding call, then
    /// [`answer`](Self::answer)s with it.
    ///
    /// # Errors
    /// As [`answer`](Self::answer).
    pub fn answer_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        response: http::Response<B>,
    ) -> Result<AnswerOutcome, ResolveError> {
        let call = self
            .current_call()
            .ok_or(ResolveError::NothingOutstanding)?;
        self.answer(now, call.parse_response(response))
    }

    /// Takes the answer to the outstanding call at `now`: the typed answer, or the error
    /// its parser returned.
    ///
    /// Per-input failures (60121, 40104, 400002, 60003) list the input as unresolved and
    /// move on. 90002, 90018, 90019, bans, the 1111 page and a busy system ask for a wait
    /// ([`AnswerOutcome::Retry`]); [`next`](Self::next) honours it.
    ///
    /// # Errors
    /// [`ResolveError::MonthlyQuotaExceeded`] on 90020 (the resolution ends);
    /// [`ResolveError::Rejected`] or [`ResolveError::Malformed`] for an answer that
    /// waiting does not fix (the state is unchanged; the same call comes next);
    /// [`ResolveError::GaveUp`] when the same call failed
    /// [`max_attempts`](ResolveConfig::max_attempts) times in a row.
    pub fn answer(
        &mut self,
        now: Instant,
        answer: Result<ContactAnswer, ResponseError>,
    ) -> Result<AnswerOutcome, ResolveError> {
        if let Some(halt) = &self.halt {
            return Err(halt.error(self.calls));
        }
        let Some(call) = self.current_call() else {
            return Err(ResolveError::NothingOutstanding);
        };
        match answer {
            Ok(answer) if answer.path() != call.path() => self.failed_attempt(
                call.path(),
                ResolveError::Malformed {
                    path: call.path(),
                    reason: format!("an answer of {} came instead", answer.path()),
                },
            ),
            Ok(answer) => self.apply(call.path(), answer),
            Err(error) => self.fail(now, call.path(), error),
        }
    }

    /// The outstanding call failed without an answer (the transport: a timeout, a reset).
    /// Every contact call is safe to repeat, so the same call comes again after a backoff
    /// (1 s, 2 s, 4 s, ... up to 30 s), at most [`max_attempts`](ResolveConfig::max_attempts)
    /// times in a row.
    ///
    /// # Errors
    /// [`ResolveError::GaveUp`] after too many failures in a row;
    /// [`ResolveError::NothingOutstanding`] when no call is outstanding.
    pub fn call_failed(&mut self, now: Instant) -> Result<AnswerOutcome, ResolveError> {
        if let Some(halt) = &self.halt {
            return Err(halt.error(self.calls));
        }
        let Some(call) = self.current_call() else {
            return Err(ResolveError::NothingOutstanding);
        };
        self.retry_later(
            now,
            call.path(),
            "the call failed without an answer".to_owned(),
        )
    }

    /// Whether nothing is left to do (it may also have ended early: see [`next`](Self::next)).
    pub fn is_done(&self) -> bool {
        self.queue.is_empty()
    }

    /// Calls asked for so far.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Departments found so far.
    pub fn departments_found(&self) -> usize {
        self.depts.len()
    }

    /// People found so far.
    pub fn people_found(&self) -> usize {
        self.people.len()
    }

    /// The inputs that failed so far.
    pub fn unresolved(&self) -> &[Unresolved] {
        &self.unresolved
    }

    /// Adds department `id`, once, with its two tasks at the back of the queue; false when
    /// it was known already or the department limit ends the resolution.
    pub(super) fn add_dept(&mut self, id: DeptId) -> bool {
        if self.dept_index.contains_key(&id) {
            return false;
        }
        if self.depts.len() >= self.config.max_departments {
            self.halt = Some(Halt::TooManyDepartments {
                limit: self.config.max_departments,
            });
            return false;
        }
        let Ok(index) = u32::try_from(self.depts.len()) else {
            return false;
        };
        self.dept_index.insert(id, index);
        self.depts.push(id);
        self.queue.push_back(Task::SubDepartments { dept: index });
        self.queue.push_back(Task::Members {
            dept: index,
            cursor: 0,
            page: 0,
        });
        true
    }

    pub(super) fn fail_input(&mut self, input: Input, reason: UnresolvedReason) {
        self.unresolved.push(Unresolved::new(input, reason, None));
    }
}

/// The checkpoint as stored; checked when loaded.
#[derive(Deserialize)]
struct ResolutionRecord {
    config: ResolveConfig,
    depts: Vec<DeptId>,
    inputs: Vec<Input>,
    queue: VecDeque<Task>,
    people: PeopleColumns,
    unresolved: Vec<Unresolved>,
    calls: u64,
    attempts: u32,
    throttles: u32,
    halt: Option<Halt>,
}

impl TryFrom<ResolutionRecord> for Resolution {
    type Error = String;

    fn try_from(r: ResolutionRecord) -> Result<Self, String> {
        let people = People::from_columns(r.people, r.depts.len())?;
        let mut dept_index = HashMap::with_capacity(r.depts.len());
        for (i, id) in r.depts.iter().enumerate() {
            let i = u32::try_from(i).map_err(|_| "too many departments".to_owned())?;
            if dept_index.insert(*id, i).is_some() {
                return Err(format!("department {id} is listed twice"));
            }
        }
        let in_range = |i: u32, len: usize| (i as usize) < len;
        for task in &r.queue {
            let ok = match *task {
                Task::SubDepartments { dept } | Task::Members { dept, .. } => {
                    in_range(dept, r.depts.len())
                }
                Task::Lookup { input } => r
                    .inputs
                    .get(input as usize)
                    .is_some_and(|i| !matches!(i, Input::Department(_))),
            };
            if !ok {
                return Err(format!("a task is out of range: {task:?}"));
            }
        }
        Ok(Self {
            config: r.config.normalized(),
            depts: r.depts,
            inputs: r.inputs,
            queue: r.queue,
            people,
            unresolved: r.unresolved,
            calls: r.calls,
            attempts: r.attempts,
            throttles: r.throttles,
            halt: r.halt,
            dept_index,
            pacer: Pacer::default(),
        })
    }
}
