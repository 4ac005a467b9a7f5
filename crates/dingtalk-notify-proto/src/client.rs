//! [`Client`]: the blocking client over any [`Transport`]. The one place that reads a clock
//! and sleeps, through its [`Clock`].

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::api::{
    GetSendProgress, GetSendResult, RecallWorkNotification, RecipientLimits, SendProgress,
    SendResult, SendWorkNotification, UpdateStatusBar,
};
use crate::base_url::BaseUrl;
use crate::clock::{Clock, SystemClock};
use crate::color::StatusColor;
use crate::endpoint::{Auth, Endpoint};
use crate::error::{BuildError, Error, ResponseError};
use crate::retry::{Failure, Jitter, RandomJitter, RetryPolicy};
use crate::secret::AccessToken;
use crate::token::{Freshness, TokenCache, TokenKey, TokenRequest, TokenSource};
use crate::tracking::{DeliveryReport, Operation, TaskHandle, TrackPolicy};
use crate::transport::{HttpRequest, HttpResponse, RequestTimeout, Transport};

const LOG_TARGET: &str = "dingtalk_notify";

/// Configures a [`Client`].
///
/// ```
/// use dingtalk_notify_proto::{BaseUrl, Client, RetryPolicy, TokenSource};
/// use std::time::Duration;
/// # let transport = |_req: dingtalk_notify_proto::HttpRequest|
/// #     -> Result<dingtalk_notify_proto::HttpResponse, std::io::Error> { unreachable!() };
/// let client = Client::builder(TokenSource::app("dingkey", "secret"))
///     .base_url("https://oapi.dingtalk.com".parse()?)
///     .retry(RetryPolicy { deadline: Duration::from_secs(10), ..RetryPolicy::default() })
///     .build(transport);
/// # Ok::<(), dingtalk_notify_proto::BuildError>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    source: TokenSource,
    base: BaseUrl,
    retry: RetryPolicy,
    track: TrackPolicy,
    limits: Option<RecipientLimits>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
}

impl ClientBuilder {
    /// A builder with defaults: [`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL), the default
    /// retry and track policies, the system clock, random jitter.
    pub fn new(source: TokenSource) -> Self {
        Self {
            source,
            base: BaseUrl::default(),
            retry: RetryPolicy::default(),
            track: TrackPolicy::default(),
            limits: None,
            clock: Arc::new(SystemClock),
            jitter: Arc::new(RandomJitter::new()),
        }
    }

    /// The base URL (default `https://oapi.dingtalk.io`).
    pub fn base_url(mut self, base: BaseUrl) -> Self {
        self.base = base;
        self
    }

    /// The retry policy, including each call's overall deadline.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How [`Client::track`] polls.
    pub fn track(mut self, track: TrackPolicy) -> Self {
        self.track = track;
        self
    }

