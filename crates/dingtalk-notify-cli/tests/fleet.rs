//! `--redis URL`: a campaign started by one invocation (killed midway, or finished) is
//! followed, resumed and read by other invocations that have no ledger file, through a real
//! `redis-server`; the token is fetched once across all of them; the password of the URL is
//! never printed. Needs the `redis` feature (Rust 1.88) and `redis-server`.

mod common;
#[path = "../../dingtalk-notify-redis/tests/common/mod.rs"]
mod redis_server;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{ENV, Run, cli, cli_at, run};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};
use redis_server::{Options, RedisServer};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dtn-cli-fleet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn users_file(&self, n: usize) -> String {
        let path = self.0.join("users.txt");
        let text: String = (0..n).map(|i| format!("worker{i:04}\n")).collect();
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Real time (the CLI's clock), delivery at once.
fn server() -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

/// The user ids of each `asyncsend_v2` the simulator received, in order.
fn sent_lists(server: &MockServer) -> Vec<Vec<String>> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default();
            list.split(',').map(str::to_owned).collect()
        })
        .collect()
}

fn strings(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The campaign id in `send`'s "campaign ID" line.
fn campaign_id(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .map(|l| l.split(':').next().unwrap().trim().to_owned())
        .unwrap_or_else(|| panic!("no campaign id in {text:?}"))
}

#[test]
fn a_campaign_killed_midway_is_followed_and_resumed_from_another_invocation() {
    let redis = RedisServer::start();
    let server = server();
    // The second chunk's call arrives (and creates its task), then hangs: the process is
    // killed while that chunk is `sending`.
    server.inject(
        Route::Send,
        Calls::Nth(2),
        Fault::Delay(Duration::from_secs(60)),
    );
    let dir = TempDir::new("killed");
    let users = dir.users_file(300);
    let url = redis.url();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dingtalk-notify"));
    for var in ENV {
        child.env_remove(var);
    }
    let mut child = child
        .args(["--base-url", &server.base_url(), "--app-key", DEMO_APP_KEY])
        .args(["--app-secret", DEMO_APP_SECRET, "--timeout", "4"])
        .args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--redis", &url])
        .args(["send", "--text", "Drill at 3pm", "--users-file", &users])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.requests_to(Route::Send).len() < 2 {
        assert!(Instant::now() < deadline, "the second chunk never went out");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the campaign ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut first = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut first)
        .unwrap();
    let id = campaign_id(&first);

    // Another invocation, no ledger file: the fleet's Redis has the campaign.
    let status = run(
        cli(&server),
        ["--json", "--redis", &url, "campaign", "status", &id],
    )
    .expect_code(0)
    .json();
    assert_eq!(status["campaign_id"], id.as_str());
    assert_eq!(
        (status["chunks"].as_u64(), status["sent"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(status["pending"], serde_json::json!([2]));

    // The killed sender's lease (its --timeout 4 s plus 15 s) still holds: a resume now is
    // refused, exit 7, and sends nothing.
    let refused = run(
        cli(&server),
        ["--json", "--redis", &url, "campaign", "resume", &id],
    )
    .expect_code(7);
    assert_eq!(refused.json()["error"]["kind"], "busy", "{refused:#?}");
    assert!(
        refused
            .stderr
            .contains("another process is sending it; wait or retry after"),
        "{refused:#?}"
    );
    assert_eq!(server.requests_to(Route::Send).len(), 2);

    // Once it ran out (--wait), resume sends the chunk never sent; the one in flight is
    // ambiguous, never resent.
    let resumed = run(
        cli(&server),
        [
            "--json", "--redis", &url, "campaign", "resume", &id, "--wait",
        ],
    )
    .expect_code(5)
    .json();
    assert_eq!(resumed["ambiguous"], serde_json::json!([1]));
    assert_eq!(resumed["sent"], 2);
    assert!(
        resumed["pending"].as_array().unwrap().is_empty(),
        "{resumed}"
    );
    let lists = sent_lists(&server);
    assert_eq!(lists.len(), 3, "chunks 0, 1 (ambiguous) and 2, each once");
    let all: Vec<&String> = lists.iter().flatten().collect();
    assert_eq!(all.len(), 300);
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>().len(),
        300,
        "nobody twice"
    );
    assert!(server.deliveries_by_user().values().all(|&n| n == 1));

    // The merged result, from yet another invocation: chunks 0 and 2, each user once.
    let result = run(
        cli(&server),
        ["--json", "--redis", &url, "campaign", "result", &id],
    )
    .expect_code(0)
    .json();
    let read = strings(&result["send_result"]["read_user_id_list"]);
    let expected: BTreeSet<String> = lists[0].iter().chain(&lists[2]).cloned().collect();
    assert_eq!(read, expected);

    // Four processes, one token: the first fetched it, the others found it in Redis.
    assert_eq!(server.requests_to(Route::GetToken).len(), 1);

    // The same commands without --redis know nothing of it (it is not in any file).
    let r = run(cli(&server), ["campaign", "status", &id]).expect_code(2);
    assert!(r.stderr.contains("--redis"), "{r:?}");
}

/// `cli(server)` with `--redis url`.
fn fleet(server: &MockServer, url: &str) -> assert_cmd::Command {
    let mut cmd = cli(server);
    cmd.args(["--redis", url]);
    cmd
}

#[test]
fn the_password_of_the_redis_url_is_never_printed() {
    const PW: &str = "Redis-Pw-7f3a9c";
    let redis = RedisServer::start_with(Options {
        password: Some(PW.to_owned()),
        ..Options::default()
    });
    let server = server();
    let dir = TempDir::new("password");
    let users = dir.users_file(150);
    let url = format!("redis://:{PW}@127.0.0.1:{}", redis.port());
    let mut runs: Vec<Run> = Vec::new();

    let sent = run(
        fleet(&server, &url),
        ["send", "--text", "Payslips are out", "--users-file", &users],
    )
    .expect_code(0);
    let id = campaign_id(&sent.stdout);
    runs.push(sent);
    let status = run(fleet(&server, &url), ["--json", "campaign", "status", &id]).expect_code(0);
    assert_eq!(status.json()["sent"], 2);
    runs.push(status);
    let result = run(fleet(&server, &url), ["--json", "campaign", "result", &id]).expect_code(0);
    assert_eq!(
        strings(&result.json()["send_result"]["read_user_id_list"]).len(),
        150
    );
    runs.push(result);
    let bar = run(
        fleet(&server, &url),
        ["campaign", "status-bar", &id, "--value", "Done"],
    )
    .expect_code(0);
    runs.push(bar);
    assert_eq!(server.requests_to(Route::StatusBarUpdate).len(), 2);
    assert_eq!(
        server.requests_to(Route::GetToken).len(),
        1,
        "one token for all"
    );

    // The variable, and a failure's every path: a wrong password, no Redis at the port.
    let mut by_env = cli(&server);
    by_env.env("DINGTALK_REDIS_URL", &url);
    runs.push(run(by_env, ["--json", "campaign", "status", &id]).expect_code(0));
    let wrong = format!("redis://:{PW}-wrong@127.0.0.1:{}", redis.port());
    let r = run(fleet(&server, &wrong), ["campaign", "status", &id]).expect_code(3);
    assert!(r.stderr.contains("credentials"), "{r:?}");
    runs.push(r);
    let r = run(
        fleet(&server, &wrong),
        ["--json", "campaign", "status", &id],
    )
    .expect_code(3);
    assert_eq!(r.json()["error"]["exit_code"], 3);
    runs.push(r);
    let closed = TcpListenerPort::closed();
    let gone = format!("redis://:{PW}@127.0.0.1:{closed}");
    let r = run(
        fleet(&server, &gone),
        ["send", "--text", "x", "--users-file", &users],
    )
    .expect_code(3);
    assert!(r.stderr.contains("unreachable"), "{r:?}");
    runs.push(r);
    let mut invalid = cli(&server);
    invalid.args(["--redis", &format!("redis://:{PW}@[::1")]);
    runs.push(run(invalid, ["campaign", "status", &id]).expect_code(2));

    // A usage error quotes no part of the URL.
    let mut usage = cli(&server);
    usage.args([&format!("--redis={url}"), "--json", "campaign", "nope"]);
    runs.push(run(usage, Vec::<String>::new()).expect_code(2));

    // --help with the variable set shows neither its value nor the password.
    let mut help = cli(&server);
    help.env("DINGTALK_REDIS_URL", &url);
    let r = run(help, ["--help"]).expect_code(0);
    assert!(r.stdout.contains("--redis <URL>"), "{r:?}");
    runs.push(r);

    for r in &runs {
        assert!(!r.all().contains(PW), "the password was printed: {r:#?}");
    }
    assert_eq!(
        server.requests_to(Route::Send).len(),
        2,
        "failures sent nothing"
    );
}

/// A loopback port nobody listens on.
struct TcpListenerPort;

impl TcpListenerPort {
    fn closed() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }
}

#[test]
fn redis_needs_an_app_and_one_ledger() {
    let redis = RedisServer::start();
    let server = server();
    let dir = TempDir::new("refused");
    let users = dir.users_file(10);
    let url = redis.url();

    // A static token has no app to name the fleet's keys by.
    let mut token = common::bare();
    token.args([
        "--base-url",
        &server.base_url(),
        "--access-token",
        "tok-123456",
    ]);
    token.args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--redis", &url]);
    let r = run(token, ["send", "--text", "x", "--users-file", &users]).expect_code(2);
    assert!(r.stderr.contains("--app-key"), "{r:?}");

    // --ledger and --redis together: which one keeps the campaign is unclear.
    let ledger = dir.0.join("l.db");
    let r = run(
        fleet(&server, &url),
        [
            "send",
            "--text",
            "x",
            "--users-file",
            &users,
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("not both"), "{r:?}");
    assert!(server.requests_to(Route::Send).is_empty());
    assert!(server.requests_to(Route::GetToken).is_empty());

    // A single send goes through the fleet's token and budget.
    let r = run(fleet(&server, &url), ["send", "--text", "x", "--user", "a"]).expect_code(0);
    assert!(r.stdout.trim().parse::<u64>().is_ok(), "{r:?}");
    let again = cli_at(&server.base_url(), "5");
    let mut again = again;
    again.args(["--redis", &url]);
    run(again, ["send", "--text", "y", "--user", "b"]).expect_code(0);
    assert_eq!(server.requests_to(Route::Send).len(), 2);
    assert_eq!(server.requests_to(Route::GetToken).len(), 1);
}

/// The users each `asyncsend_v2` went to, with when it arrived.
fn sends_at(server: &MockServer) -> Vec<(Duration, usize)> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default();
            (r.at, list.split(',').filter(|u| !u.is_empty()).count())
        })
        .collect()
}

