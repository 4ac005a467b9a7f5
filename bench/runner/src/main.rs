//! The end-to-end benchmark runner behind `bench/run.sh`. Each invocation measures one
//! contender in its own process and prints one JSON line; the script interleaves the
//! invocations, repeats them and takes medians.
//!
//! ```text
//! dingtalk-notify-bench seq <contender> --base URL --calls N [--warmup N]
//! dingtalk-notify-bench threads <contender> --base URL --threads T --calls N [--warmup N]
//! dingtalk-notify-bench expiry <contender> --base URL --threads T --lifetime SECS --rounds R
//! dingtalk-notify-bench codec <case> --iters N
//! dingtalk-notify-bench simulate
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
//!   answers IP literals without ureq's per-request resolver thread (see [`LiteralResolver`]);
//! - `raw-ureq-same-agent`: the raw loop on the very agent `UreqTransport::new()` builds
//!   (its resolver included): the floor for `client-ureq`, isolating what the client adds;
//! - `raw-ureq-json`: that same loop, also doing the JSON work any client must: the body
//!   serialized with `serde_json::to_vec` and the answer parsed as a `serde_json::Value`
//!   and its `errcode` checked;
//! - `raw-isahc`: isahc's own floor, the same request sent on the `HttpClient` of
//!   `IsahcTransport::new()` with no per-request configuration, the body read whole;
//! - `raw-tcp` (`seq` only): the physical limit, HTTP/1.1 keep-alive on a bare `TcpStream`.
//!
//! `threads` shares one client (or one agent) between T threads; `expiry` counts the
//! `/gettoken` requests T threads make when released together at a token's expiry. `codec`
//! runs build and parse in a loop with no IO, for a profiler (`valgrind --tool=callgrind`).
//!
//! `simulate` starts the simulator (`dingtalk-notify-mock`, its demo credentials and
//! directory) on a free loopback port, prints the `DINGTALK_*` settings of
//! `examples/minimal.rs` as one JSON object and serves until killed: the footprint run's server.
//!
//! CPU time is the whole process's user + system time over the measured loop, every thread
//! included (the process CPU clock; see [`cpu_now`]).

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use dingtalk_notify::api::{GetSendProgress, GetSendResult, UpdateStatusBar};
use dingtalk_notify::transport::TransportErrorKind;
use dingtalk_notify::{
    AccessToken, BaseUrl, Client, Endpoint, HttpRequest, HttpResponse, IsahcTransport, StatusColor,
    TaskHandle, TokenSource, Transport, UreqTransport,
};

const APP_KEY: &str = "dingbench0appkey0x";
const APP_SECRET: &str = "bench-app-secret-0123456789abcdefghijklmnop";
/// The token the bench server hands out (long-lived server).
const TOKEN: &str = "bE74d9c0a1b2c3d4e5f60718293a4b5c";
const AGENT: u64 = 836_390_886;
const TASK: u64 = 256_271_667_526;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dingtalk-notify-bench: {e}");
            eprintln!("usage: see the crate docs (bench/runner/src/main.rs)");
            ExitCode::FAILURE
        }
    }
}

/// `--key value` options after the positional arguments.
struct Opts<'a>(&'a [String]);

impl Opts<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == key)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    fn str(&self, key: &str) -> Result<&str> {
        self.get(key)
            .ok_or_else(|| format!("{key} is required").into())
    }

    fn num(&self, key: &str, default: Option<u64>) -> Result<u64> {
        match (self.get(key), default) {
            (Some(v), _) => v
                .parse()
                .map_err(|_| format!("{key} wants a number, not {v:?}").into()),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("{key} is required").into()),
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let (mode, rest) = args.split_first().ok_or("no mode given")?;
    if mode == "simulate" {
        return simulate();
    }
    let (what, opts) = rest.split_first().ok_or("no contender or case given")?;
    let opts = Opts(opts);
    match mode.as_str() {
        "seq" => {
            let base = BaseUrl::new(opts.str("--base")?)?;
            let calls = opts.num("--calls", None)?;
            let warmup = opts.num("--warmup", Some((calls / 20).max(50)))?;
            seq(what, &base, calls, warmup)
        }
        "threads" => {
            let base = BaseUrl::new(opts.str("--base")?)?;
            let threads = opts.num("--threads", None)?;
            let calls = opts.num("--calls", None)?;
            let warmup = opts.num("--warmup", Some(20))?;
            threaded(what, &base, to_usize(threads)?, calls, warmup)
        }
        "expiry" => {
            let base = BaseUrl::new(opts.str("--base")?)?;
            let threads = to_usize(opts.num("--threads", None)?)?;
            let lifetime = Duration::from_secs(opts.num("--lifetime", None)?);
            let rounds = opts.num("--rounds", Some(3))?;
            expiry(what, &base, threads, lifetime, rounds)
        }
        "codec" => codec(what, opts.num("--iters", None)?),
        other => Err(format!("unknown mode {other:?}").into()),
    }
}

