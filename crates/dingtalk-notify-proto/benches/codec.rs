//! Build and parse cost of every endpoint, and how parsing a send result scales with its
//! number of user ids. Run with `cargo bench -p dingtalk-notify-proto --bench codec`.
//!
//! The main groups measure the **CPU time of the benchmark thread**
//! (`CLOCK_THREAD_CPUTIME_ID`), not wall time: on a shared machine, time the thread spends
//! descheduled while other jobs run is not the code's cost. On an idle machine the two agree;
//! the `wall_*` groups measure the two target cases in wall time, to show it.
//!
//! Groups (criterion ids, as `target/criterion/<group>/<id>`):
//! - `build/<endpoint>`: `build_request` (validation, URI, JSON body, headers);
//! - `parse/<endpoint>`: `parse_response` of a realistic success answer;
//! - `build_parse/<endpoint>`: both, as one call of the client does them;
//! - `parse_result/<ids>`: a `getsendresult` answer with 10 to 10,000 user ids (the
//!   reported throughput is ids per second, which stays flat if the cost is linear);
//! - `wall_build_parse/status_bar_update`, `wall_parse_result/100`: the same, wall time;
//! - `ratio_parse/*`, `ratio_build/*`: the two sides of each ratio target (see
//!   [`ratio_group`]).

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dingtalk_notify_proto::api::{
    GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, RecallWorkNotification,
    SendWorkNotification, UpdateStatusBar,
};
use dingtalk_notify_proto::{AuthInput, BaseUrl, Endpoint};

use common::*;

fn parse<E: Endpoint>(body: &str) -> E::Response {
    E::parse_response(http::Response::new(body.as_bytes())).expect("a success answer")
}

fn build_group<M: Measurement>(c: &mut Criterion<M>) {
    let base = base();
    let token = token();
    let mut g = c.benchmark_group("build");
    let gettoken = gettoken();
    g.bench_function("gettoken", |b| {
        b.iter(|| black_box(&gettoken).build_request(&base, ()))
    });
    let corp = corp_token();
    g.bench_function("get_corp_token", |b| {
        // Signing is part of every ISV token fetch, so it is measured here.
        b.iter(|| {
            let sig = suite_signature();
            black_box(&corp).build_request(&base, &sig)
        })
    });
    let send = send();
    g.bench_function("asyncsend_v2", |b| {
        b.iter(|| black_box(&send).build_request(&base, &token))
    });
    let progress = progress();
    g.bench_function("getsendprogress", |b| {
        b.iter(|| black_box(&progress).build_request(&base, &token))
    });
    let result = result();
    g.bench_function("getsendresult", |b| {
        b.iter(|| black_box(&result).build_request(&base, &token))
    });
    let bar = status_bar();
    g.bench_function("status_bar_update", |b| {
        b.iter(|| black_box(&bar).build_request(&base, &token))
    });
    let recall = recall();
    g.bench_function("recall", |b| {
        b.iter(|| black_box(&recall).build_request(&base, &token))
    });
    g.finish();
}

fn parse_group<M: Measurement>(c: &mut Criterion<M>) {
    let result_10 = result_body(10);
    let mut g = c.benchmark_group("parse");
    g.bench_function("gettoken", |b| {
        b.iter(|| parse::<GetAccessToken>(black_box(GETTOKEN_OK)))
    });
    g.bench_function("get_corp_token", |b| {
        b.iter(|| parse::<GetCorpToken>(black_box(CORP_TOKEN_OK)))
    });
    g.bench_function("asyncsend_v2", |b| {
        b.iter(|| parse::<SendWorkNotification>(black_box(SEND_OK)))
    });
    g.bench_function("getsendprogress", |b| {
        b.iter(|| parse::<GetSendProgress>(black_box(PROGRESS_OK)))
    });
    g.bench_function("getsendresult", |b| {
        b.iter(|| parse::<GetSendResult>(black_box(&result_10)))
    });
    g.bench_function("status_bar_update", |b| {
        b.iter(|| parse::<UpdateStatusBar>(black_box(STATUS_BAR_OK)))
    });
    g.bench_function("recall", |b| {
        b.iter(|| parse::<RecallWorkNotification>(black_box(RECALL_OK)))
    });
    g.finish();
}

/// Build the request, then parse the answer to it: what one call costs on top of the IO.
fn round_trip<E: Endpoint>(
    base: &BaseUrl,
    endpoint: &E,
    auth: AuthInput<'_, E>,
    answer: &str,
) -> E::Response {
    let request = endpoint.build_request(base, auth).expect("a valid request");
    black_box(request);
    parse::<E>(answer)
}

fn build_parse_group<M: Measurement>(c: &mut Criterion<M>) {
    let base = base();
    let token = token();
    let auth = &token;
    let result_10 = result_body(10);
    let mut g = c.benchmark_group("build_parse");
    let gettoken = gettoken();
    g.bench_function("gettoken", |b| {
        b.iter(|| round_trip(&base, black_box(&gettoken), (), GETTOKEN_OK))
    });
    let corp = corp_token();
    g.bench_function("get_corp_token", |b| {
        b.iter(|| {
            let sig = suite_signature();
            round_trip(&base, black_box(&corp), &sig, CORP_TOKEN_OK)
        })
    });
    let send = send();
    g.bench_function("asyncsend_v2", |b| {
        b.iter(|| round_trip(&base, black_box(&send), auth, SEND_OK))
    });
    let progress = progress();
    g.bench_function("getsendprogress", |b| {
        b.iter(|| round_trip(&base, black_box(&progress), auth, PROGRESS_OK))
    });
    let result = result();
    g.bench_function("getsendresult", |b| {
        b.iter(|| round_trip(&base, black_box(&result), auth, &result_10))
    });
    let bar = status_bar();
    g.bench_function("status_bar_update", |b| {
        b.iter(|| round_trip(&base, black_box(&bar), auth, STATUS_BAR_OK))
    });
    let recall = recall();
    g.bench_function("recall", |b| {
        b.iter(|| round_trip(&base, black_box(&recall), auth, RECALL_OK))
    });
    g.finish();
}

