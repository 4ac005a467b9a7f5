//! The resolution plan's pacing, waits, stops and checkpoints, driven by hand-written
//! answers (issue 21, item 2).
//!
//! Waits: the throttling page (90002 global, 90018 per app and API "wait 1 s", 90019 the
//! ISV's 40 a second; <https://help.dingtalk.io/open/development/call-frequency-limit>), the
//! IP throttle's `{"status":1111,"wait":5,…}` (current-reference.md); 90020 as DingTalk's
//! help page captures it (<http://www.dingtalk.com/qidian/help-detail-1061621972.html>).

mod resolve_support;

use std::time::{Duration, Instant};

use dingtalk_notify_proto::resolve::{
    AnswerOutcome, AudienceQuery, Resolution, ResolveConfig, ResolveError, ResolveStep,
};
use resolve_support::{Org, drive, ids};

/// A root with `n` sub-departments, one person each.
fn wide(n: u64) -> Org {
    let mut org = Org::default();
    for d in 2..n + 2 {
        org = org.dept(1, d).person(&format!("u{d}"), &[d], true);
    }
    org
}

fn one_call(
    resolution: &mut Resolution,
    now: Instant,
) -> dingtalk_notify_proto::resolve::ContactCall {
    match resolution.next(now).expect("a step") {
        ResolveStep::Call(call) => call,
        other => panic!("expected a call, got {other:?}"),
    }
}

#[test]
fn calls_stay_within_the_per_second_budget() {
    let mut org = wide(40);
    let query = AudienceQuery::new().whole_organization();
    let config = ResolveConfig::default().per_second(5);
    let run = drive(
        Resolution::new(&query, config),
        &mut org,
        Instant::now(),
        10_000,
    );
    let audience = run.result.expect("resolved");
    assert_eq!(audience.recipient_count(), 40);
    let times = &run.call_times;
    assert_eq!(times.len(), 82);
    // In any window of one second, at most 5 calls.
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| **u < *t + Duration::from_secs(1))
            .count();
        assert!(in_window <= 5, "{in_window} calls in the second from {t:?}");
    }
    // And the budget is used: 82 calls take about 82 / 5 seconds, not much more.
    let last = *times.last().expect("calls");
    assert!(
        last >= Duration::from_secs(16) && last < Duration::from_secs(17),
        "{last:?}"
    );
    // The default stays under DingTalk's 20 a second.
    assert!(ResolveConfig::default().per_second < 20);
}

