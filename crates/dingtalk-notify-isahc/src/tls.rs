//! The [`RootCertificates`] setting as isahc's TLS configuration. Verification is always on:
//! isahc can only skip it with its `tls-insecure` feature, which this crate never enables.

use dingtalk_notify_proto::transport::{CaCertificates, RootCertificates};
use isahc::tls::{TlsConfig, TrustStore};

/// The TLS configuration each request carries, or `None` for isahc's default. Built once,
/// when the transport is built (isahc shares the store between requests).
pub(crate) fn for_roots(roots: &RootCertificates) -> Option<TlsConfig> {
    let store = match roots {
        RootCertificates::BundledAnd(ca) => store(bundled_and(ca)),
        RootCertificates::Only(ca) => store(ca.der()),
        RootCertificates::Platform => TrustStore::native(),
        _ => return None,
    };
    Some(TlsConfig::builder().trust_store(store).build())
}

/// Mozilla's roots (webpki-root-certs), then `ca`, DER.
fn bundled_and(ca: &CaCertificates) -> impl Iterator<Item = &[u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| der.as_ref())
        .chain(ca.der())
}

fn store<'a>(der: impl Iterator<Item = &'a [u8]>) -> TrustStore {
    der.fold(TrustStore::builder(), |b, der| b.certificate_from_der(der))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_and_keeps_every_bundled_root_and_adds_the_ca() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        let ca = CaCertificates::from_pem(pem).unwrap();
        let roots: Vec<&[u8]> = bundled_and(&ca).collect();
        let bundled = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(bundled.len() > 100, "Mozilla's list: {}", bundled.len());
        assert_eq!(roots.len(), bundled.len() + 1);
        assert!(roots.iter().zip(bundled).all(|(r, b)| *r == b.as_ref()));
        assert_eq!(roots[bundled.len()], [0, 1, 2]);
        assert!(for_roots(&RootCertificates::BundledAnd(ca)).is_some());
        assert!(for_roots(&RootCertificates::Bundled).is_none());
    }
}
