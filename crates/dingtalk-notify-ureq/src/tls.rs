//! The TLS settings the transport forces on every request: verification always on, against
//! the [`RootCertificates`] it was given.

use std::sync::Arc;

use dingtalk_notify_proto::transport::{RootCertificates, TransportError};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// `base` with verification on and its roots replaced by `roots` (kept for
/// [`RootCertificates::Bundled`]); `None` when `base` needs no change.
///
/// # Errors
/// [`RootCertificates::Platform`] in a build without the `platform-verifier` feature.
pub(crate) fn forced(
    base: &TlsConfig,
    roots: &RootCertificates,
) -> Result<Option<TlsConfig>, TransportError> {
    let root_certs = match roots {
        RootCertificates::Only(ca) => Some(RootCerts::Specific(Arc::new(
            ca.der()
                .map(|der| Certificate::from_der(der).to_owned())
                .collect(),
        ))),
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
}
