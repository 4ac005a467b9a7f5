//! Campaign planning cost, and how it scales with the audience. Run with
//! `cargo bench -p dingtalk-notify-proto --bench campaign`.
//!
//! Groups (criterion ids, as `target/criterion/<group>/<id>`):
//! - `campaign_plan/<ids>`: [`CampaignPlan::new`] for 10,000 and 100,000 distinct user ids
//!   (each id given twice, so half are removed as duplicates). The reported throughput is
//!   ids per second: it stays flat when the cost is linear, so the ratio of the two times
//!   is about 10.
//! - `campaign_plan_baseline/<ids>`: the same ids deduplicated and split by hand, the way a
//!   caller's own loop would (a `HashSet<&str>`, `retain`, chunks of 100 moved out): what
//!   any plan must do. Its per-id cost grows with the audience as the plan's does once the
//!   ids outgrow the caches, so `bench/run.sh` judges linearity against it.
//! - `campaign_chunk/build_send`: building one chunk's `asyncsend_v2` request (100 ids), the
//!   pure part of sending one chunk.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_notify_proto::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
use dingtalk_notify_proto::{AccessToken, BaseUrl, Endpoint, Message};

const AGENT: u64 = 836_390_886;

/// `n` distinct ids of a realistic length, each listed twice (in two halves).
fn audience(n: usize) -> Vec<String> {
    let mut ids: Vec<String> = (0..n).map(|i| format!("manager{i:08}")).collect();
    ids.extend_from_within(..);
    ids
}

fn plan_scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("campaign_plan");
    for n in [10_000usize, 100_000] {
        let ids = audience(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &ids, |b, ids| {
            b.iter_batched(
                || Audience::users(ids.clone()),
                |audience| {
                    CampaignPlan::new(
                        AGENT,
                        Message::text("Fire drill at 3pm"),
                        audience,
                        CHUNK_LIMITS,
                    )
                    .expect("a valid plan")
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// Dedupe and split by hand: no validation, no plan.
fn by_hand(mut ids: Vec<String>) -> Vec<Vec<String>> {
    let keep: Vec<bool> = {
        let mut seen: HashSet<&str> = HashSet::with_capacity(ids.len());
        ids.iter().map(|id| seen.insert(id.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    ids.retain(|_| keep.next().unwrap_or(false));
    let mut chunks = Vec::with_capacity(ids.len().div_ceil(100));
    let mut current = Vec::with_capacity(100);
    for id in ids {
        current.push(id);
        if current.len() == 100 {
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn plan_baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("campaign_plan_baseline");
    for n in [10_000usize, 100_000] {
        let ids = audience(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &ids, |b, ids| {
            b.iter_batched(|| ids.clone(), by_hand, BatchSize::LargeInput)
        });
    }
    g.finish();
}

fn chunk_build(c: &mut Criterion) {
    let plan = CampaignPlan::new(
        AGENT,
        Message::text("Fire drill at 3pm"),
        Audience::users(audience(1_000)),
        CHUNK_LIMITS,
    )
    .expect("a valid plan");
    let base = BaseUrl::new("https://oapi.dingtalk.com").expect("a valid base URL");
    let token = AccessToken::new("bE74d9c0a1b2c3d4e5f60718293a4b5c");
    c.benchmark_group("campaign_chunk")
        .bench_function("build_send", |b| {
            b.iter(|| {
                let send = plan.send_work_notification(black_box(3)).expect("chunk 3");
                send.build_request(&base, &token).expect("a valid request")
            })
        });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
}

criterion_group! {
    name = benches;
    config = config();
    targets = plan_scaling, plan_baseline, chunk_build
}
criterion_main!(benches);
