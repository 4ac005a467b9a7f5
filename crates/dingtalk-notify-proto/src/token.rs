//! Access tokens: where they come from ([`TokenSource`]) and a pure cache that answers with
//! "the token, or the request to fetch it" ([`TokenOrRequest`]).
//!
//! The cache does no IO and reads no clock: every method takes `now`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

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
    /// [`AccessTokenResponse::lifetime`](crate::api::AccessTokenResponse::lifetime)); it is refreshed [`refresh_margin`] ahead of expiry.
    pub fn insert(&mut self, key: TokenKey, token: AccessToken, lifetime: Duration, now: Instant) {
        let expires_at = now + lifetime;
        self.entries.insert(
            key,
            Entry {
                token,
                refresh_at: expires_at - refresh_margin(lifetime),
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

    fn key() -> TokenKey {
        TokenKey::App("k".into())
    }

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
    fn fresh_then_stale_then_missing() {
        let mut c = TokenCache::new();
        let t0 = Instant::now();
        c.insert(key(), AccessToken::new("a"), Duration::from_secs(7200), t0);
        let at = |s| t0 + Duration::from_secs(s);
        assert!(matches!(c.freshness(&key(), at(6899)), Freshness::Fresh(_)));
        assert!(matches!(c.freshness(&key(), at(6900)), Freshness::Stale(_)));
        assert!(matches!(c.freshness(&key(), at(7199)), Freshness::Stale(_)));
        assert_eq!(c.freshness(&key(), at(7200)), Freshness::Missing);
    }

    #[test]
    fn invalidate_spares_a_token_refreshed_meanwhile() {
        let mut c = TokenCache::new();
        let t0 = Instant::now();
        c.insert(
            key(),
            AccessToken::new("old"),
            Duration::from_secs(7200),
            t0,
        );
        c.insert(
            key(),
            AccessToken::new("new"),
            Duration::from_secs(7200),
            t0,
        );
        assert!(!c.invalidate(&key(), &AccessToken::new("old")));
        assert_eq!(
            c.freshness(&key(), t0),
            Freshness::Fresh(AccessToken::new("new"))
        );
        assert!(c.invalidate(&key(), &AccessToken::new("new")));
        assert_eq!(c.freshness(&key(), t0), Freshness::Missing);
    }

    #[test]
    fn keys_separate_apps_and_corps() {
        let mut c = TokenCache::new();
        let t0 = Instant::now();
        let a = TokenSource::isv("suite", "s", "t", "corpA").key();
        let b = TokenSource::isv("suite", "s", "t", "corpB").key();
        c.insert(
            a.clone(),
            AccessToken::new("A"),
            Duration::from_secs(60),
            t0,
        );
        assert!(matches!(c.freshness(&a, t0), Freshness::Fresh(_)));
        assert_eq!(c.freshness(&b, t0), Freshness::Missing);
    }

    #[test]
    fn token_or_request_asks_for_the_right_fetch() {
        let mut c = TokenCache::new();
        let t0 = Instant::now();
        let src = TokenSource::app("k", "secret");
        let TokenOrRequest::Request {
            request: r,
            current: None,
        } = c.token_or_request(&src, t0, 0).unwrap()
        else {
            panic!("expected a request");
        };
        assert_eq!(r.path(), "/gettoken");
        c.insert(
            src.key(),
            AccessToken::new("tok"),
            Duration::from_secs(7200),
            t0,
        );
        assert!(matches!(
            c.token_or_request(&src, t0, 0).unwrap(),
            TokenOrRequest::Token(t) if t.expose_secret() == "tok"
        ));
        let isv = TokenSource::isv("suite", "s", "ticket", "corp");
        let TokenOrRequest::Request { request: r, .. } = c.token_or_request(&isv, t0, 1).unwrap()
        else {
            panic!("expected a request");
        };
        assert_eq!(r.path(), "/service/get_corp_token");
        let st = TokenSource::static_token("fixed");
        assert!(matches!(
            c.token_or_request(&st, t0, 0).unwrap(),
            TokenOrRequest::Token(_)
        ));
        // Inside the refresh margin: fetch, but the current token stays usable.
        assert!(matches!(
            c.token_or_request(&src, t0 + Duration::from_secs(7000), 0).unwrap(),
            TokenOrRequest::Request { current: Some(t), .. } if t.expose_secret() == "tok"
        ));
        let provided = TokenSource::provider(NoProvider);
        assert!(matches!(
            c.token_or_request(&provided, t0, 0).unwrap(),
            TokenOrRequest::AskProvider { current: None }
        ));
    }

    struct NoProvider;
    impl TokenProvider for NoProvider {
        fn token(&self) -> Result<ProvidedToken, Box<dyn std::error::Error + Send + Sync>> {
            Err("unused".into())
        }
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
