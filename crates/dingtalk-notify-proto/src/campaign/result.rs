//! Merging per-chunk results into one [`CampaignResult`] in which each user appears once.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::api::{ForbiddenEntry, SendResult};
use crate::code::ErrorCode;
use crate::ids::DeptId;

/// What became of one user, from best to worst. When a user shows up in several lists (a
/// user held back by the per-minute quota in one chunk and re-sent in another, or a resent
/// ambiguous chunk), the merged result keeps the **best** outcome:
/// read > unread > failed > forbidden > invalid. Among equal outcomes the latest chunk wins
/// (it is the later attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserOutcome {
    /// `invalid_user_id_list`: the id does not exist.
    Invalid,
    /// `forbidden_user_id_list` or `forbidden_list`: held back by a limit.
    Forbidden,
    /// `failed_user_id_list`: DingTalk could not deliver.
    Failed,
    /// `unread_user_id_list`: delivered, not read.
    Unread,
    /// `read_user_id_list`: read.
    Read,
}

/// A chunk without a per-user result, kept beside the merged one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkProblem {
    /// The chunk.
    pub index: usize,
    /// What the problem is.
    pub kind: ProblemKind,
    /// The error or reason, as displayed.
    pub detail: String,
    /// Its users that appear in no result list (each user once across the whole result).
    pub user_ids: Vec<String>,
}

/// Why a chunk has no per-user result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Not sent yet (planned or sending).
    NotSent,
    /// The send failed: nobody got it.
    Failed,
    /// The send is ambiguous: its users may or may not have it.
    Ambiguous,
    /// Sent, but its result could not be read (a department chunk over 100 recipients, a
    /// task past 24 hours, an error).
    ResultUnavailable,
}

/// The merged result of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignResult {
    /// Every reported user exactly once, in the list of its best outcome; `forbidden_list`
    /// holds one entry per forbidden user (from the latest chunk that forbade it).
    pub send_result: SendResult,
    /// The chunks without a result.
    pub problems: Vec<ChunkProblem>,
}

/// Collects chunk results and problems in chunk order, then merges them in linear time.
///
/// ```
/// use dingtalk_notify_proto::api::{ForbiddenEntry, SendResult};
/// use dingtalk_notify_proto::campaign::{ProblemKind, ResultMerger};
/// use dingtalk_notify_proto::ErrorCode;
/// let first = SendResult {
///     read_user_id_list: vec!["a".into()],
///     forbidden_list: vec![ForbiddenEntry {
///         code: ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED, count: 5000, userid: "b".into(),
///     }],
///     ..SendResult::default()
/// };
/// let resent = SendResult { unread_user_id_list: vec!["b".into()], ..SendResult::default() };
/// let mut merger = ResultMerger::new();
/// merger.add_result(&first);
/// merger.add_result(&resent);
/// merger.add_problem(2, ProblemKind::Ambiguous, "timed out", ["c".to_string()]);
/// let merged = merger.finish();
/// assert_eq!(merged.send_result.read_user_id_list, ["a"]);
/// assert_eq!(merged.send_result.unread_user_id_list, ["b"]); // unread beats forbidden
/// assert!(merged.send_result.forbidden_list.is_empty());
/// assert_eq!(merged.problems[0].user_ids, ["c"]);
/// ```
#[derive(Debug, Default)]
pub struct ResultMerger {
    /// Per user: best outcome, first-seen order, and the forbidden entry kept for it.
    users: HashMap<String, Slot>,
    next_order: usize,
    invalid_depts: Vec<DeptId>,
    problems: Vec<(usize, ProblemKind, String, Vec<String>)>,
}

#[derive(Debug)]
struct Slot {
    outcome: UserOutcome,
    order: usize,
    forbidden: Option<ForbiddenEntry>,
}

impl ResultMerger {
    /// An empty merger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk's result. Add chunks in order: among equal outcomes the later one wins.
    pub fn add_result(&mut self, result: &SendResult) {
        let lists = [
            (&result.read_user_id_list, UserOutcome::Read),
            (&result.unread_user_id_list, UserOutcome::Unread),
            (&result.failed_user_id_list, UserOutcome::Failed),
            (&result.forbidden_user_id_list, UserOutcome::Forbidden),
            (&result.invalid_user_id_list, UserOutcome::Invalid),
        ];
        for (list, outcome) in lists {
            for user in list {
                self.see(user, outcome, None);
            }
        }
        for entry in &result.forbidden_list {
            self.see(&entry.userid, UserOutcome::Forbidden, Some(entry));
        }
        self.invalid_depts.extend(&result.invalid_dept_id_list);
    }

