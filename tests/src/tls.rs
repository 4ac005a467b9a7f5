//! TLS over the HTTPS simulator (issue 15 item 8), generic over the transport: a
//! certificate no configured authority signed is refused as a TLS error with nothing sent;
//! the same server is served once its CA is configured (alone, or added to the bundled
//! roots); a certificate from another CA, or for another name, is refused even then.
//! [`tls_matrix!`](crate::tls_matrix) expands them.

use std::time::Duration;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::kit::transport::{CaCertificates, RootCertificates, TransportErrorKind};
use dingtalk_notify::{BaseUrl, Client, Error, Message, RetryPolicy};
use dingtalk_notify_mock::{DEMO_AGENT_ID, MockServer, Route, ServerTls};

use crate::harness::demo_app;
use crate::scenarios::TestTransport;

/// Builds the transport under test trusting these roots.
pub type MakeWithRoots<T> = fn(RootCertificates) -> T;

/// The ureq transport trusting `roots`.
pub fn ureq_with_roots(roots: RootCertificates) -> dingtalk_notify::ureq::UreqTransport {
    dingtalk_notify::ureq::UreqTransport::builder()
        .timeout(Duration::from_secs(5))
        .root_certificates(roots)
        .build()
}

/// The isahc transport trusting `roots`.
pub fn isahc_with_roots(roots: RootCertificates) -> dingtalk_notify::isahc::IsahcTransport {
    dingtalk_notify::isahc::IsahcTransport::builder()
        .timeout(Duration::from_secs(5))
        .root_certificates(roots)
        .build()
}

/// An HTTPS simulator serving a certificate for `names`.
pub fn https_server(names: &[&str]) -> MockServer {
    let tls = ServerTls::for_names(names.iter().copied()).expect("certificates");
    MockServer::builder()
        .frozen_clock()
        .https(tls)
        .start()
        .expect("the simulator starts")
}

fn ca_of(server: &MockServer) -> CaCertificates {
    let pem = server.tls().expect("an HTTPS simulator").ca_pem();
    CaCertificates::from_pem(pem).expect("the CA's PEM")
}

/// The simulator's CA as the only root.
pub fn its_ca(server: &MockServer) -> RootCertificates {
    RootCertificates::Only(ca_of(server))
}

/// The bundled roots plus the simulator's CA.
pub fn its_ca_added(server: &MockServer) -> RootCertificates {
    RootCertificates::BundledAnd(ca_of(server))
}

fn client<T: TestTransport>(server: &MockServer, transport: T) -> Client<T> {
    Client::builder(demo_app())
        .base_url(BaseUrl::new(&server.base_url()).expect("https base URL"))
        .retry(RetryPolicy::default())
        .build(transport)
}

fn send<T: TestTransport>(client: &Client<T>) -> Result<(), Error<T::Error>> {
    client
        .send(&SendWorkNotification::new(DEMO_AGENT_ID, Message::text("tls")).to_users(["alice"]))
        .map(drop)
}

#[track_caller]
fn assert_tls_refusal<T: TestTransport>(client: &Client<T>, err: &Error<T::Error>) {
    match err {
        Error::Transport(e) => {
            assert_eq!(
                client.transport().classify(e),
                TransportErrorKind::Tls,
                "{e}"
            );
        }
        other => panic!("expected a TLS transport error, got {other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(dingtalk_notify_mock::DEMO_APP_SECRET),
        "{shown}"
    );
}

/// A certificate signed by an authority the client does not trust: a TLS error, not
/// retried, and nothing reached the simulator.
pub fn an_untrusted_certificate_is_refused<T: TestTransport>(make: MakeWithRoots<T>) {
    let server = https_server(&["127.0.0.1", "localhost"]);
    let c = client(&server, make(RootCertificates::Bundled));
    let err = send(&c).expect_err("refused");
    assert_tls_refusal(&c, &err);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// The same server, once its CA is configured: served, over TLS.
pub fn the_certificate_is_accepted_once_its_ca_is_configured<T: TestTransport>(
    make: MakeWithRoots<T>,
) {
    let server = https_server(&["127.0.0.1", "localhost"]);
    let c = client(&server, make(its_ca(&server)));
    send(&c).expect("served over https");
    assert_eq!(server.requests_to(Route::Send).len(), 1);
    assert_eq!(server.token_fetches(), 1);
}

/// The same server with its CA added to the bundled roots (a corporate proxy's CA, kept
/// besides the public roots): served, over TLS.
pub fn the_certificate_is_accepted_with_its_ca_added_to_the_bundled_roots<T: TestTransport>(
    make: MakeWithRoots<T>,
) {
    let server = https_server(&["127.0.0.1", "localhost"]);
    let c = client(&server, make(its_ca_added(&server)));
    send(&c).expect("served over https");
    assert_eq!(server.requests_to(Route::Send).len(), 1);
    assert_eq!(server.token_fetches(), 1);
}

/// Adding one CA trusts that CA only: a server whose certificate another CA signed is
/// refused, nothing sent.
pub fn a_certificate_from_another_ca_is_refused_with_a_ca_added<T: TestTransport>(
    make: MakeWithRoots<T>,
) {
    let trusted = https_server(&["127.0.0.1", "localhost"]);
    let other = https_server(&["127.0.0.1", "localhost"]);
    let c = client(&other, make(its_ca_added(&trusted)));
    let err = send(&c).expect_err("refused");
    assert_tls_refusal(&c, &err);
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert!(trusted.requests().is_empty());
}

/// A certificate for another name, even from a trusted CA: refused, nothing sent.
pub fn a_hostname_mismatch_is_refused<T: TestTransport>(make: MakeWithRoots<T>) {
    let server = https_server(&["wrong.example"]);
    let c = client(&server, make(its_ca(&server)));
    let err = send(&c).expect_err("refused");
    assert_tls_refusal(&c, &err);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// Expands the TLS scenarios into `#[test]`s over `$make: MakeWithRoots<T>`.
#[macro_export]
macro_rules! tls_matrix {
    ($make:path) => {
        $crate::tls_matrix!(@tests $make;
            an_untrusted_certificate_is_refused,
            the_certificate_is_accepted_once_its_ca_is_configured,
            the_certificate_is_accepted_with_its_ca_added_to_the_bundled_roots,
            a_certificate_from_another_ca_is_refused_with_a_ca_added,
            a_hostname_mismatch_is_refused,
        );
    };
    (@tests $make:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::tls::$name($make);
            }
        )*
    };
}
