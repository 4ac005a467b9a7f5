//! What the conformance suite (`tests/conformance.rs`) cannot say about this adapter: its
//! defaults, its builder's options, its lazily started clients, the fresh connections of
//! sends, and TLS, against the simulator on loopback.

use dingtalk_notify_isahc::{DEFAULT_MAX_BODY_SIZE, IsahcTransport};
use dingtalk_notify_mock::conformance::{ACCESS_TOKEN, Conformance, ConformanceSettings};
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};
use dingtalk_notify_proto::http::{self, HeaderValue};
use dingtalk_notify_proto::transport::{HttpRequest, Idempotency, Transport, TransportErrorKind};

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
fn the_default_cap_is_4_mib() {
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 4 * 1024 * 1024);
    let server = MockServer::start().unwrap();
    let transport = IsahcTransport::new();
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
fn the_configured_user_agent_fills_in_a_missing_one_only() {
    let server = MockServer::start().unwrap();
    let transport = IsahcTransport::builder()
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
    let err = IsahcTransport::new().send(get(&url)).unwrap_err();
    // curl fails the TLS handshake, before any request: Connect.
    assert_eq!(err.kind(), TransportErrorKind::Connect, "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(ACCESS_TOKEN), "{shown}");
    // The ClientHello was refused as not HTTP; no request ever arrived in plaintext.
    assert_eq!(server.connections_accepted(), 1);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn debug_shows_settings_only() {
    let shown = format!("{:?}", IsahcTransport::new());
    assert!(shown.starts_with("IsahcTransport {"), "{shown}");
    assert!(shown.contains("connect_timeout: 5s"), "{shown}");
}
