//! `send`: one work notification (`asyncsend_v2`); prints the task id.

use std::io::Read;
use std::path::Path;

use dingtalk_notify::Message;
use dingtalk_notify::api::SendWorkNotification;

use crate::cli::{GlobalArgs, MessageArgs, SendArgs};
use crate::exit::Failure;
use crate::output::{Output, SendDoc};

/// The most `--msg-json` input read (DingTalk's own body limit is far smaller).
const MAX_MSG_JSON: u64 = 1024 * 1024;

/// Runs `send`.
///
/// # Errors
/// Exit 2 for invalid input (nothing sent), else the call's failure.
pub fn run(global: &GlobalArgs, args: &SendArgs, out: Output) -> Result<(), Failure> {
    if args.users_file.is_some() || args.ledger.is_some() {
        return super::campaign::send(global, args, out);
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
}
