//! The per-person report of a campaign: one [`ReportRow`] per person, built from the chunks'
//! results and problems by a [`ReportBuilder`], with totals and read rates per department.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::result::ProblemKind;
use crate::api::SendResult;
use crate::code::ErrorCode;
use crate::ids::{DeptId, TaskId};

/// What became of one person, as the report says it.
///
/// When a person appears in several chunks (held back by a per-minute quota, then re-sent),
/// the row keeps the state that got the message furthest, in this order from best to worst:
/// `read`, `unread`, `result_unavailable` (accepted by DingTalk, who read it is unknown),
/// `ambiguous` (the send may or may not have arrived), `failed`, `forbidden`, `invalid`,
/// `not_sent`. Among equal states the later chunk wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonState {
    /// Not sent: planned, not yet sent, or its send was refused (nobody in it got it).
    NotSent,
    /// `invalid_user_id_list`: DingTalk knows no such user.
    Invalid,
    /// `forbidden_list`: held back by a limit (the row's `code` says which).
    Forbidden,
    /// `failed_user_id_list`: DingTalk could not deliver.
    Failed,
    /// The send may or may not have arrived (a timeout, a reset, a crash mid-call); it is
    /// never sent again on its own.
    Ambiguous,
    /// Accepted by DingTalk, but its result could not be read (past 24 hours, an error).
    ResultUnavailable,
    /// `unread_user_id_list`: delivered, not read.
    Unread,
    /// `read_user_id_list`: read.
    Read,
}

impl PersonState {
    /// Every state, from worst to best.
    pub const ALL: [Self; 8] = [
        Self::NotSent,
        Self::Invalid,
        Self::Forbidden,
        Self::Failed,
        Self::Ambiguous,
        Self::ResultUnavailable,
        Self::Unread,
        Self::Read,
    ];

    /// The state as the report writes it: `read`, `unread`, `not_sent`, ….
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::Invalid => "invalid",
            Self::Forbidden => "forbidden",
            Self::Failed => "failed",
            Self::Ambiguous => "ambiguous",
            Self::ResultUnavailable => "result_unavailable",
            Self::Unread => "unread",
            Self::Read => "read",
        }
    }

    /// Whether the person is known to have the message (read or unread).
    pub const fn is_reached(self) -> bool {
        matches!(self, Self::Read | Self::Unread)
    }

    fn of_problem(kind: ProblemKind) -> Self {
        match kind {
            ProblemKind::NotSent | ProblemKind::Failed => Self::NotSent,
            ProblemKind::Ambiguous => Self::Ambiguous,
            ProblemKind::ResultUnavailable => Self::ResultUnavailable,
        }
    }
}

/// One person of a campaign's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    /// The person's user id.
    pub user_id: String,
    /// What became of the message for them.
    pub state: PersonState,
    /// The limit that held them back, for `forbidden` (143105 daily limit, 143106 duplicate
    /// content, …).
    pub code: Option<ErrorCode>,
    /// Their departments, when the audience was resolved from departments; else empty.
    pub dept_ids: Vec<DeptId>,
    /// The chunk their state comes from (`None` for a person in no chunk).
    pub chunk: Option<usize>,
    /// That chunk's task, once sent.
    pub task_id: Option<TaskId>,
    /// Why, for a person not known to have it: the chunk's error or problem, as displayed.
    pub detail: Option<String>,
}

/// Read rates of one department: its people counted by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeptTally {
    /// People of the department in the report.
    pub people: usize,
    /// Of them, read.
    pub read: usize,
    /// Of them, delivered and unread.
    pub unread: usize,
    /// Of them, not known to have it (every other state).
    pub not_reached: usize,
}

impl DeptTally {
    /// `read / people`, 0 for an empty department.
    pub fn read_rate(&self) -> f64 {
        if self.people == 0 {
            0.0
        } else {
            // Counts of people: far below 2^52, exact in an f64.
            self.read as f64 / self.people as f64
        }
    }
}

