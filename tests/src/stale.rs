//! Sends over connections a server closes: a loopback HTTP/1.1 server that follows a script
//! per connection and request (answer, close or reset while idle, close or reset after
//! reading a request, answer late) and counts every request body it receives, so a test
//! sees how many times a send crossed the wire, whatever the client believes.
//!
//! The rule checked: a send (a non-idempotent POST) reaches the server at most once per
//! call, through the transport alone and through the client, however the server closes
//! its keep-alive connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use dingtalk_notify::http;
use dingtalk_notify::kit::transport::{HttpRequest, Idempotency, TransportError};
use dingtalk_notify::{BaseUrl, Client, Message, RetryPolicy};
use dingtalk_notify::{Transport, api::SendWorkNotification};
use dingtalk_notify_mock::{Calls, DEMO_AGENT_ID, Fault, MockServer, Route};

use crate::harness::{TransportSettings, demo_app};
use crate::scenarios::TestTransport;

/// What the server does with one request, or with a connection once a request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Answers `200` with a small JSON body and keeps the connection open.
    Answer,
    /// Answers, then closes the idle connection (a FIN) after this long.
    AnswerThenClose(Duration),
    /// Answers, then resets the idle connection (an RST) after this long.
    AnswerThenReset(Duration),
    /// Reads the request, then closes without a byte of answer.
    Close,
    /// Reads the request, then resets the connection without a byte of answer.
    Reset,
    /// Reads the request, waits this long, then answers (a client that gave up is gone).
    Late(Duration),
    /// Closes as the request arrives, without acting on it or counting it: the server's
    /// idle timer fired just as the client picked the connection from its pool.
    Unseen,
}

/// The script: `(connection index, request index on it, method)` to an action.
pub type Script = Arc<dyn Fn(usize, usize, &str) -> Action + Send + Sync>;

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Which connection (0 for the first accepted).
    pub connection: usize,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The body, as text.
    pub body: String,
}

