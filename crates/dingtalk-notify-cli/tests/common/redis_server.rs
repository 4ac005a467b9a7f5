//! A real `redis-server` for the `--redis` tests, as in dingtalk-notify-redis's tests:
//! started on a free loopback port with persistence off, killed on drop. A missing
//! `redis-server` fails the test with how to install it; nothing skips.
//!
//! No Redis client here (the CLI's dev-dependencies stay on Rust 1.85): readiness is a raw
//! `PING` over TCP (for a TLS-only server, that its port accepts connections).
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    password: Option<String>,
    /// `--tls-port` with this certificate and key (PEM files) instead of a plain port.
    tls: Option<(PathBuf, PathBuf)>,
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
        "redis-server not found: the CLI's --redis tests need a real Redis and never skip. \
         Install it with `apt-get install redis-server` (Debian/Ubuntu; no service needs to \
         run, the tests start their own), or run scripts/test.sh, which installs it"
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
    /// No password.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// With `--requirepass password` when given.
    pub fn start_with(password: Option<&str>) -> Self {
        Self::start_as(password, None)
    }

    /// TLS only (`rediss://`), with the certificate and key in these PEM files; clients
    /// need no certificate of their own.
    pub fn start_tls(cert: PathBuf, key: PathBuf) -> Self {
        Self::start_as(None, Some((cert, key)))
    }

    fn start_as(password: Option<&str>, tls: Option<(PathBuf, PathBuf)>) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dingtalk-notify-cli-redis-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            password: password.map(str::to_owned),
            tls,
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
        match &self.tls {
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
        cmd.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"));
        if let Some(pw) = &self.password {
            cmd.args(["--requirepass", pw]);
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
        if self.tls.is_some() {
            return true; // listening; no TLS client here, the CLI under test speaks it
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

    /// `redis://127.0.0.1:<port>`, with the password (`redis://:<pw>@…`) when one is set;
    /// `rediss://localhost:<port>` (the certificate's name) for TLS.
    pub fn url(&self) -> String {
        if self.tls.is_some() {
            return format!("rediss://localhost:{}", self.port);
        }
        match &self.password {
            Some(pw) => format!("redis://:{pw}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
