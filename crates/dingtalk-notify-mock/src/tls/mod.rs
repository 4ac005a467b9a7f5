//! HTTPS: [`ServerTls`], a certificate authority and a server certificate generated at run
//! time with `rcgen`, and the TLS front ([`front`]) that terminates TLS with `rustls` before
//! the plain simulator, so every route, fault and record works the same over HTTPS.

pub(crate) mod front;

use std::fmt;
use std::io;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The certificates an HTTPS simulator serves, generated when made: a certificate
/// authority, and a server certificate it signed for the names given.
///
/// A client that trusts [`ca_pem`](Self::ca_pem) (or [`ca_der`](Self::ca_der)) accepts the
/// server when its URL's host is one of the names; a client with only the system roots
/// refuses it. [`ServerTls::localhost`] names `127.0.0.1` and `localhost`, as
/// [`MockServer::base_url`](crate::MockServer::base_url) writes the host;
/// [`ServerTls::for_names`] with other names makes a hostname mismatch.
///
/// `Debug` shows the names, not the key.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use dingtalk_notify_mock::{MockServer, ServerTls};
/// let tls = ServerTls::localhost()?;
/// assert!(tls.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// let server = MockServer::builder().https(tls).start()?;
/// assert!(server.base_url().starts_with("https://127.0.0.1:"));
/// let ca = server.tls().map(|t| t.ca_pem().to_owned());
/// assert!(ca.is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ServerTls {
    names: Vec<String>,
    ca_pem: String,
    ca_der: Vec<u8>,
    cert_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn tls_error(e: impl fmt::Display) -> io::Error {
    io::Error::other(format!("cannot make the simulator's certificates: {e}"))
}

impl ServerTls {
    /// A CA and a server certificate for `127.0.0.1` and `localhost`.
    ///
    /// # Errors
    /// When a key or certificate cannot be generated.
    pub fn localhost() -> io::Result<Self> {
        Self::for_names(["127.0.0.1", "localhost"])
    }

    /// A CA and a server certificate for these names (IP addresses or DNS names), e.g.
    /// `["wrong.example"]` for a certificate whose hostname does not match the URL.
    ///
    /// # Errors
    /// When a key or certificate cannot be generated.
    pub fn for_names<I, S>(names: I) -> io::Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let ca_key = KeyPair::generate().map_err(tls_error)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "dingtalk-notify-mock test CA");
        ca_params.distinguished_name = dn;
        let ca = ca_params.self_signed(&ca_key).map_err(tls_error)?;

        let key = KeyPair::generate().map_err(tls_error)?;
        let mut params = CertificateParams::new(names.clone()).map_err(tls_error)?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "dingtalk-notify-mock");
        params.distinguished_name = dn;
        let cert = params.signed_by(&key, &ca, &ca_key).map_err(tls_error)?;
        Ok(Self {
            names,
            ca_pem: ca.pem(),
            ca_der: ca.der().to_vec(),
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        })
    }

    /// The names the server certificate is for.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The CA certificate, PEM: what a client's root store needs to trust the server.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// The server certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The server certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The rustls configuration serving the certificate, on the `ring` provider (named
    /// explicitly: the workspace's other crates may enable a second one).
    pub(crate) fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = vec![
            CertificateDer::from(self.cert_der.clone()),
            CertificateDer::from(self.ca_der.clone()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(tls_error)?;
        Ok(Arc::new(config))
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn pem_holds_the_der_in_lines_of_64() {
        let tls = ServerTls::localhost().unwrap();
        for (pem, der) in [
            (tls.ca_pem(), tls.ca_der()),
            (tls.cert_pem(), tls.cert_der()),
        ] {
            let lines: Vec<&str> = pem.lines().collect();
            assert_eq!(lines.first(), Some(&"-----BEGIN CERTIFICATE-----"));
            assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
            let body = &lines[1..lines.len() - 1];
            assert!(body.iter().all(|l| l.len() <= 64));
            assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(body.concat())
                .unwrap();
            assert_eq!(decoded, der);
        }
        assert_eq!(tls.names(), ["127.0.0.1", "localhost"]);
    }
}