fn to_usize(n: u64) -> Result<usize> {
    Ok(usize::try_from(n)?)
}

// ---------------------------------------------------------------------------------------
// Contenders

/// The request every contender sends, exactly as the client builds it.
fn progress_request(base: &BaseUrl) -> Result<HttpRequest> {
    let token = AccessToken::new(TOKEN);
    Ok(GetSendProgress::new(AGENT, TASK).build_request(base, &token)?)
}

fn client<T: Transport>(base: &BaseUrl, transport: T) -> Client<T> {
    Client::builder(TokenSource::app(APP_KEY, APP_SECRET))
        .base_url(base.clone())
        .build(transport)
}

/// One `Client::progress` call, checked.
fn client_call<T: Transport>(client: &Client<T>, task: &TaskHandle) -> Result<()> {
    let progress = client.progress(task)?;
    if !progress.is_done() {
        return Err(format!("unexpected progress {progress:?}").into());
    }
    Ok(())
}

/// How the floor's agent is configured.
#[derive(Clone, Copy)]
enum Floor {
    /// `Agent::new_with_defaults()`.
    Defaults,
    /// As `UreqTransport`'s default agent.
    Timeouts,
    /// As `UreqTransport`'s default agent, with [`LiteralResolver`].
    TimeoutsIpResolver,
}

/// The config of `UreqTransport`'s default agent.
fn transport_agent_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(dingtalk_notify::ureq::DEFAULT_CONNECT_TIMEOUT))
        .timeout_global(Some(dingtalk_notify::ureq::DEFAULT_TIMEOUT))
        .build()
}

/// The floor: one ureq agent sending the prebuilt method, URI, headers and body, and reading
/// the body whole.
struct RawUreq {
    agent: ureq::Agent,
    request: HttpRequest,
    cap: u64,
}

impl RawUreq {
    /// [`Floor::Defaults`] is the agent a hand-written loop gets from
    /// `Agent::new_with_defaults()` (no timeouts); the others configure it as
    /// `UreqTransport`'s own (connect and overall timeouts, no redirects).
    fn new(base: &BaseUrl, floor: Floor) -> Result<Self> {
        let agent = match floor {
            Floor::Defaults => ureq::Agent::new_with_defaults(),
            Floor::Timeouts => transport_agent_config().new_agent(),
            Floor::TimeoutsIpResolver => ureq::Agent::with_parts(
                transport_agent_config(),
                ureq::unversioned::transport::DefaultConnector::new(),
                LiteralResolver::default(),
            ),
        };
        Ok(Self {
            agent,
            request: progress_request(base)?,
            cap: dingtalk_notify::ureq::DEFAULT_MAX_BODY_SIZE as u64,
        })
    }

    fn call(&self) -> Result<()> {
        black_box(self.exchange()?);
        Ok(())
    }

    /// [`call`](Self::call), with the JSON work of a client (see `raw-ureq-json`).
    fn call_json(&self) -> Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({"agent_id": AGENT, "task_id": TASK}))?;
        black_box(body);
        let answer: serde_json::Value = serde_json::from_slice(&self.exchange()?)?;
        if answer.get("errcode").and_then(serde_json::Value::as_i64) != Some(0) {
            return Err("errcode is not 0".into());
        }
        black_box(answer);
        Ok(())
    }

    fn exchange(&self) -> Result<Vec<u8>> {
        let mut builder = self.agent.post(self.request.uri());
        for (name, value) in self.request.headers() {
            builder = builder.header(name, value);
        }
        let mut response = builder.send(self.request.body().as_slice())?;
        let body = response
            .body_mut()
            .with_config()
            .limit(self.cap)
            .read_to_vec()?;
        if response.status() != 200 || body.is_empty() {
            return Err(format!("unexpected answer {}", response.status()).into());
        }
        Ok(body)
    }
}

