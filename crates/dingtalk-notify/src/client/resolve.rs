//! [`AudienceResolver`]: drives the core's resolution plan over the client: one call at a
//! time with the client's token, every wait on the client's clock, each answer that moved
//! the walk on handed to the caller's [`AnswerSink`].

use std::fmt;

use dingtalk_notify_proto::resolve::{
    AnswerOutcome, AudienceQuery, ContactAnswer, ContactCall, Resolution, ResolveConfig,
    ResolveError, ResolveStep, ResolvedAudience,
};
use dingtalk_notify_proto::{AccessToken, ResponseError, Transport, instant_after};

use super::Client;
use crate::Error;
use crate::observe;
use crate::resolve::{AnswerSink, ResolveAudienceError, SavedAnswer};

type Failure<T> = ResolveAudienceError<<T as Transport>::Error>;

/// One contact call's outcome.
enum Attempt<E> {
    /// DingTalk answered: the parsed answer (or its error), the token used, and the body.
    Answered {
        answer: Result<ContactAnswer, ResponseError>,
        token: AccessToken,
        body: Vec<u8>,
    },
    /// No answer came (a transport failure a repeat may fix).
    Lost(Error<E>),
}

impl<T: Transport> Client<T> {
    /// Resolves `query` (departments with everything below them, the whole organisation,
    /// mobile numbers, union ids) to people, with the default [`ResolveConfig`]: each person
    /// once with the departments they were found in, and the inputs that failed with a
    /// reason. See [`resolver`](Self::resolver) to configure, checkpoint or resume.
    ///
    /// # Errors
    /// [`ResolveAudienceError::MonthlyQuotaExceeded`] on 90020 (never retried), or another
    /// [`ResolveAudienceError`].
    pub fn resolve_audience(&self, query: &AudienceQuery) -> Result<ResolvedAudience, Failure<T>> {
        self.resolver(query).run()
    }

    /// A resolution of `query` to configure ([`AudienceResolver::config`]), checkpoint
    /// ([`AudienceResolver::on_answer`]) or resume ([`AudienceResolver::resume_from`]), then
    /// [`run`](AudienceResolver::run).
    pub fn resolver<'a>(&'a self, query: &'a AudienceQuery) -> AudienceResolver<'a, T> {
        AudienceResolver {
            client: self,
            query,
            config: ResolveConfig::default(),
            saved: &[],
            sink: None,
        }
    }

    /// Makes `call` once with the current token, the retry policy's deadline as its timeout.
    fn contact_attempt(&self, call: &ContactCall) -> Result<Attempt<T::Error>, Failure<T>> {
        let deadline_at = instant_after(self.inner.clock.now(), self.inner.retry.deadline);
        let token = match self.token(deadline_at) {
            Ok(token) => token,
            Err(Error::Transport(e)) if self.inner.transport.classify(&e).is_transient() => {
                return Ok(Attempt::Lost(Error::Transport(e)));
            }
            Err(e) => return Err(ResolveAudienceError::Call(e)),
        };
        let mut request = call
            .build_request(&self.inner.base, &token)
            .map_err(|e| ResolveAudienceError::Call(Error::Build(e)))?;
        self.set_timeout(request.extensions_mut(), deadline_at);
        let response = match crate::calls::Noted(&self.inner.transport).send(request) {
            Ok(response) => response,
            Err(e) => {
                observe::lost(call.path());
                if self.inner.transport.classify(&e).is_transient() {
                    return Ok(Attempt::Lost(Error::Transport(e)));
                }
                return Err(ResolveAudienceError::Call(Error::Transport(e)));
            }
        };
        let (parts, body) = response.into_parts();
        let answer = call
            .parse_response(http::Response::from_parts(parts, body.as_slice()))
            .map_err(|e| e.without_secrets(&[token.expose_secret()]));
        observe::answered(call.path(), answer.as_ref().map(drop));
        Ok(Attempt::Answered {
            answer,
            token,
            body,
        })
    }
}

/// A resolution to run over a [`Client`]: from [`Client::resolver`].
#[must_use = "a resolver does nothing until run"]
pub struct AudienceResolver<'a, T> {
    client: &'a Client<T>,
    query: &'a AudienceQuery,
    config: ResolveConfig,
    saved: &'a [SavedAnswer],
    sink: Option<&'a mut dyn AnswerSink>,
}

