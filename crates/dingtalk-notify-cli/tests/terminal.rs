//! Server-controlled text in campaign output (a failed chunk's `errmsg` and `request_id`, as
//! the ledger stored them) reaches the terminal neutralised: no escape sequence, no bidi
//! override, no raw CR, no NUL, no forged line; `--json` keeps it exact (issue 20, item 7).

mod common;

use std::time::Duration;

use common::{Run, TempDir, cli, run};
use dingtalk_notify_mock::{Calls, Directory, Fault, MockServer, Route, UserBehaviour};

/// A complete HTTP/1.1 answer with this JSON body.
fn raw_json(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An errcode answer whose `errmsg` and `request_id` carry a window-title sequence, a screen
/// clear, a right-to-left override, CR/LF with a forged line, and NUL.
const HOSTILE: &str = r#"{"errcode":40056,"errmsg":"bad\u001b]0;pwned\u0007 \u001b[2J\u202eevil\r\nchunk 9 failed: forged\u0000","request_id":"rid\u001b[31m\u202e\r\nerror: forged\u0000"}"#;

#[track_caller]
fn assert_neutral(r: &Run) {
    for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        for bad in ['\u{1b}', '\u{202e}', '\r', '\0', '\u{7}'] {
            assert!(!text.contains(bad), "{name} holds {bad:?}: {r:#?}");
        }
        assert!(!text.contains("\nerror: forged"), "{name}: {r:#?}");
        assert!(!text.contains("\nchunk 9 failed"), "{name}: {r:#?}");
    }
}

#[test]
fn hostile_errmsg_in_a_campaign_is_neutralised_everywhere() {
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    server.inject(Route::Send, Calls::Nth(2), Fault::Raw(raw_json(HOSTILE)));
    let dir = TempDir::new("campaign");
    let users = dir.0.join("users.txt");
    let text: String = (0..250).map(|i| format!("worker{i:04}\n")).collect();
    std::fs::write(&users, text).unwrap();
    let ledger = dir.0.join("ledger.db");
    let (users, ledger) = (users.to_str().unwrap(), ledger.to_str().unwrap());

    // Human output: the failed chunk's line carries the errmsg, escaped, on one line.
    let send = [
        "send",
        "--text",
        "x",
        "--users-file",
        users,
        "--ledger",
        ledger,
    ];
    let r = run(cli(&server), send).expect_code(1);
    assert_neutral(&r);
    assert!(r.stdout.contains("chunk 1 failed: "), "{r:#?}");
    assert!(
        r.stdout.contains("\\u{1b}]0;pwned"),
        "escaped, not dropped: {r:#?}"
    );
    let id = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .and_then(|l| l.split(':').next())
        .unwrap_or_else(|| panic!("no campaign id: {r:#?}"))
        .to_owned();

    // What the ledger stored, read back by every campaign command, human and --json.
    for action in ["status", "resume", "result"] {
        let r = run(cli(&server), ["campaign", action, &id, "--ledger", ledger]);
        assert_neutral(&r);
        let r = run(
            cli(&server),
            ["--json", "campaign", action, &id, "--ledger", ledger],
        );
        assert_neutral(&r);
        let doc = r.json();
        if action != "result" {
            // --json stays exact: the stored text, as the server sent it.
            let message = doc["failed"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains("\u{1b}]0;pwned"), "{r:#?}");
        }
    }

    // --json on the send itself: one exact document on stdout, a neutral line on stderr.
    let server2 = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    server2.inject(Route::Send, Calls::All, Fault::Raw(raw_json(HOSTILE)));
    let ledger2 = dir.0.join("ledger2.db");
    let r = run(
        cli(&server2),
        [
            "--json",
            "send",
            "--text",
            "x",
            "--users-file",
            users,
            "--ledger",
            ledger2.to_str().unwrap(),
        ],
    )
    .expect_code(1);
    assert_neutral(&r);
    assert_eq!(
        r.json()["failed"].as_array().map(Vec::len),
        Some(3),
        "{r:#?}"
    );

    // A single send's error line and error document.
    for json in [false, true] {
        let mut args = vec!["send", "--user", "alice", "--text", "hi"];
        if json {
            args.insert(0, "--json");
        }
        let r = run(cli(&server2), &args).expect_code(1);
        assert_neutral(&r);
        if json {
            assert_eq!(r.json()["error"]["errcode"], 40056);
        }
    }
}