    /// The recipient limits checked before a send (default: by app kind).
    pub fn recipient_limits(mut self, limits: RecipientLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The clock (tests pass a [`VirtualClock`](crate::VirtualClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The jitter source (tests pass a [`FixedJitter`](crate::retry::FixedJitter)).
    pub fn jitter(mut self, jitter: impl Jitter + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// Builds the client over `transport`.
    pub fn build<T: Transport>(self, transport: T) -> Client<T> {
        let limits = self
            .limits
            .unwrap_or_else(|| self.source.recipient_limits());
        Client {
            key: self.source.key(),
            transport,
            base: self.base,
            source: self.source,
            cache: Mutex::new(TokenCache::new()),
            refresh: Mutex::new(()),
            retry: self.retry,
            track: self.track,
            limits,
            clock: self.clock,
            jitter: self.jitter,
        }
    }
}

/// The blocking DingTalk work-notification client.
///
/// Create it once and share it across threads (`Client<T>` is `Send + Sync` when `T` is):
/// it caches the access token (one fetch however many threads find it expired), refreshes it
/// ahead of expiry, replays a call once when DingTalk rejects the token, retries transient
/// failures with backoff within a deadline, and never repeats a send after an ambiguous
/// failure.
///
/// ```
/// use dingtalk_notify_proto::{Client, HttpRequest, HttpResponse, Message, TokenSource};
/// use dingtalk_notify_proto::api::SendWorkNotification;
///
/// // Any Transport works; this closure answers as DingTalk would.
/// let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     let body = match req.uri().path() {
///         "/gettoken" => r#"{"errcode":0,"access_token":"t0k","expires_in":7200}"#,
///         _ => r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"r1"}"#,
///     };
///     Ok(http::Response::new(body.as_bytes().to_vec()))
/// };
/// let client = Client::new(transport, TokenSource::app("dingkey", "secret"));
/// let task = client.send(&SendWorkNotification::new(836390886, Message::text("hi")).to_users(["u1"]))?;
/// assert_eq!(task.task_id.get(), 256271667526);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Client<T> {
    transport: T,
    base: BaseUrl,
    source: TokenSource,
    key: TokenKey,
    cache: Mutex<TokenCache>,
    refresh: Mutex<()>,
    retry: RetryPolicy,
    track: TrackPolicy,
    limits: RecipientLimits,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("source", &self.source)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client<()> {
    /// A builder: `Client::builder(source)....build(transport)`.
    pub fn builder(source: TokenSource) -> ClientBuilder {
        ClientBuilder::new(source)
    }
}

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
    /// A client with default settings (see [`ClientBuilder::new`]).
    pub fn new(transport: T, source: TokenSource) -> Self {
        ClientBuilder::new(source).build(transport)
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// Sends a work notification; the handle remembers when, for the follow-up windows.
    /// Never repeated after an ambiguous failure (the message may already be out).
    ///
    /// # Errors
    /// [`Error::Build`] for invalid arguments (nothing sent), or the call's failure.
    pub fn send(&self, request: &SendWorkNotification) -> Result<TaskHandle, Error<T::Error>> {
        let adjusted;
        let request = if request.recipient_limits() == RecipientLimits::INTERNAL
            && self.limits != RecipientLimits::INTERNAL
        {
            adjusted = request.clone().limits(self.limits);
            &adjusted
        } else {
            request
        };
        let sent_at = self.clock.wall();
        let answer = self.call(request)?;
        Ok(TaskHandle::new(request.agent_id(), answer.task_id).sent_at(sent_at))
    }

    /// The task's delivery progress (`getsendprogress`).
    ///
    /// # Errors
    /// [`Error::OutsideWindow`] for a task sent 7 days ago or more, or the call's failure.
    pub fn progress(&self, task: &TaskHandle) -> Result<SendProgress, Error<T::Error>> {
        self.check_window(task, Operation::Progress)?;
        Ok(self
            .call(&GetSendProgress::new(task.agent_id, task.task_id))?
            .progress)
    }

    /// The per-user result (`getsendresult`). DingTalk does not return results for tasks
    /// with more than 100 recipients.
    ///
    /// # Errors
    /// [`Error::OutsideWindow`] for a task sent 24 hours ago or more, or the call's failure.
    pub fn result(&self, task: &TaskHandle) -> Result<SendResult, Error<T::Error>> {
        self.check_window(task, Operation::Result)?;
        Ok(self
            .call(&GetSendResult::new(task.agent_id, task.task_id))?
            .send_result)
    }

    /// Updates an OA notification's status bar (`status_bar/update`).
    ///
    /// # Errors
    /// [`Error::Build`] for an empty value, [`Error::OutsideWindow`] for a task sent 7 days
    /// ago or more, or the call's failure.
    pub fn update_status_bar(
        &self,
        task: &TaskHandle,
        status_value: &str,
        status_bg: Option<StatusColor>,
    ) -> Result<(), Error<T::Error>> {
        let mut request = UpdateStatusBar::new(task.agent_id, task.task_id, status_value);
        request.status_bg = status_bg;
        request.validate()?;
        self.check_window(task, Operation::StatusBar)?;
        self.call(&request).map(drop)
    }

    /// Recalls the notification (`recall`).
    ///
    /// # Errors
    /// [`Error::OutsideWindow`] for a task sent 24 hours ago or more, or the call's failure.
    pub fn recall(&self, task: &TaskHandle) -> Result<(), Error<T::Error>> {
        self.check_window(task, Operation::Recall)?;
        self.call(&RecallWorkNotification::new(task.agent_id, task.task_id))
            .map(drop)
    }

    /// Polls progress with backoff until the task completes, then fetches the result.
    ///
    /// # Errors
    /// [`Error::Deadline`] when the task does not complete within the track policy's
    /// deadline, [`Error::OutsideWindow`] for a task too old to query, or a call's failure.
    pub fn track(&self, task: &TaskHandle) -> Result<DeliveryReport, Error<T::Error>> {
        self.track_with(task, |_| {})
    }

    /// [`track`](Self::track), calling `on_progress` after every poll (for a progress bar).
    ///
    /// # Errors
    /// As [`track`](Self::track).
    pub fn track_with(
        &self,
        task: &TaskHandle,
        mut on_progress: impl FnMut(&SendProgress),
    ) -> Result<DeliveryReport, Error<T::Error>> {
        let deadline_at = self.clock.now() + self.track.deadline;
        let mut poll = 0u32;
        let progress = loop {
            poll += 1;
            let progress = self.progress(task)?;
            on_progress(&progress);
            if progress.is_done() {
                break progress;
            }
            let wait = self.track.interval(poll);
            if self.clock.now() + wait > deadline_at {
                return Err(Error::Deadline {
                    deadline: self.track.deadline,
                    attempts: poll,
                    last: None,
                });
            }
            self.clock.sleep(wait);
        };
        let send_result = self.result(task)?;
        Ok(DeliveryReport {
            task: *task,
            progress,
            send_result,
        })
    }

    /// A valid access token, fetched if none is cached.
    ///
    /// # Errors
    /// The token fetch's failure.
    pub fn access_token(&self) -> Result<AccessToken, Error<T::Error>> {
        self.token(self.clock.now() + self.retry.deadline)
    }

    /// Calls any access-token endpoint with the client's token handling, retries and
    /// deadline. The arguments are validated before anything is fetched or sent.
    ///
    /// # Errors
    /// [`Error::Build`] (nothing sent), [`Error::Response`], [`Error::Transport`], or
    /// [`Error::Deadline`] with the last failure.
    pub fn call<E: Endpoint>(&self, endpoint: &E) -> Result<E::Response, Error<T::Error>> {
        endpoint.validate()?;
        let deadline = self.retry.deadline;
        let deadline_at = self.clock.now() + deadline;
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
                        log::debug!(
                            target: LOG_TARGET,
                            "{} attempt {}: errcode {:?} request_id {:?}: token rejected, refreshing and replaying once",
                            E::PATH, attempt + 1, error.code().map(|c| c.get()), error.request_id()
                        );
                        continue;
                    }
                    error
                }
                Step::Failed {
                    error,
                    safe_to_repeat,
                } => {
                    let failure = Failure::of(&error, |e| self.transport.classify(e));
                    let decision =
                        self.retry
                            .decide(failure, attempt, safe_to_repeat, self.jitter.next());
                    match decision {
                        None => error,
                        Some(delay) if self.clock.now() + delay >= deadline_at => {
                            log::debug!(
                                target: LOG_TARGET,
                                "{} attempt {attempt}: {failure:?}: deadline {deadline:?} reached",
                                E::PATH
                            );
                            return Err(Error::Deadline {
                                deadline,
                                attempts: attempt,
                                last: Some(Box::new(error)),
                            });
                        }
                        Some(delay) => {
                            log::debug!(
                                target: LOG_TARGET,
                                "{} attempt {attempt}: {failure:?} errcode {:?} request_id {:?}: retrying in {delay:?}",
                                E::PATH, error.code().map(|c| c.get()), error.request_id()
                            );
                            self.clock.sleep(delay);
                            continue;
                        }
                    }
                }
            };
            log::debug!(
                target: LOG_TARGET,
                "{} attempt {attempt}: failed: errcode {:?} request_id {:?}",
                E::PATH, error.code().map(|c| c.get()), error.request_id()
            );
            return Err(error);
        }
    }

