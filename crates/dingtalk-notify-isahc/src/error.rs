//! isahc's errors as the core's [`TransportError`], classified, with the request URI, its
//! path and query and every query value cut out of curl's description (they hold the access
//! token).

use std::io;

use dingtalk_notify_proto::http::Uri;
use dingtalk_notify_proto::transport::{TransportError, TransportErrorKind, redact_uri};

/// Classifies an isahc error and writes a message that cannot contain `uri`.
pub(crate) fn from_isahc(error: &isahc::Error, uri: &Uri) -> TransportError {
    use TransportErrorKind as K;
    use isahc::error::ErrorKind as E;
    // "<isahc's description>: <curl's message>"; used to refine the kind, then redacted.
    let text = describe(error);
    let kind = match error.kind() {
        // curl reports these before the request is written: the TCP connect and DNS.
        E::ConnectionFailed | E::NameResolution => K::Connect,
        // The TLS handshake (certificate checks included): not retried.
        E::BadServerCertificate
        | E::BadClientCertificate
        | E::InvalidTlsConfiguration
        | E::TlsEngine => K::Tls,
        // curl names the phase: "Resolving timed out after …" and "Connection timed out
        // after …" while connecting, "Operation timed out after …" later.
        E::Timeout if is_connect_phase_timeout(&text) => K::Connect,
        E::Timeout => K::Timeout,
        // Send and receive failures, a transfer cut short.
        E::Io => K::Interrupted,
        // CURLE_GOT_NOTHING: the server closed the connection after the request, without
        // a byte of answer. isahc files it as a protocol violation; for retrying it is an
        // interruption (the request may have been acted on).
        E::ProtocolViolation if curl_code(error) == Some(CURLE_GOT_NOTHING) => K::Interrupted,
        E::ProtocolViolation | E::InvalidContentEncoding => K::Protocol,
        _ => K::Unknown,
    };
    let summary = if error.kind() == E::NameResolution {
        "the host lookup (DNS) failed: check the base URL's host name"
    } else {
        kind.summary()
    };
    let message = format!("{summary}: isahc {:?}{}", error.kind(), source_of(error));
    TransportError::new(kind, redact_uri(&message, uri))
}

/// Classifies an error of a request sent through a proxy. curl learns the server's address
/// only once the whole connection is up (the proxy's tunnel and TLS included), and writes
/// the request only then: an error without that address ended before anything was sent
/// past the proxy (it refused the connection or the `CONNECT`, answered garbage, or never
/// answered). That is a [`Connect`](TransportErrorKind::Connect) failure that names the
/// proxy, not a malformed answer from the server. TLS failures keep their kind.
pub(crate) fn from_isahc_via_proxy(error: &isahc::Error, uri: &Uri) -> TransportError {
    let classified = from_isahc(error, uri);
    if error.remote_addr().is_some() || classified.kind() == TransportErrorKind::Tls {
        return classified;
    }
    let message = format!(
        "could not connect through the proxy (the proxy refused, failed or answered \
         garbage): isahc {:?}{}; nothing was sent to the server",
        error.kind(),
        source_of(error)
    );
    TransportError::new(TransportErrorKind::Connect, redact_uri(&message, uri))
}

/// Classifies an I/O error from reading the body: isahc's own error if it wraps one,
/// otherwise by kind (its text is not ours to print).
pub(crate) fn from_io(error: &io::Error, uri: &Uri) -> TransportError {
    if let Some(inner) = error.get_ref() {
        if let Some(isahc) = inner.downcast_ref::<isahc::Error>() {
            return from_isahc(isahc, uri);
        }
    }
    let io_kind = error.kind();
    let kind = TransportErrorKind::from_io(io_kind);
    TransportError::new(
        kind,
        format!("{} while reading the body: {io_kind}", kind.summary()),
    )
}

/// `CURLE_GOT_NOTHING`: "Server returned nothing (no headers, no data)".
const CURLE_GOT_NOTHING: u32 = 52;

/// isahc's description, then curl's (`[code] description (details)`), if curl's is the source.
fn describe(error: &isahc::Error) -> String {
    format!("{error}{}", source_of(error))
}

/// ` (<source>)`, or nothing: curl's `[code] description (details)` as a rule.
fn source_of(error: &isahc::Error) -> String {
    std::error::Error::source(error).map_or_else(String::new, |s| format!(" ({s})"))
}

/// The curl error code, read from the source's `Display` (`[52] Server returned nothing…`):
/// isahc does not expose curl's error type, and this crate does not depend on curl.
fn curl_code(error: &isahc::Error) -> Option<u32> {
    let source = std::error::Error::source(error)?.to_string();
    let rest = source.strip_prefix('[')?;
    let (code, _) = rest.split_once(']')?;
    code.parse().ok()
}

/// Whether curl's details name the connect phase ("Resolving timed out after …", "Connection
/// timed out after …"; later ones read "Operation timed out after …"). curl's details are not
/// always present: without them a timeout counts as [`TransportErrorKind::Timeout`].
fn is_connect_phase_timeout(text: &str) -> bool {
    text.contains("Connection timed out after") || text.contains("Resolving timed out after")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri() -> Uri {
        "https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1"
            .parse()
            .unwrap()
    }

    #[test]
    fn connect_phase_timeouts_are_told_apart() {
        assert!(is_connect_phase_timeout(
            "request or operation took longer than the configured timeout time: \
             Connection timed out after 5001 milliseconds"
        ));
        assert!(is_connect_phase_timeout(
            "…: Resolving timed out after 5000 milliseconds"
        ));
        assert!(!is_connect_phase_timeout(
            "…: Operation timed out after 300 milliseconds with 0 bytes received"
        ));
    }

    #[test]
    fn io_errors_by_kind_with_text_dropped() {
        use TransportErrorKind as K;
        let u = uri();
        let kind = |k: io::ErrorKind| {
            let e = io::Error::new(k, "at access_token=s3cr3tT0ken");
            let err = from_io(&e, &u);
            assert!(!format!("{err} {err:?}").contains("s3cr3tT0ken"), "{err:?}");
            err.kind()
        };
        for (io_kind, want) in [
            (io::ErrorKind::ConnectionRefused, K::Connect),
            (io::ErrorKind::ConnectionAborted, K::Interrupted),
            (io::ErrorKind::UnexpectedEof, K::Interrupted),
            (io::ErrorKind::TimedOut, K::Timeout),
            (io::ErrorKind::InvalidData, K::Protocol),
            (io::ErrorKind::Other, K::Unknown),
        ] {
            assert_eq!(kind(io_kind), want, "{io_kind:?}");
        }
    }
}