/// A campaign's report: one row per person, in the order people first appear.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignReport {
    /// One row per person.
    pub rows: Vec<ReportRow>,
}

impl CampaignReport {
    /// How many people are in each state, every state listed (zeros included), worst first.
    pub fn totals(&self) -> Vec<(PersonState, usize)> {
        let mut counts = [0usize; PersonState::ALL.len()];
        for row in &self.rows {
            counts[row.state as usize] += 1;
        }
        PersonState::ALL.iter().copied().zip(counts).collect()
    }

    /// Read rates per department, by department id; a person counts in each of their
    /// departments. Empty when no row knows its departments.
    pub fn by_department(&self) -> BTreeMap<DeptId, DeptTally> {
        let mut depts: BTreeMap<DeptId, DeptTally> = BTreeMap::new();
        for row in &self.rows {
            for dept in &row.dept_ids {
                let tally = depts.entry(*dept).or_default();
                tally.people += 1;
                match row.state {
                    PersonState::Read => tally.read += 1,
                    PersonState::Unread => tally.unread += 1,
                    _ => tally.not_reached += 1,
                }
            }
        }
        depts
    }

    /// The people not known to have the message (neither read nor unread), in order.
    pub fn not_reached(&self) -> impl Iterator<Item = &ReportRow> {
        self.rows.iter().filter(|row| !row.state.is_reached())
    }
}

/// Builds a [`CampaignReport`] from chunks, added in chunk order: each chunk's result, or
/// its problem with its users. Linear in the people added.
///
/// ```
/// use dingtalk_notify_proto::api::{ForbiddenEntry, SendResult};
/// use dingtalk_notify_proto::campaign::{PersonState, ProblemKind, ReportBuilder};
/// use dingtalk_notify_proto::{DeptId, ErrorCode, TaskId};
///
/// let mut first = SendResult::default();
/// first.read_user_id_list = vec!["ann".into()];
/// first.forbidden_list = vec![ForbiddenEntry::new(ErrorCode::DUPLICATE_CONTENT, 1, "bob")];
/// let mut report = ReportBuilder::new();
/// report.add_result(0, TaskId(7), &first);
/// report.add_problem(1, Some(TaskId(8)), ProblemKind::ResultUnavailable, "past 24 h", ["cy".to_string()]);
/// report.set_departments("ann", [DeptId(2), DeptId(3)]);
/// let report = report.finish();
/// let states: Vec<_> = report.rows.iter().map(|r| (r.user_id.as_str(), r.state)).collect();
/// assert_eq!(states, [("ann", PersonState::Read), ("bob", PersonState::Forbidden),
///     ("cy", PersonState::ResultUnavailable)]);
/// assert_eq!(report.rows[1].code, Some(ErrorCode::DUPLICATE_CONTENT));
/// assert_eq!(report.by_department()[&DeptId(2)].read, 1);
/// ```
#[derive(Debug, Default)]
pub struct ReportBuilder {
    rows: Vec<ReportRow>,
    index: HashMap<String, usize>,
    depts: HashMap<String, Vec<DeptId>>,
}

impl ReportBuilder {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds chunk `chunk`'s result, read for its task `task`.
    pub fn add_result(&mut self, chunk: usize, task: TaskId, result: &SendResult) {
        let lists = [
            (&result.read_user_id_list, PersonState::Read),
            (&result.unread_user_id_list, PersonState::Unread),
            (&result.failed_user_id_list, PersonState::Failed),
            (&result.invalid_user_id_list, PersonState::Invalid),
        ];
        for (list, state) in lists {
            for user in list {
                self.see(user, state, None, chunk, Some(task), None);
            }
        }
        let mut with_entry = HashSet::with_capacity(result.forbidden_list.len());
        for entry in &result.forbidden_list {
            with_entry.insert(entry.userid.as_str());
            let code = Some(entry.code);
            self.see(
                &entry.userid,
                PersonState::Forbidden,
                code,
                chunk,
                Some(task),
                None,
            );
        }
        // Ids in `forbidden_user_id_list` without a `forbidden_list` entry in this result
        // (older answers): forbidden, code unknown.
        for user in &result.forbidden_user_id_list {
            if !with_entry.contains(user.as_str()) {
                self.see(user, PersonState::Forbidden, None, chunk, Some(task), None);
            }
        }
    }

