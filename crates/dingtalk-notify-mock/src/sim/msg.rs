//! The `msg` object of `asyncsend_v2`, checked against the message types of the reference
//! (`/work/shared/spec/adjacent-apis.md`, "Message types"): a JSON object with `msgtype` and
//! the object of that name, with its required fields as strings.

use serde_json::{Map, Value};

use super::answer::Reject;
use super::code;
use super::wire::is_argb;

/// Each `msgtype` with the fields its object must have (strings).
const TYPES: [(&str, &[&str]); 7] = [
    ("text", &["content"]),
    ("image", &["media_id"]),
    ("voice", &["media_id", "duration"]),
    ("file", &["media_id"]),
    ("link", &["messageUrl", "picUrl", "title", "text"]),
    ("markdown", &["title", "text"]),
    ("action_card", &["title", "markdown"]),
    // `oa` is checked on its own (nested objects).
];

fn missing(path: &str) -> Reject {
    Reject::new(code::MISSING_ARGUMENT, format!("Missing parameter {path}"))
}

fn invalid(path: &str) -> Reject {
    Reject::new(code::INVALID_ARGUMENT, format!("Invalid arguments:{path}"))
}

/// The object at `key` of `map`, or the refusal naming `path.key`.
fn object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a Map<String, Value>, Reject> {
    match map.get(key) {
        None | Some(Value::Null) => Err(missing(&format!("{path}.{key}"))),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(invalid(&format!("{path}.{key}"))),
    }
}

/// The string at `key` (a number is accepted for `duration`, which SDKs send either way).
fn string<'a>(map: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str, Reject> {
    match map.get(key) {
        None | Some(Value::Null) => Err(missing(&format!("{path}.{key}"))),
        Some(Value::String(s)) => Ok(s),
        Some(Value::Number(_)) if key == "duration" => Ok(""),
        Some(_) => Err(invalid(&format!("{path}.{key}"))),
    }
}

fn optional_string(map: &Map<String, Value>, key: &str, path: &str) -> Result<(), Reject> {
    match map.get(key) {
        None | Some(Value::Null | Value::String(_)) => Ok(()),
        Some(_) => Err(invalid(&format!("{path}.{key}"))),
    }
}

/// What the status bar of an OA message says, if it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StatusBar {
    pub(crate) value: Option<String>,
    pub(crate) bg: Option<String>,
}

/// Checks `msg`; answers its status bar (OA messages only).
pub(crate) fn check(msg: &Value) -> Result<StatusBar, Reject> {
    let Value::Object(msg) = msg else {
        return Err(invalid("msg"));
    };
    let msgtype = string(msg, "msgtype", "msg")?;
    if msgtype == "oa" {
        return oa(object(msg, "oa", "msg")?);
    }
    let Some((_, fields)) = TYPES.iter().find(|(t, _)| *t == msgtype) else {
        return Err(invalid("msg.msgtype"));
    };
    let path = format!("msg.{msgtype}");
    let body = object(msg, msgtype, "msg")?;
    for field in *fields {
        string(body, field, &path)?;
    }
    if msgtype == "action_card" {
        let single = body.contains_key("single_title") || body.contains_key("single_url");
        if single {
            string(body, "single_title", &path)?;
            string(body, "single_url", &path)?;
        } else {
            match body.get("btn_json_list") {
                Some(Value::Array(buttons)) if !buttons.is_empty() => {
                    for (i, button) in buttons.iter().enumerate() {
                        let at = format!("{path}.btn_json_list[{i}]");
                        let Value::Object(button) = button else {
                            return Err(invalid(&at));
                        };
                        string(button, "title", &at)?;
                        string(button, "action_url", &at)?;
                    }
                }
                None | Some(Value::Null) => return Err(missing(&format!("{path}.single_title"))),
                Some(_) => return Err(invalid(&format!("{path}.btn_json_list"))),
            }
        }
    }
    Ok(StatusBar::default())
}

