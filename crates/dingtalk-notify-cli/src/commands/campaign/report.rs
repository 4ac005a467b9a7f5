//! `campaign report ID --format csv|json|html [--bom] [--output FILE]`: the per-person
//! report as a file to hand on, on stdout or in a file.

use std::collections::BTreeMap;
use std::io::Write as _;

use serde::Serialize;

use crate::cli::CampaignReportArgs;
use crate::exit::{Failure, Kind, TRANSPORT};
use crate::output::Output;
use crate::report::ReportFormat;
use crate::report::reminders::render_with_reminders;

use super::super::CliClient;
use super::super::fleet::Fleet;
use super::open;

/// With `--output`: what was written, and the totals.
#[derive(Debug, Serialize)]
struct WrittenDoc<'a> {
    campaign_id: &'a str,
    format: &'a str,
    output: String,
    people: usize,
    totals: BTreeMap<&'static str, usize>,
    /// The campaign's reminders, with how many each reached.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    reminders: &'a [crate::report::reminders::ReminderLine],
}

/// Refuses what cannot be honoured before anything is read: `--bom` outside CSV, and a CSV
/// or HTML report on stdout under `--json` (stdout carries one JSON document).
fn check(args: &CampaignReportArgs, out: Output) -> Result<(), Failure> {
    if args.bom && args.format != ReportFormat::Csv {
        return Err(Failure::invalid_input(format!(
            "--bom is for CSV only (a byte-order mark for Excel on Windows), not --format {}",
            format_name(args.format)
        )));
    }
    if out.is_json() && args.output.is_none() && args.format != ReportFormat::Json {
        return Err(Failure::invalid_input(format!(
            "--json prints one JSON document on stdout: give --output FILE for --format {}, \
             or use --format json",
            format_name(args.format)
        )));
    }
    Ok(())
}

fn format_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Csv => "csv",
        ReportFormat::Json => "json",
        ReportFormat::Html => "html",
    }
}

/// Runs `campaign report`.
///
/// # Errors
/// Exit 2 for `--bom` with another format than CSV, a bad id or ledger; exit 3 when the file
/// cannot be written.
pub(super) fn run(
    client: &CliClient,
    fleet: Option<&Fleet>,
    args: &CampaignReportArgs,
    out: Output,
) -> Result<(), Failure> {
    check(args, out)?;
    let (ledger, handle) = open(client, fleet, &args.campaign)?;
    let report = client.campaigns(ledger.as_ref()).report(&handle);
    let id = handle.id().as_str();
    let reminders = super::remind::reminders_of(client, ledger.as_ref(), &handle);
    let text = render_with_reminders(
        args.format,
        id,
        &report,
        &BTreeMap::new(),
        args.bom,
        &reminders,
    )
    .map_err(|e| Failure::plain(Kind::Other, TRANSPORT, format!("cannot render: {e}")))?;
    // User ids and DingTalk's messages are in the report; no secret may be.
    let text = crate::secrets::redact(&text);
    let Some(path) = &args.output else {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stdout.write_all(b"\n");
        }
        let _ = stdout.flush();
        return Ok(());
    };
    std::fs::write(path, text.as_bytes()).map_err(|e| {
        Failure::plain(
            Kind::Other,
            TRANSPORT,
            format!("cannot write the report to {}: {e}", path.display()),
        )
    })?;
    let totals: BTreeMap<&'static str, usize> = report
        .totals()
        .into_iter()
        .map(|(state, n)| (state.as_str(), n))
        .collect();
    let doc = WrittenDoc {
        campaign_id: id,
        format: format_name(args.format),
        output: path.display().to_string(),
        people: report.rows.len(),
        totals,
        reminders: &reminders.lines,
    };
    let counts: Vec<String> = report
        .totals()
        .into_iter()
        .rev()
        .filter(|(_, n)| *n > 0)
        .map(|(state, n)| format!("{} {n}", state.as_str()))
        .collect();
    let human = format!(
        "campaign {id}: report of {} people written to {} ({})",
        doc.people,
        doc.output,
        counts.join(", ")
    );
    out.answer(&human, &doc);
    Ok(())
}
