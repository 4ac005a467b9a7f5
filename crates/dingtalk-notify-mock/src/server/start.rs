//! Starting a simulator: the listener, the accept thread and (over HTTPS) the TLS front.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use super::conn::accept_loop;
use super::shared::{Conns, Shared};
use super::*;
use crate::fault::FaultTable;
use crate::sim::{Ids, Sim};
use crate::tls::front::Front;

impl MockServerBuilder {
    /// Binds 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// When the port cannot be bound or the accept thread cannot be started.
    pub fn start(self) -> io::Result<MockServer> {
        // Over HTTPS the plain simulator listens on a free port and the TLS front on ours.
        let plain_port = if self.tls.is_some() { 0 } else { self.port };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, plain_port))?;
        let addr = listener.local_addr()?;
        let clock = self.clock.unwrap_or_else(|| {
            if self.frozen {
                MockClock::frozen()
            } else {
                MockClock::new()
            }
        });
        let mut config = self.config;
        let origin = clock
            .wall()
            .checked_sub(clock.now())
            .unwrap_or(std::time::UNIX_EPOCH);
        config.wall_origin_ms = origin
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let base_url = format!("http://{addr}{}", config.path_prefix);
        let shared = Arc::new(Shared {
            path_prefix: config.path_prefix.clone(),
            error_style: config.error_style,
            max_connections: self.max_connections,
            idle_timeout: self.idle_timeout,
            max_body: config.max_body,
            max_recorded: config.max_recorded,
            sim: Mutex::new(Sim::new(config)),
            clock,
            ids: Ids::new(),
            faults: Mutex::new(FaultTable::default()),
            requests: Mutex::new(VecDeque::new()),
            token_fetches: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            stop_lock: Mutex::new(false),
            stop_cv: Condvar::new(),
            conns: Mutex::new(Conns::default()),
            addr,
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("dingtalk-mock-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        log::debug!("mock: listening on {addr}");
        let (front, public, base_url) = match &self.tls {
            None => (None, addr, base_url),
            Some(tls) => {
                let front = Front::start(self.port, tls.server_config()?, addr)?;
                let public = front.addr();
                let prefix = &shared.path_prefix;
                (Some(front), public, format!("https://{public}{prefix}"))
            }
        };
        Ok(MockServer {
            shared,
            addr: public,
            base_url,
            accept: Mutex::new(Some(accept)),
            front,
            tls: self.tls,
        })
    }
}