/// The raw loop on the agent of a default `UreqTransport`.
fn raw_ureq_same_agent(base: &BaseUrl) -> Result<RawUreq> {
    Ok(RawUreq {
        agent: UreqTransport::new().agent().clone(),
        request: progress_request(base)?,
        cap: dingtalk_notify::ureq::DEFAULT_MAX_BODY_SIZE as u64,
    })
}

/// isahc's floor: the prebuilt request on the `HttpClient` a default `IsahcTransport`
/// uses, configured once (timeouts, no redirects), the body read whole.
struct RawIsahc {
    client: dingtalk_notify::isahc::isahc::HttpClient,
    request: HttpRequest,
}

impl RawIsahc {
    fn new(base: &BaseUrl) -> Result<Self> {
        Ok(Self {
            client: IsahcTransport::new().client()?,
            request: progress_request(base)?,
        })
    }

    fn call(&self) -> Result<()> {
        let mut builder = http::Request::builder()
            .method(self.request.method().clone())
            .uri(self.request.uri().clone());
        for (name, value) in self.request.headers() {
            builder = builder.header(name, value);
        }
        let request = builder.body(dingtalk_notify::isahc::isahc::Body::from(
            self.request.body().clone(),
        ))?;
        let mut response = self.client.send(request)?;
        let mut body = Vec::new();
        response.body_mut().read_to_end(&mut body)?;
        if response.status() != 200 || body.is_empty() {
            return Err(format!("unexpected answer {}", response.status()).into());
        }
        black_box(body);
        Ok(())
    }
}

/// A ureq resolver that answers IP-literal hosts itself and hands names to ureq's own.
///
/// ureq 3 resolves the host on every request, pooled connection or not, and with any
/// timeout configured its default resolver does so on a new thread (to bound the lookup):
/// one thread spawn per call. This measures what `UreqTransport` would save with such a
/// resolver (the `client-ureq-ipresolver` contender).
#[derive(Debug, Default)]
struct LiteralResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for LiteralResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            if let Ok(ip) = host.parse::<std::net::IpAddr>() {
                let port = authority
                    .port_u16()
                    .unwrap_or(if uri.scheme_str() == Some("https") {
                        443
                    } else {
                        80
                    });
                let mut addrs = self.empty();
                addrs.push(std::net::SocketAddr::new(ip, port));
                return Ok(addrs);
            }
        }
        self.0.resolve(uri, config, timeout)
    }
}

/// `UreqTransport` over an agent configured as its default one, but with [`LiteralResolver`].
fn ureq_transport_ip_resolver() -> UreqTransport {
    let agent = ureq::Agent::with_parts(
        transport_agent_config(),
        ureq::unversioned::transport::DefaultConnector::new(),
        LiteralResolver::default(),
    );
    UreqTransport::builder().agent(agent).build()
}

/// The physical limit: the same request bytes, HTTP/1.1 keep-alive on a bare socket, the
/// answer read up to its `Content-Length`.
struct RawTcp {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawTcp {
    fn new(base: &BaseUrl) -> Result<Self> {
        let request = progress_request(base)?;
        let authority = request
            .uri()
            .authority()
            .ok_or("the base URL has no host")?
            .as_str()
            .to_owned();
        let target = request
            .uri()
            .path_and_query()
            .ok_or("no path")?
            .as_str()
            .to_owned();
        let mut bytes = format!("POST {target} HTTP/1.1\r\nhost: {authority}\r\n").into_bytes();
        for (name, value) in request.headers() {
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(
            format!("content-length: {}\r\n\r\n", request.body().len()).as_bytes(),
        );
        bytes.extend_from_slice(request.body());
        let stream = TcpStream::connect(authority.as_str())?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            request: bytes,
            buf: vec![0; 64 * 1024],
        })
    }

