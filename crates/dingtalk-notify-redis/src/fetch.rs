//! [`TokenFetcher`]: fetches an access token from DingTalk with the core's request types
//! (`GetAccessToken`, or the signed `GetCorpToken`) over any [`Transport`].

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use dingtalk_notify::kit::token::{TokenKey, TokenSource};
use dingtalk_notify::kit::transport::RequestTimeout;
use dingtalk_notify::{AccessToken, BaseUrl, Clock, Transport};

use crate::error::{Error, scrub};

/// A token as DingTalk handed it out.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub(crate) token: AccessToken,
    pub(crate) lifetime: Duration,
}

/// What the provider needs from a fetcher; object-safe so the provider is not generic.
pub(crate) trait Fetch: Send + Sync {
    fn fetch(&self, deadline: Instant) -> Result<Fetched, Error>;
}

/// Fetches tokens for one [`TokenSource`] (`App` or `Isv`) over a transport, reading time
/// (the signature's timestamp, the time left) on the store's clock.
pub(crate) struct TokenFetcher<T> {
    source: TokenSource,
    base: BaseUrl,
    transport: T,
    clock: Arc<dyn Clock>,
}

impl<T: Transport> TokenFetcher<T> {
    /// # Errors
    /// [`Error::Config`] for a source that cannot be fetched (a static token or a provider).
    pub(crate) fn new(
        source: TokenSource,
        base: BaseUrl,
        transport: T,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        match source.key() {
            TokenKey::App(_) | TokenKey::Isv { .. } => Ok(Self {
                source,
                base,
                transport,
                clock,
            }),
            _ => Err(Error::Config(
                "the Redis token provider fetches for an app (TokenSource::App) or an ISV \
                 suite (TokenSource::Isv), not for a static token or another provider"
                    .into(),
            )),
        }
    }
}

impl<T> Fetch for TokenFetcher<T>
where
    T: Transport + Send + Sync,
{
    fn fetch(&self, deadline: Instant) -> Result<Fetched, Error> {
        let fail = |detail: String, rejected: bool| Error::Fetch { detail, rejected };
        let timestamp_ms = self
            .clock
            .wall()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let request = match self.source.fetch_request(timestamp_ms) {
            Ok(Some(r)) => r,
            Ok(None) => return Err(fail("this token source cannot be fetched".into(), false)),
            Err(e) => return Err(fail(e.to_string(), true)),
        };
        let left = deadline.saturating_duration_since(self.clock.now());
        if left.is_zero() {
            return Err(Error::Timeout {
                timeout: Duration::ZERO,
            });
        }
        log::debug!(
            target: "dingtalk_notify_redis",
            "{}: fetching an access token for the fleet",
            request.path()
        );
        // The core's one build -> send -> parse path, with the time left as the request's
        // timeout.
        let answer = request.execute_with(&self.transport, &self.base, |extensions| {
            extensions.insert(RequestTimeout(left));
        });
        match answer {
            Ok(answer) => Ok(Fetched {
                lifetime: answer.lifetime(),
                token: answer.access_token,
            }),
            Err(e) => {
                let mut secrets = request.secrets();
                secrets.extend(self.secrets());
                let rejected = !matches!(e, dingtalk_notify::kit::Error::Transport(_));
                Err(fail(scrub(&e.to_string(), &secrets), rejected))
            }
        }
    }
}

impl<T> TokenFetcher<T> {
    fn secrets(&self) -> Vec<&str> {
        match &self.source {
            TokenSource::App { app_secret, .. } => vec![app_secret.expose_secret()],
            TokenSource::Isv { suite_secret, .. } => vec![suite_secret.expose_secret()],
            _ => Vec::new(),
        }
    }
}
