//! Third-party (ISV) apps: `--suite-key`, `--suite-secret`, `--suite-ticket`, `--corp-id`
//! (and their `DINGTALK_*` variables) fetch a corp token through a signed `get_corp_token`;
//! incomplete or mixed credential sets are refused before anything is sent.

mod common;

use common::{bare, run};
use dingtalk_notify_mock::{IsvSuite, MockServer, Route};

const SUITE_KEY: &str = "suiteclitest0001";
const SUITE_SECRET: &str = "SU1TE-secret-cli-6b2f";
const SUITE_TICKET: &str = "T1CKET-cli-93aa";
const CORP: &str = "dingclicorp0042";
const AGENT: u64 = 777_001;

fn server() -> MockServer {
    MockServer::builder()
        .frozen_clock()
        .suite(IsvSuite::new(SUITE_KEY, SUITE_SECRET, SUITE_TICKET).corp(CORP, AGENT))
        .start()
        .unwrap()
}

fn isv_flags(server: &MockServer) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        &server.base_url(),
        "--suite-key",
        SUITE_KEY,
        "--suite-secret",
        SUITE_SECRET,
        "--suite-ticket",
        SUITE_TICKET,
        "--corp-id",
        CORP,
        "--agent-id",
        &AGENT.to_string(),
        "--timeout",
        "5",
    ]);
    cmd
}

#[track_caller]
fn assert_signed_corp_token_fetch(server: &MockServer) {
    let fetches = server.requests_to(Route::GetCorpToken);
    assert_eq!(fetches.len(), 1, "{fetches:#?}");
    let fetch = &fetches[0];
    assert_eq!(fetch.query_value("accessKey"), Some(SUITE_KEY));
    assert_eq!(fetch.query_value("suiteTicket"), Some(SUITE_TICKET));
    assert!(fetch.query_value("timestamp").is_some(), "{fetch:#?}");
    assert!(
        fetch
            .query_value("signature")
            .is_some_and(|s| !s.is_empty()),
        "{fetch:#?}"
    );
    assert!(
        String::from_utf8_lossy(&fetch.body).contains(CORP),
        "{fetch:#?}"
    );
    assert!(server.requests_to(Route::GetToken).is_empty());
}

#[test]
fn a_send_with_isv_flags_fetches_a_signed_corp_token() {
    let server = server();
    let sent = run(
        isv_flags(&server),
        ["send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(0);
    assert!(sent.stdout.trim().parse::<u64>().is_ok(), "{sent:?}");
    assert_signed_corp_token_fetch(&server);
    assert_eq!(server.requests_to(Route::Send).len(), 1);
}

#[test]
fn a_send_with_isv_variables_fetches_a_signed_corp_token() {
    let server = server();
    let mut cmd = bare();
    cmd.env("DINGTALK_BASE_URL", server.base_url())
        .env("DINGTALK_SUITE_KEY", SUITE_KEY)
        .env("DINGTALK_SUITE_SECRET", SUITE_SECRET)
        .env("DINGTALK_SUITE_TICKET", SUITE_TICKET)
        .env("DINGTALK_CORP_ID", CORP)
        .env("DINGTALK_AGENT_ID", AGENT.to_string());
    run(cmd, ["--json", "send", "--user", "alice", "--text", "hi"]).expect_code(0);
    assert_signed_corp_token_fetch(&server);
}

#[test]
fn a_wrong_ticket_is_refused_by_dingtalk() {
    let server = server();
    let r = run(
        isv_flags(&server),
        [
            "--suite-ticket",
            "WR0NG-ticket-00",
            "send",
            "--user",
            "alice",
            "--text",
            "hi",
        ],
    )
    .expect_code(1);
    assert!(server.requests_to(Route::Send).is_empty(), "{r:?}");
}

#[test]
fn incomplete_or_mixed_credentials_are_usage_errors_naming_what_is_missing() {
    let server = server();
    let base = server.base_url();
    let common = ["--base-url", base.as_str(), "--agent-id", "1"];
    let send = ["send", "--user", "alice", "--text", "hi"];
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["--suite-key", SUITE_KEY, "--suite-ticket", SUITE_TICKET],
            &["--suite-secret", "--corp-id"],
        ),
        (
            &[
                "--app-key",
                "k",
                "--app-secret",
                "APP-secret-cli-0c1d",
                "--suite-key",
                SUITE_KEY,
            ],
            &["conflicting", "--app-key", "--app-secret", "--suite-key"],
        ),
        (
            &["--corp-id", CORP],
            &["--suite-key", "--suite-secret", "--suite-ticket"],
        ),
    ];
    for (creds, named) in cases {
        let mut cmd = bare();
        cmd.args(common).args(creds);
        let r = run(cmd, send).expect_code(2);
        for name in named {
            assert!(r.stderr.contains(name), "{name} not named: {r:?}");
        }
    }
    assert!(server.requests().is_empty(), "nothing may be sent");
}
