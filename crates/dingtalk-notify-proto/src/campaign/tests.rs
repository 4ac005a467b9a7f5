//! Record rules, and property tests of the plan, the quota window, the merge and the tally.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::*;
use crate::api::{ForbiddenEntry, ProgressStatus, RecipientLimits, SendProgress, SendResult};
use crate::code::ErrorCode;
use crate::ids::DeptId;
use crate::message::Message;
use crate::tracking::TaskHandle;

fn t(n: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + n)
}

fn record(users: usize) -> CampaignRecord {
    let ids = (0..users).map(|i| format!("u{i}"));
    let plan =
        CampaignPlan::new(7, Message::text("hi"), Audience::users(ids), CHUNK_LIMITS).unwrap();
    CampaignRecord::new(CampaignId::new("c1").unwrap(), plan, t(0))
}

fn sent(task: u64) -> ChunkState {
    ChunkState::Sent {
        task: TaskHandle::new(7, task).sent_at(t(1)),
    }
}

#[test]
fn resume_sends_only_what_was_never_sent() {
    let mut r = record(600); // 6 chunks
    let failure = |retryable| ChunkFailure {
        code: Some(ErrorCode::new(if retryable { 143103 } else { 40056 })),
        message: String::new(),
        retryable,
    };
    r.set_state(1, ChunkState::Sending { since: t(1) }).unwrap();
    r.set_state(2, sent(22)).unwrap();
    r.set_state(
        3,
        ChunkState::Failed {
            failure: failure(true),
        },
    )
    .unwrap();
    r.set_state(
        4,
        ChunkState::Failed {
            failure: failure(false),
        },
    )
    .unwrap();
    r.set_state(
        5,
        ChunkState::Ambiguous {
            since: t(2),
            reason: "timeout".into(),
        },
    )
    .unwrap();
    let plan = r.resume_plan();
    assert_eq!(plan.send, [0, 3]);
    assert_eq!(plan.interrupted, [1]);
    assert_eq!(plan.ambiguous, [5]);
    assert_eq!(
        r.tasks()
            .map(|(i, t)| (i, t.task_id.get()))
            .collect::<Vec<_>>(),
        [(2, 22)]
    );
    assert_eq!(
        r.set_state(6, ChunkState::Planned),
        Err(RecordError::NoSuchChunk(6))
    );
}

#[test]
fn a_resend_goes_once_to_the_chunks_own_held_back_users() {
    let mut r = record(150);
    assert_eq!(
        r.plan_resend(0, vec!["u1".into()]),
        Err(RecordError::NotSent(0))
    );
    r.set_state(0, sent(1)).unwrap();
    let err = r.plan_resend(0, vec!["u120".into()]).unwrap_err();
    assert!(
        matches!(err, RecordError::NotARecipient { index: 0, .. }),
        "{err}"
    );
    let chunks = r
        .plan_resend(0, vec!["u3".into(), "u9".into(), "u3".into()])
        .unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].index, 2);
    assert_eq!(chunks[0].origin, ChunkOrigin::Resend { of: 0 });
    assert_eq!(chunks[0].recipients.user_ids(), ["u3", "u9"]);
    r.append(chunks).unwrap();
    assert_eq!(
        r.plan_resend(0, vec!["u3".into()]),
        Err(RecordError::AlreadyResent(0))
    );
    assert_eq!(r.resume_plan().send, [1, 2]);
    assert_eq!((r.resend_depth(0), r.resend_depth(2)), (0, 1));
    assert_eq!(
        r.plan_resend(0, Vec::new()),
        Err(RecordError::AlreadyResent(0))
    );
    r.set_state(1, sent(2)).unwrap();
    assert_eq!(r.plan_resend(1, Vec::new()).unwrap(), []);
    assert_eq!(
        r.plan_resend(9, Vec::new()),
        Err(RecordError::NoSuchChunk(9))
    );
}

