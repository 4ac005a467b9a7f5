//! The accept loop and one thread per connection.

use std::io::BufReader;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::lock;
use super::shared::{Open, Shared};
use super::write::{Then, write_json};
use crate::http::{self, Deadline, ReadOutcome};
use crate::sim::{Reject, Wrap, answer, code};

const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes closing `stream` send a TCP RST instead of a FIN: with `SO_LINGER` set to zero,
/// the last close aborts the connection. Falls back to a clean close if the option cannot
/// be set.
fn arm_reset(stream: &TcpStream) {
    if let Err(e) = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO)) {
        log::debug!("mock: cannot set SO_LINGER to 0 ({e}); closing with a FIN");
        let _ = stream.shutdown(Shutdown::Both);
    }
}

pub(super) fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        match stream {
            Ok(stream) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                spawn_connection(stream, shared);
            }
            Err(e) => {
                log::debug!("mock: accept failed: {e}");
                // Out of descriptors, say: back off instead of spinning.
                if !shared.sleep(Duration::from_millis(20)) {
                    break;
                }
            }
        }
    }
    log::debug!("mock: accept thread done");
}

fn spawn_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let mut conns = lock(&shared.conns);
    // Reap finished connection threads.
    let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut conns.handles)
        .into_iter()
        .partition(JoinHandle::is_finished);
    conns.handles = running;
    for handle in done {
        let _ = handle.join();
    }
    // At capacity, the connection idle the longest makes room; only when every one is
    // busy answering is the newcomer turned away.
    if conns.open.len() >= shared.max_connections && !conns.evict_idlest() {
        drop(conns);
        let mut stream = stream;
        let answer = answer::refuse(
            &Reject::with_status(503, code::SYSTEM_BUSY, "system busy"),
            Wrap::Plain,
            &shared.ids,
        );
        let _ = write_json(&mut stream, &answer, false);
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let Ok(registered) = stream.try_clone() else {
        return;
    };
    let id = conns.next;
    conns.next += 1;
    conns.open.insert(
        id,
        Open {
            stream: registered,
            idle_since: Some(Instant::now()),
        },
    );
    let thread_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("dingtalk-mock-conn".into())
        .spawn(move || {
            serve(id, stream, &thread_shared);
            lock(&thread_shared.conns).open.remove(&id);
        });
    match spawned {
        Ok(handle) => conns.handles.push(handle),
        Err(e) => {
            log::debug!("mock: cannot spawn a connection thread: {e}");
            if let Some(open) = conns.open.remove(&id) {
                let _ = open.stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Serves connection `id`: request after request, each of which must arrive (the wait for
/// it included) within the idle timeout, however the bytes trickle in.
fn serve(id: u64, stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(Deadline::new(read_half));
    let mut writer = stream;
    let mut then = Then::Close;
    while !shared.stopping() {
        lock(&shared.conns).mark(id, true);
        reader.get_mut().set(shared.idle_timeout);
        let outcome = http::read_request(&mut reader, &mut writer, shared.max_body);
        lock(&shared.conns).mark(id, false);
        match outcome {
            ReadOutcome::Closed => break,
            ReadOutcome::Malformed { status, reason } => {
                let answer = answer::refuse(
                    &Reject::with_status(
                        status,
                        code::INVALID_ARGUMENT,
                        format!("Invalid arguments: {reason}"),
                    ),
                    Wrap::Plain,
                    &shared.ids,
                );
                let _ = write_json(&mut writer, &answer, false);
                break;
            }
            ReadOutcome::BodyTooLarge(req) => {
                let now = shared.clock.now();
                let route = shared.route_of(&req.path);
                shared.record(&req, route, now);
                let answer = answer::refuse(
                    &Reject::with_status(
                        413,
                        code::INVALID_ARGUMENT,
                        format!(
                            "Invalid arguments: the request body is over {} bytes",
                            shared.max_body
                        ),
                    ),
                    Wrap::Plain,
                    &shared.ids,
                );
                let _ = write_json(&mut writer, &answer, false);
                break;
            }
            ReadOutcome::Request(req) => {
                then = shared.handle(&req, &mut writer);
                if then != Then::KeepOpen {
                    break;
                }
            }
        }
    }
    if then == Then::Reset {
        // The RST goes out when the last handle on the socket (the one in `Conns`, removed
        // right after this returns) is dropped.
        arm_reset(&writer);
    } else {
        let _ = writer.shutdown(Shutdown::Both);
    }
}