    fn call(&mut self) -> Result<()> {
        self.stream.write_all(&self.request)?;
        let mut filled = 0;
        let (head_end, total) = loop {
            let n = self.stream.read(&mut self.buf[filled..])?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            filled += n;
            if let Some(i) = find(&self.buf[..filled], b"\r\n\r\n") {
                let len = content_length(&self.buf[..i]).ok_or("no content-length")?;
                break (i, i + 4 + len);
            }
            if filled == self.buf.len() {
                return Err("headers too long".into());
            }
        };
        if total > self.buf.len() {
            return Err("body too long".into());
        }
        while filled < total {
            let n = self.stream.read(&mut self.buf[filled..total])?;
            if n == 0 {
                return Err("the server closed the connection mid-body".into());
            }
            filled += n;
        }
        if !self.buf.starts_with(b"HTTP/1.1 200") || head_end + 4 == total {
            return Err("unexpected answer".into());
        }
        black_box(&self.buf[head_end + 4..total]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> Option<usize> {
    let head = std::str::from_utf8(head).ok()?;
    head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

// ---------------------------------------------------------------------------------------
// CPU time

/// This process's CPU time, all threads (exited ones included), in ns: the total from the
/// process CPU clock (`CLOCK_PROCESS_CPUTIME_ID`, what `getrusage` adds up, at ns
/// resolution), and the user/system split from `/proc/self/stat` (in clock ticks, 10 ms).
struct Cpu {
    total: u64,
    user: u64,
    sys: u64,
}

///
/// Under valgrind, which rustix's vDSO lookup trips over, set `BENCH_PROC_CPU=1` to take the
/// total from `/proc/self/stat` as well.
fn cpu_now() -> Result<Cpu> {
    let clock = std::env::var_os("BENCH_PROC_CPU").is_none().then(|| {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        (t.tv_sec, t.tv_nsec)
    });
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').ok_or("unreadable /proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        Ok(fields
            .get(i)
            .ok_or("short /proc/self/stat")?
            .parse::<u64>()?)
    };
    let hz: u64 = std::env::var("BENCH_CLK_TCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let ns = 1_000_000_000 / hz;
    let (user, sys) = (ticks(11)? * ns, ticks(12)? * ns);
    let total = match clock {
        Some((secs, nanos)) => u64::try_from(secs)? * 1_000_000_000 + u64::try_from(nanos)?,
        None => user + sys,
    };
    Ok(Cpu { total, user, sys })
}

struct Measure {
    start: Instant,
    cpu: Cpu,
}

impl Measure {
    fn start() -> Result<Self> {
        Ok(Self {
            cpu: cpu_now()?,
            start: Instant::now(),
        })
    }

    /// The JSON fields `wall_ns`, `cpu_ns`, `user_ns` and `sys_ns` since the start.
    fn stop(self) -> Result<String> {
        let wall = self.start.elapsed().as_nanos();
        let cpu = cpu_now()?;
        Ok(format!(
            "\"wall_ns\":{wall},\"cpu_ns\":{},\"user_ns\":{},\"sys_ns\":{}",
            cpu.total.saturating_sub(self.cpu.total),
            cpu.user.saturating_sub(self.cpu.user),
            cpu.sys.saturating_sub(self.cpu.sys)
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Modes

fn seq(contender: &str, base: &BaseUrl, calls: u64, warmup: u64) -> Result<()> {
    let task = TaskHandle::new(AGENT, TASK);
    let mut call: Box<dyn FnMut() -> Result<()>> = match contender {
        "client-ureq" => {
            let c = client(base, UreqTransport::new());
            Box::new(move || client_call(&c, &task))
        }
        "client-isahc" => {
            let c = client(base, IsahcTransport::new());
            Box::new(move || client_call(&c, &task))
        }
        "client-ureq-ipresolver" => {
            let c = client(base, ureq_transport_ip_resolver());
            Box::new(move || client_call(&c, &task))
        }
        "raw-ureq" => {
            let raw = RawUreq::new(base, Floor::Defaults)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-timeouts" => {
            let raw = RawUreq::new(base, Floor::Timeouts)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-timeouts-ipresolver" => {
            let raw = RawUreq::new(base, Floor::TimeoutsIpResolver)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-same-agent" => {
            let raw = raw_ureq_same_agent(base)?;
            Box::new(move || raw.call())
        }
        "raw-ureq-json" => {
            let raw = raw_ureq_same_agent(base)?;
            Box::new(move || raw.call_json())
        }
        "raw-isahc" => {
            let raw = RawIsahc::new(base)?;
            Box::new(move || raw.call())
        }
        "raw-tcp" => {
            let mut raw = RawTcp::new(base)?;
            Box::new(move || raw.call())
        }
        other => return Err(format!("unknown contender {other:?}").into()),
    };
    for _ in 0..warmup {
        call()?;
    }
    let m = Measure::start()?;
    for _ in 0..calls {
        call()?;
    }
    let times = m.stop()?;
    println!("{{\"mode\":\"seq\",\"contender\":\"{contender}\",\"calls\":{calls},{times}}}");
    Ok(())
}

fn threaded(
    contender: &str,
    base: &BaseUrl,
    threads: usize,
    calls: u64,
    warmup: u64,
) -> Result<()> {
    let task = TaskHandle::new(AGENT, TASK);
    let call: Arc<dyn Fn() -> Result<()> + Send + Sync> = match contender {
        "client-ureq" => {
            let c = client(base, UreqTransport::new());
            Arc::new(move || client_call(&c, &task))
        }
        "client-isahc" => {
            let c = client(base, IsahcTransport::new());
            Arc::new(move || client_call(&c, &task))
        }
        "client-ureq-ipresolver" => {
            let c = client(base, ureq_transport_ip_resolver());
            Arc::new(move || client_call(&c, &task))
        }
        "raw-ureq" => {
            let raw = RawUreq::new(base, Floor::Defaults)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-timeouts" => {
            let raw = RawUreq::new(base, Floor::Timeouts)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-timeouts-ipresolver" => {
            let raw = RawUreq::new(base, Floor::TimeoutsIpResolver)?;
            Arc::new(move || raw.call())
        }
        "raw-ureq-same-agent" => {
            let raw = raw_ureq_same_agent(base)?;
            Arc::new(move || raw.call())
        }
        "raw-isahc" => {
            let raw = RawIsahc::new(base)?;
            Arc::new(move || raw.call())
        }
        other => return Err(format!("unknown contender {other:?} for threads").into()),
    };
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let call = Arc::clone(&call);
            let start = Arc::clone(&start);
            thread::spawn(move || -> Result<()> {
                for _ in 0..warmup {
                    call()?;
                }
                start.wait();
                for _ in 0..calls {
                    call()?;
                }
                Ok(())
            })
        })
        .collect();
    start.wait();
    let m = Measure::start()?;
    for h in handles {
        h.join().map_err(|_| "a thread panicked")??;
    }
    let times = m.stop()?;
    let total = calls * threads as u64;
    println!(
        "{{\"mode\":\"threads\",\"contender\":\"{contender}\",\"threads\":{threads},\"calls\":{total},{times}}}"
    );
    Ok(())
}

/// A transport that counts the token fetches going through it.
struct Counting<T> {
    inner: T,
    fetches: AtomicUsize,
    last_fetch: Mutex<Option<Instant>>,
}

impl<T: Transport> Transport for Counting<T> {
    type Error = T::Error;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, T::Error> {
        let token = request.uri().path() == "/gettoken";
        let response = self.inner.send(request);
        if token {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            *self
                .last_fetch
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
        }
        response
    }

    fn classify(&self, error: &T::Error) -> TransportErrorKind {
        self.inner.classify(error)
    }
}

fn expiry(
    contender: &str,
    base: &BaseUrl,
    threads: usize,
    lifetime: Duration,
    rounds: u64,
) -> Result<()> {
    match contender {
        "client-ureq" => expiry_with(
            contender,
            base,
            UreqTransport::new(),
            threads,
            lifetime,
            rounds,
        ),
        "client-isahc" => expiry_with(
            contender,
            base,
            IsahcTransport::new(),
            threads,
            lifetime,
            rounds,
        ),
        other => Err(format!("unknown contender {other:?} for expiry").into()),
    }
}

/// For each round: wait until the cached token is past its expiry (or, in the `refresh`
/// rounds, inside the refresh window just before it), release `threads` threads at once
/// with a barrier, and count the `/gettoken` requests they make.
fn expiry_with<T: Transport + Send + Sync + 'static>(
    contender: &str,
    base: &BaseUrl,
    transport: T,
    threads: usize,
    lifetime: Duration,
    rounds: u64,
) -> Result<()>
where
    T::Error: Send,
{
    let counting = Counting {
        inner: transport,
        fetches: AtomicUsize::new(0),
        last_fetch: Mutex::new(None),
    };
    let client = Arc::new(client(base, counting));
    let task = TaskHandle::new(AGENT, TASK);
    client_call(&client, &task)?;
    let mut expired = Vec::new();
    let mut refresh = Vec::new();
    for round in 0..rounds * 2 {
        let last = client
            .transport()
            .last_fetch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .ok_or("no token was fetched")?;
        // Even rounds: 100 ms past expiry. Odd rounds: 95 % of the lifetime, inside the
        // refresh margin (a tenth of the lifetime), while the old token is still valid.
        let at = if round % 2 == 0 {
            last + lifetime + Duration::from_millis(100)
        } else {
            last + lifetime.mul_f64(0.95)
        };
        let before = client.transport().fetches.load(Ordering::SeqCst);
        let barrier = Arc::new(Barrier::new(threads + 1));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let client = Arc::clone(&client);
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || -> Result<()> {
                    barrier.wait();
                    client_call(&client, &task)
                })
            })
            .collect();
        thread::sleep(at.saturating_duration_since(Instant::now()));
        barrier.wait();
        for h in handles {
            h.join().map_err(|_| "a thread panicked")??;
        }
        let fetched = client.transport().fetches.load(Ordering::SeqCst) - before;
        if round % 2 == 0 {
            expired.push(fetched);
        } else {
            refresh.push(fetched);
        }
    }
    let list = |v: &[usize]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    println!(
        "{{\"mode\":\"expiry\",\"contender\":\"{contender}\",\"threads\":{threads},\"lifetime_s\":{},\"fetches_after_expiry\":[{}],\"fetches_in_refresh_window\":[{}]}}",
        lifetime.as_secs(),
        list(&expired),
        list(&refresh)
    );
    Ok(())
}

/// The simulator for the footprint run, until the process is killed.
fn simulate() -> Result<()> {
    use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, MockServer};
    let server = MockServer::start()?;
    println!(
        "{{\"DINGTALK_BASE_URL\":\"{}\",\"DINGTALK_APP_KEY\":\"{DEMO_APP_KEY}\",\"DINGTALK_APP_SECRET\":\"{DEMO_APP_SECRET}\",\"DINGTALK_AGENT_ID\":\"{DEMO_AGENT_ID}\",\"DINGTALK_USER\":\"alice\"}}",
        server.base_url()
    );
    std::io::stdout().flush()?;
    loop {
        thread::park();
    }
}

