//! No app secret, access token, suite secret or suite ticket ever appears in any output: answers, errors, `--json`
//! documents, `--help` with the variables set.

mod common;

use std::net::TcpListener;

use common::{Run, bare, run};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, TokenSource};
use dingtalk_notify_mock::{AppCredentials, Calls, Fault, IsvSuite, MockServer, Route};

const KEY: &str = "dingsecrettestkey";
const SECRET: &str = "S3CRET-app-secret-4f1d9c";
const WRONG_SECRET: &str = "WR0NG-app-secret-88a1";
const BOGUS_TOKEN: &str = "B0GUS-access-token-77e3";
const AGENT: &str = "4242";
const SUITE_KEY: &str = "suitesecrettest01";
const SUITE_SECRET: &str = "SU1TE-secret-7c3e0a";
const SUITE_TICKET: &str = "T1CKET-suite-5d9b";
const WRONG_TICKET: &str = "WR0NG-ticket-1f6c";
const CORP: &str = "dingsecretcorp01";

fn server() -> MockServer {
    MockServer::builder()
        .frozen_clock()
        .app(AppCredentials::new(KEY, SECRET, 4242u64))
        .suite(IsvSuite::new(SUITE_KEY, SUITE_SECRET, SUITE_TICKET).corp(CORP, 4242u64))
        .start()
        .unwrap()
}

fn with_secret(server: &MockServer, secret: &str) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        &server.base_url(),
        "--app-key",
        KEY,
        "--agent-id",
        AGENT,
        "--timeout",
        "1",
    ])
    .args(["--app-secret", secret]);
    cmd
}

fn with_token(server: &MockServer, token: &str) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.env("DINGTALK_BASE_URL", server.base_url())
        .env("DINGTALK_ACCESS_TOKEN", token)
        .env("DINGTALK_AGENT_ID", AGENT)
        .env("DINGTALK_TIMEOUT", "1");
    cmd
}

/// A valid token for the test app, fetched the way any client would.
fn real_token(server: &MockServer) -> String {
    Client::builder(TokenSource::app(KEY, SECRET))
        .base_url(BaseUrl::new(&server.base_url()).unwrap())
        .build(UreqTransport::default())
        .access_token()
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[track_caller]
fn clean(run: &Run, secrets: &[&str]) {
    let all = run.all();
    for secret in secrets {
        assert!(!all.contains(secret), "{secret} leaked: {run:#?}");
    }
}

#[test]
fn app_secrets_never_appear() {
    let server = server();
    let secrets = [SECRET, WRONG_SECRET];
    for json in [false, true] {
        let flag = if json { "--json" } else { "--timeout=1" };
        // Success.
        let sent = run(
            with_secret(&server, SECRET),
            [flag, "send", "--user", "alice", "--text", "hi"],
        )
        .expect_code(0);
        clean(&sent, &secrets);
        // DingTalk refuses the secret.
        let r = run(
            with_secret(&server, WRONG_SECRET),
            [flag, "progress", "--task-id", "5"],
        )
        .expect_code(1);
        clean(&r, &secrets);
        // Refused locally, with the secret given.
        let r = run(
            with_secret(&server, SECRET),
            [flag, "send", "--text", "nobody"],
        )
        .expect_code(2);
        clean(&r, &secrets);
        // A gateway page.
        server.inject(Route::GetToken, Calls::First(1), Fault::Http502Html);
        let r = run(
            with_secret(&server, WRONG_SECRET),
            [flag, "result", "--task-id", "5"],
        );
        server.clear_faults();
        assert!(matches!(r.code, Some(1 | 4)), "{r:?}");
        clean(&r, &secrets);
    }
    // Nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        &format!("http://127.0.0.1:{port}"),
        "--app-key",
        KEY,
        "--app-secret",
        SECRET,
    ])
    .args([
        "--agent-id",
        AGENT,
        "--timeout",
        "0.3",
        "--json",
        "recall",
        "--task-id",
        "5",
    ]);
    let r = run(cmd, Vec::<&str>::new()).expect_code(3);
    clean(&r, &secrets);
}

