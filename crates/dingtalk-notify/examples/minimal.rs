//! The smallest useful sender: fetch a token, send one text notification, read its
//! progress. It is what the footprint figures in BENCHMARKS.md measure (crates, stripped
//! size with the `min-size` profile, peak RSS, clean build time).
//!
//! ```text
//! DINGTALK_APP_KEY=… DINGTALK_APP_SECRET=… DINGTALK_AGENT_ID=… DINGTALK_USER=… \
//!     cargo run --profile min-size -p dingtalk-notify --example minimal
//! ```
//!
//! `DINGTALK_BASE_URL` points it elsewhere than DingTalk (`bench/run.sh` points it at the
//! simulator on loopback); unset, it talks to the international host.

use std::env;
use std::process::ExitCode;

use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, TokenSource};

fn var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|_| format!("set {name}"))
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let source = TokenSource::app(var("DINGTALK_APP_KEY")?, var("DINGTALK_APP_SECRET")?);
    let agent_id: u64 = var("DINGTALK_AGENT_ID")?
        .parse()
        .map_err(|_| "DINGTALK_AGENT_ID is a number")?;
    let mut builder = Client::builder(source);
    if let Ok(base) = env::var("DINGTALK_BASE_URL") {
        builder = builder.base_url(BaseUrl::new(&base)?);
    }
    let client = builder.build(UreqTransport::new());

    client.access_token()?;
    let send = SendWorkNotification::new(agent_id, Message::text("Disk 91% on db-3"))
        .to_users([var("DINGTALK_USER")?]);
    let task = client.send(&send)?;
    let progress = client.progress(&task)?;
    println!(
        "task {}: {}% ({:?})",
        task.task_id.get(),
        progress.progress_in_percent,
        progress.status
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minimal: {e}");
            ExitCode::FAILURE
        }
    }
}
