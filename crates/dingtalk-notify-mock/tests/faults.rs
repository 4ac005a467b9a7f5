//! Every fault, checked on the wire.

mod common;

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Fault, MockServer, Route, code,
};
use serde_json::{Value, json};

fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

fn token_request() -> Vec<u8> {
    format!(
        "GET /gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

fn send_request(token: &str, content: &str) -> Vec<u8> {
    let body = json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text(content) })
        .to_string();
    format!(
        "POST {SEND}?access_token={token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn nth_call_of_one_route_only() {
    let server = frozen();
    let t = token(&server);
    let task = send_ok(
        &server,
        &t,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("x") }),
    );
    server.inject(Route::SendProgress, Calls::Nth(2), Fault::Http502Html);
    assert_eq!(progress(&server, &t, task)["errcode"], 0);
    let body = serde_json::to_vec(&json!({ "agent_id": DEMO_AGENT_ID, "task_id": task })).unwrap();
    let target = format!("{PROGRESS}?access_token={t}");
    let r = request(
        server.addr(),
        "POST",
        &target,
        Some("application/json"),
        &body,
    );
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(String::from_utf8_lossy(&r.body).contains("502 Bad Gateway"));
    assert_eq!(progress(&server, &t, task)["errcode"], 0);
    // Other routes were never affected.
    assert_eq!(result(&server, &t, task)["errcode"], 0);
}

#[test]
fn errcode_n_times_then_success_without_running_the_call() {
    let server = frozen();
    let t = token(&server);
    server.inject(
        Route::Send,
        Calls::First(2),
        Fault::ErrCode(code::SYSTEM_BUSY),
    );
    for _ in 0..2 {
        let v = send_text(&server, &t, "alice", "x");
        assert_eq!(v["errcode"], -1);
        assert_eq!(v["errmsg"], "system busy");
        assert!(v["request_id"].is_string());
    }
    assert!(server.tasks().is_empty(), "refused calls create no task");
    assert_eq!(send_text(&server, &t, "alice", "x")["errcode"], 0);
    assert_eq!(server.deliveries("alice"), 1);
}

#[test]
fn any_route_after_and_all() {
    let server = frozen();
    server.inject(Route::Any, Calls::After(1), Fault::Throttle);
    assert_eq!(
        token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET)["errcode"],
        0
    );
    for _ in 0..2 {
        let r = request(server.addr(), "GET", "/nowhere", None, b"");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.json(),
            json!({ "status": 1111, "wait": 5, "punish": "deny" })
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/json;charset=utf-8")
        );
    }
    server.clear_faults();
    assert_eq!(
        request(server.addr(), "GET", "/nowhere", None, b"").status,
        404
    );
    server.inject(
        Route::GetToken,
        Calls::All,
        Fault::HttpStatus {
            status: 503,
            body: "<html>busy</html>".into(),
        },
    );
    for _ in 0..3 {
        let r = request(server.addr(), "GET", "/gettoken", None, b"");
        assert_eq!(r.status, 503);
        assert_eq!(r.body, b"<html>busy</html>");
    }
}

#[test]
fn no_content_and_not_modified_statuses_have_no_body() {
    let server = frozen();
    let target = format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    for status in [204, 304] {
        server.inject(
            Route::GetToken,
            Calls::Nth(1),
            Fault::HttpStatus {
                status,
                body: "<html>dropped</html>".into(),
            },
        );
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let close = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        write!(s, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n{close}").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw);
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(!head.contains("Content-Length"), "{head}");
        // The next answer follows the head at once, in step.
        assert_eq!(parse_raw(rest.as_bytes()).json()["errcode"], 0, "{rest}");
        server.clear_faults();
    }
}

#[test]
fn the_first_matching_fault_in_injection_order_wins() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::Redirect("http://127.0.0.1:1/x".into()),
    );
    server.inject(Route::Any, Calls::First(2), Fault::Throttle);
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:1/x"));
    // The second rule counted that call too: one throttled call left.
    assert_eq!(
        parse_raw(&raw_exchange(server.addr(), &token_request())).json()["status"],
        1111
    );
    assert_eq!(
        parse_raw(&raw_exchange(server.addr(), &token_request())).json()["errcode"],
        0
    );
}

#[test]
fn delay_then_a_normal_answer() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::Delay(Duration::from_millis(20)),
    );
    assert_eq!(
        token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET)["errcode"],
        0
    );
    // A long delay (even one too long to represent) trips a client's read timeout, and
    // does not hold up shutdown.
    for delay in [Duration::from_secs(600), Duration::MAX] {
        server.inject(Route::GetToken, Calls::Nth(1), Fault::Delay(delay));
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        s.write_all(&token_request()).unwrap();
        let err = s.read(&mut [0; 16]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{err}"
        );
    }
    drop(server);
}

