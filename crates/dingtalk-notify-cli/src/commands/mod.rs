//! The commands, one module each, and what they share: building the client from the global
//! options.

pub mod campaign;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "demo")]
pub mod mock_server;
pub mod progress;
pub mod recall;
pub mod result;
pub mod send;
pub mod status_bar;
pub mod watch;

use std::time::Duration;

use dingtalk_notify::UreqTransport;
use dingtalk_notify::{AgentId, BaseUrl, Client, RetryPolicy, TaskHandle, TokenSource};

use crate::cli::{Cli, Command, GlobalArgs, TaskArgs};
use crate::exit::Failure;
use crate::output::Output;

/// The client every command uses.
pub type CliClient = Client<UreqTransport>;

/// Runs the command `cli` names.
///
/// # Errors
/// The command's [`Failure`], to be reported and turned into the exit code.
pub fn run(cli: &Cli, out: Output) -> Result<(), Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Send(args) => send::run(global, args, out),
        Command::Progress(args) => progress::run(global, args, out),
        Command::Result(args) => result::run(global, args, out),
        Command::Recall(args) => recall::run(global, args, out),
        Command::StatusBar(args) => status_bar::run(global, args, out),
        Command::Watch(args) => watch::run(global, args, out),
        Command::Campaign(command) => campaign::run(global, command, out),
        #[cfg(feature = "demo")]
        Command::Demo => demo::run(global, out),
        #[cfg(feature = "demo")]
        Command::MockServer(args) => mock_server::run(args, out),
    }
}

/// The secrets the options carry, for redaction.
pub fn secrets(global: &GlobalArgs) -> impl Iterator<Item = &str> {
    [global.app_secret.as_deref(), global.access_token.as_deref()]
        .into_iter()
        .flatten()
}

/// A ureq transport whose overall timeout is `timeout` (and whose connect timeout is at most
/// that).
pub fn transport(timeout: Duration) -> UreqTransport {
    UreqTransport::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(dingtalk_notify::ureq::DEFAULT_CONNECT_TIMEOUT))
        .build()
}

/// The default retry policy with `timeout` as each call's overall deadline.
pub fn retry(timeout: Duration) -> RetryPolicy {
    RetryPolicy {
        deadline: timeout,
        ..RetryPolicy::default()
    }
}

/// A non-blank option value.
fn given(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.trim().is_empty())
}

/// Where the token comes from: `--access-token`, else `--app-key` and `--app-secret`.
///
/// # Errors
/// Exit 2 when neither is complete.
pub fn token_source(global: &GlobalArgs) -> Result<TokenSource, Failure> {
    if let Some(token) = given(global.access_token.as_ref()) {
        return Ok(TokenSource::static_token(token));
    }
    match (
        given(global.app_key.as_ref()),
        given(global.app_secret.as_ref()),
    ) {
        (Some(key), Some(secret)) => Ok(TokenSource::app(key, secret)),
        (key, secret) => {
            let missing = match (key, secret) {
                (None, None) => "--app-key and --app-secret",
                (None, Some(_)) => "--app-key",
                _ => "--app-secret",
            };
            Err(Failure::invalid_input(format!(
                "missing credentials: give {missing} (or DINGTALK_APP_KEY and \
                 DINGTALK_APP_SECRET), or an access token with --access-token \
                 (DINGTALK_ACCESS_TOKEN)"
            )))
        }
    }
}

/// The validated `--base-url`.
///
/// # Errors
/// Exit 2 for a URL the core refuses.
pub fn base_url(global: &GlobalArgs) -> Result<BaseUrl, Failure> {
    BaseUrl::new(&global.base_url)
        .map_err(|e| Failure::invalid_input(format!("invalid --base-url: {e}")))
}

/// `--agent-id`, required.
///
/// # Errors
/// Exit 2 when it is missing.
pub fn agent_id(global: &GlobalArgs) -> Result<AgentId, Failure> {
    global.agent_id.map(AgentId).ok_or_else(|| {
        Failure::invalid_input("missing agent id: give --agent-id (or DINGTALK_AGENT_ID)")
    })
}

/// The client for the global options (nothing is sent yet).
///
/// # Errors
/// Exit 2 for missing credentials or an invalid base URL.
pub fn client(global: &GlobalArgs) -> Result<CliClient, Failure> {
    let source = token_source(global)?;
    let base = base_url(global)?;
    Ok(Client::builder(source)
        .base_url(base)
        .retry(retry(global.timeout))
        .build(transport(global.timeout)))
}

/// The agent id, the task and a client, checked in that order.
///
/// # Errors
/// Exit 2 for anything missing or invalid.
pub fn task_client(
    global: &GlobalArgs,
    task: &TaskArgs,
) -> Result<(TaskHandle, CliClient), Failure> {
    let agent_id = agent_id(global)?;
    let client = client(global)?;
    Ok((TaskHandle::new(agent_id, task.task_id), client))
}
