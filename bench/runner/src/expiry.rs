//! `expiry`: how many `/gettoken` requests T threads make when released together at a
//! token's expiry, and inside its refresh window.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use dingtalk_notify::isahc::IsahcTransport;
use dingtalk_notify::kit::transport::TransportErrorKind;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, HttpRequest, HttpResponse, TaskHandle, Transport};

use crate::contenders::{client, client_call};
use crate::{AGENT, Result, TASK};

/// A transport that counts the token fetches going through it.
pub(crate) struct Counting<T> {
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

pub(crate) fn expiry(
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
pub(crate) fn expiry_with<T: Transport + Send + Sync + 'static>(
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
    crate::emit(&serde_json::json!({
        "mode": "expiry",
        "contender": contender,
        "threads": threads,
        "lifetime_s": lifetime.as_secs(),
        "fetches_after_expiry": expired,
        "fetches_in_refresh_window": refresh,
    }))
}
