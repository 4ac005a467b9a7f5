//! The proxy policy both transports apply, decided here once (pure: the environment is
//! passed in as [`EnvProxies`]).
//!
//! - [`ProxySetting::Via`]: an explicit proxy, for every target but loopback;
//! - [`ProxySetting::FromEnv`] (the default): `HTTPS_PROXY`, else `ALL_PROXY` (either case),
//!   for `https://` targets only, skipping hosts that `NO_PROXY` lists. `HTTP_PROXY` is
//!   never read: no `http://` target is ever proxied (plain http is for loopback only), and
//!   under CGI `HTTP_PROXY` comes from a client's `Proxy:` header ("httpoxy");
//! - [`ProxySetting::Direct`]: no proxy;
//! - a loopback target (`localhost`, `127.0.0.0/8`, `[::1]`) never goes through a proxy;
//! - a proxy that cannot be used (`socks5://`, a typo) is a [`ProxyError`], never a silent
//!   direct connection.

use std::fmt;

use http::Uri;

/// A proxy both transports can use: `http://` or `https://` (HTTP `CONNECT`), with an
/// optional `user:password@`. `Debug` and `Display` hide the credentials.
///
/// ```
/// use dingtalk_notify_proto::transport::ProxyUrl;
/// let proxy = ProxyUrl::parse("http://alice:s3cret@proxy.corp:3128")?;
/// assert_eq!(proxy.to_string(), "http://[redacted]@proxy.corp:3128");
/// assert!(ProxyUrl::parse("socks5://proxy.corp:1080").is_err());
/// # Ok::<(), dingtalk_notify_proto::transport::ProxyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    uri: Uri,
    shown: String,
}

impl ProxyUrl {
    /// Parses a proxy URL; a URL without a scheme (`proxy.corp:3128`) is `http://`.
    ///
    /// # Errors
    /// [`ProxyError::Unsupported`] for any scheme but `http` and `https` (SOCKS included);
    /// [`ProxyError::Invalid`] for anything that is not `scheme://[user:pw@]host[:port][/]`.
    pub fn parse(text: &str) -> Result<Self, ProxyError> {
        let text = text.trim();
        let full = match text.find("://") {
            Some(i) => {
                let scheme = text[..i].to_ascii_lowercase();
                if scheme != "http" && scheme != "https" {
                    return Err(ProxyError::Unsupported { scheme });
                }
                text.to_owned()
            }
            None => format!("http://{text}"),
        };
        let uri: Uri = full.parse().map_err(|_| ProxyError::Invalid)?;
        let authority = uri.authority().ok_or(ProxyError::Invalid)?;
        let path_ok = uri.path_and_query().is_none_or(|p| p.as_str() == "/");
        let host_port = authority
            .as_str()
            .rsplit_once('@')
            .map_or(authority.as_str(), |(_, hp)| hp);
        // A port, when written, is a number in 1..=65535.
        let port = host_port.rsplit_once(']').map_or(host_port, |(_, p)| p);
        let bad_port = port
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().map_or(true, |p| p == 0));
        if authority.host().is_empty() || !path_ok || bad_port {
            return Err(ProxyError::Invalid);
        }
        let scheme = uri.scheme_str().unwrap_or("http");
        let shown = if authority.as_str().contains('@') {
            format!("{scheme}://[redacted]@{host_port}")
        } else {
            format!("{scheme}://{host_port}")
        };
        Ok(Self { uri, shown })
    }

    /// The whole URL, credentials included, to hand to the HTTP library. Never show it.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The proxy's host.
    pub fn host(&self) -> &str {
        self.uri.host().unwrap_or_default()
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({})", self.shown)
    }
}

/// A proxy that cannot be used. The call fails with it, nothing sent: it never falls back
/// to a direct connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// A scheme neither transport supports here (`socks5`, `socks4`, `ftp`).
    #[error("unsupported proxy scheme `{scheme}`: use an http:// or https:// proxy")]
    Unsupported {
        /// The scheme, lower-cased.
        scheme: String,
    },
    /// Not a proxy URL at all.
    #[error("invalid proxy URL: expected http://[user:password@]host[:port]")]
    Invalid,
}

/// Which proxy to use. The policy, whichever is chosen: never a proxy for a loopback target,
/// and a proxy that cannot be used is an error, never a direct connection (see
/// [`ProxyPolicy::proxy_for`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxySetting {
    /// `HTTPS_PROXY` or `ALL_PROXY`, for `https://` targets not listed in `NO_PROXY`.
    #[default]
    FromEnv,
    /// No proxy, whatever the environment says.
    Direct,
    /// This proxy, for every target but loopback.
    Via(ProxyUrl),
}

