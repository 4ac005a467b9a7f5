//! What the conformance suite (`tests/conformance.rs`) cannot say about this adapter: its
//! agent's pool, a caller's agent, its `Debug`, against the simulator on loopback. The
//! settings both transports share (body cap, user agent) and TLS to a plaintext server are
//! checked once for both, in the workspace's `tests/tests/transport_settings.rs`.

use dingtalk_notify_mock::MockServer;
use dingtalk_notify_mock::conformance::ACCESS_TOKEN;
use dingtalk_notify_proto::http::{self, StatusCode};
use dingtalk_notify_proto::transport::{HttpRequest, Idempotency, Transport};
use dingtalk_notify_ureq::UreqTransport;

/// The token URL of `server`, with a token in its query.
fn url(server: &MockServer) -> String {
    format!("{}/gettoken?access_token={ACCESS_TOKEN}", server.base_url())
}

/// A GET of [`url`], as the client sends it.
fn token_get(server: &MockServer) -> HttpRequest {
    let request = http::Request::get(url(server)).body(Vec::new());
    request.unwrap()
}

#[test]
fn clones_share_the_connection_pool() {
    let server = MockServer::start().unwrap();
    let transport = UreqTransport::new();
    transport.send(token_get(&server)).unwrap();
    transport.clone().send(token_get(&server)).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections_accepted(), 1);
}

/// A POST marked as a send, to the token URL (the simulator answers it like any call).
fn send(server: &MockServer) -> HttpRequest {
    let mut request = http::Request::post(url(server))
        .body(b"{}".to_vec())
        .unwrap();
    request.extensions_mut().insert(Idempotency::NonIdempotent);
    request
}

/// Sends never ride an idle pooled connection (one the server may be closing as the send
/// goes out, which would leave the send ambiguous): each opens its own, over the
/// transport's agent or a caller's. Other calls reuse the pool, the sends' connections
/// included.
#[test]
fn sends_go_on_fresh_connections() {
    for transport in [
        UreqTransport::new(),
        UreqTransport::from(ureq::Agent::new_with_defaults()),
    ] {
        let server = MockServer::start().unwrap();
        transport.send(token_get(&server)).unwrap();
        transport.send(token_get(&server)).unwrap();
        assert_eq!(server.connections_accepted(), 1, "GETs share one");
        transport.send(send(&server)).unwrap();
        transport.send(send(&server)).unwrap();
        assert_eq!(server.connections_accepted(), 3, "each send opens its own");
        transport.send(token_get(&server)).unwrap();
        assert_eq!(server.connections_accepted(), 3, "a GET reuses a send's");
        assert_eq!(server.requests().len(), 5);
    }
}

#[test]
fn a_callers_agent_is_used_for_its_pool() {
    let server = MockServer::start().unwrap();
    let agent = ureq::Agent::new_with_defaults();
    let transport = UreqTransport::from(agent.clone());
    transport.send(token_get(&server)).unwrap();
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
