//! `send`: one work notification (`asyncsend_v2`), printing the task id; or, with
//! `--users-file` / `--ledger`, a campaign of any number of users in paced chunks, which
//! returns once every chunk is sent (`--watch` follows delivery too).

use std::io::{IsTerminal, Read};
use std::path::Path;

use dingtalk_notify::Message;
use dingtalk_notify::api::SendWorkNotification;
use dingtalk_notify::campaign::{Audience, ChunkRecord};
use dingtalk_notify::ledger::{Ledger, MemoryLedger};
use indicatif::{ProgressBar, ProgressStyle};

use super::campaign::{both_ledgers, campaign_failure, open_ledger, report, watch};
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
    let message = message(&args.message)?;
    let mut request = SendWorkNotification::new(agent_id, message)
        .to_users(args.users.iter().cloned())
        .to_depts(args.depts.iter().copied());
    if args.all_users {
        request = request.to_all_users();
    }
    let client = super::client(global)?;
    let task = client.send(&request)?;
    let task_id = task.task_id.get();
    out.answer(
        &task_id.to_string(),
        &SendDoc {
            agent_id: task.agent_id.get(),
            task_id,
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
    let message = message(&args.message)?;
    let audience = if args.all_users {
        Audience::all_users()
    } else {
        let mut users = args.users.clone();
        if let Some(path) = &args.users_file {
            users.extend(read_users(path)?);
        }
        Audience::users(users).and_depts(args.depts.iter().copied())
    };
    let (client, fleet) = super::client_and_fleet(global)?;
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
    let created = client
        .campaigns(ledger.as_ref())
        .create(plan)
        .map_err(campaign_failure)?;
    if args.ledger.is_some() || fleet.is_some() {
        out.narrate(&format!("campaign {}", created.id()));
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(created.pending().len() as u64);
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
    let campaigns = client.campaigns(ledger.as_ref()).observe(&on_chunk);
    let sent = campaigns.resume(created.id()).map_err(campaign_failure);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let handle = sent?;
    if !args.watch {
        return report(out, &handle, None);
    }
    let handle = campaigns
        .resend_held_back(handle.id())
        .map_err(campaign_failure)?;
    let progress = watch(&client, ledger.as_ref(), &handle);
    report(out, &handle, Some(&progress))
}

/// One id per line; blank lines skipped, spaces trimmed.
fn read_users(path: &Path) -> Result<Vec<String>, Failure> {
    let shown = path.display();
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_USERS_FILE + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_USERS_FILE + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::invalid_input(format!("cannot read --users-file {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_USERS_FILE {
        return Err(Failure::invalid_input(format!(
            "--users-file {shown} is larger than {MAX_USERS_FILE} bytes"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::invalid_input(format!("--users-file {shown} is not UTF-8")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
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
            "give the message with --text, --markdown or --msg-json",
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
}
