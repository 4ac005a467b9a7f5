//! [`ChunkState`]: where one chunk's send stands, and the rules for moving it on.
//!
//! ```text
//! planned ──begin_send──▶ sending ──finish_send──▶ sent(task) | failed(error) | ambiguous
//!    ▲                       │
//!    │                       └──on_resume (the process died mid-call)──▶ ambiguous
//!    ├── failed with a retryable error may be sent again (DingTalk refused it: nothing went out)
//!    └── ambiguous only through resend_ambiguous, the caller's explicit decision
//! ```
//!
//! A driver writes the state **before** the call (`sending`) and **after** it, so a crash
//! mid-call leaves `sending`, which resume turns into `ambiguous`: the request may have
//! arrived, and it is never sent again on its own.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::code::ErrorCode;
use crate::retry::Failure;
use crate::tracking::TaskHandle;

/// Where one chunk's send stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChunkState {
    /// Not sent yet.
    Planned,
    /// The send call started at `since` and its end is not recorded.
    Sending {
        /// When the call started.
        since: SystemTime,
    },
    /// DingTalk accepted it: follow it by its task.
    Sent {
        /// The task, with its send time.
        task: TaskHandle,
    },
    /// DingTalk refused it, or it was refused before anything was sent.
    Failed {
        /// Why.
        failure: ChunkFailure,
    },
    /// The request may have arrived: it is not sent again unless the caller decides to.
    Ambiguous {
        /// When it became ambiguous.
        since: SystemTime,
        /// What happened.
        reason: String,
    },
}

/// Why a chunk was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkFailure {
    /// DingTalk's `errcode`, when it answered with one.
    pub code: Option<ErrorCode>,
    /// The error, as displayed (secrets are never part of it).
    pub message: String,
    /// Whether a later send may succeed (a per-minute quota, a busy server, a connection that
    /// never opened). Resume sends retryable failures again.
    pub retryable: bool,
}

/// How one send call ended, as far as the chunk is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendVerdict {
    /// DingTalk answered with a task id.
    Accepted(TaskHandle),
    /// It surely did not go out.
    Rejected(ChunkFailure),
    /// It may have gone out.
    Ambiguous(String),
}

impl SendVerdict {
    /// Judges a failed send call: DingTalk's `errcode` answers, the gateway's throttle page,
    /// refusals before sending and connections that never opened are rejections (retryable
    /// when the code or kind says so, and for the monthly quota, 90020: a resume after it
    /// may send); a gateway status without an envelope, an unreadable
    /// 2xx body and any transport failure after connecting are ambiguous. `message` is the
    /// error as displayed.
    ///
    /// A call that hit its deadline must be judged by its last attempt's failure, and is a
    /// rejection only when no attempt was made.
    ///
    /// ```
    /// use dingtalk_notify_proto::campaign::SendVerdict;
    /// use dingtalk_notify_proto::retry::Failure;
    /// use dingtalk_notify_proto::ErrorCode;
    /// use dingtalk_notify_proto::transport::TransportErrorKind;
    /// let quota = SendVerdict::of_failure(Failure::Api(ErrorCode::APP_RECIPIENTS_PER_MINUTE_EXCEEDED), "143103");
    /// assert!(matches!(quota, SendVerdict::Rejected(f) if f.retryable));
    /// let timeout = SendVerdict::of_failure(Failure::Transport(TransportErrorKind::Timeout), "timed out");
    /// assert!(matches!(timeout, SendVerdict::Ambiguous(_)));
    /// ```
    pub fn of_failure(failure: Failure, message: impl Into<String>) -> Self {
        let message = message.into();
        let rejected = |code: Option<ErrorCode>, retryable: bool| {
            Self::Rejected(ChunkFailure {
                code,
                message: message.clone(),
                retryable,
            })
        };
        match failure {
            // The monthly quota (90020) refuses every call until next month or a plan
            // upgrade: a later resume may send the chunk.
            Failure::Api(code) => rejected(
                Some(code),
                code.is_retryable() || code == ErrorCode::MONTHLY_QUOTA_EXCEEDED,
            ),
            Failure::Throttled(_) => rejected(None, true),
            Failure::Transport(kind) if kind.nothing_sent() => rejected(None, true),
            Failure::Fatal => rejected(None, false),
            Failure::Status(_) | Failure::Decode | Failure::Transport(_) => {
                Self::Ambiguous(message)
            }
        }
    }
}

