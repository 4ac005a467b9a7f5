//! `--redis rediss://…` with `--redis-ca-cert`: a campaign kept in a real TLS-only
//! `redis-server` whose certificate a private CA signed (rcgen). Without that CA, or with
//! another one, the handshake fails and nothing is sent; verification is never turned off.
//! Needs the `redis` feature (Rust 1.88) and `redis-server` (built with TLS, as Debian's).

mod common;
#[path = "../../dingtalk-notify-redis/tests/common/mod.rs"]
mod redis_server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{cli, run};
use dingtalk_notify_mock::{Directory, MockServer, Route, UserBehaviour};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use redis_server::{Options, RedisServer};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A private CA (written to `ca.pem`) and, when `server` is true, a `localhost`
/// certificate it signed (`server.crt`, `server.key`).
fn ca(dir: &Path, name: &str, server: bool) -> PathBuf {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params.distinguished_name.push(DnType::CommonName, name);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let ca_path = dir.join(format!("{name}.pem"));
    std::fs::write(&ca_path, ca.pem()).unwrap();
    if server {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
        std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    }
    ca_path
}

#[test]
fn rediss_works_with_the_servers_ca_and_nothing_is_sent_without_it() {
    let dir = TempDir(std::env::temp_dir().join(format!("dtn-cli-tls-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let trusted = ca(&dir.0, "fleet-ca", true);
    let stranger = ca(&dir.0, "other-ca", false);
    let redis = RedisServer::start_with(Options {
        tls: Some((dir.0.join("server.crt"), dir.0.join("server.key"))),
        ..Options::default()
    });
    let url = redis.url();
    assert!(url.starts_with("rediss://"), "{url}");
    let server = MockServer::builder()
        .delivery_duration(Duration::ZERO)
        .directory(Directory::new().accept_any_user(UserBehaviour::Reads))
        .start()
        .unwrap();
    let users = dir.0.join("users.txt");
    let ids: String = (0..150).map(|i| format!("tls{i:03}\n")).collect();
    std::fs::write(&users, ids).unwrap();
    let users = users.to_str().unwrap();
    let fleet = |ca: Option<&Path>| {
        let mut cmd = cli(&server);
        cmd.args(["--redis", &url]);
        if let Some(ca) = ca {
            cmd.arg("--redis-ca-cert").arg(ca);
        }
        cmd
    };

    // The system's roots do not know the private CA, nor does another CA: refused, typed (kind
    // `redis`, exit 3), before anything is sent.
    for ca in [None, Some(stranger.as_path())] {
        let r = run(
            fleet(ca),
            ["--json", "send", "--text", "x", "--users-file", users],
        )
        .expect_code(3);
        assert_eq!(r.json()["error"]["kind"], "redis", "{r:?}");
    }
    assert!(server.requests_to(Route::Send).is_empty());
    assert!(server.requests_to(Route::GetToken).is_empty());

    // With the CA: the campaign is kept in the TLS Redis, and read back from there by
    // another invocation (the variable this time).
    let sent = run(
        fleet(Some(&trusted)),
        ["send", "--text", "Over TLS", "--users-file", users],
    )
    .expect_code(0);
    let id = sent
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .map(|l| l.split(':').next().unwrap().trim().to_owned())
        .unwrap_or_else(|| panic!("no campaign id in {sent:?}"));
    let mut status = cli(&server);
    status
        .env("DINGTALK_REDIS_URL", &url)
        .env("DINGTALK_REDIS_CA_CERT", &trusted);
    let doc = run(status, ["--json", "campaign", "status", &id])
        .expect_code(0)
        .json();
    assert_eq!(
        (doc["chunks"].as_u64(), doc["sent"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(server.requests_to(Route::Send).len(), 2);
    assert_eq!(server.requests_to(Route::GetToken).len(), 1);

    // Plain redis:// to the TLS port gets nowhere either.
    let plain = format!("redis://127.0.0.1:{}", redis.port());
    let mut cmd = cli(&server);
    cmd.args(["--redis", &plain]);
    run(cmd, ["campaign", "status", &id]).expect_code(3);
}

#[test]
fn the_redis_ca_option_is_refused_where_it_would_be_ignored() {
    let server = MockServer::start().unwrap();
    let dir = TempDir(std::env::temp_dir().join(format!("dtn-cli-tlsopt-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let pem = ca(&dir.0, "some-ca", false);
    let junk = dir.0.join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let pem = pem.to_str().unwrap();
    let send = ["send", "--text", "x", "--user", "a"];

    // Without --redis, or with a plain redis:// URL: it would do nothing.
    let mut cmd = cli(&server);
    cmd.args(["--redis-ca-cert", pem]);
    let r = run(cmd, send).expect_code(2);
    assert!(r.stderr.contains("rediss://"), "{r:?}");
    let mut cmd = cli(&server);
    cmd.args(["--redis", "redis://127.0.0.1:1", "--redis-ca-cert", pem]);
    let r = run(cmd, send).expect_code(2);
    assert!(r.stderr.contains("rediss://"), "{r:?}");
    // A file that is not PEM, or is missing.
    for bad in [junk.to_str().unwrap(), "/nonexistent/ca.pem"] {
        let mut cmd = cli(&server);
        cmd.args(["--redis", "rediss://localhost:1", "--redis-ca-cert", bad]);
        let r = run(cmd, send).expect_code(2);
        assert!(r.stderr.contains("--redis-ca-cert"), "{r:?}");
    }
    assert!(server.requests_to(Route::Send).is_empty());
}
