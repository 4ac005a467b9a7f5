//! The calls a campaign spent, from the shell: `campaign status` shows the ledger's count
//! by endpoint (text and `--json`), equal to what the simulator received; a finished
//! campaign's status costs no progress call; errcode 90020 (the monthly quota) stops
//! `campaign watch` once, with kind `monthly_quota` and exit 8.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TempDir, cli, run};
use dingtalk_notify_mock::{Calls, Directory, Fault, MockServer, Route, UserBehaviour};

/// Real time (the CLI's clock), delivery at once.
fn server() -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

/// Sends 250 users from a file with a ledger; returns the campaign id and the ledger path.
fn send_campaign(server: &MockServer, dir: &TempDir) -> (String, String) {
    let users = dir.0.join("users.txt");
    let text: String = (0..250).map(|i| format!("worker{i:04}\n")).collect();
    std::fs::write(&users, text).unwrap();
    let ledger = dir.0.join("ledger.db").to_str().unwrap().to_owned();
    let r = run(
        cli(server),
        [
            "send",
            "--text",
            "Drill at 3pm",
            "--users-file",
            users.to_str().unwrap(),
            "--ledger",
            &ledger,
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
    (id, ledger)
}

/// What the simulator received, by the ledger's names.
fn received(server: &MockServer) -> BTreeMap<String, u64> {
    let mut all = BTreeMap::new();
    for (name, route) in [
        ("token", Route::GetToken),
        ("send", Route::Send),
        ("progress", Route::SendProgress),
        ("result", Route::SendResult),
    ] {
        let n = server.requests_to(route).len() as u64;
        if n > 0 {
            all.insert(name.to_owned(), n);
        }
    }
    assert_eq!(
        all.values().sum::<u64>(),
        server.requests().len() as u64,
        "every request was to a campaign endpoint"
    );
    all
}

fn calls_of(doc: &serde_json::Value) -> BTreeMap<String, u64> {
    serde_json::from_value(doc["calls"].clone()).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

#[test]
fn status_shows_the_calls_spent_as_the_simulator_counted_them() {
    let server = server();
    let dir = TempDir::new("calls-status");
    let (id, ledger) = send_campaign(&server, &dir);

    let status = run(
        cli(&server),
        ["--json", "campaign", "status", &id, "--ledger", &ledger],
    )
    .expect_code(0)
    .json();
    assert_eq!(status["progress"]["progress_in_percent"], 100);
    let calls = calls_of(&status);
    assert_eq!(calls, received(&server), "{status}");
    assert_eq!(calls["send"], 3);
    assert_eq!(
        calls["progress"], 3,
        "one call per chunk, delivered at once"
    );
    assert_eq!(calls["token"], 2, "one per process: send, status");

    // Finished: a second status asks DingTalk nothing (not even a token); the text shows
    // the count.
    let before = server.requests().len();
    let text = run(
        cli(&server),
        ["campaign", "status", &id, "--ledger", &ledger],
    )
    .expect_code(0);
    assert_eq!(server.requests().len(), before, "{text:?}");
    let total: u64 = calls.values().sum();
    assert!(
        text.stdout.contains(&format!("calls spent: {total} (")),
        "{text:?}"
    );
    assert!(text.stdout.contains("progress 3"), "{text:?}");
}

#[test]
fn the_monthly_quota_stops_watch_once_with_exit_8() {
    let server = server();
    let dir = TempDir::new("calls-quota");
    let (id, ledger) = send_campaign(&server, &dir);
    server.inject(Route::SendProgress, Calls::All, Fault::ErrCode(90020));

    let r = run(
        cli(&server),
        ["--json", "campaign", "watch", &id, "--ledger", &ledger],
    )
    .expect_code(8);
    assert_eq!(
        server.requests_to(Route::SendProgress).len(),
        1,
        "stopped at the first answer: {r:?}"
    );
    let doc = r.json();
    assert_eq!(doc["campaign_id"], id.as_str());
    assert_eq!(doc["error"]["kind"], "monthly_quota", "{doc}");
    assert_eq!(doc["error"]["exit_code"], 8, "{doc}");
    let message = doc["error"]["message"].as_str().unwrap_or_default();
    for words in ["monthly quota", "90020", "next month", "nothing was lost"] {
        assert!(message.contains(words), "{words:?} in {message}");
    }

    // Without --json: the same stop, said on stderr.
    let r = run(
        cli(&server),
        ["campaign", "status", &id, "--ledger", &ledger],
    )
    .expect_code(8);
    assert!(r.stderr.contains("monthly quota"), "{r:?}");
    assert_eq!(server.requests_to(Route::SendProgress).len(), 2);
}
