//! The command line: global options (each also read from the environment) and commands.
//!
//! Only parsing happens here; every value a server or a file could make invalid is checked
//! by the commands, so that `--json` can report it as a JSON error.

mod audience;
mod global;
mod media;
mod remind;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use audience::PeopleArgs;
pub use global::{GlobalArgs, MAX_BUDGET, MAX_SECS, parse_budget, parse_secs, parse_wait};
pub use media::{MediaCommand, MediaUploadArgs};
pub use remind::{CampaignRemindArgs, RemindState, ReminderMessageArgs};

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  DingTalk answered with a non-zero errcode (the code, message and request id are printed)
  2  invalid arguments or input, refused before anything was sent
  3  transport failure (connect, timeout, TLS), over --budget past --budget-wait, the
     --redis server down, or the token source failing
  4  unusable response (HTTP error page, throttle page, malformed or oversized body)
  5  a campaign completed with ambiguous chunks (listed; see `campaign resume --help`)
  6  the campaign ledger (--ledger) could not be opened, read or written
  7  another process is sending the campaign (nothing sent; wait, or `resume --wait`)
  130, 143  a campaign stopped on SIGINT, SIGTERM: the call in flight was recorded, the
     document printed; `campaign resume ID` sends the rest (a second signal exits at once)

With --json, stdout holds exactly one JSON document: the answer, with DingTalk's field
names, or {\"error\": {\"kind\", \"errcode\", \"errmsg\", \"sub_code\", \"sub_msg\",
\"request_id\", \"message\", \"exit_code\"}}.

Secrets (--app-secret, --access-token, --suite-secret, --suite-ticket, the password in
--redis) are never printed; prefer the environment variables to flags, which other users
of the machine can see in the process list.

Pacing: --budget N (default 5000, DingTalk's per-app quota) recipients a minute; sends
wait for it, or with --budget-wait SECS are refused (nothing sent) past that wait.

A fleet: --redis URL (DINGTALK_REDIS_URL) shares the token, the budget and the campaign
ledger through one Redis (rediss:// for TLS, --redis-ca-cert for a private CA); it needs
a build with `--features redis` (Rust 1.88). The ledger needs a Redis that keeps its
writes (appendonly yes, appendfsync always; or 7.2+ with appendonly yes), or
--redis-accept-volatile.

Try it without credentials:  dingtalk-notify demo";

/// `dingtalk-notify`: send DingTalk work notifications and follow them from a shell.
#[derive(Debug, Parser)]
#[command(
    name = "dingtalk-notify",
    version,
    about = "Send DingTalk work notifications (工作通知) and follow them: send, watch, result, status bar, recall.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Send a work notification; prints the task id.
    Send(SendArgs),
    /// Show a task's delivery progress (getsendprogress).
    Progress(TaskArgs),
    /// Show who read, did not read, or could not get a task's message (getsendresult).
    Result(TaskArgs),
    /// Recall a sent notification (within 24 hours).
    Recall(TaskArgs),
    /// Update an OA notification's status bar (within 7 days).
    StatusBar(StatusBarArgs),
    /// Follow a task's progress until it completes, then print the result summary.
    Watch(WatchArgs),
    /// Follow, resume or act on a campaign (`send --users-file`) kept in a ledger.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Upload a file for a media_id (`send --file/--image/--voice` upload and send at once).
    #[command(subcommand)]
    Media(MediaCommand),
    /// Print the completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Run the whole lifecycle against the embedded simulator: no credentials, no network.
    #[cfg(feature = "demo")]
    Demo,
    /// Run the DingTalk simulator standalone until interrupted (Ctrl-C).
    #[cfg(feature = "demo")]
    MockServer(MockServerArgs),
}

/// `completions`' shell.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `send`'s recipients and message.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// A recipient user id (repeat the option, or separate ids with commas).
    #[arg(long = "user", value_name = "ID", value_delimiter = ',')]
    pub users: Vec<String>,

    /// A recipient department id (repeat the option, or separate ids with commas), sent
    /// with DingTalk's own department targeting: one call for up to 20 departments, but no
    /// per-person receipt (DingTalk's result has none for more than 100 recipients). Choose
    /// --dept-tree for each person once with a receipt.
    #[arg(long = "dept", value_name = "ID", value_delimiter = ',')]
    pub depts: Vec<u64>,

    /// Send to every user of the organization, with DingTalk's own `to_all_user` (one call,
    /// at most 3 a day, no per-person receipt; choose --org for one). Refused beside any
    /// other audience: DingTalk would ignore the lists and notify everyone.
    #[arg(long, conflicts_with_all = ["users", "depts", "users_file"])]
    pub all_users: bool,

    /// Recipient user ids, one per line (`-` for stdin), any number: sent as a campaign of
    /// paced chunks of 100.
    #[arg(long, value_name = "FILE|-")]
    pub users_file: Option<PathBuf>,

    /// Keep the campaign in this SQLite ledger (created if missing) and print its id, to
    /// follow or resume it with `campaign ... ID`. With --redis, the campaign is kept in
    /// the fleet's Redis instead (and its id printed).
    #[arg(long, env = "DINGTALK_LEDGER", value_name = "PATH")]
    pub ledger: Option<PathBuf>,

    /// With --users-file or --ledger: once every chunk is sent, follow the campaign's
    /// delivery (one progress bar on a terminal), resend the users DingTalk held back for
    /// its per-minute quota, and report the final progress. Without it, `send` returns as
    /// soon as every chunk is sent.
    #[arg(long)]
    pub watch: bool,

    /// Resolve the audience and plan (read calls only); send nothing and print the
    /// recipients, chunks, ETA at --budget, the calls to send and follow, and warnings.
    #[arg(long)]
    pub dry_run: bool,
    /// Audiences resolved to people.
    #[command(flatten)]
    pub people: Box<PeopleArgs>,

    /// The message.
    #[command(flatten)]
    pub message: MessageArgs,

    /// The --voice message's length in seconds (1 to 59).
    #[arg(long, value_name = "SECS", requires = "voice")]
    pub duration: Option<u32>,
}

/// `campaign`'s actions, each on a campaign of a ledger.
#[derive(Debug, Clone, Subcommand)]
pub enum CampaignCommand {
    /// Show the campaign's chunks and delivery progress.
    Status(CampaignArgs),
    /// Follow the whole campaign's delivery with one progress bar until it completes.
    Watch(CampaignArgs),
    /// Show the merged per-user result: each user once, chunks without a result beside it.
    Result(CampaignArgs),
    /// Update the OA status bar of every sent chunk.
    StatusBar(CampaignStatusBarArgs),
    /// Recall every sent chunk (within 24 hours).
    Recall(CampaignArgs),
    /// Send the chunks never sent; list the ambiguous ones (never resent unless asked).
    Resume(CampaignResumeArgs),
    /// Write the per-person report (one row per person: state, code, chunk, task) as CSV,
    /// JSON or one self-contained HTML page.
    Report(CampaignReportArgs),
    /// Send a follow-up campaign to the people who have not read it (its own campaign,
    /// linked to this one; `--dry-run` sends nothing).
    Remind(CampaignRemindArgs),
}

/// A campaign of a ledger.
#[derive(Debug, Clone, Args)]
pub struct CampaignArgs {
    /// The campaign id `send --ledger` printed.
    #[arg(value_name = "ID")]
    pub id: String,

    /// The SQLite ledger the campaign is kept in (or give --redis for a fleet's).
    #[arg(long, env = "DINGTALK_LEDGER", value_name = "PATH")]
    pub ledger: Option<PathBuf>,
}

/// `campaign status-bar`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct CampaignStatusBarArgs {
    /// The campaign.
    #[command(flatten)]
    pub campaign: CampaignArgs,

    /// The status text.
    #[arg(long, value_name = "TEXT")]
    pub value: String,

    /// The status colour: `0xAARRGGBB`, `AARRGGBB`, `#RRGGBB` or `RRGGBB`.
    #[arg(long, value_name = "COLOR")]
    pub bg: Option<String>,
}

