//! The core's proxy policy ([`ProxyPolicy`]) applied to ureq: the proxy is decided per
//! request, so ureq's own reading of `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` (which would send
//! a loopback target's secrets through a proxy in clear text) never applies.

use dingtalk_notify_proto::http::Uri;
use dingtalk_notify_proto::transport::{
    EnvProxies, ProxyPolicy, ProxySetting, TransportError, TransportErrorKind,
};

/// A resolved policy and the ureq proxy it names, built once.
#[derive(Clone)]
pub(crate) struct UreqProxy {
    policy: ProxyPolicy,
    proxy: Result<Option<ureq::Proxy>, String>,
}

impl UreqProxy {
    /// Resolves `setting` against `env`, or the process environment.
    pub(crate) fn new(setting: &ProxySetting, env: Option<EnvProxies>) -> Self {
        let env = env.unwrap_or_else(|| EnvProxies::from_lookup(|name| std::env::var(name).ok()));
        let policy = ProxyPolicy::new(setting, env);
        let proxy = match policy.proxy() {
            Ok(None) => Ok(None),
            Ok(Some(url)) => ureq::Proxy::new(&url.uri().to_string())
                .map(Some)
                .map_err(|_| format!("ureq cannot use the proxy {url}")),
            Err(e) => Err(e.to_string()),
        };
        Self { policy, proxy }
    }

    /// The proxy for a request to `target` (`None`: connect directly).
    ///
    /// # Errors
    /// The proxy that should be used cannot be: nothing is sent.
    pub(crate) fn for_target(&self, target: &Uri) -> Result<Option<ureq::Proxy>, TransportError> {
        let unusable = |reason: String| {
            TransportError::new(
                TransportErrorKind::Connect,
                format!("{reason}; nothing was sent"),
            )
        };
        match self.policy.proxy_for(target) {
            Ok(None) => Ok(None),
            Ok(Some(_)) => self.proxy.clone().map_err(unusable),
            Err(e) => Err(unusable(e.to_string())),
        }
    }
}

impl std::fmt::Debug for UreqProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The policy's Debug hides credentials; ureq's proxy Debug may not.
        f.debug_tuple("UreqProxy").field(&self.policy).finish()
    }
}