#[test]
fn append_refuses_chunks_out_of_place_oversized_or_resending_the_wrong_chunk() {
    let mut r = record(100);
    let users = |n: usize| ChunkRecipients::Users {
        user_ids: (0..n).map(|i| format!("x{i}")).collect(),
    };
    let chunk = |index, recipients, origin| ChunkRecord {
        index,
        recipients,
        origin,
        state: ChunkState::Planned,
        user_depts: Vec::new(),
    };
    let cases = [
        (
            chunk(2, users(1), ChunkOrigin::Audience),
            RecordError::OutOfPlace {
                expected: 1,
                found: 2,
            },
        ),
        (
            chunk(1, users(0), ChunkOrigin::Audience),
            RecordError::BadSize {
                index: 1,
                count: 0,
                limit: MAX_CHUNK_USERS,
            },
        ),
        (
            chunk(1, users(MAX_CHUNK_USERS + 1), ChunkOrigin::Audience),
            RecordError::BadSize {
                index: 1,
                count: MAX_CHUNK_USERS + 1,
                limit: MAX_CHUNK_USERS,
            },
        ),
        (
            chunk(1, users(1), ChunkOrigin::Resend { of: 1 }),
            RecordError::BadOrigin { index: 1, of: 1 },
        ),
        (
            chunk(1, ChunkRecipients::AllUsers, ChunkOrigin::Resend { of: 0 }),
            RecordError::BadOrigin { index: 1, of: 0 },
        ),
    ];
    for (c, expected) in cases {
        assert_eq!(r.append(vec![c]), Err(expected));
        assert_eq!(r.chunks().len(), 1, "nothing appended");
    }
    let depts = chunk(
        1,
        ChunkRecipients::Depts {
            dept_ids: vec![DeptId(1)],
        },
        ChunkOrigin::Audience,
    );
    let resend_of_depts = chunk(2, users(1), ChunkOrigin::Resend { of: 1 });
    assert_eq!(
        r.append(vec![depts, resend_of_depts]),
        Err(RecordError::BadOrigin { index: 2, of: 1 })
    );
}

#[test]
fn a_stored_record_is_checked_when_read() {
    let mut r = record(250);
    r.set_state(1, sent(5)).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let back: CampaignRecord = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, r);
    assert_eq!(json["header"]["schema"], SCHEMA_VERSION);
    assert_eq!(json["header"]["audience"]["users"], 250);
    assert!(json.get("limits").is_none(), "the client holds the limits");
    assert_eq!(json["chunks"][1]["state"]["state"], "sent");
    assert_eq!(json["chunks"][1]["state"]["task"]["task_id"], 5);

    let mut swapped = json.clone();
    swapped["chunks"][0]["index"] = 1.into();
    let err = serde_json::from_value::<CampaignRecord>(swapped).unwrap_err();
    assert!(err.to_string().contains("stored at place 0"), "{err}");
    let mut bad_id = json.clone();
    bad_id["header"]["id"] = "../etc".into();
    assert!(serde_json::from_value::<CampaignRecord>(bad_id).is_err());
    let mut newer = json.clone();
    newer["header"]["schema"] = (SCHEMA_VERSION + 1).into();
    let err = serde_json::from_value::<CampaignRecord>(newer).unwrap_err();
    assert!(err.to_string().contains("schema version"), "{err}");
    // The message is checked once, when the record is read.
    let mut bad_message = json.clone();
    bad_message["header"]["message"]["text"]["content"] = " ".into();
    assert!(serde_json::from_value::<CampaignRecord>(bad_message).is_err());
    // A later version's header fields are ignored, not refused.
    let mut grown = json;
    grown["header"]["a_later_field"] = "c0".into();
    assert_eq!(serde_json::from_value::<CampaignRecord>(grown).unwrap(), r);
    // A reminder's links: absent from a record without them, read back when present.
    assert!(r.header().parent.is_none() && r.header().reminders.is_empty());
    let mut linked = r.header().clone();
    linked.parent = Some(CampaignId::new("c0").unwrap());
    linked.reminders = vec![CampaignId::new("c2").unwrap()];
    let json = serde_json::to_value(&linked).unwrap();
    assert_eq!(
        (json["parent"].as_str(), json["reminders"][0].as_str()),
        (Some("c0"), Some("c2"))
    );
    assert_eq!(
        serde_json::from_value::<CampaignHeader>(json).unwrap(),
        linked
    );
    let plain = serde_json::to_value(r.header()).unwrap();
    assert!(plain.get("parent").is_none() && plain.get("reminders").is_none());
}

