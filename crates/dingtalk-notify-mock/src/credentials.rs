//! The apps the simulator knows: internal apps ([`AppCredentials`]) and ISV suites
//! ([`IsvSuite`]), with the demo credentials every default server accepts.

use std::fmt;

/// The demo internal app's `appkey`.
pub const DEMO_APP_KEY: &str = "dingmockappkey0001";
/// The demo internal app's `appsecret`.
pub const DEMO_APP_SECRET: &str = "mock-app-secret-7f3c9a1e5b";
/// The demo internal app's agent id.
pub const DEMO_AGENT_ID: u64 = 836_390_886;
/// The demo ISV suite's key (`accessKey` of `get_corp_token`).
pub const DEMO_SUITE_KEY: &str = "suitemockkey0001";
/// The demo ISV suite's secret (signs `get_corp_token`).
pub const DEMO_SUITE_SECRET: &str = "mock-suite-secret-2d8e4b6f0a";
/// The demo ISV suite's current suite ticket.
pub const DEMO_SUITE_TICKET: &str = "mock-suite-ticket-91c2";
/// The corp that authorized the demo ISV suite.
pub const DEMO_CORP_ID: &str = "dingmockcorp0001";
/// The agent id of the demo ISV suite's app in [`DEMO_CORP_ID`].
pub const DEMO_ISV_AGENT_ID: u64 = 836_390_887;

/// A secret the simulator holds: `Debug` shows `Secret(..)`, never the value.
///
/// ```
/// use dingtalk_notify_mock::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(s.expose_secret(), "hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(..)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// An internal app: `gettoken` takes its key and secret, and its tokens send as its agent.
///
/// `Debug` hides the secret.
///
/// ```
/// use dingtalk_notify_mock::{AppCredentials, DEMO_AGENT_ID, DEMO_APP_KEY};
/// let demo = AppCredentials::demo();
/// assert_eq!(demo.app_key, DEMO_APP_KEY);
/// assert_eq!(demo.agent_id, DEMO_AGENT_ID);
/// assert!(!format!("{demo:?}").contains(dingtalk_notify_mock::DEMO_APP_SECRET));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    /// The `appkey`.
    pub app_key: String,
    /// The `appsecret`.
    pub app_secret: Secret,
    /// The app's agent id.
    pub agent_id: u64,
}

impl AppCredentials {
    /// An internal app.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>, agent_id: u64) -> Self {
        Self {
            app_key: app_key.into(),
            app_secret: Secret::new(app_secret),
            agent_id,
        }
    }

    /// [`DEMO_APP_KEY`], [`DEMO_APP_SECRET`], [`DEMO_AGENT_ID`].
    pub fn demo() -> Self {
        Self::new(DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_AGENT_ID)
    }
}

/// A third-party (ISV) suite: `get_corp_token` checks its key, ticket and signature, and
/// issues tokens for the corps that authorized it, each with the app's agent id there.
///
/// `Debug` hides the secret and the ticket.
///
/// ```
/// use dingtalk_notify_mock::IsvSuite;
/// let suite = IsvSuite::new("suitekey", "suitesecret", "ticket").corp("dingcorp42", 1001u64);
/// assert_eq!(suite.corps[0].0, "dingcorp42");
/// assert!(!format!("{suite:?}").contains("suitesecret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsvSuite {
    /// The suite key (`accessKey`).
    pub suite_key: String,
    /// The suite secret.
    pub suite_secret: Secret,
    /// The suite ticket the simulator accepts.
    pub suite_ticket: Secret,
    /// The authorizing corps and the agent id of the suite's app in each.
    pub corps: Vec<(String, u64)>,
}

impl IsvSuite {
    /// A suite authorized by no corp yet.
    pub fn new(
        suite_key: impl Into<String>,
        suite_secret: impl Into<String>,
        suite_ticket: impl Into<String>,
    ) -> Self {
        Self {
            suite_key: suite_key.into(),
            suite_secret: Secret::new(suite_secret),
            suite_ticket: Secret::new(suite_ticket),
            corps: Vec::new(),
        }
    }

    /// Adds an authorizing corp whose app has `agent_id`.
    #[must_use]
    pub fn corp(mut self, corp_id: impl Into<String>, agent_id: u64) -> Self {
        self.corps.push((corp_id.into(), agent_id));
        self
    }

    /// [`DEMO_SUITE_KEY`], [`DEMO_SUITE_SECRET`], [`DEMO_SUITE_TICKET`], authorized by
    /// [`DEMO_CORP_ID`] with [`DEMO_ISV_AGENT_ID`].
    pub fn demo() -> Self {
        Self::new(DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET)
            .corp(DEMO_CORP_ID, DEMO_ISV_AGENT_ID)
    }
}
