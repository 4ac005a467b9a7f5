//! `mock-server`'s organisation (issue 21, item 5): an org file, a generated organisation,
//! and a file of your own ids delivered, each through the standalone simulator.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{bare, int, run};
use serde_json::Value;

/// Kills the standalone simulator when the test ends, passed or not.
struct Standalone(Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh directory of its own for a test's files.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "dtn-mock-server-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `mock-server` with `args`; returns it and the `export` lines it printed.
fn standalone(args: &[&str]) -> (Standalone, Vec<(String, String)>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("dingtalk-notify"))
        .arg("mock-server")
        .args(args)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Standalone(child);
    let mut exports = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(kv) = line.strip_prefix("export ") {
            let (k, v) = kv.split_once('=').unwrap();
            exports.push((k.to_owned(), v.to_owned()));
        }
        if line.starts_with("export DINGTALK_AGENT_ID=") {
            break;
        }
    }
    assert_eq!(exports.len(), 4, "{exports:?}");
    (server, exports)
}

fn client(exports: &[(String, String)]) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.envs(exports.iter().map(|(k, v)| (k, v)));
    cmd
}

/// Sends the ids file as a campaign and waits (the standalone simulator follows real time:
/// delivery takes 2 s) for its merged result.
fn campaign_result(exports: &[(String, String)], ids: &Path, ledger: &Path) -> Value {
    let ids = ids.to_str().unwrap();
    let ledger = ledger.to_str().unwrap();
    let sent = run(
        client(exports),
        [
            "--json",
            "send",
            "--users-file",
            ids,
            "--text",
            "Fire drill",
            "--ledger",
            ledger,
        ],
    )
    .expect_code(0)
    .json();
    let id = sent["campaign_id"].as_str().unwrap().to_owned();
    assert_eq!(sent["chunks"], 3, "{sent}");
    let r = run(
        client(exports),
        ["--json", "campaign", "watch", &id, "--ledger", ledger],
    )
    .expect_code(0);
    assert!(!r.stdout.is_empty());
    run(
        client(exports),
        ["--json", "campaign", "result", &id, "--ledger", ledger],
    )
    .expect_code(0)
    .json()
}

