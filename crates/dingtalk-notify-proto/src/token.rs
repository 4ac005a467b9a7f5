//! Access tokens: where they come from ([`TokenSource`]) and a pure cache that answers with
//! "the token, or the request to fetch it" ([`TokenOrRequest`]).
//!
//! The cache does no IO and reads no clock: every method takes `now`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::api::gettoken::{AccessTokenResponse, MAX_TOKEN_LIFETIME};
use crate::api::{GetAccessToken, GetCorpToken, RecipientLimits, SuiteSignature};
use crate::base_url::BaseUrl;
use crate::endpoint::{Endpoint, Validated};
use crate::error::{BuildError, Error, ResponseError};
use crate::http_types::{HttpRequest, HttpResponse};
use crate::secret::{AccessToken, AppSecret, SuiteSecret, SuiteTicket};
use crate::transport::{Transport, execute_with};

/// A token handed over by a [`TokenProvider`].
#[derive(Debug, Clone)]
pub struct ProvidedToken {
    /// The token.
    pub token: AccessToken,
    /// How much longer it is valid, if known; the client then caches it that long (less the
    /// refresh margin) instead of asking the provider on every call.
    pub expires_in: Option<Duration>,
}

/// A caller-supplied token store, so a fleet of processes can share one token (from Redis,
/// a file, a secrets service).
pub trait TokenProvider: Send + Sync {
    /// A currently valid token.
    ///
    /// # Errors
    /// Any failure of the store; the call fails with [`Error::TokenProvider`](crate::Error).
    fn token(&self) -> Result<ProvidedToken, Box<dyn std::error::Error + Send + Sync>>;

    /// DingTalk rejected `token` (invalid or expired): drop it from the store so the next
    /// [`token`](Self::token) yields a fresh one.
    fn invalidate(&self, token: &AccessToken) {
        let _ = token;
    }
}

/// Supplies the current ISV suite ticket (DingTalk pushes a new one to your callback).
pub type SuiteTicketFn = Arc<dyn Fn() -> SuiteTicket + Send + Sync>;

/// Where the client gets its access token.
#[derive(Clone)]
#[non_exhaustive]
pub enum TokenSource {
    /// An internal app: `gettoken` with the app key and secret.
    App {
        /// The `appkey`.
        app_key: String,
        /// The `appsecret`.
        app_secret: AppSecret,
    },
    /// A third-party (ISV) app acting for one corp: signed `get_corp_token`.
    Isv {
        /// The suite key (`accessKey`).
        suite_key: String,
        /// The suite secret (HMAC key).
        suite_secret: SuiteSecret,
        /// The current suite ticket.
        suite_ticket: SuiteTicketFn,
        /// The authorizing corp (`auth_corpid`).
        corp_id: String,
    },
    /// A fixed token: never fetched, never refreshed.
    Static(AccessToken),
    /// Your own store.
    Provider(Arc<dyn TokenProvider>),
}

impl TokenSource {
    /// An internal app.
    pub fn app(app_key: impl Into<String>, app_secret: impl Into<AppSecret>) -> Self {
        Self::App {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
        }
    }

    /// An ISV app for `corp_id` with a fixed suite ticket.
    pub fn isv(
        suite_key: impl Into<String>,
        suite_secret: impl Into<SuiteSecret>,
        suite_ticket: impl Into<SuiteTicket>,
        corp_id: impl Into<String>,
    ) -> Self {
        let ticket = suite_ticket.into();
        Self::isv_with_ticket_fn(suite_key, suite_secret, move || ticket.clone(), corp_id)
    }

    /// An ISV app for `corp_id`, asking `ticket` for the current suite ticket at each fetch.
    pub fn isv_with_ticket_fn(
        suite_key: impl Into<String>,
        suite_secret: impl Into<SuiteSecret>,
        ticket: impl Fn() -> SuiteTicket + Send + Sync + 'static,
        corp_id: impl Into<String>,
    ) -> Self {
        Self::Isv {
            suite_key: suite_key.into(),
            suite_secret: suite_secret.into(),
            suite_ticket: Arc::new(ticket),
            corp_id: corp_id.into(),
        }
    }

    /// A fixed token.
    pub fn static_token(token: impl Into<AccessToken>) -> Self {
        Self::Static(token.into())
    }

    /// Your own store.
    pub fn provider(provider: impl TokenProvider + 'static) -> Self {
        Self::Provider(Arc::new(provider))
    }

    /// The cache key: the app key, or suite key + corp id.
    pub fn key(&self) -> TokenKey {
        match self {
            Self::App { app_key, .. } => TokenKey::App(app_key.clone()),
            Self::Isv {
                suite_key, corp_id, ..
            } => TokenKey::Isv {
                suite_key: suite_key.clone(),
                corp_id: corp_id.clone(),
            },
            Self::Static(_) => TokenKey::Static,
            Self::Provider(_) => TokenKey::Provider,
        }
    }

