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
    let mut idle = TcpStream::connect(server.addr()).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // Make sure the connection is accepted before shutting down.
    let mut conn = Conn::open(server.addr());
    assert_eq!(conn.send("GET", "/x", b"").status, 404);
    server.shutdown();
    let mut buf = [0u8; 1];
    // Closed, not left hanging: EOF (or a reset), well before the read timeout.
    assert!(matches!(idle.read(&mut buf), Ok(0) | Err(_)));
    server.shutdown(); // idempotent
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