    fn attempt<E: Endpoint>(
        &self,
        endpoint: &E,
        deadline_at: Instant,
    ) -> Step<E::Response, T::Error> {
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
        let request = match endpoint.build_request(&self.base, Auth::AccessToken(&token)) {
            Ok(r) => r,
            Err(e) => {
                return Step::Failed {
                    error: e.into(),
                    safe_to_repeat: false,
                };
            }
        };
        let response = match self.send_http(request, deadline_at) {
            Ok(r) => r,
            Err(e) => {
                return Step::Failed {
                    error: Error::Transport(e),
                    safe_to_repeat: E::IDEMPOTENT,
                };
            }
        };
        match E::parse_response(response) {
            Ok(r) => {
                log::debug!(target: LOG_TARGET, "{}: ok", E::PATH);
                Step::Done(r)
            }
            Err(ResponseError::Api(api)) if api.is_token_rejected() => Step::TokenRejected(
                token.clone(),
                Error::Response(scrub(ResponseError::Api(api), &[token.expose_secret()])),
            ),
            Err(e) => Step::Failed {
                error: Error::Response(scrub(e, &[token.expose_secret()])),
                safe_to_repeat: E::IDEMPOTENT,
            },
        }
    }

    fn send_http(
        &self,
        mut request: HttpRequest,
        deadline_at: Instant,
    ) -> Result<HttpResponse, T::Error> {
        let left = deadline_at.saturating_duration_since(self.clock.now());
        request
            .extensions_mut()
            .insert(RequestTimeout(left.max(Duration::from_millis(1))));
        self.transport.send(request)
    }

