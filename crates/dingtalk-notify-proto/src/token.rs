//! Access tokens: where they come from ([`TokenSource`]) and a pure cache that answers with
//! "the token, or the request to fetch it" ([`TokenOrRequest`]).
//!
//! The cache does no IO and reads no clock: every method takes `now`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::api::gettoken::MAX_TOKEN_LIFETIME;
use crate::error::BuildError;
use crate::secret::AccessToken;

mod source;

pub use source::{
    ProvidedToken, SuiteTicketFn, TokenKey, TokenProvider, TokenRequest, TokenSource,
};

/// The token to use, or what to do to get one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenOrRequest {
    /// A fresh token: use it.
    Token(AccessToken),
    /// Nothing fresh is cached: fetch with `request`, then [`TokenCache::insert`].
    Request {
        /// The fetch to make.
        request: TokenRequest,
        /// A token still valid but due for refresh: use it while another caller fetches,
        /// or when the fetch fails.
        current: Option<AccessToken>,
    },
    /// Nothing fresh is cached and the source is a [`TokenProvider`]: ask it.
    AskProvider {
        /// As for [`Request`](Self::Request).
        current: Option<AccessToken>,
    },
}

/// How fresh a cached token is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// Valid and not yet due for refresh.
    Fresh(AccessToken),
    /// Still valid, but inside the refresh margin: refresh now, use it meanwhile.
    Stale(AccessToken),
    /// Missing or expired.
    Missing,
}

#[derive(Debug, Clone)]
struct Entry {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

/// The refresh margin for a token lifetime: a tenth of it, at most 5 minutes.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(300))
}

/// A cache of tokens keyed by credentials. Pure: every method takes `now`.
///
/// ```
/// use dingtalk_notify_proto::token::{Freshness, TokenCache, TokenKey};
/// use dingtalk_notify_proto::AccessToken;
/// use std::time::{Duration, Instant};
/// let mut cache = TokenCache::new();
/// let key = TokenKey::App("dingkey".into());
/// let t0 = Instant::now();
/// assert_eq!(cache.freshness(&key, t0), Freshness::Missing);
/// cache.insert(key.clone(), AccessToken::new("tok"), Duration::from_secs(7200), t0);
/// assert!(matches!(cache.freshness(&key, t0), Freshness::Fresh(_)));
/// // Refreshed ahead of expiry: 300 s before the 7200 s are up.
/// assert!(matches!(cache.freshness(&key, t0 + Duration::from_secs(6950)), Freshness::Stale(_)));
/// assert_eq!(cache.freshness(&key, t0 + Duration::from_secs(7200)), Freshness::Missing);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    entries: HashMap<TokenKey, Entry>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How fresh the token under `key` is at `now`.
    pub fn freshness(&self, key: &TokenKey, now: Instant) -> Freshness {
        match self.entries.get(key) {
            Some(e) if now < e.refresh_at => Freshness::Fresh(e.token.clone()),
            Some(e) if now < e.expires_at => Freshness::Stale(e.token.clone()),
            _ => Freshness::Missing,
        }
    }

    /// The fresh token for `source`, or the request to fetch one (a static token is always
    /// returned as it is).
    ///
    /// # Errors
    /// A [`BuildError`] for empty credentials (the request is signed here for an ISV source).
    pub fn token_or_request(
        &self,
        source: &TokenSource,
        now: Instant,
        timestamp_ms: u64,
    ) -> Result<TokenOrRequest, BuildError> {
        if let TokenSource::Static(t) = source {
            return Ok(TokenOrRequest::Token(t.clone()));
        }
        let current = match self.freshness(&source.key(), now) {
            Freshness::Fresh(t) => return Ok(TokenOrRequest::Token(t)),
            Freshness::Stale(t) => Some(t),
            Freshness::Missing => None,
        };
        Ok(match source.fetch_request(timestamp_ms)? {
            Some(request) => TokenOrRequest::Request { request, current },
            None => TokenOrRequest::AskProvider { current },
        })
    }

    /// Stores a token fetched at `now` that lives `lifetime` (see
    /// [`AccessTokenResponse::lifetime`](crate::api::AccessTokenResponse::lifetime)); it is
    /// refreshed [`refresh_margin`] ahead of expiry. A lifetime over [`MAX_TOKEN_LIFETIME`] (a
    /// provider's or server's absurd value) is clamped to it.
    pub fn insert(&mut self, key: TokenKey, token: AccessToken, lifetime: Duration, now: Instant) {
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let expires_at = crate::clock::instant_after(now, lifetime);
        self.entries.insert(
            key,
            Entry {
                token,
                refresh_at: expires_at
                    .checked_sub(refresh_margin(lifetime))
                    .unwrap_or(expires_at),
                expires_at,
            },
        );
    }

    /// DingTalk rejected `rejected`: evict it, unless the cache already holds another token
    /// (refreshed meanwhile by someone else). Returns whether anything was evicted.
    pub fn invalidate(&mut self, key: &TokenKey, rejected: &AccessToken) -> bool {
        if self.entries.get(key).is_some_and(|e| &e.token == rejected) {
            self.entries.remove(key);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_tenth_capped_at_five_minutes() {
        assert_eq!(
            refresh_margin(Duration::from_secs(7200)),
            Duration::from_secs(300)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!(
            "{:?} {:?}",
            TokenSource::app("key", "APPSECRET"),
            TokenSource::isv("suite", "SUITESECRET", "TICKET", "corp")
        );
        assert!(!s.contains("APPSECRET") && !s.contains("SUITESECRET") && !s.contains("TICKET"));
    }
}
