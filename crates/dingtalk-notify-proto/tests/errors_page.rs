//! `docs/errors.md` against the code: every row of its tables is parsed and compared with
//! [`ErrorCode`] and the tracking windows, so the page cannot drift from what the client does.

use std::collections::BTreeSet;
use std::time::Duration;

use dingtalk_notify_proto::tracking::Operation;
use dingtalk_notify_proto::{ErrorClass, ErrorCode};

const PAGE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"));

/// The body rows of the first table after `heading`, as trimmed cells.
fn table(heading: &str) -> Vec<Vec<String>> {
    let start = PAGE
        .find(heading)
        .unwrap_or_else(|| panic!("docs/errors.md has no {heading:?}"));
    let rows: Vec<Vec<String>> = PAGE[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the header and the |---| line
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{heading:?} has an empty table");
    rows
}

/// `` `40014` `` → `40014`.
fn unquote(cell: &str) -> &str {
    cell.trim_matches('`')
}

fn code_of(cell: &str) -> ErrorCode {
    let raw = unquote(cell)
        .parse()
        .unwrap_or_else(|_| panic!("{cell:?} is not a code"));
    ErrorCode::new(raw)
}

/// What the "what the client does" column must say for each class.
fn action_words(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Retryable => "retries with backoff",
        ErrorClass::Throttled => "at least 1 s",
        ErrorClass::Banned => "ban floor",
        ErrorClass::TokenRejected => "refreshes the token and replays the call once",
        _ => "returns the error",
    }
}

#[test]
fn the_errors_page_matches_the_code_table() {
    let mut listed = BTreeSet::new();
    for row in table("## The codes") {
        let [code, name, meaning, class, does, hint] = &row[..] else {
            panic!("a row of six cells expected: {row:?}");
        };
        let c = code_of(code);
        assert!(listed.insert(c.get()), "{c:?} is listed twice");
        assert_eq!(c.name(), Some(unquote(name)), "name of {c:?}");
        assert_eq!(c.description(), Some(meaning.as_str()), "meaning of {c:?}");
        let expected = c.class().expect("a failing code");
        assert_eq!(class, expected.name(), "class of {c:?}");
        assert!(
            does.contains(action_words(expected)),
            "{c:?}: {does:?} should say {:?}",
            action_words(expected)
        );
        assert_eq!(c.hint().unwrap_or("—"), hint, "hint of {c:?}");
    }
    let known: BTreeSet<i64> = ErrorCode::KNOWN
        .iter()
        .filter(|c| !c.is_ok())
        .map(|c| c.get())
        .collect();
    assert_eq!(listed, known, "the page lists exactly the named codes");
}

#[test]
fn the_classes_table_names_every_class() {
    let rows = table("### Classes");
    for class in [
        ErrorClass::Retryable,
        ErrorClass::Throttled,
        ErrorClass::Banned,
        ErrorClass::TokenRejected,
        ErrorClass::Permanent,
    ] {
        let row = rows
            .iter()
            .find(|r| unquote(&r[0]) == class.name())
            .unwrap_or_else(|| panic!("no row for {class}"));
        assert!(
            row[1].contains(action_words(class)),
            "{class}: {:?}",
            row[1]
        );
    }
    assert_eq!(rows.len(), 5);
}

#[test]
fn the_endpoint_hints_match_each_endpoints_hint() {
    let rows = table("## Hints that depend on the endpoint");
    for row in &rows {
        let [code, path, hint] = &row[..] else {
            panic!("a row of three cells expected: {row:?}");
        };
        let c = code_of(code);
        let path = unquote(path);
        assert_eq!(hint_at(c, path).unwrap_or("—"), hint, "{c:?} at {path}");
        assert_ne!(
            hint_at(c, path),
            c.hint(),
            "{c:?} at {path} is not endpoint-specific"
        );
    }
    // 40035 on gettoken is the case issue 10 names.
    assert!(
        rows.iter()
            .any(|r| r[0] == "`40035`" && r[1] == "`/gettoken`")
    );
}

#[test]
fn the_windows_match_the_client() {
    let rows = table("## Limits of work notifications");
    let window = |limit: &str| -> Duration {
        let row = rows
            .iter()
            .find(|r| r[0] == limit)
            .unwrap_or_else(|| panic!("no row {limit:?}"));
        let figure = &row[1];
        if figure.contains("24 hours") {
            Duration::from_secs(24 * 3600)
        } else if figure.contains("7 days") {
            Duration::from_secs(7 * 24 * 3600)
        } else {
            panic!("{limit}: no window in {figure:?}")
        }
    };
    for (limit, op) in [
        ("`getsendprogress` window", Operation::Progress),
        ("`getsendresult` window", Operation::Result),
        ("`recall` window", Operation::Recall),
        ("status bar update window", Operation::StatusBar),
    ] {
        assert_eq!(window(limit), op.window(), "{limit}");
    }
}

#[test]
fn the_recipient_limits_match_the_presets() {
    use dingtalk_notify_proto::api::RecipientLimits;
    let rows = table("## Limits of work notifications");
    let figure = |limit: &str| {
        rows.iter()
            .find(|r| r[0] == limit)
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("no row {limit:?}"))
    };
    assert_eq!(
        figure("user ids per send (`userid_list`)"),
        format!(
            "{} (older accounts: {})",
            RecipientLimits::INTERNAL.max_users,
            "5,000"
        )
    );
    assert_eq!(RecipientLimits::LEGACY.max_users, 5_000);
    assert_eq!(
        figure("departments per send (`dept_id_list`)"),
        format!(
            "{} (older accounts: {})",
            RecipientLimits::INTERNAL.max_depts,
            RecipientLimits::LEGACY.max_depts
        )
    );
}

/// The hint of `code` at the endpoint whose path `path` ends with (a gateway prefix is
/// allowed), asked of the endpoint type; the generic hint for any other path.
/// An endpoint's `Endpoint::hint`.
type Hint = fn(ErrorCode) -> Option<&'static str>;

fn hint_at(code: ErrorCode, path: &str) -> Option<&'static str> {
    use dingtalk_notify_proto::Endpoint;
    use dingtalk_notify_proto::api::{
        GetAccessToken, GetCorpToken, GetSendProgress, GetSendResult, GetUserByMobile,
        GetUserByUnionId, ListDepartmentUserIds, ListDepartmentUsers, ListSubDepartmentIds,
        ListSubDepartments, RecallWorkNotification, SendWorkNotification, UpdateStatusBar,
    };
    let endpoints: [(&str, Hint); 13] = [
        (GetAccessToken::PATH, GetAccessToken::hint),
        (GetCorpToken::PATH, GetCorpToken::hint),
        (SendWorkNotification::PATH, SendWorkNotification::hint),
        (GetSendProgress::PATH, GetSendProgress::hint),
        (GetSendResult::PATH, GetSendResult::hint),
        (UpdateStatusBar::PATH, UpdateStatusBar::hint),
        (RecallWorkNotification::PATH, RecallWorkNotification::hint),
        (ListSubDepartmentIds::PATH, ListSubDepartmentIds::hint),
        (ListSubDepartments::PATH, ListSubDepartments::hint),
        (ListDepartmentUserIds::PATH, ListDepartmentUserIds::hint),
        (ListDepartmentUsers::PATH, ListDepartmentUsers::hint),
        (GetUserByMobile::PATH, GetUserByMobile::hint),
        (GetUserByUnionId::PATH, GetUserByUnionId::hint),
    ];
    match endpoints.iter().find(|(p, _)| path.ends_with(p)) {
        Some((_, hint)) => hint(code),
        None => code.hint(),
    }
}