    fn check_window(&self, task: &TaskHandle, op: Operation) -> Result<(), Error<T::Error>> {
        task.check_window(op, self.clock.wall())
            .map_err(|w| Error::OutsideWindow {
                task_id: task.task_id,
                operation: op.name(),
                age: w.age,
                window: w.window,
            })
    }

    fn lock_cache(&self) -> MutexGuard<'_, TokenCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The token to use: cached, or fetched by exactly one thread at a time.
    fn token(&self, deadline_at: Instant) -> Result<AccessToken, Error<T::Error>> {
        let provider = match &self.source {
            TokenSource::Static(t) => return Ok(t.clone()),
            TokenSource::Provider(p) => Some(p),
            _ => None,
        };
        let now = self.clock.now();
        let stale = match self.lock_cache().freshness(&self.key, now) {
            Freshness::Fresh(t) => return Ok(t),
            Freshness::Stale(t) => Some(t),
            Freshness::Missing => None,
        };
        let _guard = match (&stale, self.refresh.try_lock()) {
            (_, Ok(guard)) => guard,
            // Someone else is refreshing: keep using the still-valid token meanwhile.
            (Some(t), Err(TryLockError::WouldBlock)) => return Ok(t.clone()),
            (_, Err(TryLockError::Poisoned(p))) => p.into_inner(),
            (None, Err(TryLockError::WouldBlock)) => {
                self.refresh.lock().unwrap_or_else(PoisonError::into_inner)
            }
        };
        // Another thread may have refreshed while this one waited.
        match self.lock_cache().freshness(&self.key, self.clock.now()) {
            Freshness::Fresh(t) => return Ok(t),
            Freshness::Stale(t) if stale.is_none() => return Ok(t),
            _ => {}
        }
        let fetched = match provider {
            Some(p) => self.provided_token(p.as_ref()),
            None => self.fetch_token(deadline_at),
        };
        match (fetched, stale) {
            (Ok(t), _) => Ok(t),
            (Err(e), Some(t)) => {
                log::warn!(
                    target: LOG_TARGET,
                    "token refresh failed ({}); using the current token until it expires",
                    short(&e)
                );
                Ok(t)
            }
            (Err(e), None) => Err(e),
        }
    }

    fn provided_token(
        &self,
        p: &dyn crate::token::TokenProvider,
    ) -> Result<AccessToken, Error<T::Error>> {
        let now = self.clock.now();
        let provided = p.token().map_err(Error::TokenProvider)?;
        if provided.token.is_empty() {
            return Err(Error::Build(BuildError::EmptyField {
                field: "access_token",
            }));
        }
        if let Some(lifetime) = provided.expires_in {
            self.lock_cache()
                .insert(self.key.clone(), provided.token.clone(), lifetime, now);
        }
        Ok(provided.token)
    }

    fn fetch_token(&self, deadline_at: Instant) -> Result<AccessToken, Error<T::Error>> {
        let timestamp_ms = self
            .clock
            .wall()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let Some(request) = self.source.fetch_request(timestamp_ms)? else {
            return Err(Error::Build(BuildError::EmptyField {
                field: "access_token",
            }));
        };
        let http_request = request.build(&self.base)?;
        let issued = self.clock.now();
        log::debug!(target: LOG_TARGET, "{}: fetching an access token", request.path());
        let response = self
            .send_http(http_request, deadline_at)
            .map_err(Error::Transport)?;
        let answer = TokenRequest::parse(response)
            .map_err(|e| Error::Response(scrub(e, &request.secrets())))?;
        let lifetime = answer.lifetime();
        log::debug!(
            target: LOG_TARGET,
            "{}: token fetched, valid {lifetime:?}, request_id {:?}",
            request.path(),
            answer.request_id
        );
        self.lock_cache().insert(
            self.key.clone(),
            answer.access_token.clone(),
            lifetime,
            issued,
        );
        Ok(answer.access_token)
    }

