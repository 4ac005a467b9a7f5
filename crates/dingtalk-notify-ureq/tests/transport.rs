//! The transport contract, against a real HTTP server on loopback.

mod common;

use std::time::Duration;

use common::{SECRET_TOKEN, Server};
use dingtalk_notify_proto::http::{self, HeaderValue, StatusCode};
use dingtalk_notify_proto::{HttpRequest, Transport, TransportErrorKind};
use dingtalk_notify_ureq::{UreqTransport, UreqTransportError};

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn small_cap(max: usize) -> UreqTransport {
    UreqTransport::builder().max_body_size(max).build()
}

fn assert_secret_free(err: &UreqTransportError) {
    let shown = format!("{err} | {err:?}");
    assert!(!shown.contains(SECRET_TOKEN), "token leaked: {shown}");
    assert!(!shown.contains("access_token"), "query leaked: {shown}");
}

fn expect_err(transport: &UreqTransport, request: HttpRequest) -> UreqTransportError {
    let err = transport.send(request).unwrap_err();
    assert_secret_free(&err);
    assert_eq!(transport.classify(&err), err.kind());
    err
}

#[test]
fn ok_json_with_status_headers_and_body() {
    let server = Server::start();
    let response = UreqTransport::new().send(get(&server.url("/ok"))).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), http::Version::HTTP_11);
    assert_eq!(response.body(), common::OK_JSON.as_bytes());
    assert_eq!(response.headers()["content-type"], "application/json");
    let multi: Vec<_> = response.headers().get_all("x-multi").iter().collect();
    assert_eq!(multi, ["one", "two"]);
}

#[test]
fn a_5xx_is_a_response_with_its_body() {
    let server = Server::start();
    let response = UreqTransport::new()
        .send(get(&server.url("/bad-gateway")))
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.body(), common::BAD_GATEWAY_HTML.as_bytes());
}

#[test]
fn a_4xx_is_a_response_with_its_body() {
    let server = Server::start();
    let response = UreqTransport::new()
        .send(get(&server.url("/not-found")))
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.body(), common::NOT_FOUND_JSON.as_bytes());
}

#[test]
fn a_redirect_is_returned_not_followed() {
    let server = Server::start();
    let response = UreqTransport::new()
        .send(get(&server.url("/redirect")))
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/target");
    assert_eq!(response.body(), b"moved");
    let paths: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(paths, ["/redirect"]);
}

#[test]
fn a_callers_default_agent_cannot_break_the_contract() {
    // ureq's defaults: 4xx/5xx are errors, 10 redirects are followed.
    let agent = ureq::Agent::new_with_defaults();
    assert!(agent.config().http_status_as_error());
    assert_eq!(agent.config().max_redirects(), 10);
    let transport = UreqTransport::from(agent);
    let server = Server::start();

    let bad = transport.send(get(&server.url("/bad-gateway"))).unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(bad.body(), common::BAD_GATEWAY_HTML.as_bytes());

    let missing = transport.send(get(&server.url("/not-found"))).unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.body(), common::NOT_FOUND_JSON.as_bytes());

    let redirect = transport.send(get(&server.url("/redirect"))).unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert!(server.requests().iter().all(|r| r.path() != "/target"));
}

#[test]
fn a_body_at_the_cap_is_whole() {
    let server = Server::start();
    let transport = small_cap(1000);
    for path in ["/bytes?n=1000", "/chunked?n=1000"] {
        let response = transport.send(get(&server.url(path))).unwrap();
        assert_eq!(response.body().len(), 1000, "{path}");
    }
}

#[test]
fn a_body_over_the_cap_fails() {
    let server = Server::start();
    let transport = small_cap(1000);
    // With a Content-Length (refused up front) and without one (cut while reading).
    for path in ["/bytes?n=1001", "/chunked?n=1001", "/chunked?n=200000"] {
        let err = expect_err(&transport, get(&server.url(path)));
        assert_eq!(
            err.kind(),
            TransportErrorKind::BodyTooLarge,
            "{path}: {err}"
        );
    }
}

#[test]
fn the_default_cap_is_4_mib() {
    let server = Server::start();
    let transport = UreqTransport::new();
    assert_eq!(transport.max_body_size(), 4 * 1024 * 1024);
    let at = transport
        .send(get(&server.url("/chunked?n=4194304")))
        .unwrap();
    assert_eq!(at.body().len(), 4 * 1024 * 1024);
    let err = expect_err(&transport, get(&server.url("/chunked?n=4194305")));
    assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
}

#[test]
fn a_small_lying_content_length_reads_no_further() {
    let server = Server::start();
    // Claims 10 bytes, sends 100 000: only the declared 10 are taken.
    let response = small_cap(1000)
        .send(get(&server.url("/lying?n=100000")))
        .unwrap();
    assert_eq!(response.body(), b"LLLLLLLLLL");
}

#[test]
fn a_huge_declared_length_fails_without_reading() {
    let server = Server::start();
    let err = expect_err(&small_cap(1000), get(&server.url("/huge-length")));
    assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
}

#[test]
fn a_close_before_the_response_is_interrupted() {
    let server = Server::start();
    let err = expect_err(
        &UreqTransport::new(),
        get(&server.url_with_token("/close-before")),
    );
    assert_eq!(err.kind(), TransportErrorKind::Interrupted, "{err}");
}

#[test]
fn a_close_mid_body_is_interrupted() {
    let server = Server::start();
    let err = expect_err(
        &UreqTransport::new(),
        get(&server.url_with_token("/close-mid-body")),
    );
    assert_eq!(err.kind(), TransportErrorKind::Interrupted, "{err}");
}

