//! [`ClientBuilder`]: the one way to configure a [`Client`].

use std::sync::{Arc, Mutex, RwLock};

use dingtalk_notify_proto::api::RecipientLimits;
use dingtalk_notify_proto::retry::Jitter;
use dingtalk_notify_proto::token::TokenCache;
use dingtalk_notify_proto::{BaseUrl, Clock, RetryPolicy, TokenSource, TrackPolicy, Transport};

use super::{Client, Shared};
use crate::budget::{InProcessBudget, RecipientBudget};
use crate::clock::SystemClock;
use crate::jitter::RandomJitter;

/// Configures a [`Client`]: `Client::builder(source)…build(transport)`.
///
/// ```
/// use dingtalk_notify::{BaseUrl, Client, RetryPolicy, TokenSource};
/// use dingtalk_notify::ureq::UreqTransport;
/// use std::time::Duration;
/// let client = Client::builder(TokenSource::app("dingkey", "secret"))
///     .base_url("https://oapi.dingtalk.com".parse()?)
///     .retry(RetryPolicy { deadline: Duration::from_secs(10), ..RetryPolicy::default() })
///     .build(UreqTransport::default());
/// assert_eq!(client.base_url().as_str(), "https://oapi.dingtalk.com");
/// # Ok::<(), dingtalk_notify::BuildError>(())
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
    budget: Option<Arc<dyn RecipientBudget>>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("source", &self.source)
            .field("base", &self.base)
            .field("retry", &self.retry)
            .field("track", &self.track)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with defaults: the international host ([`BaseUrl::default`]), the default
    /// retry and track policies, the recipient limits of the source's app kind, the system
    /// clock, random jitter.
    pub fn new(source: TokenSource) -> Self {
        Self {
            source,
            base: BaseUrl::default(),
            retry: RetryPolicy::default(),
            track: TrackPolicy::default(),
            limits: None,
            clock: Arc::new(SystemClock),
            jitter: Arc::new(RandomJitter::new()),
            budget: None,
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

    /// The recipient limits every send is checked against (default: by app kind,
    /// [`RecipientLimits::ISV`] for an ISV source, [`RecipientLimits::INTERNAL`] otherwise).
    pub fn recipient_limits(mut self, limits: RecipientLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The clock (tests pass a [`VirtualClock`](crate::VirtualClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The jitter source (tests pass a constant one: the core's `retry::FixedJitter`).
    /// A seam for the workspace's tests, hidden with the kit's `retry::Jitter` it takes.
    #[doc(hidden)]
    pub fn jitter(mut self, jitter: impl Jitter + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// The app's recipient budget: every single send and every chunk of every campaign of
    /// this client waits for it, so they share one quota (default: an in-process
    /// [`Budget::DINGTALK_APP`](crate::budget::Budget::DINGTALK_APP), 5,000 recipients a
    /// minute). Give clients of one app the same budget: an `Arc` of one
    /// [`InProcessBudget`] in one process, the fleet-wide `RedisBudget` of
    /// `dingtalk-notify-redis` across processes.
    pub fn recipient_budget(mut self, budget: Arc<dyn RecipientBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Builds the client over `transport`.
    pub fn build<T: Transport>(self, transport: T) -> Client<T> {
        let limits = self
            .limits
            .unwrap_or_else(|| self.source.recipient_limits());
        Client::new(Shared {
            key: self.source.key(),
            transport,
            base: self.base,
            source: self.source,
            cache: RwLock::new(TokenCache::new()),
            refresh: Mutex::new(()),
            retry: self.retry,
            track: self.track,
            limits,
            clock: self.clock,
            jitter: self.jitter,
            budget: self
                .budget
                .unwrap_or_else(|| Arc::new(InProcessBudget::default())),
        })
    }
}