/// The most recipients in any 60 s window of the simulator's records.
fn busiest_minute(server: &MockServer) -> usize {
    let sends = sends_at(server);
    sends
        .iter()
        .map(|(start, _)| {
            sends
                .iter()
                .filter(|(at, _)| *at >= *start && *at < *start + Duration::from_secs(60))
                .map(|(_, n)| n)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn the_budget_is_the_fleets_across_invocations() {
    let redis = RedisServer::start();
    let url = redis.url();
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .recipients_per_minute(150)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let dir = TempDir::new("budget");
    let users = dir.users_file(150);

    // One invocation uses the whole minute's budget: chunks of 100 and 50.
    run(
        fleet(&server, &url),
        [
            "--budget",
            "150",
            "send",
            "--text",
            "x",
            "--users-file",
            &users,
        ],
    )
    .expect_code(0);
    // Another process of the fleet finds it used up: refused, nothing sent.
    let mut env = fleet(&server, &url);
    env.env("DINGTALK_BUDGET", "150");
    let r = run(
        env,
        [
            "--json",
            "--budget-wait",
            "0",
            "send",
            "--text",
            "y",
            "--user",
            "late",
        ],
    )
    .expect_code(3);
    assert_eq!(r.json()["error"]["kind"], "over_budget", "{r:?}");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("150 a minute"),
        "{r:?}"
    );
    let r = run(
        fleet(&server, &url),
        [
            "--budget",
            "150",
            "--budget-wait",
            "0",
            "send",
            "--text",
            "z",
            "--users-file",
            &users,
        ],
    )
    .expect_code(3);
    assert!(r.stderr.contains("--budget-wait"), "{r:?}");
    assert_eq!(
        sends_at(&server).iter().map(|s| s.1).collect::<Vec<_>>(),
        [100, 50]
    );
    assert_eq!(busiest_minute(&server), 150);

    // Without --redis, an invocation's budget is its own: the same send goes at once (to
    // another simulator, whose minute is fresh).
    let other = self::server();
    run(
        cli(&other),
        [
            "--budget",
            "150",
            "--budget-wait",
            "0",
            "send",
            "--text",
            "y",
            "--user",
            "late",
        ],
    )
    .expect_code(0);
}

#[test]
fn an_unknown_campaign_names_the_ledger_in_use() {
    let redis = RedisServer::start();
    let server = server();
    let url = redis.url();
    let r = run(
        fleet(&server, &url),
        ["campaign", "status", "c-1-0123456789abcdef"],
    )
    .expect_code(2);
    assert!(r.stderr.contains("fleet's Redis"), "{r:?}");
    assert!(r.stderr.contains("--redis"), "{r:?}");
    assert!(!r.stderr.contains("path"), "{r:?}");
    assert!(!r.stderr.contains("--ledger"), "{r:?}");

    let dir = TempDir::new("unknown");
    let ledger = dir.0.join("l.db");
    run(
        cli(&server),
        [
            "send",
            "--text",
            "x",
            "--user",
            "a",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let r = run(
        cli(&server),
        [
            "campaign",
            "status",
            "c-1-0123456789abcdef",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("--ledger"), "{r:?}");
    assert!(!r.stderr.contains("Redis"), "{r:?}");
}

/// Redis lost mid-campaign (killed while a chunk is on its way): with `--json`, stdout still
/// holds exactly one document, with the campaign's id and the `redis` error; once Redis is
/// back, `campaign resume ID` finds the campaign, and nobody gets the message twice (issue
/// 20, item 9).
#[test]
fn redis_lost_mid_campaign_still_prints_one_document() {
    let mut redis = RedisServer::start_with(Options {
        aof: true,
        ..Options::default()
    });
    let server = server();
    // The second chunk's answer comes late; Redis dies meanwhile.
    server.inject(
        Route::Send,
        Calls::Nth(2),
        Fault::Delay(Duration::from_millis(1500)),
    );
    let dir = TempDir::new("lost");
    let users = dir.users_file(300);
    let url = redis.url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dingtalk-notify"));
    for var in ENV {
        child.env_remove(var);
    }
    let child = child
        .args(["--base-url", &server.base_url(), "--app-key", DEMO_APP_KEY])
        .args(["--app-secret", DEMO_APP_SECRET, "--timeout", "5"])
        .args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--redis", &url])
        .args(["--json", "send", "--text", "x", "--users-file", &users])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.requests_to(Route::Send).len() < 2 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    redis.kill();
    let out = child.wait_with_output().unwrap();
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_eq!(r.code, Some(3), "{r:#?}");
    let doc = r.json();
    let id = doc["campaign_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no campaign_id: {r:#?}"))
        .to_owned();
    assert_eq!(doc["error"]["kind"], "redis", "{r:#?}");
    for key in ["sent", "pending", "ambiguous"] {
        assert!(doc.get(key).is_some(), "{key}: {r:#?}");
    }

    redis.restart();
    // The stopped sender could not release its lease (Redis was gone): --wait waits until it
    // runs out (--timeout 5 s plus 15 s).
    let r = run(
        fleet(&server, &url),
        ["--json", "campaign", "resume", &id, "--wait"],
    );
    assert!(matches!(r.code, Some(0) | Some(5)), "{r:#?}");
    assert_eq!(r.json()["campaign_id"], id.as_str());
    let lists = sent_lists(&server);
    let all: Vec<&String> = lists.iter().flatten().collect();
    let unique: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "nobody twice");
}

/// Issue 20: a Redis that cannot promise to keep the ledger's writes (no append-only file)
/// is refused before anything is stored or sent, unless `--redis-accept-volatile` accepts
/// it by name; the flag without `--redis` is refused rather than ignored.
#[test]
fn a_volatile_redis_ledger_is_refused_unless_accepted_by_name() {
    let redis = RedisServer::start_with(Options::volatile());
    let server = server();
    let dir = TempDir::new("volatile");
    let users = dir.users_file(150);
    let url = redis.url();
    let send = ["send", "--text", "x", "--users-file", &users];
    let r = run(fleet(&server, &url), send).expect_code(3);
    assert!(
        r.stderr.contains("--redis-accept-volatile") && r.stderr.contains("appendonly"),
        "{r:?}"
    );
    assert!(server.requests_to(Route::Send).is_empty(), "nothing sent");
    assert!(!redis.dump_all().contains(":campaign:"), "nothing stored");

    let mut accepted = fleet(&server, &url);
    accepted.arg("--redis-accept-volatile");
    run(accepted, send).expect_code(0);
    assert_eq!(server.requests_to(Route::Send).len(), 2);

    let mut alone = cli(&server);
    alone.arg("--redis-accept-volatile");
    let r = run(alone, ["send", "--text", "x", "--user", "a"]).expect_code(2);
    assert!(r.stderr.contains("--redis-accept-volatile"), "{r:?}");
    assert_eq!(server.requests_to(Route::Send).len(), 2);
}

/// Issue 20: a send killed midway on a Redis with RDB snapshots only, which then comes back
/// from a snapshot older than the sends: `campaign resume` sends nobody twice. What the
/// snapshot does not prove unsent is ambiguous (exit 5); `FLUSHALL` then gives not found
/// (exit 2) and sends nothing.
#[test]
fn a_redis_back_from_an_older_snapshot_makes_resume_send_nobody_twice() {
    let mut redis = RedisServer::start_with(Options::volatile());
    let server = server();
    // The first send is slow (the snapshot is taken meanwhile); the third hangs and the
    // process is killed.
    server.inject(
        Route::Send,
        Calls::Nth(1),
        Fault::Delay(Duration::from_millis(1_500)),
    );
    server.inject(
        Route::Send,
        Calls::Nth(3),
        Fault::Delay(Duration::from_secs(60)),
    );
    let dir = TempDir::new("snapshot");
    let users = dir.users_file(300);
    let url = redis.url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dingtalk-notify"));
    for var in ENV {
        child.env_remove(var);
    }
    let mut child = child
        .args(["--base-url", &server.base_url(), "--app-key", DEMO_APP_KEY])
        // A short deadline keeps the killed sender's lease short (deadline + 15 s).
        .args(["--app-secret", DEMO_APP_SECRET, "--timeout", "3"])
        .args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--redis", &url])
        .args(["--redis-accept-volatile", "send", "--text", "Drill at 3pm"])
        .args(["--users-file", &users])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = |n: usize, child: &mut std::process::Child| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.requests_to(Route::Send).len() < n {
            assert!(Instant::now() < deadline, "send {n} never went out");
            assert!(child.try_wait().unwrap().is_none(), "ended early");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(1, &mut child);
    let snapshot = redis.snapshot(); // chunk 0 sending, chunks 1 and 2 planned
    wait_for(3, &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let id = campaign_id(&out);
    redis.restart_from(&snapshot);

    let resume = |extra: &[&str]| {
        let mut cmd = fleet(&server, &url);
        cmd.args([
            "--json",
            "--redis-accept-volatile",
            "campaign",
            "resume",
            &id,
        ]);
        cmd.args(extra);
        run(cmd, std::iter::empty::<&str>())
    };
    // The killed sender's lease is in the snapshot: resume waits it out, then finds every
    // chunk not proven sent ambiguous.
    let resumed = resume(&["--wait"]).expect_code(5).json();
    assert_eq!(
        resumed["ambiguous"],
        serde_json::json!([0, 1, 2]),
        "{resumed}"
    );
    assert_eq!(sent_lists(&server).len(), 3, "nothing sent again");
    let all: Vec<String> = sent_lists(&server).into_iter().flatten().collect();
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>().len(),
        all.len(),
        "nobody twice"
    );

    redis.command(&["FLUSHALL"]);
    let r = resume(&[]).expect_code(2);
    assert!(r.stdout.contains("not_found"), "{r:?}");
    assert_eq!(sent_lists(&server).len(), 3, "nothing sent anew");
}
