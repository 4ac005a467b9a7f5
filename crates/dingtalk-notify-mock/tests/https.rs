//! HTTPS (issue 15 item 8): the simulator serves TLS with certificates made at test time;
//! a client that trusts its CA is served, one that does not (or that asked for another
//! name) is refused during the handshake, before any request reaches the simulator.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use dingtalk_notify_mock::{
    Calls, DEMO_APP_KEY, DEMO_APP_SECRET, Fault, MockServer, Route, ServerTls,
};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A plain rustls client trusting `ca` (DER), or nothing.
fn client(ca: Option<&[u8]>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    if let Some(der) = ca {
        roots.add(CertificateDer::from(der.to_vec())).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// `GET target` over TLS to the server, asking for `host`; the whole answer.
fn https_get(
    server: &MockServer,
    config: Arc<ClientConfig>,
    host: &str,
    target: &str,
) -> io::Result<String> {
    let name = ServerName::try_from(host.to_owned()).unwrap();
    let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, TcpStream::connect(server.addr())?);
    write!(
        tls,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    tls.flush()?;
    let mut out = String::new();
    tls.read_to_string(&mut out)?;
    Ok(out)
}

fn token_target() -> String {
    format!("/gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET}")
}

#[test]
fn a_client_trusting_the_ca_is_served_over_https() {
    let server = MockServer::builder()
        .https(ServerTls::localhost().unwrap())
        .start()
        .unwrap();
    assert!(
        server
            .base_url()
            .starts_with(&format!("https://127.0.0.1:{}", server.port()))
    );
    let ca = server.tls().unwrap().ca_der().to_vec();
    for host in ["127.0.0.1", "localhost"] {
        let answer = https_get(&server, client(Some(&ca)), host, &token_target()).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.contains(r#""errcode":0"#), "{answer}");
    }
    assert_eq!(server.token_fetches(), 2);
    assert_eq!(server.requests_to(Route::GetToken).len(), 2);
}

#[test]
fn a_certificate_not_trusted_is_refused_and_nothing_is_sent() {
    let server = MockServer::builder()
        .https(ServerTls::localhost().unwrap())
        .start()
        .unwrap();
    // No roots at all, then another CA's.
    let other = ServerTls::localhost().unwrap();
    for config in [client(None), client(Some(other.ca_der()))] {
        let err = https_get(&server, config, "127.0.0.1", &token_target()).unwrap_err();
        // No roots: an unknown issuer; another CA of the same name: a bad signature.
        let shown = format!("{err}");
        assert!(shown.contains("invalid peer certificate"), "{shown}");
        assert!(
            shown.contains("UnknownIssuer") || shown.contains("BadSignature"),
            "{shown}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "the request never reached the simulator"
    );
    assert_eq!(server.token_fetches(), 0);
}

#[test]
fn a_hostname_mismatch_is_refused() {
    let tls = ServerTls::for_names(["wrong.example"]).unwrap();
    let ca = tls.ca_der().to_vec();
    let server = MockServer::builder().https(tls).start().unwrap();
    let err = https_get(&server, client(Some(&ca)), "127.0.0.1", &token_target()).unwrap_err();
    assert!(format!("{err}").contains("not valid for name"), "{err}");
    assert!(server.requests().is_empty());
    // The same certificate, asked for by its own name, is fine.
    let answer = https_get(&server, client(Some(&ca)), "wrong.example", &token_target()).unwrap();
    assert!(answer.contains(r#""errcode":0"#), "{answer}");
}

#[test]
fn faults_cross_the_tls_front() {
    let server = MockServer::builder()
        .https(ServerTls::localhost().unwrap())
        .start()
        .unwrap();
    let ca = server.tls().unwrap().ca_der().to_vec();
    server.inject(Route::GetToken, Calls::Nth(1), Fault::ResetBeforeResponse);
    server.inject(Route::GetToken, Calls::Nth(2), Fault::Http502Html);
    let err = https_get(&server, client(Some(&ca)), "127.0.0.1", &token_target()).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof
        ),
        "{err:?}"
    );
    let answer = https_get(&server, client(Some(&ca)), "127.0.0.1", &token_target()).unwrap();
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    assert_eq!(server.token_fetches(), 2);
}

#[test]
fn shutdown_frees_the_https_port() {
    let server = MockServer::builder()
        .https(ServerTls::localhost().unwrap())
        .start()
        .unwrap();
    let port = server.port();
    let ca = server.tls().unwrap().ca_der().to_vec();
    https_get(&server, client(Some(&ca)), "127.0.0.1", "/x").unwrap();
    drop(server);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("port released");
    assert!(!format!("{:?}", ServerTls::localhost().unwrap()).contains("PRIVATE"));
}
