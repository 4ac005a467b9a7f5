//! `campaign report --format html`: one self-contained page (no script, no request to the
//! network): the totals as a bar, the read rate per department as an inline SVG chart
//! (when departments are known), and the people not reached, with why.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dingtalk_notify::DeptId;
use dingtalk_notify::campaign::{CampaignReport, PersonState, ReportRow};

/// A colour per state, for the totals bar and its legend.
fn colour(state: PersonState) -> &'static str {
    match state {
        PersonState::Read => "#2e7d32",
        PersonState::Unread => "#9ccc65",
        PersonState::ResultUnavailable => "#90a4ae",
        PersonState::Ambiguous => "#ffb300",
        PersonState::Failed => "#e53935",
        PersonState::Forbidden => "#8e24aa",
        PersonState::Invalid => "#6d4c41",
        PersonState::NotSent => "#bdbdbd",
    }
}

/// Text made safe inside HTML: markup characters escaped, control and invisible formatting
/// characters (bidi overrides) written as escapes. Server-controlled text goes through here.
pub(super) fn esc(text: &str) -> String {
    let printable = crate::output::printable(text);
    let mut out = String::with_capacity(printable.len());
    for c in printable.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page, titled with the campaign's id; `dept_names` labels departments whose names
/// are known (the others show their id).
pub fn render(
    title: &str,
    report: &CampaignReport,
    dept_names: &BTreeMap<DeptId, String>,
) -> String {
    let mut page = String::with_capacity(4096 + report.rows.len() * 96);
    let title = esc(title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>Campaign {title}</title><style>{STYLE}</style></head><body>\n\
         <h1>Campaign {title}</h1>\n"
    );
    totals(&mut page, report);
    departments(&mut page, report, dept_names);
    not_reached(&mut page, report);
    page.push_str("</body></html>\n");
    page
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#212121}\
    .bar{display:flex;height:2em;width:100%;border:1px solid #757575}\
    .bar div{height:100%}\
    .legend span{display:inline-block;margin-right:1.2em}\
    .legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\
    table{border-collapse:collapse}td,th{border:1px solid #bdbdbd;padding:.2em .6em;text-align:left}";

fn totals(page: &mut String, report: &CampaignReport) {
    let people = report.rows.len();
    let _ = write!(
        page,
        "<section id=\"totals\"><h2>{people} people</h2><div class=\"bar\" role=\"img\" aria-label=\"totals\">"
    );
    let totals = report.totals();
    for (state, n) in totals.iter().rev().filter(|(_, n)| *n > 0) {
        // Percent of the width, at least a sliver so a small state stays visible.
        let percent = (*n as f64 * 100.0 / people.max(1) as f64).max(0.5);
        let _ = write!(
            page,
            "<div class=\"state-{name}\" style=\"width:{percent:.3}%;background:{c}\" title=\"{name}: {n}\"></div>",
            name = state.as_str(),
            c = colour(*state),
        );
    }
    page.push_str("</div><p class=\"legend\">");
    for (state, n) in totals.iter().rev() {
        let _ = write!(
            page,
            "<span><i style=\"background:{c}\"></i>{name}: <b class=\"count-{name}\">{n}</b></span>",
            name = state.as_str(),
            c = colour(*state),
        );
    }
    page.push_str("</p></section>\n");
}

fn departments(page: &mut String, report: &CampaignReport, names: &BTreeMap<DeptId, String>) {
    let depts = report.by_department();
    if depts.is_empty() {
        return;
    }
    const ROW: usize = 26;
    const LABEL: usize = 220;
    const WIDTH: usize = 400;
    let height = depts.len() * ROW + 10;
    let _ = write!(
        page,
        "<section id=\"departments\"><h2>Read rate per department</h2>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" role=\"img\" aria-label=\"read rate per department\">",
        w = LABEL + WIDTH + 160,
    );
    for (i, (dept, tally)) in depts.iter().enumerate() {
        let y = i * ROW + 5;
        let label = names
            .get(dept)
            .map_or_else(|| format!("department {}", dept.get()), |n| esc(n));
        let rate = tally.read_rate();
        let bar = (rate * WIDTH as f64).round();
        let _ = write!(
            page,
            "<g class=\"dept\" data-dept=\"{id}\"><text x=\"0\" y=\"{ty}\" font-size=\"13\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{WIDTH}\" height=\"18\" fill=\"#eeeeee\"/>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{bar}\" height=\"18\" fill=\"{c}\"/>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"13\">{pct:.0}% ({read}/{people})</text></g>",
            id = dept.get(),
            ty = y + 14,
            tx = LABEL + WIDTH + 6,
            c = colour(PersonState::Read),
            pct = rate * 100.0,
            read = tally.read,
            people = tally.people,
        );
    }
    page.push_str("</svg></section>\n");
}

/// Why a person was not reached, in words: the code and what it means for `forbidden`,
/// the chunk's error or problem for the others, and what the state means when nothing
/// more is known.
fn why(row: &ReportRow) -> String {
    if let Some(code) = row.code {
        return match code.description() {
            Some(meaning) => format!("{} ({meaning})", code.get()),
            None => format!("code {}", code.get()),
        };
    }
    if let Some(detail) = row.detail.as_deref().filter(|d| !d.is_empty()) {
        return detail.to_owned();
    }
    match row.state {
        PersonState::Invalid => "no such user",
        PersonState::Failed => "DingTalk could not deliver it",
        PersonState::Forbidden => "held back by a limit",
        PersonState::Ambiguous => "the send may or may not have arrived",
        PersonState::ResultUnavailable => "sent; who read it cannot be read",
        PersonState::NotSent => "not sent",
        PersonState::Read | PersonState::Unread => "",
    }
    .to_owned()
}

fn not_reached(page: &mut String, report: &CampaignReport) {
    let rows: Vec<_> = report.not_reached().collect();
    let _ = write!(
        page,
        "<section id=\"not-reached\"><h2>Not reached: {}</h2>",
        rows.len()
    );
    if rows.is_empty() {
        page.push_str("<p>Everyone has the message.</p></section>\n");
        return;
    }
    page.push_str(
        "<table><thead><tr><th>user id</th><th>state</th><th>why</th></tr></thead><tbody>",
    );
    for row in rows {
        let why = esc(&why(row));
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{why}</td></tr>",
            esc(&row.user_id),
            row.state.as_str(),
        );
    }
    page.push_str("</tbody></table></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_notify::TaskId;
    use dingtalk_notify::api::SendResult;
    use dingtalk_notify::campaign::{ProblemKind, ReportBuilder};

    #[test]
    fn hostile_text_is_inert() {
        let mut b = ReportBuilder::new();
        b.add_problem(
            0,
            None,
            ProblemKind::Ambiguous,
            "<script>alert(1)</script>\u{202e}",
            ["<img src=x onerror=alert(1)>".to_string()],
        );
        let page = render("c1<b>", &b.finish(), &BTreeMap::new());
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("<b>"));
        assert!(!page.contains('\u{202e}'));
        assert!(page.contains("&lt;script&gt;"));
    }

    #[test]
    fn nothing_is_loaded_from_the_network() {
        let mut result = SendResult::default();
        result.read_user_id_list = vec!["a".into()];
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result);
        b.set_departments("a", [DeptId(5)]);
        let page = render(
            "c",
            &b.finish(),
            &BTreeMap::from([(DeptId(5), "Sales".into())]),
        );
        for needle in ["src=", "href=", "<script", "@import", "url("] {
            assert!(!page.contains(needle), "{needle}");
        }
        assert!(page.contains("<svg"));
        assert!(page.contains("Sales"));
        assert!(page.contains("100% (1/1)"));
    }

    #[test]
    fn every_person_not_reached_says_why() {
        let mut result = SendResult::default();
        result.invalid_user_id_list = vec!["ghost".into()];
        result.failed_user_id_list = vec!["away".into()];
        result.forbidden_list = vec![dingtalk_notify::api::ForbiddenEntry::new(
            dingtalk_notify::ErrorCode::DUPLICATE_CONTENT,
            1,
            "dup",
        )];
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(1), &result);
        let page = render("c", &b.finish(), &BTreeMap::new());
        assert!(page.contains("<td>ghost</td><td>invalid</td><td>no such user</td>"));
        assert!(
            page.contains("<td>away</td><td>failed</td><td>DingTalk could not deliver it</td>")
        );
        assert!(page.contains("<td>dup</td><td>forbidden</td><td>143106 (duplicate content"));
    }

    /// The page of docs/report.png: 1,000 people in four departments, every state present.
    /// `cargo test -p dingtalk-notify-cli --bin dingtalk-notify -- --ignored readme_picture`
    /// writes it to target/report-demo.html; then
    /// `chromium --headless --no-sandbox --disable-gpu --screenshot=docs/report.png
    /// --window-size=1000,800 file://$PWD/target/report-demo.html`.
    #[test]
    #[ignore = "writes the README's picture"]
    fn readme_picture() {
        use dingtalk_notify::ErrorCode;
        use dingtalk_notify::api::ForbiddenEntry;
        let depts = [
            (10, "Sales"),
            (20, "Engineering"),
            (30, "Finance"),
            (40, "Warehouse"),
        ];
        let mut b = ReportBuilder::new();
        for chunk in 0..10usize {
            let users: Vec<String> = (chunk * 100..chunk * 100 + 100)
                .map(|i| format!("emp{i:04}"))
                .collect();
            if chunk == 7 {
                b.add_problem(
                    chunk,
                    None,
                    ProblemKind::Ambiguous,
                    "transport failed: connection reset",
                    users,
                );
                continue;
            }
            if chunk == 9 {
                b.add_problem(
                    chunk,
                    Some(TaskId(256_271_667_009)),
                    ProblemKind::ResultUnavailable,
                    "task sent 24 hours ago or more: its result is gone",
                    users,
                );
                continue;
            }
            let mut r = SendResult::default();
            for (k, u) in users.iter().enumerate() {
                let slot = (k * 7 + chunk * 13) % 100;
                let dept = (chunk * 100 + k) * 7 % 4;
                match slot {
                    0..=2 => r.forbidden_list.push(ForbiddenEntry::new(
                        ErrorCode::DUPLICATE_CONTENT,
                        1,
                        u.as_str(),
                    )),
                    3 => r.invalid_user_id_list.push(u.clone()),
                    4 | 5 => r.failed_user_id_list.push(u.clone()),
                    s if s <= 12 + dept * 12 => r.unread_user_id_list.push(u.clone()),
                    _ => r.read_user_id_list.push(u.clone()),
                }
            }
            b.add_result(chunk, TaskId(256_271_667_000 + chunk as u64), &r);
        }
        for i in 0..1000usize {
            b.set_departments(&format!("emp{i:04}"), [DeptId(depts[i * 7 % 4].0)]);
        }
        let names = depts
            .iter()
            .map(|(id, n)| (DeptId(*id), (*n).to_owned()))
            .collect();
        let page = render("c-2026-12-07-benefits", &b.finish(), &names);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/report-demo.html");
        std::fs::write(path, page).unwrap();
    }
}
