//! Campaign plans that take `now`: the dry run's estimate and the freezing of a resolved
//! audience of people. An `Instant` can only be made with `Instant::now()`, which the
//! core's `src/` never calls, so these tests live here (as `time_inputs.rs`'s do).

use std::time::{Duration, Instant, SystemTime};

use dingtalk_notify_proto::campaign::{
    Audience, Budget, BudgetWindow, BudgetWindowError, CHUNK_LIMITS, CampaignId, CampaignPlan,
    CampaignRecord, Estimate, PeopleAudience, PlanError, RecordError,
};
use dingtalk_notify_proto::resolve::{
    AudienceQuery, Resolution, ResolveConfig, ResolveStep, ResolvedAudience,
};
use dingtalk_notify_proto::{AccessToken, Message};

// ---- the dry run's estimate ---------------------------------------------------------------
fn plan(users: usize) -> CampaignPlan {
    let users = (0..users).map(|i| format!("u{i}"));
    CampaignPlan::new(1, Message::text("hi"), Audience::users(users), CHUNK_LIMITS).unwrap()
}

#[test]
fn a_plan_within_the_budget_goes_at_once() {
    let e = Estimate::idle(&plan(5_000), Budget::DINGTALK_APP, Instant::now()).unwrap();
    assert_eq!((e.chunks, e.eta), (50, Duration::ZERO));
}

#[test]
fn the_eta_counts_what_the_window_granted_already() {
    let t0 = Instant::now();
    let budget = Budget::per_minute(200);
    let mut window = BudgetWindow::new(budget);
    window.try_acquire(150, t0).unwrap();
    let now = t0 + Duration::from_secs(20);
    // 50 left now: the first chunk of 100 waits 40 s for the grant to leave, the
    // second fits beside it, the third waits a whole minute more.
    let e = Estimate::of(&plan(300), &window, now).unwrap();
    assert_eq!(e.eta, Duration::from_secs(100));
    assert_eq!(window.used(now), 150, "the caller's window is not touched");
}

#[test]
fn departments_and_all_users_cost_a_progress_read_each() {
    let p = CampaignPlan::new(1, Message::text("hi"), Audience::all_users(), CHUNK_LIMITS).unwrap();
    let e = Estimate::idle(&p, Budget::DINGTALK_APP, Instant::now()).unwrap();
    assert_eq!((e.recipients, e.send_calls), (0, 1));
    assert_eq!(
        e.follow_calls,
        1 + usize::from(p.chunks()[0].has_per_user_result())
    );
}

#[test]
fn a_chunk_larger_than_the_budget_is_an_error() {
    let err = Estimate::idle(&plan(100), Budget::per_minute(50), Instant::now()).unwrap_err();
    assert!(matches!(
        err,
        BudgetWindowError::LargerThanBudget { requested: 100, .. }
    ));
}

// ---- freezing an audience of people --------------------------------------------------------
/// Department 1 holds `n` people and no sub-department; "u0" and "u1" also sit in 2.
fn resolved(n: usize) -> ResolvedAudience {
    let query = AudienceQuery::new().whole_organization().dept_tree(2);
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let token = AccessToken::new("t");
    let mut now = Instant::now();
    loop {
        match resolution.next(now).unwrap() {
            ResolveStep::Call(call) => {
                let request = call.build_request(&Default::default(), &token).unwrap();
                let body = std::str::from_utf8(request.body()).unwrap();
                let answer = match (request.uri().path(), body) {
                    ("/topapi/v2/department/listsubid", _) => {
                        r#"{"errcode":0,"result":{"dept_id_list":[]}}"#.to_owned()
                    }
                    ("/topapi/user/listid", r#"{"dept_id":1}"#) => {
                        let ids: Vec<String> = (0..n).map(|i| format!("\"u{i}\"")).collect();
                        format!(
                            r#"{{"errcode":0,"result":{{"userid_list":[{}]}}}}"#,
                            ids.join(",")
                        )
                    }
                    _ => r#"{"errcode":0,"result":{"userid_list":["u0","u1"]}}"#.to_owned(),
                };
                resolution
                    .answer_response(now, http::Response::new(answer))
                    .unwrap();
            }
            ResolveStep::Wait(wait) => now += wait,
            ResolveStep::Done => break,
            other => panic!("a step this test does not know: {other:?}"),
        }
    }
    resolution.into_audience().unwrap()
}