/// The proxy variables of an environment, read by a transport when it is built. `Debug`
/// shows the proxy URL with its credentials hidden.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvProxies {
    https: Option<String>,
    no_proxy: Option<String>,
}

impl EnvProxies {
    /// The variables as `lookup` finds them: `https_proxy`, `HTTPS_PROXY`, then `all_proxy`,
    /// `ALL_PROXY` (the first non-empty one); `no_proxy`, then `NO_PROXY`.
    ///
    /// ```
    /// use dingtalk_notify_proto::transport::EnvProxies;
    /// let env = EnvProxies::from_lookup(|name| (name == "ALL_PROXY").then(|| "proxy:3128".into()));
    /// assert_eq!(env.https_proxy(), Some("proxy:3128"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| lookup(n))
                .find(|v| !v.trim().is_empty())
        };
        Self {
            https: first(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]),
            no_proxy: first(&["no_proxy", "NO_PROXY"]),
        }
    }

    /// The proxy URL given for https targets, unparsed.
    pub fn https_proxy(&self) -> Option<&str> {
        self.https.as_deref()
    }

    /// Whether `NO_PROXY` lists `host`: `*`, the host itself, or a domain it is in (`corp`
    /// and `.corp` both cover `a.corp`); case-insensitive, ports ignored.
    pub fn bypasses(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.no_proxy.as_deref().is_some_and(|list| {
            list.split([',', ' ']).map(str::trim).any(|entry| {
                let entry = entry.trim_start_matches('[');
                let entry = match entry.rsplit_once(']') {
                    Some((ip, _)) => ip,
                    None if entry.matches(':').count() == 1 => {
                        entry.split(':').next().unwrap_or(entry)
                    }
                    None => entry,
                };
                let entry = entry.trim_start_matches("*.").trim_start_matches('.');
                let entry = entry.trim_end_matches('.').to_ascii_lowercase();
                entry == "*"
                    || (!entry.is_empty()
                        && (host == entry
                            || host
                                .strip_suffix(entry.as_str())
                                .is_some_and(|rest| rest.ends_with('.'))))
            })
        })
    }
}

impl fmt::Debug for EnvProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.https.as_deref().map(|p| match ProxyUrl::parse(p) {
            Ok(url) => url.to_string(),
            Err(_) => "<unusable>".to_owned(),
        });
        f.debug_struct("EnvProxies")
            .field("https_proxy", &shown)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// The decision for one transport: its [`ProxySetting`] against its environment, resolved
/// once (the proxy URL parsed) and then asked per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyPolicy {
    proxy: Result<Option<ProxyUrl>, ProxyError>,
    from_env: bool,
    env: EnvProxies,
}

impl ProxyPolicy {
    /// Resolves `setting` against `env`.
    pub fn new(setting: &ProxySetting, env: EnvProxies) -> Self {
        let (proxy, from_env) = match setting {
            ProxySetting::Direct => (Ok(None), false),
            ProxySetting::Via(url) => (Ok(Some(url.clone())), false),
            ProxySetting::FromEnv => (env.https_proxy().map(ProxyUrl::parse).transpose(), true),
        };
        Self {
            proxy,
            from_env,
            env,
        }
    }

    /// The proxy that could be used at all (`None` when the policy is direct).
    ///
    /// # Errors
    /// The configured or environment proxy cannot be used.
    pub fn proxy(&self) -> Result<Option<&ProxyUrl>, ProxyError> {
        self.proxy
            .as_ref()
            .map(Option::as_ref)
            .map_err(Clone::clone)
    }

