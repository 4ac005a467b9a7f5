//! No thread outlives the server (alone in its binary, so no other test adds threads).

mod common;

use common::*;
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};

#[cfg(target_os = "linux")]
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[cfg(target_os = "linux")]
#[test]
fn dropping_the_server_joins_every_thread() {
    let before = threads();
    {
        let server = MockServer::start().unwrap();
        server.inject(
            Route::SendProgress,
            Calls::All,
            Fault::Delay(std::time::Duration::from_secs(600)),
        );
        // Several connections, some idle keep-alive, one stuck in a long delay.
        let mut conns: Vec<Conn> = (0..8).map(|_| Conn::open(server.addr())).collect();
        for c in &mut conns {
            assert_eq!(c.send("GET", "/gettoken", b"").status, 200);
        }
        let addr = server.addr();
        let stuck = std::thread::spawn(move || {
            let raw =
                format!("POST {PROGRESS} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}");
            raw_exchange(addr, raw.as_bytes())
        });
        while server.requests_to(Route::SendProgress).is_empty() {
            std::thread::yield_now();
        }
        assert!(threads() > before + 8);
        drop(server);
        assert!(stuck.join().unwrap().is_empty(), "closed with no answer");
        drop(conns);
    }
    assert_eq!(threads(), before);
}
