//! A campaign's per-person report as a file to hand on: CSV, JSON or one self-contained
//! HTML page (`campaign report ID --format csv|json|html`).

pub mod csv;
pub mod html;
pub mod reminders;

use std::collections::BTreeMap;

use dingtalk_notify::DeptId;
use dingtalk_notify::campaign::CampaignReport;

/// The formats of `campaign report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One line per person (`user_id,state,code,dept_ids,chunk,task_id,…`).
    Csv,
    /// `{"campaign_id", "totals": {state: n}, "rows": [...]}`.
    Json,
    /// One self-contained page: totals, read rate per department, the people not reached.
    Html,
}

/// The report rendered as `format`: the whole file's text.
///
/// # Errors
/// Only if encoding fails in memory (it does not for these types).
pub fn render(
    format: ReportFormat,
    campaign_id: &str,
    report: &CampaignReport,
    dept_names: &BTreeMap<DeptId, String>,
    bom: bool,
) -> Result<String, String> {
    match format {
        ReportFormat::Csv => csv::render(report, bom).map_err(|e| e.to_string()),
        ReportFormat::Html => Ok(html::render(campaign_id, report, dept_names)),
        ReportFormat::Json => {
            let totals: BTreeMap<&str, usize> = report
                .totals()
                .into_iter()
                .map(|(state, n)| (state.as_str(), n))
                .collect();
            serde_json::to_string(&serde_json::json!({
                "campaign_id": campaign_id,
                "totals": totals,
                "rows": report.rows,
            }))
            .map_err(|e| e.to_string())
        }
    }
}
