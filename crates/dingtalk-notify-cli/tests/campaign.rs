//! Campaigns from the shell: `send --users-file --ledger`, then `campaign status|result|
//! status-bar|recall|resume ID`, against the simulator; the exit code of a campaign that
//! ends with an ambiguous chunk.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::{cli, run};
use dingtalk_notify_mock::{Calls, Directory, Fault, MockServer, Route, UserBehaviour};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dtn-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Real time (the CLI's clock), delivery at once: the driver's resend round reads every
/// chunk's result, and a frozen simulator would never deliver.
fn server() -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

fn users_file(dir: &TempDir, n: usize) -> PathBuf {
    let path = dir.0.join("users.txt");
    let mut text: String = (0..n).map(|i| format!("worker{i:04}\n")).collect();
    text.push_str("\n  worker0001  \n"); // a blank line and a duplicate: ignored
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_campaign_from_a_users_file_is_followed_by_its_id() {
    let server = server();
    let dir = TempDir::new("follow");
    let users = users_file(&dir, 250);
    let ledger = dir.0.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    let users = users.to_str().unwrap();

    let r = run(
        cli(&server),
        [
            "send",
            "--text",
            "Drill at 3pm",
            "--users-file",
            users,
            "--ledger",
            ledger,
        ],
    )
    .expect_code(0);
    let id = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("no campaign id: {r:?}"))
        .to_owned();
    let sends = server.requests_to(Route::Send);
    assert_eq!(sends.len(), 3, "100 + 100 + 50");

    let status = run(
        cli(&server),
        ["--json", "campaign", "status", &id, "--ledger", ledger],
    )
    .expect_code(0)
    .json();
    assert_eq!(status["campaign_id"], id.as_str());
    assert_eq!(
        (status["chunks"].as_u64(), status["sent"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(status["progress"]["progress_in_percent"], 100);

    let result = run(
        cli(&server),
        ["--json", "campaign", "result", &id, "--ledger", ledger],
    )
    .expect_code(0)
    .json();
    let read: Vec<&str> = result["send_result"]["read_user_id_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(read.len(), 250);
    assert_eq!(
        read.iter().collect::<BTreeSet<_>>().len(),
        250,
        "each user once"
    );

    let bar = run(
        cli(&server),
        [
            "--json",
            "campaign",
            "status-bar",
            &id,
            "--ledger",
            ledger,
            "--value",
            "Done",
        ],
    )
    .expect_code(0)
    .json();
    assert_eq!(bar["done"], serde_json::json!([0, 1, 2]));
    let recall = run(
        cli(&server),
        ["campaign", "recall", &id, "--ledger", ledger],
    )
    .expect_code(0);
    assert!(recall.stdout.contains("recalled 3 chunks"), "{recall:?}");
    assert_eq!(server.requests_to(Route::Recall).len(), 3);

    // Nothing left to send: resume sends nothing.
    run(
        cli(&server),
        ["campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(0);
    assert_eq!(server.requests_to(Route::Send).len(), 3);
}

#[test]
fn an_ambiguous_chunk_exits_5_and_is_never_resent_on_its_own() {
    let server = server();
    server.inject(Route::Send, Calls::Nth(2), Fault::ResetBeforeResponse);
    let dir = TempDir::new("ambiguous");
    let users = users_file(&dir, 300);
    let ledger = dir.0.join("ledger.db");
    let (users, ledger) = (users.to_str().unwrap(), ledger.to_str().unwrap());

    let r = run(
        cli(&server),
        [
            "--json",
            "send",
            "--text",
            "x",
            "--users-file",
            users,
            "--ledger",
            ledger,
        ],
    )
    .expect_code(5);
    let doc = r.json();
    assert_eq!(doc["ambiguous"], serde_json::json!([1]));
    assert_eq!(doc["sent"], 2);
    assert!(r.stderr.contains("ambiguous"), "{r:?}");
    let id = doc["campaign_id"].as_str().unwrap().to_owned();
    assert_eq!(server.requests_to(Route::Send).len(), 3);

    run(
        cli(&server),
        ["campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(5);
    assert_eq!(
        server.requests_to(Route::Send).len(),
        3,
        "resume never resends it"
    );

    // The caller's explicit decision.
    let r = run(
        cli(&server),
        [
            "--json",
            "campaign",
            "resume",
            &id,
            "--ledger",
            ledger,
            "--resend-ambiguous",
        ],
    )
    .expect_code(0);
    assert_eq!(r.json()["sent"], 3);
    assert_eq!(server.requests_to(Route::Send).len(), 4);
}

#[test]
fn bad_campaign_input_is_refused_before_anything_is_sent() {
    let server = server();
    let dir = TempDir::new("bad");
    let empty = dir.0.join("empty.txt");
    std::fs::write(&empty, "\n\n").unwrap();
    let ledger = dir.0.join("ledger.db");
    let r = run(
        cli(&server),
        [
            "send",
            "--text",
            "x",
            "--users-file",
            empty.to_str().unwrap(),
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("audience is empty"), "{r:?}");
    let r = run(
        cli(&server),
        [
            "campaign",
            "status",
            "no/such",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("invalid campaign id"), "{r:?}");
    let r = run(
        cli(&server),
        [
            "campaign",
            "status",
            "c-1",
            "--ledger",
            ledger.to_str().unwrap(),
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("no ledger"), "{r:?}");
    assert!(server.requests_to(Route::Send).is_empty());
}

/// Without the `redis` feature, `--redis` and `DINGTALK_REDIS_URL` are refused with how to
/// build it, never ignored (the campaign would live in this process only).
#[cfg(not(feature = "redis"))]
#[test]
fn redis_without_the_feature_is_refused_with_how_to_build_it() {
    let server = server();
    let dir = TempDir::new("noredis");
    let users = users_file(&dir, 10);
    let users = users.to_str().unwrap();
    let mut flag = cli(&server);
    flag.args(["--redis", "redis://:NoFeaturePw1@127.0.0.1:1"]);
    let r = run(flag, ["send", "--text", "x", "--users-file", users]).expect_code(2);
    assert!(r.stderr.contains("--features redis"), "{r:?}");
    assert!(r.stderr.contains("1.88"), "{r:?}");
    assert!(!r.all().contains("NoFeaturePw1"), "{r:?}");
    let mut env = cli(&server);
    env.env("DINGTALK_REDIS_URL", "redis://127.0.0.1:1");
    let r = run(env, ["campaign", "status", "c-1"]).expect_code(2);
    assert!(r.stderr.contains("--features redis"), "{r:?}");
    // rediss:// too: the same feature brings TLS, and the message says so.
    let mut tls = cli(&server);
    tls.args(["--redis", "rediss://:NoFeaturePw2@localhost:1"]);
    let r = run(tls, ["send", "--text", "x", "--users-file", users]).expect_code(2);
    assert!(r.stderr.contains("--features redis"), "{r:?}");
    assert!(r.stderr.contains("TLS"), "{r:?}");
    assert!(!r.all().contains("NoFeaturePw2"), "{r:?}");
    // --redis-ca-cert without a fleet would be ignored: refused.
    let mut ca = cli(&server);
    ca.args(["--redis-ca-cert", "/nonexistent/ca.pem"]);
    let r = run(ca, ["send", "--text", "x", "--user", "a"]).expect_code(2);
    assert!(r.stderr.contains("rediss://"), "{r:?}");
    assert!(server.requests_to(Route::Send).is_empty());
    assert!(server.requests_to(Route::GetToken).is_empty());
}

/// `send --users-file` returns once every chunk is sent and follows nothing; `--watch`
/// follows delivery and puts the final progress in its one JSON document.
#[test]
fn send_returns_once_sent_and_follows_only_with_watch() {
    let server = MockServer::builder()
        .delivery_duration(Duration::from_millis(300))
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let dir = TempDir::new("watch");
    let users = users_file(&dir, 150);
    let users = users.to_str().unwrap();

    let r = run(
        cli(&server),
        ["--json", "send", "--text", "Drill", "--users-file", users],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(
        (doc["chunks"].as_u64(), doc["sent"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(doc.get("progress").is_none(), "{doc}");
    assert_eq!(server.requests_to(Route::Send).len(), 2);
    assert!(
        server.requests_to(Route::SendProgress).is_empty(),
        "no delivery followed without --watch"
    );
    assert!(server.requests_to(Route::SendResult).is_empty());

    let r = run(
        cli(&server),
        [
            "--json",
            "send",
            "--text",
            "Second drill",
            "--users-file",
            users,
            "--watch",
        ],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["sent"], 2);
    assert_eq!(doc["progress"]["progress_in_percent"], 100, "{doc}");
    assert_eq!(doc["progress"]["delivered"], 2, "{doc}");
    assert!(!server.requests_to(Route::SendProgress).is_empty());
    assert_eq!(server.requests_to(Route::Send).len(), 4);

    // --watch follows a campaign, not a single send.
    let r = run(
        cli(&server),
        ["send", "--text", "x", "--user", "worker0001", "--watch"],
    )
    .expect_code(2);
    assert!(r.stderr.contains("--watch"), "{r:?}");
    assert_eq!(server.requests_to(Route::Send).len(), 4, "nothing sent");
}
