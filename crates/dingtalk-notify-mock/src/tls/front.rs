//! The TLS front: a listener that terminates TLS (rustls) and relays the plaintext, both
//! ways, over a loopback connection to the plain simulator. A close or reset from the
//! simulator (a fault) is passed on to the client as a close or a reset.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The open connections (client side and simulator side, to close them from outside)
/// and the relay threads.
#[derive(Default)]
struct Open {
    next: u64,
    streams: std::collections::HashMap<u64, (TcpStream, TcpStream)>,
    handles: Vec<JoinHandle<()>>,
}

/// A running TLS front.
pub(crate) struct Front {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Open>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl Front {
    /// Listens on 127.0.0.1:`port` and relays every connection to `inner`.
    pub(crate) fn start(
        port: u16,
        config: Arc<ServerConfig>,
        inner: SocketAddr,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Open::default()));
        let (thread_stop, thread_open) = (Arc::clone(&stop), Arc::clone(&open));
        let accept = thread::Builder::new()
            .name("dingtalk-mock-tls-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if thread_stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(outer) = stream else { continue };
                    relay(outer, &config, inner, &thread_open);
                }
            })?;
        Ok(Self {
            addr,
            stop,
            open,
            accept: Mutex::new(Some(accept)),
        })
    }

    /// The listening address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection and joins every thread. Idempotent.
    pub(crate) fn shutdown(&self) {
        if !self.stop.swap(true, Ordering::SeqCst) {
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        }
        if let Some(accept) = lock(&self.accept).take() {
            let _ = accept.join();
        }
        let handles = {
            let mut open = lock(&self.open);
            for (outer, inner) in open.streams.values() {
                let _ = outer.shutdown(Shutdown::Both);
                let _ = inner.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut open.handles)
        };
        for handle in handles {
            let _ = handle.join();
        }
    }
}

/// Starts the two relay threads of one client connection.
fn relay(outer: TcpStream, config: &Arc<ServerConfig>, inner: SocketAddr, open: &Arc<Mutex<Open>>) {
    let _ = outer.set_nodelay(true);
    let (Ok(inner), Ok(conn)) = (
        TcpStream::connect(inner),
        ServerConnection::new(Arc::clone(config)),
    ) else {
        let _ = outer.shutdown(Shutdown::Both);
        return;
    };
    let _ = inner.set_nodelay(true);
    let conn = Arc::new(Mutex::new(conn));
    let clones = (
        outer.try_clone(),
        outer.try_clone(),
        inner.try_clone(),
        inner.try_clone(),
    );
    let (Ok(outer_w), Ok(outer_reg), Ok(inner_r), Ok(inner_reg)) = clones else {
        let _ = outer.shutdown(Shutdown::Both);
        return;
    };
    let mut registry = lock(open);
    registry.handles.retain(|h| !h.is_finished());
    let id = registry.next;
    registry.next += 1;
    registry.streams.insert(id, (outer_reg, inner_reg));
    let up_conn = Arc::clone(&conn);
    let up = thread::Builder::new()
        .name("dingtalk-mock-tls-up".into())
        .spawn(move || client_to_server(outer, inner, &up_conn));
    let down_open = Arc::clone(open);
    let down = thread::Builder::new()
        .name("dingtalk-mock-tls-down".into())
        .spawn(move || {
            server_to_client(inner_r, outer_w, &conn);
            // Drop the registered handles: the socket closes once the up thread is done.
            lock(&down_open).streams.remove(&id);
        });
    registry.handles.extend(up.ok());
    registry.handles.extend(down.ok());
}

/// Writes whatever TLS records the connection has for the client.
fn flush_tls(conn: &mut ServerConnection, outer: &mut TcpStream) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(outer)?;
    }
    outer.flush()
}

/// Client bytes in: TLS records to plaintext for the simulator (and handshake replies out).
fn client_to_server(mut outer: TcpStream, mut inner: TcpStream, conn: &Mutex<ServerConnection>) {
    let mut outer_w = match outer.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut buf = vec![0u8; 16 * 1024];
    let mut plain = vec![0u8; 16 * 1024];
    loop {
        let n = match outer.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut out = Vec::new();
        let ok = {
            let mut c = lock(conn);
            let mut rd = &buf[..n];
            let mut ok = true;
            while !rd.is_empty() && ok {
                ok = c.read_tls(&mut rd).is_ok() && c.process_new_packets().is_ok();
                loop {
                    match c.reader().read(&mut plain) {
                        Ok(0) => break,
                        Ok(k) => out.extend_from_slice(&plain[..k]),
                        Err(_) => break,
                    }
                }
            }
            // A handshake reply, or the alert of a refused handshake.
            let flushed = flush_tls(&mut c, &mut outer_w).is_ok();
            ok && flushed
        };
        if !out.is_empty() && inner.write_all(&out).is_err() {
            break;
        }
        if !ok {
            break;
        }
    }
    let _ = inner.shutdown(Shutdown::Write);
}

/// Simulator bytes out: plaintext to TLS records for the client. A reset from the
/// simulator becomes a reset to the client; a close becomes `close_notify` and a close.
fn server_to_client(mut inner: TcpStream, mut outer: TcpStream, conn: &Mutex<ServerConnection>) {
    let mut buf = vec![0u8; 16 * 1024];
    let reset = loop {
        match inner.read(&mut buf) {
            Ok(0) => break false,
            Ok(n) => {
                let mut c = lock(conn);
                if c.writer().write_all(&buf[..n]).is_err()
                    || flush_tls(&mut c, &mut outer).is_err()
                {
                    break false;
                }
            }
            Err(e) => break e.kind() == io::ErrorKind::ConnectionReset,
        }
    };
    if reset {
        // SO_LINGER 0: the last close of the socket sends a RST. Shutting down the read
        // side only wakes the up thread (no FIN); then every handle is dropped.
        let _ = socket2::SockRef::from(&outer).set_linger(Some(Duration::ZERO));
        let _ = outer.shutdown(Shutdown::Read);
        return;
    }
    {
        let mut c = lock(conn);
        c.send_close_notify();
        let _ = flush_tls(&mut c, &mut outer);
    }
    let _ = outer.shutdown(Shutdown::Both);
}
