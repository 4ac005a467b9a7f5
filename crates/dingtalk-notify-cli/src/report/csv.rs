//! `campaign report --format csv`: one line per person, written by the `csv` crate.

use dingtalk_notify::campaign::{CampaignReport, ReportRow};

/// The columns, in order; the first six are a stable contract, more may follow.
pub const HEADER: [&str; 7] = [
    "user_id", "state", "code", "dept_ids", "chunk", "task_id", "detail",
];

/// The UTF-8 byte-order mark Excel on Windows needs to read the file as UTF-8.
const BOM: &str = "\u{feff}";

/// The report as CSV (RFC 4180 quoting, `\n` line ends), with a byte-order mark first when
/// `bom`. `dept_ids` are separated by `;`. A cell a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a CR) is written with a leading `'`: user ids
/// and error messages come from files and servers.
///
/// # Errors
/// Only if the CSV writer fails in memory (it does not).
pub fn render(report: &CampaignReport, bom: bool) -> Result<String, csv::Error> {
    render_with(report, bom, &[], |_| Vec::new())
}

/// [`render`] with more columns after [`HEADER`]: `extra_header`, and `extra(row)`'s cells
/// for each row (written inert, like the others).
///
/// # Errors
/// Only if the CSV writer fails in memory (it does not).
pub fn render_with(
    report: &CampaignReport,
    bom: bool,
    extra_header: &[&str],
    extra: impl Fn(&ReportRow) -> Vec<String>,
) -> Result<String, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(HEADER.iter().chain(extra_header))?;
    for row in &report.rows {
        let more = extra(row).into_iter().map(|cell| inert(&cell));
        writer.write_record(record(row).into_iter().chain(more))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(if bom {
        format!("{BOM}{text}")
    } else {
        text.into_owned()
    })
}

fn record(row: &ReportRow) -> [String; 7] {
    let opt = |v: Option<String>| v.unwrap_or_default();
    [
        inert(&row.user_id),
        row.state.as_str().to_owned(),
        opt(row.code.map(|c| c.get().to_string())),
        row.dept_ids
            .iter()
            .map(|d| d.get().to_string())
            .collect::<Vec<_>>()
            .join(";"),
        opt(row.chunk.map(|c| c.to_string())),
        opt(row.task_id.map(|t| t.get().to_string())),
        inert(row.detail.as_deref().unwrap_or_default()),
    ]
}

/// A cell a spreadsheet will not evaluate (OWASP's CSV-injection advice).
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dingtalk_notify::api::{ForbiddenEntry, SendResult};
    use dingtalk_notify::campaign::{ProblemKind, ReportBuilder};
    use dingtalk_notify::{DeptId, ErrorCode, TaskId};

    fn report() -> CampaignReport {
        let mut result = SendResult::default();
        result.read_user_id_list = vec!["ann".into()];
        result.forbidden_list = vec![ForbiddenEntry::new(ErrorCode::new(143106), 1, "=bob")];
        let mut b = ReportBuilder::new();
        b.add_result(0, TaskId(77), &result);
        b.add_problem(
            1,
            None,
            ProblemKind::Ambiguous,
            "timed out, \"maybe\"",
            ["cy,2".to_string()],
        );
        b.set_departments("ann", [DeptId(2), DeptId(30)]);
        b.finish()
    }

    #[test]
    fn rows_parse_back_with_the_documented_header() {
        let text = render(&report(), false).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header[..6],
            ["user_id", "state", "code", "dept_ids", "chunk", "task_id"]
        );
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows[0][..6], ["ann", "read", "", "2;30", "0", "77"]);
        assert_eq!(
            rows[1][..6],
            ["'=bob", "forbidden", "143106", "", "0", "77"]
        );
        assert_eq!(rows[2][0], "cy,2");
        assert_eq!(rows[2][1], "ambiguous");
        assert_eq!(rows[2][6], "timed out, \"maybe\"");
        assert!(!text.contains('\r'));
    }

    #[test]
    fn the_byte_order_mark_is_optional_and_first() {
        assert!(!render(&report(), false).unwrap().starts_with(BOM));
        let with = render(&report(), true).unwrap();
        assert!(with.starts_with("\u{feff}user_id,state,"));
    }
}
