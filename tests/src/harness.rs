//! The test harness: a simulator and a client that share one virtual timeline.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use dingtalk_notify::kit::retry::FixedJitter;
use dingtalk_notify::kit::transport::{EnvProxies, ProxySetting, RootCertificates};
use dingtalk_notify::{
    BaseUrl, Client, ClientBuilder, Clock, RetryPolicy, TokenSource, Transport, VirtualClock,
};
use dingtalk_notify_mock::{MockClock, MockServer, MockServerBuilder};

/// What a scenario asks of the transport under test.
#[derive(Debug, Clone)]
pub struct TransportSettings {
    /// Overall timeout of one request.
    pub timeout: Duration,
    /// Body cap.
    pub max_body: usize,
    /// The authorities trusted (default: the bundled roots).
    pub roots: RootCertificates,
    /// The proxy setting (default: from the environment below).
    pub proxy: ProxySetting,
    /// The proxy environment (default: empty, so the developer's own variables stay out).
    pub proxy_env: EnvProxies,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_body: 4 * 1024 * 1024,
            roots: RootCertificates::default(),
            proxy: ProxySetting::default(),
            proxy_env: EnvProxies::default(),
        }
    }
}

/// The ureq transport under test, with `settings`.
pub fn ureq_transport(settings: TransportSettings) -> dingtalk_notify::ureq::UreqTransport {
    dingtalk_notify::ureq::UreqTransport::builder()
        .timeout(settings.timeout)
        .max_body_size(settings.max_body)
        .root_certificates(settings.roots)
        .proxy(settings.proxy)
        .proxy_env(settings.proxy_env)
        .build()
}

/// The isahc transport under test, with `settings`.
pub fn isahc_transport(settings: TransportSettings) -> dingtalk_notify::isahc::IsahcTransport {
    dingtalk_notify::isahc::IsahcTransport::builder()
        .timeout(settings.timeout)
        .max_body_size(settings.max_body)
        .root_certificates(settings.roots)
        .proxy(settings.proxy)
        .proxy_env(settings.proxy_env)
        .build()
}

/// The client's clock for simulator tests: virtual, and every sleep (or advance) moves the
/// simulator's clock by as much, so retries, polling and expiry happen on one timeline.
#[derive(Clone, Debug)]
pub struct SharedClock {
    /// The client's side.
    pub client: VirtualClock,
    /// The simulator's side.
    pub mock: MockClock,
}

impl SharedClock {
    /// Moves both clocks.
    pub fn advance(&self, by: Duration) {
        self.client.advance(by);
        self.mock.advance(by);
    }
}

impl Clock for SharedClock {
    fn now(&self) -> Instant {
        self.client.now()
    }
    fn wall(&self) -> SystemTime {
        self.client.wall()
    }
    fn sleep(&self, duration: Duration) {
        self.client.sleep(duration);
        self.mock.advance(duration);
    }
}

/// A frozen-clock simulator and a client over `T` sharing its timeline.
pub struct Harness<T> {
    /// The simulator.
    pub server: MockServer,
    /// The client.
    pub client: Client<T>,
    /// The shared timeline.
    pub clock: SharedClock,
}

/// The retry policy the scenarios use: 4 attempts, 30 s virtual deadline.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
}

/// A simulator built by `configure`, and a client with `source` over `transport`.
///
/// # Panics
/// If the simulator cannot start.
pub fn harness_with<T: Transport>(
    transport: T,
    source: impl FnOnce(&MockServer) -> TokenSource,
    configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder,
) -> Harness<T> {
    harness_with_client(transport, source, configure, |b| b)
}

/// [`harness_with`], with the client's builder finished by `client` (a recipient budget,
/// say).
///
/// # Panics
/// If the simulator cannot start.
pub fn harness_with_client<T: Transport>(
    transport: T,
    source: impl FnOnce(&MockServer) -> TokenSource,
    configure: impl FnOnce(MockServerBuilder) -> MockServerBuilder,
    client: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Harness<T> {
    let server = configure(MockServer::builder().frozen_clock())
        .start()
        .expect("the simulator starts");
    let clock = SharedClock {
        client: VirtualClock::new(),
        mock: server.clock(),
    };
    let builder = Client::builder(source(&server))
        .base_url(BaseUrl::new(&server.base_url()).expect("loopback base URL"))
        .retry(retry_policy())
        .clock(clock.clone())
        .jitter(FixedJitter(0.5));
    let client = client(builder).build(transport);
    Harness {
        server,
        client,
        clock,
    }
}

/// The usual harness: the demo app, default simulator.
pub fn harness<T: Transport>(transport: T) -> Harness<T> {
    harness_with(transport, |_| demo_app(), |b| b)
}

/// The simulator's demo internal app.
pub fn demo_app() -> TokenSource {
    TokenSource::app(
        dingtalk_notify_mock::DEMO_APP_KEY,
        dingtalk_notify_mock::DEMO_APP_SECRET,
    )
}

/// A loopback server that accepts connections, reads, and never answers, until dropped.
pub struct SilentServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentServer {
    /// Starts it on 127.0.0.1:0.
    ///
    /// # Panics
    /// If it cannot bind.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let held = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let stop = Arc::clone(&stop);
            let held = Arc::clone(&held);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((mut s, _)) => {
                            let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
                            let mut buf = [0u8; 4096];
                            let _ = s.read(&mut buf);
                            held.lock().expect("lock").push(s);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Self {
            addr,
            stop,
            thread: Some(thread),
            held,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.held.lock().expect("lock").len()
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A port nothing listens on (bound, then released).
///
/// # Panics
/// If it cannot bind.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
