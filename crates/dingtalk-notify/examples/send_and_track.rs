//! Send one work notification, follow its delivery, read who read it, then recall it.
//!
//! ```text
//! cargo run -p dingtalk-notify --example send_and_track
//! DINGTALK_BASE_URL=https://oapi.dingtalk.io DINGTALK_APP_KEY=… DINGTALK_APP_SECRET=… \
//!     DINGTALK_AGENT_ID=… DINGTALK_USER=manager4220 cargo run -p dingtalk-notify --example send_and_track
//! ```

mod common;

use std::process::ExitCode;

use dingtalk_notify::Message;
use dingtalk_notify::api::SendWorkNotification;

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target()?;
    let client = dingtalk_notify::client_at(&target.base_url, target.source)?;

    let send = SendWorkNotification::new(target.agent_id, Message::text("Disk 91% on db-3"))
        .to_users(target.users.iter().cloned());
    let task = client.send(&send)?; // never sent twice: an ambiguous failure is returned
    println!(
        "sent: agent {} task {}",
        task.agent_id.get(),
        task.task_id.get()
    );

    // Polls getsendprogress with backoff (the client's TrackPolicy) until delivery
    // completes, then reads getsendresult. `track` does the same without the callback.
    let report = client.track_with(&task, |progress| {
        println!(
            "  delivery {}% ({:?})",
            progress.progress_in_percent, progress.status
        );
    })?;
    let result = &report.send_result;
    println!("read:    {:?}", result.read_user_id_list);
    println!("unread:  {:?}", result.unread_user_id_list);
    println!("failed:  {:?}", result.failed_user_id_list);
    println!("invalid: {:?}", result.invalid_user_id_list);

    let recalled = client.recall(&task)?; // refused locally after 24 hours
    println!("recalled (request_id {:?})", recalled.request_id);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `Display`, not `Debug`: the message ends with what to do about it.
            eprintln!("send_and_track: {e}");
            ExitCode::FAILURE
        }
    }
}
