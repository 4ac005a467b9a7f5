//! The fleet: several processes on one redis-server and one simulator. The processes are
//! this test binary run again with `DINGTALK_REDIS_FLEET_ROLE` set (see [`fleet_child`]).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::RedisServer;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::campaign::{
    Audience, CHUNK_LIMITS, CampaignError, CampaignId, CampaignPlan, CampaignPolicy,
};
use dingtalk_notify::kit::api::GetSendProgress;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{Client, Message, RetryPolicy, TokenSource, VirtualClock};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};
use dingtalk_notify_redis::{RedisBudget, RedisLedger, RedisStore, RedisTokenProvider};

const ROLE: &str = "DINGTALK_REDIS_FLEET_ROLE";

fn app() -> TokenSource {
    TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET)
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"))
}

fn env_u64(name: &str) -> u64 {
    env(name).parse().expect("a number")
}

/// Re-runs this binary as a child in `role`.
fn spawn(role: &str, vars: &[(&str, String)]) -> Child {
    let exe = std::env::current_exe().expect("the test binary");
    Command::new(exe)
        .args([
            "fleet_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child process starts")
}

/// Waits for a child and returns its `FLEET key=value ...` report, asserting success.
fn report(child: Child) -> Vec<(String, u64)> {
    let output = child.wait_with_output().expect("the child finishes");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "child failed: {text}");
    let line = text
        .lines()
        .find_map(|l| l.split_once("FLEET ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no FLEET line in: {text}"));
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.parse().expect("a number")))
        .collect()
}

fn get(report: &[(String, u64)], key: &str) -> u64 {
    report.iter().find(|(k, _)| k == key).map_or(0, |(_, v)| *v)
}