fn parse_result_scaling<M: Measurement>(c: &mut Criterion<M>) {
    let mut g = c.benchmark_group("parse_result");
    for n in RESULT_SIZES {
        let body = result_body(n);
        let parsed = parse::<GetSendResult>(&body);
        assert_eq!(
            parsed.send_result.user_count(),
            n,
            "the fixture lists {n} ids"
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &body, |b, body| {
            b.iter(|| parse::<GetSendResult>(black_box(body)))
        });
    }
    g.finish();
}

/// The ratio targets, each side measured in the same process, back to back:
/// - `ratio_parse/typed_<case>` ÷ `ratio_parse/value_<case>`: the typed parse of an answer
///   against `serde_json::from_slice::<serde_json::Value>` of the same bytes (target ≤ 1.0);
/// - `ratio_build/typed_<case>` ÷ `ratio_build/baseline_<case>`: `build_request` against
///   `serde_json::to_vec` of the same body plus `http::Request::builder()` with the same
///   method, URI and headers (target ≤ 1.2). Both sides are checked to produce the same
///   request before anything is measured.
fn ratio_group<M: Measurement>(c: &mut Criterion<M>) {
    let result_100 = result_body(100);
    let mut g = c.benchmark_group("ratio_parse");
    type Case<'a> = (&'a str, &'a str, fn(&str));
    let cases: [Case<'_>; 3] = [
        ("getsendprogress", PROGRESS_OK, |b| {
            black_box(parse::<GetSendProgress>(b));
        }),
        ("status_bar_update", STATUS_BAR_OK, |b| {
            black_box(parse::<UpdateStatusBar>(b));
        }),
        ("getsendresult_100", &result_100, |b| {
            black_box(parse::<GetSendResult>(b));
        }),
    ];
    for (name, body, typed) in cases {
        g.bench_function(format!("typed_{name}"), |b| {
            b.iter(|| typed(black_box(body)))
        });
        g.bench_function(format!("value_{name}"), |b| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(body.as_bytes()))
                    .expect("JSON")
            })
        });
    }
    g.finish();

    let base = base();
    let token = token();
    let mut g = c.benchmark_group("ratio_build");
    let progress = progress();
    ratio_build_case(&mut g, "getsendprogress", &base, &token, &progress);
    let bar = status_bar();
    ratio_build_case(&mut g, "status_bar_update", &base, &token, &bar);
    g.finish();
}

/// The two sides of one `ratio_build` case.
fn ratio_build_case<M: Measurement, E>(
    g: &mut criterion::BenchmarkGroup<'_, M>,
    name: &str,
    base: &BaseUrl,
    token: &dingtalk_notify_proto::AccessToken,
    endpoint: &E,
) where
    E: Endpoint<Auth = dingtalk_notify_proto::auth::AccessTokenQuery> + serde::Serialize,
{
    use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
    let built = endpoint
        .build_request(base, token)
        .expect("a valid request");
    let uri = built.uri().to_string();
    let user_agent = dingtalk_notify_proto::USER_AGENT_VALUE;
    let baseline = |endpoint: &E| {
        let body = serde_json::to_vec(endpoint).expect("a body");
        http::Request::builder()
            .method(E::METHOD)
            .uri(uri.as_str())
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, user_agent)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .expect("a request")
    };
    let same = baseline(endpoint);
    assert_eq!(same.uri(), built.uri(), "{name}: the same URI");
    assert_eq!(same.headers(), built.headers(), "{name}: the same headers");
    assert_eq!(same.body(), built.body(), "{name}: the same body");
    g.bench_function(format!("typed_{name}"), |b| {
        b.iter(|| black_box(endpoint).build_request(base, token))
    });
    g.bench_function(format!("baseline_{name}"), |b| {
        b.iter(|| baseline(black_box(endpoint)))
    });
}

/// The CPU time of the calling thread.
struct ThreadCpuTime;

fn thread_cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Durations in ns, like wall time: the same units and throughputs.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

/// The target cases again, in wall time.
fn wall_group(c: &mut Criterion) {
    let base = base();
    let token = token();
    let bar = status_bar();
    c.benchmark_group("wall_build_parse")
        .bench_function("status_bar_update", |b| {
            b.iter(|| round_trip(&base, black_box(&bar), &token, STATUS_BAR_OK))
        });
    let body = result_body(100);
    c.benchmark_group("wall_parse_result")
        .throughput(Throughput::Elements(100))
        .bench_function("100", |b| {
            b.iter(|| parse::<GetSendResult>(black_box(&body)))
        });
}

// Short runs: the whole suite stays around a minute and a half on two cores.
fn cpu_config() -> Criterion<ThreadCpuTime> {
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

fn wall_config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = cpu_config();
    targets = build_group, parse_group, build_parse_group, parse_result_scaling, ratio_group
}
criterion_group! {
    name = wall;
    config = wall_config();
    targets = wall_group
}
criterion_main!(benches, wall);
