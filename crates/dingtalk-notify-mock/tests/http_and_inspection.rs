//! The HTTP surface (paths, methods, garbage, caps, keep-alive) and inspection.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET, ErrorStyle, MockServer, Route,
};
use serde_json::json;

fn frozen() -> MockServer {
    MockServer::builder().frozen_clock().start().unwrap()
}

#[test]
fn unknown_paths_answer_404_with_errcode_22_and_wrong_methods_405() {
    let server = frozen();
    let r = request(server.addr(), "GET", "/nothing/here", None, b"");
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["errcode"], 22);
    assert!(v["request_id"].is_string());
    let r = request(
        server.addr(),
        "POST",
        "/gettoken",
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["errcode"], 22);
    let r = request(server.addr(), "GET", SEND, None, b"");
    assert_eq!(r.status, 405);
    assert_eq!(server.requests_to(Route::Unknown).len(), 1);
}

#[test]
fn an_unknown_topapi_path_is_http_200_errcode_22_with_sub_msg_only() {
    // The live gateway (issue 10): HTTP 200, errcode 22, `sub_msg` and no `sub_code`.
    let server = frozen();
    let r = request(
        server.addr(),
        "POST",
        "/topapi/message/corpconversation/nope",
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["errcode"], 22, "{v}");
    assert!(v["sub_msg"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v.get("sub_code").is_none(), "{v}");
    // The older shape on request.
    let plain = MockServer::builder()
        .frozen_clock()
        .error_style(ErrorStyle::Plain)
        .start()
        .unwrap();
    let r = request(
        plain.addr(),
        "POST",
        "/topapi/message/corpconversation/nope",
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errcode"], 22);
    assert!(r.json().get("sub_msg").is_none());
}

#[test]
fn head_requests_get_a_head_and_no_body() {
    let server = frozen();
    let mut conn = Conn::open(server.addr());
    // Conn reads `Content-Length` bytes of body; a HEAD answer has none, so read the head
    // alone, then check the connection is still in step.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "HEAD /gettoken HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 405 "), "{head}");
    assert!(head.contains("Content-Length: "), "{head}");
    assert!(
        rest.starts_with("HTTP/1.1 404 "),
        "no body after a HEAD answer: {rest}"
    );
    assert_eq!(parse_raw(rest.as_bytes()).json()["errcode"], 22);
    assert_eq!(server.requests()[0].method, "HEAD");
    assert_eq!(conn.send("GET", "/x", b"").status, 404);
}

#[test]
fn a_path_prefix_serves_under_it_only() {
    let server = MockServer::builder()
        .path_prefix("/gw/dingtalk/")
        .start()
        .unwrap();
    assert!(server.base_url().ends_with("/gw/dingtalk"));
    let target = format!("/gw/dingtalk/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    assert_eq!(get(&server, &target)["errcode"], 0);
    let r = request(
        server.addr(),
        "GET",
        &format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}"),
        None,
        b"",
    );
    assert_eq!(r.status, 404);
    let r = request(server.addr(), "GET", "/gw/dingtalkgettoken", None, b"");
    assert_eq!(r.status, 404);
}

#[test]
fn every_answer_has_a_unique_request_id() {
    let server = frozen();
    let t = token(&server);
    let mut seen = HashSet::new();
    for i in 0..50 {
        let v = match i % 3 {
            0 => send_text(&server, &t, "alice", &format!("{i}")),
            1 => progress(&server, &t, 1),
            _ => request(server.addr(), "GET", "/x", None, b"").json(),
        };
        let id = v["request_id"].as_str().unwrap().to_owned();
        assert!(seen.insert(id));
    }
}

#[test]
fn requests_are_recorded_and_debug_redacts_secrets() {
    let server = frozen();
    let t = token(&server);
    let q = corp_token_query(
        DEMO_SUITE_KEY,
        DEMO_SUITE_SECRET,
        DEMO_SUITE_TICKET,
        1_700_000_000_000,
    );
    assert_eq!(corp_token_answer(&server, &q, DEMO_CORP_ID)["errcode"], 0);
    send_text(&server, &t, "alice", "hello");

    let all = server.requests();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].route, Route::GetToken);
    assert_eq!(all[0].method, "GET");
    assert_eq!(all[0].path, "/gettoken");
    assert_eq!(all[0].query_value("appkey"), Some(DEMO_APP_KEY));
    assert_eq!(all[1].route, Route::GetCorpToken);
    assert_eq!(all[1].json(), Some(json!({ "auth_corpid": DEMO_CORP_ID })));
    assert_eq!(all[2].route, Route::Send);
    assert_eq!(all[2].query_value("access_token"), Some(t.as_str()));
    assert_eq!(all[2].header("CONTENT-TYPE"), Some("application/json"));
    assert_eq!(all[2].json().unwrap()["userid_list"], "alice");

    let shown = format!("{all:?}");
    let signature = all[1].query_value("signature").unwrap().to_owned();
    for secret in [
        DEMO_APP_SECRET,
        t.as_str(),
        DEMO_SUITE_TICKET,
        signature.as_str(),
    ] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
    assert!(shown.contains("<redacted>") && shown.contains(DEMO_APP_KEY));

    assert_eq!(server.requests_to(Route::Send).len(), 1);
    assert_eq!(server.requests_to(Route::Any).len(), 3);
    server.clear_requests();
    assert!(server.requests().is_empty());
    assert_eq!(
        server.token_fetches(),
        2,
        "clearing requests keeps the count"
    );
}