impl<T> fmt::Debug for AudienceResolver<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudienceResolver")
            .field("query", &self.query)
            .field("config", &self.config)
            .field("saved", &self.saved.len())
            .field("sink", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a, T: Transport> AudienceResolver<'a, T> {
    /// How to walk: the pace, whether inactive people are left out, page size, limits.
    /// A resume must use the config of the run that saved the answers.
    pub fn config(mut self, config: ResolveConfig) -> Self {
        self.config = config;
        self
    }

    /// Hands each answer that moves the walk on to `sink`, before the next call.
    pub fn on_answer(mut self, sink: &'a mut dyn AnswerSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Starts from `saved`, the answers an earlier run of the same query and config handed
    /// its sink, replayed without a call. They are not handed to the sink again: a ledger
    /// keeps them and appends what follows.
    pub fn resume_from(mut self, saved: &'a [SavedAnswer]) -> Self {
        self.saved = saved;
        self
    }

    /// Replays the saved answers, then walks on until done.
    ///
    /// # Errors
    /// [`ResolveAudienceError::SavedAnswerMismatch`] (nothing called),
    /// [`ResolveAudienceError::MonthlyQuotaExceeded`] on 90020,
    /// [`ResolveAudienceError::Resolve`] when the plan stops,
    /// [`ResolveAudienceError::Call`] when the token cannot be had or the transport fails
    /// for good, [`ResolveAudienceError::Checkpoint`] when the sink fails.
    pub fn run(self) -> Result<ResolvedAudience, Failure<T>> {
        let Self {
            client,
            query,
            config,
            saved,
            mut sink,
        } = self;
        let mut resolution = Resolution::new(query, config);
        replay(&mut resolution, saved, client.inner.clock.now())?;
        let mut token_replayed = false;
        loop {
            let call = match resolution.next(client.inner.clock.now())? {
                ResolveStep::Call(call) => call,
                ResolveStep::Wait(wait) => {
                    observe::wait("pace", wait);
                    client.inner.clock.sleep(wait);
                    continue;
                }
                ResolveStep::Done => break,
                other => {
                    return Err(ResolveAudienceError::Resolve(ResolveError::Malformed {
                        path: "resolve",
                        reason: format!("an unknown step: {other:?}"),
                    }));
                }
            };
            let (answer, token, body) = match client.contact_attempt(&call)? {
                Attempt::Answered {
                    answer,
                    token,
                    body,
                } => (answer, token, body),
                Attempt::Lost(error) => {
                    observe::contact_lost(call.path(), &error);
                    resolution.call_failed(client.inner.clock.now())?;
                    continue;
                }
            };
            if let Err(ResponseError::Api(api)) = &answer {
                if api.is_token_rejected() && !token_replayed && client.invalidate(&token) {
                    token_replayed = true;
                    observe::token_replay(
                        call.path(),
                        Some(api.effective_code()),
                        api.request_id.as_deref(),
                    );
                    continue;
                }
            }
            token_replayed = false;
            let class = answer.as_ref().err().map_or("ok", observe::outcome_of);
            let outcome = resolution.answer(client.inner.clock.now(), answer)?;
            match outcome {
                AnswerOutcome::Advanced => {
                    if let Some(sink) = sink.as_deref_mut() {
                        let saved = SavedAnswer::new(call.path(), String::from_utf8_lossy(&body));
                        sink.save(&saved)
                            .map_err(ResolveAudienceError::Checkpoint)?;
                    }
                }
                AnswerOutcome::Retry(wait) => {
                    observe::contact_retry(call.path(), class, wait);
                }
                _ => {}
            }
        }
        Ok(resolution.into_audience()?)
    }
}

/// Feeds `saved` to `resolution` as the answers of its calls, in order; each must move it on.
fn replay<E>(
    resolution: &mut Resolution,
    saved: &[SavedAnswer],
    now: std::time::Instant,
) -> Result<(), ResolveAudienceError<E>> {
    for (index, answer) in saved.iter().enumerate() {
        let mismatch = |reason: String| ResolveAudienceError::SavedAnswerMismatch { index, reason };
        let Some(call) = resolution.current_call() else {
            return Err(mismatch("the resolution was already done".to_owned()));
        };
        if call.path() != answer.path {
            return Err(mismatch(format!(
                "an answer of {} where {} was asked",
                answer.path,
                call.path()
            )));
        }
        match resolution.answer_response(now, http::Response::new(answer.body.as_bytes())) {
            Ok(AnswerOutcome::Advanced) => {}
            Ok(other) => return Err(mismatch(format!("it did not move the walk on ({other:?})"))),
            Err(e) => return Err(mismatch(e.to_string())),
        }
    }
    Ok(())
}
