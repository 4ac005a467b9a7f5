//! rustls needs a process-wide crypto provider; the `redis` crate does not pick one.

/// Installs ring's provider unless the process already has one.
pub(crate) fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another installer is fine: a provider is then in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
