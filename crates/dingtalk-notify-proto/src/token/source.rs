//! Where tokens come from: [`TokenSource`], [`TokenProvider`], and the [`TokenRequest`] that
//! fetches one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::endpoint::{Endpoint, Validated};
use crate::api::gettoken::AccessTokenResponse;
use crate::api::{GetAccessToken, GetCorpToken, RecipientLimits};
use crate::auth::SuiteSignature;
use crate::base_url::BaseUrl;
use crate::error::{BuildError, Error};
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
        extend: impl FnOnce(&mut http::Extensions),
    ) -> Result<AccessTokenResponse, Error<T::Error>> {
        match self {
            Self::App(r) => execute_with(transport, base, (), Validated::new(r)?, extend),
            Self::Isv(r, sig) => execute_with(transport, base, sig, Validated::new(r)?, extend),
        }
    }
}
