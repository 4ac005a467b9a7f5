//! [`RootCertificates`]: the certificate authorities a transport trusts. Verification is
//! always on; this only says against what.

use std::fmt;
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The authorities a transport verifies servers against. Every choice verifies; a custom
/// CA is trusted *besides* the public roots ([`BundledAnd`](Self::BundledAnd)) or, when you
/// pin on purpose, *instead of* them ([`Only`](Self::Only)).
///
/// ```
/// use dingtalk_notify_proto::transport::{CaCertificates, RootCertificates};
/// # let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
/// // Behind a TLS-inspecting proxy: trust its CA, and keep every public root.
/// let ca = CaCertificates::from_pem(pem)?;
/// let roots = RootCertificates::BundledAnd(ca);
/// assert_eq!(roots.custom().map(CaCertificates::len), Some(1));
/// assert_eq!(RootCertificates::default(), RootCertificates::Bundled);
/// # Ok::<(), dingtalk_notify_proto::transport::CaError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootCertificates {
    /// The transport's bundled Mozilla roots (webpki-roots): the same everywhere, whatever
    /// the machine trusts. The default.
    #[default]
    Bundled,
    /// The bundled Mozilla roots plus these authorities: a TLS-inspecting proxy's CA, your
    /// own gateway's. Public servers stay reachable. What to use for a corporate CA.
    BundledAnd(CaCertificates),
    /// Only these authorities, none of the bundled roots: pinning, for a deployment that
    /// must reach nothing but servers under its own CA. Stricter than
    /// [`BundledAnd`](Self::BundledAnd), never weaker: a server whose certificate chains to
    /// a public root only is refused.
    Only(CaCertificates),
    /// The operating system's trust store (with ureq, this needs the `platform-verifier`
    /// feature of `dingtalk-notify-ureq`; without it, requests fail with a TLS error).
    Platform,
}

impl RootCertificates {
    /// The custom authorities of [`BundledAnd`](Self::BundledAnd) or [`Only`](Self::Only);
    /// `None` for the others.
    pub fn custom(&self) -> Option<&CaCertificates> {
        match self {
            Self::BundledAnd(ca) | Self::Only(ca) => Some(ca),
            Self::Bundled | Self::Platform => None,
        }
    }
}

/// CA certificates parsed from PEM. `Debug` shows how many.
///
/// ```
/// use dingtalk_notify_proto::transport::{CaCertificates, CaError};
/// let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
/// assert_eq!(CaCertificates::from_pem(pem)?.len(), 1);
/// assert_eq!(CaCertificates::from_pem("nothing here"), Err(CaError::NoCertificate));
/// # Ok::<(), CaError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CaCertificates {
    der: Arc<Vec<Vec<u8>>>,
}

/// PEM that holds no usable CA certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// No `-----BEGIN CERTIFICATE-----` block at all.
    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) found")]
    NoCertificate,
    /// A block whose base64 does not decode, that is empty or not closed, or a malformed
    /// `-----BEGIN` line.
    #[error("PEM certificate number {number} is damaged (bad base64 or no END line)")]
    Damaged {
        /// Which block, from 1.
        number: usize,
    },
}

impl CaCertificates {
    /// Every `CERTIFICATE` block of `pem` (other blocks, such as keys, are skipped), read
    /// by `rustls-pki-types`' PEM parser.
    ///
    /// # Errors
    /// [`CaError`] when there is none, or one is damaged.
    pub fn from_pem(pem: &str) -> Result<Self, CaError> {
        let mut der = Vec::new();
        for block in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let number = der.len() + 1;
            match block {
                Ok(cert) if !cert.is_empty() => der.push(cert.to_vec()),
                _ => return Err(CaError::Damaged { number }),
            }
        }
        if der.is_empty() {
            return Err(CaError::NoCertificate);
        }
        Ok(Self { der: Arc::new(der) })
    }

    /// The certificates, DER.
    pub fn der(&self) -> impl Iterator<Item = &[u8]> {
        self.der.iter().map(Vec::as_slice)
    }

    /// How many certificates.
    pub fn len(&self) -> usize {
        self.der.len()
    }

    /// Whether there are none (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.der.is_empty()
    }
}

impl fmt::Debug for CaCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaCertificates({} certificates)", self.der.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_certificate_block_is_read() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\nAwQ=\n-----END CERTIFICATE-----\n\
                   -----BEGIN PRIVATE KEY-----\nBQY=\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nBwg=\n-----END CERTIFICATE-----";
        let ca = CaCertificates::from_pem(pem).unwrap();
        let der: Vec<&[u8]> = ca.der().collect();
        assert_eq!(der, [&[0u8, 1, 2, 3, 4][..], &[7, 8][..]]);
        assert_eq!(format!("{ca:?}"), "CaCertificates(2 certificates)");
    }

    #[test]
    fn damaged_pem_is_refused() {
        for (pem, number) in [
            (
                "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----",
                1,
            ),
            ("-----BEGIN CERTIFICATE-----\nAAEC\n", 1),
            (
                "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----",
                1,
            ),
        ] {
            assert_eq!(
                CaCertificates::from_pem(pem),
                Err(CaError::Damaged { number })
            );
        }
        assert_eq!(CaCertificates::from_pem(""), Err(CaError::NoCertificate));
    }
}
