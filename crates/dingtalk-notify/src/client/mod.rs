//! [`Client`]: the blocking client over any [`Transport`]. The one place that reads a clock,
//! sleeps and locks, through its [`Clock`], a read-write lock on the token cache and the
//! refresh mutex.
//!
//! - [`builder`]: [`ClientBuilder`], the one way to configure it;
//! - this module: the operations (send, progress, result, status bar, recall, track);
//! - `media`: media upload, from bytes or a path, with a deadline that fits the size;
//! - `resolve`: [`AudienceResolver`], the core's resolution plan driven over the client;
//! - `call`: the retry loop around the core's one build → send → parse path;
//! - `token`: the access token, driven from the core's `TokenCache::token_or_request`.

mod builder;
mod call;
mod error;
mod media;
mod resolve;
#[cfg(test)]
mod tests;
mod token;

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use dingtalk_notify_proto::api::{
    GetSendProgress, GetSendResult, RecallWorkNotification, RecallWorkNotificationResponse,
    RecipientLimits, SendProgress, SendResult, SendWorkNotification, UpdateStatusBar,
    UpdateStatusBarResponse,
};
use dingtalk_notify_proto::auth::AccessTokenQuery;
use dingtalk_notify_proto::campaign::is_per_minute_quota;
use dingtalk_notify_proto::retry::Jitter;
use dingtalk_notify_proto::token::{TokenCache, TokenKey};
use dingtalk_notify_proto::tracking::Operation;
use dingtalk_notify_proto::{
    BaseUrl, Clock, DeliveryReport, Endpoint, RetryPolicy, StatusColor, TaskHandle, TokenSource,
    TrackPolicy, Transport, Validated, instant_after,
};

pub use builder::ClientBuilder;
pub use error::Error;
pub use media::{MediaFile, MediaFileError, UploadFileError};
pub use resolve::AudienceResolver;

use crate::budget::RecipientBudget;

/// The blocking DingTalk work-notification client.
///
/// Create it once and share it across threads (`Client<T>` is `Send + Sync` when `T` is),
/// by reference or by [`clone`](Clone::clone): clones share one token cache, one budget and
/// one transport. It caches the access token (one fetch however many threads find it expired), refreshes it
/// ahead of expiry, replays a call once when DingTalk rejects the token, retries transient
/// failures with backoff within a deadline, and never repeats a send after an ambiguous
/// failure.
///
/// ```
/// use dingtalk_notify::{Client, HttpRequest, HttpResponse, Message, TokenSource};
/// use dingtalk_notify::api::SendWorkNotification;
///
/// // Any Transport works; this closure answers as DingTalk would.
/// let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
///     let body = match req.uri().path() {
///         "/gettoken" => r#"{"errcode":0,"access_token":"t0k","expires_in":7200}"#,
///         _ => r#"{"errcode":0,"errmsg":"ok","task_id":256271667526,"request_id":"r1"}"#,
///     };
///     Ok(http::Response::new(body.as_bytes().to_vec()))
/// };
/// let client = Client::builder(TokenSource::app("dingkey", "secret")).build(transport);
/// let task = client.send(&SendWorkNotification::new(836390886, Message::text("hi")).to_users(["u1"]))?;
/// assert_eq!(task.task_id.get(), 256271667526);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Client<T> {
    inner: Arc<Shared<T>>,
}

/// What every clone of a [`Client`] shares.
struct Shared<T> {
    transport: T,
    base: BaseUrl,
    source: TokenSource,
    key: TokenKey,
    /// Read on every call (a shared lock: calls do not queue behind each other), written
    /// only when a token is stored or dropped.
    cache: RwLock<TokenCache>,
    /// Held by the one thread fetching a token (single flight).
    refresh: Mutex<()>,
    retry: RetryPolicy,
    track: TrackPolicy,
    limits: RecipientLimits,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
    budget: Arc<dyn RecipientBudget>,
}

/// A clone is cheap (one reference count) and shares everything with the original: the
/// transport (and its connection pool), the token cache and its single refresh, the
/// recipient budget, the clock.
impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("source", &self.inner.source)
            .field("retry", &self.inner.retry)
            .field("limits", &self.inner.limits)
            .field("budget", &"RecipientBudget")
            .finish_non_exhaustive()
    }
}

