//! One notification to 250 people: a campaign of paced chunks of 100, kept in a SQLite
//! ledger (each chunk recorded before and after its call), followed as one, its result
//! merged so each user appears once. Feature `sqlite`.
//!
//! ```text
//! cargo run -p dingtalk-notify --example campaign_sqlite --features sqlite
//! ```
//!
//! With `DINGTALK_BASE_URL` set, the audience is `DINGTALK_USER` instead of 250 made-up ids.

mod common;

use std::process::ExitCode;

use dingtalk_notify::Message;
use dingtalk_notify::campaign::{Audience, CHUNK_LIMITS, CampaignPlan};
use dingtalk_notify::ledger::SqliteLedger;

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target()?;
    let client = dingtalk_notify::client_at(&target.base_url, target.source)?;
    let staff: Vec<String> = match target.simulator {
        Some(_) => (0..250).map(|i| format!("staff{i:03}")).collect(),
        None => target.users.clone(),
    };

    let path = std::env::temp_dir().join(format!("campaign-example-{}.db", std::process::id()));
    let ledger = SqliteLedger::open(&path)?; // created if missing; MemoryLedger needs no feature
    let plan = CampaignPlan::new(
        target.agent_id,
        Message::text("Fire drill at 3pm"),
        Audience::users(staff),
        CHUNK_LIMITS, // at most 100 users or 20 departments a call
    )?;
    let campaigns = client.campaigns(&ledger);
    let campaign = campaigns.start(plan)?; // the id is in the ledger before anything is sent
    println!(
        "campaign {}: {} chunks sent, ambiguous {:?}, failed {}",
        campaign.id(),
        campaign.tasks().count(),
        campaign.ambiguous(),
        campaign.failed().len()
    );

    let progress = campaigns.track(&campaign, |p| {
        println!("  delivered {}%", p.progress_in_percent);
    })?;
    println!("finished: {}", progress.is_finished());
    let result = campaigns.result(&campaign); // one getsendresult per chunk, merged
    println!(
        "read {}, unread {}, failed {}; chunks without a result: {}",
        result.send_result.read_user_id_list.len(),
        result.send_result.unread_user_id_list.len(),
        result.send_result.failed_user_id_list.len(),
        result.problems.len()
    );

    // Another process (after a crash, say) opens the same file and finds the campaign:
    // `resume` would send only the chunks never sent (here: none).
    let reopened = SqliteLedger::open(&path)?;
    let loaded = client.campaigns(&reopened).load(campaign.id())?;
    println!(
        "reloaded from {}: complete {}",
        path.display(),
        loaded.is_complete()
    );
    // Every call the campaign spent (sends, progress, results, token), kept in the ledger.
    println!("calls spent: {:?}", loaded.record().header().calls);
    drop(reopened);
    drop(ledger);
    std::fs::remove_file(&path)?;
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campaign_sqlite: {e}");
            ExitCode::FAILURE
        }
    }
}
