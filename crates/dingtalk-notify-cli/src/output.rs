//! Rendering: human-readable text by default, exactly one JSON document on stdout with
//! `--json`. JSON field names are DingTalk's own and ids are JSON integers.

use std::fmt::Write as _;
use std::io::{self, Write};

use dingtalk_notify::api::{SendProgress, SendResult};
use serde::Serialize;

use crate::exit::Failure;

/// Where and how results go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Human-readable text, or JSON with `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether `--json` was given.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// Prints a command's answer: `human` as text, or `doc` as the one JSON document.
    pub fn answer<D: Serialize>(self, human: &str, doc: &D) {
        if self.json {
            match serde_json::to_value(doc).and_then(|mut v| {
                crate::secrets::redact_json(&mut v);
                json_text(&v)
            }) {
                Ok(text) => stdout_exact(&text),
                // Our documents hold strings and integers only; this cannot happen, but if
                // it did the output must still be one JSON document.
                Err(e) => stdout_exact(&error_json(&Failure::plain(
                    crate::exit::Kind::Other,
                    crate::exit::TRANSPORT,
                    format!("could not encode the answer: {e}"),
                ))),
            }
        } else {
            stdout(human.trim_end_matches('\n'));
        }
    }

    /// Prints a line of narration or progress: on stdout for humans, on stderr with `--json`
    /// (stdout then holds only the JSON document).
    pub fn narrate(self, line: &str) {
        if self.json {
            stderr(line);
        } else {
            stdout(line);
        }
    }

    /// Reports a failure: a line on stderr, and with `--json` the error document on stdout.
    pub fn failure(self, failure: &Failure) {
        let redact = |s: &str| crate::secrets::redact(s);
        let failure = Failure {
            message: redact(&failure.message),
            errmsg: failure.errmsg.as_deref().map(redact),
            request_id: failure.request_id.as_deref().map(redact),
            ..failure.clone()
        };
        // An incomplete campaign, or one that stopped early, already printed its document.
        if self.json && failure.kind != crate::exit::Kind::Incomplete && !failure.documented {
            stdout_exact(&error_json(&failure));
        }
        stderr(&format!("error: {}", printable(&failure.message)));
    }
}

/// Server text made safe for a terminal: control characters (ESC, CR, LF, BEL, DEL, C1) and
/// invisible formatting characters (bidi overrides, zero-width ones) are written as escapes
/// (`\u{1b}`, `\n`), so an answer cannot move the cursor, set the window title, clear the
/// screen or forge a line. Human output only: JSON output stays exact.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `c` could drive a terminal or hide text: a control character (C0, DEL, C1) or an
/// invisible formatting one (bidi controls and overrides, zero-width characters, BOM).
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `value` as one line of JSON, every [`unsafe_char`] written as a `\uXXXX` escape (serde
/// escapes only C0): the same document once parsed, but a terminal showing it is never
/// driven by a bidi override, DEL or a C1 control.
fn json_text<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, EscapingFormatter);
    value.serialize(&mut ser)?;
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// serde_json's compact formatter, with [`unsafe_char`]s escaped in strings.
struct EscapingFormatter;

impl serde_json::ser::Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if unsafe_char(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Human text made safe for a terminal, the one gate of every human output ([`stdout`],
/// [`stderr`], [`Output::narrate`], [`Output::answer`]'s text): each line as [`printable`]
/// makes it, the line breaks the command itself wrote kept. A server string that may hold a
/// line break is passed through [`printable`] where it is put into the text, so it stays on
/// its line.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') {
        return printable(text);
    }
    let lines: Vec<_> = text.split('\n').map(printable).collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

/// Writes a line to stdout and flushes, ignoring a closed pipe (`| head`); every secret the
/// process knows is cut out first, then the text is [`neutralised`].
pub fn stdout(line: &str) {
    stdout_exact(&neutralised(&crate::secrets::redact(line)));
}

/// Writes a line to stdout as it is (a JSON document already redacted string by string).
fn stdout_exact(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Writes a line to stderr, ignoring failures; every secret the process knows is cut out,
/// then the text is [`neutralised`].
pub fn stderr(line: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "{}",
        neutralised(&crate::secrets::redact(line))
    );
}

/// `{"error": {"kind", "errcode", "errmsg", "sub_code", "sub_msg", "request_id", "message",
/// "exit_code"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorDoc<'a> {
    /// The error.
    pub error: ErrorBody<'a>,
}