/// Writes `raw` on a fresh connection and reads until the server ends it: every byte
/// read, and how reading ended (`Ok` for end-of-stream, a FIN; the error otherwise).
fn exchange_until_end(addr: std::net::SocketAddr, raw: &[u8]) -> (Vec<u8>, io::Result<()>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, Ok(())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return (got, Err(e)),
        }
    }
}

#[track_caller]
fn assert_reset(end: &io::Result<()>) {
    match end {
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
        Ok(()) => panic!("a clean end-of-stream, not a reset"),
    }
}

#[test]
fn reset_before_response_is_a_tcp_rst_after_the_call_ran() {
    let server = frozen();
    let t = token(&server);
    server.inject(Route::Send, Calls::Nth(1), Fault::ResetBeforeResponse);
    let (got, end) = exchange_until_end(server.addr(), &send_request(&t, "ambiguous"));
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    assert_reset(&end);
    assert_eq!(
        server.tasks().len(),
        1,
        "the send happened: the failure is ambiguous"
    );
    assert_eq!(server.deliveries("alice"), 1);
    // The next call is answered normally.
    assert_eq!(send_text(&server, &t, "bob", "after")["errcode"], 0);
}

#[test]
fn close_before_response_is_a_clean_end_of_stream_after_the_call_ran() {
    let server = frozen();
    let t = token(&server);
    server.inject(Route::Send, Calls::Nth(1), Fault::CloseBeforeResponse);
    let (got, end) = exchange_until_end(server.addr(), &send_request(&t, "ambiguous"));
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    assert!(end.is_ok(), "{end:?}");
    assert_eq!(server.tasks().len(), 1);
    assert_eq!(server.deliveries("alice"), 1);
}

#[test]
fn reset_mid_body_sends_half_a_declared_body_then_a_tcp_rst() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::ResetMidBody);
    let (got, end) = exchange_until_end(server.addr(), &token_request());
    assert_reset(&end);
    let r = parse_raw(&got);
    assert_eq!(r.status, 200);
    let declared = r.content_length().unwrap();
    assert_eq!(r.body.len(), declared / 2);
    assert!(r.body.starts_with(b"{\"errcode\":0"));
    assert_eq!(server.token_fetches(), 1, "the call ran");
}

#[test]
fn close_mid_body_sends_half_a_declared_body_then_a_clean_end_of_stream() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::CloseMidBody);
    let (got, end) = exchange_until_end(server.addr(), &token_request());
    assert!(end.is_ok(), "{end:?}");
    let r = parse_raw(&got);
    assert_eq!(r.status, 200);
    let declared = r.content_length().unwrap();
    assert_eq!(r.body.len(), declared / 2);
    assert!(!r.body.is_empty());
}

#[test]
fn resets_and_closes_end_keep_alive_connections_too() {
    let server = frozen();
    let target = format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    for fault in [Fault::ResetBeforeResponse, Fault::CloseBeforeResponse] {
        let reset = fault == Fault::ResetBeforeResponse;
        server.inject(Route::GetToken, Calls::Nth(2), fault);
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        // Two pipelined requests: the first is answered, the second ends the connection.
        s.write_all(format!("{request}{request}").as_bytes())
            .unwrap();
        let mut got = Vec::new();
        let end = s.read_to_end(&mut got);
        let r = parse_raw(&got);
        assert_eq!(r.json()["errcode"], 0);
        assert_eq!(r.header("connection"), Some("keep-alive"));
        if reset {
            assert_eq!(end.unwrap_err().kind(), ErrorKind::ConnectionReset);
        } else {
            assert_eq!(end.unwrap(), got.len());
        }
        server.clear_faults();
    }
}

#[test]
fn truncated_json_is_a_well_formed_response_with_cut_json() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::TruncatedJson);
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.status, 200);
    assert_eq!(r.content_length(), Some(r.body.len()));
    assert!(r.body.starts_with(b"{\"errcode\":0"));
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
}

#[test]
fn oversized_answers_are_exactly_that_big_and_valid_json() {
    let server = frozen();
    let size = 5 * 1024 * 1024;
    server.inject(Route::GetToken, Calls::Nth(1), Fault::Oversized(size));
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.status, 200);
    assert_eq!(r.content_length(), Some(size));
    assert_eq!(r.body.len(), size);
    let v = r.json();
    assert_eq!(v["errcode"], 0);
    assert!(v.get("access_token").is_none());
    assert_eq!(server.token_fetches(), 1);
}