#[test]
fn the_overall_timeout_applies() {
    let server = Server::start();
    let transport = UreqTransport::builder()
        .timeout(Duration::from_millis(300))
        .build();
    let err = expect_err(&transport, get(&server.url_with_token("/hang")));
    assert_eq!(err.kind(), TransportErrorKind::Timeout, "{err}");
}

#[test]
fn the_overall_timeout_applies_over_a_callers_agent() {
    let server = Server::start();
    let transport = UreqTransport::builder()
        .agent(ureq::Agent::new_with_defaults()) // no timeouts of its own
        .timeout(Duration::from_millis(300))
        .build();
    let err = expect_err(&transport, get(&server.url_with_token("/hang")));
    assert_eq!(err.kind(), TransportErrorKind::Timeout, "{err}");
}

#[test]
fn connection_refused_is_connect() {
    let port = common::refused_port();
    let url = format!("http://127.0.0.1:{port}/x?access_token={SECRET_TOKEN}");
    let err = expect_err(&UreqTransport::new(), get(&url));
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err}");
    assert!(err.kind().nothing_sent());
}

#[test]
fn connections_are_kept_alive() {
    let server = Server::start();
    let transport = UreqTransport::new();
    transport.send(get(&server.url("/ok"))).unwrap();
    transport.send(get(&server.url("/not-found"))).unwrap();
    // A clone shares the pool.
    transport.clone().send(get(&server.url("/ok"))).unwrap();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 1);
}

#[test]
fn connections_are_kept_alive_over_a_callers_agent() {
    // The per-request overrides must not take the request out of the pool.
    let server = Server::start();
    let transport = UreqTransport::from(ureq::Agent::new_with_defaults());
    transport.send(get(&server.url("/ok"))).unwrap();
    transport.send(get(&server.url("/bad-gateway"))).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections(), 1);
}

#[test]
fn the_request_is_sent_as_built() {
    let server = Server::start();
    let body = br#"{"agent_id":836390886,"msg":{"msgtype":"text"}}"#.to_vec();
    let request = http::Request::post(server.url("/echo?access_token=abc&x=1"))
        .header("Content-Type", "application/json")
        .header("X-Custom", "first")
        .header("X-Custom", "second")
        .header("User-Agent", "caller/1.0")
        .body(body.clone())
        .unwrap();
    let response = UreqTransport::builder()
        .user_agent(HeaderValue::from_static("default/9"))
        .build()
        .send(request)
        .unwrap();
    assert_eq!(response.body(), &body);

    let seen = &server.requests()[0];
    assert_eq!(
        seen.request_line(),
        "POST /echo?access_token=abc&x=1 HTTP/1.1"
    );
    assert_eq!(
        seen.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(seen.header_values("x-custom"), ["first", "second"]);
    assert_eq!(seen.header_values("user-agent"), ["caller/1.0"]);
    assert_eq!(seen.header("content-length"), Some(body.len().to_string()));
    assert_eq!(seen.body, body);
}

#[test]
fn other_methods_are_sent_as_built() {
    let server = Server::start();
    let transport = UreqTransport::new();
    for method in ["PUT", "PATCH", "DELETE"] {
        let request = http::Request::builder()
            .method(method)
            .uri(server.url("/echo"))
            .body(b"payload".to_vec())
            .unwrap();
        let response = transport.send(request).unwrap();
        assert_eq!(response.body(), b"payload", "{method}");
    }
    let lines: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.request_line().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "PUT /echo HTTP/1.1",
            "PATCH /echo HTTP/1.1",
            "DELETE /echo HTTP/1.1"
        ]
    );
}

#[test]
fn a_get_without_body_sends_no_body_headers() {
    let server = Server::start();
    UreqTransport::new().send(get(&server.url("/ok"))).unwrap();
    let seen = &server.requests()[0];
    assert_eq!(seen.request_line(), "GET /ok HTTP/1.1");
    assert_eq!(seen.header("content-length"), None);
    assert_eq!(seen.header("transfer-encoding"), None);
}

#[test]
fn the_configured_user_agent_fills_in_a_missing_one() {
    let server = Server::start();
    let transport = UreqTransport::builder()
        .user_agent(HeaderValue::from_static("dingtalk-notify-test/1"))
        .build();
    transport.send(get(&server.url("/ok"))).unwrap();
    assert_eq!(
        server.requests()[0].header_values("user-agent"),
        ["dingtalk-notify-test/1"]
    );
}

#[test]
fn https_to_a_plaintext_server_fails() {
    // An "HTTP server" on the https port: TLS must fail, never fall back to plaintext.
    let server = Server::start_raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let url = format!("https://{}/x?access_token={SECRET_TOKEN}", server.addr());
    let err = expect_err(&UreqTransport::new(), get(&url));
    // rustls's failure comes through ureq as invalid data, phase unknown: Protocol.
    assert_eq!(err.kind(), TransportErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("corrupt message"), "{err}");
    for seen in server.requests() {
        assert!(
            !seen.head.contains(SECRET_TOKEN),
            "the request went out in plaintext"
        );
    }
}

#[test]
fn debug_shows_no_agent_internals() {
    let shown = format!("{:?}", UreqTransport::new());
    assert!(shown.starts_with("UreqTransport {"), "{shown}");
    assert!(shown.contains("connect_timeout: 5s"), "{shown}");
}
