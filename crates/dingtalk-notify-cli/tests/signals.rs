//! Signals and a second sender, against the built command (issue 20, items 3 and 10):
//! - SIGINT or SIGTERM during `send --users-file --ledger --json` lets the call in flight
//!   finish and records it, starts nothing new, prints one document with the
//!   `campaign_id`, and exits 130 or 143; `campaign resume` then sends each remaining user
//!   once and nobody twice;
//! - a second signal exits at once; the chunk in flight is ambiguous on the resume that
//!   follows the dead sender's lease;
//! - `campaign resume` of a campaign another process is sending exits 7 and sends nothing;
//!   with `--wait` it waits for that process to end.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ENV, Run, TempDir, cli, run};
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, Fault, MockServer, Route,
    UserBehaviour,
};

const USERS: usize = 500;

/// A simulator whose second send (chunk 1) waits `delay` before answering.
fn server(delay: Duration) -> MockServer {
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    server.inject(Route::Send, Calls::Nth(2), Fault::Delay(delay));
    server
}

fn users_file(dir: &TempDir) -> String {
    let path = dir.0.join("users.txt");
    let all: Vec<String> = (0..USERS).map(|i| format!("worker{i:04}")).collect();
    std::fs::write(&path, all.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `send --users-file --ledger --json` as a child process, `--timeout timeout`.
fn spawn_send(server: &MockServer, timeout: &str, users: &str, ledger: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dingtalk-notify"));
    for var in ENV {
        cmd.env_remove(var);
    }
    cmd.args(["--base-url", &server.base_url(), "--app-key", DEMO_APP_KEY])
        .args(["--app-secret", DEMO_APP_SECRET, "--timeout", timeout])
        .args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--json"])
        .args(["send", "--text", "Drill at 3pm", "--users-file", users])
        .arg("--ledger")
        .arg(ledger)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_sends(server: &MockServer, child: &mut Child, n: usize) {
    let until = Instant::now() + Duration::from_secs(60);
    while server.requests_to(Route::Send).len() < n {
        assert!(Instant::now() < until, "send {n} never came");
        assert!(child.try_wait().unwrap().is_none(), "the child ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

fn finish(child: Child) -> Run {
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

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

fn assert_nobody_twice(server: &MockServer) -> usize {
    let all = sent_users(server);
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), unique.len(), "nobody twice");
    all.len()
}

/// `campaign resume` after a clean stop sends the three chunks left (the campaign's five
/// are then all sent), each remaining user once and nobody twice.
fn resume_sends_the_rest(server: &MockServer, id: &str, ledger: &Path) {
    let ledger = ledger.to_str().expect("a UTF-8 path");
    let r = run(
        cli(server),
        ["--json", "campaign", "resume", id, "--ledger", ledger],
    )
    .expect_code(0);
    assert_eq!(r.json()["sent"], 5, "{r:#?}");
    assert_eq!(assert_nobody_twice(server), USERS);
}

/// One signal while chunk 1 is in flight: it finishes and is recorded, nothing new starts.
fn a_signal_stops_cleanly(name: &str, code: i32) {
    let server = server(Duration::from_millis(1_500));
    let dir = TempDir::new(&format!("signal-{name}"));
    let users = users_file(&dir);
    let ledger = dir.0.join("ledger.db");
    let mut child = spawn_send(&server, "10", &users, &ledger);
    wait_for_sends(&server, &mut child, 2);
    signal(&child, name);
    let r = finish(child);
    assert_eq!(r.code, Some(code), "{r:#?}");
    // One document (serde refuses trailing data), the campaign's, with the stop in it.
    let doc = r.json();
    assert_eq!(r.stdout.trim().lines().count(), 1, "{r:#?}");
    let id = doc["campaign_id"].as_str().expect("the id").to_owned();
    assert_eq!(
        doc["sent"], 2,
        "chunk 0, and chunk 1 that was in flight: {r:#?}"
    );
    assert_eq!(doc["pending"], serde_json::json!([2, 3, 4]), "{r:#?}");
    assert_eq!(doc["ambiguous"], serde_json::json!([]), "{r:#?}");
    assert_eq!(doc["error"]["kind"], "interrupted", "{r:#?}");
    assert_eq!(doc["error"]["exit_code"], code, "{r:#?}");
    assert!(r.stderr.contains(&id), "{r:#?}");
    assert_eq!(
        server.requests_to(Route::Send).len(),
        2,
        "nothing new started"
    );

    resume_sends_the_rest(&server, &id, &ledger);
}

#[test]
fn sigint_stops_a_campaign_cleanly_with_exit_130() {
    a_signal_stops_cleanly("INT", 130);
}

#[test]
fn sigterm_stops_a_campaign_cleanly_with_exit_143() {
    a_signal_stops_cleanly("TERM", 143);
}

#[test]
fn a_second_signal_exits_at_once_and_the_chunk_in_flight_is_ambiguous() {
    // Chunk 1's call hangs far longer than the test waits for the exit.
    let server = server(Duration::from_secs(30));
    let dir = TempDir::new("double");
    let users = users_file(&dir);
    let ledger = dir.0.join("ledger.db");
    let mut child = spawn_send(&server, "3", &users, &ledger);
    // The id, from the narration, before the signals.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let id = line
        .trim()
        .strip_prefix("campaign ")
        .unwrap_or_else(|| panic!("no id in {line:?}"))
        .to_owned();
    wait_for_sends(&server, &mut child, 2);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "the first waits");
    let second = Instant::now();
    signal(&child, "INT");
    let status = child.wait().unwrap();
    assert!(second.elapsed() < Duration::from_secs(2), "at once");
    assert_eq!(status.code(), Some(130));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();

    // The dead sender's lease (3 s + 15 s) holds for a while: refused, exit 7...
    let ledger = ledger.to_str().unwrap();
    let r = run(
        cli(&server),
        ["campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(7);
    assert!(
        r.stderr
            .contains("another process is sending it; wait or retry after"),
        "{r:#?}"
    );
    assert_eq!(server.requests_to(Route::Send).len(), 2, "nothing sent");
    // ...then, with --wait, the chunk that was in flight is ambiguous, never resent.
    let r = run(
        cli(&server),
        [
            "--json", "campaign", "resume", &id, "--ledger", ledger, "--wait",
        ],
    )
    .expect_code(5);
    let doc = r.json();
    assert_eq!(doc["ambiguous"], serde_json::json!([1]), "{r:#?}");
    assert_eq!(doc["sent"], 4, "{r:#?}");
    assert_eq!(assert_nobody_twice(&server), USERS, "chunk 1 sent once");
}

#[test]
fn a_resume_while_another_process_sends_is_refused_or_waits() {
    let server = server(Duration::from_millis(3_000));
    let dir = TempDir::new("busy");
    let users = users_file(&dir);
    let ledger = dir.0.join("ledger.db");
    let mut child = spawn_send(&server, "10", &users, &ledger);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let id = line.trim().strip_prefix("campaign ").unwrap().to_owned();
    wait_for_sends(&server, &mut child, 2);

    let ledger = ledger.to_str().unwrap();
    let r = run(
        cli(&server),
        ["--json", "campaign", "resume", &id, "--ledger", ledger],
    )
    .expect_code(7);
    let doc = r.json();
    assert_eq!(doc["campaign_id"], id.as_str(), "{r:#?}");
    assert_eq!(doc["error"]["kind"], "busy", "{r:#?}");
    assert_eq!(doc["error"]["exit_code"], 7, "{r:#?}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("another process is sending it; wait or retry after"),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", child.id())),
        "names the owner: {message}"
    );
    // The chunk in flight was not judged ambiguous: the sender goes on undisturbed.
    assert_eq!(doc["ambiguous"], serde_json::json!([]), "{r:#?}");
    assert_eq!(server.requests_to(Route::Send).len(), 2, "nothing sent");

    // --wait waits for the sender to end, then finds nothing left to send.
    let r = run(
        cli(&server),
        [
            "--json", "campaign", "resume", &id, "--ledger", ledger, "--wait",
        ],
    )
    .expect_code(0);
    assert_eq!(r.json()["sent"], 5, "{r:#?}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "the first sender completed");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ambiguous"], serde_json::json!([]));
    assert_eq!(doc["sent"], 5);
    assert_eq!(assert_nobody_twice(&server), USERS);
}

/// A campaign of people (`send --dept-tree`) stops on SIGINT as a campaign of user ids
/// does: the chunk in flight is recorded, nothing new starts, one document, exit 130; the
/// resume sends the rest of the frozen people once.
#[test]
fn sigint_stops_a_campaign_of_people_cleanly() {
    let people: Vec<dingtalk_notify_mock::Person> = (0..USERS)
        .map(|i| dingtalk_notify_mock::Person::new(format!("staff{i:04}")).department(2))
        .collect();
    let mut org = Directory::new().with_department_named(2, "Plant", 1);
    for p in people {
        org = org.with_person(p);
    }
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(org)
        .start()
        .unwrap();
    server.inject(
        Route::Send,
        Calls::Nth(2),
        Fault::Delay(Duration::from_millis(1_500)),
    );
    let dir = TempDir::new("signal-people");
    let ledger = dir.0.join("ledger.db");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dingtalk-notify"));
    for var in ENV {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .args(["--base-url", &server.base_url(), "--app-key", DEMO_APP_KEY])
        .args(["--app-secret", DEMO_APP_SECRET, "--timeout", "10"])
        .args(["--agent-id", &DEMO_AGENT_ID.to_string(), "--json"])
        .args(["send", "--text", "Shift change", "--dept-tree", "2"])
        .arg("--ledger")
        .arg(&ledger)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_sends(&server, &mut child, 2);
    signal(&child, "INT");
    let r = finish(child);
    assert_eq!(r.code, Some(130), "{r:#?}");
    let doc = r.json();
    assert_eq!(doc["error"]["kind"], "interrupted", "{r:#?}");
    assert_eq!(doc["sent"], 2, "{r:#?}");
    assert_eq!(doc["recipients"], USERS, "{r:#?}");
    assert_eq!(
        server.requests_to(Route::Send).len(),
        2,
        "nothing new started"
    );
    let id = doc["campaign_id"].as_str().expect("the id").to_owned();
    resume_sends_the_rest(&server, &id, &ledger);
}
