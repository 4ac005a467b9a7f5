//! Which roots isahc trusts for `RootCertificates::Bundled` and `Platform`, told apart with
//! `SSL_CERT_FILE`: isahc's native store honours it; Mozilla's bundled roots do not.
//!
//! isahc reads `SSL_CERT_FILE` once per process and setting a variable in a running test
//! is `unsafe`, so the calls run in a child process (this binary again) started with the
//! variable set; the simulator stays in the parent, which checks what reached it.

use std::process::Command;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::isahc::IsahcTransport;
use dingtalk_notify::kit::transport::{RootCertificates, TransportErrorKind};
use dingtalk_notify::transport::TransportError;
use dingtalk_notify::{BaseUrl, Client, Error, Message, Transport};
use dingtalk_notify_mock::{DEMO_AGENT_ID, Route};
use dingtalk_notify_tests::harness::demo_app;
use dingtalk_notify_tests::tls::{https_server, isahc_with_roots};

const BASE: &str = "ISAHC_ROOTS_CHILD_BASE_URL";

fn client(base: &str, roots: RootCertificates) -> Client<IsahcTransport> {
    Client::builder(demo_app())
        .base_url(BaseUrl::new(base).expect("https base URL"))
        .build(isahc_with_roots(roots))
}

fn send(client: &Client<IsahcTransport>) -> Result<(), Error<TransportError>> {
    client
        .send(&SendWorkNotification::new(DEMO_AGENT_ID, Message::text("roots")).to_users(["alice"]))
        .map(drop)
}

/// The child: `Bundled` refuses the simulator (its CA is only in `SSL_CERT_FILE`) as a TLS
/// error; `Platform` then serves it.
#[test]
#[ignore = "the child process of bundled_ignores_the_machine_store_and_platform_reads_it"]
fn roots_child() {
    let Ok(base) = std::env::var(BASE) else {
        return;
    };
    let bundled = client(&base, RootCertificates::Bundled);
    match send(&bundled) {
        Err(Error::Transport(e)) => {
            assert_eq!(
                bundled.transport().classify(&e),
                TransportErrorKind::Tls,
                "{e}"
            );
        }
        other => panic!("Bundled must not trust the SSL_CERT_FILE CA: {other:?}"),
    }
    println!("bundled refused");
    send(&client(&base, RootCertificates::Platform))
        .expect("Platform reads SSL_CERT_FILE, which holds the simulator's CA");
    println!("platform served");
}

/// `Bundled` is Mozilla's roots whatever the machine's store or `SSL_CERT_FILE` trusts (as
/// with ureq); `Platform` is the machine's store, which honours `SSL_CERT_FILE`.
#[test]
fn bundled_ignores_the_machine_store_and_platform_reads_it() {
    let server = https_server(&["127.0.0.1", "localhost"]);
    let dir = std::env::temp_dir().join(format!("dtn-isahc-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, server.tls().expect("https").ca_pem()).expect("the CA file");

    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "roots_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(BASE, server.base_url())
        .env("SSL_CERT_FILE", &bundle)
        .output()
        .expect("the child runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("bundled refused") && stdout.contains("platform served"),
        "{stdout}"
    );
    // Only the Platform client's send arrived; the Bundled one never got past the handshake.
    assert_eq!(server.requests_to(Route::Send).len(), 1);
}
