//! [`Error`]: everything that can go wrong between a replica and Redis.

use std::time::Duration;

use dingtalk_notify::kit::redaction::redact_values;

/// A failure of the Redis store, of the token fetch it drives, or of its configuration.
///
/// No variant holds the Redis password, the app secret or an access token: the texts taken
/// from the `redis` crate and from the token fetch are scrubbed before they are kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL or an option is unusable; nothing was sent.
    #[error("invalid Redis configuration: {0}")]
    Config(String),
    /// No connection could be made (refused, unreachable, DNS, TLS handshake).
    #[error("Redis is unreachable ({detail}): check that it runs and that the URL is right")]
    Unreachable {
        /// What the connection attempt said.
        detail: String,
    },
    /// Redis did not answer in time (the connect or response timeout, or the call's
    /// deadline, passed).
    #[error("Redis did not answer within {timeout:?}: it is down, overloaded or far away")]
    Timeout {
        /// The time that was allowed.
        timeout: Duration,
    },
    /// The connection broke during an exchange: the command may or may not have run.
    #[error("the connection to Redis broke ({detail}); the next call reconnects")]
    Interrupted {
        /// What broke.
        detail: String,
    },
    /// Redis refused the username or password.
    #[error("Redis refused the credentials ({detail}): check the username and password")]
    Auth {
        /// Redis's answer, without the password.
        detail: String,
    },
    /// Redis answered with an error (a wrong type under our key, a read-only replica, no
    /// permission for a command).
    #[error("Redis answered an error: {detail}")]
    Server {
        /// Redis's answer.
        detail: String,
    },
    /// Redis answered something that is not what our scripts return: another program
    /// writes under our keys, or this is not a Redis server.
    #[error("Redis answered something unexpected ({detail}); is another program using these keys?")]
    Garbage {
        /// What was wrong with it.
        detail: String,
    },
    /// Another process holds the refresh lock and no token appeared in the time allowed.
    #[error(
        "no access token appeared within {waited:?} while another process refreshed it; \
         the lock expires on its own if that process died"
    )]
    LockWait {
        /// How long this call waited.
        waited: Duration,
    },
    /// Fetching the access token from DingTalk failed.
    #[error("fetching the access token from DingTalk failed: {detail}")]
    Fetch {
        /// The failure, with every credential removed.
        detail: String,
        /// Whether DingTalk itself refused the credentials or the request (an `errcode`), as
        /// opposed to a transport failure.
        rejected: bool,
    },
    /// The ledger's Redis cannot promise that a campaign's writes survive a restart or a
    /// failover, and the ledger was not opened with
    /// [`accept_volatile`](crate::RedisLedger::accept_volatile); nothing was written.
    #[error(
        "this Redis cannot promise that the campaign ledger's writes survive a restart \
         ({reason}), so a resume after one could send chunks again: run it with \
         `appendonly yes` and `appendfsync always` (or Redis 7.2+ with `appendonly yes`, for \
         WAITAOF), or accept the risk by name (RedisLedger::accept_volatile, the command's \
         --redis-accept-volatile)"
    )]
    NotDurable {
        /// What the server lacks.
        reason: String,
    },
    /// Redis took a ledger write but did not confirm it durable in time (a replica or the
    /// disk lagging, a restart during the write). The campaign stops; a resume treats what
    /// may be lost as ambiguous.
    #[error(
        "Redis did not confirm a campaign ledger write as durable ({detail}); the campaign \
         stopped: resume it once Redis and its replicas are healthy"
    )]
    NotConfirmed {
        /// What fell short.
        detail: String,
    },
    /// The campaign's record in Redis was found possibly older than what was written (a
    /// restart from an older snapshot, a failover to a lagging replica): its chunks not
    /// proven sent were made ambiguous, and no chunk may be added to it.
    #[error(
        "the campaign's record in Redis may be older than what was written ({detail}); its \
         chunks not proven sent are ambiguous (`campaign resume --resend-ambiguous` sends them \
         knowingly), and resends of held-back users are refused: some may have gone out"
    )]
    Stale {
        /// Why it was found stale.
        detail: String,
    },
    /// A budget request larger than the whole budget: it could never go.
    #[error(
        "{requested} recipients can never fit a budget of {budget} per {period:?}: \
         send smaller chunks or raise the budget"
    )]
    OverBudget {
        /// Recipients asked for.
        requested: u64,
        /// Recipients allowed per period.
        budget: u64,
        /// The period.
        period: Duration,
    },
}

impl Error {
    /// Whether Redis could not be reached or did not answer: the cases the opt-in
    /// in-process fallback covers.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Interrupted { .. }
        )
    }

    /// Turns a `redis` error into ours, removing `secrets` from every text kept.
    pub(crate) fn from_redis(
        error: &redis::RedisError,
        timeout: Duration,
        secrets: &[&str],
    ) -> Self {
        let detail = scrub(&error.to_string(), secrets);
        if error.is_timeout() {
            return Self::Timeout { timeout };
        }
        if error.is_connection_refusal() {
            return Self::Unreachable { detail };
        }
        match error.kind() {
            redis::ErrorKind::AuthenticationFailed => Self::Auth { detail },
            redis::ErrorKind::Parse
            | redis::ErrorKind::UnexpectedReturnType
            | redis::ErrorKind::RESP3NotSupported => Self::Garbage { detail },
            redis::ErrorKind::InvalidClientConfig => Self::Config(detail),
            redis::ErrorKind::Io if error.is_connection_dropped() => Self::Interrupted { detail },
            redis::ErrorKind::Io => Self::Unreachable { detail },
            redis::ErrorKind::Server(redis::ServerErrorKind::NoPerm) => Self::Auth { detail },
            _ if detail.contains("WRONGPASS") || detail.contains("NOAUTH") => Self::Auth { detail },
            _ => Self::Server { detail },
        }
    }
}

/// Replaces every secret (4 characters or more) in `text` with `[redacted]`, by the core's
/// redaction engine: in any form the text could hold it (any ASCII case, percent-encoded,
/// JSON-escaped).
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    redact_values(text, secrets, "[redacted]", 4).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_occurrence_but_keeps_short_strings() {
        assert_eq!(
            scrub("pw=hunter2 and hunter2", &["hunter2", "ab"]),
            "pw=[redacted] and [redacted]"
        );
        assert_eq!(scrub("a b", &["a"]), "a b");
        // Every form a server could echo: another case, percent-encoded.
        assert_eq!(
            scrub("HUNTER2/x, hunter2%2Fx", &["hunter2/x"]),
            "[redacted], [redacted]"
        );
    }
}
