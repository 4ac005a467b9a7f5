//! Load: many threads through **one** client against one simulator on loopback, with token
//! expiries and rate-limit answers sprinkled in.
//!
//! Every send goes to a user id of its own, so the simulator's per-user delivery count shows
//! any send delivered twice. The run is cut into rounds; between two rounds, when no call is
//! in flight, the controller expires the token (alternately by moving the shared clock past
//! the token's lifetime and by revoking every token), so the count of token fetches is exact:
//! one, plus one per expiry. Rate-limit answers (errcode 143103) replace scattered sends;
//! the client retries them with backoff on the virtual clock.
//!
//! Asserted: every send the client reported OK was delivered exactly once, to its user, in
//! the task the client was given; no user got a message twice; failed sends are counted and
//! reported (none is expected on loopback, and at least 99 % must succeed); token fetches are
//! 1 + expiries; peak RSS (`VmHWM`) stays under 512 MiB. Printed: calls per second, token
//! fetches, peak RSS.
//!
//! `load_ci_ureq` is the small variant run by CI (8 threads × 50 calls, 2 expiries). The full
//! run (64 threads × 1,000 calls, 8 expiries) is ignored by default:
//!
//! ```text
//! cargo test -p dingtalk-notify-tests --release --test load -- --ignored --nocapture
//! ```

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::isahc::IsahcTransport;
use dingtalk_notify::kit::retry::FixedJitter;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::ureq::ureq::Agent;
use dingtalk_notify::{
    BaseUrl, Client, Error, Message, TaskHandle, TaskId, Transport, VirtualClock,
};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, Directory, Fault, MockServer, Route, UserBehaviour, code,
};
use dingtalk_notify_tests::harness::{SharedClock, demo_app};
use dingtalk_notify_tests::scenarios::TestTransport;

/// The simulator's token lifetime, and a step past it.
const PAST_TTL: Duration = Duration::from_secs(7201);
/// Peak resident memory allowed.
const MAX_PEAK_RSS_KIB: u64 = 512 * 1024;

#[derive(Debug, Clone, Copy)]
struct Load {
    threads: usize,
    calls_per_thread: usize,
    expiries: usize,
    /// Rate-limit answers injected among the sends.
    rate_limited: u64,
    /// The run gives up (and fails) after this long.
    give_up: Duration,
}

/// What the threads saw.
#[derive(Default)]
struct Tally {
    /// (user, task id) of every send reported OK.
    sent: Vec<(String, TaskId)>,
    /// (user, error) of every send that failed.
    failed_sends: Vec<(String, String)>,
    polls: usize,
    failed_polls: Vec<String>,
    gave_up: bool,
}

fn text_to(user: &str, text: String) -> SendWorkNotification {
    SendWorkNotification::new(DEMO_AGENT_ID, Message::text(text)).to_users([user])
}

/// Peak and current resident set size, in KiB, from /proc/self/status.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn describe<T: Transport>(client: &Client<T>, e: &Error<T::Error>) -> String {
    match e {
        Error::Transport(t) => format!("{:?}: {e}", client.transport().classify(t)),
        _ => e.to_string(),
    }
}

/// One load run at a time: they measure the process's memory and time.
static SERIAL: Mutex<()> = Mutex::new(());