/// `oa {message_url, pc_message_url, head {bgcolor, text}, status_bar {status_value,
/// status_bg}, body {…}}`; `head.bgcolor` is eight hex digits without `0x`.
fn oa(oa: &Map<String, Value>) -> Result<StatusBar, Reject> {
    string(oa, "message_url", "msg.oa")?;
    optional_string(oa, "pc_message_url", "msg.oa")?;
    let head = object(oa, "head", "msg.oa")?;
    let bgcolor = string(head, "bgcolor", "msg.oa.head")?;
    if bgcolor.len() != 8 || !bgcolor.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("msg.oa.head.bgcolor"));
    }
    string(head, "text", "msg.oa.head")?;
    let body = object(oa, "body", "msg.oa")?;
    for key in ["title", "content", "image", "file_count", "author"] {
        optional_string(body, key, "msg.oa.body")?;
    }
    let mut bar = StatusBar::default();
    match oa.get("status_bar") {
        None | Some(Value::Null) => {}
        Some(Value::Object(status_bar)) => {
            bar.value = Some(string(status_bar, "status_value", "msg.oa.status_bar")?.to_owned());
            match status_bar.get("status_bg") {
                None | Some(Value::Null) => {}
                Some(Value::String(bg)) if is_argb(bg) => bar.bg = Some(bg.clone()),
                Some(_) => return Err(invalid("msg.oa.status_bar.status_bg")),
            }
        }
        Some(_) => return Err(invalid("msg.oa.status_bar")),
    }
    Ok(bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(msg: Value) -> (i64, String) {
        let e = check(&msg).unwrap_err();
        (e.code, e.msg)
    }

    #[test]
    fn every_message_type_of_the_reference_is_accepted() {
        for msg in [
            json!({"msgtype":"text","text":{"content":"hi"}}),
            json!({"msgtype":"image","image":{"media_id":"@lA"}}),
            json!({"msgtype":"voice","voice":{"media_id":"@lA","duration":"10"}}),
            json!({"msgtype":"file","file":{"media_id":"@lA"}}),
            json!({"msgtype":"link","link":{"messageUrl":"u","picUrl":"p","title":"t","text":"x"}}),
            json!({"msgtype":"markdown","markdown":{"title":"t","text":"x"}}),
            json!({"msgtype":"action_card","action_card":{"title":"t","markdown":"m","single_title":"s","single_url":"u"}}),
            json!({"msgtype":"action_card","action_card":{"title":"t","markdown":"m","btn_orientation":"1",
                   "btn_json_list":[{"title":"a","action_url":"u"}]}}),
        ] {
            assert_eq!(check(&msg), Ok(StatusBar::default()), "{msg}");
        }
        let oa = json!({"msgtype":"oa","oa":{"message_url":"u","head":{"bgcolor":"FFBBBBBB","text":"h"},
            "status_bar":{"status_value":"Pending","status_bg":"0xFFFF9900"},"body":{"title":"t"}}});
        let bar = check(&oa).unwrap();
        assert_eq!(bar.value.as_deref(), Some("Pending"));
        assert_eq!(bar.bg.as_deref(), Some("0xFFFF9900"));
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(
            refusal(json!({"msgtype":"telepathy"})),
            (41, "Invalid arguments:msg.msgtype".into())
        );
        assert_eq!(
            refusal(json!({"text":{}})),
            (40, "Missing parameter msg.msgtype".into())
        );
        assert_eq!(
            refusal(json!({"msgtype":"text"})),
            (40, "Missing parameter msg.text".into())
        );
        assert_eq!(
            refusal(json!({"msgtype":"text","text":{"content":5}})),
            (41, "Invalid arguments:msg.text.content".into())
        );
        assert_eq!(
            refusal(
                json!({"msgtype":"oa","oa":{"message_url":"u","head":{"bgcolor":"0xFFBBBBBB","text":"h"},"body":{}}})
            ),
            (41, "Invalid arguments:msg.oa.head.bgcolor".into())
        );
        assert_eq!(
            refusal(json!({"msgtype":"action_card","action_card":{"title":"t","markdown":"m"}})).0,
            40
        );
        assert_eq!(refusal(json!("text")).0, 41);
    }
}
