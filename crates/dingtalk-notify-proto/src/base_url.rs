//! [`BaseUrl`]: where the oapi endpoints live.

use std::fmt;
use std::str::FromStr;

use crate::error::BuildError;

/// The international host used by the API reference pages.
pub const DEFAULT_BASE_URL: &str = "https://oapi.dingtalk.io";

/// The mainland China host.
pub const MAINLAND_BASE_URL: &str = "https://oapi.dingtalk.com";

/// A validated base URL: `https://host[:port][/prefix]`, or `http://` for a loopback host only.
///
/// A path prefix is kept, so a gateway or reverse proxy in front of DingTalk works
/// (`https://gw.example.com/dingtalk` sends to `https://gw.example.com/dingtalk/gettoken`).
///
/// ```
/// use dingtalk_notify_proto::BaseUrl;
/// let base: BaseUrl = "https://gw.example.com/dingtalk/".parse()?;
/// assert_eq!(base.as_str(), "https://gw.example.com/dingtalk");
/// assert!("http://127.0.0.1:8080".parse::<BaseUrl>().is_ok());
/// assert!("http://oapi.dingtalk.com".parse::<BaseUrl>().is_err()); // plain HTTP off loopback
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    url: String,
    /// The host and port, parsed once: every request's URI shares it (a clone allocates
    /// nothing).
    authority: http::uri::Authority,
    /// Where the path prefix starts in `url` (its length when there is none).
    path_start: usize,
}

impl BaseUrl {
    /// Parses and validates a base URL.
    ///
    /// # Errors
    /// [`BuildError::InvalidBaseUrl`] for anything that is not an absolute `http(s)` URL
    /// without query, fragment or credentials; [`BuildError::InsecureBaseUrl`] for plain
    /// `http://` to a host that is not loopback.
    pub fn new(input: &str) -> Result<Self, BuildError> {
        let invalid = |reason: &'static str| BuildError::InvalidBaseUrl {
            input: cut(input),
            reason,
        };
        let trimmed = input.trim();
        if trimmed.contains(['?', '#']) {
            return Err(invalid("a base URL takes no query or fragment"));
        }
        let uri: http::Uri = trimmed
            .parse()
            .map_err(|_| invalid("not a valid absolute URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| invalid("the URL needs a scheme"))?;
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("the URL needs a host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials do not belong in a base URL"));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(invalid("the URL needs a host"));
        }
        // `http` parses any digits as a port and then reads one over 65535 as none at all
        // (the default port): `:99999` would send the token to port 80.
        let written_port = authority
            .as_str()
            .rsplit_once(']')
            .map_or(authority.as_str(), |(_, rest)| rest)
            .rsplit_once(':')
            .map(|(_, port)| port);
        if let Some(port) = written_port {
            if !port.parse::<u16>().is_ok_and(|p| p != 0) {
                return Err(invalid("the port must be a number from 1 to 65535"));
            }
        }
        match scheme {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(BuildError::InsecureBaseUrl {
                    host: host.to_owned(),
                });
            }
            _ => return Err(invalid("the scheme must be https (or http for loopback)")),
        }
        let path = uri.path().trim_end_matches('/');
        let url = format!("{scheme}://{}{path}", authority.as_str());
        Ok(Self {
            path_start: url.len() - path.len(),
            url,
            authority: authority.clone(),
        })
    }

    /// The normalised URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether this base uses plain HTTP (only ever to a loopback host).
    pub fn is_plain_http(&self) -> bool {
        self.url.starts_with("http://")
    }

    /// The scheme, for building a request's URI from parts.
    pub(crate) fn scheme(&self) -> http::uri::Scheme {
        if self.is_plain_http() {
            http::uri::Scheme::HTTP
        } else {
            http::uri::Scheme::HTTPS
        }
    }

    /// The host and port.
    pub(crate) fn authority(&self) -> &http::uri::Authority {
        &self.authority
    }

    /// The path prefix, without a trailing slash (usually empty).
    pub(crate) fn path_prefix(&self) -> &str {
        &self.url[self.path_start..]
    }
}

impl Default for BaseUrl {
    /// [`DEFAULT_BASE_URL`].
    fn default() -> Self {
        Self {
            url: DEFAULT_BASE_URL.to_owned(),
            authority: http::uri::Authority::from_static("oapi.dingtalk.io"),
            path_start: DEFAULT_BASE_URL.len(),
        }
    }
}

