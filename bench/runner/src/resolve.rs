//! `resolve`: resolving a generated organisation (`--people`, 20 per department: 100,000
//! people are 5,000 departments) on the simulator, over the client and ureq on loopback.
//!
//! This process serves the simulator (its per-app QPS limit lifted: pacing is tested
//! elsewhere; here the cost is measured) and runs the resolution in a child process
//! (`resolve-child`), so the child's peak RSS (`VmHWM` from `/proc/self/status`, read right
//! after the resolution) is the resolving process's alone. The child measures, in order:
//!
//! 1. the resolution end to end (`Client::resolve_audience`), its process CPU time and wall;
//! 2. its peak RSS;
//! 3. the same resolution rebuilt from its saved answers (`resume_from`, no call): the
//!    resolution's own CPU (parsing, dedup, the plan) without the IO;
//! 4. one loopback call's CPU, the median of rounds of `listsubid` calls to the same
//!    simulator through the same client.
//!
//! The parent adds the simulator's count of contact calls (the witness of calls per
//! department) and prints one JSON line.

use std::process::Command;

use dingtalk_notify::kit::api::ListSubDepartmentIds;
use dingtalk_notify::resolve::{AudienceQuery, ResolveConfig, SavedAnswer};
use dingtalk_notify::ureq::UreqTransport;
use dingtalk_notify::{BaseUrl, Client, TokenSource};
use dingtalk_notify_mock::{DEMO_APP_KEY, DEMO_APP_SECRET, Directory, MockServer, Route};

use crate::Result;
use crate::cpu::Measure;

/// The parent: serve the organisation, run the child, add the simulator's counts.
pub(crate) fn resolve(people: usize, seed: u64) -> Result<()> {
    let org = Directory::generated(people, seed);
    let departments = org.department_count();
    let server = MockServer::builder()
        .directory(org)
        .contact_qps(None)
        .start()?;
    let output = Command::new(std::env::current_exe()?)
        .args(["resolve-child", "--base", &server.base_url()])
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "the resolving child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut row: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let calls = server.contact_calls(Route::Any);
    let throttled = server.contact_throttled(Route::Any);
    let resolved = row["people"].as_u64().unwrap_or(0);
    let per_call = row["loopback_call_cpu_ns"].as_f64().unwrap_or(f64::NAN);
    let ratio = |ns: &str| row[ns].as_f64().unwrap_or(f64::NAN) / resolved as f64 / per_call;
    let own = ratio("replay_cpu_ns");
    let end_to_end = ratio("resolve_cpu_ns");
    let object = row.as_object_mut().ok_or("the child printed no object")?;
    object.insert("mode".into(), "resolve".into());
    object.insert("org_people".into(), people.into());
    object.insert("departments".into(), departments.into());
    // Calls the simulator answered for the first resolution: all, less the child's later ones.
    let baseline = object
        .get("later_calls")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let resolve_calls = calls.saturating_sub(baseline);
    object.insert("simulator_contact_calls".into(), resolve_calls.into());
    object.insert("simulator_90018".into(), throttled.into());
    object.insert(
        "calls_per_department".into(),
        (resolve_calls as f64 / departments as f64).into(),
    );
    object.insert("cpu_per_person_over_loopback_call".into(), own.into());
    object.insert(
        "cpu_per_person_over_loopback_call_end_to_end".into(),
        end_to_end.into(),
    );
    crate::emit(&row)
}

/// The child: resolve, read the peak RSS, replay, then measure one loopback call.
pub(crate) fn child(base: &BaseUrl) -> Result<()> {
    let client = Client::builder(TokenSource::app(DEMO_APP_KEY, DEMO_APP_SECRET))
        .base_url(base.clone())
        .build(UreqTransport::default());
    client.access_token()?;
    let query = AudienceQuery::new().whole_organization();
    // No pacing here: the simulator's limit is lifted, and the cost is what is measured.
    let config = ResolveConfig::default().per_second(u32::MAX);

    let measure = Measure::start()?;
    let audience = client.resolver(&query).config(config).run()?;
    let resolved = measure.stop()?;
    let peak_rss_kb = peak_rss_kb()?;
    let people = audience.recipient_count();
    let calls = audience.calls();
    let with_departments = audience
        .recipients()
        .filter(|p| p.departments().next().is_some())
        .count();
    drop(audience);

    let mut saved: Vec<SavedAnswer> = Vec::new();
    let saved_calls = client
        .resolver(&query)
        .config(config)
        .on_answer(&mut saved)
        .run()?
        .calls();
    let measure = Measure::start()?;
    let replayed = client
        .resolver(&query)
        .config(config)
        .resume_from(&saved)
        .run()?;
    let replay = measure.stop()?;
    if replayed.recipient_count() != people || replayed.calls() != 0 {
        return Err("the replay differs from the resolution".into());
    }

    let probe = ListSubDepartmentIds::new(2);
    let mut per_call = Vec::new();
    let (rounds, batch) = (7u64, 300u64);
    for _ in 0..rounds {
        let measure = Measure::start()?;
        for _ in 0..batch {
            client.call(&probe)?;
        }
        per_call.push(measure.stop()?.cpu_ns() as f64 / batch as f64);
    }
    per_call.sort_by(f64::total_cmp);
    let loopback = per_call[per_call.len() / 2];

    crate::emit(&serde_json::json!({
        "people": people,
        "with_departments": with_departments,
        "client_calls": calls,
        "resolve_cpu_ns": resolved.cpu_ns(),
        "resolve_wall_ns": resolved.wall_ns(),
        "replay_cpu_ns": replay.cpu_ns(),
        "saved_answers": saved.len(),
        "saved_bytes": saved.iter().map(|a| a.body.len()).sum::<usize>(),
        "peak_rss_kb": peak_rss_kb,
        "loopback_call_cpu_ns": loopback,
        // The calls made after the measured resolution: its saved rerun's and the probe's.
        "later_calls": saved_calls + rounds * batch,
    }))
}

/// This process's peak resident set (`VmHWM`), in kB.
pub(crate) fn peak_rss_kb() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}
