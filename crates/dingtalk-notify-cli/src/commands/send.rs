//! `send`: one work notification (`asyncsend_v2`), printing the task id; or, with
//! `--users-file` / `--ledger`, a campaign of any number of users in paced chunks, which
//! returns once every chunk is sent (`--watch` follows delivery too).

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use dingtalk_notify::Message;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::campaign::{Audience, CampaignHandle};
use dingtalk_notify::kit::campaign::UserIds;
use dingtalk_notify::ledger::{ChunkRecord, Ledger, MemoryLedger};
use indicatif::{ProgressBar, ProgressStyle};

use super::CliClient;
use super::campaign::{both_ledgers, campaign_failure, open_ledger, report, stopped, watch};
use crate::cli::{GlobalArgs, MessageArgs, SendArgs};
use crate::exit::Failure;
use crate::output::{Output, SendDoc};

/// The most `--msg-json` input read (DingTalk's own body limit is far smaller).
const MAX_MSG_JSON: u64 = 1024 * 1024;
/// The most `--users-file` input read: 64 MiB, a few million ids.
const MAX_USERS_FILE: u64 = 64 * 1024 * 1024;

/// Runs `send`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &SendArgs, out: Output) -> Result<(), Failure> {
    if args.dry_run {
        return campaign(global, args, out); // planned as a campaign, nothing sent
    }
    if args.users_file.is_some() || args.ledger.is_some() {
        return campaign(global, args, out);
    }
    if args.watch {
        return Err(Failure::invalid_input(
            "--watch follows a campaign (--users-file or --ledger); follow one task with \
             `watch TASK_ID`",
        ));
    }
    let agent_id = super::agent_id(global)?;
    // A file is read and checked here: nothing is sent when it is unfit.
    let pending = super::media::Pending::from_args(args, message)?;
    let client = super::client(global)?;
    let (message, media_id) = pending.resolve(&client)?;
    let mut request = SendWorkNotification::new(agent_id, message)
        .to_users(args.users.iter().cloned())
        .to_depts(args.depts.iter().copied());
    if args.all_users {
        request = request.to_all_users();
    }
    let task = client.send(&request)?;
    let task_id = task.task_id.get();
    out.answer(
        &task_id.to_string(),
        &SendDoc {
            agent_id: task.agent_id.get(),
            task_id,
            media_id,
        },
    );
    Ok(())
}

/// `send --users-file` / `send --ledger`: plans the audience, stores the campaign (printing
/// its id first), sends every chunk (a progress bar of the chunks on a terminal) and
/// returns; with `--watch` it then follows delivery and resends the users held back by the
/// per-minute quota. One document either way.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else a ledger failure; chunks that fail are
/// reported in the document and the exit code.
fn campaign(global: &GlobalArgs, args: &SendArgs, out: Output) -> Result<(), Failure> {
    let agent_id = super::agent_id(global)?;
    // The file is read and checked first: an unfit one is refused before anything is sent.
    let pending = super::media::Pending::from_args(args, message)?;
    let (audience, file_duplicates) = if args.all_users {
        (Audience::all_users(), 0)
    } else {
        let (user_ids, file_duplicates) = listed_users(args)?;
        let dept_ids = Vec::new();
        let audience = Audience::Listed { user_ids, dept_ids };
        (
            audience.and_depts(args.depts.iter().copied()),
            file_duplicates,
        )
    };
    let (client, fleet) = super::client_and_fleet(global)?;
    if args.dry_run {
        let unresolved = Vec::new(); // a resolved audience's unresolved inputs, when any
        let run = super::dry_run::Send {
            agent_id,
            pending,
            audience,
            unresolved,
            ledger: args.ledger.as_deref(),
            fleet: fleet.as_ref(),
            file_duplicates,
        };
        return super::dry_run::send(&client, global.budget, run, out);
    }
    // Uploaded once, here: the message the ledger keeps carries its media id.
    let (message, _) = pending.resolve(&client)?;
    // Chunks within the client's limits and --budget, so each can be granted.
    let plan = client
        .campaigns(&MemoryLedger::new())
        .plan(agent_id, message, audience)
        .map_err(|e| Failure::invalid_input(e.to_string()))?;
    let ledger: Box<dyn Ledger> = match (&args.ledger, &fleet) {
        (Some(_), Some(_)) => return Err(both_ledgers()),
        (Some(path), None) => open_ledger(path)?,
        (None, Some(fleet)) => fleet.ledger()?,
        (None, None) => Box::new(MemoryLedger::new()),
    };
    // SIGINT/SIGTERM from here on stop the campaign cleanly (see `signals`).
    let stop = crate::signals::stop_flag()?;
    let created = client
        .campaigns(ledger.as_ref())
        .create(plan)
        .map_err(campaign_failure)?;
    if args.ledger.is_some() || fleet.is_some() {
        out.narrate(&format!("campaign {}", created.id()));
    }
    send_created(&client, ledger.as_ref(), created, stop, args.watch, out)
}

