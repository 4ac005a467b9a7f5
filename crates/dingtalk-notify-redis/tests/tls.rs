//! `rediss://`: TLS to a real redis-server, its certificate verified.

mod common;

use std::time::Duration;

use common::{Options, RedisServer};
use dingtalk_notify_redis::{Error, RedisStore};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A private CA and a `localhost` certificate it signed, written under `dir`.
fn certificates(dir: &std::path::Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dingtalk-notify test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (cert_path, key_path) = (dir.join("server.crt"), dir.join("server.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.crt"), ca.pem()).unwrap();
    (ca.pem(), cert_path, key_path)
}

#[test]
fn rediss_works_with_the_servers_ca_and_fails_without_it() {
    let dir =
        std::env::temp_dir().join(format!("dingtalk-notify-redis-tls-{}", std::process::id()));
    let (ca_pem, cert, key) = certificates(&dir);
    let redis = RedisServer::start_with(Options {
        tls: Some((cert, key)),
        ..Options::default()
    });
    let trusted = RedisStore::builder(redis.url())
        .tls_root_certificates_pem(ca_pem.into_bytes())
        .build()
        .unwrap();
    trusted.ping(Duration::from_secs(5)).unwrap();
    // The system's roots do not know this CA: the handshake fails, typed, nothing sent.
    let untrusted = RedisStore::open(&redis.url()).unwrap();
    let err = untrusted.ping(Duration::from_secs(5)).unwrap_err();
    assert!(
        matches!(err, Error::Unreachable { .. } | Error::Interrupted { .. }),
        "{err:?}"
    );
    // Plain redis:// to the TLS port gets nowhere either.
    let plain = RedisStore::open(&format!("redis://127.0.0.1:{}", redis.port())).unwrap();
    assert!(plain.ping(Duration::from_secs(2)).is_err());
    let _ = std::fs::remove_dir_all(dir);
}
