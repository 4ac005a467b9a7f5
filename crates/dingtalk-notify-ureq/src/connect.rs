//! The own agent's connector chain: ureq's default one (CONNECT proxy, TCP, rustls), with
//! every failure of the proxy step reported as the proxy's. ureq parses a proxy's answer to
//! `CONNECT` with the parser it uses for the server's answers, so a proxy answering garbage
//! came back as malformed HTTP (a [`Protocol`](dingtalk_notify_proto::transport::TransportErrorKind::Protocol)
//! error: "the server may have acted on it"), although nothing was sent past the proxy.

use ureq::unversioned::transport::{
    ConnectProxyConnector, ConnectionDetails, Connector, RustlsConnector, TcpConnector, Transport,
};

/// ureq's default chain for this crate's features (no SOCKS: the proxy policy refuses it),
/// its proxy step wrapped in [`ProxyStep`].
pub(crate) fn connector() -> impl Connector {
    ().chain(ProxyStep::default())
        .chain(TcpConnector::default())
        .chain(RustlsConnector::default())
}

/// ureq's [`ConnectProxyConnector`], whose failures become [`ureq::Error::ConnectProxyFailed`]
/// with a reason of this crate's own (never the proxy's bytes, never its URL).
#[derive(Debug, Default)]
pub(crate) struct ProxyStep(ConnectProxyConnector);

impl<In: Transport> Connector<In> for ProxyStep {
    type Out = <ConnectProxyConnector as Connector<In>>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        // Without a proxy, or with a connection already made, the step does nothing.
        let tunnels = chained.is_none() && details.config.proxy().is_some();
        self.0
            .connect(details, chained)
            .map_err(|e| if tunnels { proxy_failure(e) } else { e })
    }
}

/// What went wrong with the proxy, as "the proxy {reason}".
fn proxy_failure(error: ureq::Error) -> ureq::Error {
    use std::io::ErrorKind as Io;
    let reason = match error {
        // ureq's own: "proxy server responded 502/502", "proxy server did not respond".
        ureq::Error::ConnectProxyFailed(reason) => reason,
        ureq::Error::Protocol(_) => "answered CONNECT with something that is not HTTP".to_owned(),
        ureq::Error::LargeResponseHeader(_, _) => {
            "answered CONNECT with a head too large to be HTTP".to_owned()
        }
        ureq::Error::HostNotFound => "host lookup (DNS) failed".to_owned(),
        ureq::Error::Timeout(t) => format!("did not answer CONNECT in time ({t})"),
        ureq::Error::Io(e) => match e.kind() {
            Io::ConnectionRefused => "refused the connection".to_owned(),
            Io::UnexpectedEof | Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe => {
                "closed the connection without answering CONNECT".to_owned()
            }
            Io::TimedOut | Io::WouldBlock => "did not answer CONNECT in time".to_owned(),
            kind => format!("could not be used ({kind})"),
        },
        _ => "could not be used".to_owned(),
    };
    ureq::Error::ConnectProxyFailed(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: ureq::Error) -> String {
        match proxy_failure(e) {
            ureq::Error::ConnectProxyFailed(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reasons_are_this_crates_own() {
        let eof = ureq::Error::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "proxy said s3cr3t",
        ));
        assert_eq!(
            reason(eof),
            "closed the connection without answering CONNECT"
        );
        let refused = ureq::Error::ConnectProxyFailed("proxy server responded 502/502".into());
        assert_eq!(reason(refused), "proxy server responded 502/502");
        assert_eq!(
            reason(ureq::Error::LargeResponseHeader(70_000, 64_000)),
            "answered CONNECT with a head too large to be HTTP"
        );
    }
}
