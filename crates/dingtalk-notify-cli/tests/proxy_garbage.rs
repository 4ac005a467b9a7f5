//! A proxy that answers garbage is a transport failure: exit 3, kind `transport`, a message
//! that names the proxy, nothing sent (issue 20, item 13). Before, ureq's parse error of the
//! proxy's answer came out as a malformed answer from DingTalk (exit 5, kind `response`).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{bare, run};

/// A proxy that reads a request head, answers `answer` and closes; it counts connections.
fn garbage_proxy(answer: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(answer);
        }
    });
    (format!("http://{addr}"), count)
}

#[test]
fn a_garbage_proxy_exits_3_as_a_transport_failure() {
    for answer in [
        &b"\x16\x03\x01garbage that is not HTTP\r\n\r\n"[..],
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"",
    ] {
        let (proxy, connections) = garbage_proxy(answer);
        let shown = String::from_utf8_lossy(answer);
        for command in [
            &["send", "--user", "alice", "--text", "hi"][..],
            &["progress", "--task-id", "1"],
        ] {
            let mut args = vec![
                "--json",
                "--proxy",
                proxy.as_str(),
                "--base-url",
                "https://oapi.dingtalk.invalid",
                "--access-token",
                "tok-1234",
                "--agent-id",
                "1",
                "--timeout",
                "2",
            ];
            args.extend(command);
            let r = run(bare(), &args);
            assert_eq!(r.code, Some(3), "{shown:?} {command:?}: {r:#?}");
            let doc = r.json();
            assert_eq!(doc["error"]["kind"], "transport", "{shown:?}: {r:#?}");
            let message = doc["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("the proxy"), "{shown:?}: {message}");
            assert!(!r.all().contains("tok-1234"), "{r:#?}");
        }
        assert!(connections.load(Ordering::SeqCst) >= 2, "{shown:?}");
    }
}