fn record(people: PeopleAudience) -> CampaignRecord {
    CampaignRecord::of_people(
        CampaignId::new("c1").unwrap(),
        7,
        Message::text("hi"),
        people,
        SystemTime::UNIX_EPOCH,
    )
    .unwrap()
}

#[test]
fn frozen_people_fill_chunks_of_max_users_with_their_departments() {
    let query = AudienceQuery::new()
        .whole_organization()
        .dept_tree(2)
        .mobiles(["13800138000"]);
    let people = PeopleAudience::new(query).users(["u3", "boss", " boss "]);
    let mut record = record(people);
    let (header, chunks) = record
        .freeze(&resolved(250), 100, SystemTime::UNIX_EPOCH)
        .unwrap();
    let sizes: Vec<usize> = chunks
        .iter()
        .map(|c| c.recipients.user_ids().len())
        .collect();
    assert_eq!(sizes, [100, 100, 51], "250 found, then boss (u3 was found)");
    let frozen = header.people.as_ref().unwrap().frozen.as_ref().unwrap();
    assert_eq!(frozen.people, 251);
    // Written header first: still to freeze until the chunks are in, so it keeps the
    // inputs a resume would resolve again.
    let inputs = header.people.as_ref().unwrap();
    assert_eq!(inputs.query.mobiles, ["13800138000"]);
    assert_eq!(inputs.user_ids, ["u3", "boss"]);
    record.set_header(header).unwrap();
    assert!(record.needs_resolution());
    assert_eq!(
        record.header_without_inputs(),
        None,
        "kept until the chunks are in"
    );
    record.append(chunks).unwrap();
    assert!(!record.needs_resolution());
    // Then the inputs give way to the people; the departments and the freeze stay.
    let header = record.header_without_inputs().expect("inputs to drop");
    let left = header.people.as_ref().unwrap();
    assert!(
        left.query.mobiles.is_empty() && left.user_ids.is_empty(),
        "{left:?}"
    );
    assert_eq!(left.query.dept_trees.len(), 2);
    assert_eq!(left.frozen.as_ref().unwrap().people, 251);
    assert_eq!(header.audience.users, 251);
    record.set_header(header).unwrap();
    assert_eq!(record.header_without_inputs(), None, "dropped already");
    let people: Vec<(&str, Vec<u64>)> = record
        .people()
        .map(|(u, d)| (u, d.iter().map(|d| d.get()).collect()))
        .collect();
    assert_eq!(people[0], ("u0", vec![1, 2]));
    assert_eq!(people[2], ("u2", vec![1]));
    assert_eq!(people[250], ("boss", vec![]));
    assert_eq!(
        record.freeze(&resolved(3), 100, SystemTime::UNIX_EPOCH),
        Err(RecordError::NotToFreeze)
    );
}

#[test]
fn a_chunk_whose_departments_do_not_match_its_users_is_refused() {
    let mut record = record(PeopleAudience::new(AudienceQuery::new().dept_tree(5)));
    let (_, mut chunks) = record
        .freeze(&resolved(3), 100, SystemTime::UNIX_EPOCH)
        .unwrap();
    chunks[0].user_depts.pop();
    assert_eq!(
        record.append(chunks),
        Err(RecordError::BadDepts { index: 0 })
    );
    assert!(record.chunks().is_empty());
}

#[test]
fn no_input_is_refused() {
    let error = CampaignRecord::of_people(
        CampaignId::new("c1").unwrap(),
        7,
        Message::text("hi"),
        PeopleAudience::new(AudienceQuery::new()),
        SystemTime::UNIX_EPOCH,
    )
    .unwrap_err();
    assert_eq!(error, PlanError::EmptyAudience);
}