/// Sends campaign `created` (recorded in `ledger`, nothing sent yet) with a chunk bar on a
/// terminal, stopping on `stop`; with `watch`, resends what a per-minute quota held back
/// and follows it to the end. Prints its document, also when it stops early (with the id
/// to resume). `created` is dropped before sending, which reads the campaign again: one
/// copy of a large campaign at a time.
///
/// # Errors
/// The campaign's failure, after its document was printed.
pub(super) fn send_created(
    client: &CliClient,
    ledger: &dyn Ledger,
    created: CampaignHandle,
    stop: &AtomicBool,
    watch_it: bool,
    out: Output,
) -> Result<(), Failure> {
    let (id, pending) = (created.id().clone(), created.pending().len());
    drop(created);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(pending as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} chunks sent") {
            bar.set_style(style);
        }
        bar
    });
    let on_chunk = |_: &ChunkRecord| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let campaigns = client.campaigns(ledger).observe(&on_chunk).stop_when(stop);
    let sent = campaigns.resume(&id);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Stopped early: the document still, with the id to resume.
    let early = |e| stopped(out, client, ledger, &id, e);
    let handle = sent.map_err(early)?;
    if !watch_it {
        return report(out, &handle, None);
    }
    let handle = campaigns.resend_held_back(handle.id()).map_err(early)?;
    let progress = watch(client, ledger, &handle).map_err(early)?;
    report(out, &handle, Some(&progress))
}

/// The user ids of `--users-file` then `--user`, and the file's duplicate lines. The file's
/// list becomes the audience as it was read (`--user` ids are appended to it), so a big file
/// is never copied.
///
/// # Errors
/// As [`read_users`].
pub(super) fn listed_users(args: &SendArgs) -> Result<(UserIds, usize), Failure> {
    let (mut ids, duplicates) = match &args.users_file {
        Some(path) => {
            let file = read_users(path)?;
            (file.ids, file.duplicates)
        }
        None => (UserIds::new(), 0),
    };
    ids.extend(&args.users);
    Ok((ids, duplicates))
}

/// One id per line, as spreadsheets and other tools write them: a UTF-8 byte-order mark,
/// CRLF line ends, spaces around an id and blank lines are ignored, and a duplicate id is
/// kept once (at its first place). Read line by line into one [`UserIds`] (the ids back to
/// back, 4 bytes an id beside them): the only copy of the file kept in memory.
/// [`UsersFile::duplicates`] counts the duplicate ids dropped.
///
/// # Errors
/// Exit 2 (nothing sent) naming the line of an id that is not UTF-8, holds a control
/// character or is longer than [`MAX_USER_ID_CHARS`]; or for a file that cannot be read or
/// is larger than [`MAX_USERS_FILE`].
pub(super) fn read_users(path: &Path) -> Result<UsersFile, Failure> {
    let shown = path.display().to_string();
    if path.as_os_str() == "-" {
        parse_users(std::io::stdin().lock(), &shown)
    } else {
        let file = std::fs::File::open(path).map_err(|e| {
            Failure::invalid_input(format!("cannot read --users-file {shown}: {e}"))
        })?;
        parse_users(BufReader::with_capacity(64 * 1024, file), &shown)
    }
}

/// The longest userid DingTalk gives out: "长度为1~64个字符" (1 to 64 characters), the
/// `userid` of `dingtalk.oapi.user.create` (https://jaq-doc.alibaba.com/docs/api.htm?apiId=37117;
/// `topapi/v2/user/create` takes the same field).
const MAX_USER_ID_CHARS: usize = 64;

/// [`read_users`] on any reader (stdin, a file, a test's bytes).
fn parse_users(input: impl BufRead, shown: &str) -> Result<UsersFile, Failure> {
    let bad = |number: usize, what: &str| {
        Failure::invalid_input(format!(
            "--users-file {shown}, line {number}: {what}; nothing was sent"
        ))
    };
    let mut input = input.take(MAX_USERS_FILE + 1);
    let mut ids = UserIds::new();
    let mut line = Vec::new();
    let mut total: u64 = 0;
    for number in 1.. {
        line.clear();
        let read = input.read_until(b'\n', &mut line).map_err(|e| {
            Failure::invalid_input(format!("cannot read --users-file {shown}: {e}"))
        })?;
        if read == 0 {
            break;
        }
        total = total.saturating_add(read as u64);
        if total > MAX_USERS_FILE {
            return Err(Failure::invalid_input(format!(
                "--users-file {shown} is larger than {MAX_USERS_FILE} bytes"
            )));
        }
        let mut bytes = line.as_slice();
        if number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad(number, "not UTF-8"))?;
        let id = text.trim();
        if id.is_empty() {
            continue;
        }
        if let Some(c) = id.chars().find(|c| c.is_control()) {
            return Err(bad(
                number,
                &format!("the id holds a control character (U+{:04X})", u32::from(c)),
            ));
        }
        let length = id.chars().count();
        if length > MAX_USER_ID_CHARS {
            return Err(bad(
                number,
                &format!(
                    "the id is {length} characters long; a DingTalk userid has at most \
                     {MAX_USER_ID_CHARS}"
                ),
            ));
        }
        ids.push(id);
    }
    let duplicates = ids.remove_duplicates();
    // The list grew by doubling: spare room given back.
    ids.shrink_to_fit();
    Ok(UsersFile { ids, duplicates })
}

