//! The end-to-end benchmark runner behind `bench/run.sh`. Each invocation measures one
//! contender in its own process and prints one JSON line; the script interleaves the
//! invocations, repeats them and takes medians.
//!
//! ```text
//! dingtalk-notify-bench seq <contender> --base URL --calls N [--warmup N]
//! dingtalk-notify-bench threads <contender> --base URL --threads T --calls N [--warmup N]
//! dingtalk-notify-bench expiry <contender> --base URL --threads T --lifetime SECS --rounds R
//! dingtalk-notify-bench codec <case> --iters N
//! dingtalk-notify-bench fleet <contender> --base URL --redis URL --calls N [--warmup N]
//! dingtalk-notify-bench resolve [--people 100000] [--seed 1]
//! dingtalk-notify-bench follow-calls [--people 5000]
//! ```
//!
//! Contenders, all calling `POST /topapi/message/corpconversation/getsendprogress`:
//! - `client-ureq`, `client-isahc`: `Client::progress` over the published transports;
//! - `raw-ureq`: the floor, a hand-written loop sending the same request bytes on one ureq
//!   agent as `Agent::new_with_defaults()` makes it (no timeouts);
//! - `raw-ureq-timeouts`: the same loop on an agent configured like `UreqTransport`'s
//!   (connect and overall timeouts);
//! - `raw-ureq-timeouts-ipresolver`: that agent with the resolver of
//!   `client-ureq-ipresolver` below: the floor for it, isolating what the client adds;
//! - `client-ureq-ipresolver`: the client over `UreqTransport` on an agent whose resolver
//!   answers IP literals without ureq's per-request resolver thread (see
//!   `contenders::LiteralResolver`);
//! - `raw-ureq-same-agent`: the raw loop on the very agent `UreqTransport::new()` builds
//!   (its resolver included): the floor for `client-ureq`, isolating what the client adds;
//! - `raw-ureq-json`: that same loop, also doing the JSON work any client must: the body
//!   serialized with `serde_json::to_vec` and the answer parsed as a `serde_json::Value`
//!   and its `errcode` checked;
//! - `raw-isahc`: isahc's own floor, the same request sent on the `HttpClient` of
//!   `IsahcTransport::new()` with no per-request configuration, the body read whole;
//! - `raw-tcp` (`seq` only): the physical limit, HTTP/1.1 keep-alive on a bare `TcpStream`.
//!
//! `fleet` measures what `dingtalk-notify-redis` adds per call, printed as `seq` rows:
//! `redis-token-lookup` (the shared token read from Redis) and `redis-budget-acquire` (one
//! grant of the fleet-wide recipient budget).
//!
//! `threads` shares one client (or one agent) between T threads; `expiry` counts the
//! `/gettoken` requests T threads make when released together at a token's expiry. `codec`
//! runs build and parse in a loop with no IO, for a profiler (`valgrind --tool=callgrind`).
//!
//! `resolve` resolves a generated organisation on the simulator in a child process (see
//! `resolve.rs`): contact calls per department, CPU per person, the child's peak RSS.
//!
//! `follow-calls` sends a campaign to the simulator at its default delivery pace and
//! follows it (see `follow_calls.rs`): the following's calls per 100 confirmed people.
//!
//! `simulate` starts the simulator (`dingtalk-notify-mock`, its demo credentials and
//! directory) on a free loopback port, prints the `DINGTALK_*` settings of
//! `examples/minimal.rs` as one JSON object and serves until killed: the footprint run's
//! server.
//!
//! CPU time is the whole process's user + system time over the measured loop, every thread
//! included (the process CPU clock; see `cpu::cpu_now`).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use dingtalk_notify::BaseUrl;
use serde::Serialize;

mod campaign;
mod codec;
mod contenders;
mod cpu;
mod expiry;
mod fleet;
mod follow_calls;
mod freeze;
mod modes;
mod resolve;
mod upload;

const APP_KEY: &str = "dingbench0appkey0x";
const APP_SECRET: &str = "bench-app-secret-0123456789abcdefghijklmnop";
/// The token the bench server hands out (long-lived server).
const TOKEN: &str = "bE74d9c0a1b2c3d4e5f60718293a4b5c";
const AGENT: u64 = 836_390_886;
const TASK: u64 = 256_271_667_526;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

