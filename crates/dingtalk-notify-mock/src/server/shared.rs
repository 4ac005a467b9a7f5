//! The state every connection thread shares: the simulator, faults, records, connections
//! and the stop signal; routing a request to its answer.

use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::lock;
use crate::clock::MockClock;
use crate::fault::{FaultTable, Route};
use crate::gateway::ErrorStyle;
use crate::http::Incoming;
use crate::record::RecordedRequest;
use crate::sim::{Answer, Ids, Reject, Sim, Wrap, answer, code};

/// An open connection: its socket (to close it from outside) and since when it has been
/// waiting for a request (`None` while one is being answered).
pub(super) struct Open {
    pub(super) stream: TcpStream,
    pub(super) idle_since: Option<Instant>,
}

#[derive(Default)]
pub(super) struct Conns {
    pub(super) next: u64,
    pub(super) open: HashMap<u64, Open>,
    pub(super) handles: Vec<JoinHandle<()>>,
}

impl Conns {
    /// Closes the connection that has waited longest for a request; `false` if every
    /// connection is busy answering one.
    pub(super) fn evict_idlest(&mut self) -> bool {
        let idlest = self
            .open
            .iter()
            .filter_map(|(id, open)| open.idle_since.map(|since| (since, *id)))
            .min();
        match idlest.and_then(|(_, id)| self.open.remove(&id)) {
            Some(open) => {
                log::debug!("mock: evicting an idle connection to make room");
                let _ = open.stream.shutdown(std::net::Shutdown::Both);
                true
            }
            None => false,
        }
    }

    /// Marks connection `id` idle (waiting for a request) or busy.
    pub(super) fn mark(&mut self, id: u64, idle: bool) {
        if let Some(open) = self.open.get_mut(&id) {
            open.idle_since = idle.then(Instant::now);
        }
    }
}

pub(super) struct Shared {
    pub(super) sim: Mutex<Sim>,
    pub(super) clock: MockClock,
    pub(super) ids: Ids,
    pub(super) faults: Mutex<FaultTable>,
    pub(super) requests: Mutex<VecDeque<RecordedRequest>>,
    pub(super) max_recorded: usize,
    pub(super) path_prefix: String,
    pub(super) max_body: usize,
    pub(super) error_style: ErrorStyle,
    pub(super) max_connections: usize,
    pub(super) idle_timeout: Duration,
    pub(super) token_fetches: AtomicUsize,
    pub(super) accepted: AtomicUsize,
    pub(super) stop: AtomicBool,
    pub(super) stop_lock: Mutex<bool>,
    pub(super) stop_cv: Condvar,
    pub(super) conns: Mutex<Conns>,
    pub(super) addr: SocketAddr,
}

impl Shared {
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub(super) fn request_stop(&self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        *lock(&self.stop_lock) = true;
        self.stop_cv.notify_all();
        // Wake the accept thread; it sees the flag and leaves.
        for _ in 0..3 {
            if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
                break;
            }
        }
    }

    /// Sleeps `d` of real time; `false` if the server stopped meanwhile. A duration too
    /// long to represent waits until the server stops.
    pub(super) fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now().checked_add(d);
        let mut stopped = lock(&self.stop_lock);
        loop {
            if *stopped {
                return false;
            }
            stopped = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return true;
                    }
                    self.stop_cv
                        .wait_timeout(stopped, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .stop_cv
                    .wait(stopped)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    pub(super) fn wait_for_stop(&self) {
        let mut stopped = lock(&self.stop_lock);
        while !*stopped {
            stopped = self
                .stop_cv
                .wait(stopped)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether `path` (prefix included) is under `/topapi/`.
    fn is_topapi_path(&self, path: &str) -> bool {
        path.strip_prefix(self.path_prefix.as_str())
            .is_some_and(|rest| rest.starts_with("/topapi/"))
    }

    pub(super) fn route_of(&self, path: &str) -> Route {
        match path.strip_prefix(self.path_prefix.as_str()) {
            Some(rest) if rest.starts_with('/') => Route::from_path(rest),
            _ => Route::Unknown,
        }
    }

    pub(super) fn record(&self, req: &Incoming, route: Route, now: Duration) {
        if self.max_recorded == 0 {
            return;
        }
        let recorded = RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            route,
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            at: now,
        };
        let mut requests = lock(&self.requests);
        while requests.len() >= self.max_recorded {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }

    pub(super) fn answer(&self, route: Route, req: &Incoming, now: Duration) -> Answer {
        match route.method() {
            None if self.error_style == ErrorStyle::RealGateway
                && self.is_topapi_path(&req.path) =>
            {
                // The live gateway: HTTP 200, errcode 22, `sub_msg` and no `sub_code`.
                answer::refuse(
                    &Reject::new(code::INVALID_METHOD, "不存在的方法名"),
                    Wrap::SubMsgOnly,
                    &self.ids,
                )
            }
            None => answer::refuse(
                &Reject::with_status(
                    404,
                    code::INVALID_METHOD,
                    "Invalid method: this path is not served",
                ),
                Wrap::Plain,
                &self.ids,
            ),
            Some(method) if method != req.method => answer::refuse(
                &Reject::with_status(
                    405,
                    code::INVALID_METHOD,
                    format!("Invalid method: use {method}"),
                ),
                Wrap::Plain,
                &self.ids,
            ),
            Some(_) => lock(&self.sim).handle(route, req, now, &self.ids),
        }
    }
}
