//! A third-party (ISV) app: the token comes from the suite key and secret, the latest suite
//! ticket DingTalk pushed to your callback, and the corp id of an organization that
//! authorized the suite (a signed `get_corp_token`). Sends are then as for an internal app,
//! within the ISV limits.
//!
//! ```text
//! cargo run -p dingtalk-notify --example isv_app
//! ```
//!
//! With `DINGTALK_BASE_URL` set it reads `DINGTALK_SUITE_KEY`, `DINGTALK_SUITE_SECRET`,
//! `DINGTALK_SUITE_TICKET`, `DINGTALK_CORP_ID`, `DINGTALK_AGENT_ID` and `DINGTALK_USER`.

mod common;

use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::{Message, SuiteTicket, TokenSource};
use dingtalk_notify_mock::{
    DEMO_CORP_ID, DEMO_ISV_AGENT_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET, DEMO_SUITE_TICKET,
};

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The simulator stays alive as long as `_simulator`.
    let (_simulator, base_url, suite_key, suite_secret, first_ticket, corp_id, agent_id, users) =
        match std::env::var("DINGTALK_BASE_URL") {
            Ok(base_url) => (
                None,
                base_url,
                common::var("DINGTALK_SUITE_KEY")?,
                common::var("DINGTALK_SUITE_SECRET")?,
                common::var("DINGTALK_SUITE_TICKET")?,
                common::var("DINGTALK_CORP_ID")?,
                common::var("DINGTALK_AGENT_ID")?.parse()?,
                common::var("DINGTALK_USER")?
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
            ),
            Err(_) => {
                let server = common::simulator()?;
                let base_url = server.base_url();
                (
                    Some(server),
                    base_url,
                    DEMO_SUITE_KEY.to_owned(),
                    DEMO_SUITE_SECRET.to_owned(),
                    DEMO_SUITE_TICKET.to_owned(),
                    DEMO_CORP_ID.to_owned(),
                    DEMO_ISV_AGENT_ID,
                    vec!["alice".to_owned(), "bob".to_owned()],
                )
            }
        };

    // DingTalk pushes a new suite ticket to your callback every few hours: keep the latest
    // where the callback handler writes it, and let the client read it at each token fetch.
    let latest_ticket = Arc::new(RwLock::new(first_ticket));
    let ticket_for_client = Arc::clone(&latest_ticket);
    let source = TokenSource::isv_with_ticket_fn(
        suite_key,
        suite_secret,
        move || {
            let ticket = ticket_for_client.read().unwrap_or_else(|e| e.into_inner());
            SuiteTicket::new(ticket.as_str())
        },
        corp_id,
    );
    // (Your callback handler would do: *latest_ticket.write().unwrap() = pushed_ticket;)

    let client = dingtalk_notify::client_at(&base_url, source)?;
    println!("ISV limits: {:?}", client.recipient_limits());
    let send =
        SendWorkNotification::new(agent_id, Message::text("Your report is ready")).to_users(users);
    let task = client.send(&send)?;
    let report = client.track(&task)?;
    println!(
        "task {}: read by {:?}, unread {:?}",
        task.task_id.get(),
        report.send_result.read_user_id_list,
        report.send_result.unread_user_id_list
    );
    drop(latest_ticket);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("isv_app: {e}");
            ExitCode::FAILURE
        }
    }
}
