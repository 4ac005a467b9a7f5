//! Shared helpers: a simulator per test, the CLI binary with a clean environment, and
//! parsed outputs.
#![allow(dead_code)] // each test binary uses a different subset

use std::process::Output;

use assert_cmd::Command;
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer};

/// Every variable the CLI reads (its own, and the proxy ones); removed so the developer's
/// own settings cannot leak in.
pub const ENV: [&str; 29] = [
    "DINGTALK_BASE_URL",
    "DINGTALK_CA_CERT",
    "DINGTALK_CA_CERT_ONLY",
    "DINGTALK_SYSTEM_ROOTS",
    "DINGTALK_REDIS_URL",
    "DINGTALK_REDIS_CA_CERT",
    "DINGTALK_REDIS_ACCEPT_VOLATILE",
    "DINGTALK_BUDGET",
    "DINGTALK_BUDGET_WAIT",
    "DINGTALK_LEDGER",
    "DINGTALK_APP_KEY",
    "DINGTALK_APP_SECRET",
    "DINGTALK_ACCESS_TOKEN",
    "DINGTALK_SUITE_KEY",
    "DINGTALK_SUITE_SECRET",
    "DINGTALK_SUITE_TICKET",
    "DINGTALK_CORP_ID",
    "DINGTALK_AGENT_ID",
    "DINGTALK_TIMEOUT",
    "DINGTALK_PROXY",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// A simulator whose clock moves only when advanced.
pub fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

/// The binary, with none of the `DINGTALK_*` variables set.
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("dingtalk-notify").unwrap();
    for var in ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// The binary pointed at `server` with the demo app's credentials as flags.
pub fn cli(server: &MockServer) -> Command {
    cli_at(&server.base_url(), "5")
}

/// The CLI with the demo app's credentials, pointed at `base_url` with `--timeout timeout`.
pub fn cli_at(base_url: &str, timeout: &str) -> Command {
    let mut cmd = bare();
    cmd.args([
        "--base-url",
        base_url,
        "--app-key",
        DEMO_APP_KEY,
        "--app-secret",
        DEMO_APP_SECRET,
        "--agent-id",
        &DEMO_AGENT_ID.to_string(),
        "--timeout",
        timeout,
    ]);
    cmd
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Stdout, as text.
    pub stdout: String,
    /// Stderr, as text.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as exactly one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }

    /// Both streams, for "never appears" checks.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts the exit code, showing the run on failure.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "{self:#?}");
        self
    }
}

/// Runs `cmd` with `args` and collects its output.
pub fn run<I, S>(mut cmd: Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.args(args).output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// Sends a text to `users` through the CLI and returns the task id it printed.
pub fn send_text(server: &MockServer, users: &[&str]) -> u64 {
    let mut args = vec!["send", "--text", "hello"];
    for u in users {
        args.extend(["--user", u]);
    }
    let r = run(cli(server), args).expect_code(0);
    r.stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("stdout is not a task id: {r:?}"))
}

/// Asserts that a JSON value is an unsigned integer and returns it.
#[track_caller]
pub fn int(v: &serde_json::Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{v} is not a JSON integer"))
}

/// A scratch folder for one test, removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// An empty folder named after the test and this process.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dtn-cli-{name}-{}", std::process::id()));
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