/// `campaign resume`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct CampaignResumeArgs {
    /// The campaign.
    #[command(flatten)]
    pub campaign: CampaignArgs,

    /// Also send the ambiguous chunks again (their users may already have the message;
    /// DingTalk drops the same content to the same user within a day, 143106).
    #[arg(long)]
    pub resend_ambiguous: bool,

    /// When another process is sending the campaign, wait until it ends or its lease runs
    /// out (a crashed sender's), then resume; without it such a resume exits 7.
    #[arg(long)]
    pub wait: bool,
}

/// `campaign report`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct CampaignReportArgs {
    /// The campaign.
    #[command(flatten)]
    pub campaign: CampaignArgs,

    /// The report's format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: crate::report::ReportFormat,

    /// Start the CSV with a UTF-8 byte-order mark, for Excel on Windows (CSV only).
    #[arg(long)]
    pub bom: bool,

    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Exactly one way to give the message.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct MessageArgs {
    /// A text message.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,

    /// A markdown message: its title, then its text.
    #[arg(long, num_args = 2, value_names = ["TITLE", "TEXT"])]
    pub markdown: Option<Vec<String>>,

    /// Any message as DingTalk's JSON `msg` object (`{"msgtype":"oa","oa":{...}}`), from a
    /// file, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub msg_json: Option<PathBuf>,

    /// A `file` message: uploads the file (doc, docx, xls, xlsx, ppt, pptx, zip, pdf, rar;
    /// 20 MB), then sends it.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// An `image` message, which previews: uploads the image (jpg, gif, png, bmp; 20 MB),
    /// then sends it.
    #[arg(long, value_name = "PATH")]
    pub image: Option<PathBuf>,

    /// A `voice` message: uploads the recording (amr, mp3, wav; 2 MB), then sends it; give
    /// its length with --duration.
    #[arg(long, value_name = "PATH", requires = "duration")]
    pub voice: Option<PathBuf>,
}

