//! The per-person report of a campaign of 1,000 people with every state present, checked
//! person by person against what the scenario set up in the simulator (its directory, its
//! faults, its clock), not against the driver's beliefs.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::budget::{Budget, InProcessBudget};
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignHandle, CampaignPlan, CampaignReport, PersonState,
};
use dingtalk_notify::ledger::Ledger;
use dingtalk_notify::{ErrorCode, Message, Transport};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Directory, Fault, Route, UserBehaviour, code};

use crate::harness::{Harness, TransportSettings, demo_app, harness_with_client};

/// The people of the campaign: 1,000, ten chunks of 100.
pub const PEOPLE: usize = 1_000;
/// The chunks read more than 24 hours after they were sent.
pub const PAST_THE_WINDOW: [usize; 2] = [0, 1];
/// The chunk whose send is reset after the request was read: ambiguous.
pub const AMBIGUOUS_CHUNK: usize = 3;
/// The chunk DingTalk refuses with 40035: nobody in it got it.
pub const REFUSED_CHUNK: usize = 5;

/// The user id of person `i`.
pub fn person(i: usize) -> String {
    format!("p{i:04}")
}

/// What the scenario arranges for person `i` in a chunk with a result: the state, and the
/// code for `forbidden`.
pub fn planned_state(i: usize) -> (PersonState, Option<i64>) {
    match i % 10 {
        3 | 4 => (PersonState::Unread, None),
        5 => (PersonState::Failed, None),
        6 => (PersonState::Invalid, None),
        7 => (PersonState::Forbidden, Some(code::DUPLICATE_CONTENT)),
        8 => (PersonState::Forbidden, Some(code::DAILY_USER_LIMIT)),
        _ => (PersonState::Read, None),
    }
}

/// The state person `i` must have in the report.
pub fn expected_state(i: usize) -> (PersonState, Option<i64>) {
    match i / 100 {
        c if PAST_THE_WINDOW.contains(&c) => (PersonState::ResultUnavailable, None),
        AMBIGUOUS_CHUNK => (PersonState::Ambiguous, None),
        REFUSED_CHUNK => (PersonState::NotSent, None),
        _ => planned_state(i),
    }
}

/// The message of the campaign.
pub fn message() -> Message {
    Message::text("Benefits enrolment closes Friday")
}

/// A simulator whose directory, earlier sends and faults give [`expected_state`], and a
/// client paced at 100 recipients a minute (one chunk a minute, so the chunks' ages
/// differ by a minute). Sends the campaign's people the earlier messages: the same text to
/// those meant to be forbidden with 143106, another text to those meant for 143105 (the
/// simulator's daily per-user limit is 1).
pub fn setup<T: Transport>(transport: T) -> Harness<T> {
    let mut directory = Directory::new();
    for i in 0..PEOPLE {
        let behaviour = match (i / 100, planned_state(i).0) {
            (c, _)
                if PAST_THE_WINDOW.contains(&c) || c == AMBIGUOUS_CHUNK || c == REFUSED_CHUNK =>
            {
                Some(UserBehaviour::Reads)
            }
            (_, PersonState::Invalid) => None,
            (_, PersonState::Unread) => Some(UserBehaviour::LeavesUnread),
            (_, PersonState::Failed) => Some(UserBehaviour::Fails),
            _ => Some(UserBehaviour::Reads),
        };
        if let Some(b) = behaviour {
            directory = directory.with_user(person(i), b);
        }
    }
    let h = harness_with_client(
        transport,
        |_| demo_app(),
        |b| b.directory(directory).daily_user_limit(1),
        |b| b.recipient_budget(Arc::new(InProcessBudget::new(Budget::per_minute(100)))),
    );
    let with_result = |i: &usize| {
        let c = i / 100;
        !(PAST_THE_WINDOW.contains(&c) || c == AMBIGUOUS_CHUNK || c == REFUSED_CHUNK)
    };
    let earlier = |code: i64, msg: Message| {
        let users: Vec<String> = (0..PEOPLE)
            .filter(with_result)
            .filter(|i| planned_state(*i).1 == Some(code))
            .map(person)
            .collect();
        let send = SendWorkNotification::new(DEMO_AGENT_ID, msg)
            .to_users(users.iter().map(String::as_str));
        h.client.send(&send).expect("an earlier send");
    };
    earlier(code::DUPLICATE_CONTENT, message());
    earlier(code::DAILY_USER_LIMIT, Message::text("Canteen menu"));
    // A rule counts the calls made after it is injected: chunk c is the (c + 1)-th send.
    let nth = |chunk: usize| Calls::Nth(u64::try_from(chunk + 1).expect("small"));
    h.server.inject(
        Route::Send,
        nth(AMBIGUOUS_CHUNK),
        Fault::ResetBeforeResponse,
    );
    h.server.inject(
        Route::Send,
        nth(REFUSED_CHUNK),
        Fault::ErrCode(code::INVALID_PARAMETER),
    );
    h
}

