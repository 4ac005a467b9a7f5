//! What the conformance suite (`tests/conformance.rs`) cannot say about this adapter: its
//! lazily started clients and the fresh connections of sends, against the simulator on
//! loopback. The settings both transports share (body cap, user agent) and TLS to a
//! plaintext server are checked once for both, in the workspace's
//! `tests/tests/transport_settings.rs`.

use dingtalk_notify_isahc::IsahcTransport;
use dingtalk_notify_mock::MockServer;
use dingtalk_notify_mock::conformance::{ACCESS_TOKEN, Conformance, ConformanceSettings};
use dingtalk_notify_proto::http;
use dingtalk_notify_proto::transport::{HttpRequest, Idempotency, Transport};

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn send(url: &str) -> HttpRequest {
    let mut request = http::Request::post(url).body(b"{}".to_vec()).unwrap();
    request.extensions_mut().insert(Idempotency::NonIdempotent);
    request
}

fn url(server: &MockServer) -> String {
    format!("{}/gettoken?access_token={ACCESS_TOKEN}", server.base_url())
}

#[test]
fn clones_share_one_client_started_on_the_first_request() {
    let server = MockServer::start().unwrap();
    let transport = IsahcTransport::new();
    let clone = transport.clone();
    assert!(format!("{clone:?}").contains("client_started: false"));
    transport.send(get(&url(&server))).unwrap();
    assert!(format!("{clone:?}").contains("client_started: true"));
    clone.send(get(&url(&server))).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn sends_go_on_fresh_connections() {
    let server = MockServer::start().unwrap();
    let transport = IsahcTransport::new();
    let target = url(&server);
    transport.send(get(&target)).unwrap();
    transport.send(get(&target)).unwrap();
    assert_eq!(
        server.connections_accepted(),
        1,
        "idempotent requests share one"
    );
    transport.send(send(&target)).unwrap();
    transport.send(send(&target)).unwrap();
    assert_eq!(server.requests().len(), 4);
    assert_eq!(server.connections_accepted(), 3, "each send gets its own");
}

/// Why sends need the fresh-connection client: through the connection-reusing one, libcurl
/// re-sends a request whose reused connection dies before answering. If this starts to
/// pass, libcurl stopped doing that.
#[test]
fn through_the_reusing_client_libcurl_would_send_twice() {
    let reusing = |settings: ConformanceSettings| {
        let transport = IsahcTransport::builder()
            .timeout(settings.timeout)
            .max_body_size(settings.max_body)
            .build();
        move |mut request: HttpRequest| {
            request.extensions_mut().insert(Idempotency::Idempotent);
            transport.send(request)
        }
    };
    let failure = Conformance::new(reusing)
        .check_non_idempotent_requests_are_not_resent()
        .unwrap_err();
    assert!(
        failure.problem().contains("saw the POST 2 times"),
        "{failure}"
    );
}

#[test]
fn debug_shows_settings_only() {
    let shown = format!("{:?}", IsahcTransport::new());
    assert!(shown.starts_with("IsahcTransport {"), "{shown}");
    assert!(shown.contains("connect_timeout: 5s"), "{shown}");
}
