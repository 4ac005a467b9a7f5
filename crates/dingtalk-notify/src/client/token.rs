//! The access token: the core's `TokenCache::token_or_request` says whether to use the
//! cached one or what to fetch; this module fetches it, one thread at a time.

use std::sync::{PoisonError, RwLockReadGuard, RwLockWriteGuard, TryLockError};
use std::time::{Instant, UNIX_EPOCH};

use dingtalk_notify_proto::token::{
    Freshness, TokenCache, TokenOrRequest, TokenProvider, TokenRequest,
};
use dingtalk_notify_proto::{AccessToken, BuildError, TokenSource, Transport, instant_after};

use super::{Client, Error};
use crate::observe;

impl<T: Transport> Client<T> {
    /// A valid access token, fetched if none is cached.
    ///
    /// # Errors
    /// The token fetch's failure.
    pub fn access_token(&self) -> Result<AccessToken, Error<T::Error>> {
        self.token(instant_after(
            self.inner.clock.now(),
            self.inner.retry.deadline,
        ))
    }

    fn read_cache(&self) -> RwLockReadGuard<'_, TokenCache> {
        self.inner
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write_cache(&self) -> RwLockWriteGuard<'_, TokenCache> {
        self.inner
            .cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The hot path: a fresh cached token (or the static one), under the shared lock, with
    /// nothing allocated (the token is an `Arc`) and no wall clock read.
    fn fresh_token(&self) -> Option<AccessToken> {
        if let TokenSource::Static(t) = &self.inner.source {
            return Some(t.clone());
        }
        match self
            .read_cache()
            .freshness(&self.inner.key, self.inner.clock.now())
        {
            Freshness::Fresh(t) => Some(t),
            _ => None,
        }
    }

    /// What the cache says: the token, or what to do to get one.
    fn plan(&self) -> Result<TokenOrRequest, BuildError> {
        let timestamp_ms = self
            .inner
            .clock
            .wall()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.read_cache()
            .token_or_request(&self.inner.source, self.inner.clock.now(), timestamp_ms)
    }

    /// The token to use: cached, or fetched by exactly one thread at a time.
    pub(super) fn token(&self, deadline_at: Instant) -> Result<AccessToken, Error<T::Error>> {
        if let Some(t) = self.fresh_token() {
            return Ok(t);
        }
        let stale = match self.plan()? {
            TokenOrRequest::Token(t) => return Ok(t),
            TokenOrRequest::Request { current, .. } | TokenOrRequest::AskProvider { current } => {
                current
            }
            _ => None,
        };
        let _guard = match (&stale, self.inner.refresh.try_lock()) {
            (_, Ok(guard)) => guard,
            // Someone else is refreshing: keep using the still-valid token meanwhile.
            (Some(t), Err(TryLockError::WouldBlock)) => return Ok(t.clone()),
            (_, Err(TryLockError::Poisoned(p))) => p.into_inner(),
            (None, Err(TryLockError::WouldBlock)) => self
                .inner
                .refresh
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        };
        // Another thread may have refreshed while this one waited.
        let fetched = match self.plan()? {
            TokenOrRequest::Token(t) => return Ok(t),
            TokenOrRequest::Request {
                current: Some(t), ..
            }
            | TokenOrRequest::AskProvider { current: Some(t) }
                if stale.is_none() =>
            {
                return Ok(t);
            }
            TokenOrRequest::Request { request, .. } => self.fetch_token(&request, deadline_at),
            TokenOrRequest::AskProvider { .. } => match &self.inner.source {
                TokenSource::Provider(p) => self.provided_token(p.as_ref()),
                _ => Err(no_token()),
            },
            _ => Err(no_token()),
        };
        match (fetched, stale) {
            (Ok(t), _) => Ok(t),
            (Err(e), Some(t)) => {
                observe::token_refresh_failed(&e);
                Ok(t)
            }
            (Err(e), None) => Err(e),
        }
    }

    fn provided_token(&self, p: &dyn TokenProvider) -> Result<AccessToken, Error<T::Error>> {
        let now = self.inner.clock.now();
        let provided = match p.token() {
            Ok(provided) if !provided.token.is_empty() => provided,
            other => {
                let error = other.map_or_else(Error::TokenProvider, |_| no_token());
                observe::token_fetched("provider", Err(&error), None);
                return Err(error);
            }
        };
        observe::token_fetched::<T::Error>("provider", Ok(provided.expires_in), None);
        if let Some(lifetime) = provided.expires_in {
            self.write_cache().insert(
                self.inner.key.clone(),
                provided.token.clone(),
                lifetime,
                now,
            );
        }
        Ok(provided.token)
    }

    fn fetch_token(
        &self,
        request: &TokenRequest,
        deadline_at: Instant,
    ) -> Result<AccessToken, Error<T::Error>> {
        let issued = self.inner.clock.now();
        let path = request.path();
        observe::token_fetching(path);
        let answer = request
            .execute_with(
                &crate::calls::Noted(&self.inner.transport),
                &self.inner.base,
                |http| {
                    self.set_timeout(http, deadline_at);
                },
            )
            .map_err(|e| match e {
                dingtalk_notify_proto::Error::Response(r) => {
                    let r = r.without_secrets(&request.secrets());
                    observe::answered(path, Err(&r));
                    Error::Response(r)
                }
                dingtalk_notify_proto::Error::Transport(t) => {
                    observe::lost(path);
                    Error::Transport(t)
                }
                other => other.into(),
            });
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                observe::token_fetched(path, Err(&error), None);
                return Err(error);
            }
        };
        observe::answered(path, Ok(()));
        let lifetime = answer.lifetime();
        observe::token_fetched::<T::Error>(path, Ok(Some(lifetime)), answer.request_id.as_deref());
        self.write_cache().insert(
            self.inner.key.clone(),
            answer.access_token.clone(),
            lifetime,
            issued,
        );
        Ok(answer.access_token)
    }

    /// Drops a rejected token so the next attempt fetches another; whether a replay can help.
    pub(super) fn invalidate(&self, rejected: &AccessToken) -> bool {
        match &self.inner.source {
            TokenSource::Static(_) => false,
            TokenSource::Provider(p) => {
                self.write_cache().invalidate(&self.inner.key, rejected);
                p.invalidate(rejected);
                true
            }
            _ => {
                self.write_cache().invalidate(&self.inner.key, rejected);
                true
            }
        }
    }
}

fn no_token<T>() -> Error<T> {
    Error::Build(BuildError::EmptyField {
        field: "access_token",
    })
}