    /// Adds chunk `index`, which has no result, with its users.
    pub fn add_problem(
        &mut self,
        index: usize,
        kind: ProblemKind,
        detail: impl Into<String>,
        user_ids: impl IntoIterator<Item = String>,
    ) {
        self.problems
            .push((index, kind, detail.into(), user_ids.into_iter().collect()));
    }

    fn see(&mut self, user: &str, outcome: UserOutcome, entry: Option<&ForbiddenEntry>) {
        if let Some(slot) = self.users.get_mut(user) {
            if outcome >= slot.outcome {
                slot.outcome = outcome;
            }
            if let Some(e) = entry {
                slot.forbidden = Some(e.clone());
            }
            return;
        }
        self.users.insert(
            user.to_owned(),
            Slot {
                outcome,
                order: self.next_order,
                forbidden: entry.cloned(),
            },
        );
        self.next_order += 1;
    }

    /// The merged result: each user once, lists in first-seen order.
    pub fn finish(self) -> CampaignResult {
        let mut ordered: Vec<(String, Slot)> = self.users.into_iter().collect();
        ordered.sort_unstable_by_key(|(_, slot)| slot.order);
        let mut r = SendResult::default();
        let mut reported = HashSet::with_capacity(ordered.len());
        for (user, slot) in ordered {
            let list = match slot.outcome {
                UserOutcome::Read => &mut r.read_user_id_list,
                UserOutcome::Unread => &mut r.unread_user_id_list,
                UserOutcome::Failed => &mut r.failed_user_id_list,
                UserOutcome::Invalid => &mut r.invalid_user_id_list,
                UserOutcome::Forbidden => {
                    if let Some(entry) = slot.forbidden {
                        r.forbidden_list.push(entry);
                    }
                    &mut r.forbidden_user_id_list
                }
            };
            reported.insert(user.clone());
            list.push(user);
        }
        let mut depts = HashSet::new();
        r.invalid_dept_id_list = self
            .invalid_depts
            .into_iter()
            .filter(|d| depts.insert(*d))
            .collect();
        let problems = self
            .problems
            .into_iter()
            .map(|(index, kind, detail, user_ids)| ChunkProblem {
                index,
                kind,
                detail,
                user_ids: user_ids
                    .into_iter()
                    .filter(|u| reported.insert(u.clone()))
                    .collect(),
            })
            .collect();
        CampaignResult {
            send_result: r,
            problems,
        }
    }
}

/// Whether `code` is a per-minute recipient quota (143103, 143104, ISV 143203, 143204):
/// users held back by it did not get the message and may be sent it once the quota allows.
/// The daily and duplicate codes (143105, 143106, 143205, 143206) are final for the day.
pub fn is_per_minute_quota(code: ErrorCode) -> bool {
    matches!(code.get(), 143103 | 143104 | 143203 | 143204)
}

