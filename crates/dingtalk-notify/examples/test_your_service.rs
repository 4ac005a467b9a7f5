//! Testing your own service against the simulator: the service below pages the on-call
//! engineers when a disk is nearly full, and its tests check what reached "DingTalk", that
//! nothing is sent below the threshold, and that a connection reset after the send is
//! reported once, not repeated.
//!
//! ```text
//! cargo test -p dingtalk-notify --example test_your_service   # as tests
//! cargo run  -p dingtalk-notify --example test_your_service   # the same checks, as a program
//! ```
//!
//! In your crate: `dingtalk-notify-mock` as a dev-dependency, one `MockServer` per test
//! (a free port each, stopped when dropped), the client built with `client_at` on its
//! base URL and its demo app's credentials.

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::{Client, Message, TaskHandle, Transport};

/// Your service: pages `on_call` when a disk is 90% full or more.
pub struct DiskAlerts<T> {
    client: Client<T>,
    agent_id: u64,
    on_call: Vec<String>,
}

impl<T: Transport> DiskAlerts<T> {
    /// A service sending through `client` as app `agent_id`.
    pub fn new(client: Client<T>, agent_id: u64, on_call: Vec<String>) -> Self {
        Self {
            client,
            agent_id,
            on_call,
        }
    }

    /// Pages the on-call engineers if `used_percent` is 90 or more; the task when it did.
    pub fn check(
        &self,
        host: &str,
        used_percent: u8,
    ) -> Result<Option<TaskHandle>, dingtalk_notify::Error<T::Error>> {
        if used_percent < 90 {
            return Ok(None);
        }
        let text = format!("Disk {used_percent}% on {host}");
        let send = SendWorkNotification::new(self.agent_id, Message::text(text))
            .to_users(self.on_call.iter().cloned());
        self.client.send(&send).map(Some)
    }
}

/// The checks, shared by the tests below and `main`.
mod checks {
    use std::time::Duration;

    use dingtalk_notify::TokenSource;
    use dingtalk_notify_mock::{
        Calls, DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Fault, MockServer, Route,
    };

    use super::DiskAlerts;

    /// A simulator whose clock moves only when the test says, and the service on it.
    fn service() -> (MockServer, DiskAlerts<dingtalk_notify::ureq::UreqTransport>) {
        let server = MockServer::builder().frozen_clock().start().unwrap();
        let source = TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET);
        let client = dingtalk_notify::client_at(&server.base_url(), source).unwrap();
        let service = DiskAlerts::new(client, DEMO_AGENT_ID, vec!["alice".into(), "bob".into()]);
        (server, service)
    }

    pub fn a_full_disk_pages_the_on_call() {
        let (server, service) = service();
        let task = service.check("db-3", 91).unwrap().expect("a page at 91%");

        // What DingTalk received, in the simulator's own terms.
        let seen = server
            .task(task.task_id.get())
            .expect("the simulator knows the task");
        assert_eq!(seen.recipients, ["alice", "bob"]);
        assert_eq!(seen.msg["text"]["content"], "Disk 91% on db-3");

        // Delivery completes in simulator time: no sleeping in the test.
        server.advance(Duration::from_secs(2));
        let result = service.client.result(&task).unwrap();
        assert_eq!(result.read_user_id_list, ["alice"]);
        assert_eq!(result.unread_user_id_list, ["bob"]);
    }

    pub fn a_disk_below_90_percent_sends_nothing() {
        let (server, service) = service();
        assert!(service.check("db-3", 89).unwrap().is_none());
        assert!(server.sends().is_empty());
        assert!(server.requests().is_empty(), "not even a token fetch");
    }

    pub fn a_reset_after_the_send_is_reported_not_repeated() {
        let (server, service) = service();
        // The send runs (a task is created), then the connection is reset before the answer.
        server.inject(Route::Send, Calls::All, Fault::ResetBeforeResponse);
        let error = service.check("db-3", 95).unwrap_err();
        println!("    the service got: {error}");
        assert_eq!(
            server.sends().len(),
            1,
            "the send went out once and was not repeated"
        );
    }
}

fn main() {
    checks::a_full_disk_pages_the_on_call();
    println!("ok: a full disk pages the on-call engineers");
    checks::a_disk_below_90_percent_sends_nothing();
    println!("ok: a disk below 90% sends nothing");
    checks::a_reset_after_the_send_is_reported_not_repeated();
    println!("ok: a reset after the send is reported, not repeated");
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_disk_pages_the_on_call() {
        super::checks::a_full_disk_pages_the_on_call();
    }

    #[test]
    fn a_disk_below_90_percent_sends_nothing() {
        super::checks::a_disk_below_90_percent_sends_nothing();
    }

    #[test]
    fn a_reset_after_the_send_is_reported_not_repeated() {
        super::checks::a_reset_after_the_send_is_reported_not_repeated();
    }
}