    /// The proxy for a request to `target`, or `None` to connect directly.
    ///
    /// ```
    /// use dingtalk_notify_proto::transport::{EnvProxies, ProxyPolicy, ProxySetting};
    /// let env = EnvProxies::from_lookup(|n| (n == "HTTPS_PROXY").then(|| "http://proxy:3128".into()));
    /// let policy = ProxyPolicy::new(&ProxySetting::FromEnv, env);
    /// let via = policy.proxy_for(&"https://oapi.dingtalk.com/gettoken".parse()?)?;
    /// assert_eq!(via.map(|p| p.host()), Some("proxy"));
    /// // Never for loopback, never for plain http.
    /// assert!(policy.proxy_for(&"http://127.0.0.1:8080/gettoken".parse()?)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The proxy that would be used cannot be: the call must fail, nothing sent.
    pub fn proxy_for(&self, target: &Uri) -> Result<Option<&ProxyUrl>, ProxyError> {
        let host = target.host().unwrap_or_default();
        if crate::base_url::is_loopback(host) {
            return Ok(None);
        }
        if self.from_env && (target.scheme_str() != Some("https") || self.env.bypasses(host)) {
            return Ok(None);
        }
        self.proxy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> EnvProxies {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvProxies::from_lookup(move |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }

    fn via(policy: &ProxyPolicy, target: &str) -> Result<Option<String>, ProxyError> {
        let uri: Uri = target.parse().unwrap();
        policy
            .proxy_for(&uri)
            .map(|p| p.map(|p| p.host().to_owned()))
    }

    const HTTPS: &str = "https://oapi.dingtalk.com/gettoken?appsecret=x";
    const LOOPBACK: [&str; 4] = [
        "http://127.0.0.1:8080/gettoken",
        "http://localhost:1/x",
        "http://[::1]:1/x",
        "https://127.0.0.2/x",
    ];

    #[test]
    fn env_proxies_serve_https_targets_only_and_never_loopback() {
        for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
            let p = ProxyPolicy::new(&ProxySetting::FromEnv, env(&[(var, "http://p:3128")]));
            assert_eq!(via(&p, HTTPS), Ok(Some("p".into())), "{var}");
            for target in LOOPBACK {
                assert_eq!(via(&p, target), Ok(None), "{var} {target}");
            }
        }
        // HTTP_PROXY is never read: not for https, not under CGI.
        let p = ProxyPolicy::new(&ProxySetting::FromEnv, env(&[("HTTP_PROXY", "http://p:1")]));
        assert_eq!(via(&p, HTTPS), Ok(None));
    }

    #[test]
    fn no_proxy_lists_hosts_and_domains() {
        let e = env(&[
            ("HTTPS_PROXY", "p:1"),
            ("NO_PROXY", "example.org, .dingtalk.com:443"),
        ]);
        let p = ProxyPolicy::new(&ProxySetting::FromEnv, e);
        assert_eq!(via(&p, HTTPS), Ok(None));
        assert_eq!(via(&p, "https://example.org/x"), Ok(None));
        assert_eq!(via(&p, "https://a.example.org/x"), Ok(None));
        assert_eq!(via(&p, "https://badexample.org/x"), Ok(Some("p".into())));
        let star = ProxyPolicy::new(
            &ProxySetting::FromEnv,
            env(&[("ALL_PROXY", "p:1"), ("no_proxy", "*")]),
        );
        assert_eq!(via(&star, HTTPS), Ok(None));
    }

    #[test]
    fn an_explicit_proxy_serves_everything_but_loopback() {
        let url = ProxyUrl::parse("https://u:pw@p:8443").unwrap();
        let p = ProxyPolicy::new(&ProxySetting::Via(url), env(&[("NO_PROXY", "*")]));
        assert_eq!(via(&p, HTTPS), Ok(Some("p".into())));
        for target in LOOPBACK {
            assert_eq!(via(&p, target), Ok(None), "{target}");
        }
        let direct = ProxyPolicy::new(&ProxySetting::Direct, env(&[("HTTPS_PROXY", "p:1")]));
        assert_eq!(via(&direct, HTTPS), Ok(None));
    }

    #[test]
    fn an_unusable_proxy_is_an_error_not_a_direct_connection() {
        for bad in ["socks5://p:1080", "socks://p", "SOCKS4A://p", "ftp://p"] {
            let p = ProxyPolicy::new(&ProxySetting::FromEnv, env(&[("HTTPS_PROXY", bad)]));
            assert!(
                matches!(via(&p, HTTPS), Err(ProxyError::Unsupported { .. })),
                "{bad}"
            );
        }
        for bad in [
            "http://",
            "http://p:port",
            "http://p:1/path",
            "::::",
            "http://p:",
        ] {
            let p = ProxyPolicy::new(&ProxySetting::FromEnv, env(&[("ALL_PROXY", bad)]));
            assert_eq!(via(&p, HTTPS), Err(ProxyError::Invalid), "{bad}");
        }
    }

    #[test]
    fn credentials_are_hidden() {
        let url = ProxyUrl::parse("http://alice:s3cret@proxy:3128/").unwrap();
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert!(url.uri().to_string().contains("alice:s3cret@"));
        let policy = ProxyPolicy::new(&ProxySetting::Via(url), EnvProxies::default());
        assert!(!format!("{policy:?}").contains("s3cret"));
        let e = env(&[("HTTPS_PROXY", "http://alice:s3cret@proxy:3128")]);
        assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        assert_eq!(
            ProxyUrl::parse("proxy:3128").unwrap().to_string(),
            "http://proxy:3128"
        );
    }
}