#[test]
fn campaign_ids_are_safe_names() {
    for ok in ["a", "c-2026.12_01", &"x".repeat(64)] {
        assert_eq!(CampaignId::new(ok).unwrap().as_str(), ok);
    }
    for bad in ["", "a b", "a/b", "é", &"x".repeat(65), "a\n"] {
        let err = CampaignId::new(bad).unwrap_err();
        assert!(err.to_string().contains("1 to 64"), "{err}");
    }
}

#[test]
fn record_progress_weights_chunks_by_users() {
    let mut r = record(150); // 100 + 50
    r.set_state(0, sent(1)).unwrap();
    let done = SendProgress {
        progress_in_percent: 100,
        status: ProgressStatus::Completed,
    };
    let p = r.progress(|c| (c.index == 0).then_some(done));
    assert_eq!((p.delivered, p.waiting), (1, 1));
    assert_eq!(p.progress_in_percent, 66);
    r.set_state(1, sent(2)).unwrap();
    let p = r.progress(|_| Some(done));
    assert!(p.is_finished());
    assert_eq!(p.progress_in_percent, 100);
}

// ---- Property tests ----

/// Ids from a small alphabet, so duplicates are common; some padded with spaces.
fn user_ids() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0u8..40, any::<bool>()), 0..300).prop_map(|v| {
        v.into_iter()
            .map(|(n, pad)| {
                if pad {
                    format!(" u{n} ")
                } else {
                    format!("u{n}")
                }
            })
            .collect()
    })
}

/// The reference: first occurrences, trimmed, by a quadratic scan.
fn first_occurrences<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

