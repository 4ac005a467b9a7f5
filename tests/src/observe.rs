//! Observability (feature `metrics`): a client against the simulator, through a throttled
//! send and its retry, a token replay, the gateway's throttle page, and a paced campaign
//! with an ambiguous chunk and people forbidden, under a capturing metrics recorder
//! (`metrics-util`'s `DebuggingRecorder`, local to the test's thread) and the capturing
//! logger. Each phase checks that the metrics moved by what the simulator recorded (its
//! requests, token fetches, tasks and their results: the independent witness) and what the
//! shared clock slept; then that no metric name, label or log record holds a secret, and
//! that every label value is one of the documented, bounded ones.

use std::collections::BTreeMap;
use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::campaign::Audience;
use dingtalk_notify::ledger::MemoryLedger;
use dingtalk_notify::{Message, TaskHandle, TokenSource};
use dingtalk_notify_mock::{
    AppCredentials, Calls, Directory, Fault, MockServer, Route, UserBehaviour,
};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

use crate::capture_log::{self, Captured};
use crate::harness::{Harness, TransportSettings, harness_with_client};
use crate::scenarios::TestTransport;

const APP_KEY: &str = "dingobservekey";
const APP_SECRET: &str = "OBSERVE-APPSECRET-SENTINEL-5e1b";
const AGENT: u64 = 5_151;
const TEXT: &str = "Quarterly review at 3pm";

/// A metric's name and labels (sorted), as recorded.
type Key = (String, Vec<(String, String)>);

/// One phase's metrics: what moved since the last snapshot (the recorder's snapshot drains
/// counters and histograms).
#[derive(Default, Debug)]
struct Moved {
    counters: BTreeMap<Key, u64>,
    histograms: BTreeMap<Key, Vec<f64>>,
}

impl Moved {
    fn take(snapshotter: &Snapshotter, seen: &mut Vec<Key>) -> Self {
        let mut moved = Self::default();
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            let k = (key.name().to_owned(), labels);
            seen.push(k.clone());
            match value {
                DebugValue::Counter(n) if n > 0 => {
                    moved.counters.insert(k, n);
                }
                DebugValue::Histogram(v) if !v.is_empty() => {
                    moved
                        .histograms
                        .insert(k, v.into_iter().map(f64::from).collect());
                }
                _ => {}
            }
        }
        moved
    }

    /// The counter `name` summed over every series whose labels include `labels`.
    fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.counters
            .iter()
            .filter(|((n, l), _)| n == name && matches(l, labels))
            .map(|(_, v)| v)
            .sum()
    }

    /// The values `name` recorded in series whose labels include `labels`.
    fn values(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        self.histograms
            .iter()
            .filter(|((n, l), _)| n == name && matches(l, labels))
            .flat_map(|(_, v)| v.iter().copied())
            .collect()
    }

    /// `dingtalk_notify_calls_total` by endpoint equals what the simulator received, route
    /// by route (its own path table, not ours).
    fn assert_calls_match(&self, server: &MockServer, phase: &str) {
        let mut received: BTreeMap<&str, u64> = BTreeMap::new();
        for r in server.requests() {
            *received.entry(r.route.path().unwrap_or("?")).or_default() += 1;
        }
        let mut counted: BTreeMap<&str, u64> = BTreeMap::new();
        for ((name, labels), n) in &self.counters {
            if name == "dingtalk_notify_calls_total" {
                let endpoint = labels
                    .iter()
                    .find(|(k, _)| k == "endpoint")
                    .map_or("?", |(_, v)| v.as_str());
                *counted.entry(endpoint).or_default() += n;
            }
        }
        assert_eq!(counted, received, "{phase}: calls by endpoint");
    }
}

fn matches(labels: &[(String, String)], want: &[(&str, &str)]) -> bool {
    want.iter()
        .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT: &str = "/topapi/message/corpconversation/getsendresult";
const CALLS: &str = "dingtalk_notify_calls_total";
const WAIT: &str = "dingtalk_notify_wait_seconds";

/// Whether a record from `target` at `level` containing `text` was logged.
fn logged(records: &[Captured], target: &str, level: log::Level, text: &str) -> bool {
    records
        .iter()
        .any(|r| r.target == target && r.level == level && r.message.contains(text))
}

/// Every access token and app secret that crossed the wire so far.
fn wire_secrets(server: &MockServer, into: &mut Vec<String>) {
    for r in server.requests() {
        for name in ["access_token", "appsecret"] {
            if let Some(v) = r.query_value(name).filter(|v| !v.is_empty()) {
                into.push(v.to_owned());
            }
        }
    }
}

fn harness<T: TestTransport>(make: fn(TransportSettings) -> T) -> Harness<T> {
    harness_with_client(
        make(TransportSettings::default()),
        |_| TokenSource::app(APP_KEY, APP_SECRET),
        |b| {
            b.app(AppCredentials::new(APP_KEY, APP_SECRET, AGENT))
                .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        },
        |c| {
            c.recipient_budget(std::sync::Arc::new(
                dingtalk_notify::budget::InProcessBudget::new(
                    dingtalk_notify::budget::Budget::per_minute(100),
                ),
            ))
        },
    )
}

/// The whole scenario over one transport.
pub fn metrics_and_logs_follow_the_simulator<T: TestTransport>(make: fn(TransportSettings) -> T) {
    assert!(capture_log::install(), "the capturing logger is installed");
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || scenario(make, &snapshotter));
}

