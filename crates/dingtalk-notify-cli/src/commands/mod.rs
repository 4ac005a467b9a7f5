//! The commands, one module each, and what they share: building the client from the global
//! options.

pub mod audience;
pub mod campaign;
pub mod completions;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "demo")]
mod demo_people;
mod dry_run;
pub mod fleet;
pub mod media;
#[cfg(feature = "demo")]
pub mod mock_server;
pub mod progress;
pub mod recall;
pub mod result;
pub mod send;
pub mod status_bar;
pub mod unresolved;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use dingtalk_notify::budget::{Budget, InProcessBudget, RecipientBudget};
use dingtalk_notify::kit::transport::{
    CaCertificates, EnvProxies, ProxyPolicy, ProxySetting, ProxyUrl, RootCertificates,
};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{AgentId, BaseUrl, Client, RetryPolicy, TaskHandle, TokenSource};

use crate::budget::WaitLimit;
use crate::cli::{Cli, Command, GlobalArgs, TaskArgs};
use crate::exit::Failure;
use crate::output::Output;
use crate::secrets::Witness;

/// The transport every command uses: ureq, with every credential it sends remembered for
/// redaction.
pub type CliTransport = Witness<UreqTransport>;

/// The client every command uses, over [`CliTransport`].
pub type CliClient = Client<CliTransport>;

/// Runs the command `cli` names.
///
/// # Errors
/// The command's [`Failure`], to be reported and turned into the exit code.
pub fn run(cli: &Cli, out: Output) -> Result<(), Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Send(args) if audience::wanted(args) => audience::campaign(global, args, out),
        Command::Send(args) => send::run(global, args, out),
        Command::Progress(args) => progress::run(global, args, out),
        Command::Result(args) => result::run(global, args, out),
        Command::Recall(args) => recall::run(global, args, out),
        Command::StatusBar(args) => status_bar::run(global, args, out),
        Command::Watch(args) => watch::run(global, args, out),
        Command::Campaign(command) => campaign::run(global, command, out),
        Command::Media(command) => media::run(global, command, out),
        Command::Completions(args) => completions::run(args),
        #[cfg(feature = "demo")]
        Command::Demo => demo::run(global, out),
        #[cfg(feature = "demo")]
        Command::MockServer(args) => mock_server::run(args, out),
    }
}

/// The secrets the options carry, for redaction.
pub fn secrets(global: &GlobalArgs) -> impl Iterator<Item = &str> {
    [
        global.app_secret.as_deref(),
        global.access_token.as_deref(),
        global.suite_secret.as_deref(),
        global.suite_ticket.as_deref(),
        global.proxy.as_deref(),
        global.redis.as_deref().and_then(fleet::url_password),
    ]
    .into_iter()
    .flatten()
}

/// A ureq transport whose overall timeout is `timeout` (and whose connect timeout is at most
/// that), through `proxy`.
pub fn transport(timeout: Duration, proxy: ProxySetting, roots: RootCertificates) -> CliTransport {
    Witness(
        UreqTransport::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(dingtalk_notify::ureq::DEFAULT_CONNECT_TIMEOUT))
            .proxy(proxy)
            .root_certificates(roots)
            .build(),
    )
}

/// The largest `--ca-cert` file read.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// `--ca-cert` (its CAs besides the bundled roots; with `--ca-cert-only`, instead of them),
/// `--system-roots` (the platform store), or the bundled roots.
///
/// # Errors
/// Exit 2 for an unreadable file or one without a usable PEM certificate.
pub fn roots(global: &GlobalArgs) -> Result<RootCertificates, Failure> {
    use std::io::Read as _;
    if global.system_roots {
        return Ok(RootCertificates::Platform);
    }
    let Some(path) = &global.ca_cert else {
        return Ok(RootCertificates::Bundled);
    };
    let shown = path.display();
    let mut pem = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_FILE).read_to_string(&mut pem))
        .map_err(|e| Failure::invalid_input(format!("cannot read --ca-cert {shown}: {e}")))?;
    let ca = CaCertificates::from_pem(&pem)
        .map_err(|e| Failure::invalid_input(format!("invalid --ca-cert {shown}: {e}")))?;
    Ok(if global.ca_cert_only {
        RootCertificates::Only(ca)
    } else {
        RootCertificates::BundledAnd(ca)
    })
}