impl<T> Client<T> {
    fn new(shared: Shared<T>) -> Self {
        Self {
            inner: Arc::new(shared),
        }
    }
}

impl Client<()> {
    /// A builder: `Client::builder(source)…build(transport)`.
    pub fn builder(source: TokenSource) -> ClientBuilder {
        ClientBuilder::new(source)
    }
}

impl<T: Transport> Client<T> {
    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The recipient limits every send is checked against.
    pub fn recipient_limits(&self) -> RecipientLimits {
        self.inner.limits
    }

    /// Sends a work notification; the handle remembers when, for the follow-up windows.
    /// Checked against the client's [recipient limits](ClientBuilder::recipient_limits), and
    /// never repeated after an ambiguous failure (the message may already be out). It first
    /// waits until the client's [recipient budget](ClientBuilder::recipient_budget) admits
    /// its user ids (departments and all users are not counted: their size is unknown); the
    /// budget is the app's, shared with every campaign of this client. A per-minute quota
    /// answer (143103/143104) holds the budget for a window.
    ///
    /// # Errors
    /// [`Error::Build`] for invalid arguments (nothing sent), [`Error::Budget`] for more
    /// users than the whole budget or when a shared budget fails (nothing sent), or the
    /// call's failure.
    pub fn send(&self, request: &SendWorkNotification) -> Result<TaskHandle, Error<T::Error>> {
        let checked = request.validated_within(self.inner.limits)?;
        self.wait_for_budget(request.userid_list().len())?;
        let result = self.send_validated(checked);
        if let Err(e) = &result {
            if e.code().is_some_and(is_per_minute_quota) {
                crate::budget::hold(self.inner.budget.as_ref(), self.inner.clock.as_ref())
                    .map_err(Error::Budget)?;
            }
        }
        result
    }

    /// Sends a checked request without the budget (the campaign driver waits for the
    /// budget before it writes its ledger).
    pub(crate) fn send_validated(
        &self,
        checked: Validated<'_, SendWorkNotification>,
    ) -> Result<TaskHandle, Error<T::Error>> {
        let sent_at = self.inner.clock.wall();
        let agent_id = checked.endpoint().agent_id();
        let users = checked.endpoint().userid_list().len();
        let answer = self.call_validated(checked)?;
        crate::observe::recipients_sent(users);
        Ok(TaskHandle::new(agent_id, answer.task_id).sent_at(sent_at))
    }

    /// Waits on the client's clock until the budget admits `users` recipients.
    pub(crate) fn wait_for_budget(&self, users: usize) -> Result<(), Error<T::Error>> {
        let users = u32::try_from(users).unwrap_or(u32::MAX);
        crate::budget::pace(self.inner.budget.as_ref(), users, self.inner.clock.as_ref())
            .map_err(Error::Budget)
    }

    /// The client's recipient budget: the app's, shared by single sends and campaigns.
    pub(crate) fn budget(&self) -> &dyn RecipientBudget {
        self.inner.budget.as_ref()
    }

    /// The client's clock.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The retry policy.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The track policy.
    pub(crate) fn track_policy(&self) -> TrackPolicy {
        self.inner.track
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
        let result = self
            .call(&GetSendResult::new(task.agent_id, task.task_id))?
            .send_result;
        crate::observe::result_read(&result);
        Ok(result)
    }

    /// Updates an OA notification's status bar (`status_bar/update`); the answer carries
    /// DingTalk's `request_id`.
    ///
    /// # Errors
    /// [`Error::Build`] for an empty value, [`Error::OutsideWindow`] for a task sent 7 days
    /// ago or more, or the call's failure.
    pub fn update_status_bar(
        &self,
        task: &TaskHandle,
        status_value: &str,
        status_bg: Option<StatusColor>,
    ) -> Result<UpdateStatusBarResponse, Error<T::Error>> {
        let mut request = UpdateStatusBar::new(task.agent_id, task.task_id, status_value);
        request.status_bg = status_bg;
        let checked = Validated::new(&request)?;
        self.check_window(task, Operation::StatusBar)?;
        self.call_validated(checked)
    }

