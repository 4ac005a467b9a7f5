//! What the user hands the command: `--ledger` opens only a dingtalk-notify ledger (a
//! foreign database is refused, exit 6, kind `ledger`, and left as it was); `--users-file` as
//! spreadsheets write it.

mod common;

use std::time::Duration;

use common::{TempDir, cli, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

fn server() -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

/// Every recipient of every `asyncsend_v2` the simulator received, in order.
fn recipients(server: &MockServer) -> Vec<String> {
    server
        .requests_to(Route::Send)
        .iter()
        .flat_map(|r| {
            let body = r.json().expect("a JSON send body");
            body["userid_list"]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .filter(|u| !u.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn journal_mode(path: &std::path::Path) -> String {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_foreign_database_as_ledger_is_refused_unchanged_and_nothing_is_sent() {
    let server = server();
    let dir = TempDir::new("foreign");
    let foreign = dir.0.join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        c.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT);
             INSERT INTO orders (item) VALUES ('tea');",
        )
        .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let users = dir.0.join("users.txt");
    std::fs::write(&users, "alice\nbob\n").unwrap();
    let r = run(
        cli(&server),
        [
            "send",
            "--text",
            "hi",
            "--users-file",
            users.to_str().unwrap(),
            "--ledger",
            foreign.to_str().unwrap(),
        ],
    )
    .expect_code(6);
    assert!(
        r.stderr.contains("is not a dingtalk-notify ledger"),
        "{r:?}"
    );
    assert!(server.requests_to(Route::Send).is_empty(), "nothing sent");
    assert_eq!(std::fs::read(&foreign).unwrap(), before, "the file changed");
    assert_eq!(journal_mode(&foreign), "delete");
    assert!(!dir.0.join("foreign.db-wal").exists());

    // `campaign status` on it: refused the same way.
    let r = run(
        cli(&server),
        [
            "campaign",
            "status",
            "c-1",
            "--ledger",
            foreign.to_str().unwrap(),
        ],
    )
    .expect_code(6);
    assert!(
        r.stderr.contains("is not a dingtalk-notify ledger"),
        "{r:?}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before, "the file changed");
}

#[test]
fn a_spreadsheet_users_file_sends_each_id_once() {
    let server = server();
    let dir = TempDir::new("bom");
    let users = dir.0.join("users.csv");
    // A byte-order mark, CRLF, spaces, blank lines, duplicates.
    let mut text = String::from("\u{feff}");
    for i in 0..150 {
        text.push_str(&format!("  worker{i:03} \r\n"));
        if i % 10 == 0 {
            text.push_str("\r\n \r\n");
        }
    }
    text.push_str("worker000\r\nworker149\r\n\tworker007\r\n");
    std::fs::write(&users, text).unwrap();
    run(
        cli(&server),
        [
            "send",
            "--text",
            "hi",
            "--users-file",
            users.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    let mut got = recipients(&server);
    assert_eq!(got.len(), 150, "each id once");
    got.sort();
    let want: Vec<String> = (0..150).map(|i| format!("worker{i:03}")).collect();
    assert_eq!(got, want, "the ids as written, without the mark or spaces");
}

#[test]
fn a_bad_users_file_line_is_refused_with_its_number_and_nothing_is_sent() {
    let server = server();
    let dir = TempDir::new("badline");
    let long = "x".repeat(65);
    for (text, line, what) in [
        (
            format!("alice\r\nbob\r\n\r\n{long}\r\n"),
            4,
            "65 characters",
        ),
        (
            "alice\nb\u{1b}[2Job\ncarol\n".to_owned(),
            2,
            "control character",
        ),
    ] {
        let users = dir.0.join("users.txt");
        std::fs::write(&users, &text).unwrap();
        let r = run(
            cli(&server),
            [
                "send",
                "--text",
                "hi",
                "--users-file",
                users.to_str().unwrap(),
            ],
        )
        .expect_code(2);
        assert!(r.stderr.contains(&format!("line {line}:")), "{r:?}");
        assert!(r.stderr.contains(what), "{r:?}");
        assert!(server.requests_to(Route::Send).is_empty(), "nothing sent");
    }
}