proptest! {
    #[test]
    fn plan_sends_every_id_once_in_order_within_limits(
        users in user_ids(),
        depts in prop::collection::vec(1u64..30, 0..60),
        max_users in 1usize..12,
        max_depts in 1usize..6,
    ) {
        let limits = RecipientLimits { max_users, max_depts, allow_to_all_user: true };
        let audience = Audience::users(users.clone()).and_depts(depts.clone());
        let plan = CampaignPlan::new(7, Message::text("x"), audience, limits);
        let trimmed: Vec<String> = users.iter().map(|u| u.trim().to_owned()).collect();
        let want_users = first_occurrences(&trimmed);
        let want_depts: Vec<DeptId> = first_occurrences(&depts).into_iter().map(DeptId).collect();
        if want_users.is_empty() && want_depts.is_empty() {
            prop_assert_eq!(plan.unwrap_err(), PlanError::EmptyAudience);
            return Ok(());
        }
        let plan = plan.unwrap();
        let mut got_users = Vec::new();
        let mut got_depts = Vec::new();
        let mut seen_depts = false;
        for c in plan.chunks() {
            match c {
                ChunkRecipients::Users { user_ids } => {
                    prop_assert!(!seen_depts, "users come before departments");
                    prop_assert!(!user_ids.is_empty() && user_ids.len() <= max_users);
                    got_users.extend(user_ids.iter().map(str::to_owned));
                }
                ChunkRecipients::Depts { dept_ids } => {
                    seen_depts = true;
                    prop_assert!(!dept_ids.is_empty() && dept_ids.len() <= max_depts);
                    got_depts.extend(dept_ids.iter().copied());
                }
                ChunkRecipients::AllUsers => prop_assert!(false, "no all-user chunk"),
            }
        }
        prop_assert_eq!(plan.user_count(), want_users.len());
        prop_assert_eq!(&got_users, &want_users);
        prop_assert_eq!(&got_depts, &want_depts);
        // As few chunks as the limits allow.
        let want_chunks = want_users.len().div_ceil(max_users) + want_depts.len().div_ceil(max_depts);
        prop_assert_eq!(plan.chunks().len(), want_chunks);
    }

    #[test]
    fn merged_result_holds_each_user_once_at_its_best_outcome(
        chunks in prop::collection::vec(
            prop::collection::vec((0u8..30, 0u8..6), 0..40), 0..8),
        problem_users in prop::collection::vec(0u8..40, 0..20),
    ) {
        // List 5 means a forbidden_list entry only.
        let outcome_of = |list: u8| match list {
            0 => UserOutcome::Read,
            1 => UserOutcome::Unread,
            2 => UserOutcome::Failed,
            3 | 5 => UserOutcome::Forbidden,
            _ => UserOutcome::Invalid,
        };
        let mut merger = ResultMerger::new();
        let mut best: HashMap<String, UserOutcome> = HashMap::new();
        for chunk in &chunks {
            let mut r = SendResult::default();
            for (user, list) in chunk {
                let user = format!("u{user}");
                match list {
                    0 => r.read_user_id_list.push(user.clone()),
                    1 => r.unread_user_id_list.push(user.clone()),
                    2 => r.failed_user_id_list.push(user.clone()),
                    3 => r.forbidden_user_id_list.push(user.clone()),
                    5 => r.forbidden_list.push(ForbiddenEntry {
                        code: ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED,
                        count: 0,
                        userid: user.clone(),
                    }),
                    _ => r.invalid_user_id_list.push(user.clone()),
                }
                let o = outcome_of(*list);
                let e = best.entry(user).or_insert(o);
                if o > *e { *e = o; }
            }
            merger.add_result(&r);
        }
        let problem: Vec<String> = problem_users.iter().map(|u| format!("u{u}")).collect();
        merger.add_problem(99, ProblemKind::Ambiguous, "x", problem.clone());
        let merged = merger.finish();
        let r = &merged.send_result;
        let mut found: HashMap<String, UserOutcome> = HashMap::new();
        let lists = [
            (&r.read_user_id_list, UserOutcome::Read),
            (&r.unread_user_id_list, UserOutcome::Unread),
            (&r.failed_user_id_list, UserOutcome::Failed),
            (&r.forbidden_user_id_list, UserOutcome::Forbidden),
            (&r.invalid_user_id_list, UserOutcome::Invalid),
        ];
        for (list, outcome) in lists {
            for u in list {
                prop_assert!(found.insert(u.clone(), outcome).is_none(), "{} twice", u);
            }
        }
        prop_assert_eq!(&found, &best);
        let entries: Vec<&str> = r.forbidden_list.iter().map(|e| e.userid.as_str()).collect();
        let unique: HashSet<&str> = entries.iter().copied().collect();
        prop_assert_eq!(unique.len(), entries.len());
        prop_assert!(unique.iter().all(|u| best.get(*u) == Some(&UserOutcome::Forbidden)));
        // Problem users: each once, none already reported.
        let p = &merged.problems[0].user_ids;
        let want: Vec<String> = first_occurrences(&problem)
            .into_iter()
            .filter(|u| !best.contains_key(u))
            .collect();
        prop_assert_eq!(p, &want);
    }

    #[test]
    fn progress_counts_every_chunk_once_and_stays_between_its_chunks(
        chunks in prop::collection::vec((0u8..6, 0u64..200, 0u32..=100), 1..30),
    ) {
        let mut tally = ProgressTally::new();
        let (mut lo, mut hi) = (100u32, 0u32);
        for (kind, weight, percent) in &chunks {
            let (state, progress, contributes) = match kind {
                0 => (ChunkState::Planned, None, 0),
                1 => (ChunkState::Sending { since: t(0) }, None, 0),
                2 => (sent(1), Some(SendProgress { progress_in_percent: *percent, status: ProgressStatus::InProgress }), *percent),
                3 => (sent(1), Some(SendProgress { progress_in_percent: 100, status: ProgressStatus::Completed }), 100),
                4 => (ChunkState::Failed { failure: ChunkFailure { code: None, message: String::new(), retryable: false } }, None, 100),
                _ => (ChunkState::Ambiguous { since: t(0), reason: String::new() }, None, 100),
            };
            lo = lo.min(contributes);
            hi = hi.max(contributes);
            tally.add(&state, *weight, progress);
        }
        let p = tally.finish();
        prop_assert_eq!(p.chunks, chunks.len());
        prop_assert_eq!(
            p.waiting + p.sending + p.delivering + p.delivered + p.failed + p.ambiguous,
            chunks.len()
        );
        prop_assert!(p.progress_in_percent >= lo.min(99) && p.progress_in_percent <= hi);
        prop_assert_eq!(p.progress_in_percent == 100, p.is_finished() && lo == 100);
    }
}
