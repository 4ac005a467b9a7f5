//! [`RetryPolicy`]: when to try again and how long to wait. Pure: the caller supplies the
//! attempt number and the jitter.

use std::time::Duration;

use http::StatusCode;

use crate::code::ErrorCode;
use crate::error::{Error, ResponseError};
use crate::transport::TransportErrorKind;

/// What a failed attempt was, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// DingTalk answered with this code: the `errcode`, or the numeric `sub_code` of a
    /// wrapped errcode 88 ([`ApiError::effective_code`](crate::ApiError::effective_code)).
    Api(ErrorCode),
    /// The gateway's throttle page, with its `wait`.
    Throttled(Option<Duration>),
    /// A non-2xx answer without an envelope.
    Status(StatusCode),
    /// An unusable 2xx body.
    Decode,
    /// The transport failed.
    Transport(TransportErrorKind),
    /// Not retryable at all (bad arguments, the old TOP gateway's refusal, or a driver's
    /// own failure: a window, a token provider).
    Fatal,
}

impl Failure {
    /// Classifies an error; `kind` classifies the transport's own error.
    pub fn of<T>(error: &Error<T>, kind: impl Fn(&T) -> TransportErrorKind) -> Self {
        match error {
            Error::Response(r) => Self::of_response(r),
            Error::Transport(t) => Self::Transport(kind(t)),
            _ => Self::Fatal,
        }
    }

    /// Classifies an answer that could not be used.
    pub fn of_response(error: &ResponseError) -> Self {
        match error {
            // A wrapped error (errcode 88) is judged by the code it wraps.
            ResponseError::Api(e) => Self::Api(e.effective_code()),
            ResponseError::Throttled { wait, .. } => Self::Throttled(*wait),
            ResponseError::Status { status, .. } => Self::Status(*status),
            ResponseError::Decode { .. } => Self::Decode,
            _ => Self::Fatal,
        }
    }
}

/// Exponential backoff with full jitter, bounded by attempts and an overall deadline.
///
/// - A retryable code (`-1`, `500`, the recipients-per-minute codes, the per-second limits
///   `90002`/`90018`/`90019`, the `9000x` bans), also wrapped as errcode 88, is retried by
///   every call (DingTalk refused it, so nothing went out); the per-second limits wait at
///   least [`ErrorCode::min_retry_delay`] (1 s), bans at least [`ban_floor`].
/// - The throttle page is retried after at least its `wait`.
/// - A gateway status (5xx, 429) and a transport failure are retried only for calls that are
///   safe to repeat; a send is repeated only when nothing reached the server
///   ([`TransportErrorKind::Connect`]), never after an ambiguous failure.
///
/// ```
/// use dingtalk_notify_proto::retry::{Failure, RetryPolicy};
/// use dingtalk_notify_proto::ErrorCode;
/// use std::time::Duration;
/// let policy = RetryPolicy::default();
/// // Full jitter: the delay is jitter × min(max_delay, base_delay × 2^(attempt-1)).
/// let d = policy.decide(Failure::Api(ErrorCode::SYSTEM_BUSY), 1, true, 0.5);
/// assert_eq!(d, Some(policy.base_delay / 2));
/// // A send is not repeated after a connection broke mid-way.
/// let reset = Failure::Transport(dingtalk_notify_proto::transport::TransportErrorKind::Interrupted);
/// assert_eq!(policy.decide(reset, 1, false, 0.5), None);
/// ```
///
/// [`ban_floor`]: RetryPolicy::ban_floor
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The backoff before jitter for the first retry.
    pub base_delay: Duration,
    /// The largest backoff before jitter.
    pub max_delay: Duration,
    /// The least wait after a `9000x` ban.
    pub ban_floor: Duration,
    /// The overall deadline of one call, retries included.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 200 ms base, 10 s cap, 60 s after a ban, 30 s overall.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            ban_floor: Duration::from_secs(60),
            deadline: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff ceiling before jitter for retry number `attempt` (1-based):
    /// `min(max_delay, base_delay × 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        self.base_delay
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// Full jitter: `jitter` (in `[0, 1)`) × [`ceiling`](Self::ceiling).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        self.ceiling(attempt).mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Whether to retry after `failure` on attempt `attempt` (1-based) and how long to wait;
    /// `None` to give up. `idempotent` says whether the call is safe to repeat.
    pub fn decide(
        &self,
        failure: Failure,
        attempt: u32,
        idempotent: bool,
        jitter: f64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.backoff(attempt, jitter);
        match failure {
            Failure::Api(code) if code.is_banned() => Some(backoff.max(self.ban_floor)),
            Failure::Api(code) if code.is_retryable() => {
                Some(backoff.max(code.min_retry_delay().unwrap_or_default()))
            }
            Failure::Api(_) | Failure::Decode | Failure::Fatal => None,
            Failure::Throttled(wait) => Some(backoff.max(wait.unwrap_or(self.base_delay))),
            Failure::Status(status) => (idempotent
                && (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS))
                .then_some(backoff),
            Failure::Transport(kind) => {
                let ok = if idempotent {
                    kind.is_transient()
                } else {
                    kind.nothing_sent()
                };
                ok.then_some(backoff)
            }
        }
    }
}

/// A source of jitter in `[0, 1)`; inject a fixed one to make retries deterministic.
pub trait Jitter: Send + Sync {
    /// The next value in `[0, 1)`.
    fn next(&self) -> f64;
}

