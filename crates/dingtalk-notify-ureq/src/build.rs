//! How a [`UreqTransport`] is built: the kit's [`TransportBuilder`] (as
//! [`UreqTransportBuilder`]), over a caller's agent or an agent of its own.

use dingtalk_notify_proto::transport::{
    BuildTransport, Opaque, RootCertificates, TransportBuilder, TransportConfig, TransportError,
    TransportSettings,
};
use ureq::Agent;
use ureq::tls::TlsConfig;

use crate::proxy::UreqProxy;
use crate::tls::forced;
use crate::transport::UreqTransport;

/// Builds a [`UreqTransport`]; start from [`UreqTransport::builder`]. The settings are the
/// kit's [`TransportBuilder`]'s, the same for every transport; its
/// [`client`](TransportBuilder::client) is a [`ureq::Agent`].
///
/// ```
/// use std::time::Duration;
/// use dingtalk_notify_ureq::{CaCertificates, ProxySetting, ProxyUrl, RootCertificates, UreqTransport};
/// use dingtalk_notify_ureq::http::HeaderValue;
///
/// # let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
/// let ca = CaCertificates::from_pem(pem)?; // your proxy's or gateway's CA
/// let transport = UreqTransport::builder()
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .max_body_size(1024 * 1024)
///     .user_agent(HeaderValue::from_static("my-app/1.0"))
///     .proxy(ProxySetting::Via(ProxyUrl::parse("http://proxy.corp:3128")?))
///     .root_certificates(RootCertificates::BundledAnd(ca)) // plus Mozilla's roots
///     .build();
/// assert_eq!(transport.config().max_body_size, 1024 * 1024);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type UreqTransportBuilder = TransportBuilder<UreqTransport>;

impl BuildTransport for UreqTransport {
    type Client = Agent;

    fn from_settings(settings: TransportSettings, agent: Option<Agent>) -> Self {
        let TransportSettings {
            config,
            proxy,
            proxy_env,
            roots,
            ..
        } = settings;
        let own_agent = agent.is_none();
        let (agent, tls) = match agent {
            Some(agent) => {
                let tls = forced(agent.config().tls_config(), &roots);
                (Opaque(agent), tls)
            }
            None => own_agent_for(&config, &roots),
        };
        UreqTransport {
            agent,
            config,
            proxy: UreqProxy::new(&proxy, proxy_env),
            tls: tls.map(|t| t.map(Opaque)),
            own_agent,
        }
    }
}

/// An agent of the transport's own, its roots set once (so requests share its pool).
fn own_agent_for(
    config: &TransportConfig,
    roots: &RootCertificates,
) -> (Opaque<Agent>, Result<Option<TlsConfig>, TransportError>) {
    let (tls_config, tls) = match forced(&TlsConfig::default(), roots) {
        Ok(forced) => (forced.unwrap_or_default(), Ok(None)),
        Err(e) => (TlsConfig::default(), Err(e)),
    };
    let agent = {
        {
            let agent_config = Agent::config_builder()
                .tls_config(tls_config)
                .proxy(None) // decided per request by the transport's proxy policy
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(Some(config.connect_timeout))
                .timeout_global(Some(config.timeout))
                .build();
            // ureq's default resolver spawns a thread per request whenever a timeout applies;
            // its default connector reports a proxy's garbage as the server's.
            Opaque(Agent::with_parts(
                agent_config,
                crate::connect::connector(),
                crate::resolver::CachingResolver::default(),
            ))
        }
    };
    (agent, tls)
}

impl From<Agent> for UreqTransport {
    /// Wraps a caller's agent, with the default timeouts and body cap.
    ///
    /// The agent's connection pool and TLS roots are used; its status, redirect, timeout and
    /// proxy settings are overridden per request (see [`UreqTransport`]).
    fn from(agent: Agent) -> Self {
        Self::builder().client(agent).build()
    }
}
