//! What the user hands the command: `--ledger` opens only a dingtalk-notify ledger (a
//! foreign database is refused and left as it was).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{cli, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dtn-cli-in-{name}-{}", std::process::id()));
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

fn server() -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
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
    .expect_code(2);
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
    .expect_code(2);
    assert!(
        r.stderr.contains("is not a dingtalk-notify ledger"),
        "{r:?}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before, "the file changed");
}
