//! Clean shutdown: the port is free again and open connections are closed.

mod common;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::MockServer;

#[test]
fn the_port_can_be_bound_again_after_drop() {
    let server = MockServer::start().unwrap();
    let port = server.port();
    // Leave a keep-alive connection open, mid-conversation.
    let mut conn = Conn::open(server.addr());
    assert_eq!(conn.send("GET", "/gettoken", b"").json()["errcode"], 40);
    drop(server);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("port released");
    drop(listener);
    // And a new simulator can use it.
    let again = MockServer::builder().port(port).start().unwrap();
    assert_eq!(again.port(), port);
    assert_eq!(get(&again, "/gettoken")["errcode"], 40);
}

#[test]
fn open_connections_are_closed_by_shutdown() {
    let server = MockServer::start().unwrap();
    // An idle connection that has sent nothing, and a keep-alive one mid-conversation.
    let mut idle = TcpStream::connect(server.addr()).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut conn = Conn::open(server.addr());
    assert_eq!(conn.send("GET", "/x", b"").status, 404);
    // Connections are accepted in order, so `idle` has been accepted too.
    assert_eq!(server.connections_accepted(), 2);
    server.shutdown();
    // Closed, not left hanging: end-of-stream or a reset, well before the 30 s read
    // timeout. A timeout (`WouldBlock`/`TimedOut`) or any byte fails the test.
    assert_closed(&mut idle);
    assert_closed(conn.stream());
    server.shutdown(); // idempotent
}

fn assert_closed(stream: &mut TcpStream) {
    let mut buf = [0u8; 1];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ) => {}
        other => panic!("the connection is still open: {other:?}"),
    }
}

#[test]
fn wait_returns_after_a_handle_asks_to_stop() {
    let server = MockServer::start().unwrap();
    let port = server.port();
    let handle = server.shutdown_handle();
    let stopper = std::thread::spawn(move || handle.shutdown());
    server.wait();
    stopper.join().unwrap();
    TcpListener::bind(("127.0.0.1", port)).expect("port released after wait");
}