/// The entry point of every child process; ignored in a normal run (it is not a test by
/// itself, the parent tests run it with `--ignored --exact`).
#[test]
#[ignore = "a child process of the fleet tests, started by them"]
fn fleet_child() {
    let role = env(ROLE);
    let store = RedisStore::open(&env("REDIS_URL")).unwrap();
    let base: dingtalk_notify::BaseUrl = env("MOCK_URL").parse().unwrap();
    let provider = |max_wait_ms: u64, lock_ttl_ms: u64| {
        RedisTokenProvider::builder(&store, app(), UreqTransport::new())
            .base_url(base.clone())
            .max_wait(Duration::from_millis(max_wait_ms))
            .lock_ttl(Duration::from_millis(lock_ttl_ms))
            .build()
            .unwrap()
    };
    let client = |p: RedisTokenProvider, deadline: Duration| {
        Client::builder(TokenSource::provider(p))
            .base_url(base.clone())
            .retry(RetryPolicy {
                deadline,
                ..RetryPolicy::default()
            })
            .build(UreqTransport::new())
    };
    match role.as_str() {
        // Threads, each with its own client and provider, query a task until END_MS.
        // Threads, each with its own client and provider, query a task until the parent
        // says stop (the `fleet-test:phase` key) or END_MS passes (after one call at least). Each thread counts itself
        // in `fleet-test:ready` after its first success, and in `fleet-test:after` after its
        // first success that started once the phase was "expired".
        "query" => {
            let end = env_u64("END_MS");
            let task = env_u64("TASK_ID");
            let deadline = Duration::from_millis(env_u64("DEADLINE_MS"));
            let (ok, failed, late) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
            let redis_url = env("REDIS_URL");
            std::thread::scope(|s| {
                for _ in 0..env_u64("THREADS") {
                    s.spawn(|| {
                        let c = client(provider(env_u64("MAX_WAIT_MS"), 1000), deadline);
                        let mut test = redis::Client::open(redis_url.as_str())
                            .and_then(|r| r.get_connection())
                            .expect("the test's own Redis connection");
                        let (mut ready, mut after) = (false, false);
                        loop {
                            let phase: Option<String> = redis::cmd("GET")
                                .arg("fleet-test:phase")
                                .query(&mut test)
                                .expect("GET phase");
                            if phase.as_deref() == Some("stop") {
                                break;
                            }
                            let started = Instant::now();
                            match c.call(&GetSendProgress::new(DEMO_AGENT_ID, task)) {
                                Ok(_) => {
                                    ok.fetch_add(1, Ordering::SeqCst);
                                    let mut count = |key: &str| {
                                        redis::cmd("INCR")
                                            .arg(key)
                                            .query::<i64>(&mut test)
                                            .expect("INCR");
                                    };
                                    if !ready {
                                        ready = true;
                                        count("fleet-test:ready");
                                    }
                                    if !after && phase.as_deref() == Some("expired") {
                                        after = true;
                                        count("fleet-test:after");
                                    }
                                }
                                Err(e) => {
                                    eprintln!("query failed: {e}");
                                    failed.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                            if started.elapsed() > deadline {
                                late.fetch_add(1, Ordering::SeqCst);
                            }
                            if unix_ms() >= end {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    });
                }
            });
            println!(
                "FLEET ok={} failed={} late={}",
                ok.into_inner(),
                failed.into_inner(),
                late.into_inner()
            );
        }
        // Takes the refresh lock and hangs in the (delayed) fetch until it is killed.
        "holder" => {
            let p = provider(60_000, env_u64("LOCK_TTL_MS"));
            let _ = p.current_token();
            println!("FLEET finished=1");
        }
        // Sends chunks of CHUNK users under the shared budget until END_MS.
        "budget" => {
            let budget = RedisBudget::builder(&store, &app(), env_u64("BUDGET"))
                .period(Duration::from_millis(env_u64("PERIOD_MS")))
                .margin(Duration::from_millis(env_u64("MARGIN_MS")))
                .build()
                .unwrap();
            let c = client(provider(5000, 1000), Duration::from_secs(5));
            let me = std::process::id();
            let end = env_u64("END_MS");
            let (mut sent, mut n) = (0, 0);
            loop {
                let left = end.saturating_sub(unix_ms());
                let until = Instant::now() + Duration::from_millis(left);
                if left == 0 || budget.acquire(env_u64("CHUNK"), until).is_err() {
                    break;
                }
                n += 1;
                let users: Vec<String> = (0..env_u64("CHUNK"))
                    .map(|i| format!("u{me}-{n}-{i}"))
                    .collect();
                let send = SendWorkNotification::new(
                    DEMO_AGENT_ID,
                    Message::text(format!("chunk {n} of {me}")),
                )
                .to_users(users);
                c.send(&send).unwrap();
                sent += env_u64("CHUNK");
            }
            println!("FLEET sent={sent}");
        }
        // Creates a campaign in the Redis ledger, prints its id, then sends it.
        "campaign" => {
            let ledger = RedisLedger::new(&store, &app()).unwrap();
            let c = client(provider(5000, 1000), Duration::from_secs(10));
            let campaigns = c.campaigns(&ledger).policy(CampaignPolicy {
                resend_rounds: 0,
                ..CampaignPolicy::default()
            });
            let plan = CampaignPlan::new(
                DEMO_AGENT_ID,
                Message::text("Payslips are out"),
                Audience::users((0..env_u64("USERS")).map(|i| format!("staff{i:04}"))),
                CHUNK_LIMITS,
            )
            .unwrap();
            let handle = campaigns.create(plan).unwrap();
            println!("FLEET-CAMPAIGN {}", handle.id());
            campaigns.resume(handle.id()).unwrap();
            println!("FLEET finished=1");
        }
        other => panic!("unknown role {other}"),
    }
}

/// A task to query, sent with a plain client (one token fetch).
fn one_task(mock: &MockServer) -> u64 {
    let client = Client::builder(app())
        .base_url(mock.base_url().parse().unwrap())
        .build(UreqTransport::new());
    let send = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("fleet")).to_users(["alice"]);
    client.send(&send).unwrap().task_id.get()
}

/// Waits until the test key `key` counts `n`.
fn wait_for_count(redis: &RedisServer, key: &str, n: i64, children: &mut [Child]) {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let count = match redis.command(&["GET", key]) {
            redis::Value::BulkString(b) => String::from_utf8_lossy(&b).parse().unwrap_or(0),
            _ => 0,
        };
        if count >= n {
            return;
        }
        for c in children.iter_mut() {
            assert!(c.try_wait().unwrap().is_none(), "a child exited early");
        }
        assert!(Instant::now() < until, "{key} reached only {count} of {n}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn eight_processes_of_eight_threads_fetch_one_token_per_expiry() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let task = one_task(&mock);
    assert_eq!(mock.token_fetches(), 1);
    let vars = [
        ("REDIS_URL", redis.url()),
        ("MOCK_URL", mock.base_url()),
        ("END_MS", (unix_ms() + 180_000).to_string()),
        ("TASK_ID", task.to_string()),
        ("THREADS", "8".to_owned()),
        ("DEADLINE_MS", "20000".to_owned()),
        ("MAX_WAIT_MS", "15000".to_owned()),
    ];
    // Redis holds no token yet: 64 callers meet a missing one.
    let mut children: Vec<Child> = (0..8).map(|_| spawn("query", &vars)).collect();
    wait_for_count(&redis, "fleet-test:ready", 64, &mut children);
    assert_eq!(
        mock.token_fetches(),
        2,
        "one fetch for 64 callers with no token"
    );
    // The token expires at DingTalk: every caller's next call is refused (42001), drops the
    // token from its cache and from Redis (unless another already replaced it) and asks the
    // fleet for a new one.
    mock.advance(dingtalk_notify_mock::DEFAULT_TOKEN_TTL + Duration::from_secs(1));
    redis.command(&["SET", "fleet-test:phase", "expired"]);
    wait_for_count(&redis, "fleet-test:after", 64, &mut children);
    redis.command(&["SET", "fleet-test:phase", "stop"]);
    let reports: Vec<_> = children.into_iter().map(report).collect();
    for r in &reports {
        assert_eq!(get(r, "failed"), 0, "{r:?}");
        assert_eq!(get(r, "late"), 0, "{r:?}");
    }
    assert_eq!(
        mock.token_fetches(),
        3,
        "one fetch for 64 callers at the expiry"
    );
}

#[test]
fn a_holder_killed_mid_refresh_is_taken_over_after_the_lock_expires() {
    let redis = RedisServer::start();
    let mock = MockServer::start().unwrap();
    let task = one_task(&mock);
    let before = mock.token_fetches();
    // The next gettoken hangs: whoever sends it is "mid-refresh".
    mock.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::Delay(Duration::from_secs(30)),
    );
    let base = [("REDIS_URL", redis.url()), ("MOCK_URL", mock.base_url())];
    let mut holder = spawn(
        "holder",
        &[
            base[0].clone(),
            base[1].clone(),
            ("LOCK_TTL_MS", "1500".to_owned()),
        ],
    );
    let wait_until = Instant::now() + Duration::from_secs(20);
    while mock.token_fetches() == before {
        assert!(Instant::now() < wait_until, "the holder never fetched");
        std::thread::sleep(Duration::from_millis(2));
    }
    // The others start while the holder holds the lock, then the holder dies.
    let vars = [
        base[0].clone(),
        base[1].clone(),
        ("END_MS", unix_ms().to_string()),
        ("TASK_ID", task.to_string()),
        ("THREADS", "4".to_owned()),
        ("DEADLINE_MS", "6000".to_owned()),
        ("MAX_WAIT_MS", "5000".to_owned()),
    ];
    let waiters: Vec<Child> = (0..3).map(|_| spawn("query", &vars)).collect();
    holder.kill().unwrap();
    let status = holder.wait().unwrap();
    assert!(!status.success(), "killed mid-refresh, it never finished");
    let mut out = String::new();
    if let Some(stdout) = holder.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            out.push_str(&line.unwrap_or_default());
        }
    }
    assert!(!out.contains("FLEET finished"), "{out}");
    for r in waiters.into_iter().map(report) {
        assert_eq!(get(&r, "failed"), 0, "{r:?}");
        assert_eq!(get(&r, "late"), 0, "{r:?}");
        assert!(get(&r, "ok") >= 4, "{r:?}");
    }
    let fetches = mock.token_fetches() - before;
    assert!(fetches <= 2, "{fetches} fetches");
    assert_eq!(fetches, 2, "the killed one and the one that took over");
}

#[test]
fn four_processes_share_one_recipient_budget() {
    const BUDGET: u64 = 100;
    const CHUNK: u64 = 10;
    // A scaled minute. The margin (a grant counts this much longer than the period) covers
    // the time between a grant and the send's arrival at the simulator, hundreds of
    // milliseconds at worst on a loaded 2-core machine; it costs margin / (period + margin)
    // of the throughput (in production 0.5 s of 60, here 5 %).
    const PERIOD: Duration = Duration::from_secs(10);
    const MARGIN_MS: u64 = 500;
    // Windows the run spans: the budget refills twice.
    const BURSTS: usize = 3;
    let redis = RedisServer::start();
    let mock = MockServer::builder()
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .recipients_per_minute(1_000_000)
        .start()
        .unwrap();
    let period_ms = u64::try_from(PERIOD.as_millis()).unwrap();
    let start = unix_ms();
    let vars = [
        ("REDIS_URL", redis.url()),
        ("MOCK_URL", mock.base_url()),
        (
            "END_MS",
            (start + (BURSTS as u64 - 1) * (period_ms + MARGIN_MS) + 3000).to_string(),
        ),
        ("BUDGET", BUDGET.to_string()),
        ("CHUNK", CHUNK.to_string()),
        ("PERIOD_MS", period_ms.to_string()),
        ("MARGIN_MS", MARGIN_MS.to_string()),
    ];
    let children: Vec<Child> = (0..4).map(|_| spawn("budget", &vars)).collect();
    let reported: u64 = children.into_iter().map(|c| get(&report(c), "sent")).sum();
    // What the simulator saw: (arrival, recipients) per send.
    let mut sends: Vec<(Duration, u64)> = mock
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send");
            let users = body["userid_list"].as_str().expect("userid_list");
            (r.at, users.split(',').count() as u64)
        })
        .collect();
    sends.sort();
    assert_eq!(sends.iter().map(|s| s.1).sum::<u64>(), reported);
    // No window of one period holds more than the budget.
    for (i, (at, _)) in sends.iter().enumerate() {
        let in_window: u64 = sends[i..]
            .iter()
            .take_while(|(t, _)| *t < *at + PERIOD)
            .map(|s| s.1)
            .sum();
        assert!(
            in_window <= BUDGET,
            "{in_window} recipients within {PERIOD:?} from {at:?}"
        );
    }
    // Throughput: the budget refills once per window, so the sends come in bursts; the
    // steady rate is what all bursts but the last carried over the time to the last one.
    let mut bursts: Vec<(Duration, u64)> = Vec::new();
    let mut last_at: Option<Duration> = None;
    for &(at, n) in &sends {
        match (bursts.last_mut(), last_at) {
            (Some(b), Some(prev)) if at - prev < PERIOD / 2 => b.1 += n,
            _ => bursts.push((at, n)),
        }
        last_at = Some(at);
    }
    assert!(bursts.len() >= BURSTS, "{bursts:?}");
    let (first, last) = (bursts[0].0, bursts[bursts.len() - 1].0);
    let carried: u64 = bursts[..bursts.len() - 1].iter().map(|b| b.1).sum();
    let per_period = carried as f64 * PERIOD.as_secs_f64() / (last - first).as_secs_f64();
    eprintln!("budget: {per_period:.1} recipients per period; bursts {bursts:?}");
    assert!(
        per_period >= 0.9 * BUDGET as f64 && per_period <= BUDGET as f64,
        "{per_period:.1} recipients per period for a budget of {BUDGET}: {bursts:?}"
    );
}