    /// Drops a rejected token so the next attempt fetches another; whether a replay can help.
    fn invalidate(&self, rejected: &AccessToken) -> bool {
        match &self.source {
            TokenSource::Static(_) => false,
            TokenSource::Provider(p) => {
                self.lock_cache().invalidate(&self.key, rejected);
                p.invalidate(rejected);
                true
            }
            _ => {
                self.lock_cache().invalidate(&self.key, rejected);
                true
            }
        }
    }
}

/// Removes secrets (raw and percent-encoded) from everything an answer put in an error: a
/// gateway may echo the request URL, token and all, into its error page.
fn scrub(error: ResponseError, secrets: &[&str]) -> ResponseError {
    let forms: Vec<String> = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| {
            let mut encoded = String::new();
            crate::wire::encode_query_component(&mut encoded, s);
            [(*s).to_owned(), encoded]
        })
        .collect();
    let clean = |text: &str| -> String {
        let mut out = text.to_owned();
        for f in &forms {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), "[redacted]");
            }
        }
        out
    };
    let clean_body = |body: crate::error::RawBody| -> crate::error::RawBody {
        let bytes = body.as_bytes();
        if forms
            .iter()
            .any(|f| bytes.windows(f.len()).any(|w| w == f.as_bytes()))
        {
            crate::error::RawBody::new(clean(&String::from_utf8_lossy(bytes)).into_bytes())
        } else {
            body
        }
    };
    match error {
        ResponseError::Api(mut api) => {
            api.errmsg = clean(&api.errmsg);
            api.sub_msg = api.sub_msg.map(|m| clean(&m));
            ResponseError::Api(api)
        }
        ResponseError::Top(mut top) => {
            top.msg = clean(&top.msg);
            top.sub_msg = top.sub_msg.map(|m| clean(&m));
            ResponseError::Top(top)
        }
        ResponseError::Status { status, body } => ResponseError::Status {
            status,
            body: clean_body(body),
        },
        ResponseError::Decode {
            status,
            field,
            reason,
            body,
        } => ResponseError::Decode {
            status,
            field,
            reason: clean(&reason),
            body: clean_body(body),
        },
        other => other,
    }
}