    /// Adds chunk `chunk`, which has no result, with its people: `task` once it was sent,
    /// `detail` the reason as displayed. A chunk not sent yet and a chunk whose send was
    /// refused ([`ProblemKind::NotSent`], [`ProblemKind::Failed`]) both make `not_sent`
    /// rows (nobody in them got it); `detail` says which.
    pub fn add_problem(
        &mut self,
        chunk: usize,
        task: Option<TaskId>,
        kind: ProblemKind,
        detail: &str,
        user_ids: impl IntoIterator<Item = String>,
    ) {
        let state = PersonState::of_problem(kind);
        for user in user_ids {
            self.see(&user, state, None, chunk, task, Some(detail));
        }
    }

    /// Records `user`'s departments (from the audience's resolution); a person not yet in
    /// the report gets them when added, or is added as `not_sent` by [`finish`](Self::finish)
    /// if no chunk ever names them. Each department counts once per person (sorted,
    /// duplicates removed). The campaign record does not keep resolved departments yet, so
    /// this is how a caller who knows them (from its own resolution) adds them.
    pub fn set_departments(&mut self, user: &str, depts: impl IntoIterator<Item = DeptId>) {
        let mut depts: Vec<DeptId> = depts.into_iter().collect();
        depts.sort_unstable();
        depts.dedup();
        self.depts.insert(user.to_owned(), depts);
    }

    fn see(
        &mut self,
        user: &str,
        state: PersonState,
        code: Option<ErrorCode>,
        chunk: usize,
        task_id: Option<TaskId>,
        detail: Option<&str>,
    ) {
        let row = ReportRow {
            user_id: user.to_owned(),
            state,
            code,
            dept_ids: Vec::new(),
            chunk: Some(chunk),
            task_id,
            detail: detail.map(str::to_owned),
        };
        match self.index.get(user) {
            // Best state wins; among equals the later chunk (added later) wins.
            Some(&i) if state >= self.rows[i].state => self.rows[i] = row,
            Some(_) => {}
            None => {
                self.index.insert(user.to_owned(), self.rows.len());
                self.rows.push(row);
            }
        }
    }

    /// The report: each person once, in first-seen order, then the people whose departments
    /// are known but who are in no chunk (as `not_sent`, in no particular chunk).
    pub fn finish(mut self) -> CampaignReport {
        for row in &mut self.rows {
            if let Some(depts) = self.depts.remove(&row.user_id) {
                row.dept_ids = depts;
            }
        }
        let mut missing: Vec<(String, Vec<DeptId>)> = self.depts.into_iter().collect();
        missing.sort_unstable();
        for (user_id, dept_ids) in missing {
            self.rows.push(ReportRow {
                user_id,
                state: PersonState::NotSent,
                code: None,
                dept_ids,
                chunk: None,
                task_id: None,
                detail: None,
            });
        }
        CampaignReport { rows: self.rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ForbiddenEntry;

    fn result(read: &[&str], unread: &[&str], forbidden: &[(&str, i64)]) -> SendResult {
        SendResult {
            read_user_id_list: read.iter().map(|s| s.to_string()).collect(),
            unread_user_id_list: unread.iter().map(|s| s.to_string()).collect(),
            forbidden_list: forbidden
                .iter()
                .map(|(u, c)| ForbiddenEntry::new(ErrorCode::new(*c), 1, *u))
                .collect(),
            forbidden_user_id_list: forbidden.iter().map(|(u, _)| u.to_string()).collect(),
            ..SendResult::default()
        }
    }

    #[test]
    fn a_person_held_back_then_resent_keeps_the_resend() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result(&["a"], &[], &[("b", 143103)]));
        b.add_result(3, TaskId(9), &result(&[], &["b"], &[]));
        let report = b.finish();
        let b_row = &report.rows[1];
        assert_eq!(
            (b_row.state, b_row.chunk, b_row.task_id, b_row.code),
            (PersonState::Unread, Some(3), Some(TaskId(9)), None)
        );
    }