/// The ids of a users file, each once, in the order of their first line.
#[derive(Debug)]
pub(super) struct UsersFile {
    /// The ids.
    pub ids: UserIds,
    /// The lines dropped for repeating an id of an earlier line.
    pub duplicates: usize,
}

/// The message the options describe.
///
/// # Errors
/// Exit 2 for an unreadable or invalid `--msg-json`.
pub fn message(args: &MessageArgs) -> Result<Message, Failure> {
    if let Some(text) = &args.text {
        return Ok(Message::text(text.as_str()));
    }
    if let Some(parts) = &args.markdown {
        return match parts.as_slice() {
            [title, text] => Ok(Message::markdown(title.as_str(), text.as_str())),
            _ => Err(Failure::invalid_input(
                "--markdown takes two values: TITLE TEXT",
            )),
        };
    }
    match &args.msg_json {
        Some(path) => parse_msg_json(&read_input(path)?),
        None => Err(Failure::invalid_input(
            "give the message with --text, --markdown, --msg-json, --file, --image or --voice",
        )),
    }
}

/// Reads a file, or stdin for `-`, up to [`MAX_MSG_JSON`] bytes.
fn read_input(path: &Path) -> Result<String, Failure> {
    let shown = path.display();
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_MSG_JSON + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_MSG_JSON + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::invalid_input(format!("cannot read --msg-json {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_MSG_JSON {
        return Err(Failure::invalid_input(format!(
            "--msg-json {shown} is larger than {MAX_MSG_JSON} bytes"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| Failure::invalid_input(format!("--msg-json {shown} is not UTF-8")))
}

/// Parses DingTalk's `msg` object, or a whole `asyncsend_v2` body holding one under `msg`.
///
/// # Errors
/// Exit 2 naming what is wrong and where.
pub fn parse_msg_json(text: &str) -> Result<Message, Failure> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Failure::invalid_input(format!("--msg-json is not valid JSON: {e}")))?;
    let msg = match value.get("msg") {
        Some(inner) if value.get("msgtype").is_none() => inner.clone(),
        _ => value,
    };
    let message: Message = serde_json::from_value(msg).map_err(|e| {
        Failure::invalid_input(format!(
            "--msg-json is not a DingTalk msg object ({{\"msgtype\": ..., ...}}): {e}"
        ))
    })?;
    message
        .validate()
        .map_err(|e| Failure::invalid_input(format!("--msg-json: {e}")))?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::INVALID_INPUT;

    #[test]
    fn msg_json_takes_a_msg_or_a_body() {
        let text = r#"{"msgtype":"text","text":{"content":"hi"}}"#;
        assert_eq!(parse_msg_json(text).unwrap(), Message::text("hi"));
        let body = format!(r#"{{"agent_id":1,"msg":{text}}}"#);
        assert_eq!(parse_msg_json(&body).unwrap(), Message::text("hi"));
    }

    #[test]
    fn bad_msg_json_is_invalid_input() {
        for bad in [
            "",
            "{",
            r#"{"msgtype":"nope"}"#,
            r#"{"msgtype":"text","text":{"content":""}}"#,
            "[1]",
        ] {
            let f = parse_msg_json(bad).unwrap_err();
            assert_eq!(f.exit_code, INVALID_INPUT, "{bad}");
        }
    }

    #[test]
    fn users_files_as_spreadsheets_write_them() {
        let text = "\u{feff}alice\r\n  bob  \r\n\r\n\t\ncarol\r\nalice\r\nbob\ndave";
        let read = parse_users(text.as_bytes(), "f").unwrap();
        assert_eq!(read.ids, ["alice", "bob", "carol", "dave"]);
        assert_eq!(read.duplicates, 2);
    }

    #[test]
    fn bad_ids_are_refused_with_their_line() {
        let long = "x".repeat(MAX_USER_ID_CHARS + 1);
        let fit = "é".repeat(MAX_USER_ID_CHARS);
        assert_eq!(parse_users(fit.as_bytes(), "f").unwrap().ids, [fit]);
        for (text, line, what) in [
            (format!("a\n\n{long}\n"), 3, "65 characters"),
            ("a\nb\x1b[31m\n".to_owned(), 2, "U+001B"),
            ("a\r\nb\0c\r\n".to_owned(), 2, "U+0000"),
            ("a\nb\rc\n".to_owned(), 2, "U+000D"),
        ] {
            let f = parse_users(text.as_bytes(), "f").unwrap_err();
            assert_eq!(f.exit_code, INVALID_INPUT, "{text:?}");
            let shown = f.message;
            assert!(shown.contains(&format!("line {line}:")), "{shown}");
            assert!(shown.contains(what), "{shown}");
        }
        let f = parse_users(&b"a\n\xff\xfe\n"[..], "f").unwrap_err();
        assert!(f.message.contains("line 2: not UTF-8"), "{}", f.message);
    }
}
