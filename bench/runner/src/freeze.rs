//! `people-freeze`: a campaign of a generated organisation's `--people` (1,000,000 by
//! default, 20 per department), planned and frozen in a SQLite ledger: the whole
//! organisation resolved on the simulator over the client and ureq on loopback, then its
//! people written into the ledger before any send (`Campaigns::create_people`, then
//! `Campaigns::freeze`; nothing is sent).
//!
//! This process serves the simulator (its per-app QPS limit lifted: the cost of freezing is
//! measured, not the pace) and runs the campaign in a child process (`people-freeze-child`),
//! so the child's peak RSS (`VmHWM`, read right after the freeze) is the freezing process's
//! alone. The child closes the ledger (SQLite checkpoints its WAL into the file) and
//! reports the file's size per person.

use std::path::Path;
use std::process::Command;

use dingtalk_notify::campaign::PeopleAudience;
use dingtalk_notify::kit::resolve::{AudienceQuery, ResolveConfig};
use dingtalk_notify::ledger::SqliteLedger;
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, Message, TokenSource};
use dingtalk_notify_mock::{DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer};

use crate::Result;
use crate::cpu::Measure;

/// The parent: serve the organisation, run the child in `dir`, print its row.
pub(crate) fn freeze(people: usize, seed: u64, dir: &Path) -> Result<()> {
    let org = Directory::generated(people, seed);
    let departments = org.department_count();
    let server = MockServer::builder()
        .directory(org)
        .contact_qps(None)
        .start()?;
    std::fs::create_dir_all(dir)?;
    let output = Command::new(std::env::current_exe()?)
        .args(["people-freeze-child", "--base", &server.base_url(), "--dir"])
        .arg(dir)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "the freezing child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut row: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let object = row.as_object_mut().ok_or("the child printed no object")?;
    object.insert("mode".into(), "people-freeze".into());
    object.insert("org_people".into(), people.into());
    object.insert("departments".into(), departments.into());
    crate::emit(&row)
}

/// The child: create, resolve and freeze; read the peak RSS; close the ledger; measure it.
pub(crate) fn child(base: &BaseUrl, dir: &Path) -> Result<()> {
    let client = Client::builder(TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET))
        .base_url(base.clone())
        .build(UreqTransport::default());
    client.access_token()?;
    let path = dir.join("people.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let ledger = SqliteLedger::open(&path)?;
    let campaigns = client.campaigns(&ledger);
    let people = PeopleAudience::new(AudienceQuery::new().whole_organization())
        .config(ResolveConfig::default().per_second(u32::MAX));
    let measure = Measure::start()?;
    let created =
        campaigns.create_people(DEMO_AGENT_ID, Message::text("Payslips are out"), people)?;
    let frozen = campaigns.freeze(created.id())?;
    let took = measure.stop()?;
    let peak_rss_kb = crate::resolve::peak_rss_kb()?;
    let record = frozen.record();
    let people = record.people().count();
    let chunks = record.chunks().len();
    let with_departments = record.people().filter(|(_, d)| !d.is_empty()).count();
    drop(frozen);
    drop(ledger); // closes the connection: the WAL is checkpointed into the file
    let mut bytes = 0u64;
    for suffix in ["", "-wal", "-shm"] {
        bytes += std::fs::metadata(format!("{}{suffix}", path.display())).map_or(0, |m| m.len());
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    crate::emit(&serde_json::json!({
        "people": people,
        "chunks": chunks,
        "with_departments": with_departments,
        "peak_rss_kb": peak_rss_kb,
        "ledger_bytes": bytes,
        "ledger_bytes_per_person": bytes as f64 / people.max(1) as f64,
        "cpu_ns": took.cpu_ns(),
        "wall_ns": took.wall_ns(),
    }))
}
