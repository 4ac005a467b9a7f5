//! A recording HTTP proxy on loopback: it keeps every request head it receives (a `CONNECT`
//! or a forwarded absolute-form request), answers `502 Bad Gateway` and closes. Tests use it
//! to see what a transport would have handed a proxy: nothing for loopback targets, a bare
//! `CONNECT host:443` (no secret) for https ones.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::kit::transport::{EnvProxies, ProxySetting, ProxyUrl, TransportErrorKind};
use dingtalk_notify::{BaseUrl, Client, Error, Message, RetryPolicy};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_SECRET, MockServer, Route};

use crate::harness::demo_app;
use crate::scenarios::TestTransport;

/// The proxy; it stops when dropped.
pub struct RecordingProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Starts it on 127.0.0.1:0.
    ///
    /// # Panics
    /// If it cannot bind.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (heads, stop) = (Arc::clone(&heads), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((mut s, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    };
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    heads
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let _ = s.write_all(
                        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            })
        };
        Self {
            addr,
            heads,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`, without a scheme.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// Every request head received so far, as text.
    pub fn heads(&self) -> Vec<String> {
        self.heads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Builds the transport under test with a proxy setting and a proxy environment.
pub type MakeWithProxy<T> = fn(ProxySetting, EnvProxies) -> T;

/// The ureq transport with `setting` and `env`.
pub fn ureq_with_proxy(
    setting: ProxySetting,
    env: EnvProxies,
) -> dingtalk_notify::ureq::UreqTransport {
    dingtalk_notify::ureq::UreqTransport::builder()
        .timeout(Duration::from_secs(5))
        .proxy(setting)
        .proxy_env(env)
        .build()
}

/// The isahc transport with `setting` and `env`.
pub fn isahc_with_proxy(
    setting: ProxySetting,
    env: EnvProxies,
) -> dingtalk_notify::isahc::IsahcTransport {
    dingtalk_notify::isahc::IsahcTransport::builder()
        .timeout(Duration::from_secs(5))
        .proxy(setting)
        .proxy_env(env)
        .build()
}

/// An environment holding exactly `vars`.
pub fn env(vars: &[(&str, &str)]) -> EnvProxies {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    EnvProxies::from_lookup(move |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
}

fn client_at<T: TestTransport>(base: &str, transport: T) -> Client<T> {
    Client::builder(demo_app())
        .base_url(BaseUrl::new(base).expect("base URL"))
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .build(transport)
}

fn send<T: TestTransport>(client: &Client<T>) -> Result<(), Error<T::Error>> {
    let send = SendWorkNotification::new(DEMO_AGENT_ID, Message::text("via?")).to_users(["alice"]);
    client.send(&send).map(drop)
}

/// A loopback target never goes through a proxy, whatever the environment or the setting
/// says (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY in either case, CGI's REQUEST_METHOD, an
/// explicit proxy): the simulator gets the calls, the proxy nothing.
pub fn loopback_never_uses_a_proxy<T: TestTransport>(make: MakeWithProxy<T>) {
    let proxy = RecordingProxy::start();
    let server = MockServer::start().expect("simulator");
    let url = proxy.url();
    let envs: Vec<Vec<(&str, &str)>> = vec![
        vec![("HTTP_PROXY", &url), ("http_proxy", &url)],
        vec![("HTTPS_PROXY", &url), ("https_proxy", &url)],
        vec![("ALL_PROXY", &url), ("all_proxy", &url)],
        vec![("HTTP_PROXY", &url), ("REQUEST_METHOD", "GET")],
        vec![("ALL_PROXY", &url), ("NO_PROXY", "localhost")],
    ];
    for vars in envs {
        let client = client_at(&server.base_url(), make(ProxySetting::FromEnv, env(&vars)));
        send(&client).unwrap_or_else(|e| panic!("{vars:?}: {e}"));
    }
    let explicit = ProxySetting::Via(ProxyUrl::parse(&url).expect("proxy URL"));
    let client = client_at(&server.base_url(), make(explicit, env(&[])));
    send(&client).expect("explicit proxy, loopback target");
    assert_eq!(proxy.heads(), Vec::<String>::new(), "the proxy saw nothing");
    assert_eq!(server.requests_to(Route::Send).len(), 6);
}

/// An https target goes through the proxy the setting or `HTTPS_PROXY`/`ALL_PROXY` names,
/// as a `CONNECT` that carries no secret (the query travels inside the TLS tunnel); never
/// through `HTTP_PROXY`, CGI or not; not for a host `NO_PROXY` lists.
pub fn https_targets_use_the_proxy_by_connect<T: TestTransport>(make: MakeWithProxy<T>) {
    const TARGET: &str = "https://oapi.dingtalk.invalid";
    let proxy = RecordingProxy::start();
    let url = proxy.url();
    // (setting, environment, whether the proxy is used)
    type Case<'a> = (ProxySetting, Vec<(&'a str, &'a str)>, bool);
    let cases: Vec<Case<'_>> = vec![
        (ProxySetting::FromEnv, vec![("HTTPS_PROXY", &url)], true),
        (ProxySetting::FromEnv, vec![("all_proxy", &url)], true),
        (
            ProxySetting::Via(ProxyUrl::parse(&proxy.authority()).expect("url")),
            vec![("NO_PROXY", "*")],
            true,
        ),
        (ProxySetting::FromEnv, vec![("HTTP_PROXY", &url)], false),
        (
            ProxySetting::FromEnv,
            vec![("HTTP_PROXY", &url), ("REQUEST_METHOD", "POST")],
            false,
        ),
        (
            ProxySetting::FromEnv,
            vec![("HTTPS_PROXY", &url), ("NO_PROXY", ".dingtalk.invalid")],
            false,
        ),
        (ProxySetting::Direct, vec![("HTTPS_PROXY", &url)], false),
    ];
    for (setting, vars, proxied) in cases {
        let before = proxy.heads().len();
        let client = client_at(TARGET, make(setting.clone(), env(&vars)));
        let err = send(&client).expect_err("nothing answers");
        let heads = proxy.heads();
        let new = &heads[before..];
        if proxied {
            assert_eq!(new.len(), 1, "{setting:?} {vars:?}: {new:?} ({err})");
            assert!(
                new[0].starts_with("CONNECT oapi.dingtalk.invalid:443 "),
                "{new:?}"
            );
            for secret in [DEMO_APP_SECRET, "appsecret", "access_token"] {
                assert!(
                    !new[0].contains(secret),
                    "{secret} reached the proxy: {new:?}"
                );
            }
        } else {
            assert!(new.is_empty(), "{setting:?} {vars:?}: {new:?}");
        }
    }
}

/// A proxy that cannot be used (`socks5://`, unparsable) fails the call with nothing sent,
/// anywhere: never a silent direct connection.
pub fn an_unusable_proxy_fails_the_call<T: TestTransport>(make: MakeWithProxy<T>) {
    let proxy = RecordingProxy::start();
    let socks = format!("socks5://{}", proxy.authority());
    for bad in [socks.as_str(), "http://proxy:port", "socks4a://x"] {
        let target = "https://oapi.dingtalk.invalid";
        let client = client_at(
            target,
            make(ProxySetting::FromEnv, env(&[("HTTPS_PROXY", bad)])),
        );
        let err = send(&client).expect_err("unusable proxy");
        let shown = err.to_string();
        assert!(shown.contains("proxy"), "{bad}: {shown}");
        assert!(shown.contains("nothing was sent"), "{bad}: {shown}");
        match &err {
            Error::Transport(e) => assert_eq!(
                client.transport().classify(e),
                TransportErrorKind::Connect,
                "{bad}"
            ),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
}

/// A proxy that answers every connection with `answer` (garbage, or nothing at all) once
/// it has read the request head, then closes; it counts the connections. It stops when
/// dropped.
pub struct GarbageProxy {
    addr: SocketAddr,
    connections: Arc<Mutex<usize>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GarbageProxy {
    /// Starts it on 127.0.0.1:0.
    ///
    /// # Panics
    /// If it cannot bind.
    pub fn start(answer: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let connections = Arc::new(Mutex::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (connections, stop) = (Arc::clone(&connections), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok((mut s, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    };
                    *connections.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = s.write_all(answer);
                    let _ = s.flush();
                    let _ = s.shutdown(std::net::Shutdown::Both);
                }
            })
        };
        Self {
            addr,
            connections,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        *self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for GarbageProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What garbage proxies answer a `CONNECT` with: not HTTP, nothing, a status line cut short,
/// a head that never ends, a refusal.
pub const GARBAGE_ANSWERS: [&[u8]; 6] = [
    b"\x16\x03\x01garbage that is not HTTP\r\n\r\n",
    b"SSH-2.0-OpenSSH_9.6\r\n",
    b"",
    b"HTTP/1.1 2",
    b"HTTP/1.1 200 Connection established\r\nX-Padding: aaaa",
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
];

/// A proxy that answers a `CONNECT` with garbage (or not at all) fails the call as a
/// transport failure that names the proxy, with nothing sent to DingTalk: the error is a
/// connect failure ([`TransportErrorKind::Connect`], safe to retry), never a malformed
/// answer from DingTalk.
pub fn a_garbage_proxy_is_a_transport_failure<T: TestTransport>(make: MakeWithProxy<T>) {
    let mut wrong = Vec::new();
    for answer in GARBAGE_ANSWERS {
        let proxy = GarbageProxy::start(answer);
        let setting = ProxySetting::Via(ProxyUrl::parse(&proxy.url()).expect("proxy URL"));
        let client = client_at("https://oapi.dingtalk.invalid", make(setting, env(&[])));
        let shown = String::from_utf8_lossy(answer);
        let err = send(&client).expect_err("a garbage proxy");
        let kind = match &err {
            Error::Transport(e) => Some(client.transport().classify(e)),
            _ => None,
        };
        if proxy.connections() == 0
            || kind != Some(TransportErrorKind::Connect)
            || err.may_have_been_sent()
            || !err.to_string().contains("the proxy")
        {
            wrong.push(format!("{shown:?}: {kind:?}: {err}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Expands the proxy scenarios into `#[test]`s over `$make: MakeWithProxy<T>`.
#[macro_export]
macro_rules! proxy_matrix {
    ($make:path) => {
        $crate::proxy_matrix!(@tests $make;
            loopback_never_uses_a_proxy,
            https_targets_use_the_proxy_by_connect,
            an_unusable_proxy_fails_the_call,
            a_garbage_proxy_is_a_transport_failure,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::proxy::$name($make);
            }
        )*
    };
}