    #[test]
    fn a_worse_later_state_does_not_override() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result(&["a"], &[], &[]));
        b.add_problem(
            1,
            None,
            ProblemKind::Ambiguous,
            "timed out",
            ["a".to_string()],
        );
        b.add_problem(2, None, ProblemKind::Failed, "refused", ["c".to_string()]);
        b.add_problem(4, None, ProblemKind::Ambiguous, "reset", ["c".to_string()]);
        let report = b.finish();
        assert_eq!(report.rows[0].state, PersonState::Read);
        assert_eq!(report.rows[0].chunk, Some(0));
        assert_eq!(report.rows[1].state, PersonState::Ambiguous);
        assert_eq!(report.rows[1].detail.as_deref(), Some("reset"));
    }

    #[test]
    fn totals_and_departments_count_every_person_once() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result(&["a", "b"], &["c"], &[("d", 143106)]));
        b.add_problem(1, None, ProblemKind::NotSent, "", ["e".to_string()]);
        b.set_departments("a", [DeptId(2)]);
        b.set_departments("c", [DeptId(2), DeptId(3)]);
        b.set_departments("z", [DeptId(3)]); // resolved, but in no chunk
        let report = b.finish();
        let totals: BTreeMap<&str, usize> = report
            .totals()
            .into_iter()
            .map(|(s, n)| (s.as_str(), n))
            .collect();
        assert_eq!(totals["read"], 2);
        assert_eq!(totals["unread"], 1);
        assert_eq!(totals["forbidden"], 1);
        assert_eq!(totals["not_sent"], 2);
        assert_eq!(totals.values().sum::<usize>(), report.rows.len());
        let by = report.by_department();
        assert_eq!(
            by[&DeptId(2)],
            DeptTally {
                people: 2,
                read: 1,
                unread: 1,
                not_reached: 0
            }
        );
        assert_eq!(by[&DeptId(3)].not_reached, 1);
        assert!((by[&DeptId(2)].read_rate() - 0.5).abs() < 1e-9);
        let not_reached: Vec<&str> = report.not_reached().map(|r| r.user_id.as_str()).collect();
        assert_eq!(not_reached, ["d", "e", "z"]);
    }

    #[test]
    fn a_forbidden_id_without_an_entry_is_forbidden_again_in_a_later_chunk() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result(&[], &[], &[("a", 143103)]));
        let later = SendResult {
            forbidden_user_id_list: vec!["a".into()],
            ..SendResult::default()
        };
        b.add_result(2, TaskId(5), &later);
        let report = b.finish();
        assert_eq!(report.rows.len(), 1);
        assert_eq!(
            (
                report.rows[0].chunk,
                report.rows[0].task_id,
                report.rows[0].code
            ),
            (Some(2), Some(TaskId(5)), None)
        );
    }

    #[test]
    fn a_department_listed_twice_counts_the_person_once() {
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result(&["a"], &[], &[]));
        b.set_departments("a", [DeptId(4), DeptId(2), DeptId(4)]);
        let report = b.finish();
        assert_eq!(report.rows[0].dept_ids, [DeptId(2), DeptId(4)]);
        assert_eq!(report.by_department()[&DeptId(4)].people, 1);
    }

    #[test]
    fn totals_follow_the_order_of_all() {
        // `totals` indexes by discriminant: ALL must list the states in declaration order.
        for (i, state) in PersonState::ALL.iter().enumerate() {
            assert_eq!(*state as usize, i, "{state:?}");
        }
        assert!(PersonState::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn states_serialize_as_the_report_writes_them() {
        for state in PersonState::ALL {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::from(state.as_str())
            );
        }
    }
}
