//! With `--json`, a campaign that stops early (over `--budget` past `--budget-wait`) still
//! prints exactly one document on stdout, with its `campaign_id`, what was sent, what is
//! pending and what is ambiguous, and why it stopped; `campaign resume ID` with that id
//! completes it, nobody twice (issue 20, item 9).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{TempDir, cli, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

/// Every user id the simulator was asked to notify, with repeats.
fn sent_users(server: &MockServer) -> Vec<String> {
    server
        .requests_to(Route::Send)
        .iter()
        .flat_map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default().to_owned();
            list.split(',').map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_campaign_over_budget_prints_one_document_and_resumes_from_it() {
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let dir = TempDir::new("budget");
    let users = dir.0.join("users.txt");
    let all: Vec<String> = (0..250).map(|i| format!("worker{i:04}")).collect();
    std::fs::write(&users, all.join("\n")).unwrap();
    let ledger = dir.0.join("ledger.db");
    let (users, ledger) = (users.to_str().unwrap(), ledger.to_str().unwrap());

    // 150 recipients a minute and no waiting: the first chunk goes, the next does not fit.
    let r = run(
        cli(&server),
        [
            "--json",
            "--budget",
            "150",
            "--budget-wait",
            "0",
            "send",
            "--text",
            "x",
            "--users-file",
            users,
            "--ledger",
            ledger,
        ],
    )
    .expect_code(3);
    // Exactly one document (serde rejects trailing data), the campaign's.
    let doc = r.json();
    assert_eq!(r.stdout.trim().lines().count(), 1, "{r:#?}");
    let id = doc["campaign_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no campaign_id: {r:#?}"))
        .to_owned();
    let chunks = doc["chunks"].as_u64().unwrap();
    let sent = doc["sent"].as_u64().unwrap();
    let pending = doc["pending"].as_array().unwrap().len() as u64;
    assert!(sent >= 1 && pending >= 1, "{r:#?}");
    assert_eq!(sent + pending, chunks, "{r:#?}");
    assert_eq!(doc["ambiguous"], serde_json::json!([]));
    assert_eq!(doc["error"]["kind"], "over_budget", "{r:#?}");
    assert_eq!(doc["error"]["exit_code"], 3, "{r:#?}");
    assert!(r.stderr.contains(&id), "{r:#?}");
    let before = sent_users(&server);
    assert!(!before.is_empty() && before.len() < all.len(), "{before:?}");

    // The id from the document completes the campaign: each user exactly once.
    let r = run(
        cli(&server),
        ["--json", "campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(0);
    let doc = r.json();
    assert_eq!(doc["sent"].as_u64(), Some(chunks), "{r:#?}");
    assert_eq!(doc["pending"], serde_json::json!([]));
    let after = sent_users(&server);
    assert_eq!(after.len(), all.len(), "nobody twice");
    let unique: BTreeSet<&String> = after.iter().collect();
    assert_eq!(unique, all.iter().collect());
}

/// `campaign resume` that stops early again prints its one document too.
#[test]
fn a_resume_over_budget_prints_one_document() {
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let dir = TempDir::new("resume");
    let users = dir.0.join("users.txt");
    let text: String = (0..350).map(|i| format!("worker{i:04}\n")).collect();
    std::fs::write(&users, text).unwrap();
    let ledger = dir.0.join("ledger.db");
    let (users, ledger) = (users.to_str().unwrap(), ledger.to_str().unwrap());
    let budget = ["--json", "--budget", "150", "--budget-wait", "0"];
    let mut args = budget.to_vec();
    args.extend([
        "send",
        "--text",
        "x",
        "--users-file",
        users,
        "--ledger",
        ledger,
    ]);
    let r = run(cli(&server), &args).expect_code(3);
    let id = r.json()["campaign_id"].as_str().unwrap().to_owned();
    let first = r.json()["sent"].as_u64().unwrap();

    let mut args = budget.to_vec();
    args.extend(["campaign", "resume", &id, "--ledger", ledger]);
    let r = run(cli(&server), &args).expect_code(3);
    let doc = r.json();
    assert_eq!(doc["campaign_id"], id.as_str());
    assert!(doc["sent"].as_u64().unwrap() > first, "{r:#?}");
    assert!(!doc["pending"].as_array().unwrap().is_empty(), "{r:#?}");
    assert_eq!(doc["error"]["kind"], "over_budget");
}
