//! The [`RootCertificates`] setting as isahc's TLS configuration. Verification is always on:
//! isahc can only skip it with its `tls-insecure` feature, which this crate never enables.

use dingtalk_notify_proto::transport::RootCertificates;
use isahc::tls::{TlsConfig, TrustStore};

/// The TLS configuration each request carries, or `None` for isahc's default (the bundled
/// Mozilla roots).
pub(crate) fn for_roots(roots: &RootCertificates) -> Option<TlsConfig> {
    let store = match roots {
        RootCertificates::Only(ca) => ca
            .der()
            .fold(TrustStore::builder(), |b, der| b.certificate_from_der(der))
            .build(),
        RootCertificates::Platform => TrustStore::native(),
        _ => return None,
    };
    Some(TlsConfig::builder().trust_store(store).build())
}