impl FromStr for BaseUrl {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for BaseUrl {
    type Error = BuildError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({:?})", self.url)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// `localhost`, `127.0.0.0/8` and `[::1]`.
pub(crate) fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<core::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The input as an error may show it: credentials (`user:pw@`) and the values of credential
/// keys in a query are redacted, and it is cut to 200 characters.
///
/// The credentials end at the input's **last** `@`, not at the first `/`, `?` or `#`: a
/// password may hold any of those (`https://u:pa/ss@host`, `https://u:p#w@host`), and an
/// input that does not parse has no authority to trust. A base URL takes no `@` anywhere
/// else, so at worst a little more than the credentials is hidden.
fn cut(s: &str) -> String {
    let start = s.find("://").map_or(0, |i| i + 3);
    let shown = match s[start..].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &s[..start], &s[start + at..]),
        None => s.to_owned(),
    };
    crate::redaction::redact_secrets(&shown)
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        for (input, want) in [
            ("https://oapi.dingtalk.io", "https://oapi.dingtalk.io"),
            ("https://oapi.dingtalk.io/", "https://oapi.dingtalk.io"),
            (
                "https://gw.example.com:8443/a/b/",
                "https://gw.example.com:8443/a/b",
            ),
            ("http://localhost:1234", "http://localhost:1234"),
            ("http://127.0.0.2:1234/x", "http://127.0.0.2:1234/x"),
            ("http://[::1]:9", "http://[::1]:9"),
        ] {
            assert_eq!(BaseUrl::new(input).unwrap().as_str(), want);
        }
        assert_eq!(BaseUrl::default().as_str(), DEFAULT_BASE_URL);
        assert_eq!(BaseUrl::default(), BaseUrl::new(DEFAULT_BASE_URL).unwrap());
        let parts = BaseUrl::new("https://gw.example.com:8443/a/b/").unwrap();
        assert_eq!(parts.authority().as_str(), "gw.example.com:8443");
        assert_eq!(parts.path_prefix(), "/a/b");
        assert_eq!(parts.scheme(), http::uri::Scheme::HTTPS);
        let plain = BaseUrl::new("http://127.0.0.1:9").unwrap();
        assert_eq!(
            (plain.path_prefix(), plain.scheme()),
            ("", http::uri::Scheme::HTTP)
        );
        assert!(BaseUrl::new(MAINLAND_BASE_URL).is_ok());
    }

    /// Issue 20: a password holding `/`, `#`, `?`, `@` or `%` ended the "authority" early,
    /// and the error showed the rest of it.
    #[test]
    fn a_password_in_a_refused_url_is_never_shown() {
        for (input, secret) in [
            ("https://user:pa/ss@oapi.dingtalk.io", "pa/ss"),
            ("https://user:p#ss@oapi.dingtalk.io", "p#ss"),
            ("https://user:p?ss@oapi.dingtalk.io", "p?ss"),
            ("https://user:p@ss@oapi.dingtalk.io", "p@ss"),
            ("https://user:p%2Fss@oapi.dingtalk.io", "p%2Fss"),
            ("https://user:pa/ss@oapi.dingtalk.io/prefix", "pa/ss"),
            ("http://user:s3cr/t#x@127.0.0.1:9", "s3cr/t#x"),
        ] {
            let error = BaseUrl::new(input).expect_err(input);
            let shown = format!("{error} {error:?}");
            // The part of the password after its special character, and the whole of it.
            let tail = &secret[secret.len() - 2..];
            assert!(!shown.contains(secret), "{input:?} -> {shown}");
            assert!(!shown.contains(&format!("{tail}@")), "{input:?} -> {shown}");
            assert!(shown.contains("[redacted]"), "{input:?} -> {shown}");
        }
    }

    #[test]
    fn refuses_plain_http_off_loopback_and_junk() {
        assert!(matches!(
            BaseUrl::new("http://oapi.dingtalk.com"),
            Err(BuildError::InsecureBaseUrl { host }) if host == "oapi.dingtalk.com"
        ));
        assert!(matches!(
            BaseUrl::new("http://10.0.0.1"),
            Err(BuildError::InsecureBaseUrl { .. })
        ));
        for bad in [
            "",
            "oapi.dingtalk.io",
            "/relative",
            "ftp://x",
            "https://x/?a=b",
            "https://x/#f",
            "https://user:pw@x",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:65536",
            "http://127.0.0.1:0",
            "https://x:",
            "https://[::1]:70000/a",
        ] {
            assert!(
                matches!(BaseUrl::new(bad), Err(BuildError::InvalidBaseUrl { .. })),
                "{bad:?}"
            );
        }
    }
}