/// The end-to-end benchmark runner of `bench/run.sh`: one contender, one JSON line.
#[derive(Parser)]
#[command(name = "dingtalk-notify-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// `calls` sequential calls after `warmup` unmeasured ones.
    Seq {
        /// The contender (`client-ureq`, `raw-ureq`, `raw-tcp`, ...).
        contender: String,
        /// The bench server's base URL.
        #[arg(long)]
        base: BaseUrl,
        /// Measured calls.
        #[arg(long)]
        calls: u64,
        /// Unmeasured calls first (default: a twentieth of `calls`, at least 50).
        #[arg(long)]
        warmup: Option<u64>,
    },
    /// `calls` calls from each of `threads` threads sharing one client or agent.
    Threads {
        /// The contender.
        contender: String,
        /// The bench server's base URL.
        #[arg(long)]
        base: BaseUrl,
        /// Threads.
        #[arg(long)]
        threads: usize,
        /// Measured calls per thread.
        #[arg(long)]
        calls: u64,
        /// Unmeasured calls per thread first.
        #[arg(long, default_value_t = 20)]
        warmup: u64,
    },
    /// The `/gettoken` requests of `threads` threads released at a token's expiry.
    Expiry {
        /// The contender (`client-ureq` or `client-isahc`).
        contender: String,
        /// The bench server's base URL (one handing out short-lived tokens).
        #[arg(long)]
        base: BaseUrl,
        /// Threads released together.
        #[arg(long)]
        threads: usize,
        /// The tokens' lifetime, in seconds.
        #[arg(long)]
        lifetime: u64,
        /// Rounds of each kind (past expiry, inside the refresh window).
        #[arg(long, default_value_t = 3)]
        rounds: u64,
    },
    /// Planning plus SQLite ledger cost per chunk of a campaign of `chunks` chunks.
    Campaign {
        /// Chunks of 100 users.
        #[arg(long, default_value_t = 500)]
        chunks: usize,
        /// Where the ledger file goes (removed after).
        #[arg(long)]
        dir: std::path::PathBuf,
    },
    /// `calls` Redis operations of dingtalk-notify-redis (`redis-token-lookup`,
    /// `redis-budget-acquire`), printed as a `seq` row.
    Fleet {
        /// The contender.
        contender: String,
        /// The bench server's base URL (the token lookup fetches its first token there).
        #[arg(long)]
        base: BaseUrl,
        /// The Redis URL.
        #[arg(long)]
        redis: String,
        /// Measured calls.
        #[arg(long)]
        calls: u64,
        /// Unmeasured calls first (default: a twentieth of `calls`, at least 50).
        #[arg(long)]
        warmup: Option<u64>,
    },
    /// Build and parse `iters` times with no IO.
    Codec {
        /// `status-bar`, `progress` or `result-100`.
        case: String,
        /// Iterations.
        #[arg(long)]
        iters: u64,
    },
    /// A media upload of `size` bytes through the client beside a raw ureq POST of the
    /// same body, to a loopback sink, interleaved for `rounds` rounds.
    Upload {
        /// Bytes of the file.
        #[arg(long, default_value_t = 20 * 1024 * 1024)]
        size: usize,
        /// Measured rounds.
        #[arg(long, default_value_t = 15)]
        rounds: usize,
    },
    /// Resolving a generated organisation of `people` (20 per department) on the simulator,
    /// in a child process: calls per department, CPU per person, peak RSS.
    Resolve {
        /// People in the organisation.
        #[arg(long, default_value_t = 100_000)]
        people: usize,
        /// The organisation's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Sending a campaign of `people` to the simulator (default delivery pace) and
    /// following it (track, then one report): calls per 100 confirmed people.
    FollowCalls {
        /// People in the campaign (chunks of 100).
        #[arg(long, default_value_t = 5_000)]
        people: usize,
    },
    /// The child of `resolve`: resolves the whole organisation at `base`.
    #[command(hide = true)]
    ResolveChild {
        /// The simulator's base URL.
        #[arg(long)]
        base: BaseUrl,
    },
    /// A campaign of a generated organisation's `people` (20 per department), planned and
    /// frozen in a SQLite ledger in `dir`, in a child process: peak RSS, ledger bytes per
    /// person.
    PeopleFreeze {
        /// People in the organisation.
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        /// The organisation's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where the ledger file goes (removed after).
        #[arg(long)]
        dir: std::path::PathBuf,
    },
    /// The child of `people-freeze`.
    #[command(hide = true)]
    PeopleFreezeChild {
        /// The simulator's base URL.
        #[arg(long)]
        base: BaseUrl,
        /// Where the ledger file goes.
        #[arg(long)]
        dir: std::path::PathBuf,
    },
    /// Serve the simulator until killed, printing the minimal example's settings.
    Simulate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dingtalk-notify-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(mode: Mode) -> Result<()> {
    match mode {
        Mode::Upload { size, rounds } => upload::upload(size, rounds),
        Mode::Seq {
            contender,
            base,
            calls,
            warmup,
        } => {
            let warmup = warmup.unwrap_or((calls / 20).max(50));
            modes::seq(&contender, &base, calls, warmup)
        }
        Mode::Threads {
            contender,
            base,
            threads,
            calls,
            warmup,
        } => modes::threaded(&contender, &base, threads, calls, warmup),
        Mode::Expiry {
            contender,
            base,
            threads,
            lifetime,
            rounds,
        } => expiry::expiry(
            &contender,
            &base,
            threads,
            Duration::from_secs(lifetime),
            rounds,
        ),
        Mode::Fleet {
            contender,
            base,
            redis,
            calls,
            warmup,
        } => {
            let warmup = warmup.unwrap_or((calls / 20).max(50));
            fleet::fleet(&contender, &base, &redis, calls, warmup)
        }
        Mode::Codec { case, iters } => codec::codec(&case, iters),
        Mode::Campaign { chunks, dir } => campaign::campaign(chunks, &dir),
        Mode::Resolve { people, seed } => resolve::resolve(people, seed),
        Mode::ResolveChild { base } => resolve::child(&base),
        Mode::FollowCalls { people } => follow_calls::follow_calls(people),
        Mode::PeopleFreeze { people, seed, dir } => freeze::freeze(people, seed, &dir),
        Mode::PeopleFreezeChild { base, dir } => freeze::child(&base, &dir),
        Mode::Simulate => simulate(),
    }
}

/// The simulator for the footprint run, until the process is killed.
fn simulate() -> Result<()> {
    use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer};
    use std::io::Write;
    let server = MockServer::start()?;
    println!(
        "{}",
        serde_json::json!({
            "DINGTALK_BASE_URL": server.base_url(),
            "DINGTALK_APP_KEY": DEMO_APP_KEY,
            "DINGTALK_APP_SECRET": DEMO_APP_SECRET,
            "DINGTALK_AGENT_ID": DEMO_AGENT_ID.to_string(),
            "DINGTALK_USER": "alice",
        })
    );
    std::io::stdout().flush()?;
    loop {
        std::thread::park();
    }
}

/// Prints one result as a JSON line.
fn emit(row: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(row)?);
    Ok(())
}
