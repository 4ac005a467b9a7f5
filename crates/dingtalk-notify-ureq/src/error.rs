//! ureq's errors as the core's [`TransportError`]: classified, and stripped of the request
//! URI. The message is written by this crate, never copied from ureq wholesale: ureq's own
//! errors can quote the request URI, and the URI holds the access token.

use std::io;

use dingtalk_notify_proto::http::Uri;
use dingtalk_notify_proto::transport::{TransportError, TransportErrorKind, redact_uri};

/// Classifies an error from reading a body: ureq hands its own errors over inside an
/// `io::Error`, which are unwrapped and classified as ureq errors.
pub(crate) fn from_body_read(error: io::Error, uri: &Uri, max_body_size: usize) -> TransportError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<ureq::Error>())
    {
        let kind = error.kind();
        if let Some(inner) = error.into_inner() {
            return match inner.downcast::<ureq::Error>() {
                Ok(e) => from_ureq(*e, uri, max_body_size),
                Err(_) => from_io(&io::Error::from(kind), uri),
            };
        }
        return from_io(&io::Error::from(kind), uri);
    }
    from_io(&error, uri)
}

/// Classifies a ureq error and writes a message that cannot contain `uri`.
pub(crate) fn from_ureq(error: ureq::Error, uri: &Uri, max_body_size: usize) -> TransportError {
    use TransportErrorKind as K;
    let (kind, message) = match error {
        ureq::Error::Io(e) => return from_io(&e, uri),
        ureq::Error::Timeout(t) => match t {
            // Both are over before a byte of the request is written (the connect phase
            // includes the TLS handshake).
            ureq::Timeout::Resolve | ureq::Timeout::Connect => {
                (K::Connect, format!("timed out while connecting ({t})"))
            }
            _ => (K::Timeout, format!("timed out ({t})")),
        },
        ureq::Error::HostNotFound => (
            K::Connect,
            "the host lookup (DNS) failed: check the base URL's host name".to_owned(),
        ),
        ureq::Error::ConnectionFailed => (K::Connect, "connection failed".to_owned()),
        // The reason is this crate's own (`connect::ProxyStep`) or ureq's status line:
        // never the proxy's bytes or URL. Nothing went past the proxy.
        ureq::Error::ConnectProxyFailed(reason) => {
            let reason = reason.strip_prefix("proxy server ").unwrap_or(&reason);
            (
                K::Connect,
                format!("the proxy failed: it {reason}; nothing was sent to the server"),
            )
        }
        ureq::Error::Tls(m) => (K::Tls, format!("TLS error: {m}")),
        ureq::Error::Rustls(e) => (K::Tls, format!("TLS error: {e}")),
        ureq::Error::Pem(_) => (K::Tls, "TLS error: bad PEM data".to_owned()),
        ureq::Error::TlsRequired => (K::Tls, "TLS required but not used".to_owned()),
        ureq::Error::BodyExceedsLimit(_) => {
            return TransportError::body_too_large(max_body_size);
        }
        ureq::Error::Protocol(e) => (K::Protocol, format!("malformed HTTP: {e}")),
        ureq::Error::LargeResponseHeader(size, limit) => (
            K::Protocol,
            format!("response header too large: {size} > {limit} bytes"),
        ),
        // Nothing was sent, but repeating the same request cannot help either.
        ureq::Error::BadUri(_) => (K::Unknown, "invalid request URI".to_owned()),
        ureq::Error::Http(_) => (K::Unknown, "invalid request".to_owned()),
        ureq::Error::RequireHttpsOnly(_) => (K::Unknown, "the agent only allows https".to_owned()),
        ureq::Error::InvalidProxyUrl => (K::Unknown, "invalid proxy URL".to_owned()),
        // Excluded by the per-request configuration; kept apart should a caller's
        // middleware bring them back.
        ureq::Error::StatusCode(code) => {
            (K::Unknown, format!("unexpected status-code error {code}"))
        }
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            (K::Unknown, "unexpected redirect error".to_owned())
        }
        _ => (K::Unknown, "unclassified ureq error".to_owned()),
    };
    TransportError::new(kind, redact_uri(&message, uri))
}

