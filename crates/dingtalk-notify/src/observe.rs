//! What the crate tells the outside: one function per observable event, each writing its
//! `log` record and, with feature `metrics`, moving its metric through the `metrics` facade
//! (compiled out without the feature). `docs/observability.md` tables both; keep it in step.
//!
//! Labels take bounded values only: an endpoint's path (a const of its type), an outcome
//! class, a reason, a chunk state, a DingTalk code the crate names. Never a user id, a
//! message, a campaign id or anything a server chose freely; and no secret: errors reach
//! here already redacted, and request URIs are never logged.

use std::time::Duration;

use dingtalk_notify_proto::api::SendResult;
use dingtalk_notify_proto::campaign::{CampaignId, ChunkState, is_per_minute_quota};
use dingtalk_notify_proto::{ErrorClass, ErrorCode, ResponseError};

use crate::Error;

/// The client's calls: attempts, retries, replays, throttles.
pub(crate) const CLIENT: &str = "dingtalk_notify::client";
/// The access token: fetches and failed refreshes.
pub(crate) const TOKEN: &str = "dingtalk_notify::token";
/// The recipient budget: waits and holds.
pub(crate) const BUDGET: &str = "dingtalk_notify::budget";
/// Campaigns: each chunk's outcome.
pub(crate) const CAMPAIGN: &str = "dingtalk_notify::campaign";

#[cfg(feature = "metrics")]
mod names {
    pub(super) const CALLS: &str = "dingtalk_notify_calls_total";
    pub(super) const RETRIES: &str = "dingtalk_notify_retries_total";
    pub(super) const TOKEN_FETCHES: &str = "dingtalk_notify_token_fetches_total";
    pub(super) const TOKEN_REPLAYS: &str = "dingtalk_notify_token_replays_total";
    pub(super) const THROTTLES: &str = "dingtalk_notify_throttles_total";
    pub(super) const WAIT: &str = "dingtalk_notify_wait_seconds";
    pub(super) const RECIPIENTS_SENT: &str = "dingtalk_notify_recipients_sent_total";
    pub(super) const FORBIDDEN: &str = "dingtalk_notify_forbidden_total";
    pub(super) const CHUNKS: &str = "dingtalk_notify_chunks_total";

    /// Describes every metric to the recorder current at the first event of the process.
    pub(super) fn describe() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use metrics::{Unit, describe_counter, describe_histogram};
            describe_counter!(
                CALLS,
                Unit::Count,
                "HTTP requests to DingTalk by endpoint and outcome class"
            );
            describe_counter!(
                RETRIES,
                Unit::Count,
                "attempts repeated after a failure, by endpoint and the failure's class"
            );
            describe_counter!(
                TOKEN_FETCHES,
                Unit::Count,
                "access tokens fetched or asked of a provider, by endpoint and outcome"
            );
            describe_counter!(
                TOKEN_REPLAYS,
                Unit::Count,
                "calls replayed once with a fresh token after DingTalk rejected one"
            );
            describe_counter!(
                THROTTLES,
                Unit::Count,
                "answers that throttled, banned or held back a call, by endpoint and reason"
            );
            describe_histogram!(
                WAIT,
                Unit::Seconds,
                "time the client waited before going on, by reason"
            );
            describe_counter!(
                RECIPIENTS_SENT,
                Unit::Count,
                "user ids in sends DingTalk accepted"
            );
            describe_counter!(
                FORBIDDEN,
                Unit::Count,
                "people a read result lists as forbidden, by code"
            );
            describe_counter!(
                CHUNKS,
                Unit::Count,
                "campaign chunks whose send ended, by the state it left them in"
            );
        });
    }
}

/// The `outcome` label of an answer that could not be used: the class of its code for an
/// API error (`retryable`, `throttled`, `banned`, `token`, `permanent`), else what it was.
pub(crate) fn outcome_of(error: &ResponseError) -> &'static str {
    match error {
        ResponseError::Api(api) => api.class().name(),
        ResponseError::Top(_) => "gateway_error",
        ResponseError::Status { .. } => "http_status",
        ResponseError::Throttled { .. } => "ip_throttled",
        _ => "unusable",
    }
}

/// [`outcome_of`] for any of the client's errors (`transport` when none came back).
fn error_outcome<E>(error: &Error<E>) -> &'static str {
    match error {
        Error::Response(r) => outcome_of(r),
        Error::Transport(_) => "transport",
        Error::TokenProvider(_) => "token_provider",
        Error::Deadline { .. } => "deadline",
        _ => "error",
    }
}

