//! Answers: DingTalk's `{"errcode","errmsg","request_id"}` envelope around a payload, and
//! refusals, rendered plain or (on `/topapi` paths, as the real gateway does) wrapped as
//! `errcode 88` with a string `sub_code`.

use serde::Serialize;

use super::ids::Ids;
use crate::sim::code;

/// An answer, ready for the wire.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The JSON body.
    pub(crate) body: Vec<u8>,
    /// The top-level `errcode` it carries (for the log).
    pub(crate) errcode: i64,
}

/// A refusal: the code and message DingTalk gives, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reject {
    /// The HTTP status (200 unless the gateway says otherwise).
    pub(crate) status: u16,
    /// The DingTalk code.
    pub(crate) code: i64,
    /// Its message.
    pub(crate) msg: String,
}

impl Reject {
    /// A refusal under HTTP 200, as DingTalk answers nearly every error.
    pub(crate) fn new(code: i64, msg: impl Into<String>) -> Self {
        Self::with_status(200, code, msg)
    }

    /// A refusal under HTTP 200 with the `errmsg` of the simulator's code table.
    pub(crate) fn described(code: i64) -> Self {
        Self::new(code, code::description(code).unwrap_or("error"))
    }

    /// A refusal under another HTTP status.
    pub(crate) fn with_status(status: u16, code: i64, msg: impl Into<String>) -> Self {
        Self {
            status,
            code,
            msg: msg.into(),
        }
    }
}

/// How a refusal is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wrap {
    /// `{"errcode": code, "errmsg": msg}`.
    Plain,
    /// `{"errcode": 88, "sub_code": "code", "sub_msg": msg, "errmsg": "ding talk error[…]"}`.
    Code88,
    /// `{"errcode": code, "errmsg": msg, "sub_msg": msg}` (the unknown-path answer).
    SubMsgOnly,
}

#[derive(Serialize)]
struct Envelope<'a, P: Serialize> {
    errcode: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_msg: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errmsg: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    payload: Option<&'a P>,
    request_id: &'a str,
}

fn write<P: Serialize>(status: u16, envelope: &Envelope<'_, P>) -> Answer {
    let body = serde_json::to_vec(envelope).unwrap_or_else(|_| {
        format!(
            r#"{{"errcode":-1,"errmsg":"system busy","request_id":"{}"}}"#,
            envelope.request_id
        )
        .into_bytes()
    });
    Answer {
        status,
        body,
        errcode: envelope.errcode,
    }
}

/// A success envelope with `payload`'s fields; `errmsg: "ok"` only if `with_errmsg`
/// (the real gateway often leaves it out).
pub(crate) fn ok<P: Serialize>(payload: &P, with_errmsg: bool, ids: &Ids) -> Answer {
    let request_id = ids.request_id();
    write(
        200,
        &Envelope {
            errcode: code::OK,
            sub_code: None,
            sub_msg: None,
            errmsg: with_errmsg.then_some("ok"),
            payload: Some(payload),
            request_id: &request_id,
        },
    )
}

/// An `errcode 88` envelope as given: `sub_code` (if any) and `sub_msg`.
pub(crate) fn wrapped(sub_code: Option<&str>, sub_msg: &str, ids: &Ids) -> Answer {
    let request_id = ids.request_id();
    let errmsg = match sub_code {
        Some(sub_code) => code::wrapped_errmsg(sub_code, sub_msg),
        None => sub_msg.to_owned(),
    };
    write(
        200,
        &Envelope::<()> {
            errcode: code::WRAPPED,
            sub_code,
            sub_msg: Some(sub_msg),
            errmsg: Some(&errmsg),
            payload: None,
            request_id: &request_id,
        },
    )
}

/// A refusal, written as `wrap` says.
pub(crate) fn refuse(reject: &Reject, wrap: Wrap, ids: &Ids) -> Answer {
    let request_id = ids.request_id();
    let sub_code = reject.code.to_string();
    let wrapped;
    let envelope = match wrap {
        Wrap::Plain => Envelope::<()> {
            errcode: reject.code,
            sub_code: None,
            sub_msg: None,
            errmsg: Some(&reject.msg),
            payload: None,
            request_id: &request_id,
        },
        Wrap::Code88 => {
            wrapped = code::wrapped_errmsg(&sub_code, &reject.msg);
            Envelope {
                errcode: code::WRAPPED,
                sub_code: Some(&sub_code),
                sub_msg: Some(&reject.msg),
                errmsg: Some(&wrapped),
                payload: None,
                request_id: &request_id,
            }
        }
        Wrap::SubMsgOnly => Envelope {
            errcode: reject.code,
            sub_code: None,
            sub_msg: Some(&reject.msg),
            errmsg: Some("Invalid method"),
            payload: None,
            request_id: &request_id,
        },
    };
    write(reject.status, &envelope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    #[derive(Serialize)]
    struct TaskId {
        task_id: u64,
    }

    fn json(a: &Answer) -> Value {
        serde_json::from_slice(&a.body).unwrap()
    }

    #[test]
    fn envelope_keeps_payload_fields_flat() {
        let ids = Ids::new();
        let v = json(&ok(
            &TaskId {
                task_id: 256_271_667_526,
            },
            true,
            &ids,
        ));
        assert_eq!(v["errcode"], 0);
        assert_eq!(v["errmsg"], "ok");
        assert_eq!(v["task_id"].as_u64(), Some(256_271_667_526));
        assert!(v["request_id"].is_string());
        let v = json(&ok(&TaskId { task_id: 1 }, false, &ids));
        assert!(v.get("errmsg").is_none(), "{v}");
        let v = json(&refuse(
            &Reject::new(40035, "Invalid parameter"),
            Wrap::Plain,
            &ids,
        ));
        assert_eq!(v["errcode"], 40035);
        assert_eq!(v.as_object().map(Map::len), Some(3));
    }

    #[test]
    fn wrapped_refusals_look_like_the_captured_gateway_answer() {
        // The shape of a rejected token on a topapi path, as captured from the live host
        // (issue 10; /work/shared/spec/current-reference.md, "Error envelope").
        let ids = Ids::new();
        let a = refuse(
            &Reject::new(40014, "不合法的access_token"),
            Wrap::Code88,
            &ids,
        );
        let v = json(&a);
        assert_eq!(a.status, 200);
        assert_eq!(v["errcode"], 88);
        assert_eq!(v["sub_code"], "40014");
        assert_eq!(v["sub_msg"], "不合法的access_token");
        assert_eq!(
            v["errmsg"],
            "ding talk error[subcode=40014,submsg=不合法的access_token]"
        );
        assert_eq!(v["request_id"].as_str().map(str::len), Some(13));
        let v = json(&refuse(
            &Reject::new(22, "不存在的方法名"),
            Wrap::SubMsgOnly,
            &ids,
        ));
        assert_eq!(v["errcode"], 22);
        assert_eq!(v["sub_msg"], "不存在的方法名");
        assert!(v.get("sub_code").is_none());
    }
}