#[test]
fn the_recording_cap_keeps_the_newest() {
    let server = MockServer::builder()
        .max_recorded_requests(2)
        .start()
        .unwrap();
    for path in ["/a", "/b", "/c"] {
        request(server.addr(), "GET", path, None, b"");
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/b", "/c"]);
}

#[test]
fn bodies_over_the_cap_get_413_and_an_envelope() {
    let server = MockServer::builder()
        .max_request_body(1024)
        .start()
        .unwrap();
    let body = vec![b' '; 4096];
    let r = request(server.addr(), "POST", SEND, Some("application/json"), &body);
    assert_eq!(r.status, 413);
    let v = r.json();
    assert_eq!(v["errcode"], 41);
    assert!(v["errmsg"].as_str().unwrap().contains("1024"));
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].body.is_empty());

    // With Expect: 100-continue the body is refused before it is sent.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "POST {SEND} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000000\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let r = parse_raw(&raw);
    assert_eq!(r.status, 413);
}

#[test]
fn the_default_cap_is_one_mebibyte() {
    let server = MockServer::start().unwrap();
    let big = vec![b'x'; 1024 * 1024 + 1];
    let r = request(server.addr(), "POST", SEND, Some("application/json"), &big);
    assert_eq!(r.status, 413);
}

#[test]
fn garbage_never_takes_the_server_down() {
    let server = frozen();
    let cases: Vec<Vec<u8>> = vec![
        b"\r\n\r\n".to_vec(),
        b"GARBAGE\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"get / HTTP/1.1\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nno-colon-here\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\n folded: x\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".to_vec(),
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort".to_vec(),
        vec![0xff; 300],
        [
            b"GET /".as_slice(),
            &vec![b'a'; 70 * 1024],
            b" HTTP/1.1\r\n\r\n",
        ]
        .concat(),
        [
            b"GET / HTTP/1.1\r\n".as_slice(),
            &b"X-A: b\r\n".repeat(10_000),
            b"\r\n",
        ]
        .concat(),
    ];
    for case in &cases {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(case);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        if !raw.is_empty() {
            let r = parse_raw(&raw);
            assert!(
                (400..500).contains(&r.status),
                "{}",
                String::from_utf8_lossy(&raw)
            );
        }
    }
    // Bad JSON, bad query, odd encodings, a huge header: still serving.
    let t = token(&server);
    let target = format!("{SEND}?access_token={t}&%zz=%&&=");
    let r = request(
        server.addr(),
        "POST",
        &target,
        Some("application/json"),
        b"{\"agent_id\":",
    );
    assert_eq!(r.json()["errcode"], 41);
    let r = request(
        server.addr(),
        "POST",
        &target,
        Some("application/json"),
        &[0xff, 0xfe],
    );
    assert_eq!(r.json()["errcode"], 41);
    let big_head = format!(
        "GET /gettoken HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    let r = parse_raw(&raw_exchange(server.addr(), big_head.as_bytes()));
    assert_eq!(r.status, 431);
    assert_eq!(send_text(&server, &t, "alice", "still up")["errcode"], 0);
}

#[test]
fn chunked_bodies_expect_continue_http10_and_absolute_targets() {
    let server = frozen();
    let t = token(&server);
    let body = json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text("chunked") })
        .to_string();
    let (a, b) = body.split_at(10);
    let raw = format!(
        "POST {SEND}?access_token={t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\nTrailer: x\r\n\r\n",
        a.len(),
        b.len()
    );
    let r = parse_raw(&raw_exchange(server.addr(), raw.as_bytes()));
    assert_eq!(
        r.json()["errcode"],
        0,
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // Expect: 100-continue gets an interim answer before the body is sent.
    let body = json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "bob", "msg": text("continue") })
        .to_string();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "POST {SEND}?access_token={t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    reader.read_line(&mut line).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert_eq!(parse_raw(&rest).json()["errcode"], 0);

    // HTTP/1.0 closes after one answer; an absolute-form target works.
    let raw = format!(
        "GET http://127.0.0.1:{}/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET} HTTP/1.0\r\n\r\n",
        server.port()
    );
    let r = parse_raw(&raw_exchange(server.addr(), raw.as_bytes()));
    assert_eq!(r.json()["errcode"], 0);
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(server.deliveries("bob"), 1);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = frozen();
    let mut conn = Conn::open(server.addr());
    let target = format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}");
    let t = conn.send("GET", &target, b"").json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..20 {
        let body = json!({ "agent_id": DEMO_AGENT_ID, "userid_list": "alice", "msg": text(&format!("k{i}")) });
        let r = conn.send(
            "POST",
            &format!("{SEND}?access_token={t}"),
            body.to_string().as_bytes(),
        );
        assert_eq!(r.header("connection"), Some("keep-alive"));
        assert_eq!(r.json()["errcode"], 0);
    }
    assert_eq!(server.deliveries("alice"), 20);
}

#[test]
fn no_debug_output_shows_a_secret() {
    let server = MockServer::builder().start().unwrap();
    let t = token(&server);
    let shown = format!(
        "{server:?} {:?} {:?} {:?} {:?}",
        MockServer::builder(),
        dingtalk_notify_mock::AppCredentials::demo(),
        dingtalk_notify_mock::IsvSuite::demo(),
        server.shutdown_handle(),
    );
    for secret in [
        DEMO_APP_SECRET,
        DEMO_SUITE_SECRET,
        DEMO_SUITE_TICKET,
        t.as_str(),
    ] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
    assert!(
        shown.contains(DEMO_APP_KEY),
        "the key is not a secret: {shown}"
    );
}