/// What happens to a chunk: the input of [`ChunkState::next`], the one transition function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkEvent {
    /// Its send call is about to start (recorded before the call).
    BeginSend,
    /// Its send call ended so.
    SendEnded(SendVerdict),
    /// A resume found it: a chunk left sending by a process that stopped is ambiguous.
    Resumed,
    /// The caller decided to send an ambiguous chunk again.
    ResendAmbiguous,
}

/// A transition the rules do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a chunk that is {state}")]
pub struct TransitionError {
    /// What was attempted (`send`, `finish the send of`, `resend`).
    pub action: &'static str,
    /// The chunk's state name.
    pub state: &'static str,
}

impl ChunkState {
    /// The state's name: `planned`, `sending`, `sent`, `failed` or `ambiguous`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Sending { .. } => "sending",
            Self::Sent { .. } => "sent",
            Self::Failed { .. } => "failed",
            Self::Ambiguous { .. } => "ambiguous",
        }
    }

    /// Whether a send may start: planned, or failed with a retryable error. Never sent,
    /// sending or ambiguous.
    pub fn may_send(&self) -> bool {
        match self {
            Self::Planned => true,
            Self::Failed { failure } => failure.retryable,
            Self::Sending { .. } | Self::Sent { .. } | Self::Ambiguous { .. } => false,
        }
    }

    /// Whether nothing more will happen to it without the caller: sent, failed for good, or
    /// ambiguous.
    pub fn is_final(&self) -> bool {
        match self {
            Self::Sent { .. } | Self::Ambiguous { .. } => true,
            Self::Failed { failure } => !failure.retryable,
            Self::Planned | Self::Sending { .. } => false,
        }
    }

    /// The task, once sent.
    pub fn task(&self) -> Option<&TaskHandle> {
        match self {
            Self::Sent { task } => Some(task),
            _ => None,
        }
    }

    /// The one transition function: the state after `event` at `now`, or why the rules do
    /// not allow it. Pure; the driver records its answer in the ledger (compare and set)
    /// and only then in memory.
    ///
    /// - [`BeginSend`](ChunkEvent::BeginSend): planned, or failed with a retryable error,
    ///   becomes sending.
    /// - [`SendEnded`](ChunkEvent::SendEnded): sending becomes sent (a task without a send
    ///   time gets `now`), failed or ambiguous, as the verdict says.
    /// - [`Resumed`](ChunkEvent::Resumed): sending becomes ambiguous (the process stopped
    ///   during the call); every other state stays.
    /// - [`ResendAmbiguous`](ChunkEvent::ResendAmbiguous): ambiguous becomes planned.
    ///   DingTalk itself drops the same content to the same user within a day (143106 in
    ///   the result's forbidden list), so users who did get the first send are not
    ///   notified twice.
    ///
    /// ```
    /// use dingtalk_notify_proto::campaign::{ChunkEvent, ChunkState, SendVerdict};
    /// use dingtalk_notify_proto::tracking::TaskHandle;
    /// use std::time::SystemTime;
    /// let now = SystemTime::UNIX_EPOCH;
    /// let sending = ChunkState::Planned.next(ChunkEvent::BeginSend, now)?;
    /// let sent = sending.next(ChunkEvent::SendEnded(SendVerdict::Accepted(TaskHandle::new(1, 2))), now)?;
    /// assert!(sent.task().is_some());
    /// assert!(sent.next(ChunkEvent::BeginSend, now).is_err()); // never sent twice
    /// # Ok::<(), dingtalk_notify_proto::campaign::TransitionError>(())
    /// ```
    ///
    /// # Errors
    /// [`TransitionError`] naming the event and the state it cannot apply to.
    pub fn next(&self, event: ChunkEvent, now: SystemTime) -> Result<Self, TransitionError> {
        match event {
            ChunkEvent::BeginSend => self.begin_send(now),
            ChunkEvent::SendEnded(verdict) => self.finish_send(verdict, now),
            ChunkEvent::Resumed => Ok(self.on_resume(now)),
            ChunkEvent::ResendAmbiguous => self.resend_ambiguous(),
        }
    }

    fn begin_send(&self, now: SystemTime) -> Result<Self, TransitionError> {
        if !self.may_send() {
            return Err(self.refuse("send"));
        }
        Ok(Self::Sending { since: now })
    }

    fn finish_send(&self, verdict: SendVerdict, now: SystemTime) -> Result<Self, TransitionError> {
        if !matches!(self, Self::Sending { .. }) {
            return Err(self.refuse("finish the send of"));
        }
        Ok(match verdict {
            SendVerdict::Accepted(task) => Self::Sent {
                task: if task.sent_at.is_some() {
                    task
                } else {
                    task.sent_at(now)
                },
            },
            SendVerdict::Rejected(failure) => Self::Failed { failure },
            SendVerdict::Ambiguous(reason) => Self::Ambiguous { since: now, reason },
        })
    }

    fn on_resume(&self, now: SystemTime) -> Self {
        match self {
            Self::Sending { .. } => Self::Ambiguous {
                since: now,
                reason: "the process stopped during the send call; it may have reached DingTalk"
                    .to_owned(),
            },
            other => other.clone(),
        }
    }

    fn resend_ambiguous(&self) -> Result<Self, TransitionError> {
        match self {
            Self::Ambiguous { .. } => Ok(Self::Planned),
            _ => Err(self.refuse("resend")),
        }
    }

    fn refuse(&self, action: &'static str) -> TransitionError {
        TransitionError {
            action,
            state: self.name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::transport::TransportErrorKind;

    fn t(n: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + n)
    }

    fn failure(retryable: bool) -> ChunkFailure {
        ChunkFailure {
            code: Some(ErrorCode::SYSTEM_BUSY),
            message: "busy".into(),
            retryable,
        }
    }

    fn every_state() -> Vec<ChunkState> {
        vec![
            ChunkState::Planned,
            ChunkState::Sending { since: t(1) },
            ChunkState::Sent {
                task: TaskHandle::new(1, 2).sent_at(t(2)),
            },
            ChunkState::Failed {
                failure: failure(true),
            },
            ChunkState::Failed {
                failure: failure(false),
            },
            ChunkState::Ambiguous {
                since: t(3),
                reason: "timeout".into(),
            },
        ]
    }

    #[test]
    fn only_planned_and_retryable_failures_may_be_sent() {
        let may: Vec<_> = every_state().iter().map(ChunkState::may_send).collect();
        assert_eq!(may, [true, false, false, true, false, false]);
        for s in every_state() {
            assert_eq!(s.begin_send(t(9)).is_ok(), s.may_send(), "{s:?}");
        }
        let err = every_state()[2].begin_send(t(9)).unwrap_err();
        assert_eq!(err.to_string(), "cannot send a chunk that is sent");
    }

    #[test]
    fn the_monthly_quota_leaves_a_chunk_for_a_later_resume() {
        for code in [ErrorCode::MONTHLY_QUOTA_EXCEEDED, ErrorCode::SYSTEM_BUSY] {
            let v = SendVerdict::of_failure(Failure::Api(code), "refused");
            assert!(
                matches!(v, SendVerdict::Rejected(f) if f.retryable),
                "{code:?}"
            );
        }
        let v = SendVerdict::of_failure(Failure::Api(ErrorCode::DUPLICATE_CONTENT), "dup");
        assert!(matches!(v, SendVerdict::Rejected(f) if !f.retryable));
    }

    #[test]
    fn a_send_finishes_only_from_sending() {
        let sending = ChunkState::Planned.begin_send(t(5)).unwrap();
        assert_eq!(sending, ChunkState::Sending { since: t(5) });
        let sent = sending
            .finish_send(SendVerdict::Accepted(TaskHandle::new(1, 99)), t(6))
            .unwrap();
        assert_eq!(sent.task(), Some(&TaskHandle::new(1, 99).sent_at(t(6))));
        assert!(sent.is_final());
        for s in every_state() {
            let r = s.finish_send(SendVerdict::Ambiguous("x".into()), t(7));
            assert_eq!(r.is_ok(), matches!(s, ChunkState::Sending { .. }));
        }
        let failed = sending
            .finish_send(SendVerdict::Rejected(failure(true)), t(6))
            .unwrap();
        assert!(failed.may_send() && !failed.is_final());
        let amb = sending
            .finish_send(SendVerdict::Ambiguous("reset".into()), t(6))
            .unwrap();
        assert_eq!(
            amb,
            ChunkState::Ambiguous {
                since: t(6),
                reason: "reset".into()
            }
        );
    }

    #[test]
    fn resume_turns_only_sending_into_ambiguous() {
        for s in every_state() {
            let r = s.on_resume(t(10));
            if matches!(s, ChunkState::Sending { .. }) {
                assert!(matches!(r, ChunkState::Ambiguous { since, .. } if since == t(10)));
                assert!(!r.may_send());
            } else {
                assert_eq!(r, s);
            }
        }
    }

    #[test]
    fn only_ambiguous_chunks_can_be_resent_explicitly() {
        for s in every_state() {
            let r = s.resend_ambiguous();
            match s {
                ChunkState::Ambiguous { .. } => assert_eq!(r.unwrap(), ChunkState::Planned),
                _ => assert_eq!(r.unwrap_err().action, "resend"),
            }
        }
    }

    #[test]
    fn verdicts_follow_the_no_repeat_rule() {
        use http::StatusCode;
        let v = |f| SendVerdict::of_failure(f, "m");
        let retryable = |v: SendVerdict| match v {
            SendVerdict::Rejected(f) => Some(f.retryable),
            _ => None,
        };
        assert_eq!(
            retryable(v(Failure::Api(
                ErrorCode::ORG_RECIPIENTS_PER_MINUTE_EXCEEDED
            ))),
            Some(true)
        );
        assert_eq!(
            retryable(v(Failure::Api(ErrorCode::DAILY_USER_LIMIT_EXCEEDED))),
            Some(false)
        );
        assert_eq!(
            retryable(v(Failure::Api(ErrorCode::INVALID_AGENT_ID))),
            Some(false)
        );
        assert_eq!(retryable(v(Failure::Throttled(None))), Some(true));
        assert_eq!(
            retryable(v(Failure::Transport(TransportErrorKind::Connect))),
            Some(true)
        );
        assert_eq!(retryable(v(Failure::Fatal)), Some(false));
        for f in [
            Failure::Status(StatusCode::BAD_GATEWAY),
            Failure::Decode,
            Failure::Transport(TransportErrorKind::Timeout),
            Failure::Transport(TransportErrorKind::Interrupted),
            Failure::Transport(TransportErrorKind::Unknown),
        ] {
            assert_eq!(v(f), SendVerdict::Ambiguous("m".into()), "{f:?}");
        }
    }

    #[test]
    fn states_round_trip_through_json() {
        for s in every_state() {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(
                serde_json::from_str::<ChunkState>(&json).unwrap(),
                s,
                "{json}"
            );
        }
        let json = serde_json::to_string(&ChunkState::Planned).unwrap();
        assert_eq!(json, r#"{"state":"planned"}"#);
    }
}
