//! A campaign's reminders in its report: each reminder (and a reminder's reminders) with how
//! many it reached; in CSV, each person's latest reminder and their state in it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use dingtalk_notify::DeptId;
use dingtalk_notify::campaign::{CampaignReport, PersonState};
use serde::Serialize;

use super::{ReportFormat, csv, render};

/// One reminder of the campaign (or of one of its reminders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderLine {
    /// The reminder's campaign id.
    pub campaign_id: String,
    /// The campaign it reminds.
    pub parent: String,
    /// The people it was sent to.
    pub recipients: usize,
    /// Of them, known to have it (read or unread).
    pub reached: usize,
    /// Of them, read it.
    pub read: usize,
}

/// The reminders of a campaign, oldest first, and each person's latest reminder.
#[derive(Debug, Clone, Default)]
pub struct Reminders {
    /// Every reminder, a parent before its reminders.
    pub lines: Vec<ReminderLine>,
    /// Per user id: the latest reminder that went to them, and their state in it.
    latest: HashMap<String, (String, PersonState)>,
}

impl Reminders {
    /// Adds the reminder `campaign_id` of `parent` with its own report (after its parent).
    pub fn add(&mut self, campaign_id: &str, parent: &str, report: &CampaignReport) {
        let count = |f: fn(PersonState) -> bool| report.rows.iter().filter(|r| f(r.state)).count();
        self.lines.push(ReminderLine {
            campaign_id: campaign_id.to_owned(),
            parent: parent.to_owned(),
            recipients: report.rows.len(),
            reached: count(PersonState::is_reached),
            read: count(|s| s == PersonState::Read),
        });
        for row in &report.rows {
            self.latest
                .insert(row.user_id.clone(), (campaign_id.to_owned(), row.state));
        }
    }
}

/// The columns CSV adds when the campaign has reminders.
pub const CSV_COLUMNS: [&str; 2] = ["reminder_id", "reminder_state"];

/// [`render`], with the reminders: JSON gets `"reminders": [...]`, HTML a section, CSV the
/// [`CSV_COLUMNS`] (each person's latest reminder and their state in it). Without
/// reminders, CSV and HTML are exactly [`render`]'s.
///
/// # Errors
/// As [`render`].
pub fn render_with_reminders(
    format: ReportFormat,
    campaign_id: &str,
    report: &CampaignReport,
    dept_names: &BTreeMap<DeptId, String>,
    bom: bool,
    reminders: &Reminders,
) -> Result<String, String> {
    match format {
        ReportFormat::Csv if !reminders.lines.is_empty() => {
            csv::render_with(report, bom, &CSV_COLUMNS, |row| {
                match reminders.latest.get(&row.user_id) {
                    Some((id, state)) => vec![id.clone(), state.as_str().to_owned()],
                    None => vec![String::new(), String::new()],
                }
            })
            .map_err(|e| e.to_string())
        }
        ReportFormat::Json => {
            let text = render(format, campaign_id, report, dept_names, bom)?;
            let mut doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if let Some(map) = doc.as_object_mut() {
                let lines = serde_json::to_value(&reminders.lines).map_err(|e| e.to_string())?;
                map.insert("reminders".to_owned(), lines);
            }
            serde_json::to_string(&doc).map_err(|e| e.to_string())
        }
        ReportFormat::Html if !reminders.lines.is_empty() => {
            let page = render(format, campaign_id, report, dept_names, bom)?;
            let end = "</body></html>";
            let at = page.rfind(end).unwrap_or(page.len());
            let (head, tail) = page.split_at(at);
            Ok(format!("{head}{}{tail}", html_section(&reminders.lines)))
        }
        _ => render(format, campaign_id, report, dept_names, bom),
    }
}

fn html_section(lines: &[ReminderLine]) -> String {
    let mut s = format!(
        "<section id=\"reminders\"><h2>Reminders: {}</h2><table><thead><tr><th>campaign</th>\
         <th>reminds</th><th>sent to</th><th>reached</th><th>read</th></tr></thead><tbody>",
        lines.len()
    );
    for l in lines {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            super::html::esc(&l.campaign_id),
            super::html::esc(&l.parent),
            l.recipients,
            l.reached,
            l.read
        );
    }
    s.push_str("</tbody></table></section>\n");
    s
}

#[cfg(test)]
mod tests {
    use dingtalk_notify::TaskId;
    use dingtalk_notify::api::SendResult;
    use dingtalk_notify::campaign::ReportBuilder;

    use super::*;

    fn report(read: &[&str], unread: &[&str]) -> CampaignReport {
        let mut result = SendResult::default();
        result.read_user_id_list = read.iter().map(|s| s.to_string()).collect();
        result.unread_user_id_list = unread.iter().map(|s| s.to_string()).collect();
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result);
        b.finish()
    }

    fn reminders() -> Reminders {
        let mut r = Reminders::default();
        r.add("c-r1", "c-p", &report(&["bob"], &["cy"]));
        r.add("c-r2", "c-r1", &report(&[], &["cy"]));
        r
    }

    #[test]
    fn every_format_shows_the_reminders() {
        let parent = report(&["ann"], &["bob", "cy"]);
        let names = BTreeMap::new();
        let r = reminders();
        let csv =
            render_with_reminders(ReportFormat::Csv, "c-p", &parent, &names, false, &r).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].ends_with(",reminder_id,reminder_state"),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("ann,read,") && lines[1].ends_with(",,"));
        assert!(lines[2].starts_with("bob,unread,") && lines[2].ends_with(",c-r1,read"));
        assert!(lines[3].ends_with(",c-r2,unread"), "{}", lines[3]);
        let json =
            render_with_reminders(ReportFormat::Json, "c-p", &parent, &names, false, &r).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(doc["reminders"][0]["campaign_id"], "c-r1");
        assert_eq!(doc["reminders"][0]["reached"], 2);
        assert_eq!(doc["reminders"][0]["read"], 1);
        assert_eq!(doc["reminders"][1]["parent"], "c-r1");
        assert_eq!(doc["rows"].as_array().unwrap().len(), 3);
        let html =
            render_with_reminders(ReportFormat::Html, "c-p", &parent, &names, false, &r).unwrap();
        assert!(html.contains("<h2>Reminders: 2</h2>"));
        assert!(html.trim_end().ends_with("</section>\n</body></html>"));
    }

    #[test]
    fn without_reminders_csv_and_html_are_unchanged() {
        let parent = report(&["ann"], &["bob"]);
        let names = BTreeMap::new();
        let none = Reminders::default();
        for format in [ReportFormat::Csv, ReportFormat::Html] {
            assert_eq!(
                render_with_reminders(format, "c", &parent, &names, false, &none).unwrap(),
                render(format, "c", &parent, &names, false).unwrap()
            );
        }
    }
}