    /// The recipient limits that fit this kind of app.
    pub fn recipient_limits(&self) -> RecipientLimits {
        match self {
            Self::Isv { .. } => RecipientLimits::ISV,
            _ => RecipientLimits::INTERNAL,
        }
    }

    /// The request that fetches a token from DingTalk, for `App` and `Isv`; `None` for the
    /// others. `timestamp_ms` is the ISV signature's timestamp (Unix milliseconds).
    ///
    /// # Errors
    /// A [`BuildError`] when a credential is empty.
    pub fn fetch_request(&self, timestamp_ms: u64) -> Result<Option<TokenRequest>, BuildError> {
        Ok(match self {
            Self::App {
                app_key,
                app_secret,
            } => Some(TokenRequest::App(GetAccessToken::new(
                app_key.clone(),
                app_secret.clone(),
            ))),
            Self::Isv {
                suite_key,
                suite_secret,
                suite_ticket,
                corp_id,
            } => {
                let sig =
                    SuiteSignature::sign(suite_key, suite_secret, &suite_ticket(), timestamp_ms)?;
                Some(TokenRequest::Isv(GetCorpToken::new(corp_id.clone()), sig))
            }
            Self::Static(_) | Self::Provider(_) => None,
        })
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::App { app_key, .. } => f
                .debug_struct("App")
                .field("app_key", app_key)
                .finish_non_exhaustive(),
            Self::Isv {
                suite_key, corp_id, ..
            } => f
                .debug_struct("Isv")
                .field("suite_key", suite_key)
                .field("corp_id", corp_id)
                .finish_non_exhaustive(),
            Self::Static(_) => f.debug_struct("Static").finish_non_exhaustive(),
            Self::Provider(_) => f.debug_struct("Provider").finish_non_exhaustive(),
        }
    }
}

/// What a cached token is stored under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKey {
    /// An internal app's key.
    App(String),
    /// An ISV suite acting for a corp.
    Isv {
        /// The suite key.
        suite_key: String,
        /// The corp.
        corp_id: String,
    },
    /// A fixed token.
    Static,
    /// A caller's provider.
    Provider,
}

/// The request that fetches a token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenRequest {
    /// `GET /gettoken`.
    App(GetAccessToken),
    /// `POST /service/get_corp_token`, signed.
    Isv(GetCorpToken, SuiteSignature),
}

impl TokenRequest {
    /// The path, for logs.
    pub fn path(&self) -> &'static str {
        match self {
            Self::App(_) => GetAccessToken::PATH,
            Self::Isv(..) => GetCorpToken::PATH,
        }
    }

    /// The secrets this request puts on the wire (app secret; suite ticket and signature),
    /// so an answer echoing them can be scrubbed.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Self::App(r) => vec![r.appsecret.expose_secret()],
            Self::Isv(_, sig) => sig.secrets().to_vec(),
        }
    }

    /// Builds the HTTP request.
    ///
    /// # Errors
    /// A [`BuildError`] for empty credentials.
    pub fn build(&self, base: &BaseUrl) -> Result<HttpRequest, BuildError> {
        match self {
            Self::App(r) => r.build_request(base, ()),
            Self::Isv(r, sig) => r.build_request(base, sig),
        }
    }

    /// Builds, sends and parses the fetch through [`execute_with`], the same path every
    /// call takes, with `extend` adding per-request extensions. Errors are not yet scrubbed
    /// of [`secrets`](Self::secrets).
    ///
    /// # Errors
    /// As [`execute_with`].
    pub fn execute_with<T: Transport + ?Sized>(
        &self,
        transport: &T,
        base: &BaseUrl,
        extend: impl FnOnce(&mut HttpRequest),
    ) -> Result<AccessTokenResponse, Error<T::Error>> {
        match self {
            Self::App(r) => execute_with(transport, base, (), Validated::new(r)?, extend),
            Self::Isv(r, sig) => execute_with(transport, base, sig, Validated::new(r)?, extend),
        }
    }

    /// Parses the answer.
    ///
    /// # Errors
    /// A [`ResponseError`], e.g. errcode 40001 for a wrong secret.
    pub fn parse(response: HttpResponse) -> Result<AccessTokenResponse, ResponseError> {
        GetAccessToken::parse_response(response)
    }
}

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
    /// [`AccessTokenResponse::lifetime`]); it is refreshed [`refresh_margin`] ahead of expiry.
    /// A lifetime over [`MAX_TOKEN_LIFETIME`] (a provider's or server's absurd value) is
    /// clamped to it.
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