/// `--proxy` (or `DINGTALK_PROXY`), else the environment's proxy, checked against the base
/// URL now so that an unusable proxy is refused before anything is sent.
///
/// # Errors
/// Exit 2 for a proxy that cannot be used (SOCKS, unparsable).
pub fn proxy(global: &GlobalArgs, base: &BaseUrl) -> Result<ProxySetting, Failure> {
    let setting = match given(global.proxy.as_ref()) {
        Some(url) => ProxySetting::Via(
            ProxyUrl::parse(url)
                .map_err(|e| Failure::invalid_input(format!("invalid --proxy: {e}")))?,
        ),
        None => ProxySetting::FromEnv,
    };
    let env = EnvProxies::from_lookup(|name| std::env::var(name).ok());
    let target: dingtalk_notify::http::Uri = base
        .as_str()
        .parse()
        .map_err(|_| Failure::invalid_input("invalid --base-url"))?;
    ProxyPolicy::new(&setting, env)
        .proxy_for(&target)
        .map_err(|e| {
            Failure::invalid_input(format!(
                "the proxy in HTTPS_PROXY or ALL_PROXY cannot be used: {e} (or unset it, or \
                 give --proxy)"
            ))
        })?;
    Ok(setting)
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

/// Where the token comes from: `--access-token`; else `--app-key` and `--app-secret` (an
/// internal app); else `--suite-key`, `--suite-secret`, `--suite-ticket` and `--corp-id` (a
/// third-party app).
///
/// # Errors
/// Exit 2 when no set is complete, or when options of both apps' sets are given.
pub fn token_source(global: &GlobalArgs) -> Result<TokenSource, Failure> {
    if let Some(token) = given(global.access_token.as_ref()) {
        return Ok(TokenSource::static_token(token));
    }
    let app = [
        ("--app-key", given(global.app_key.as_ref())),
        ("--app-secret", given(global.app_secret.as_ref())),
    ];
    let suite = [
        ("--suite-key", given(global.suite_key.as_ref())),
        ("--suite-secret", given(global.suite_secret.as_ref())),
        ("--suite-ticket", given(global.suite_ticket.as_ref())),
        ("--corp-id", given(global.corp_id.as_ref())),
    ];
    let named = |set: &[(&'static str, Option<&str>)], present: bool| -> Vec<&'static str> {
        set.iter()
            .filter(|(_, v)| v.is_some() == present)
            .map(|(flag, _)| *flag)
            .collect()
    };
    let app_given = named(&app, true);
    let suite_given = named(&suite, true);
    if !app_given.is_empty() && !suite_given.is_empty() {
        return Err(Failure::invalid_input(format!(
            "conflicting credentials: {} (an internal app's) and {} (a third-party (ISV) \
             app's) were both given; give one app's set only",
            app_given.join(", "),
            suite_given.join(", ")
        )));
    }
    if let [
        (_, Some(key)),
        (_, Some(secret)),
        (_, Some(ticket)),
        (_, Some(corp)),
    ] = suite
    {
        return Ok(TokenSource::isv(key, secret, ticket, corp));
    }
    if !suite_given.is_empty() {
        return Err(Failure::invalid_input(format!(
            "incomplete third-party (ISV) credentials: give {} too (or DINGTALK_SUITE_KEY, \
             DINGTALK_SUITE_SECRET, DINGTALK_SUITE_TICKET, DINGTALK_CORP_ID)",
            named(&suite, false).join(", ")
        )));
    }
    if let [(_, Some(key)), (_, Some(secret))] = app {
        return Ok(TokenSource::app(key, secret));
    }
    Err(Failure::invalid_input(format!(
        "missing credentials: give {} (or DINGTALK_APP_KEY and DINGTALK_APP_SECRET), an \
         access token with --access-token (DINGTALK_ACCESS_TOKEN), or a third-party app's \
         --suite-key, --suite-secret, --suite-ticket and --corp-id",
        named(&app, false).join(" and ")
    )))
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
/// Exit 2 for missing credentials or an invalid base URL; as [`fleet::open`].
pub fn client(global: &GlobalArgs) -> Result<CliClient, Failure> {
    client_and_fleet(global).map(|(client, _)| client)
}

/// The client for the global options, and with `--redis` the fleet's Redis it shares the
/// token and the budget through (for the campaign ledger, too). Every send waits for
/// `--budget` (this process's, or the fleet's), at most `--budget-wait`. Nothing is sent
/// yet.
///
/// # Errors
/// As [`client`].
pub fn client_and_fleet(global: &GlobalArgs) -> Result<(CliClient, Option<fleet::Fleet>), Failure> {
    let source = token_source(global)?;
    let base = base_url(global)?;
    let proxy = proxy(global, &base)?;
    let roots = roots(global)?;
    let fleet = fleet::open(global, &source)?;
    let (builder, budget) = match &fleet {
        Some(fleet) => (
            fleet.client_builder(
                &base,
                transport(global.timeout, proxy.clone(), roots.clone()),
                global,
            )?,
            fleet.budget(global)?,
        ),
        None => {
            let quota = Budget::per_minute(global.budget);
            let budget: Arc<dyn RecipientBudget> = Arc::new(InProcessBudget::new(quota));
            (Client::builder(source), budget)
        }
    };
    let budget = WaitLimit::new(budget, global.budget, global.budget_wait);
    let client = builder
        .recipient_budget(Arc::new(budget))
        .base_url(base)
        .retry(retry(global.timeout))
        .build(transport(global.timeout, proxy, roots));
    Ok((client, fleet))
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::Cli;

    #[test]
    fn ca_cert_adds_to_the_bundled_roots_unless_pinned() {
        let path =
            std::env::temp_dir().join(format!("dingtalk-notify-roots-{}.pem", std::process::id()));
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let pem = path.to_str().unwrap();
        let roots_for = |args: &[&str]| {
            let argv = ["dingtalk-notify"]
                .iter()
                .chain(args)
                .chain(&["progress", "--task-id=1"]);
            roots(&Cli::try_parse_from(argv).unwrap().global).unwrap()
        };
        let ca = CaCertificates::from_pem(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            roots_for(&["--ca-cert", pem]),
            RootCertificates::BundledAnd(ca.clone())
        );
        assert_eq!(
            roots_for(&["--ca-cert", pem, "--ca-cert-only"]),
            RootCertificates::Only(ca)
        );
        assert_eq!(roots_for(&[]), RootCertificates::Bundled);
        assert!(
            Cli::try_parse_from([
                "dingtalk-notify",
                "--ca-cert-only",
                "progress",
                "--task-id=1"
            ])
            .is_err()
        );
        let _ = std::fs::remove_file(path);
    }
}