/// Always the same value (for tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn next(&self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn ceiling_doubles_and_caps() {
        let p = p();
        assert_eq!(p.ceiling(1), Duration::from_millis(200));
        assert_eq!(p.ceiling(2), Duration::from_millis(400));
        assert_eq!(p.ceiling(3), Duration::from_millis(800));
        assert_eq!(p.ceiling(10), Duration::from_secs(10));
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn full_jitter_spans_zero_to_ceiling() {
        let p = p();
        assert_eq!(p.backoff(2, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(2, 0.25), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 2.0), Duration::from_millis(400));
    }

    #[test]
    fn retryable_codes_retry_until_max_attempts() {
        let p = p();
        for code in [-1, 500, 143103, 143104, 143203, 143204, 90019] {
            let f = Failure::Api(ErrorCode::new(code));
            assert!(p.decide(f, 1, false, 0.5).is_some(), "{code}");
            assert!(p.decide(f, 3, false, 0.5).is_some(), "{code}");
            assert!(p.decide(f, 4, false, 0.5).is_none(), "{code}");
        }
    }

    #[test]
    fn permanent_and_token_codes_are_not_retried() {
        for code in [
            40056, 40035, 41, 143105, 143106, 1430000, 90020, 40014, 42001,
        ] {
            assert_eq!(
                p().decide(Failure::Api(ErrorCode::new(code)), 1, true, 0.5),
                None
            );
        }
        assert_eq!(p().decide(Failure::Decode, 1, true, 0.5), None);
        assert_eq!(p().decide(Failure::Fatal, 1, true, 0.5), None);
    }

    #[test]
    fn bans_wait_at_least_the_floor() {
        for code in [90001, 90003, 90010, 90014, 90017] {
            let d = p().decide(Failure::Api(ErrorCode::new(code)), 1, true, 0.0);
            assert_eq!(d, Some(Duration::from_secs(60)), "{code}");
        }
    }

    #[test]
    fn per_second_limits_wait_at_least_a_second() {
        // 90018 (per app, per API), 90002 (global), 90019 (ISV per corp): the throttling
        // page says wait a second and retry, and a send may be retried (it was refused).
        for code in [90018, 90002, 90019] {
            let f = Failure::Api(ErrorCode::new(code));
            assert_eq!(
                p().decide(f, 1, false, 0.0),
                Some(Duration::from_secs(1)),
                "{code}"
            );
            // A longer backoff is kept.
            let long = RetryPolicy {
                base_delay: Duration::from_secs(3),
                ..p()
            };
            assert_eq!(
                long.decide(f, 1, false, 1.0),
                Some(Duration::from_secs(3)),
                "{code}"
            );
        }
    }

    #[test]
    fn wrapped_errors_are_classified_by_their_sub_code() {
        use crate::{ApiError, Error as E};
        let wrapped = |sub: &str| -> E {
            E::Response(ResponseError::Api(
                ApiError::new(ErrorCode::SEE_SUB_CODE, "ding talk error").with_sub_code(sub),
            ))
        };
        let of = |e: &E| Failure::of(e, |_| TransportErrorKind::Unknown);
        assert_eq!(
            of(&wrapped("90018")),
            Failure::Api(ErrorCode::API_RATE_LIMITED)
        );
        assert_eq!(
            of(&wrapped("60011")),
            Failure::Api(ErrorCode::NO_PERMISSION)
        );
        assert_eq!(of(&wrapped("isv.x")), Failure::Api(ErrorCode::SEE_SUB_CODE));
        assert!(p().decide(of(&wrapped("90018")), 1, false, 0.0).is_some());
        assert!(p().decide(of(&wrapped("60011")), 1, true, 0.0).is_none());
        assert!(p().decide(of(&wrapped("isv.x")), 1, true, 0.0).is_none());
    }

    #[test]
    fn throttle_waits_at_least_its_wait() {
        let d = p().decide(
            Failure::Throttled(Some(Duration::from_secs(5))),
            1,
            false,
            0.5,
        );
        assert_eq!(d, Some(Duration::from_secs(5)));
    }

    #[test]
    fn gateway_statuses_retry_only_idempotent_calls() {
        let bad_gateway = Failure::Status(StatusCode::BAD_GATEWAY);
        assert!(p().decide(bad_gateway, 1, true, 0.5).is_some());
        assert!(p().decide(bad_gateway, 1, false, 0.5).is_none());
        let not_found = Failure::Status(StatusCode::NOT_FOUND);
        assert!(p().decide(not_found, 1, true, 0.5).is_none());
    }

    #[test]
    fn sends_repeat_only_when_nothing_was_sent() {
        use TransportErrorKind as K;
        for kind in [
            K::Timeout,
            K::Interrupted,
            K::Unknown,
            K::BodyTooLarge,
            K::Protocol,
        ] {
            assert!(
                p().decide(Failure::Transport(kind), 1, false, 0.5)
                    .is_none(),
                "{kind:?}"
            );
        }
        assert!(
            p().decide(Failure::Transport(K::Connect), 1, false, 0.5)
                .is_some()
        );
        for kind in [K::Connect, K::Timeout, K::Interrupted, K::Unknown] {
            assert!(
                p().decide(Failure::Transport(kind), 1, true, 0.5).is_some(),
                "{kind:?}"
            );
        }
        assert!(
            p().decide(Failure::Transport(K::BodyTooLarge), 1, true, 0.5)
                .is_none()
        );
    }

    #[test]
    fn never_means_one_attempt() {
        assert!(
            RetryPolicy::never()
                .decide(Failure::Api(ErrorCode::SYSTEM_BUSY), 1, true, 0.5)
                .is_none()
        );
    }
}
