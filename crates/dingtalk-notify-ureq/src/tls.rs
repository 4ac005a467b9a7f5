//! The TLS settings the transport forces on every request: verification always on, against
//! the [`RootCertificates`] it was given.

use std::sync::Arc;

use dingtalk_notify_proto::transport::{CaCertificates, RootCertificates, TransportError};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// `base` with verification on and its roots replaced by `roots` (kept for
/// [`RootCertificates::Bundled`]); `None` when `base` needs no change. Called once, when
/// the transport is built.
///
/// # Errors
/// [`RootCertificates::Platform`] in a build without the `platform-verifier` feature.
pub(crate) fn forced(
    base: &TlsConfig,
    roots: &RootCertificates,
) -> Result<Option<TlsConfig>, TransportError> {
    let root_certs = match roots {
        RootCertificates::BundledAnd(ca) => Some(RootCerts::Specific(Arc::new(bundled_and(ca)))),
        RootCertificates::Only(ca) => Some(RootCerts::Specific(Arc::new(owned(ca).collect()))),
        RootCertificates::Platform => Some(platform()?),
        _ => None,
    };
    if root_certs.is_none() && !base.disable_verification() {
        return Ok(None);
    }
    let mut builder = TlsConfig::builder()
        .provider(base.provider())
        .client_cert(base.client_cert().cloned())
        .root_certs(root_certs.unwrap_or_else(|| base.root_certs().clone()))
        .use_sni(base.use_sni())
        .disable_verification(false);
    if let Some(provider) = base.unversioned_rustls_crypto_provider() {
        builder = builder.unversioned_rustls_crypto_provider(provider.clone());
    }
    Ok(Some(builder.build()))
}

/// Mozilla's roots (the data ureq's own `RootCerts::WebPki` trusts), then `ca`.
fn bundled_and(ca: &CaCertificates) -> Vec<Certificate<'static>> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
        .chain(owned(ca))
        .collect()
}

fn owned(ca: &CaCertificates) -> impl Iterator<Item = Certificate<'static>> + '_ {
    ca.der().map(|der| Certificate::from_der(der).to_owned())
}

#[cfg(feature = "platform-verifier")]
fn platform() -> Result<RootCerts, TransportError> {
    Ok(RootCerts::PlatformVerifier)
}

#[cfg(not(feature = "platform-verifier"))]
fn platform() -> Result<RootCerts, TransportError> {
    // ureq would panic at connect time: refuse here instead, before anything is sent.
    Err(TransportError::new(
        dingtalk_notify_proto::transport::TransportErrorKind::Tls,
        "the platform trust store needs dingtalk-notify-ureq's `platform-verifier` feature; \
         nothing was sent",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n\
                       -----BEGIN CERTIFICATE-----\nAwQ=\n-----END CERTIFICATE-----\n";

    fn specific(roots: &RootCertificates) -> Vec<Vec<u8>> {
        let config = forced(&TlsConfig::default(), roots).unwrap().unwrap();
        assert!(!config.disable_verification());
        match config.root_certs() {
            RootCerts::Specific(certs) => certs.iter().map(|c| c.der().to_vec()).collect(),
            other => panic!("expected specific roots, got {other:?}"),
        }
    }

    #[test]
    fn verification_is_switched_back_on() {
        let off = TlsConfig::builder()
            .disable_verification(true)
            .use_sni(false)
            .build();
        let on = forced(&off, &RootCertificates::Bundled).unwrap().unwrap();
        assert!(!on.disable_verification());
        assert!(!on.use_sni(), "other settings are kept");
        assert!(
            forced(&TlsConfig::default(), &RootCertificates::Bundled)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bundled_and_keeps_every_bundled_root_and_adds_the_ca() {
        let ca = CaCertificates::from_pem(PEM).unwrap();
        let roots = specific(&RootCertificates::BundledAnd(ca));
        let bundled = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(bundled.len() > 100, "Mozilla's list: {}", bundled.len());
        assert_eq!(roots.len(), bundled.len() + 2);
        for (root, der) in roots.iter().zip(bundled) {
            assert_eq!(root.as_slice(), der.as_ref());
        }
        assert_eq!(roots[bundled.len()..], [vec![0, 1, 2], vec![3, 4]]);
    }

    #[test]
    fn only_trusts_the_ca_alone() {
        let ca = CaCertificates::from_pem(PEM).unwrap();
        assert_eq!(
            specific(&RootCertificates::Only(ca)),
            [vec![0, 1, 2], vec![3, 4]]
        );
    }
}
