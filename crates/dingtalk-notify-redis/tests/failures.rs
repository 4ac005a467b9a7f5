//! Redis that is slow, speaks garbage, or wants credentials: typed errors within the
//! timeouts, and the password nowhere.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Options, RedisServer};
use dingtalk_notify_redis::{Error, RedisStore};

/// A TCP server that reads a little and answers `answer` (or nothing) to every connection.
fn fake_server(answer: Option<&'static [u8]>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        if let Some(a) = answer {
            let _ = s.write_all(a);
        }
        std::thread::sleep(Duration::from_millis(1500));
    });
    (url, handle)
}

#[test]
fn a_silent_server_times_out_within_the_response_timeout() {
    let (url, server) = fake_server(None);
    // The silence starts at the connection's setup (HELLO, CLIENT SETINFO): the connect
    // timeout bounds that, the response timeout each later answer.
    let store = RedisStore::builder(url)
        .connect_timeout(Duration::from_millis(300))
        .response_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = store.ping(Duration::from_secs(5)).unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "bounded by the timeout"
    );
    server.join().unwrap();
}

#[test]
fn a_server_speaking_garbage_is_a_typed_error() {
    let (url, server) = fake_server(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    let err = RedisStore::open(&url)
        .unwrap()
        .ping(Duration::from_secs(5))
        .unwrap_err();
    assert!(
        matches!(err, Error::Garbage { .. } | Error::Server { .. }),
        "{err:?}"
    );
    server.join().unwrap();
}

#[test]
fn nothing_listening_is_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = RedisStore::open(&format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .ping(Duration::from_secs(5))
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(err.is_unavailable());
}

/// Every log record, to check that no password is logged.
struct Capture(Mutex<Vec<String>>);
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}
static LOGS: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn auth_works_and_the_password_is_never_shown() {
    let _ = log::set_logger(&LOGS);
    log::set_max_level(log::LevelFilter::Trace);
    const PW: &str = "s3cret-Redis-pw";
    let redis = RedisServer::start_with(Options {
        user: Some(("notify".into(), PW.into())),
        password: Some("default-pw-9".into()),
        ..Options::default()
    });
    let addr = redis.url().trim_start_matches("redis://").to_owned();
    // Right user and password, in the URL or given apart.
    RedisStore::open(&format!("redis://notify:{PW}@{addr}"))
        .unwrap()
        .ping(Duration::from_secs(5))
        .unwrap();
    let good = RedisStore::builder(redis.url())
        .username("notify")
        .password(PW)
        .build()
        .unwrap();
    good.ping(Duration::from_secs(5)).unwrap();
    // No password, a wrong one: typed errors.
    let none = RedisStore::open(&redis.url())
        .unwrap()
        .ping(Duration::from_secs(5))
        .unwrap_err();
    assert!(matches!(none, Error::Auth { .. }), "{none:?}");
    let bad_pw = format!("{PW}-wrong");
    let wrong = RedisStore::builder(redis.url())
        .username("notify")
        .password(&bad_pw)
        .build()
        .unwrap();
    let err = wrong.ping(Duration::from_secs(5)).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let shown = format!(
        "{err} {err:?} {none} {none:?} {good:?} {wrong:?} {:?}",
        RedisStore::builder(redis.url()).password(PW)
    );
    assert!(!shown.contains(PW), "{shown}");
    let url_err = RedisStore::open(&format!("redis://notify:{PW}@{addr}/not-a-db")).unwrap_err();
    assert!(!format!("{url_err} {url_err:?}").contains(PW), "{url_err}");
    let logs = LOGS.0.lock().unwrap().join("\n");
    assert!(!logs.contains(PW), "{logs}");
}
