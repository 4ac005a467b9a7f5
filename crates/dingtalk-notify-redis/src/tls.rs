//! TLS to Redis: rustls's process-wide crypto provider, and the trust anchors a `rediss://`
//! store with a private CA is given.

use base64::Engine as _;
use rustls::pki_types::CertificateDer;

/// Installs ring's provider unless the process already has one.
pub(crate) fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another installer is fine: a provider is then in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The PEM bundle for the redis crate's `root_cert`: the system's roots (those rustls can use
/// as trust anchors), then `private` (the caller's CAs).
///
/// The redis crate trusts *only* a `root_cert` it is given; this keeps a private CA an
/// addition to the system's roots rather than a replacement, as the client's transports do.
pub(crate) fn system_roots_and(private: &[u8]) -> Vec<u8> {
    let native = rustls_native_certs::load_native_certs();
    if !native.errors.is_empty() {
        log::debug!(
            "dingtalk-notify-redis: {} of the system's certificate sources could not be read",
            native.errors.len()
        );
    }
    bundle(&native.certs, private)
}

/// `roots` (those a `RootCertStore` accepts), as PEM, then `private`.
fn bundle(roots: &[CertificateDer<'_>], private: &[u8]) -> Vec<u8> {
    let mut pem = Vec::with_capacity(roots.len() * 2_000 + private.len() + 1);
    for cert in roots {
        // The redis crate refuses the whole bundle if one anchor does not parse.
        if rustls::RootCertStore::empty().add(cert.clone()).is_err() {
            continue;
        }
        pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        for line in b64.as_bytes().chunks(64) {
            pem.extend_from_slice(line);
            pem.push(b'\n');
        }
        pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    pem.extend_from_slice(private);
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;

    fn ca(name: &str) -> rcgen::Certificate {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap()
    }

    fn parse(pem: &[u8]) -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_slice_iter(pem)
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn the_private_ca_comes_after_every_usable_root() {
        let (a, b, private) = (ca("root A"), ca("root B"), ca("private"));
        let roots = [a.der().clone(), b.der().clone()];
        let got = parse(&bundle(&roots, private.pem().as_bytes()));
        assert_eq!(
            got,
            vec![a.der().clone(), b.der().clone(), private.der().clone()]
        );
    }

    #[test]
    fn a_root_rustls_cannot_use_is_left_out_not_fatal() {
        let private = ca("private");
        let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        let got = parse(&bundle(&[junk], private.pem().as_bytes()));
        assert_eq!(got, vec![private.der().clone()]);
    }

    #[test]
    fn the_system_roots_are_kept() {
        let private = ca("private");
        let system = rustls_native_certs::load_native_certs().certs;
        let usable = system
            .iter()
            .filter(|c| rustls::RootCertStore::empty().add((*c).clone()).is_ok())
            .count();
        let got = parse(&system_roots_and(private.pem().as_bytes()));
        assert_eq!(got.len(), usable + 1);
        assert_eq!(got.last(), Some(private.der()));
    }
}