/// The body of [`ErrorDoc`].
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// `api`, `invalid_input`, `transport`, `response`, `deadline`, `outside_window`.
    pub kind: &'a str,
    /// DingTalk's `errcode`, or `null`.
    pub errcode: Option<i64>,
    /// DingTalk's `errmsg`, or `null`.
    pub errmsg: Option<&'a str>,
    /// DingTalk's `sub_code` as it sent it (a string, `"40014"` under errcode 88), or `null`.
    pub sub_code: Option<&'a str>,
    /// DingTalk's `sub_msg`, or `null`.
    pub sub_msg: Option<&'a str>,
    /// The failing answer's `request_id`, or `null`.
    pub request_id: Option<&'a str>,
    /// A sentence for humans.
    pub message: &'a str,
    /// The process exit code.
    pub exit_code: u8,
}

impl<'a> ErrorBody<'a> {
    /// The body for `failure` (its texts as they are: redact them first).
    pub fn of(failure: &'a Failure) -> Self {
        ErrorBody {
            kind: failure.kind.as_str(),
            errcode: failure.errcode,
            errmsg: failure.errmsg.as_deref(),
            sub_code: failure.sub.as_ref().and_then(|s| s.code.as_deref()),
            sub_msg: failure.sub.as_ref().and_then(|s| s.msg.as_deref()),
            request_id: failure.request_id.as_deref(),
            message: &failure.message,
            exit_code: failure.exit_code,
        }
    }
}

/// The error document for `failure`, as one line of JSON.
pub fn error_json(failure: &Failure) -> String {
    let doc = ErrorDoc {
        error: ErrorBody::of(failure),
    };
    json_text(&doc).unwrap_or_else(|_| {
        r#"{"error":{"kind":"other","errcode":null,"errmsg":null,"sub_code":null,"sub_msg":null,"request_id":null,"message":"unprintable error"}}"#
            .to_owned()
    })
}

/// `send`: `{"agent_id", "task_id"}`, and `"media_id"` when a file was uploaded for it.
#[derive(Debug, Serialize)]
pub struct SendDoc {
    /// The sending app.
    pub agent_id: u64,
    /// The new task.
    pub task_id: u64,
    /// The media id of the file uploaded for the message (`--file`, `--image`, `--voice`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
}

/// `progress`: `{"agent_id", "task_id", "progress": {"progress_in_percent", "status"}}`.
#[derive(Debug, Serialize)]
pub struct ProgressDoc<'a> {
    /// The sending app.
    pub agent_id: u64,
    /// The task.
    pub task_id: u64,
    /// DingTalk's `progress` object.
    pub progress: &'a SendProgress,
}

/// `result`: `{"agent_id", "task_id", "send_result": {...lists}}`.
#[derive(Debug, Serialize)]
pub struct ResultDoc<'a> {
    /// The sending app.
    pub agent_id: u64,
    /// The task.
    pub task_id: u64,
    /// DingTalk's `send_result` object.
    pub send_result: &'a SendResult,
}

/// `watch`: the final progress and the result.
#[derive(Debug, Serialize)]
pub struct WatchDoc<'a> {
    /// The sending app.
    pub agent_id: u64,
    /// The task.
    pub task_id: u64,
    /// The last progress seen (completed).
    pub progress: &'a SendProgress,
    /// DingTalk's `send_result` object.
    pub send_result: &'a SendResult,
}

/// `recall`: `{"agent_id", "task_id", "recalled": true, "request_id"}`.
#[derive(Debug, Serialize)]
pub struct RecallDoc {
    /// The sending app.
    pub agent_id: u64,
    /// The task.
    pub task_id: u64,
    /// Always `true` (a failure is an error document).
    pub recalled: bool,
    /// DingTalk's `request_id` for the recall, or `null` when it sent none.
    pub request_id: Option<String>,
}

/// `status-bar`: `{"agent_id", "task_id", "status_value", "status_bg", "request_id"}`.
#[derive(Debug, Serialize)]
pub struct StatusBarDoc<'a> {
    /// The sending app.
    pub agent_id: u64,
    /// The task.
    pub task_id: u64,
    /// The new status text.
    pub status_value: &'a str,
    /// The new colour as `0xAARRGGBB`, or `null` when unchanged.
    pub status_bg: Option<String>,
    /// DingTalk's `request_id` for the update, or `null` when it sent none.
    pub request_id: Option<String>,
}

