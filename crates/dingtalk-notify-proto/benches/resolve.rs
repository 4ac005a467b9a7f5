//! Resolving an organisation: CPU per resolved person of the pure plan (build each
//! contact request, parse its answer, apply it). Run with
//! `cargo bench -p dingtalk-notify-proto --bench resolve`.
//!
//! Groups (criterion ids, as `target/criterion/<group>/<id>`):
//! - `resolve_org/100000`: a synthetic organisation of 100,000 people in 5,000 departments
//!   (a tree eight wide, 20 people a department, one in twenty also in a second department),
//!   resolved as the whole organisation with `listsubid` + `listid`: 10,000 calls. The
//!   answers are prepared before the timed loop, so the time is the plan's and the codec's,
//!   not the network's. The reported throughput is people per second.
//! - `resolve_org_details/100000`: the same with inactive people left out, so members come
//!   as `v2/user/list` pages of details (one page per department).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_notify_proto::resolve::{
    AudienceQuery, ContactCall, Resolution, ResolveConfig, ResolveStep,
};
use dingtalk_notify_proto::{AccessToken, BaseUrl};

const DEPTS: usize = 5_000;
const PEOPLE: usize = 100_000;

/// The prepared answers, by department id (1-based): sub-departments, member ids, details.
struct Org {
    subs: Vec<Vec<u8>>,
    ids: Vec<Vec<u8>>,
    details: Vec<Vec<u8>>,
}

fn org() -> Org {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); DEPTS + 1];
    for d in 2..=DEPTS {
        children[(d - 2) / 8 + 1].push(d);
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); DEPTS + 1];
    for p in 0..PEOPLE {
        let home = p % DEPTS + 1;
        members[home].push(p);
        if p % 20 == 0 {
            members[(p / 7) % DEPTS + 1].push(p);
        }
    }
    let userid = |p: usize| format!("user{p:08}");
    let subs = children
        .iter()
        .map(|c| {
            let list: Vec<String> = c.iter().map(usize::to_string).collect();
            format!(r#"{{"errcode":0,"errmsg":"ok","result":{{"dept_id_list":[{}]}},"request_id":"r"}}"#, list.join(","))
                .into_bytes()
        })
        .collect();
    let ids = members
        .iter()
        .map(|m| {
            let list: Vec<String> = m.iter().map(|p| format!("\"{}\"", userid(*p))).collect();
            format!(
                r#"{{"errcode":0,"errmsg":"ok","result":{{"userid_list":[{}]}},"request_id":"r"}}"#,
                list.join(",")
            )
            .into_bytes()
        })
        .collect();
    let details = members
        .iter()
        .enumerate()
        .map(|(d, m)| {
            let list: Vec<String> = m
                .iter()
                .map(|p| {
                    format!(
                        r#"{{"userid":"{}","unionid":"uid{p}","name":"Person {p}","active":{},"dept_id_list":[{d}],"title":"Engineer","admin":false,"leader":false}}"#,
                        userid(*p),
                        p % 50 != 0
                    )
                })
                .collect();
            format!(r#"{{"errcode":0,"errmsg":"ok","result":{{"has_more":false,"list":[{}]}},"request_id":"r"}}"#, list.join(","))
                .into_bytes()
        })
        .collect();
    Org { subs, ids, details }
}

/// Resolves the whole organisation; returns the people found.
fn resolve(org: &Org, exclude_inactive: bool) -> usize {
    let base = BaseUrl::default();
    let token = AccessToken::new("bE74d9c0a1b2c3d4e5f60718293a4b5c");
    let config = ResolveConfig::default()
        .per_second(u32::MAX)
        .exclude_inactive(exclude_inactive);
    let mut resolution = Resolution::new(&AudienceQuery::new().whole_organization(), config);
    let mut now = Instant::now();
    loop {
        match resolution.next(now).expect("no error") {
            ResolveStep::Call(call) => {
                let request = call.build_request(&base, &token).expect("builds");
                let body = match &call {
                    ContactCall::SubDepartments(c) => &org.subs[c.dept_id.get() as usize],
                    ContactCall::MemberIds(c) => &org.ids[c.dept_id.get() as usize],
                    ContactCall::Members(c) => &org.details[c.dept_id.get() as usize],
                    other => panic!("unexpected {other:?}"),
                };
                black_box(request);
                resolution
                    .answer_response(now, http::Response::new(body.as_slice()))
                    .expect("applies");
            }
            ResolveStep::Wait(wait) => now += wait,
            ResolveStep::Done => break,
            other => panic!("unexpected {other:?}"),
        }
        now += Duration::from_millis(1);
    }
    let audience = resolution.into_audience().expect("done");
    audience.recipients().count() + audience.inactive().count()
}

fn bench(c: &mut Criterion) {
    let org = org();
    assert_eq!(resolve(&org, false), PEOPLE);
    for (group, exclude) in [("resolve_org", false), ("resolve_org_details", true)] {
        let mut g = c.benchmark_group(group);
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(3));
        g.throughput(Throughput::Elements(PEOPLE as u64));
        g.bench_function(BenchmarkId::from_parameter(PEOPLE), |b| {
            b.iter(|| resolve(&org, exclude))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