#[test]
fn a_file_of_your_own_ids_is_delivered_with_accept_any_user() {
    let dir = scratch();
    let ids = dir.join("ids.txt");
    let mine: Vec<String> = (1..=250).map(|i| format!("emp{i:04}")).collect();
    std::fs::write(&ids, mine.join("\n")).unwrap();

    // Without it, ids the organisation does not list are invalid, as on DingTalk.
    let (_plain, exports) = standalone(&[]);
    let res = campaign_result(&exports, &ids, &dir.join("plain.db"));
    assert_eq!(
        res["send_result"]["invalid_user_id_list"]
            .as_array()
            .unwrap()
            .len(),
        250
    );

    let (_open, exports) = standalone(&["--accept-any-user"]);
    let res = campaign_result(&exports, &ids, &dir.join("open.db"));
    let read: Vec<&str> = res["send_result"]["read_user_id_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(read.len(), 250, "{res}");
    assert!(mine.iter().all(|id| read.contains(&id.as_str())));
    assert_eq!(
        res["send_result"]["invalid_user_id_list"],
        serde_json::json!([])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_org_file_is_served_and_a_department_send_reaches_its_subtree() {
    let dir = scratch();
    let org = dir.join("org.json");
    std::fs::write(
        &org,
        r#"{
          "departments": [{"id": 7, "name": "Night shift"}, {"id": 8, "name": "Cleaners", "parent": 7}],
          "users": [
            {"userid": "n1", "departments": [7], "mobile": "13700000001"},
            {"userid": "n2", "departments": [7], "behaviour": "unread"},
            {"userid": "c1", "departments": [8]},
            {"userid": "day1"}
          ]
        }"#,
    )
    .unwrap();
    let (_server, exports) = standalone(&["--org", org.to_str().unwrap()]);
    let sent = run(
        client(&exports),
        ["--json", "send", "--dept", "7", "--text", "Lights out"],
    )
    .expect_code(0)
    .json();
    let task = int(&sent["task_id"]).to_string();
    let done = run(
        client(&exports),
        ["--json", "watch", "--task-id", &task, "--interval", "1"],
    )
    .expect_code(0)
    .json();
    let sr = &done["send_result"];
    assert_eq!(
        sr["read_user_id_list"],
        serde_json::json!(["n1", "c1"]),
        "{done}"
    );
    assert_eq!(
        sr["unread_user_id_list"],
        serde_json::json!(["n2"]),
        "{done}"
    );
    // A user id the file does not list is invalid.
    let sent = run(
        client(&exports),
        ["--json", "send", "--user", "stranger", "--text", "x"],
    )
    .expect_code(0)
    .json();
    let task = int(&sent["task_id"]).to_string();
    let r = run(client(&exports), ["--json", "result", "--task-id", &task])
        .expect_code(0)
        .json();
    assert_eq!(
        r["send_result"]["invalid_user_id_list"],
        serde_json::json!(["stranger"])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_generated_organisation_is_described_in_json() {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("dingtalk-notify"))
        .args([
            "--json",
            "mock-server",
            "--org-size",
            "1000",
            "--org-seed",
            "3",
        ])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Standalone(child);
    let line = BufReader::new(stdout).lines().next().unwrap().unwrap();
    let doc: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(doc["people"], 1000);
    assert_eq!(doc["departments"], 50);
    assert_eq!(doc["users"][0], "u0");
    assert_eq!(doc["accept_any_user"], false);
}

#[test]
fn a_bad_organisation_is_refused_with_exit_2_and_the_culprit() {
    let dir = scratch();
    let org = dir.join("org.json");
    std::fs::write(&org, r#"{"users": [{"userid": "a", "departments": [3]}]}"#).unwrap();
    let r = run(bare(), ["mock-server", "--org", org.to_str().unwrap()]).expect_code(2);
    assert!(r.stderr.contains("department 3"), "{r:?}");
    std::fs::write(&org, "{\"users\": [\n  {\"userid\": 1}\n]}").unwrap();
    let r = run(
        bare(),
        ["--json", "mock-server", "--org", org.to_str().unwrap()],
    )
    .expect_code(2);
    let msg = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        msg.contains("users[0].userid") && msg.contains("line 2"),
        "{msg}"
    );
    let missing = dir.join("missing.json");
    let r = run(bare(), ["mock-server", "--org", missing.to_str().unwrap()]).expect_code(2);
    assert!(r.stderr.contains("missing.json"), "{r:?}");
    run(bare(), ["mock-server", "--org-size", "2000001"]).expect_code(2);
    run(
        bare(),
        [
            "mock-server",
            "--org",
            org.to_str().unwrap(),
            "--org-size",
            "5",
        ],
    )
    .expect_code(2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_org_file_in_the_readme_works_as_it_says() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("cat > org.json <<'EOF'\n").unwrap() + "cat > org.json <<'EOF'\n".len();
    let end = start + readme[start..].find("\nEOF\n").unwrap();
    let dir = scratch();
    let org = dir.join("org.json");
    std::fs::write(&org, &readme[start..end]).unwrap();
    let (_server, exports) = standalone(&["--org", org.to_str().unwrap()]);
    let sent = run(
        client(&exports),
        ["--json", "send", "--dept", "7", "--text", "hi"],
    )
    .expect_code(0)
    .json();
    let task = int(&sent["task_id"]).to_string();
    let done = run(
        client(&exports),
        ["--json", "watch", "--task-id", &task, "--interval", "1"],
    )
    .expect_code(0)
    .json();
    let sr = &done["send_result"];
    // "send --dept 7 reaches n1, n2 and c1"; c1 never activated, n2 leaves it unread.
    assert_eq!(sr["read_user_id_list"], serde_json::json!(["n1"]), "{done}");
    assert_eq!(
        sr["unread_user_id_list"],
        serde_json::json!(["n2", "c1"]),
        "{done}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
