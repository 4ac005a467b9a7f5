//! Where the examples send: the simulator each one starts, or the host in
//! `DINGTALK_BASE_URL` (DingTalk itself, a gateway, `dingtalk-notify mock-server`) with the
//! app in `DINGTALK_APP_KEY`, `DINGTALK_APP_SECRET`, `DINGTALK_AGENT_ID` and the
//! comma-separated recipients in `DINGTALK_USER`.
#![allow(dead_code)] // each example uses a different part

use std::env;
use std::error::Error;
use std::time::Duration;

use dingtalk_notify::TokenSource;
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, UserBehaviour,
};

/// The host, the app and the recipients of an example run.
pub struct Target {
    /// Where the client sends.
    pub base_url: String,
    /// The app's credentials.
    pub source: TokenSource,
    /// The app's AgentId.
    pub agent_id: u64,
    /// Who gets the notification.
    pub users: Vec<String>,
    /// The simulator, when the example started one; dropping it stops it.
    pub simulator: Option<MockServer>,
}

/// The environment's target when `DINGTALK_BASE_URL` is set, else a fresh [`simulator`]
/// and three of its demo users: alice reads, bob leaves it unread, dave's delivery fails.
pub fn target() -> Result<Target, Box<dyn Error>> {
    if let Ok(base_url) = env::var("DINGTALK_BASE_URL") {
        return Ok(Target {
            base_url,
            source: TokenSource::app(var("DINGTALK_APP_KEY")?, var("DINGTALK_APP_SECRET")?),
            agent_id: var("DINGTALK_AGENT_ID")?
                .parse()
                .map_err(|_| "DINGTALK_AGENT_ID is a number")?,
            users: var("DINGTALK_USER")?
                .split(',')
                .map(str::to_owned)
                .collect(),
            simulator: None,
        });
    }
    let server = simulator()?;
    println!(
        "(no DINGTALK_BASE_URL: using a simulator at {})",
        server.base_url()
    );
    Ok(Target {
        base_url: server.base_url(),
        source: TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET),
        agent_id: DEMO_AGENT_ID,
        users: vec!["alice".into(), "bob".into(), "dave".into()],
        simulator: Some(server),
    })
}

/// A simulator on a free loopback port with its demo app and users, where any other user
/// id exists and reads what it gets, and deliveries take 300 ms of real time.
pub fn simulator() -> std::io::Result<MockServer> {
    MockServer::builder()
        .directory(Directory::demo().accept_any_user(UserBehaviour::Reads))
        .delivery_duration(Duration::from_millis(300))
        .start()
}

/// An environment variable, or an error naming it.
pub fn var(name: &str) -> Result<String, String> {
    env::var(name)
        .map_err(|_| format!("set {name} (or unset DINGTALK_BASE_URL to use a simulator)"))
}