#[test]
fn a_campaign_killed_in_one_process_is_resumed_from_another() {
    const USERS: usize = 600;
    let redis = RedisServer::start();
    let store = RedisStore::open(&redis.url()).unwrap();
    let ledger = RedisLedger::new(&store, &app()).unwrap();
    for run in 0..6u64 {
        // Each run has its own simulator: a token another one issued is not shared.
        redis.command(&["FLUSHALL"]);
        let mock = MockServer::builder()
            .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
            .start()
            .unwrap();
        let kill_at = 1 + run as usize;
        // In odd runs the send to kill at waits in the simulator: the kill is mid-call.
        if run % 2 == 1 {
            mock.inject(
                Route::Send,
                Calls::Nth(kill_at as u64),
                Fault::Delay(Duration::from_secs(30)),
            );
        }
        let mut child = spawn(
            "campaign",
            &[
                ("REDIS_URL", redis.url()),
                ("MOCK_URL", mock.base_url()),
                ("USERS", USERS.to_string()),
            ],
        );
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let id = loop {
            let line = lines.next().expect("the child prints the id").unwrap();
            if let Some((_, id)) = line.split_once("FLEET-CAMPAIGN ") {
                break CampaignId::new(id.trim()).unwrap();
            }
        };
        let until = Instant::now() + Duration::from_secs(60);
        while mock.requests_to(Route::Send).len() < kill_at {
            assert!(Instant::now() < until, "run {run}: no send {kill_at}");
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let sent_by_child = mock.requests_to(Route::Send).len();
        // Another process (this one) resumes from Redis: refused while the killed
        // sender's lease holds (it cannot tell a crash from a slow call)...
        let now = Client::builder(app())
            .base_url(mock.base_url().parse().unwrap())
            .build(UreqTransport::new());
        let refused = now.campaigns(&ledger).resume(&id);
        assert!(
            matches!(refused, Err(CampaignError::Busy { .. })),
            "run {run}: {refused:?}"
        );
        assert_eq!(mock.requests_to(Route::Send).len(), sent_by_child);
        // ...and goes on once it has run out (on a clock an hour later).
        let later = VirtualClock::starting_at(SystemTime::now() + Duration::from_secs(3600));
        let client = Client::builder(app())
            .base_url(mock.base_url().parse().unwrap())
            .clock(later)
            .build(UreqTransport::new());
        let campaigns = client.campaigns(&ledger).policy(CampaignPolicy {
            resend_rounds: 0,
            ..CampaignPolicy::default()
        });
        let handle = campaigns.resume(&id).unwrap();
        assert!(
            handle.pending().is_empty(),
            "run {run}: {:?}",
            handle.pending()
        );
        let ambiguous = handle.ambiguous();
        assert!(
            ambiguous.len() <= 1,
            "run {run}: one chunk per kill at most: {ambiguous:?}"
        );
        if run % 2 == 1 {
            assert_eq!(
                ambiguous,
                vec![kill_at - 1],
                "run {run}: the chunk in flight"
            );
        }
        // What the simulator delivered (a send it refused delivered nothing).
        let per_user = mock.deliveries_by_user();
        let in_ambiguous: std::collections::BTreeSet<String> = ambiguous
            .iter()
            .flat_map(|&i| {
                handle
                    .record()
                    .chunk(i)
                    .unwrap()
                    .recipients
                    .user_ids()
                    .iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for i in 0..USERS {
            let u = format!("staff{i:04}");
            let n = per_user.get(&u).copied().unwrap_or(0);
            if in_ambiguous.contains(&u) {
                assert!(
                    n <= 1,
                    "run {run}: {u} of an ambiguous chunk got it {n} times"
                );
            } else {
                assert_eq!(
                    n, 1,
                    "run {run}: {u} (kill at send {kill_at}, child sent {sent_by_child})"
                );
            }
        }
    }
}