/// Why an answer throttled the client, if it did: `rate_limit` (90002, 90018, 90019),
/// `ban` (90001, 90003–90014, 90017), `recipients_per_minute` (143103/143104, ISV
/// 143203/143204), `monthly_quota` (90020), `ip_throttle` (the gateway's throttle page).
fn throttle_of(error: &ResponseError) -> Option<&'static str> {
    match error {
        ResponseError::Throttled { .. } => Some("ip_throttle"),
        ResponseError::Api(api) => {
            let code = api.effective_code();
            match code.class() {
                _ if is_per_minute_quota(code) => Some("recipients_per_minute"),
                _ if code == ErrorCode::MONTHLY_QUOTA_EXCEEDED => Some("monthly_quota"),
                Some(ErrorClass::Throttled) => Some("rate_limit"),
                Some(ErrorClass::Banned) => Some("ban"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// One attempt at `endpoint` was answered: `Ok` or the unusable answer (already redacted).
/// A throttle or ban is a `warn`.
pub(crate) fn answered(endpoint: &'static str, answer: Result<(), &ResponseError>) {
    let outcome = match answer {
        Ok(()) => {
            log::debug!(target: CLIENT, "{endpoint}: ok");
            "ok"
        }
        Err(error) => {
            if let Some(reason) = throttle_of(error) {
                log::warn!(
                    target: CLIENT,
                    "{endpoint}: throttled ({reason}): errcode {:?} request_id {:?}",
                    error.api().map(|a| a.effective_code().get()),
                    error.api().and_then(|a| a.request_id.as_deref())
                );
                #[cfg(feature = "metrics")]
                metrics::counter!(names::THROTTLES, "endpoint" => endpoint, "reason" => reason)
                    .increment(1);
            }
            outcome_of(error)
        }
    };
    call(endpoint, outcome);
}

/// One attempt at `endpoint` got no usable answer from the transport.
pub(crate) fn lost(endpoint: &'static str) {
    call(endpoint, "transport");
}

#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
fn call(endpoint: &'static str, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    {
        names::describe();
        metrics::counter!(names::CALLS, "endpoint" => endpoint, "outcome" => outcome).increment(1);
    }
}

/// A failed attempt is repeated after `delay`: `info` (the throttle itself was a `warn`).
pub(crate) fn retry<E>(endpoint: &'static str, attempt: u32, error: &Error<E>, delay: Duration) {
    let outcome = error_outcome(error);
    log::info!(
        target: CLIENT,
        "{endpoint} attempt {attempt}: {outcome}, errcode {:?} request_id {:?}: retrying in {delay:?}",
        error.effective_code().map(ErrorCode::get),
        error.request_id()
    );
    let throttled = matches!(error, Error::Response(r) if throttle_of(r).is_some());
    wait(if throttled { "throttle" } else { "retry" }, delay);
    retried(endpoint, outcome);
}

/// The call's deadline leaves no room for another attempt.
pub(crate) fn deadline<E>(
    endpoint: &'static str,
    attempt: u32,
    error: &Error<E>,
    deadline: Duration,
) {
    log::debug!(
        target: CLIENT,
        "{endpoint} attempt {attempt}: {}: deadline {deadline:?} reached",
        error_outcome(error)
    );
}

/// The call failed for good with `error` (returned to the caller).
pub(crate) fn failed<E>(endpoint: &'static str, attempt: u32, error: &Error<E>) {
    log::debug!(
        target: CLIENT,
        "{endpoint} attempt {attempt}: failed ({}): errcode {:?} request_id {:?}",
        error_outcome(error),
        error.effective_code().map(ErrorCode::get),
        error.request_id()
    );
}

/// DingTalk rejected the token (`code`): the call is replayed once with a fresh one (`info`).
pub(crate) fn token_replay(
    endpoint: &'static str,
    code: Option<ErrorCode>,
    request_id: Option<&str>,
) {
    log::info!(
        target: CLIENT,
        "{endpoint}: token rejected (errcode {:?} request_id {request_id:?}): refreshing it and replaying once",
        code.map(ErrorCode::get)
    );
    #[cfg(feature = "metrics")]
    metrics::counter!(names::TOKEN_REPLAYS, "endpoint" => endpoint).increment(1);
}

/// A contact call got no answer; the resolution backs off and calls again (`info`).
pub(crate) fn contact_lost<E: std::fmt::Display>(endpoint: &'static str, error: &E) {
    log::info!(target: CLIENT, "{endpoint}: no answer ({error}); the walk backs off and calls again");
    retried(endpoint, "transport");
}

/// A contact call's answer (of class `outcome`) asked for a wait of `wait` and a new call
/// (`info`; a throttle was already a `warn`).
pub(crate) fn contact_retry(endpoint: &'static str, outcome: &'static str, wait: Duration) {
    log::info!(target: CLIENT, "{endpoint}: {outcome}: calling again in {wait:?}");
    retried(endpoint, outcome);
}

#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
fn retried(endpoint: &'static str, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::RETRIES, "endpoint" => endpoint, "outcome" => outcome).increment(1);
}

/// A token fetch from `endpoint` (`/gettoken`, `/service/get_corp_token`) starts.
pub(crate) fn token_fetching(endpoint: &'static str) {
    log::debug!(target: TOKEN, "{endpoint}: fetching an access token");
}

/// A token fetch from `endpoint` ended; `provider` for a [`TokenProvider`]'s answer.
///
/// [`TokenProvider`]: dingtalk_notify_proto::TokenProvider
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn token_fetched<E>(
    endpoint: &'static str,
    result: Result<Option<Duration>, &Error<E>>,
    request_id: Option<&str>,
) {
    match result {
        Ok(lifetime) => log::debug!(
            target: TOKEN,
            "{endpoint}: token fetched, valid {lifetime:?}, request_id {request_id:?}"
        ),
        Err(e) => log::debug!(target: TOKEN, "{endpoint}: no token: {}", error_outcome(e)),
    }
    #[cfg(feature = "metrics")]
    {
        let outcome = if result.is_ok() { "ok" } else { "error" };
        metrics::counter!(names::TOKEN_FETCHES, "endpoint" => endpoint, "outcome" => outcome)
            .increment(1);
    }
}

/// A refresh failed while the current token is still valid: it is used until it expires.
pub(crate) fn token_refresh_failed<E>(error: &Error<E>) {
    log::warn!(
        target: TOKEN,
        "token refresh failed ({}, errcode {:?}); using the current token until it expires",
        error_outcome(error),
        error.effective_code().map(ErrorCode::get)
    );
}

/// The client waits `delay` for `reason` (`retry`, `throttle`, `budget`, `chunk_retry`,
/// `pace`).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn wait(reason: &'static str, delay: Duration) {
    #[cfg(feature = "metrics")]
    {
        names::describe();
        metrics::histogram!(names::WAIT, "reason" => reason).record(delay.as_secs_f64());
    }
}

/// The recipient budget makes `recipients` wait `delay`.
pub(crate) fn budget_wait(recipients: u32, delay: Duration) {
    log::debug!(target: BUDGET, "{recipients} recipients wait {delay:?} for the budget");
    wait("budget", delay);
}

/// DingTalk answered a per-minute quota: the budget is held for a whole window (`warn`).
pub(crate) fn budget_held() {
    log::warn!(
        target: BUDGET,
        "DingTalk's per-minute recipient quota was reached: no send for a minute"
    );
}

/// DingTalk accepted a send to `users` user ids.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn recipients_sent(users: usize) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::RECIPIENTS_SENT).increment(u64::try_from(users).unwrap_or(u64::MAX));
}

/// A result was read: its forbidden people, by code (a code the crate does not name is
/// `other`, so a server cannot grow the label's values).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn result_read(result: &SendResult) {
    if !result.forbidden_list.is_empty() {
        log::debug!(target: CLIENT, "result: {} forbidden", result.forbidden_list.len());
    }
    #[cfg(feature = "metrics")]
    for entry in &result.forbidden_list {
        let code = match entry.code.name() {
            Some(_) => entry.code.get().to_string(),
            None => "other".to_owned(),
        };
        metrics::counter!(names::FORBIDDEN, "code" => code).increment(1);
    }
}