fn short<E>(e: &Error<E>) -> String {
    match e {
        Error::Response(r) => r.api().map_or_else(
            || "unusable answer".to_owned(),
            |a| format!("errcode {}", a.code.get()),
        ),
        Error::Transport(_) => "transport failure".to_owned(),
        Error::TokenProvider(_) => "provider failure".to_owned(),
        _ => "failure".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::SystemTime;

    use super::*;
    use crate::retry::FixedJitter;
    use crate::transport::TransportErrorKind;
    use crate::{ErrorCode, Message, VirtualClock};

    /// A scripted DingTalk: token fetches always succeed; other calls take the next scripted
    /// answer, or succeed.
    #[derive(Default)]
    struct Fake {
        token_fetches: AtomicUsize,
        calls: AtomicUsize,
        script: Mutex<VecDeque<Result<&'static str, TransportErrorKind>>>,
        seen_tokens: Mutex<Vec<String>>,
        timeouts: Mutex<Vec<Duration>>,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("fake transport failure {0:?}")]
    struct FakeError(TransportErrorKind);

    impl Transport for Arc<Fake> {
        type Error = FakeError;
        fn send(&self, req: HttpRequest) -> Result<HttpResponse, FakeError> {
            if let Some(t) = req.extensions().get::<RequestTimeout>() {
                self.timeouts.lock().unwrap().push(t.0);
            }
            let path = req.uri().path().to_owned();
            if path == "/gettoken" || path == "/service/get_corp_token" {
                let n = self.token_fetches.fetch_add(1, Ordering::SeqCst) + 1;
                let body = format!(r#"{{"errcode":0,"access_token":"tok{n}","expires_in":7200}}"#);
                return Ok(http::Response::new(body.into_bytes()));
            }
            self.calls.fetch_add(1, Ordering::SeqCst);
            let query = req.uri().query().unwrap_or_default().to_owned();
            self.seen_tokens.lock().unwrap().push(query);
            let next = self.script.lock().unwrap().pop_front();
            let body = match next {
                Some(Ok(body)) => body,
                Some(Err(kind)) => return Err(FakeError(kind)),
                None if path.ends_with("getsendprogress") => {
                    r#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#
                }
                None if path.ends_with("getsendresult") => {
                    r#"{"errcode":0,"send_result":{"read_user_id_list":["u1"]}}"#
                }
                None => r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"rq"}"#,
            };
            Ok(http::Response::new(body.as_bytes().to_vec()))
        }
        fn classify(&self, e: &FakeError) -> TransportErrorKind {
            e.0
        }
    }

    fn setup(
        script: Vec<Result<&'static str, TransportErrorKind>>,
    ) -> (Client<Arc<Fake>>, Arc<Fake>, VirtualClock) {
        let fake = Arc::new(Fake::default());
        fake.script.lock().unwrap().extend(script);
        let clock = VirtualClock::new();
        let client = Client::builder(TokenSource::app("key", "APPSECRET"))
            .clock(clock.clone())
            .jitter(FixedJitter(0.5))
            .build(Arc::clone(&fake));
        (client, fake, clock)
    }

    fn send_req() -> SendWorkNotification {
        SendWorkNotification::new(1, Message::text("hi")).to_users(["u1"])
    }

    fn task() -> TaskHandle {
        TaskHandle::new(1, 2)
    }

    #[test]
    fn token_is_fetched_once_and_reused() {
        let (client, fake, _) = setup(vec![]);
        for _ in 0..5 {
            client.progress(&task()).unwrap();
        }
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 5);
        assert!(
            fake.seen_tokens
                .lock()
                .unwrap()
                .iter()
                .all(|q| q == "access_token=tok1")
        );
    }

    #[test]
    fn token_is_refreshed_ahead_of_expiry() {
        let (client, fake, clock) = setup(vec![]);
        client.progress(&task()).unwrap();
        clock.advance(Duration::from_secs(6899));
        client.progress(&task()).unwrap();
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
        clock.advance(Duration::from_secs(2)); // inside the 300 s margin
        client.progress(&task()).unwrap();
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
        assert_eq!(
            fake.seen_tokens.lock().unwrap().last().unwrap(),
            "access_token=tok2"
        );
    }

    #[test]
    fn rejected_token_is_refreshed_and_the_call_replayed_once() {
        let expired = r#"{"errcode":42001,"errmsg":"expired","request_id":"x"}"#;
        let (client, fake, _) = setup(vec![Ok(expired)]);
        client.progress(&task()).unwrap();
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 2);

        let (client, fake, _) = setup(vec![Ok(expired), Ok(expired)]);
        let err = client.progress(&task()).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::ACCESS_TOKEN_EXPIRED));
        assert_eq!(
            fake.calls.load(Ordering::SeqCst),
            2,
            "replayed exactly once"
        );
    }

    #[test]
    fn retryable_errcodes_back_off_then_succeed() {
        let limited = r#"{"errcode":143103,"errmsg":"qpm","request_id":"r"}"#;
        let (client, fake, clock) = setup(vec![Ok(limited), Ok(limited)]);
        let t = client.send(&send_req()).unwrap();
        assert_eq!(t.task_id.get(), 256271667526);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
        // Full jitter at 0.5: 100 ms, then 200 ms.
        assert_eq!(clock.slept(), Duration::from_millis(300));
    }

    #[test]
    fn permanent_errcode_is_surfaced_at_once_with_its_request_id() {
        let bad = r#"{"errcode":40056,"errmsg":"Invalid agentid","request_id":"4jzllmte0wau"}"#;
        let (client, fake, clock) = setup(vec![Ok(bad)]);
        let err = client.progress(&task()).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::INVALID_AGENT_ID));
        assert_eq!(err.request_id(), Some("4jzllmte0wau"));
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
        assert_eq!(clock.sleeps(), 0);
    }

    #[test]
    fn a_send_is_not_replayed_after_an_ambiguous_failure() {
        for kind in [
            TransportErrorKind::Interrupted,
            TransportErrorKind::Timeout,
            TransportErrorKind::Unknown,
        ] {
            let (client, fake, _) = setup(vec![Err(kind)]);
            let err = client.send(&send_req()).unwrap_err();
            assert!(matches!(err, Error::Transport(FakeError(k)) if k == kind));
            assert_eq!(fake.calls.load(Ordering::SeqCst), 1, "{kind:?}");
        }
        // ...but a gateway 502 is ambiguous too.
        let (client, fake, _) = setup(vec![Ok("<html>502</html>")]);
        let _ = client.send(&send_req()).unwrap_err();
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_send_is_repeated_when_nothing_was_sent() {
        let (client, fake, _) = setup(vec![Err(TransportErrorKind::Connect)]);
        client.send(&send_req()).unwrap();
        assert_eq!(fake.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn safe_calls_are_repeated_after_transport_failures() {
        let (client, fake, _) = setup(vec![
            Err(TransportErrorKind::Interrupted),
            Err(TransportErrorKind::Timeout),
        ]);
        client.progress(&task()).unwrap();
        assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_deadline_ends_endless_retries() {
        let busy = r#"{"errcode":-1,"errmsg":"busy"}"#;
        let fake = Arc::new(Fake::default());
        fake.script
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(Ok(busy), 100));
        let clock = VirtualClock::new();
        let client = Client::builder(TokenSource::app("key", "APPSECRET"))
            .clock(clock.clone())
            .jitter(FixedJitter(1.0))
            .retry(RetryPolicy {
                max_attempts: 100,
                deadline: Duration::from_secs(5),
                ..RetryPolicy::default()
            })
            .build(Arc::clone(&fake));
        let err = client.progress(&task()).unwrap_err();
        let Error::Deadline {
            attempts,
            last,
            deadline,
        } = err
        else {
            panic!("{err:?}")
        };
        assert_eq!(deadline, Duration::from_secs(5));
        assert_eq!(last.unwrap().code(), Some(ErrorCode::SYSTEM_BUSY));
        // 0.2 + 0.4 + 0.8 + 1.6 = 3.0 s slept; the next 3.2 s would pass the deadline.
        assert_eq!(attempts, 5);
        assert_eq!(clock.slept(), Duration::from_millis(3000));
        // Each request carried the time left as its timeout.
        let timeouts = fake.timeouts.lock().unwrap();
        assert_eq!(timeouts[1], Duration::from_secs(5));
        assert!(timeouts.last().unwrap() <= &Duration::from_secs(2));
    }

    #[test]
    fn sixty_four_threads_at_expiry_fetch_one_token() {
        let (client, fake, clock) = setup(vec![]);
        client.progress(&task()).unwrap();
        clock.advance(Duration::from_secs(7200));
        std::thread::scope(|s| {
            for _ in 0..64 {
                s.spawn(|| client.progress(&task()).unwrap());
            }
        });
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 65);
    }

    #[test]
    fn invalid_arguments_send_and_fetch_nothing() {
        let (client, fake, _) = setup(vec![]);
        let err = client
            .send(&SendWorkNotification::new(1, Message::text("hi")))
            .unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::NoRecipients)));
        let err = client.update_status_bar(&task(), " ", None).unwrap_err();
        assert!(matches!(
            err,
            Error::Build(BuildError::EmptyField {
                field: "status_value"
            })
        ));
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn track_polls_until_done_then_reads_the_result() {
        let p0 = r#"{"errcode":0,"progress":{"progress_in_percent":0,"status":0}}"#;
        let p1 = r#"{"errcode":0,"progress":{"progress_in_percent":50,"status":1}}"#;
        let (client, fake, clock) = setup(vec![Ok(p0), Ok(p1)]);
        let mut seen = Vec::new();
        let report = client
            .track_with(&task(), |p| seen.push(p.progress_in_percent))
            .unwrap();
        assert_eq!(seen, [0, 50, 100]);
        assert_eq!(report.send_result.read_user_id_list, ["u1"]);
        assert_eq!(report.counts(), (1, 0, 0, 0, 0));
        assert_eq!(fake.calls.load(Ordering::SeqCst), 4);
        assert_eq!(clock.slept(), Duration::from_secs(3)); // 1 s then 2 s
    }

    #[test]
    fn track_gives_up_at_its_deadline() {
        let p1 = r#"{"errcode":0,"progress":{"progress_in_percent":50,"status":1}}"#;
        let (client, _, _) = setup(std::iter::repeat_n(Ok(p1), 100).collect());
        let err = client.track(&task()).unwrap_err();
        assert!(matches!(err, Error::Deadline { last: None, .. }), "{err:?}");
    }

    #[test]
    fn windows_fail_locally_after_a_25_hour_jump() {
        let (client, fake, clock) = setup(vec![]);
        let t = client.send(&send_req()).unwrap();
        assert!(t.sent_at.is_some());
        clock.advance(Duration::from_secs(25 * 3600));
        let calls = fake.calls.load(Ordering::SeqCst);
        for err in [
            client.result(&t).unwrap_err(),
            client.recall(&t).unwrap_err(),
        ] {
            assert!(matches!(err, Error::OutsideWindow { .. }), "{err:?}");
            assert!(err.to_string().contains("nothing was sent"));
        }
        assert_eq!(fake.calls.load(Ordering::SeqCst), calls);
        client.update_status_bar(&t, "Done", None).unwrap(); // 7 days
        clock.advance(Duration::from_secs(6 * 24 * 3600));
        assert!(matches!(
            client.progress(&t).unwrap_err(),
            Error::OutsideWindow {
                operation: "getsendprogress",
                ..
            }
        ));
        assert!(matches!(
            client.update_status_bar(&t, "Done", None).unwrap_err(),
            Error::OutsideWindow {
                operation: "status_bar/update",
                ..
            }
        ));
    }

    struct Store {
        gets: AtomicUsize,
        invalidated: Mutex<Vec<String>>,
    }

    impl crate::TokenProvider for Store {
        fn token(
            &self,
        ) -> Result<crate::token::ProvidedToken, Box<dyn std::error::Error + Send + Sync>> {
            let n = self.gets.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(crate::token::ProvidedToken {
                token: AccessToken::new(format!("shared{n}")),
                expires_in: Some(Duration::from_secs(3600)),
            })
        }
        fn invalidate(&self, token: &AccessToken) {
            self.invalidated
                .lock()
                .unwrap()
                .push(token.expose_secret().to_owned());
        }
    }

    #[test]
    fn a_provider_is_cached_and_told_of_rejections() {
        let store = Arc::new(Store {
            gets: AtomicUsize::new(0),
            invalidated: Mutex::new(Vec::new()),
        });
        struct Shared(Arc<Store>);
        impl crate::TokenProvider for Shared {
            fn token(
                &self,
            ) -> Result<crate::token::ProvidedToken, Box<dyn std::error::Error + Send + Sync>>
            {
                self.0.token()
            }
            fn invalidate(&self, token: &AccessToken) {
                self.0.invalidate(token);
            }
        }
        let fake = Arc::new(Fake::default());
        fake.script
            .lock()
            .unwrap()
            .push_back(Ok(r#"{"errcode":40014,"errmsg":"invalid"}"#));
        let client = Client::builder(TokenSource::provider(Shared(Arc::clone(&store))))
            .clock(VirtualClock::new())
            .build(Arc::clone(&fake));
        client.progress(&task()).unwrap();
        client.progress(&task()).unwrap();
        assert_eq!(store.gets.load(Ordering::SeqCst), 2);
        assert_eq!(*store.invalidated.lock().unwrap(), ["shared1"]);
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_static_token_is_never_fetched_nor_replayed() {
        let fake = Arc::new(Fake::default());
        fake.script
            .lock()
            .unwrap()
            .push_back(Ok(r#"{"errcode":40014,"errmsg":"invalid"}"#));
        let client = Client::new(Arc::clone(&fake), TokenSource::static_token("fixed"));
        let err = client.progress(&task()).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::INVALID_ACCESS_TOKEN));
        assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn isv_clients_sign_and_apply_isv_limits() {
        let fake = Arc::new(Fake::default());
        let client = Client::builder(TokenSource::isv("suite", "SUITESECRET", "TICKET", "corp"))
            .clock(VirtualClock::starting_at(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            ))
            .build(Arc::clone(&fake));
        let err = client
            .send(&SendWorkNotification::new(1, Message::text("hi")).to_all_users())
            .unwrap_err();
        assert!(matches!(err, Error::Build(BuildError::ToAllUserNotAllowed)));
        let many = (0..101).map(|i| format!("u{i}"));
        let err = client
            .send(&SendWorkNotification::new(1, Message::text("hi")).to_users(many))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Build(BuildError::TooManyRecipients { limit: 100, .. })
        ));
        client.send(&send_req()).unwrap();
        assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn echoed_secrets_are_scrubbed_from_errors() {
        let echo = "<html>404: /topapi/x?access_token=tok1 not found (tok1)</html>";
        let (client, _, _) = setup(vec![Ok(echo)]);
        let err = client.send(&send_req()).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("tok1"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");

        let api = r#"{"errcode":40056,"errmsg":"bad agent for token tok1","sub_msg":"tok1"}"#;
        let (client, _, _) = setup(vec![Ok(api)]);
        let err = client.send(&send_req()).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("tok1"));

        let top = r#"{"error_response":{"code":50,"msg":"bad tok1","sub_msg":"tok1 echoed"}}"#;
        let (client, _, _) = setup(vec![Ok(top)]);
        let err = client.send(&send_req()).unwrap_err();
        assert!(
            matches!(err, Error::Response(ResponseError::Top(_))),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("tok1"), "{err}");
    }

    #[test]
    fn client_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client<Arc<Fake>>>();
    }
}