fn run<T: TestTransport>(name: &str, transport: T, load: Load) {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    // Resets the peak RSS to the current RSS (Linux 4.0+), so VmHWM is this run's peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let server = MockServer::builder()
        .frozen_clock()
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .daily_user_limit(u32::MAX)
        .recipients_per_minute(usize::MAX)
        .max_recorded_requests(1_000)
        .start()
        .expect("the simulator starts");
    let clock = SharedClock {
        client: VirtualClock::new(),
        mock: server.clock(),
    };
    let client = Client::builder(demo_app())
        .base_url(BaseUrl::new(&server.base_url()).expect("base"))
        .clock(clock.clone())
        .jitter(FixedJitter(0.5))
        .build(transport);

    // Rate-limit answers scattered over the sends (counted among calls to the route, retries
    // included), far enough apart that a retry never meets the next one.
    let sends = (load.threads * load.calls_per_thread / 2) as u64;
    for j in 1..=load.rate_limited {
        let k = j * sends / (load.rate_limited + 1);
        server.inject(
            Route::Send,
            Calls::Nth(k.max(1)),
            Fault::ErrCode(code::APP_RECIPIENTS_PER_MINUTE),
        );
    }

    let rounds = load.expiries + 1;
    let tally = Mutex::new(Tally::default());
    let last_tasks: Vec<Mutex<Option<TaskHandle>>> =
        (0..load.threads).map(|_| Mutex::new(None)).collect();
    let started = Instant::now();
    let give_up_at = started + load.give_up;
    let mut expiries = 0;
    for round in 0..rounds {
        // This round's share of each thread's calls.
        let from = load.calls_per_thread * round / rounds;
        let to = load.calls_per_thread * (round + 1) / rounds;
        std::thread::scope(|s| {
            for (t, last) in last_tasks.iter().enumerate() {
                let client = &client;
                let tally = &tally;
                s.spawn(move || {
                    let mut local = Tally::default();
                    let mut last = last.lock().expect("lock");
                    for i in from..to {
                        if Instant::now() > give_up_at {
                            local.gave_up = true;
                            break;
                        }
                        match (i % 2, *last) {
                            (1, Some(task)) => {
                                local.polls += 1;
                                if let Err(e) = client.progress(&task) {
                                    local.failed_polls.push(describe(client, &e));
                                }
                            }
                            _ => {
                                let user = format!("load-t{t}-c{i}");
                                match client.send(&text_to(&user, format!("call {i} of {t}"))) {
                                    Ok(task) => {
                                        local.sent.push((user, task.task_id));
                                        *last = Some(task);
                                    }
                                    Err(e) => {
                                        local.failed_sends.push((user, describe(client, &e)));
                                    }
                                }
                            }
                        }
                    }
                    let mut all = tally.lock().expect("lock");
                    all.sent.extend(local.sent);
                    all.failed_sends.extend(local.failed_sends);
                    all.polls += local.polls;
                    all.failed_polls.extend(local.failed_polls);
                    all.gave_up |= local.gave_up;
                });
            }
        });
        // Quiescent: no call in flight. Expire the token, one way or the other.
        if round + 1 < rounds {
            if round % 2 == 0 {
                clock.advance(PAST_TTL);
            } else {
                server.revoke_tokens();
            }
            expiries += 1;
        }
    }
    let took = started.elapsed();
    let backoffs = clock.client.sleeps();
    let tally = tally.into_inner().expect("lock");
    let (peak_kib, rss_kib) = rss_kib();

    // Every send reported OK: delivered once, to its user, in its task.
    let mut wrong = Vec::new();
    for (user, task_id) in &tally.sent {
        let delivered = server.deliveries(user);
        if delivered != 1 {
            wrong.push(format!(
                "{user}: reported sent, delivered {delivered} time(s)"
            ));
        }
        match server.task(task_id.get()) {
            Some(task) if task.recipients == [user.clone()] => {}
            other => wrong.push(format!("{user}: task {task_id} is {other:?}")),
        }
    }
    // Failed sends may or may not have been delivered, but never twice.
    let ambiguous_delivered = tally
        .failed_sends
        .iter()
        .filter(|(user, _)| server.deliveries(user) == 1)
        .count();
    let by_user = server.deliveries_by_user();
    let twice: Vec<_> = by_user.iter().filter(|(_, n)| **n > 1).collect();
    let total = server.total_deliveries();
    let tasks = server.tasks().len();
    let fetches = server.token_fetches();
    let calls = tally.sent.len() + tally.failed_sends.len() + tally.polls;
    #[allow(clippy::cast_precision_loss)]
    let rate = calls as f64 / took.as_secs_f64();
    println!(
        "load [{name}] {} threads × {} calls: {calls} calls ({} sends OK, {} failed of which \
         {ambiguous_delivered} delivered; {} polls, {} failed) in {:.2?} = {rate:.0} calls/s; \
         token fetches {fetches} (1 + {expiries} expiries); {} rate-limit answers injected, \
         {backoffs} backoffs; deliveries {total}, tasks {tasks}; peak RSS {} MiB (now {} MiB)",
        load.threads,
        load.calls_per_thread,
        tally.sent.len(),
        tally.failed_sends.len(),
        tally.polls,
        tally.failed_polls.len(),
        took,
        load.rate_limited,
        peak_kib / 1024,
        rss_kib / 1024,
    );
    for (user, e) in tally.failed_sends.iter().take(10) {
        println!("  failed send to {user}: {e}");
    }
    for e in tally.failed_polls.iter().take(10) {
        println!("  failed poll: {e}");
    }

    assert!(!tally.gave_up, "gave up after {:?}", load.give_up);
    assert_eq!(
        calls,
        load.threads * load.calls_per_thread,
        "every call was made"
    );
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(twice.is_empty(), "delivered twice: {twice:?}");
    assert_eq!(
        total,
        (tally.sent.len() + ambiguous_delivered) as u64,
        "deliveries are the sends reported OK plus the failed ones that got through"
    );
    assert_eq!(tasks as u64, total, "one task per delivered send");
    assert_eq!(fetches, 1 + expiries, "one token fetch per expiry");
    assert!(
        backoffs >= load.rate_limited,
        "every rate-limit answer was met and waited out: {backoffs} backoffs"
    );
    let attempted = tally.sent.len() + tally.failed_sends.len();
    assert!(
        tally.sent.len() * 100 >= attempted * 99,
        "{} of {attempted} sends failed",
        tally.failed_sends.len()
    );
    assert!(
        tally.failed_polls.len() * 100 <= tally.polls,
        "{} of {} polls failed",
        tally.failed_polls.len(),
        tally.polls
    );
    assert!(
        peak_kib < MAX_PEAK_RSS_KIB,
        "peak RSS {peak_kib} KiB over {MAX_PEAK_RSS_KIB} KiB"
    );
}

/// A ureq transport whose agent keeps a connection per thread alive (ureq keeps 3 per host
/// by default: the other threads would open and close a connection per call).
fn ureq(threads: usize) -> UreqTransport {
    let agent: Agent = Agent::config_builder()
        .max_idle_connections(threads * 2)
        .max_idle_connections_per_host(threads * 2)
        .build()
        .new_agent();
    UreqTransport::builder().client(agent).build()
}

const CI: Load = Load {
    threads: 8,
    calls_per_thread: 50,
    expiries: 2,
    rate_limited: 5,
    give_up: Duration::from_secs(30),
};

const FULL: Load = Load {
    threads: 64,
    calls_per_thread: 1_000,
    expiries: 8,
    rate_limited: 40,
    give_up: Duration::from_secs(120),
};

#[test]
fn load_ci_ureq() {
    run("ureq", ureq(CI.threads), CI);
}

#[test]
#[ignore = "64 threads × 1,000 calls: run with --release --ignored"]
fn load_full_ureq() {
    run("ureq", ureq(FULL.threads), FULL);
}

#[test]
#[ignore = "64 threads × 1,000 calls: run with --release --ignored"]
fn load_full_isahc() {
    run("isahc", IsahcTransport::new(), FULL);
}
