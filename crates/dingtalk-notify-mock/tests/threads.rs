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
    // A joined thread can still be listed for a moment: Linux wakes the joiner when the
    // thread clears its tid, a little before the task is reaped. Give it a few seconds.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while threads() > before && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(threads(), before);
}