    /// Recalls the notification (`recall`); the answer carries DingTalk's `request_id`.
    ///
    /// # Errors
    /// [`Error::OutsideWindow`] for a task sent 24 hours ago or more, or the call's failure.
    pub fn recall(
        &self,
        task: &TaskHandle,
    ) -> Result<RecallWorkNotificationResponse, Error<T::Error>> {
        self.check_window(task, Operation::Recall)?;
        self.call(&RecallWorkNotification::new(task.agent_id, task.task_id))
    }

    /// Polls progress with backoff until the task completes, then fetches the result.
    ///
    /// # Errors
    /// [`Error::Deadline`] when the task does not complete within the track policy's
    /// deadline, [`Error::OutsideWindow`] for a task too old for its result (24 hours:
    /// checked before the first poll, so nothing is sent), or a call's failure.
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
        // The track ends with getsendresult, whose window (24 hours) is shorter than
        // getsendprogress's (7 days): refuse a task too old for it before polling at all.
        self.check_window(task, Operation::Result)?;
        let deadline_at = instant_after(self.inner.clock.now(), self.inner.track.deadline);
        let mut poll = 0u32;
        let progress = loop {
            poll += 1;
            let progress = self.progress(task)?;
            on_progress(&progress);
            if progress.is_done() {
                break progress;
            }
            let wait = self.inner.track.interval(poll);
            if instant_after(self.inner.clock.now(), wait) > deadline_at {
                return Err(Error::Deadline {
                    deadline: self.inner.track.deadline,
                    attempts: poll,
                    last: None,
                });
            }
            self.inner.clock.sleep(wait);
        };
        let send_result = self.result(task)?;
        Ok(DeliveryReport::new(*task, progress, send_result))
    }

    /// Calls any access-token endpoint with the client's token handling, retries and
    /// deadline. The arguments are validated once, before anything is fetched or sent.
    ///
    /// Only endpoints authenticated by the access token ([`AccessTokenQuery`]) are accepted;
    /// the token endpoints themselves do not compile here:
    ///
    /// ```compile_fail
    /// use dingtalk_notify_proto::api::GetAccessToken;
    /// use dingtalk_notify::{Client, HttpRequest, HttpResponse, TokenSource};
    /// let transport = |_: HttpRequest| -> Result<HttpResponse, std::io::Error> { Err(std::io::Error::other("offline")) };
    /// let client = Client::builder(TokenSource::app("k", "s")).build(transport);
    /// let _ = client.call(&GetAccessToken::new("k", "s")); // `gettoken` is `NoAuth`
    /// ```
    ///
    /// The same client calls a topapi endpoint:
    ///
    /// ```
    /// use dingtalk_notify_proto::api::GetSendProgress;
    /// use dingtalk_notify::{Client, HttpRequest, HttpResponse, TokenSource};
    /// let transport = |req: HttpRequest| -> Result<HttpResponse, std::io::Error> {
    ///     let body = match req.uri().path() {
    ///         "/gettoken" => r#"{"errcode":0,"access_token":"t0k","expires_in":7200}"#,
    ///         _ => r#"{"errcode":0,"progress":{"progress_in_percent":100,"status":2}}"#,
    ///     };
    ///     Ok(http::Response::new(body.as_bytes().to_vec()))
    /// };
    /// let client = Client::builder(TokenSource::app("k", "s")).build(transport);
    /// let answer = client.call(&GetSendProgress::new(1, 2))?;
    /// assert_eq!(answer.progress.progress_in_percent, 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Build`] (nothing sent), [`Error::Response`], [`Error::Transport`], or
    /// [`Error::Deadline`] with the last failure.
    pub fn call<E>(&self, endpoint: &E) -> Result<E::Response, Error<T::Error>>
    where
        E: Endpoint<Auth = AccessTokenQuery>,
    {
        self.call_validated(Validated::new(endpoint)?)
    }

    fn check_window(&self, task: &TaskHandle, op: Operation) -> Result<(), Error<T::Error>> {
        task.check_window(op, self.inner.clock.wall())
            .map_err(|w| Error::OutsideWindow {
                task_id: task.task_id,
                operation: op.name(),
                age: w.age,
                window: w.window,
            })
    }
}