/// A chunk's send ended in `state`: `debug` when sent, `info` when it will be sent again,
/// `warn` when it failed or is ambiguous.
pub(crate) fn chunk_ended(id: &CampaignId, index: usize, state: &ChunkState) {
    let name = state.name();
    match state {
        ChunkState::Sent { .. } => {
            log::debug!(target: CAMPAIGN, "campaign {id} chunk {index}: sent")
        }
        ChunkState::Ambiguous { .. } => log::warn!(
            target: CAMPAIGN,
            "campaign {id} chunk {index}: ambiguous, it may have been sent; not resent unless asked"
        ),
        s if s.may_send() => log::info!(
            target: CAMPAIGN,
            "campaign {id} chunk {index}: refused for now ({name}), to be sent again"
        ),
        _ => log::warn!(target: CAMPAIGN, "campaign {id} chunk {index}: {name}"),
    }
    chunk(name);
}

/// A chunk found `sending` by a resume: its process stopped mid-call, so it is ambiguous.
pub(crate) fn chunk_interrupted(id: &CampaignId, index: usize) {
    log::warn!(
        target: CAMPAIGN,
        "campaign {id} chunk {index}: interrupted while sending: ambiguous, not resent unless asked"
    );
    chunk("ambiguous");
}

#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
fn chunk(state: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(names::CHUNKS, "state" => state).increment(1);
}

#[cfg(test)]
mod tests {
    use dingtalk_notify_proto::ApiError;

    use super::*;

    fn api(code: i64) -> ResponseError {
        ResponseError::Api(ApiError::new(ErrorCode::new(code), "x"))
    }

    #[test]
    fn throttles_are_named_by_their_reason() {
        assert_eq!(throttle_of(&api(90018)), Some("rate_limit"));
        assert_eq!(throttle_of(&api(90006)), Some("ban"));
        assert_eq!(throttle_of(&api(143103)), Some("recipients_per_minute"));
        assert_eq!(throttle_of(&api(90020)), Some("monthly_quota"));
        assert_eq!(throttle_of(&api(40056)), None);
        assert_eq!(outcome_of(&api(40014)), "token");
        assert_eq!(outcome_of(&api(90018)), "throttled");
        assert_eq!(outcome_of(&api(123_456_789)), "permanent");
    }
}
