//! Failures a user can cause have their own kind in the `--json` error document and their
//! own documented exit code, never `other`: a ledger that cannot be opened (exit 6, kind
//! `ledger`), a file that is not a ledger (the same), a campaign or ledger that is not there
//! (exit 2, kind `not_found`), a `--redis` that is down (exit 3, kind `redis`) (issue 20,
//! item 8).

mod common;

use common::{Run, TempDir, cli, run};
use dingtalk_notify_mock::{MockServer, Route};

/// The error document's kind, checked against the exit code it states and the process's.
#[track_caller]
fn kind_of(r: &Run, code: i32) -> String {
    assert_eq!(r.code, Some(code), "{r:#?}");
    let doc = r.json();
    assert_eq!(doc["error"]["exit_code"], code, "{r:#?}");
    doc["error"]["kind"].as_str().unwrap_or_default().to_owned()
}

fn users(dir: &TempDir) -> String {
    let path = dir.0.join("users.txt");
    std::fs::write(&path, "alice\nbob\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn ledger_failures_are_kind_ledger_exit_6_and_nothing_is_sent() {
    let server = MockServer::start().unwrap();
    let dir = TempDir::new("ledger");
    let users = users(&dir);
    // A ledger under a regular file cannot be created (whoever runs the test, root too).
    let blocker = dir.0.join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let unwritable = blocker.join("ledger.db");
    // A file that is not a SQLite database at all.
    let foreign = dir.0.join("notes.db");
    std::fs::write(&foreign, "these are my notes, not a ledger\n".repeat(200)).unwrap();
    for ledger in [&unwritable, &foreign] {
        let ledger = ledger.to_str().unwrap();
        let send = [
            "--json",
            "send",
            "--text",
            "x",
            "--users-file",
            &users,
            "--ledger",
            ledger,
        ];
        let r = run(cli(&server), send);
        assert_eq!(kind_of(&r, 6), "ledger");
        assert!(r.stderr.contains("cannot open the ledger"), "{r:#?}");
    }
    let foreign = foreign.to_str().unwrap();
    let r = run(
        cli(&server),
        [
            "--json",
            "campaign",
            "status",
            "c-1-0123456789abcdef",
            "--ledger",
            foreign,
        ],
    );
    assert_eq!(kind_of(&r, 6), "ledger");
    assert!(server.requests_to(Route::Send).is_empty());
}

#[test]
fn a_missing_campaign_or_ledger_is_kind_not_found_exit_2() {
    let server = MockServer::start().unwrap();
    let dir = TempDir::new("missing");
    let ledger = dir.0.join("ledger.db");
    let ledger = ledger.to_str().unwrap();
    // No file at all.
    let status = [
        "--json",
        "campaign",
        "status",
        "c-1-0123456789abcdef",
        "--ledger",
        ledger,
    ];
    let r = run(cli(&server), status);
    assert_eq!(kind_of(&r, 2), "not_found");
    // A real ledger, without that campaign.
    run(
        cli(&server),
        ["send", "--text", "x", "--user", "alice", "--ledger", ledger],
    )
    .expect_code(0);
    for action in ["status", "resume", "recall", "result"] {
        let r = run(
            cli(&server),
            [
                "--json",
                "campaign",
                action,
                "c-1-0123456789abcdef",
                "--ledger",
                ledger,
            ],
        );
        assert_eq!(kind_of(&r, 2), "not_found", "{action}");
        assert!(
            r.stderr.contains("no campaign c-1-0123456789abcdef"),
            "{r:#?}"
        );
    }
}

/// A `--redis` on a port nobody listens on: kind `redis`, exit 3, for single sends and
/// campaign commands alike, and nothing reaches DingTalk.
#[cfg(feature = "redis")]
#[test]
fn a_redis_that_is_down_is_kind_redis_exit_3() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("redis://127.0.0.1:{closed}/0");
    let server = MockServer::start().unwrap();
    let dir = TempDir::new("redis");
    let users = users(&dir);
    let runs: [&[&str]; 3] = [
        &["--json", "send", "--text", "x", "--user", "alice"],
        &["--json", "send", "--text", "x", "--users-file", &users],
        &["--json", "campaign", "status", "c-1-0123456789abcdef"],
    ];
    for args in runs {
        let mut cmd = cli(&server);
        cmd.args(["--redis", &url]);
        let r = run(cmd, args);
        assert_eq!(kind_of(&r, 3), "redis", "{args:?}");
    }
    assert!(server.requests_to(Route::Send).is_empty());
    assert!(server.requests_to(Route::GetToken).is_empty());
}
