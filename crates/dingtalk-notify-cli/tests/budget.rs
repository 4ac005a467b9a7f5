//! `--budget N` (`DINGTALK_BUDGET`) and `--budget-wait SECS`: against a simulator that
//! enforces a per-minute recipient quota, the CLI's budget keeps every 60 s window of the
//! simulator's records within N. With `--budget-wait 0` a send that does not fit is refused
//! at once (nothing sent), so no test waits for a minute to pass.

mod common;

use std::time::Duration;

use common::{cli, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};

/// Real time, delivery at once, a quota of `per_minute` recipients a minute (143103 over it).
fn server(per_minute: usize) -> MockServer {
    MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .recipients_per_minute(per_minute)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap()
}

fn users_file(name: &str, n: usize) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("dtn-cli-budget-{name}-{}.txt", std::process::id()));
    let text: String = (0..n).map(|i| format!("user{i:04}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// The user count of each `asyncsend_v2` the simulator received, with when it arrived.
fn sends(server: &MockServer) -> Vec<(Duration, usize)> {
    server
        .requests_to(Route::Send)
        .iter()
        .map(|r| {
            let body = r.json().expect("a JSON send body");
            let list = body["userid_list"].as_str().unwrap_or_default();
            (r.at, list.split(',').filter(|u| !u.is_empty()).count())
        })
        .collect()
}

/// The most recipients the simulator received in any 60 s window.
fn busiest_minute(server: &MockServer) -> usize {
    let sends = sends(server);
    sends
        .iter()
        .map(|(start, _)| {
            sends
                .iter()
                .filter(|(at, _)| *at >= *start && *at < *start + Duration::from_secs(60))
                .map(|(_, n)| n)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn the_budget_keeps_every_minute_within_it_and_refuses_what_does_not_fit() {
    let server = server(150);
    let users = users_file("fits", 300);
    let users = users.to_str().unwrap();
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
            "Drill at 3pm",
            "--users-file",
            users,
        ],
    )
    .expect_code(3);
    let error = &r.json()["error"];
    assert_eq!(error["kind"], "over_budget", "{r:?}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("150 a minute") && message.contains("--budget-wait"),
        "{message}"
    );
    // The first chunk of 100 went; the second (100 more) would pass 150 in this minute.
    assert_eq!(
        sends(&server).iter().map(|s| s.1).collect::<Vec<_>>(),
        [100]
    );
    assert!(busiest_minute(&server) <= 150);

    // The same campaign without --budget (DingTalk's 5,000) passes the simulator's quota:
    // its second chunk arrives and is refused with 143103 (which then holds the budget for
    // a minute, so the retry is refused here). The budget above is what prevented that.
    let control = server_control();
    let r = run(
        cli(&control),
        [
            "--json",
            "--budget-wait",
            "0",
            "send",
            "--text",
            "Drill at 3pm",
            "--users-file",
            users,
        ],
    )
    .expect_code(3);
    assert_eq!(r.json()["error"]["kind"], "over_budget", "{r:?}");
    assert!(busiest_minute(&control) > 150, "{:?}", sends(&control));
}

/// A simulator with the same 150-a-minute quota, for the run without --budget.
fn server_control() -> MockServer {
    server(150)
}

#[test]
fn chunks_are_no_larger_than_the_budget_and_it_comes_from_the_environment() {
    let server = server(5_000);
    let users = users_file("small", 60);
    let mut cmd = cli(&server);
    cmd.env("DINGTALK_BUDGET", "25")
        .env("DINGTALK_BUDGET_WAIT", "0");
    let r = run(
        cmd,
        [
            "send",
            "--text",
            "x",
            "--users-file",
            users.to_str().unwrap(),
        ],
    )
    .expect_code(3);
    assert!(r.stderr.contains("25 a minute"), "{r:?}");
    assert_eq!(sends(&server).iter().map(|s| s.1).collect::<Vec<_>>(), [25]);

    // A single send of more users than the whole budget can never fit: bad input.
    let r = run(
        cli(&server),
        ["--budget", "2", "send", "--text", "x", "--user", "a,b,c"],
    )
    .expect_code(2);
    assert!(r.stderr.contains("budget"), "{r:?}");
    // One that fits goes (a wait under --budget-wait is no refusal).
    run(
        cli(&server),
        [
            "--budget",
            "3",
            "--budget-wait",
            "30",
            "send",
            "--text",
            "x",
            "--user",
            "a,b,c",
        ],
    )
    .expect_code(0);
    assert_eq!(sends(&server).len(), 2);
}

#[test]
fn zero_or_absurd_budgets_are_refused_before_anything_is_sent() {
    let server = server(5_000);
    for bad in ["0", "5001", "-1", "1e3", "many", "", "4294967296"] {
        let r = run(
            cli(&server),
            [
                "--json",
                &format!("--budget={bad}"),
                "send",
                "--text",
                "x",
                "--user",
                "a",
            ],
        )
        .expect_code(2);
        let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains("1 to 5000"), "{bad}: {message}");
    }
    let mut env = cli(&server);
    env.env("DINGTALK_BUDGET", "0");
    let r = run(env, ["send", "--text", "x", "--user", "a"]).expect_code(2);
    assert!(r.stderr.contains("1 to 5000"), "{r:?}");
    for bad in ["-1", "NaN", "soon", "86401"] {
        let r = run(
            cli(&server),
            [
                &format!("--budget-wait={bad}"),
                "send",
                "--text",
                "x",
                "--user",
                "a",
            ],
        )
        .expect_code(2);
        assert!(r.stderr.contains("budget-wait"), "{bad}: {r:?}");
    }
    assert!(server.requests_to(Route::Send).is_empty());
    assert!(server.requests_to(Route::GetToken).is_empty());
}
