//! The core's proxy policy ([`ProxyPolicy`]) applied to isahc: every request names its proxy
//! (or none) explicitly, so libcurl's own reading of `http_proxy`/`HTTPS_PROXY`/`ALL_PROXY`
//! (which would send a loopback target's secrets through a proxy in clear text, and honour
//! `socks5://`) never applies.

use dingtalk_notify_proto::http::Uri;
use dingtalk_notify_proto::transport::{
    EnvProxies, ProxyPolicy, ProxySetting, TransportError, TransportErrorKind,
};

/// A resolved policy, built once.
#[derive(Debug, Clone)]
pub(crate) struct IsahcProxy {
    policy: ProxyPolicy,
}

impl IsahcProxy {
    /// Resolves `setting` against `env`, or the process environment.
    pub(crate) fn new(setting: &ProxySetting, env: Option<EnvProxies>) -> Self {
        let env = env.unwrap_or_else(|| EnvProxies::from_lookup(|name| std::env::var(name).ok()));
        Self {
            policy: ProxyPolicy::new(setting, env),
        }
    }

    /// The proxy for a request to `target` (`None`: connect directly, and tell curl so).
    ///
    /// # Errors
    /// The proxy that should be used cannot be: nothing is sent.
    pub(crate) fn for_target(&self, target: &Uri) -> Result<Option<Uri>, TransportError> {
        self.policy
            .proxy_for(target)
            .map(|p| p.map(|p| p.uri().clone()))
            .map_err(|e| {
                TransportError::new(
                    TransportErrorKind::Connect,
                    format!("{e}; nothing was sent"),
                )
            })
    }
}