/// One line for a progress answer: `task 123: 40% (in progress)`.
pub fn progress_line(task_id: u64, progress: &SendProgress) -> String {
    format!(
        "task {task_id}: {}% ({})",
        progress.progress_in_percent, progress.status
    )
}

/// The result summary: counts and ids by outcome, one outcome a line.
pub fn result_summary(result: &SendResult) -> String {
    let mut out = String::new();
    let mut row = |label: &str, ids: &[String]| {
        let _ = write!(out, "{label:<10} {:>4}", ids.len());
        if !ids.is_empty() {
            let ids: Vec<_> = ids.iter().map(|id| printable(id)).collect();
            let _ = write!(out, "  {}", ids.join(", "));
        }
        out.push('\n');
    };
    row("read", &result.read_user_id_list);
    row("unread", &result.unread_user_id_list);
    row("failed", &result.failed_user_id_list);
    row("invalid", &result.invalid_user_id_list);
    let forbidden: Vec<String> = if result.forbidden_list.is_empty() {
        result.forbidden_user_id_list.clone()
    } else {
        result
            .forbidden_list
            .iter()
            .map(|f| {
                format!(
                    "{} (errcode {}, limit {})",
                    printable(&f.userid),
                    f.code.get(),
                    f.count
                )
            })
            .collect()
    };
    row("forbidden", &forbidden);
    if !result.invalid_dept_id_list.is_empty() {
        let depts: Vec<String> = result
            .invalid_dept_id_list
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            out,
            "{:<10} {:>4}  {}",
            "bad depts",
            depts.len(),
            depts.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{Failure, Kind};

    #[test]
    fn summary_counts_and_lists_ids() {
        let mut result = SendResult::default();
        result.read_user_id_list = vec!["alice".into(), "manager4220".into()];
        result.unread_user_id_list = vec!["bob".into()];
        let text = result_summary(&result);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "read          2  alice, manager4220");
        assert_eq!(lines[1], "unread        1  bob");
        assert_eq!(lines[2], "failed        0");
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        assert_eq!(printable("alice"), "alice");
        assert_eq!(
            printable("a\u{1b}]0;pwned\u{7}b"),
            "a\\u{1b}]0;pwned\\u{7}b"
        );
        assert_eq!(printable("bob\r\nread 99 x"), "bob\\u{d}\\u{a}read 99 x");
        assert_eq!(printable("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(printable("张三"), "张三");
        let mut result = SendResult::default();
        result.read_user_id_list = vec!["eve\nread      9  forged".into()];
        let text = result_summary(&result);
        assert_eq!(text.lines().count(), 5, "{text}");
    }

    #[test]
    fn every_line_is_neutralised_and_the_commands_own_breaks_kept() {
        assert_eq!(neutralised("a\nb"), "a\nb");
        assert_eq!(
            neutralised("x\u{1b}[2J\r\n\u{202e}y\0"),
            "x\\u{1b}[2J\\u{d}\n\\u{202e}y\\u{0}"
        );
    }

    #[test]
    fn json_escapes_what_could_drive_a_terminal_and_parses_back_the_same() {
        let value = serde_json::json!({"m": "a\u{202e}b\u{7f}\u{85}\u{1b}c\u{200b}张\"\\"});
        let text = json_text(&value).unwrap();
        assert!(text.is_ascii() || text.contains('张'), "{text}");
        assert!(!text.chars().any(unsafe_char), "{text}");
        assert!(text.contains("\\u202e"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn error_document_has_every_field() {
        let mut f = Failure::plain(Kind::Api, 1, "DingTalk error 40056");
        f.errcode = Some(40056);
        f.request_id = Some("4jzllmte0wau".into());
        let v: serde_json::Value = serde_json::from_str(&error_json(&f)).unwrap();
        let e = &v["error"];
        assert_eq!(e["kind"], "api");
        assert_eq!(e["errcode"], 40056);
        assert!(e["errmsg"].is_null());
        assert!(e["sub_code"].is_null() && e["sub_msg"].is_null());
        assert_eq!(e["request_id"], "4jzllmte0wau");
        assert_eq!(e["message"], "DingTalk error 40056");
    }
}