/// The server; it stops when dropped.
pub struct ScriptedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Starts it on 127.0.0.1:0.
    ///
    /// # Panics
    /// If it cannot bind.
    pub fn start(script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut connection = 0;
                while !stop.load(Ordering::SeqCst) {
                    let Ok((stream, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(2));
                        continue;
                    };
                    let (seen, script) = (Arc::clone(&seen), Arc::clone(&script));
                    std::thread::spawn(move || serve(connection, stream, &seen, &script));
                    connection += 1;
                }
            })
        };
        Self {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests with exactly this body arrived.
    pub fn count(&self, body: &str) -> usize {
        self.seen().iter().filter(|s| s.body == body).count()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"errcode\":0,\"errmsg\":\"ok\"}";

fn serve(connection: usize, stream: TcpStream, seen: &Mutex<Vec<Seen>>, script: &Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    for index in 0.. {
        let Some((method, body)) = read_request(&mut reader) else {
            return;
        };
        let action = script(connection, index, &method);
        if action == Action::Unseen {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Seen {
                connection,
                method,
                body,
            });
        match action {
            Action::Answer => {
                if writer.write_all(ANSWER).is_err() {
                    return;
                }
            }
            Action::AnswerThenClose(idle) | Action::AnswerThenReset(idle) => {
                let _ = writer.write_all(ANSWER);
                std::thread::sleep(idle);
                if matches!(action, Action::AnswerThenReset(_)) {
                    reset(&writer);
                } else {
                    let _ = writer.shutdown(Shutdown::Both);
                }
                return;
            }
            Action::Close => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Action::Reset => {
                reset(&writer);
                return;
            }
            Action::Unseen => return,
            Action::Late(wait) => {
                std::thread::sleep(wait);
                if writer.write_all(ANSWER).is_err() {
                    return;
                }
            }
        }
    }
}

/// Closes with an RST (`SO_LINGER` 0), as a load balancer dropping a connection does.
fn reset(stream: &TcpStream) {
    if socket2::SockRef::from(stream)
        .set_linger(Some(Duration::ZERO))
        .is_err()
    {
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// One request's method and body (by `Content-Length`), or `None` at EOF or on garbage.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let method = line.split(' ').next()?.to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, String::from_utf8_lossy(&body).into_owned()))
}

fn get(base: &str) -> HttpRequest {
    http::Request::get(format!("{base}/gettoken?access_token=t"))
        .body(Vec::new())
        .expect("request")
}

fn post(base: &str, body: &str) -> HttpRequest {
    let mut request = http::Request::post(format!(
        "{base}/topapi/message/corpconversation/asyncsend_v2?access_token=t"
    ))
    .header("Content-Type", "application/json")
    .body(body.as_bytes().to_vec())
    .expect("request");
    request.extensions_mut().insert(Idempotency::NonIdempotent);
    request
}

/// Builds the transport under test from [`TransportSettings`].
pub type Make<T> = fn(TransportSettings) -> T;

fn short(timeout: Duration) -> TransportSettings {
    TransportSettings {
        timeout,
        ..TransportSettings::default()
    }
}

/// A keep-alive connection the server closes (FIN) or resets while it idles in the pool:
/// the next send goes out once, on a new connection, and is answered.
pub fn a_send_after_the_server_closed_the_idle_connection_goes_once<T>(make: Make<T>)
where
    T: Transport<Error = TransportError>,
{
    for idle in [
        Action::AnswerThenClose(Duration::from_millis(20)),
        Action::AnswerThenReset(Duration::from_millis(20)),
    ] {
        let server = ScriptedServer::start(Arc::new(move |connection, _, _| {
            if connection == 0 {
                idle
            } else {
                Action::Answer
            }
        }));
        let transport = make(short(Duration::from_secs(5)));
        transport
            .send(get(&server.base_url()))
            .expect("the first answer");
        std::thread::sleep(Duration::from_millis(200));
        let answer = transport.send(post(&server.base_url(), "send-1"));
        assert_eq!(server.count("send-1"), 1, "{idle:?}: {:?}", server.seen());
        let answer = answer.unwrap_or_else(|e| panic!("{idle:?}: {e}"));
        assert_eq!(answer.status(), 200);
    }
}

/// A server closing an idle keep-alive connection just as a send goes out on it, without
/// acting on it: a send never rides a pooled connection, so it goes out once, on its own
/// connection, and is answered (instead of failing with an outcome nobody can know).
pub fn a_send_never_rides_a_connection_the_server_is_closing<T>(make: Make<T>)
where
    T: Transport<Error = TransportError>,
{
    let server = ScriptedServer::start(Arc::new(|connection, index, _| {
        if connection == 0 && index > 0 {
            Action::Unseen
        } else {
            Action::Answer
        }
    }));
    let transport = make(short(Duration::from_secs(5)));
    transport
        .send(get(&server.base_url()))
        .expect("the first answer");
    let answer = transport.send(post(&server.base_url(), "send-1"));
    assert_eq!(server.count("send-1"), 1, "{:?}", server.seen());
    let answer = answer.unwrap_or_else(|e| panic!("the send failed: {e}"));
    assert_eq!(answer.status(), 200);
}

/// A send after an answered request (so on the reused connection, unless the transport
/// opens a fresh one for sends) that the server reads and then closes without answering
/// fails, and went out exactly once (never re-sent on a fresh connection).
pub fn a_send_read_then_dropped_on_a_reused_connection_goes_once<T>(make: Make<T>)
where
    T: Transport<Error = TransportError>,
{
    for drop_it in [Action::Close, Action::Reset] {
        let server = ScriptedServer::start(Arc::new(move |_, _, method| {
            if method == "POST" {
                drop_it
            } else {
                Action::Answer
            }
        }));
        let transport = make(short(Duration::from_secs(5)));
        transport
            .send(get(&server.base_url()))
            .expect("the first answer");
        let err = transport
            .send(post(&server.base_url(), "send-1"))
            .expect_err("no answer");
        assert_eq!(
            server.count("send-1"),
            1,
            "{drop_it:?} ({err}): {:?}",
            server.seen()
        );
    }
}

/// The sequence seen once in a campaign: a send answered too late for the client (it gave
/// up), then the next sends: each reaches the server exactly once, through the client.
pub fn sends_after_a_late_answer_go_once_each<T: TestTransport>(make: Make<T>) {
    let server = MockServer::start().expect("simulator");
    server.inject(
        Route::Send,
        Calls::Nth(1),
        Fault::Delay(Duration::from_secs(3)),
    );
    let client = Client::builder(demo_app())
        .base_url(BaseUrl::new(&server.base_url()).expect("base"))
        .retry(RetryPolicy {
            deadline: Duration::from_secs(1),
            ..RetryPolicy::default()
        })
        .build(make(TransportSettings::default()));
    let send = |i: usize| {
        let text = format!("chunk {i}");
        client.send(
            &SendWorkNotification::new(DEMO_AGENT_ID, Message::text(&text))
                .to_users([format!("user{i}")]),
        )
    };
    let late = send(0).expect_err("the first send times out");
    assert!(late.may_have_been_sent(), "{late}");
    for i in 1..=20 {
        send(i).unwrap_or_else(|e| panic!("chunk {i}: {e}"));
    }
    // Past the late answer too: the server has written it into a closed connection.
    std::thread::sleep(Duration::from_millis(2_200));
    send(21).expect("chunk 21");
    let sends = server.requests_to(Route::Send);
    let mut users: Vec<String> = sends
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(users.len(), 22, "{users:#?}");
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 22, "a send arrived twice");
}

/// Expands the stale-connection scenarios into `#[test]`s over `$make`.
#[macro_export]
macro_rules! stale_matrix {
    ($make:path) => {
        $crate::stale_matrix!(@tests $make;
            a_send_after_the_server_closed_the_idle_connection_goes_once,
            a_send_never_rides_a_connection_the_server_is_closing,
            a_send_read_then_dropped_on_a_reused_connection_goes_once,
            sends_after_a_late_answer_go_once_each,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::stale::$name($make);
            }
        )*
    };
}