#[test]
fn throttles_ask_for_the_wait_they_name_and_the_same_call_comes_again() {
    for (body, wait) in [
        (
            r#"{"errcode":90018,"errmsg":"当前应用调用该接口并发量过大"}"#,
            1,
        ),
        (r#"{"errcode":90002,"errmsg":"api qps limit"}"#, 1),
        (
            r#"{"errcode":88,"sub_code":"90019","sub_msg":"isv qps","errmsg":"ding talk error[subcode=90019,submsg=isv qps]"}"#,
            1,
        ),
        (
            r#"{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"u"}"#,
            5,
        ),
        (
            "<html><body>{&quot;status&quot;:1111,&quot;wait&quot;:7}</body></html>",
            7,
        ),
        (r#"{"errcode":90006,"errmsg":"banned"}"#, 60),
        (r#"{"errcode":-1,"errmsg":"系统繁忙"}"#, 1),
    ] {
        let query = AudienceQuery::new().dept_tree(5);
        let mut resolution = Resolution::new(&query, ResolveConfig::default());
        let t0 = Instant::now();
        let call = one_call(&mut resolution, t0);
        let outcome = resolution
            .answer_response(t0, http::Response::new(body))
            .expect("a wait, not an error");
        let wait = Duration::from_secs(wait);
        assert_eq!(outcome, AnswerOutcome::Retry(wait), "{body}");
        assert_eq!(
            resolution.next(t0).expect("a step"),
            ResolveStep::Wait(wait),
            "{body}"
        );
        let half = t0 + wait / 2;
        assert_eq!(
            resolution.next(half).expect("a step"),
            ResolveStep::Wait(wait / 2),
            "{body}"
        );
        assert_eq!(
            one_call(&mut resolution, t0 + wait),
            call,
            "{body}: the same call again"
        );
    }
}

#[test]
fn a_walk_under_90018_absorbs_every_throttle() {
    let mut org = wide(30);
    for _ in 0..12 {
        org.inject(
            "/topapi/user/listid",
            r#"{"errcode":90018,"errmsg":"当前应用调用该接口并发量过大"}"#,
        );
    }
    let query = AudienceQuery::new().whole_organization();
    let run = drive(
        Resolution::new(&query, ResolveConfig::default()),
        &mut org,
        Instant::now(),
        10_000,
    );
    let audience = run.result.expect("resolved despite the throttles");
    assert_eq!(audience.recipient_count(), 30);
    assert!(
        run.errors.is_empty(),
        "no 90018 reached the driver: {:?}",
        run.errors
    );
    assert!(
        run.waits
            .iter()
            .filter(|w| **w == Duration::from_secs(1))
            .count()
            >= 12
    );
}

#[test]
fn the_monthly_quota_ends_the_resolution_and_stays_ended() {
    let mut org = wide(3);
    org.inject(
        "/topapi/user/listid",
        r#"{"errcode":90020,"errmsg":"您的企业本月api调用量已超过限制,调用量:10001次,额度:10000次,请登录开发者后台-资源管理-查看用量明细"}"#,
    );
    let query = AudienceQuery::new().whole_organization();
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let t0 = Instant::now();
    let token = dingtalk_notify_proto::AccessToken::new("t");
    let mut error = None;
    for _ in 0..10 {
        let call = one_call(&mut resolution, t0 + Duration::from_secs(1));
        let response = org.serve(
            &call
                .build_request(&Default::default(), &token)
                .expect("builds"),
        );
        if let Err(e) = resolution.answer_response(t0 + Duration::from_secs(1), response) {
            error = Some(e);
            break;
        }
    }
    let error = error.expect("90020 stops it");
    assert!(
        matches!(error, ResolveError::MonthlyQuotaExceeded { calls: 2, .. }),
        "{error}"
    );
    assert!(error.is_final());
    let text = error.to_string();
    assert!(
        text.contains("monthly") && text.contains("retrying cannot help"),
        "{text}"
    );
    // Asked again, or restored from a checkpoint, it stays ended, without another call.
    assert!(matches!(
        resolution.next(t0 + Duration::from_secs(3600)),
        Err(ResolveError::MonthlyQuotaExceeded { .. })
    ));
    let restored: Resolution =
        serde_json::from_str(&serde_json::to_string(&resolution).expect("saves")).expect("loads");
    assert!(matches!(
        restored.clone().next(t0),
        Err(ResolveError::MonthlyQuotaExceeded { .. })
    ));
    assert!(matches!(
        restored.into_audience(),
        Err(ResolveError::MonthlyQuotaExceeded { .. })
    ));
    assert_eq!(org.log.len(), 2);
}

#[test]
fn malformed_answers_are_errors_never_panics_and_leave_the_state_unchanged() {
    for body in [
        "",
        "not json",
        r#"{"errcode":0,"result":{"dept_id_list":"x"}}"#,
        r#"{"errcode":0,"result":{"dept_id_list":[-1]}}"#,
        r#"{"errcode":0"#,
        r#"{"result":{"dept_id_list":[2]}}"#,
        r#"{"error_response":{"code":50,"msg":"Remote service error","sub_code":"isv.invalid-parameter"}}"#,
        r#"{"errcode":88,"sub_code":"isv.invalid-parameter","errmsg":"ding talk error"}"#,
        r#"{"errcode":60011,"errmsg":"没有调用该接口的权限"}"#,
    ] {
        let query = AudienceQuery::new().whole_organization();
        let mut resolution = Resolution::new(&query, ResolveConfig::default());
        let t0 = Instant::now();
        let call = one_call(&mut resolution, t0);
        let before = serde_json::to_string(&resolution).expect("saves");
        let error = resolution
            .answer_response(t0, http::Response::new(body))
            .expect_err(body);
        assert!(!error.is_final(), "{body}: {error}");
        assert!(
            matches!(error, ResolveError::Rejected { .. }),
            "{body}: {error}"
        );
        let after = serde_json::to_string(&resolution).expect("saves");
        assert_eq!(
            before.replace("\"attempts\":0", "\"attempts\":1"),
            after,
            "{body}"
        );
        assert_eq!(
            one_call(&mut resolution, t0 + Duration::from_secs(1)),
            call,
            "{body}"
        );
    }
}

#[test]
fn pages_that_do_not_advance_are_malformed_and_a_wrong_answer_is_refused() {
    for page in [
        r#"{"errcode":0,"result":{"has_more":true,"list":[]}}"#,
        r#"{"errcode":0,"result":{"has_more":true,"next_cursor":0,"list":[{"userid":"a"}]}}"#,
    ] {
        let query = AudienceQuery::new().dept_tree(7);
        let mut resolution =
            Resolution::new(&query, ResolveConfig::default().exclude_inactive(true));
        let t0 = Instant::now();
        one_call(&mut resolution, t0);
        resolution
            .answer_response(
                t0,
                http::Response::new(r#"{"errcode":0,"result":{"dept_id_list":[]}}"#),
            )
            .expect("sub-departments");
        one_call(&mut resolution, t0);
        let error = resolution
            .answer_response(t0, http::Response::new(page))
            .expect_err(page);
        assert!(
            matches!(error, ResolveError::Malformed { .. }),
            "{page}: {error}"
        );
    }
    // An answer of another endpoint for the outstanding call.
    let query = AudienceQuery::new().dept_tree(7);
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let t0 = Instant::now();
    one_call(&mut resolution, t0);
    let wrong = dingtalk_notify_proto::resolve::ContactCall::MemberIds(
        dingtalk_notify_proto::api::ListDepartmentUserIds::new(7),
    )
    .parse_response(http::Response::new(
        r#"{"errcode":0,"result":{"userid_list":["a"]}}"#,
    ));
    let error = resolution
        .answer(t0, wrong)
        .expect_err("a listid answer to a listsubid call");
    assert!(matches!(error, ResolveError::Malformed { .. }), "{error}");
    assert_eq!(resolution.people_found(), 0);
}

#[test]
fn never_loops_forever() {
    // A server that throttles every call: the plan gives up after a bounded number.
    let query = AudienceQuery::new().dept_tree(3);
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let mut now = Instant::now();
    let mut calls = 0;
    let error = loop {
        match resolution.next(now) {
            Ok(ResolveStep::Call(_)) => {
                calls += 1;
                if let Err(e) =
                    resolution.answer_response(now, http::Response::new(r#"{"errcode":90018}"#))
                {
                    break e;
                }
            }
            Ok(ResolveStep::Wait(w)) => now += w,
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
        assert!(calls <= 1000, "still calling");
    };
    assert!(
        matches!(error, ResolveError::GaveUp { attempts: 100, .. }),
        "{error}"
    );
    assert_eq!(calls, 100);
    // A permanent refusal repeated by a stubborn driver: at most max_attempts.
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let mut refusals = 0;
    while let Ok(ResolveStep::Call(_)) = resolution.next(now) {
        refusals += 1;
        let e = resolution
            .answer_response(now, http::Response::new("garbage"))
            .expect_err("refused");
        if e.is_final() {
            break;
        }
    }
    assert_eq!(refusals, 10);
    // A tree that never ends: the department limit stops it.
    let mut org = Org::default();
    for d in 1..500 {
        org = org.dept(d, d + 1);
    }
    let config = ResolveConfig::default().max_departments(50);
    let run = drive(
        Resolution::new(&AudienceQuery::new().whole_organization(), config),
        &mut org,
        now,
        10_000,
    );
    assert!(matches!(
        run.result,
        Err(ResolveError::TooManyDepartments { limit: 50 })
    ));
}

#[test]
fn a_crash_loses_at_most_the_call_in_flight_and_walks_no_department_twice() {
    let build = || {
        let mut org = Org::default();
        for d in 2..30u64 {
            let parent = d / 3 + 1;
            org = org.dept(parent.max(1).min(d - 1), d);
            org = org.person(&format!("u{d}"), &[d, (d % 5) + 2], d % 7 != 0);
        }
        org
    };
    let query = AudienceQuery::new().whole_organization();
    let config = ResolveConfig::default().exclude_inactive(true);
    let mut reference_org = build();
    let reference = drive(
        Resolution::new(&query, config),
        &mut reference_org,
        Instant::now(),
        10_000,
    )
    .result
    .expect("resolved");
    let total_calls = reference_org.log.len();
    for crash_after in [1, 2, 5, 17, total_calls - 1] {
        let mut org = build();
        let mut resolution = Resolution::new(&query, config);
        let token = dingtalk_notify_proto::AccessToken::new("t");
        let now = Instant::now();
        let mut checkpoint = serde_json::to_vec(&resolution).expect("saves");
        let mut made = 0;
        // Run, checkpointing after each answer, until the crash: the answer of call
        // `crash_after` is lost (the process died with it in flight).
        while made < crash_after {
            let ResolveStep::Call(call) = resolution
                .next(now + Duration::from_secs(made as u64))
                .expect("step")
            else {
                continue;
            };
            let response = org.serve(
                &call
                    .build_request(&Default::default(), &token)
                    .expect("builds"),
            );
            made += 1;
            if made == crash_after {
                break;
            }
            resolution.answer_response(now, response).expect("answered");
            checkpoint = serde_json::to_vec(&resolution).expect("saves");
        }
        let restored: Resolution = serde_json::from_slice(&checkpoint).expect("loads");
        let run = drive(restored, &mut org, now + Duration::from_secs(3600), 10_000);
        let audience = run.result.expect("resolved after the restart");
        assert_eq!(ids(&audience), ids(&reference), "crash after {crash_after}");
        assert_eq!(audience.departments(), reference.departments());
        // One call more than without the crash: the one in flight, made again.
        assert_eq!(org.log.len(), total_calls + 1, "crash after {crash_after}");
        let (lost_path, lost_body) = org.log[crash_after - 1].clone();
        assert_eq!(
            org.log[crash_after],
            (lost_path, lost_body),
            "the lost call is the one repeated"
        );
    }
}

#[test]
fn an_edited_checkpoint_is_refused_when_loaded() {
    let mut org = wide(3);
    let query = AudienceQuery::new()
        .whole_organization()
        .mobiles(["13800138000"]);
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    let now = Instant::now();
    let token = dingtalk_notify_proto::AccessToken::new("t");
    for _ in 0..5 {
        let ResolveStep::Call(call) = resolution.next(now).expect("step") else {
            panic!()
        };
        let response = org.serve(
            &call
                .build_request(&Default::default(), &token)
                .expect("builds"),
        );
        resolution.answer_response(now, response).expect("answered");
    }
    assert_eq!(resolution.people_found(), 1);
    let good = serde_json::to_value(&resolution).expect("saves");
    assert!(serde_json::from_value::<Resolution>(good.clone()).is_ok());
    let mut edits = Vec::new();
    let mut bad = good.clone();
    bad["people"]["home"][0] = serde_json::json!(99);
    edits.push(bad);
    let mut bad = good.clone();
    bad["depts"] = serde_json::json!([1, 1, 2, 3, 4]);
    edits.push(bad);
    let mut bad = good.clone();
    bad["queue"] = serde_json::json!([{"task": "members", "dept": 42, "cursor": 0, "page": 0}]);
    edits.push(bad);
    let mut bad = good.clone();
    bad["queue"] = serde_json::json!([{"task": "lookup", "input": 9}]);
    edits.push(bad);
    let mut bad = good;
    bad["people"]["inactive"] = serde_json::json!([]);
    edits.push(bad);
    for bad in edits {
        assert!(
            serde_json::from_value::<Resolution>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn the_result_waits_for_the_walk_to_finish() {
    let query = AudienceQuery::new().dept_tree(3);
    let resolution = Resolution::new(&query, ResolveConfig::default());
    assert!(!resolution.is_done());
    assert!(matches!(
        resolution.into_audience(),
        Err(ResolveError::Malformed { .. })
    ));
    let mut empty = Resolution::new(&AudienceQuery::new(), ResolveConfig::default());
    assert_eq!(
        empty.next(Instant::now()).expect("a step"),
        ResolveStep::Done
    );
    assert!(matches!(
        empty.answer(
            Instant::now(),
            Err(dingtalk_notify_proto::ResponseError::Decode {
                status: http::StatusCode::OK,
                field: None,
                reason: String::new(),
                body: Default::default()
            })
        ),
        Err(ResolveError::NothingOutstanding)
    ));
    assert_eq!(empty.into_audience().expect("empty").recipient_count(), 0);
}

#[test]
fn replaying_the_answers_that_advanced_rebuilds_the_state_without_a_call() {
    let build = || {
        let mut org = wide(6)
            .dept(3, 20)
            .person("deep", &[20, 2], true)
            .mobile("13800138000", "u4");
        org.inject("/topapi/user/listid", r#"{"errcode":90018}"#);
        org.inject(
            "/topapi/v2/department/listsubid",
            r#"{"errcode":-1,"errmsg":"系统繁忙"}"#,
        );
        org
    };
    let query = AudienceQuery::new()
        .whole_organization()
        .mobiles(["13800138000", "13900139000"]);
    let config = ResolveConfig::default();
    let mut org = build();
    let mut resolution = Resolution::new(&query, config);
    let token = dingtalk_notify_proto::AccessToken::new("t");
    let mut now = Instant::now();
    // The ledger: the bodies of the answers that moved the walk on, and a checkpoint after
    // each, to compare with.
    let mut ledger: Vec<Vec<u8>> = Vec::new();
    let mut checkpoints = Vec::new();
    loop {
        match resolution.next(now).expect("a step") {
            ResolveStep::Call(call) => {
                let response = org.serve(
                    &call
                        .build_request(&Default::default(), &token)
                        .expect("builds"),
                );
                let body = response.body().clone();
                if resolution.answer_response(now, response).expect("answered")
                    == AnswerOutcome::Advanced
                {
                    ledger.push(body);
                    let mut state = serde_json::to_value(&resolution).expect("saves");
                    state["calls"] = serde_json::json!(0);
                    checkpoints.push(state);
                }
            }
            ResolveStep::Wait(w) => now += w,
            ResolveStep::Done => break,
            other => panic!("{other:?}"),
        }
    }
    let calls_made = org.log.len();
    assert_eq!(ledger.len() + 2, calls_made, "two answers asked for a wait");
    // A crash after any answer: a new resolution of the same query replays the ledger.
    for k in [0, 1, 3, ledger.len()] {
        let mut replayed = Resolution::new(&query, config);
        for body in &ledger[..k] {
            let outcome = replayed
                .answer_response(Instant::now(), http::Response::new(body.as_slice()))
                .expect("replays");
            assert_eq!(outcome, AnswerOutcome::Advanced);
        }
        let state = serde_json::to_value(&replayed).expect("saves");
        if k > 0 {
            assert_eq!(state, checkpoints[k - 1], "after {k} answers");
        }
    }
    assert_eq!(org.log.len(), calls_made, "replaying makes no call");
    let audience = resolution.into_audience().expect("done");
    assert_eq!(depts_of_all(&audience, "deep"), [2, 20]);
}

fn depts_of_all(
    audience: &dingtalk_notify_proto::resolve::ResolvedAudience,
    userid: &str,
) -> Vec<u64> {
    resolve_support::depts_of(audience, userid)
}

#[test]
fn a_lost_answer_is_asked_again_with_a_backoff_and_bounded() {
    let query = AudienceQuery::new().dept_tree(3);
    let mut resolution = Resolution::new(&query, ResolveConfig::default().max_attempts(4));
    let t0 = Instant::now();
    let call = one_call(&mut resolution, t0);
    let mut waits = Vec::new();
    let error = loop {
        match resolution.call_failed(t0) {
            Ok(AnswerOutcome::Retry(w)) => waits.push(w),
            Ok(other) => panic!("{other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(waits, [1, 2, 4].map(Duration::from_secs));
    assert!(
        matches!(error, ResolveError::GaveUp { attempts: 4, .. }),
        "{error}"
    );
    // Before giving up, the same call came again after the wait.
    let mut resolution = Resolution::new(&query, ResolveConfig::default());
    assert_eq!(one_call(&mut resolution, t0), call);
    assert_eq!(
        resolution.call_failed(t0).expect("a wait"),
        AnswerOutcome::Retry(Duration::from_secs(1))
    );
    assert_eq!(
        resolution.next(t0).expect("a step"),
        ResolveStep::Wait(Duration::from_secs(1))
    );
    assert_eq!(one_call(&mut resolution, t0 + Duration::from_secs(1)), call);
}
