//! The simulator's own view of the request bodies, written from the reference pages: JSON
//! or form-encoded bodies (the pages' curl examples post forms, the SDKs post JSON), field
//! by field, with DingTalk's 40 (missing) and 41 (invalid) answers naming the field.

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use super::answer::Reject;
use super::code;
use crate::http::{Incoming, parse_query};

/// `asyncsend_v2`'s body.
#[derive(Debug, Deserialize)]
pub(crate) struct SendBody {
    #[serde(deserialize_with = "number")]
    pub(crate) agent_id: u64,
    #[serde(default, deserialize_with = "user_list")]
    pub(crate) userid_list: Vec<String>,
    #[serde(default, deserialize_with = "dept_list")]
    pub(crate) dept_id_list: Vec<u64>,
    #[serde(default, deserialize_with = "flag")]
    pub(crate) to_all_user: bool,
    /// Checked by [`super::msg::check`].
    pub(crate) msg: Value,
}

/// `getsendprogress`'s and `getsendresult`'s body.
#[derive(Debug, Deserialize)]
pub(crate) struct TaskQuery {
    #[serde(deserialize_with = "number")]
    pub(crate) agent_id: u64,
    #[serde(deserialize_with = "number")]
    pub(crate) task_id: u64,
}

/// `status_bar/update`'s body.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusBarBody {
    #[serde(deserialize_with = "number")]
    pub(crate) agent_id: u64,
    #[serde(deserialize_with = "number")]
    pub(crate) task_id: u64,
    pub(crate) status_value: String,
    #[serde(default, deserialize_with = "status_bg")]
    pub(crate) status_bg: Option<String>,
}

/// `recall`'s body: the task is `msg_task_id`, not `task_id`.
#[derive(Debug, Deserialize)]
pub(crate) struct RecallBody {
    #[serde(deserialize_with = "number")]
    pub(crate) agent_id: u64,
    #[serde(deserialize_with = "number")]
    pub(crate) msg_task_id: u64,
}

/// `get_corp_token`'s body.
#[derive(Debug, Deserialize)]
pub(crate) struct CorpTokenBody {
    pub(crate) auth_corpid: String,
}

/// A number, as JSON sends it or as a form's text.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| de::Error::custom("not a non-negative integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| de::Error::custom("not a number")),
        _ => Err(de::Error::custom("not a number")),
    }
}

/// A comma-separated list of user ids (`"user1,user2"`); empty or `null` is none.
fn user_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(Vec::new()),
        Some(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect()),
    }
}

/// A comma-separated list of department ids (`"123,456"`).
fn dept_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else {
        return Ok(Vec::new());
    };
    s.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse()
                .map_err(|_| de::Error::custom("not a department id"))
        })
        .collect()
}

/// `true`/`false`, as JSON sends it or as a form's text.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" || s.is_empty() => Ok(false),
        _ => Err(de::Error::custom("not a boolean")),
    }
}

/// Whether `s` is a colour as the status bar page writes it: `0x` and eight hex digits
/// (ARGB, "0xFF followed by a six-digit color value").
pub(crate) fn is_argb(s: &str) -> bool {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
    digits.is_some_and(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn status_bg<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if is_argb(s.trim()) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(de::Error::custom("not a 0xAARRGGBB colour")),
    }
}

/// Turns a deserialization error into DingTalk's 40 (missing) or 41 (invalid) answer.
fn field_error(e: &serde_path_to_error::Error<serde_json::Error>) -> Reject {
    let inner = e.inner().to_string();
    let path = e.path().to_string();
    if let Some(rest) = inner.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        let full = if path == "." || path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return Reject::new(code::MISSING_ARGUMENT, format!("Missing parameter {full}"));
    }
    if path == "." || path.is_empty() {
        return Reject::new(
            code::INVALID_ARGUMENT,
            "Invalid arguments: the body must be a JSON object",
        );
    }
    Reject::new(code::INVALID_ARGUMENT, format!("Invalid arguments:{path}"))
}

/// Whether the body is form-encoded.
pub(crate) fn is_form(req: &Incoming) -> bool {
    req.header("content-type").is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// The body as a JSON object: JSON, or a form-encoded body whose values are strings and
/// whose `msg` is JSON text.
pub(crate) fn body_object(req: &Incoming) -> Result<Map<String, Value>, Reject> {
    if is_form(req) {
        let text = String::from_utf8_lossy(&req.body);
        let mut map = Map::new();
        for (k, v) in parse_query(&text) {
            if k == "access_token" {
                continue;
            }
            let value = if k == "msg" {
                serde_json::from_str::<Value>(&v)
                    .map_err(|_| Reject::new(code::INVALID_ARGUMENT, "Invalid arguments:msg"))?
            } else {
                Value::String(v)
            };
            map.insert(k, value);
        }
        return Ok(map);
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Reject::new(
            code::INVALID_ARGUMENT,
            "Invalid arguments: the body must be a JSON object",
        )),
        Err(_) => Err(Reject::new(
            code::INVALID_ARGUMENT,
            "Invalid arguments: the body is not valid JSON",
        )),
    }
}

/// `map` as the body type `T`, or the 40/41 refusal naming the field.
pub(crate) fn decode<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, Reject> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| field_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(v: Value) -> Result<SendBody, Reject> {
        match v {
            Value::Object(map) => decode(map),
            _ => unreachable!(),
        }
    }

    #[test]
    fn send_bodies_as_json_and_as_form_text() {
        let s = send(
            json!({"agent_id": 836390886, "userid_list": "user1, user2,",
            "dept_id_list": "123,456", "to_all_user": false, "msg": {"msgtype": "text"}}),
        )
        .unwrap();
        assert_eq!(s.agent_id, 836_390_886);
        assert_eq!(s.userid_list, ["user1", "user2"]);
        assert_eq!(s.dept_id_list, [123, 456]);
        assert!(!s.to_all_user);
        let s = send(json!({"agent_id": "836390886", "to_all_user": "true", "msg": {}})).unwrap();
        assert_eq!(s.agent_id, 836_390_886);
        assert!(s.to_all_user && s.userid_list.is_empty());
    }

    #[test]
    fn fields_are_named_in_refusals() {
        let e = send(json!({"msg": {}})).unwrap_err();
        assert_eq!((e.code, e.msg.as_str()), (40, "Missing parameter agent_id"));
        let e = send(json!({"agent_id": -1, "msg": {}})).unwrap_err();
        assert_eq!((e.code, e.msg.as_str()), (41, "Invalid arguments:agent_id"));
        let e = send(json!({"agent_id": 1, "dept_id_list": "1,x", "msg": {}})).unwrap_err();
        assert_eq!(
            (e.code, e.msg.as_str()),
            (41, "Invalid arguments:dept_id_list")
        );
        let e = send(json!({"agent_id": 1, "to_all_user": 3, "msg": {}})).unwrap_err();
        assert_eq!(e.code, 41);
    }

    #[test]
    fn status_bg_is_0x_and_eight_hex_digits() {
        // The status bar page: "0xFF followed by a six-digit color value" (0xFF78C06E).
        assert!(is_argb("0xFF78C06E") && is_argb("0xff78c06e"));
        assert!(!is_argb("#78C06E") && !is_argb("FF78C06E") && !is_argb("0xFF78C06"));
        assert!(!is_argb("green"));
    }
}