/// Build and parse with no IO, `iters` times, for a profiler.
fn codec(case: &str, iters: u64) -> Result<()> {
    let base = BaseUrl::new("https://oapi.dingtalk.com")?;
    let token = AccessToken::new(TOKEN);
    let auth = &token;
    let start = Instant::now();
    match case {
        "status-bar" => {
            let bar = UpdateStatusBar::new(AGENT, TASK, "Approved")
                .status_bg(StatusColor::from_argb(0xFF78_C06E));
            let answer = br#"{"errcode":0,"errmsg":"ok","request_id":"8ra8xmc1ut7l"}"#;
            for _ in 0..iters {
                black_box(black_box(&bar).build_request(&base, auth)?);
                black_box(UpdateStatusBar::parse_response(http::Response::new(
                    black_box(&answer[..]),
                ))?);
            }
        }
        "progress" => {
            let req = GetSendProgress::new(AGENT, TASK);
            let answer = br#"{"errcode":0,"errmsg":"ok","progress":{"progress_in_percent":100,"status":2},"request_id":"ihnkwb9r8uvc"}"#;
            for _ in 0..iters {
                black_box(black_box(&req).build_request(&base, auth)?);
                black_box(GetSendProgress::parse_response(http::Response::new(
                    black_box(&answer[..]),
                ))?);
            }
        }
        "result-100" => {
            let ids: Vec<String> = (0..100).map(|i| format!("\"user{i:07}\"")).collect();
            let answer = format!(
                r#"{{"errcode":0,"errmsg":"ok","send_result":{{"read_user_id_list":[{}],"unread_user_id_list":[{}]}},"request_id":"6pcvwp6jcows"}}"#,
                ids[..50].join(","),
                ids[50..].join(",")
            );
            for _ in 0..iters {
                black_box(GetSendResult::parse_response(http::Response::new(
                    black_box(answer.as_bytes()),
                ))?);
            }
        }
        other => return Err(format!("unknown codec case {other:?}").into()),
    }
    let ns = start.elapsed().as_nanos() / u128::from(iters.max(1));
    println!("{{\"mode\":\"codec\",\"case\":\"{case}\",\"iters\":{iters},\"ns_per_iter\":{ns}}}");
    Ok(())
}
