//! A real `redis-server` for the tests: started on a free loopback port with append-only
//! persistence and `appendfsync always` (what the ledger needs), or none at all (a volatile
//! server), killed on drop; restarted with its data, or from an older RDB snapshot. The CLI's fleet tests use
//! it too (`#[path]`), which is why `redis` is named through this crate.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dingtalk_notify_redis::redis;

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Append-only persistence (`--appendonly yes --appendfsync always`, the default), so a
    /// restart keeps the data; `false`: no persistence but the snapshots a test takes
    /// ([`RedisServer::snapshot`]), a server the ledger refuses without its opt-in.
    pub aof: bool,
    /// `--enable-debug-command yes` (for `DEBUG RELOAD`).
    pub debug: bool,
    /// More arguments for `redis-server` (`--rename-command CONFIG ""`, say).
    pub extra: Vec<String>,
    /// `--requirepass`.
    pub password: Option<String>,
    /// An ACL user with this name and password, allowed everything.
    pub user: Option<(String, String)>,
    /// TLS only (no plain port), with this certificate and key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            aof: true,
            debug: false,
            extra: Vec::new(),
            password: None,
            user: None,
            tls: None,
        }
    }
}

impl Options {
    /// A server without persistence: a restart brings back the last snapshot, or nothing.
    pub fn volatile() -> Self {
        Self {
            aof: false,
            ..Self::default()
        }
    }
}

/// A copy of a server's RDB file ([`RedisServer::snapshot`]).
#[derive(Debug)]
pub struct Snapshot(PathBuf);

/// `SAVE`s an RDB snapshot of the server at `url` (no auth) whose directory is `dir`, and
/// keeps a copy of it: for a thread that cannot borrow the [`RedisServer`].
pub fn snapshot_at(url: &str, dir: &Path) -> Snapshot {
    static SNAPSHOTS: AtomicUsize = AtomicUsize::new(0);
    let client = redis::Client::open(url).expect("fixture URL");
    let mut conn = client
        .get_connection_with_timeout(Duration::from_secs(5))
        .expect("fixture connects");
    let () = redis::cmd("SAVE").query(&mut conn).expect("SAVE");
    let copy = dir.join(format!(
        "snapshot-{}.rdb",
        SNAPSHOTS.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::copy(dir.join("dump.rdb"), &copy).expect("the RDB file is copied");
    Snapshot(copy)
}

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    options: Options,
}

fn redis_server_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(["/usr/bin".into(), "/usr/sbin".into()]);
    for dir in dirs {
        let candidate = dir.join("redis-server");
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "redis-server not found: these tests need a real Redis and never skip. Install it \
         with `apt-get install redis-server` (Debian/Ubuntu; no service needs to run, the \
         tests start their own), or run `.ci/run`, which installs it"
    );
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

impl RedisServer {
    /// Append-only persistence with `appendfsync always`, no auth.
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    /// With `options`.
    pub fn start_with(options: Options) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-notify-redis-test-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            options,
        };
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!(
            "redis-server did not start on a free port (see its log in {:?})",
            server.dir
        );
    }

    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new(redis_server_binary());
        match &self.options.tls {
            None => cmd.arg("--port").arg(self.port.to_string()),
            Some((cert, key)) => cmd
                .args(["--port", "0", "--tls-port"])
                .arg(self.port.to_string())
                .arg("--tls-cert-file")
                .arg(cert)
                .arg("--tls-key-file")
                .arg(key)
                .args(["--tls-auth-clients", "no"]),
        };
        cmd.args(["--bind", "127.0.0.1", "--save", ""])
            .args(["--daemonize", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"));
        if self.options.aof {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        cmd.args(&self.options.extra);
        if self.options.debug {
            cmd.args(["--enable-debug-command", "yes"]);
        }
        if let Some(pw) = &self.options.password {
            cmd.args(["--requirepass", pw]);
        }
        if let Some((user, pw)) = &self.options.user {
            cmd.args(["--user", user, "on", &format!(">{pw}"), "~*", "&*", "+@all"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.answers_ping() {
                return true;
            }
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return false; // exited: the port was taken meanwhile
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        false
    }

    /// Whether something on the port answers `PING` as Redis does (`+PONG`, or an auth
    /// error when a password is required).
    fn answers_ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        if self.options.tls.is_some() {
            return true; // listening; the test's own client speaks TLS
        }
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        if s.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 64];
        match s.read(&mut buf) {
            Ok(n) => buf[..n].starts_with(b"+PONG") || buf[..n].starts_with(b"-NOAUTH"),
            Err(_) => false,
        }
    }

    /// `redis://127.0.0.1:<port>` (`rediss://localhost:<port>` with TLS).
    pub fn url(&self) -> String {
        if self.options.tls.is_some() {
            return format!("rediss://localhost:{}", self.port);
        }
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (to stop and continue it, as a lagging replica).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).expect("the server runs")
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// SIGKILL: Redis dies at once, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (with AOF on, the data is back).
    pub fn restart(&mut self) {
        self.kill();
        assert!(self.spawn(), "redis-server restarts on port {}", self.port);
    }

    /// `SAVE`s an RDB snapshot now and keeps a copy of it (as a periodic snapshot would be).
    pub fn snapshot(&self) -> Snapshot {
        snapshot_at(&self.url(), &self.dir)
    }

    /// SIGKILL, then a start from `snapshot` (on the same port and directory): the server
    /// comes back with the older data, as after a crash with RDB persistence only. Needs a
    /// server without AOF (which would load its append-only file instead).
    pub fn restart_from(&mut self, snapshot: &Snapshot) {
        assert!(!self.options.aof, "a server with AOF restarts from its AOF");
        self.kill();
        std::fs::copy(&snapshot.0, self.dir.join("dump.rdb")).expect("the snapshot is restored");
        assert!(self.spawn(), "redis-server restarts on port {}", self.port);
    }

    /// Runs one command with a plain connection and returns the raw answer (for tests that
    /// look at or tamper with what is stored).
    pub fn command(&self, args: &[&str]) -> redis::Value {
        let mut url = self.url();
        if let Some(pw) = &self.options.password {
            url = format!("redis://:{pw}@127.0.0.1:{}", self.port);
        }
        if let Some((user, pw)) = &self.options.user {
            url = format!("redis://{user}:{pw}@127.0.0.1:{}", self.port);
        }
        let client = redis::Client::open(url).expect("fixture URL");
        let mut conn = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("fixture connects");
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut conn).expect("fixture command")
    }

    /// Every key and, for hashes and strings, every value, as text.
    pub fn dump_all(&self) -> String {
        let mut out = String::new();
        let redis::Value::Array(keys) = self.command(&["KEYS", "*"]) else {
            panic!("KEYS answers an array");
        };
        for key in keys {
            let redis::Value::BulkString(key) = key else {
                continue;
            };
            let key = String::from_utf8_lossy(&key).into_owned();
            out.push_str(&key);
            out.push('\n');
            let value = match self.command(&["TYPE", &key]) {
                redis::Value::SimpleString(t) if t == "hash" => self.command(&["HGETALL", &key]),
                redis::Value::SimpleString(t) if t == "string" => self.command(&["GET", &key]),
                redis::Value::SimpleString(t) if t == "zset" => {
                    self.command(&["ZRANGE", &key, "0", "-1"])
                }
                _ => redis::Value::Nil,
            };
            out.push_str(&format!("{value:?}\n"));
        }
        out
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
