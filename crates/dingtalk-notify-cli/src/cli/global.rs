//! The global options every command takes, each also read from a `DINGTALK_*` variable,
//! and the parsers of their values.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use dingtalk_notify::kit::DEFAULT_BASE_URL;

/// Options every command takes; each can also come from a `DINGTALK_*` variable. Given
/// twice, the last one wins (so a wrapper script's defaults can be overridden). `Debug`
/// hides the secrets (and the proxy, which may carry a password).
#[derive(Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The API host (a gateway prefix is kept); plain http:// only to loopback.
    #[arg(
        overrides_with = "base_url",
        long,
        global = true,
        env = "DINGTALK_BASE_URL",
        // `--help` would show the variable's value, and a URL may hold a password.
        hide_env_values = true,
        default_value = DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub base_url: String,

    /// The internal app's AppKey (used with --app-secret to fetch an access token).
    #[arg(
        overrides_with = "app_key",
        long,
        global = true,
        env = "DINGTALK_APP_KEY",
        value_name = "KEY"
    )]
    pub app_key: Option<String>,

    /// The internal app's AppSecret. Never printed. One that starts with `-` goes as
    /// `--app-secret=-…` (or in the variable).
    #[arg(
        overrides_with = "app_secret",
        long,
        global = true,
        env = "DINGTALK_APP_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub app_secret: Option<String>,

    /// A ready access token: no token is fetched (takes precedence over key and secret).
    /// Never printed.
    #[arg(
        overrides_with = "access_token",
        long,
        global = true,
        env = "DINGTALK_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub access_token: Option<String>,

    /// A third-party (ISV) app's suite key (with --suite-secret, --suite-ticket and
    /// --corp-id, instead of --app-key and --app-secret).
    #[arg(
        overrides_with = "suite_key",
        long,
        global = true,
        env = "DINGTALK_SUITE_KEY",
        value_name = "KEY"
    )]
    pub suite_key: Option<String>,

    /// The ISV suite's secret. Never printed.
    #[arg(
        overrides_with = "suite_secret",
        long,
        global = true,
        env = "DINGTALK_SUITE_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub suite_secret: Option<String>,

    /// The current suite ticket DingTalk pushed to the suite's callback. Never printed.
    #[arg(
        overrides_with = "suite_ticket",
        long,
        global = true,
        env = "DINGTALK_SUITE_TICKET",
        hide_env_values = true,
        value_name = "TICKET"
    )]
    pub suite_ticket: Option<String>,

    /// The corp id of the organization that authorized the ISV suite (`auth_corpid`).
    #[arg(
        overrides_with = "corp_id",
        long,
        global = true,
        env = "DINGTALK_CORP_ID",
        value_name = "ID"
    )]
    pub corp_id: Option<String>,

    /// The sending app's agent id.
    #[arg(
        overrides_with = "agent_id",
        long,
        global = true,
        env = "DINGTALK_AGENT_ID",
        value_name = "ID"
    )]
    pub agent_id: Option<u64>,

    /// The overall time limit of each call, retries included, in seconds (fractions allowed).
    #[arg(
        overrides_with = "timeout",
        long,
        global = true,
        env = "DINGTALK_TIMEOUT",
        default_value = "10",
        value_name = "SECS",
        value_parser = parse_secs
    )]
    pub timeout: Duration,

    /// An HTTP proxy for https targets (http:// or https://, user:password@ allowed; never
    /// used for loopback). Unset, HTTPS_PROXY or ALL_PROXY apply (never HTTP_PROXY), minus
    /// NO_PROXY. SOCKS proxies are refused.
    #[arg(
        overrides_with = "proxy",
        long,
        global = true,
        env = "DINGTALK_PROXY",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub proxy: Option<String>,

    /// Also trust the CA certificates in this PEM file (a TLS-inspecting proxy's, your
    /// gateway's), besides the bundled Mozilla roots. Verification is always on.
    #[arg(
        overrides_with = "ca_cert",
        long,
        global = true,
        env = "DINGTALK_CA_CERT",
        value_name = "PEM",
        conflicts_with = "system_roots"
    )]
    pub ca_cert: Option<PathBuf>,

    /// Trust only the --ca-cert CAs, not the bundled Mozilla roots (pinning: stricter, a
    /// server under a public CA only is then refused).
    #[arg(
        long,
        global = true,
        env = "DINGTALK_CA_CERT_ONLY",
        requires = "ca_cert"
    )]
    pub ca_cert_only: bool,

    /// Verify against the operating system's trust store instead of the bundled Mozilla
    /// roots.
    #[arg(long, global = true, env = "DINGTALK_SYSTEM_ROOTS")]
    pub system_roots: bool,

    /// A fleet's Redis (`redis://[user:password@]host[:port][/db]`, or `rediss://` for
    /// TLS): the app's access token, its recipients-per-minute budget (--budget) and the
    /// campaign ledger are shared through it, so `campaign ...` works from any machine.
    /// Needs the app's key and secret (not --access-token). The password is never printed.
    /// Only in a build with the `redis` feature (Rust 1.88); refused otherwise.
    #[arg(
        overrides_with = "redis",
        long,
        global = true,
        env = "DINGTALK_REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis: Option<String>,

    /// Also trust the CA certificates in this PEM file for a `rediss://` --redis (a
    /// private CA's), besides the system's roots. The Redis server's certificate is
    /// always verified.
    #[arg(
        overrides_with = "redis_ca_cert",
        long,
        global = true,
        env = "DINGTALK_REDIS_CA_CERT",
        value_name = "PEM"
    )]
    pub redis_ca_cert: Option<PathBuf>,

    /// Keep campaigns in a --redis that cannot promise to keep its writes across a restart
    /// (one without `appendonly yes` and `appendfsync always`, or Redis 7.2+ with
    /// `appendonly yes`), which is otherwise refused before anything is sent. After such a
    /// Redis restarts, a campaign's chunks not proven sent are ambiguous, never resent on
    /// their own.
    #[arg(long, global = true, env = "DINGTALK_REDIS_ACCEPT_VOLATILE")]
    pub redis_accept_volatile: bool,

    /// The app's recipients per minute, 1 to 5,000 (DingTalk's per-app quota, the
    /// default): sends and campaign chunks wait until they fit. With --redis it is the
    /// whole fleet's; lower it when the organization's quota (143104) is smaller or other
    /// senders share the app.
    #[arg(
        overrides_with = "budget",
        long,
        global = true,
        env = "DINGTALK_BUDGET",
        default_value = "5000",
        value_name = "N",
        value_parser = parse_budget
    )]
    pub budget: u32,

    /// The longest a send waits for --budget, in seconds (0: not at all). Over it, the
    /// send is refused (exit 3, kind `over_budget`) and nothing more is sent; a campaign
    /// kept in a ledger is resumed later with `campaign resume`. Default: as long as
    /// needed (at most a minute per chunk).
    #[arg(
        overrides_with = "budget_wait",
        long,
        global = true,
        env = "DINGTALK_BUDGET_WAIT",
        value_name = "SECS",
        value_parser = parse_wait
    )]
    pub budget_wait: Option<Duration>,

    /// Print exactly one JSON document on stdout (the answer, or the error).
    #[arg(long, global = true)]
    pub json: bool,
}