/// Starts the campaign, then moves the clock so that the chunks of [`PAST_THE_WINDOW`]
/// are more than 24 hours old and the others not.
pub fn run_campaign<T: Transport>(h: &Harness<T>, ledger: &dyn Ledger) -> CampaignHandle {
    let people: Vec<String> = (0..PEOPLE).map(person).collect();
    let plan = CampaignPlan::new(
        DEMO_AGENT_ID,
        message(),
        Audience::users(people),
        CHUNK_LIMITS,
    )
    .expect("a valid plan");
    let handle = h
        .client
        .campaigns(ledger)
        .start(plan)
        .expect("the campaign runs");
    let sent_at = |c: usize| -> SystemTime {
        handle.record().chunks()[c]
            .state
            .task()
            .and_then(|t| t.sent_at)
            .unwrap_or_else(|| panic!("chunk {c} was sent"))
    };
    let last_old = sent_at(*PAST_THE_WINDOW.last().expect("one"));
    let first_fresh = sent_at(2);
    let day = Duration::from_secs(24 * 3600);
    let target = last_old + day + Duration::from_secs(1);
    assert!(
        first_fresh + day > target,
        "chunk 2 must still be within the window: paced a minute after chunk 1"
    );
    let now = dingtalk_notify::Clock::wall(&h.clock);
    h.clock
        .advance(target.duration_since(now).expect("the target is ahead"));
    handle
}

/// Checks every row of `report` against [`expected_state`]: state, code, chunk, task (the
/// simulator's own task ids), and a reason for every person not reached.
pub fn check_rows(h_sends: &BTreeSet<u64>, handle: &CampaignHandle, report: &CampaignReport) {
    assert_eq!(report.rows.len(), PEOPLE, "one row per person");
    let by_user: std::collections::HashMap<&str, &dingtalk_notify::campaign::ReportRow> = report
        .rows
        .iter()
        .map(|r| (r.user_id.as_str(), r))
        .collect();
    assert_eq!(by_user.len(), PEOPLE, "each person once");
    for i in 0..PEOPLE {
        let row = by_user[person(i).as_str()];
        let (state, code) = expected_state(i);
        assert_eq!(
            (row.state, row.code.map(ErrorCode::get)),
            (state, code),
            "{}",
            row.user_id
        );
        let chunk = i / 100;
        assert_eq!(row.chunk, Some(chunk), "{}", row.user_id);
        let task = handle.record().chunks()[chunk]
            .state
            .task()
            .map(|t| t.task_id);
        assert_eq!(row.task_id, task, "{}", row.user_id);
        match state {
            PersonState::Ambiguous | PersonState::NotSent => {
                assert_eq!(row.task_id, None, "{}", row.user_id)
            }
            _ => {
                let id = row.task_id.map(|t| t.get()).unwrap_or_default();
                assert!(
                    h_sends.contains(&id),
                    "{}: task {id} unknown to the simulator",
                    row.user_id
                );
            }
        }
        if !state.is_reached()
            && state != PersonState::Forbidden
            && state != PersonState::Invalid
            && state != PersonState::Failed
        {
            assert!(
                row.detail.as_deref().is_some_and(|d| !d.is_empty()),
                "{} says why",
                row.user_id
            );
        }
    }
    let refused = by_user[person(REFUSED_CHUNK * 100).as_str()];
    assert!(
        refused
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("40035")),
        "{refused:?}"
    );
    // Every state is present.
    let present: BTreeSet<PersonState> = report.rows.iter().map(|r| r.state).collect();
    assert_eq!(present.len(), PersonState::ALL.len(), "{present:?}");
}

/// The library's report over `make`'s transport.
pub fn every_state_person_by_person<T: Transport>(make: fn(TransportSettings) -> T) {
    let h = setup(make(TransportSettings::default()));
    let ledger = dingtalk_notify::ledger::MemoryLedger::new();
    let handle = run_campaign(&h, &ledger);
    assert_eq!(handle.ambiguous(), [AMBIGUOUS_CHUNK]);
    assert_eq!(
        handle.failed().iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [REFUSED_CHUNK]
    );
    let results_before = h.server.requests_to(Route::SendResult).len();
    let report = h.client.campaigns(&ledger).report(&handle);
    let tasks: BTreeSet<u64> = h.server.sends().iter().map(|s| s.task_id).collect();
    check_rows(&tasks, &handle, &report);
    // One getsendresult per chunk within the window, none for the others.
    assert_eq!(
        h.server.requests_to(Route::SendResult).len() - results_before,
        6,
        "one result read per fresh sent chunk"
    );
}