#[test]
fn oversized_behind_a_small_content_length_sends_far_more_than_declared() {
    let server = frozen();
    let t = token(&server);
    let actual = 5 * 1024 * 1024;
    server.inject(
        Route::Send,
        Calls::Nth(1),
        Fault::OversizedBehindSmallContentLength {
            declared: 100,
            actual,
        },
    );
    let (got, end) = exchange_until_end(server.addr(), &send_request(&t, "big"));
    assert!(end.is_ok(), "closed cleanly after the body: {end:?}");
    let r = parse_raw(&got);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_length(), Some(100));
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(r.body.len(), actual, "every byte was sent");
    // Trusting the header gives cut JSON; reading to the end gives a whole envelope.
    assert!(serde_json::from_slice::<Value>(&r.body[..100]).is_err());
    assert_eq!(r.json()["errcode"], 0);
    assert!(server.tasks().is_empty(), "it replaces the answer: no task");

    // Shorter than the envelope: exactly `actual` bytes all the same.
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::OversizedBehindSmallContentLength {
            declared: 2,
            actual: 5,
        },
    );
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.content_length(), Some(2));
    assert_eq!(r.body, b"{\"err");
}

#[test]
fn a_client_that_stops_at_the_declared_length_does_not_hold_the_server() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::OversizedBehindSmallContentLength {
            declared: 100,
            actual: 64 * 1024 * 1024,
        },
    );
    let mut conn = Conn::open(server.addr());
    let target = format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    let r = conn.send("GET", &target, b"");
    assert_eq!(r.body.len(), 100);
    drop(conn);
    // Still serving, and the stuck writer goes away with the server.
    assert_eq!(
        token_answer(&server, DEMO_APP_KEY, DEMO_APP_SECRET)["errcode"],
        0
    );
    server.shutdown();
}

#[test]
fn slow_drip_delivers_the_whole_body_in_pieces() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::SlowDrip {
            chunk: 7,
            interval: Duration::from_millis(1),
        },
    );
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.content_length(), Some(r.body.len()));
    assert_eq!(r.json()["errcode"], 0);
    // A slow enough drip trips a read timeout after the head.
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::SlowDrip {
            chunk: 1,
            interval: Duration::from_secs(600),
        },
    );
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s.write_all(&token_request()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let err = loop {
        match s.read(&mut buf) {
            Ok(0) => panic!("closed"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn lying_content_length_declares_less_than_it_sends() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::LyingContentLength);
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    let declared = r.content_length().unwrap();
    assert!(declared < r.body.len());
    assert_eq!(declared, r.body.len() / 2);
    assert_eq!(r.json()["errcode"], 0, "the full body was sent");
    assert_eq!(r.header("connection"), Some("close"));
}

/// Inflates a gzip stream, its CRC-32 and length checked.
fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn gzip_encodes_the_answer() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::Gzip);
    let r = parse_raw(&raw_exchange(server.addr(), &token_request()));
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.content_length(), Some(r.body.len()));
    let plain = gunzip(&r.body);
    let v: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(v["errcode"], 0);
    assert!(v["access_token"].is_string());
}

#[test]
fn huge_headers_come_before_a_normal_body() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::HugeHeaders(70 * 1024),
    );
    let raw = raw_exchange(server.addr(), &token_request());
    let r = parse_raw(&raw);
    let head_len = raw.len() - r.body.len();
    assert!(head_len > 70 * 1024, "{head_len}");
    assert!(
        r.headers
            .iter()
            .filter(|(k, _)| k.starts_with("X-Mock-Padding-"))
            .count()
            > 60
    );
    assert_eq!(r.json()["errcode"], 0);
}

#[test]
fn huge_headers_stop_at_sixteen_mebibytes() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::HugeHeaders(usize::MAX),
    );
    let raw = raw_exchange(server.addr(), &token_request());
    let r = parse_raw(&raw);
    let head_len = raw.len() - r.body.len();
    let cap = 16 * 1024 * 1024;
    assert!((cap..cap + 4096).contains(&head_len), "{head_len}");
    assert_eq!(r.json()["errcode"], 0);
}

#[test]
fn raw_bytes_are_written_as_they_are() {
    let server = frozen();
    server.inject(
        Route::GetToken,
        Calls::Nth(1),
        Fault::Raw(b"HTTP/1.1 200 OK\r\n\r\n{".to_vec()),
    );
    assert_eq!(
        raw_exchange(server.addr(), &token_request()),
        b"HTTP/1.1 200 OK\r\n\r\n{"
    );
}

#[test]
fn faults_keep_keep_alive_connections_usable_when_the_response_is_whole() {
    let server = frozen();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::Gzip);
    server.inject(Route::GetToken, Calls::Nth(2), Fault::TruncatedJson);
    let mut conn = Conn::open(server.addr());
    let target = format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    let first = conn.send("GET", &target, b"");
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    let second = conn.send("GET", &target, b"");
    assert!(serde_json::from_slice::<Value>(&second.body).is_err());
    let third = conn.send("GET", &target, b"");
    assert_eq!(third.json()["errcode"], 0);
}