fn scenario<T: TestTransport>(make: fn(TransportSettings) -> T, snapshotter: &Snapshotter) {
    let h = harness(make);
    let mut seen = Vec::new();
    let mut secrets = vec![APP_SECRET.to_owned()];

    // 1. A send answered 90018 (the per-second rate limit) once, then accepted.
    h.server
        .inject(Route::Send, Calls::First(1), Fault::Code(90018));
    let send = SendWorkNotification::new(AGENT, Message::text(TEXT)).to_users(["u1", "u2"]);
    let task = h.client.send(&send).expect("sent on the second attempt");
    let m = Moved::take(snapshotter, &mut seen);
    m.assert_calls_match(&h.server, "send");
    assert_eq!(h.server.requests_to(Route::Send).len(), 2);
    assert_eq!(
        m.count(CALLS, &[("endpoint", SEND), ("outcome", "throttled")]),
        1
    );
    assert_eq!(m.count(CALLS, &[("endpoint", SEND), ("outcome", "ok")]), 1);
    let throttles = [("endpoint", SEND), ("reason", "rate_limit")];
    assert_eq!(m.count("dingtalk_notify_throttles_total", &throttles), 1);
    let retries = [("endpoint", SEND), ("outcome", "throttled")];
    assert_eq!(m.count("dingtalk_notify_retries_total", &retries), 1);
    let fetched = [("endpoint", "/gettoken"), ("outcome", "ok")];
    assert_eq!(
        m.count("dingtalk_notify_token_fetches_total", &fetched),
        h.server.token_fetches() as u64
    );
    let tasks = h.server.tasks();
    let recipients: usize = tasks.iter().map(|t| t.recipients.len()).sum();
    assert_eq!(
        m.count("dingtalk_notify_recipients_sent_total", &[]),
        recipients as u64
    );
    let waits = m.values(WAIT, &[("reason", "throttle")]);
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= 1.0, "90018 waits a second at least: {waits:?}");
    assert!(
        (h.clock.client.slept().as_secs_f64() - waits[0]).abs() < 1e-6,
        "the one wait is what the clock slept"
    );
    wire_secrets(&h.server, &mut secrets);
    h.server.clear_requests();

    // 2. A token the simulator revoked (rejected: refreshed, replayed once) and the gateway's IP
    //    throttle page (waited out: `wait` 5 s).
    let fetches_before = h.server.token_fetches();
    h.server.revoke_tokens();
    h.server
        .inject(Route::SendResult, Calls::First(1), Fault::Throttle);
    let task = TaskHandle::new(AGENT, task.task_id);
    h.client.progress(&task).expect("progress after a replay");
    h.client
        .result(&task)
        .expect("result after the throttle page");
    let m = Moved::take(snapshotter, &mut seen);
    m.assert_calls_match(&h.server, "replay and throttle page");
    assert_eq!(h.server.requests_to(Route::SendProgress).len(), 2);
    let replays = [("endpoint", PROGRESS)];
    assert_eq!(m.count("dingtalk_notify_token_replays_total", &replays), 1);
    assert_eq!(
        m.count(CALLS, &[("endpoint", PROGRESS), ("outcome", "token")]),
        1
    );
    assert_eq!(
        m.count("dingtalk_notify_token_fetches_total", &fetched),
        (h.server.token_fetches() - fetches_before) as u64
    );
    let ip = [("endpoint", RESULT), ("reason", "ip_throttle")];
    assert_eq!(m.count("dingtalk_notify_throttles_total", &ip), 1);
    assert_eq!(
        m.count(CALLS, &[("endpoint", RESULT), ("outcome", "ip_throttled")]),
        1
    );
    let waits = m.values(WAIT, &[("reason", "throttle")]);
    assert!(waits.len() == 1 && waits[0] >= 5.0, "{waits:?}");
    wire_secrets(&h.server, &mut secrets);
    h.server.clear_requests();

    // 3. A campaign of 250 under a budget of 100 a minute (chunks of 100, 100, 50, paced),
    //    its second send answered by a gateway's 502 (ambiguous: never resent), and u1, u2
    //    already sent the same text today (143106 in the first chunk's result).
    let task_ids_before: Vec<u64> = h.server.tasks().iter().map(|t| t.task_id).collect();
    let slept_before = h.clock.client.slept();
    h.server
        .inject(Route::Send, Calls::Nth(2), Fault::Http502Html);
    let mut people = vec!["u1".to_owned(), "u2".to_owned()];
    people.extend((0..248).map(|i| format!("p{i:03}")));
    let ledger = MemoryLedger::new();
    let campaigns = h.client.campaigns(&ledger);
    let plan = campaigns
        .plan(AGENT, Message::text(TEXT), Audience::users(people))
        .expect("a plan within the budget");
    assert_eq!(plan.chunks().len(), 3);
    let handle = campaigns.start(plan).expect("the campaign runs");
    let slept = h.clock.client.slept() - slept_before;
    h.clock.advance(Duration::from_secs(5));
    let _ = campaigns.result(&handle);
    let m = Moved::take(snapshotter, &mut seen);
    m.assert_calls_match(&h.server, "campaign");
    let new_tasks: Vec<_> = h
        .server
        .tasks()
        .into_iter()
        .filter(|t| !task_ids_before.contains(&t.task_id))
        .collect();
    assert_eq!(new_tasks.len(), 2, "the 502 created no task");
    assert_eq!(
        m.count("dingtalk_notify_chunks_total", &[("state", "sent")]),
        new_tasks.len() as u64
    );
    assert_eq!(
        m.count("dingtalk_notify_chunks_total", &[("state", "ambiguous")]),
        1
    );
    assert_eq!(handle.ambiguous().len(), 1);
    let recipients: usize = new_tasks.iter().map(|t| t.recipients.len()).sum();
    assert_eq!(
        m.count("dingtalk_notify_recipients_sent_total", &[]),
        recipients as u64
    );
    let duplicates = new_tasks
        .iter()
        .flat_map(|t| &t.result.forbidden_list)
        .filter(|f| f.code == 143_106)
        .count();
    assert_eq!(duplicates, 2, "the simulator held back u1 and u2");
    assert_eq!(
        m.count("dingtalk_notify_forbidden_total", &[("code", "143106")]),
        duplicates as u64
    );
    let budget_waits = m.values(WAIT, &[("reason", "budget")]);
    assert!(budget_waits.len() >= 2, "{budget_waits:?}");
    let waited: f64 = budget_waits.iter().sum();
    assert!(
        (waited - slept.as_secs_f64()).abs() < 1e-3,
        "the budget's waits ({waited}) are all the campaign slept ({slept:?})"
    );
    let sends = h.server.requests_to(Route::Send);
    let span = sends[sends.len() - 1].at - sends[0].at;
    assert!(
        span >= Duration::from_secs(120) && span.as_secs_f64() <= waited + 1e-3,
        "three chunks of 100 a minute span two minutes: {span:?}"
    );
    wire_secrets(&h.server, &mut secrets);

    // The logs: targets and levels as docs/observability.md says.
    let records = capture_log::records();
    let client = "dingtalk_notify::client";
    assert!(logged(
        &records,
        client,
        log::Level::Warn,
        "throttled (rate_limit)"
    ));
    assert!(logged(
        &records,
        client,
        log::Level::Warn,
        "throttled (ip_throttle)"
    ));
    assert!(logged(&records, client, log::Level::Info, "retrying in"));
    assert!(logged(&records, client, log::Level::Info, "token rejected"));
    assert!(logged(
        &records,
        "dingtalk_notify::token",
        log::Level::Debug,
        "token fetched"
    ));
    assert!(logged(
        &records,
        "dingtalk_notify::budget",
        log::Level::Debug,
        "wait"
    ));
    let campaign = "dingtalk_notify::campaign";
    assert!(logged(&records, campaign, log::Level::Warn, "ambiguous"));
    assert!(logged(&records, campaign, log::Level::Debug, "sent"));

    // No secret anywhere; every label value from the documented, bounded sets.
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() >= 3,
        "the app secret and two tokens: {secrets:?}"
    );
    for (name, labels) in &seen {
        let text = format!("{name} {labels:?}");
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret in the metric {text}");
        }
        assert!(name.starts_with("dingtalk_notify_"), "{name}");
        for (k, v) in labels {
            assert!(
                bounded(k, v),
                "{name}: label {k}={v:?} is not a documented value"
            );
        }
    }
    // ureq's own records are left out: with `trace` on, ureq logs whole request URIs (its
    // documented behaviour, pinned by `secret_hygiene`; our transport warns about it).
    for r in records.iter().filter(|r| !r.target.starts_with("ureq")) {
        for s in &secrets {
            assert!(
                !r.message.contains(s.as_str()) && !r.target.contains(s.as_str()),
                "a secret in the log record {r}"
            );
        }
    }
}

/// The label values docs/observability.md lists.
fn bounded(key: &str, value: &str) -> bool {
    const OUTCOMES: [&str; 13] = [
        "ok",
        "retryable",
        "throttled",
        "banned",
        "token",
        "permanent",
        "gateway_error",
        "http_status",
        "ip_throttled",
        "unusable",
        "transport",
        "token_provider",
        "deadline",
    ];
    match key {
        "endpoint" => value == "provider" || Route::SERVED.iter().any(|(_, path)| *path == value),
        "outcome" => OUTCOMES.contains(&value) || value == "error",
        "reason" => [
            "rate_limit",
            "ban",
            "recipients_per_minute",
            "monthly_quota",
            "ip_throttle",
            "retry",
            "throttle",
            "budget",
            "chunk_retry",
            "pace",
        ]
        .contains(&value),
        "code" => value == "other" || value.parse::<u32>().is_ok(),
        "state" => ["planned", "sent", "failed", "ambiguous"].contains(&value),
        _ => false,
    }
}