#[test]
fn access_tokens_never_appear() {
    let server = server();
    let token = real_token(&server);
    let secrets = [token.as_str(), BOGUS_TOKEN, SECRET];
    let sent = run(
        with_token(&server, &token),
        ["send", "--user", "alice", "--text", "hi"],
    )
    .expect_code(0);
    clean(&sent, &secrets);
    let task_id = sent.stdout.trim().to_owned();
    for args in [
        vec!["progress", "--task-id", &task_id],
        vec!["--json", "result", "--task-id", &task_id],
        vec![
            "status-bar",
            "--task-id",
            &task_id,
            "--value",
            "Done",
            "--bg",
            "#00FF00",
        ],
        vec!["--json", "recall", "--task-id", &task_id],
    ] {
        let r = run(with_token(&server, &token), &args).expect_code(0);
        clean(&r, &secrets);
    }
    // DingTalk refuses the token (as flag and as variable).
    for json in ["--json", "--timeout=1"] {
        let r = run(
            with_token(&server, BOGUS_TOKEN),
            [json, "progress", "--task-id", &task_id],
        )
        .expect_code(1);
        clean(&r, &secrets);
        let r = run(
            with_token(&server, "x"),
            [
                json,
                "--access-token",
                BOGUS_TOKEN,
                "progress",
                "--task-id",
                &task_id,
            ],
        )
        .expect_code(1);
        assert!(r.all().contains("40014"), "{r:?}");
        clean(&r, &secrets);
    }
    // An unusable answer to a call carrying the token.
    server.inject(Route::SendProgress, Calls::All, Fault::TruncatedJson);
    let r = run(
        with_token(&server, &token),
        ["progress", "--task-id", &task_id],
    )
    .expect_code(4);
    clean(&r, &secrets);
}

#[test]
fn usage_errors_do_not_echo_secrets() {
    // A secret starting with '-' is taken as the value, never quoted in a "tip".
    for args in [
        vec!["--app-secret", "--S3CRET-dash", "progress"],
        vec![
            "--access-token",
            "--S3CRET-dash",
            "progress",
            "--task-id",
            "x",
        ],
        vec!["--app-secret", "--S3CRET-dash", "--json", "nope"],
        vec!["--suite-secret", "--S3CRET-dash", "progress"],
        vec!["--suite-ticket", "--S3CRET-dash", "--json", "nope"],
        vec!["--suite-secret=--S3CRET-dash", "completions", "nope"],
    ] {
        let r = run(bare(), &args).expect_code(2);
        clean(&r, &["S3CRET-dash"]);
    }
    // Refused locally (incomplete set), the secrets given as flags and as variables.
    let mut cmd = bare();
    cmd.env("DINGTALK_SUITE_TICKET", SUITE_TICKET);
    let r = run(
        cmd,
        [
            "--suite-secret",
            SUITE_SECRET,
            "--agent-id",
            AGENT,
            "send",
            "--user",
            "u",
            "--text",
            "x",
        ],
    )
    .expect_code(2);
    assert!(r.stderr.contains("--suite-key"), "{r:?}");
    clean(&r, &[SUITE_SECRET, SUITE_TICKET]);
}

#[test]
fn help_hides_secret_variables() {
    for args in [
        vec!["--help"],
        vec!["send", "--help"],
        vec!["watch", "--help"],
        vec!["help", "status-bar"],
    ] {
        let mut cmd = bare();
        cmd.env("DINGTALK_APP_SECRET", SECRET)
            .env("DINGTALK_ACCESS_TOKEN", BOGUS_TOKEN)
            .env("DINGTALK_APP_KEY", KEY)
            .env("DINGTALK_SUITE_SECRET", SUITE_SECRET)
            .env("DINGTALK_SUITE_TICKET", SUITE_TICKET);
        let r = run(cmd, &args).expect_code(0);
        assert!(r.stdout.contains("DINGTALK_APP_SECRET"), "{r:?}");
        assert!(r.stdout.contains("DINGTALK_SUITE_TICKET"), "{r:?}");
        clean(&r, &[SECRET, BOGUS_TOKEN, SUITE_SECRET, SUITE_TICKET]);
    }
}

fn with_suite(server: &MockServer, ticket: &str) -> assert_cmd::Command {
    let mut cmd = bare();
    cmd.env("DINGTALK_SUITE_SECRET", SUITE_SECRET).args([
        "--base-url",
        &server.base_url(),
        "--suite-key",
        SUITE_KEY,
        "--suite-ticket",
        ticket,
        "--corp-id",
        CORP,
        "--agent-id",
        AGENT,
        "--timeout",
        "1",
    ]);
    cmd
}

#[test]
fn suite_secrets_never_appear() {
    let server = server();
    let secrets = [SUITE_SECRET, SUITE_TICKET, WRONG_TICKET];
    for flag in ["--json", "--timeout=1"] {
        // Success.
        let sent = run(
            with_suite(&server, SUITE_TICKET),
            [flag, "send", "--user", "alice", "--text", "hi"],
        )
        .expect_code(0);
        clean(&sent, &secrets);
        // DingTalk refuses the ticket.
        let r = run(
            with_suite(&server, WRONG_TICKET),
            [flag, "progress", "--task-id", "5"],
        )
        .expect_code(1);
        clean(&r, &secrets);
        // A gateway page in answer to the corp token fetch.
        server.inject(Route::GetCorpToken, Calls::First(1), Fault::Http502Html);
        let r = run(
            with_suite(&server, SUITE_TICKET),
            [flag, "result", "--task-id", "5"],
        );
        server.clear_faults();
        assert!(matches!(r.code, Some(1 | 4)), "{r:?}");
        clean(&r, &secrets);
    }
}
