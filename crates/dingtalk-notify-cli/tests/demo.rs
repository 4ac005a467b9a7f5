//! `demo` and `mock-server`: the credential-free ways in.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{bare, int, run};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET};

#[test]
fn demo_narrates_every_step_and_exits_0() {
    let r = run(bare(), ["demo"]).expect_code(0);
    let out = &r.stdout;
    let steps = [
        "[1/7] send",
        "[2/7] watch",
        "[3/7] read",
        "[4/7] update the status bar",
        "[5/7] recall",
        "[6/7] a campaign",
        "[7/7] a department as people",
    ];
    let mut at = 0;
    for step in steps {
        let found = out[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step} missing or out of order:\n{out}"));
        at += found;
    }
    for call in [
        "GET  /gettoken",
        "POST /topapi/message/corpconversation/asyncsend_v2",
        "POST /topapi/message/corpconversation/getsendprogress",
        "POST /topapi/message/corpconversation/getsendresult",
        "POST /topapi/message/corpconversation/status_bar/update",
        "POST /topapi/message/corpconversation/recall",
    ] {
        assert!(out.contains(call), "{call} missing:\n{out}");
    }
    assert!(out.contains("100% (completed)"), "{out}");
    assert!(
        out.contains("-> the message now shows \"Approved\""),
        "{out}"
    );
    assert!(out.contains("-> recalled"), "{out}");
    assert!(out.contains(": 3 of 3 chunks sent"), "{out}");
    assert!(out.contains("250 read, each user once"), "{out}");
    assert!(!r.all().contains(DEMO_APP_SECRET), "{out}");
    assert!(!r.all().contains("access_token"), "{out}");
}

#[test]
fn demo_as_json() {
    let r = run(bare(), ["--json", "demo"]).expect_code(0);
    let doc = r.json();
    assert_eq!(int(&doc["agent_id"]), DEMO_AGENT_ID);
    assert!(int(&doc["task_id"]) > u64::from(u32::MAX));
    assert_eq!(int(&doc["progress"]["status"]), 2);
    assert_eq!(
        doc["send_result"]["failed_user_id_list"],
        serde_json::json!(["dave"])
    );
    assert_eq!(doc["recalled"], true);
    let steps: Vec<&str> = doc["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&"send"));
    assert!(steps.contains(&"recall"));
    assert!(steps.contains(&"campaign"));
    assert_eq!(steps.last(), Some(&"people"));
    // Operations (300) and everything below it, as the simulator's directory has it: each
    // person once, with the receipt their behaviour gives.
    let org = dingtalk_notify_mock::Directory::demo_org();
    let reach = org.reach(300).unwrap();
    assert_eq!(doc["people"]["people"], reach.len());
    let receipts = doc["people"]["receipts"].as_object().unwrap();
    assert_eq!(receipts.len(), reach.len());
    for user in reach {
        let expected = match org.behaviour(user).unwrap() {
            dingtalk_notify_mock::UserBehaviour::Reads => "read",
            dingtalk_notify_mock::UserBehaviour::LeavesUnread => "unread",
            dingtalk_notify_mock::UserBehaviour::Fails => "failed",
        };
        assert_eq!(receipts[user], expected, "{user}");
    }
    assert_eq!(doc["campaign"]["chunks"], 3);
    assert_eq!(doc["campaign"]["read"], 250);
    // The HR notice's PDF went once, through /media/upload, before the campaign's sends.
    let paths: Vec<&str> = doc["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    let uploads = paths
        .iter()
        .filter(|p| p.ends_with("/media/upload"))
        .count();
    assert_eq!(uploads, 1, "{paths:?}");
    assert!(
        doc["campaign"]["media_id"]
            .as_str()
            .is_some_and(|id| id.starts_with('@'))
    );
    // The narration went to stderr.
    assert!(r.stderr.contains("[1/7] send"), "{r:?}");
}

/// Kills the standalone simulator when the test ends, passed or not.
struct Standalone(Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mock_server_prints_exports_that_work() {
    let child = Command::new(assert_cmd::cargo::cargo_bin("dingtalk-notify"))
        .args(["mock-server", "--port", "0"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Standalone(child);
    let stdout = server.0.stdout.take().unwrap();
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
    let names: Vec<&str> = exports.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "DINGTALK_BASE_URL",
            "DINGTALK_APP_KEY",
            "DINGTALK_APP_SECRET",
            "DINGTALK_AGENT_ID"
        ]
    );
    assert_eq!(exports[1].1, DEMO_APP_KEY);
    assert!(exports[0].1.starts_with("http://127.0.0.1:"));

    let mut cmd = bare();
    cmd.envs(exports.iter().map(|(k, v)| (k, v)));
    let r = run(cmd, ["send", "--user", "alice", "--text", "hello"]).expect_code(0);
    assert!(r.stdout.trim().parse::<u64>().is_ok(), "{r:?}");
    assert!(server.0.try_wait().unwrap().is_none(), "still serving");
}
