//! The retry loop: every call goes through the core's one build → send → parse path
//! ([`execute_with`]), with the time left before the deadline as the request's timeout.

use std::time::{Duration, Instant};

use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::transport::{RequestTimeout, execute_with};
use dingtalk_notify_proto::{
    AccessToken, Endpoint, ResponseError, Transport, Validated, instant_after,
};

use super::{Client, Error};
use crate::observe;

/// One attempt's outcome.
enum Step<R, E> {
    Done(R),
    TokenRejected(AccessToken, Error<E>),
    Failed {
        error: Error<E>,
        safe_to_repeat: bool,
    },
}

impl<T: Transport> Client<T> {
    /// The retry loop around one validated call.
    pub(super) fn call_validated<E>(
        &self,
        endpoint: Validated<'_, E>,
    ) -> Result<E::Response, Error<T::Error>>
    where
        E: Endpoint<Auth = AccessTokenQuery>,
    {
        self.call_validated_within(endpoint, self.inner.retry.deadline)
    }

    /// [`call_validated`](Self::call_validated) within `deadline` instead of the policy's
    /// (an upload's, which fits its size).
    pub(super) fn call_validated_within<E>(
        &self,
        endpoint: Validated<'_, E>,
        deadline: Duration,
    ) -> Result<E::Response, Error<T::Error>>
    where
        E: Endpoint<Auth = AccessTokenQuery>,
    {
        let deadline_at = instant_after(self.inner.clock.now(), deadline);
        let mut attempt = 0u32;
        let mut replayed = false;
        loop {
            attempt += 1;
            let error = match self.attempt(endpoint, deadline_at) {
                Step::Done(response) => return Ok(response),
                Step::TokenRejected(token, error) => {
                    if !replayed && self.invalidate(&token) {
                        replayed = true;
                        attempt -= 1;
                        observe::token_replay(E::PATH, error.effective_code(), error.request_id());
                        continue;
                    }
                    error
                }
                Step::Failed {
                    error,
                    safe_to_repeat,
                } => {
                    let failure = error.failure(|e| self.inner.transport.classify(e));
                    let decision = self.inner.retry.decide(
                        failure,
                        attempt,
                        safe_to_repeat,
                        self.inner.jitter.next(),
                    );
                    match decision {
                        None => error,
                        // A delay too long to add (a throttle page's `wait` near 2^63 s) is past any deadline.
                        Some(delay)
                            if instant_after(self.inner.clock.now(), delay) >= deadline_at =>
                        {
                            observe::deadline(E::PATH, attempt, &error, deadline);
                            return Err(Error::Deadline {
                                deadline,
                                attempts: attempt,
                                last: Some(Box::new(error)),
                            });
                        }
                        Some(delay) => {
                            observe::retry(E::PATH, attempt, &error, delay);
                            self.inner.clock.sleep(delay);
                            continue;
                        }
                    }
                }
            };
            observe::failed(E::PATH, attempt, &error);
            return Err(error);
        }
    }

    fn attempt<E>(
        &self,
        endpoint: Validated<'_, E>,
        deadline_at: Instant,
    ) -> Step<E::Response, T::Error>
    where
        E: Endpoint<Auth = AccessTokenQuery>,
    {
        let token = match self.token(deadline_at) {
            Ok(t) => t,
            // A token fetch is safe to repeat whatever the call is: nothing was sent yet.
            Err(error) => {
                return Step::Failed {
                    error,
                    safe_to_repeat: true,
                };
            }
        };
        let result = execute_with(
            &crate::calls::Noted(&self.inner.transport),
            &self.inner.base,
            &token,
            endpoint,
            |request| {
                self.set_timeout(request, deadline_at);
            },
        );
        match result {
            Ok(r) => {
                observe::answered(E::PATH, Ok(()));
                Step::Done(r)
            }
            Err(dingtalk_notify_proto::Error::Response(e)) => {
                let e = e.without_secrets(&[token.expose_secret()]);
                observe::answered(E::PATH, Err(&e));
                match e {
                    // Also wrapped as errcode 88 with sub_code 40014/42001/40001/33001.
                    ResponseError::Api(ref api) if api.is_token_rejected() => {
                        Step::TokenRejected(token, Error::Response(e))
                    }
                    e => Step::Failed {
                        error: Error::Response(e),
                        safe_to_repeat: E::IDEMPOTENT,
                    },
                }
            }
            Err(dingtalk_notify_proto::Error::Transport(t)) => {
                observe::lost(E::PATH);
                Step::Failed {
                    error: Error::Transport(t),
                    safe_to_repeat: E::IDEMPOTENT,
                }
            }
            Err(error) => Step::Failed {
                error: error.into(),
                safe_to_repeat: false,
            },
        }
    }

    /// The per-request extension hook: the time left before the call's deadline.
    pub(super) fn set_timeout(
        &self,
        extensions: &mut crate::http::Extensions,
        deadline_at: Instant,
    ) {
        let left = deadline_at.saturating_duration_since(self.inner.clock.now());
        extensions.insert(RequestTimeout(left.max(Duration::from_millis(1))));
    }
}