impl std::fmt::Debug for GlobalArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("GlobalArgs")
            // A valid base URL holds no credentials; an invalid one may, so it is hidden.
            .field(
                "base_url",
                &dingtalk_notify::BaseUrl::new(&self.base_url)
                    .map_or_else(|_| "<invalid>".to_owned(), |url| url.to_string()),
            )
            .field("app_key", &self.app_key)
            .field("app_secret", &hidden(&self.app_secret))
            .field("access_token", &hidden(&self.access_token))
            .field("suite_key", &self.suite_key)
            .field("suite_secret", &hidden(&self.suite_secret))
            .field("suite_ticket", &hidden(&self.suite_ticket))
            .field("corp_id", &self.corp_id)
            .field("agent_id", &self.agent_id)
            .field("timeout", &self.timeout)
            .field("proxy", &hidden(&self.proxy))
            .field("ca_cert", &self.ca_cert)
            .field("ca_cert_only", &self.ca_cert_only)
            .field("system_roots", &self.system_roots)
            .field("redis", &hidden(&self.redis))
            .field("redis_ca_cert", &self.redis_ca_cert)
            .field("redis_accept_volatile", &self.redis_accept_volatile)
            .field("budget", &self.budget)
            .field("budget_wait", &self.budget_wait)
            .field("json", &self.json)
            .finish()
    }
}

/// The longest `--timeout` or `--interval` accepted: a day.
pub const MAX_SECS: u64 = 24 * 3600;

/// Parses a positive number of seconds up to [`MAX_SECS`], fractions allowed (`10`, `0.5`).
///
/// # Errors
/// A message naming the accepted form.
pub fn parse_secs(input: &str) -> Result<Duration, String> {
    let secs: f64 = input
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got {input:?}"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("must be more than 0 seconds".to_owned());
    }
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if d <= Duration::from_secs(MAX_SECS) => Ok(d),
        _ => Err(format!("must be at most {MAX_SECS} seconds (a day)")),
    }
}

/// The largest `--budget`: DingTalk's per-app quota, 5,000 recipients a minute.
pub const MAX_BUDGET: u32 = dingtalk_notify::budget::Budget::DINGTALK_APP.recipients;

/// Parses `--budget`: recipients per minute, 1 to [`MAX_BUDGET`].
///
/// # Errors
/// A message naming the accepted range.
pub fn parse_budget(input: &str) -> Result<u32, String> {
    let range = format!("recipients per minute, 1 to {MAX_BUDGET} (DingTalk's per-app quota)");
    match input.trim().parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_BUDGET)).contains(&n) => {
            u32::try_from(n).map_err(|_| format!("expected {range}, got {input:?}"))
        }
        _ => Err(format!("expected {range}, got {input:?}")),
    }
}

/// Parses `--budget-wait`: 0, or seconds as [`parse_secs`] takes them.
///
/// # Errors
/// As [`parse_secs`].
pub fn parse_wait(input: &str) -> Result<Duration, String> {
    match input.trim().parse::<f64>() {
        Ok(0.0) => Ok(Duration::ZERO),
        _ => parse_secs(input),
    }
}
