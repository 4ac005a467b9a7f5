//! No lockout (issue 15 item 9): past the connection cap the idlest connection makes room
//! instead of every newcomer getting errcode -1, and a client trickling bytes cannot keep a
//! connection past its per-request deadline.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};

fn closed(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 1];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        ),
        Ok(_) => false,
    }
}

#[test]
fn idle_connections_past_the_cap_are_evicted_oldest_first() {
    const CAP: usize = 8;
    let server = MockServer::builder().max_connections(CAP).start().unwrap();
    // Fill the table with connections that never send a byte, each accepted in turn.
    let mut idle: Vec<TcpStream> = Vec::new();
    for i in 0..CAP {
        idle.push(TcpStream::connect(server.addr()).unwrap());
        let mut probe = Conn::open(server.addr());
        // The probe itself takes a slot, evicting the oldest idle one once full; wait for
        // the accept by talking, then drop it.
        assert_eq!(probe.send("GET", "/x", b"").status, 404, "connection {i}");
        drop(probe);
    }
    // Every newcomer is served: 40 more clients past the cap, none answered -1.
    for _ in 0..40 {
        let v = get(&server, "/gettoken");
        assert_eq!(v["errcode"], 40, "{v}");
    }
    // The idle ones were closed to make room, the oldest first.
    assert!(
        closed(&mut idle[0]),
        "the oldest idle connection was evicted"
    );
    assert!(server.connections_accepted() >= CAP + 40);
}

#[test]
fn a_busy_connection_is_not_evicted() {
    let server = MockServer::builder().max_connections(2).start().unwrap();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::Delay(Duration::from_millis(500)),
    );
    let addr = server.addr();
    // Connection A is busy answering a delayed request.
    let busy = std::thread::spawn(move || {
        let mut a = Conn::open(addr);
        a.send("GET", "/gettoken", b"").json()
    });
    while server.requests().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Connection B idles; C arrives at the cap: B makes room, A finishes.
    let mut b = TcpStream::connect(addr).unwrap();
    let mut c = Conn::open(addr);
    assert_eq!(c.send("GET", "/x", b"").status, 404);
    assert!(closed(&mut b));
    assert_eq!(busy.join().unwrap()["errcode"], 40);
}

#[test]
fn a_trickle_of_bytes_does_not_renew_the_idle_timeout() {
    let server = MockServer::builder()
        .idle_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    let head = b"GET /gettoken HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    // A byte every 50 ms: the head would take over 4 s; the deadline is 300 ms.
    let mut refused = false;
    for byte in head {
        if slow.write_all(&[*byte]).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Either a write failed, or the head went out whole to a socket already closed: no
    // answer comes back, only the close.
    assert!(
        refused || closed(&mut slow),
        "the trickling connection stayed open"
    );
    assert!(
        server.requests().is_empty(),
        "the trickled request was not served"
    );
    // A prompt client is served as ever.
    assert_eq!(get(&server, "/gettoken")["errcode"], 40);
}

#[test]
fn keep_alive_between_prompt_requests_still_works() {
    let server = MockServer::builder()
        .idle_timeout(Duration::from_secs(5))
        .start()
        .unwrap();
    let mut conn = Conn::open(server.addr());
    for _ in 0..3 {
        assert_eq!(conn.send("GET", "/x", b"").status, 404);
    }
    assert_eq!(server.connections_accepted(), 1);
}