/// Classifies an IO error by its kind.
///
/// rustls reports TLS failures, in the handshake or later, as `InvalidData` with the
/// rustls error inside: those are [`Tls`](TransportErrorKind::Tls) (a refused certificate
/// above all; retrying cannot fix them). Other invalid data is
/// [`Protocol`](TransportErrorKind::Protocol).
pub(crate) fn from_io(error: &io::Error, uri: &Uri) -> TransportError {
    let io_kind = error.kind();
    let is_tls = error.get_ref().is_some_and(|e| e.is::<rustls::Error>());
    let kind = if is_tls {
        TransportErrorKind::Tls
    } else {
        TransportErrorKind::from_io(io_kind)
    };
    let message = match error.get_ref() {
        Some(inner) if is_tls => redact_uri(&format!("TLS error: {inner}"), uri),
        // The inner text (rustls's, for TLS) says what was invalid.
        Some(inner) if io_kind == io::ErrorKind::InvalidData => {
            redact_uri(&format!("invalid data (TLS or I/O): {inner}"), uri)
        }
        // OS errors and ureq's own messages: the kind says it all.
        _ => format!("{}: {io_kind}", kind.summary()),
    };
    TransportError::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request URI with a token in its query, which no error may show.
    const SECRET_URI: &str =
        "https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1";

    fn uri() -> Uri {
        Uri::from_static(SECRET_URI)
    }

    #[test]
    fn bad_uri_message_is_not_copied() {
        let err = from_ureq(ureq::Error::BadUri(uri().to_string()), &uri(), 10);
        assert_eq!(err.kind(), TransportErrorKind::Unknown);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cr3tT0ken"), "{shown}");
    }

    #[test]
    fn classification_of_each_variant() {
        use TransportErrorKind as K;
        let u = uri();
        let kind = |e: ureq::Error| from_ureq(e, &u, 10).kind();
        assert_eq!(kind(ureq::Error::HostNotFound), K::Connect);
        assert_eq!(kind(ureq::Error::ConnectionFailed), K::Connect);
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Connect)),
            K::Connect
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Resolve)),
            K::Connect
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Global)),
            K::Timeout
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::RecvBody)),
            K::Timeout
        );
        assert_eq!(kind(ureq::Error::Tls("handshake")), K::Tls);
        let bad_cert = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(kind(ureq::Error::Io(bad_cert)), K::Tls);
        assert_eq!(kind(ureq::Error::BodyExceedsLimit(11)), K::BodyTooLarge);
        assert_eq!(kind(ureq::Error::LargeResponseHeader(9, 8)), K::Protocol);
        assert_eq!(kind(ureq::Error::StatusCode(500)), K::Unknown);
        let io = |k: io::ErrorKind| kind(ureq::Error::Io(io::Error::from(k)));
        assert_eq!(io(io::ErrorKind::ConnectionRefused), K::Connect);
        assert_eq!(io(io::ErrorKind::ConnectionReset), K::Interrupted);
        assert_eq!(io(io::ErrorKind::UnexpectedEof), K::Interrupted);
        assert_eq!(io(io::ErrorKind::TimedOut), K::Timeout);
        assert_eq!(io(io::ErrorKind::InvalidData), K::Protocol);
        assert_eq!(io(io::ErrorKind::Other), K::Unknown);
    }

    #[test]
    fn io_text_is_not_copied() {
        for kind in [io::ErrorKind::Other, io::ErrorKind::InvalidData] {
            let e = io::Error::new(kind, "failed for access_token=s3cr3tT0ken");
            let err = from_ureq(ureq::Error::Io(e), &uri(), 10);
            assert!(!format!("{err} {err:?}").contains("s3cr3tT0ken"), "{err}");
        }
    }
}
