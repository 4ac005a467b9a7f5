//! [`CachingResolver`]: ureq's host lookup without a thread per request.
//!
//! ureq 3 resolves the host on every request, pooled connection or not, and whenever a
//! timeout applies its default resolver does so on a new thread (to bound the lookup). The
//! transport always sets timeouts, so that was one thread spawn per call: about 55 µs of CPU,
//! most of the client's per-call cost against a fast server (see BENCHMARKS.md). This
//! resolver answers IP literals itself and keeps each host name's addresses for a short
//! time; only a miss goes to ureq's own resolver, which still bounds the lookup by the
//! request's timeout.
//!
//! It uses ureq's `unversioned` resolver API, which ureq may change in a minor release.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use dingtalk_notify_proto::http::Uri;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused before it is looked up again.
pub const DNS_CACHE_TTL: Duration = Duration::from_secs(30);

/// Host names cached at the most; past that the cache is cleared (a client talks to one or
/// two hosts, so this only bounds memory against misuse).
const MAX_HOSTS: usize = 64;

/// A resolver that answers IP literals at once and caches host names for [`DNS_CACHE_TTL`].
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<(String, u16), (ResolvedSocketAddrs, Instant)>>,
}

impl CachingResolver {
    fn lookup_cached(&self, key: &(String, u16), now: Instant) -> Option<ResolvedSocketAddrs> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(key)
            .filter(|(_, at)| now.duration_since(*at) < DNS_CACHE_TTL)
            .map(|(addrs, _)| addrs.clone())
    }

    fn store(&self, key: (String, u16), addrs: &ResolvedSocketAddrs, now: Instant) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_HOSTS && !cache.contains_key(&key) {
            cache.clear();
        }
        cache.insert(key, (addrs.clone(), now));
    }
}

fn port_of(uri: &Uri) -> Option<u16> {
    let authority = uri.authority()?;
    authority.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(authority), Some(port)) = (uri.authority(), port_of(uri)) else {
            return self.inner.resolve(uri, config, timeout);
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = (host.to_ascii_lowercase(), port);
        let now = Instant::now();
        if let Some(addrs) = self.lookup_cached(&key, now) {
            return Ok(addrs);
        }
        // The system resolver's failure comes as an uncategorised io::Error: say what failed.
        let addrs = self
            .inner
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Io(_) => ureq::Error::HostNotFound,
                other => other,
            })?;
        self.store(key, &addrs, now);
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(r: &CachingResolver, uri: &str) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build();
        let uri: Uri = uri.parse().unwrap();
        r.resolve(&uri, &config, NextTimeout::default())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup() {
        let r = CachingResolver::default();
        let a = resolve(&r, "http://127.0.0.1:8080/x").unwrap();
        assert_eq!(a[..], ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        let a = resolve(&r, "https://[::1]/x").unwrap();
        assert_eq!(a[..], ["[::1]:443".parse::<SocketAddr>().unwrap()]);
        assert!(
            r.cache.lock().unwrap().is_empty(),
            "literals are not cached"
        );
    }

    #[test]
    fn host_names_are_cached_for_the_ttl() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/x").unwrap();
        assert!(!first.is_empty());
        let key = ("localhost".to_owned(), 9);
        assert!(r.lookup_cached(&key, Instant::now()).is_some());
        // Past the TTL the entry is stale and a new lookup happens.
        let later = Instant::now() + DNS_CACHE_TTL + Duration::from_secs(1);
        assert!(r.lookup_cached(&key, later).is_none());
        // Same host, other port: another entry.
        resolve(&r, "http://LOCALHOST:10/x").unwrap();
        assert_eq!(r.cache.lock().unwrap().len(), 2);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let r = CachingResolver::default();
        for port in 0..(MAX_HOSTS as u16 + 5) {
            r.store(("h".to_owned(), port), &r.empty(), Instant::now());
        }
        assert!(r.cache.lock().unwrap().len() <= MAX_HOSTS);
    }
}