/// A task to act on.
#[derive(Debug, Clone, Args)]
pub struct TaskArgs {
    /// The task id `send` printed.
    #[arg(long, value_name = "ID")]
    pub task_id: u64,
}

/// `status-bar`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct StatusBarArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,

    /// The new status text.
    #[arg(long, value_name = "TEXT")]
    pub value: String,

    /// The status background colour: 0xAARRGGBB, #RRGGBB or RRGGBB.
    #[arg(long, value_name = "COLOR")]
    pub bg: Option<String>,
}

/// `watch`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The task.
    #[command(flatten)]
    pub task: TaskArgs,

    /// The wait before the second poll, in seconds; it doubles up to 30 s (or this, if
    /// larger).
    #[arg(long, default_value = "1", value_name = "SECS", value_parser = parse_secs)]
    pub interval: Duration,
}

/// `mock-server`'s arguments.
#[derive(Debug, Clone, Args)]
#[cfg(feature = "demo")]
pub struct MockServerArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,

    /// The organisation from an org file (JSON: departments with parents, users with
    /// departments, mobile, unionid, active; the format is in the dingtalk-notify-mock
    /// docs). Default: the demo organisation, 285 people in three levels.
    #[arg(long, value_name = "FILE", conflicts_with = "org_size")]
    pub org: Option<PathBuf>,

    /// A generated organisation of N people, about 20 per department in a tree eight
    /// wide: user ids u0, u1, …, mobiles 13000000000 + i, union ids union-u{i}.
    #[arg(long, value_name = "N")]
    pub org_size: Option<usize>,

    /// The seed of --org-size (the same seed, the same organisation).
    #[arg(long, value_name = "S", default_value_t = 1, requires = "org_size")]
    pub org_seed: u64,

    /// Accept any user id as a reader, listed or not: a file of your own ids is delivered.
    #[arg(long)]
    pub accept_any_user: bool,

    /// Contact calls an app may make per endpoint per second before errcode 90018
    /// (DingTalk's figure, 20, by default; 0: no limit).
    #[arg(long, value_name = "N", default_value_t = dingtalk_notify_mock::DEFAULT_CONTACT_QPS)]
    pub contact_qps: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn debug_hides_the_secrets() {
        let cli = Cli::try_parse_from([
            "dingtalk-notify",
            "--app-secret=APPSEC1",
            "--access-token=TOKEN1",
            "--suite-secret=SUITESEC1",
            "--suite-ticket=TICKET1",
            "--proxy=http://u:PW1@p:1",
            "--suite-key=SKEY1",
            "--redis=redis://:REDISPW1@127.0.0.1:1",
            "progress",
            "--task-id=1",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        for secret in [
            "APPSEC1",
            "TOKEN1",
            "SUITESEC1",
            "TICKET1",
            "PW1",
            "REDISPW1",
        ] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        assert!(shown.contains("SKEY1"), "{shown}");
    }

    #[test]
    fn seconds_accept_fractions_and_refuse_zero() {
        assert_eq!(parse_secs("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_secs("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_secs("86400"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "0", "-1", "NaN", "inf", "ten", "", "86400.5", "9.3e18", "1e300",
        ] {
            assert!(parse_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn budgets_are_1_to_5000_and_waits_may_be_zero() {
        assert_eq!(parse_budget("1"), Ok(1));
        assert_eq!(parse_budget(" 5000 "), Ok(MAX_BUDGET));
        for bad in ["0", "5001", "-5", "1.5", "", "x", "99999999999"] {
            let e = parse_budget(bad).unwrap_err();
            assert!(e.contains("1 to 5000"), "{bad}: {e}");
        }
        assert_eq!(parse_wait("0"), Ok(Duration::ZERO));
        assert_eq!(parse_wait("2.5"), Ok(Duration::from_millis(2500)));
        for bad in ["-1", "NaN", "later", "86401"] {
            assert!(parse_wait(bad).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from(["dingtalk-notify", "progress", "--task-id=1"]).unwrap();
        assert_eq!(
            (cli.global.budget, cli.global.budget_wait),
            (MAX_BUDGET, None)
        );
    }

    #[test]
    fn exactly_one_message_form() {
        let parse =
            |args: &[&str]| Cli::try_parse_from(["dingtalk-notify", "send"].iter().chain(args));
        assert!(parse(&["--user", "a"]).is_err());
        assert!(parse(&["--user", "a", "--text", "x", "--msg-json", "-"]).is_err());
        let cli = parse(&["--user", "a,b", "--dept", "1", "--markdown", "T", "body"]).unwrap();
        let Command::Send(send) = cli.command else {
            panic!()
        };
        assert_eq!(send.users, ["a", "b"]);
        assert_eq!(
            send.message.markdown.as_deref(),
            Some(&["T".to_owned(), "body".to_owned()][..])
        );
    }
}
