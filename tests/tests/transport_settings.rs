//! The settings every transport takes from the kit's `TransportBuilder` (the body cap's
//! default, the user agent), and TLS never falling back to plaintext, checked once for both
//! transports against the simulator on loopback.

use dingtalk_notify::Transport;
use dingtalk_notify::http::{self, HeaderValue};
use dingtalk_notify::isahc::IsahcTransport;
use dingtalk_notify::kit::transport::{
    BuildTransport, DEFAULT_MAX_BODY_SIZE, HttpRequest, TransportBuilder, TransportError,
    TransportErrorKind,
};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify_mock::conformance::ACCESS_TOKEN;
use dingtalk_notify_mock::{Calls, Fault, MockServer, Route};

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn url(server: &MockServer) -> String {
    format!("{}/gettoken?access_token={ACCESS_TOKEN}", server.base_url())
}

/// A body of exactly 4 MiB is read, one byte more is refused.
fn the_default_cap_is_4_mib<T>()
where
    T: BuildTransport + Transport<Error = TransportError>,
{
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 4 * 1024 * 1024);
    let server = MockServer::start().unwrap();
    let transport = TransportBuilder::<T>::default().build();
    for (nth, size) in [(1, DEFAULT_MAX_BODY_SIZE), (2, DEFAULT_MAX_BODY_SIZE + 1)] {
        server.inject(Route::Any, Calls::Nth(nth), Fault::Oversized(size));
    }
    let at = transport.send(get(&url(&server))).unwrap();
    assert_eq!(at.body().len(), DEFAULT_MAX_BODY_SIZE);
    let over = transport.send(get(&url(&server))).unwrap_err();
    assert_eq!(over.kind(), TransportErrorKind::BodyTooLarge, "{over}");
}

/// The configured user agent is sent when a request has none, never over the caller's.
fn the_configured_user_agent_fills_in_a_missing_one_only<T>()
where
    T: BuildTransport + Transport<Error = TransportError>,
{
    let server = MockServer::start().unwrap();
    let transport = TransportBuilder::<T>::default()
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

/// The simulator speaks plain HTTP: TLS must fail, never fall back to plaintext, and the
/// error keeps the token out. `kind` is how the HTTP library reports the refused handshake.
fn https_to_a_plaintext_server_fails_before_sending<T>(kind: TransportErrorKind)
where
    T: BuildTransport + Transport<Error = TransportError>,
{
    let server = MockServer::start().unwrap();
    let url = format!(
        "https://{}/gettoken?access_token={ACCESS_TOKEN}",
        server.addr()
    );
    let err = TransportBuilder::<T>::default()
        .build()
        .send(get(&url))
        .unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(ACCESS_TOKEN), "{shown}");
    // The ClientHello was refused as not HTTP; no request ever arrived in plaintext.
    assert_eq!(server.connections_accepted(), 1);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

mod ureq {
    use super::*;

    #[test]
    fn the_default_cap_is_4_mib() {
        super::the_default_cap_is_4_mib::<UreqTransport>();
    }

    #[test]
    fn the_configured_user_agent_fills_in_a_missing_one_only() {
        super::the_configured_user_agent_fills_in_a_missing_one_only::<UreqTransport>();
    }

    /// rustls's failure comes through ureq inside an io::Error: recognised as TLS.
    #[test]
    fn https_to_a_plaintext_server_fails_before_sending() {
        super::https_to_a_plaintext_server_fails_before_sending::<UreqTransport>(
            TransportErrorKind::Tls,
        );
    }
}

mod isahc {
    use super::*;

    #[test]
    fn the_default_cap_is_4_mib() {
        super::the_default_cap_is_4_mib::<IsahcTransport>();
    }

    #[test]
    fn the_configured_user_agent_fills_in_a_missing_one_only() {
        super::the_configured_user_agent_fills_in_a_missing_one_only::<IsahcTransport>();
    }

    /// curl fails the TLS handshake, before any request: Connect.
    #[test]
    fn https_to_a_plaintext_server_fails_before_sending() {
        super::https_to_a_plaintext_server_fails_before_sending::<IsahcTransport>(
            TransportErrorKind::Connect,
        );
    }
}
