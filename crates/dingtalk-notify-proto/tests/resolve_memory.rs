//! The plan's memory on a large organisation: 100,000 people in 5,000 departments resolve
//! with a small peak of live heap (issue 21 budgets 64 MB of peak RSS for the whole
//! process in its later benchmark; the plan's share is kept well under it). The live heap
//! is sampled with `stats_alloc` at every step, while the largest answer is alive.

use std::alloc::System;
use std::time::{Duration, Instant};

use dingtalk_notify_proto::resolve::{
    AudienceQuery, ContactCall, Resolution, ResolveConfig, ResolveStep,
};
use dingtalk_notify_proto::{AccessToken, BaseUrl};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes now.
fn live() -> isize {
    let stats = GLOBAL.stats();
    // `bytes_allocated` and `bytes_deallocated` already count a realloc's growth and shrink.
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize
}

const DEPTS: u64 = 5_000;
const PEOPLE: u64 = 100_000;

/// Who sits where: 20 people at home in each department, and one in twenty people also
/// in a second department. Children: a tree eight wide.
struct Org {
    children: Vec<Vec<u64>>,
    members: Vec<Vec<u64>>,
}

fn org() -> Org {
    let n = DEPTS as usize + 1;
    let (mut children, mut members) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for k in 2..=DEPTS {
        children[((k - 2) / 8 + 1) as usize].push(k);
    }
    for p in 0..PEOPLE {
        members[(p % DEPTS + 1) as usize].push(p);
        if p % 20 == 0 {
            members[((p / 7) % DEPTS + 1) as usize].push(p);
        }
    }
    Org { children, members }
}

/// The answer to `call`, made on demand (as a server would), so only one is alive at once.
fn answer(org: &Org, call: &ContactCall) -> Vec<u8> {
    match call {
        ContactCall::SubDepartments(c) => {
            let kids: Vec<String> = org.children[c.dept_id.get() as usize]
                .iter()
                .map(u64::to_string)
                .collect();
            format!(
                r#"{{"errcode":0,"result":{{"dept_id_list":[{}]}}}}"#,
                kids.join(",")
            )
        }
        ContactCall::MemberIds(c) => {
            let ids: Vec<String> = org.members[c.dept_id.get() as usize]
                .iter()
                .map(|p| format!("\"user{p:08}\""))
                .collect();
            format!(
                r#"{{"errcode":0,"result":{{"userid_list":[{}]}}}}"#,
                ids.join(",")
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    .into_bytes()
}

#[test]
fn a_hundred_thousand_people_in_five_thousand_departments_stay_small() {
    let base = BaseUrl::default();
    let token = AccessToken::new("t");
    let org = org();
    let before = live();
    let mut peak = 0isize;
    let config = ResolveConfig::default().per_second(u32::MAX);
    let mut resolution = Resolution::new(&AudienceQuery::new().whole_organization(), config);
    let mut now = Instant::now();
    loop {
        match resolution.next(now).expect("no error") {
            ResolveStep::Call(call) => {
                let request = call.build_request(&base, &token).expect("builds");
                drop(request);
                let body = answer(&org, &call);
                peak = peak.max(live() - before);
                resolution
                    .answer_response(now, http::Response::new(body))
                    .expect("applies");
            }
            ResolveStep::Wait(w) => now += w,
            ResolveStep::Done => break,
            other => panic!("{other:?}"),
        }
        peak = peak.max(live() - before);
        now += Duration::from_millis(1);
    }
    let checkpoint = serde_json::to_vec(&resolution).expect("saves");
    peak = peak.max(live() - before);
    eprintln!(
        "checkpoint of the finished walk: {:.1} MB",
        checkpoint.len() as f64 / 1e6
    );
    drop(checkpoint);
    let audience = resolution.into_audience().expect("done");
    assert_eq!(audience.recipient_count() as u64, PEOPLE);
    assert_eq!(audience.departments().len() as u64, DEPTS);
    peak = peak.max(live() - before);
    eprintln!(
        "peak live heap: {:.1} MB; held by the result: {:.1} MB",
        peak as f64 / 1e6,
        (live() - before) as f64 / 1e6
    );
    assert!(peak < 16_000_000, "peak live heap {peak} bytes");
}
