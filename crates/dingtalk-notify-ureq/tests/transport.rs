//! What the conformance suite (`tests/conformance.rs`) cannot say about this adapter: its
//! defaults, its builder's options, its pool and TLS, against the simulator on loopback.

use dingtalk_notify_mock::conformance::ACCESS_TOKEN;
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};
use dingtalk_notify_proto::http::{self, HeaderValue, StatusCode};
use dingtalk_notify_proto::transport::{HttpRequest, Transport, TransportErrorKind};
use dingtalk_notify_ureq::{DEFAULT_MAX_BODY_SIZE, UreqTransport};

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn url(server: &MockServer) -> String {
    format!("{}/gettoken?access_token={ACCESS_TOKEN}", server.base_url())
}

#[test]
fn the_default_cap_is_4_mib() {
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 4 * 1024 * 1024);
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::new();
    assert_eq!(transport.config().max_body_size, DEFAULT_MAX_BODY_SIZE);

    server.inject(
        Route::Any,
        Calls::Nth(1),
        Fault::Oversized(DEFAULT_MAX_BODY_SIZE),
    );
    server.inject(
        Route::Any,
        Calls::Nth(2),
        Fault::Oversized(DEFAULT_MAX_BODY_SIZE + 1),
    );
    let at = transport.send(get(&url(&server))).unwrap();
    assert_eq!(at.body().len(), DEFAULT_MAX_BODY_SIZE);
    let over = transport.send(get(&url(&server))).unwrap_err();
    assert_eq!(over.kind(), TransportErrorKind::BodyTooLarge, "{over}");
}

#[test]
fn clones_share_the_connection_pool() {
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::new();
    transport.send(get(&url(&server))).unwrap();
    transport.clone().send(get(&url(&server))).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn the_configured_user_agent_fills_in_a_missing_one_only() {
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::builder()
        .user_agent(HeaderValue::from_static("dingtalk-notify-test/1"))
        .build();
    transport.send(get(&url(&server))).unwrap();
    let own = http::Request::get(url(&server))
        .header("User-Agent", "caller/1.0")
        .body(Vec::new())
        .unwrap();
    transport.send(own).unwrap();

    let requests = server.requests();
    let agents: Vec<_> = requests
        .iter()
        .map(|r| r.header_values("user-agent"))
        .collect();
    assert_eq!(agents, [["dingtalk-notify-test/1"], ["caller/1.0"]]);
}

#[test]
fn https_to_a_plaintext_server_fails_before_sending() {
    // The simulator speaks plain HTTP: TLS must fail, never fall back to plaintext.
    let server = MockServer::start().unwrap();
    let url = format!(
        "https://{}/gettoken?access_token={ACCESS_TOKEN}",
        server.addr()
    );
    let err = UreqTransport::new().send(get(&url)).unwrap_err();
    // rustls's failure comes through ureq inside an io::Error: recognised as TLS.
    assert_eq!(err.kind(), TransportErrorKind::Tls, "{err}");
    assert!(err.to_string().contains("corrupt message"), "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(ACCESS_TOKEN), "{shown}");
    // The ClientHello was refused as not HTTP; no request ever arrived in plaintext.
    assert_eq!(server.connections_accepted(), 1);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn a_callers_agent_is_used_for_its_pool() {
    let server = MockServer::start().unwrap();
    let agent = ureq::Agent::new_with_defaults();
    let transport = UreqTransport::from(agent.clone());
    transport.send(get(&url(&server))).unwrap();
    // The agent itself reuses the connection the transport opened.
    let status = agent.get(url(&server)).call().map(|r| r.status()).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn debug_shows_no_agent_internals() {
    let shown = format!("{:?}", UreqTransport::new());
    assert!(shown.starts_with("UreqTransport {"), "{shown}");
    assert!(shown.contains("connect_timeout: 5s"), "{shown}");
    assert!(!shown.contains("Agent"), "{shown}");
}