/// The users of one chunk's result to send again later: those in `forbidden_list` with a
/// per-minute quota code and in no delivered list, each once, in order.
///
/// ```
/// use dingtalk_notify_proto::api::{ForbiddenEntry, SendResult};
/// use dingtalk_notify_proto::campaign::users_to_resend;
/// use dingtalk_notify_proto::ErrorCode;
/// let entry = |code, user: &str| ForbiddenEntry { code, count: 0, userid: user.into() };
/// let result = SendResult {
///     forbidden_list: vec![
///         entry(ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED, "a"),
///         entry(ErrorCode::DUPLICATE_CONTENT, "b"), // final for today
///     ],
///     ..SendResult::default()
/// };
/// assert_eq!(users_to_resend(&result), ["a"]);
/// ```
pub fn users_to_resend(result: &SendResult) -> Vec<String> {
    let delivered: HashSet<&str> = result
        .read_user_id_list
        .iter()
        .chain(&result.unread_user_id_list)
        .map(String::as_str)
        .collect();
    let final_today: HashSet<&str> = result
        .forbidden_list
        .iter()
        .filter(|e| !is_per_minute_quota(e.code))
        .map(|e| e.userid.as_str())
        .collect();
    let mut seen = HashSet::new();
    result
        .forbidden_list
        .iter()
        .filter(|e| is_per_minute_quota(e.code))
        .map(|e| e.userid.as_str())
        .filter(|u| !delivered.contains(u) && !final_today.contains(u) && seen.insert(*u))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn entry(code: i64, user: &str) -> ForbiddenEntry {
        ForbiddenEntry {
            code: ErrorCode::new(code),
            count: 1,
            userid: user.into(),
        }
    }

    #[test]
    fn precedence_is_read_unread_failed_forbidden_invalid() {
        let mut m = ResultMerger::new();
        m.add_result(&SendResult {
            invalid_user_id_list: list(&["a", "b", "c", "d", "e"]),
            ..SendResult::default()
        });
        m.add_result(&SendResult {
            forbidden_user_id_list: list(&["b", "c", "d", "e"]),
            ..SendResult::default()
        });
        m.add_result(&SendResult {
            read_user_id_list: list(&["e"]),
            failed_user_id_list: list(&["c", "d", "e"]),
            unread_user_id_list: list(&["d", "e"]),
            ..SendResult::default()
        });
        let r = m.finish().send_result;
        assert_eq!(r.invalid_user_id_list, ["a"]);
        assert_eq!(r.forbidden_user_id_list, ["b"]);
        assert_eq!(r.failed_user_id_list, ["c"]);
        assert_eq!(r.unread_user_id_list, ["d"]);
        assert_eq!(r.read_user_id_list, ["e"]);
    }

    #[test]
    fn a_forbidden_user_keeps_one_entry_from_the_latest_chunk() {
        let mut m = ResultMerger::new();
        m.add_result(&SendResult {
            forbidden_user_id_list: list(&["a"]),
            forbidden_list: vec![entry(143103, "a"), entry(143106, "z")],
            invalid_dept_id_list: vec![DeptId(4)],
            ..SendResult::default()
        });
        m.add_result(&SendResult {
            forbidden_list: vec![entry(143105, "a")],
            invalid_dept_id_list: vec![DeptId(4), DeptId(5)],
            ..SendResult::default()
        });
        let r = m.finish().send_result;
        assert_eq!(r.forbidden_user_id_list, ["a", "z"]);
        assert_eq!(r.forbidden_list, [entry(143105, "a"), entry(143106, "z")]);
        assert_eq!(r.invalid_dept_id_list, [DeptId(4), DeptId(5)]);
    }

    #[test]
    fn problem_users_already_reported_are_not_repeated() {
        let mut m = ResultMerger::new();
        m.add_result(&SendResult {
            forbidden_list: vec![entry(143103, "a")],
            ..SendResult::default()
        });
        m.add_problem(1, ProblemKind::Failed, "40056", list(&["a", "b", "b"]));
        let r = m.finish();
        assert_eq!(r.send_result.forbidden_user_id_list, ["a"]);
        assert_eq!(
            r.problems,
            [ChunkProblem {
                index: 1,
                kind: ProblemKind::Failed,
                detail: "40056".into(),
                user_ids: list(&["b"]),
            }]
        );
    }

    #[test]
    fn only_per_minute_quota_users_are_resent() {
        let r = SendResult {
            unread_user_id_list: list(&["delivered"]),
            forbidden_user_id_list: list(&["unknown-reason"]),
            forbidden_list: vec![
                entry(143103, "a"),
                entry(143104, "b"),
                entry(143203, "c"),
                entry(143204, "d"),
                entry(143103, "a"),
                entry(143105, "daily"),
                entry(143106, "dup"),
                entry(143205, "isv-daily"),
                entry(143206, "isv-dup"),
                entry(143103, "delivered"),
                entry(143103, "dup"),
            ],
            ..SendResult::default()
        };
        assert_eq!(users_to_resend(&r), ["a", "b", "c", "d"]);
        for code in [143105, 143106, 143205, 143206, 90020] {
            assert!(!is_per_minute_quota(ErrorCode::new(code)));
        }
    }
}
