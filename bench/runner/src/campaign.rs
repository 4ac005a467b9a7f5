//! `campaign`: what a campaign adds per chunk besides the send itself: planning (an
//! audience of `chunks` × 100 ids) and the SQLite ledger (the campaign's creation, then
//! `planned → sending → sent` for every chunk: two compare-and-set writes in WAL mode with
//! `synchronous=NORMAL`). `bench/run.sh` divides it by one loopback send.

use std::path::Path;
use std::time::{Instant, SystemTime};

use dingtalk_notify::kit::campaign::{
    Audience, CHUNK_LIMITS, CampaignId, CampaignPlan, CampaignRecord, ChunkEvent, SendVerdict,
};
use dingtalk_notify::ledger::{Ledger, SqliteLedger};
use dingtalk_notify::{Message, TaskHandle};

use crate::{AGENT, Result, TASK};

pub(crate) fn campaign(chunks: usize, dir: &Path) -> Result<()> {
    let path = dir.join(format!("bench-ledger-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let ledger = SqliteLedger::open(&path)?;
    let ids: Vec<String> = (0..chunks * 100)
        .map(|i| format!("manager{i:08}"))
        .collect();

    let start = Instant::now();
    let plan = CampaignPlan::new(
        AGENT,
        Message::text("Fire drill at 3pm"),
        Audience::users(ids),
        CHUNK_LIMITS,
    )?;
    let mut record = CampaignRecord::new(CampaignId::new("bench")?, plan, SystemTime::now());
    let planned = start.elapsed();

    let start = Instant::now();
    ledger.create(&record)?;
    for index in 0..record.chunks().len() {
        let now = SystemTime::now();
        let sending = record.transition(index, ChunkEvent::BeginSend, now)?;
        ledger.transition(record.id(), index, &sending.from, &sending.to)?;
        record.commit(&sending)?;
        let task = TaskHandle::new(AGENT, TASK + index as u64);
        let ended = ChunkEvent::SendEnded(SendVerdict::Accepted(task));
        let sent = record.transition(index, ended, now)?;
        ledger.transition(record.id(), index, &sent.from, &sent.to)?;
        record.commit(&sent)?;
    }
    let ledgered = start.elapsed();
    drop(ledger);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }

    let n = u128::try_from(chunks.max(1))?;
    crate::emit(&serde_json::json!({
        "mode": "campaign",
        "chunks": chunks,
        "plan_ns_per_chunk": planned.as_nanos() / n,
        "ledger_ns_per_chunk": ledgered.as_nanos() / n,
        "ns_per_chunk": (planned + ledgered).as_nanos() / n,
    }))
}
