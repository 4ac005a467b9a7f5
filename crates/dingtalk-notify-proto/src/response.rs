//! Judging an answer: a success in one pass; otherwise the envelope first, then the payload
//! from the same bytes.

use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::code::ErrorCode;
use crate::error::{ApiError, RawBody, ResponseError, TopError};
use crate::wire::{LenientStr, opt_lenient};

mod one_pass;
mod throttle_page;

/// The envelope every oapi answer carries, read leniently; other fields are skipped. Its
/// strings borrow from the body where they can: only an error keeps them.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, deserialize_with = "opt_lenient")]
    errcode: Option<i64>,
    #[serde(default, borrow)]
    errmsg: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    request_id: Option<LenientStr<'a>>,
    // A separate field, not an alias: a gateway may send both spellings, and an alias would
    // make that a "duplicate field" error.
    #[serde(default, borrow, rename = "requestId")]
    request_id_camel: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    sub_code: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    sub_msg: Option<LenientStr<'a>>,
    // The gateway's throttle page: {"status":1111,"wait":5,"punish":"deny"}.
    #[serde(default, deserialize_with = "opt_lenient")]
    status: Option<i64>,
    #[serde(default, deserialize_with = "opt_lenient")]
    wait: Option<u64>,
    #[serde(default, borrow)]
    punish: Option<LenientStr<'a>>,
    // The old TOP gateway: {"error_response":{"code":50,"msg":…,"sub_code":…}}.
    #[serde(default, borrow)]
    error_response: Option<MaybeTop<'a>>,
}

/// `error_response`, when it has the TOP shape; anything else under that key is ignored
/// rather than failing the whole envelope.
#[derive(Deserialize)]
#[serde(untagged)]
enum MaybeTop<'a> {
    Top(#[serde(borrow)] TopEnvelope<'a>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct TopEnvelope<'a> {
    #[serde(deserialize_with = "opt_lenient")]
    code: Option<i64>,
    #[serde(default, borrow)]
    msg: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    sub_code: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    sub_msg: Option<LenientStr<'a>>,
    #[serde(default, borrow)]
    request_id: Option<LenientStr<'a>>,
}

/// Parses any `http::Response` into `R` or a [`ResponseError`].
///
/// The rules, in order:
/// 1. A JSON envelope with `errcode != 0` is [`ResponseError::Api`], whatever the HTTP status.
/// 2. `errcode == 0` under a 2xx status: the payload is decoded from the same bytes; a missing
///    or mistyped field is [`ResponseError::Decode`] naming the field.
/// 3. The gateway's IP throttle (`{"status":1111,"wait":5,...}`, as JSON or inside an HTML
///    page) is [`ResponseError::Throttled`].
/// 4. The old TOP gateway's `{"error_response":{...}}` is [`ResponseError::Top`].
/// 5. Any other non-2xx answer is [`ResponseError::Status`], keeping the raw body.
/// 6. A 2xx body that is not JSON, is truncated, or has no `errcode` is
///    [`ResponseError::Decode`].
///
/// Numbers may arrive as strings, unknown fields are ignored, and missing lists are empty.
///
/// # Errors
/// As above.
pub fn parse_response<R, B>(response: http::Response<B>) -> Result<R, ResponseError>
where
    R: DeserializeOwned,
    B: AsRef<[u8]>,
{
    let status = response.status();
    let bytes = response.body().as_ref();
    // A success in one pass; anything else is judged below, from the same bytes.
    if status.is_success() {
        if let Some(value) = one_pass::decode_success(bytes) {
            return Ok(value);
        }
    }
    let envelope = match serde_json::from_slice::<Envelope>(bytes) {
        Ok(env) => env,
        Err(e) => {
            return Err(match throttle_page::scan(bytes) {
                // Not JSON, but the IP throttle's page (it embeds the same fields).
                Some(page) => ResponseError::Throttled {
                    status,
                    code: page.status,
                    wait: page.wait.map(Duration::from_secs),
                    punish: page.punish,
                },
                None if status.is_success() => ResponseError::Decode {
                    status,
                    field: None,
                    reason: describe_json_error(&e),
                    body: RawBody::new(bytes),
                },
                None => status_error(status, bytes),
            });
        }
    };
    match envelope.errcode {
        Some(0) if status.is_success() => decode_payload(status, bytes),
        Some(0) => Err(status_error(status, bytes)),
        Some(code) => {
            let errmsg = envelope.errmsg.map(LenientStr::into_string);
            let mut api =
                ApiError::new(ErrorCode::new(code), errmsg.unwrap_or_default()).with_status(status);
            api.sub_code = envelope.sub_code.map(LenientStr::into_string);
            api.sub_msg = envelope.sub_msg.map(LenientStr::into_string);
            api.request_id = envelope
                .request_id
                .or(envelope.request_id_camel)
                .map(LenientStr::into_string);
            Err(ResponseError::Api(api))
        }
        None => match envelope.status {
            Some(code) if envelope.wait.is_some() || envelope.punish.is_some() || code == 1111 => {
                Err(ResponseError::Throttled {
                    status,
                    code,
                    wait: envelope.wait.map(Duration::from_secs),
                    punish: envelope.punish.map(LenientStr::into_string),
                })
            }
            _ => match envelope.error_response {
                Some(MaybeTop::Top(top)) => Err(ResponseError::Top(TopError {
                    code: top.code.unwrap_or_default(),
                    msg: top.msg.map(LenientStr::into_string).unwrap_or_default(),
                    sub_code: top.sub_code.map(LenientStr::into_string),
                    sub_msg: top.sub_msg.map(LenientStr::into_string),
                    request_id: top.request_id.map(LenientStr::into_string),
                    status,
                })),
                _ if !status.is_success() => Err(status_error(status, bytes)),
                _ => Err(ResponseError::Decode {
                    status,
                    field: Some("errcode".to_owned()),
                    reason: "the body is JSON but not a DingTalk envelope (no `errcode`)"
                        .to_owned(),
                    body: RawBody::new(bytes),
                }),
            },
        },
    }
}

fn status_error(status: StatusCode, bytes: &[u8]) -> ResponseError {
    ResponseError::Status {
        status,
        body: RawBody::new(bytes),
    }
}

fn decode_payload<R: DeserializeOwned>(
    status: StatusCode,
    bytes: &[u8],
) -> Result<R, ResponseError> {
    // The common case first, without path tracking: serde_path_to_error allocates a String
    // per key it passes, about half the cost of a parse. Only a failure is decoded again,
    // with tracking, to name the field (the same bytes fail the same way).
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(m)) => Some(m.to_owned()),
            (".", None) => None,
            (p, Some(m)) => Some(format!("{p}.{m}")),
            (p, None) => Some(p.to_owned()),
        };
        ResponseError::Decode {
            status,
            field,
            reason: describe_json_error(&inner),
            body: RawBody::new(bytes),
        }
    })
}

fn describe_json_error(e: &serde_json::Error) -> String {
    if e.is_eof() {
        format!("the body ends early (truncated?): {e}")
    } else if e.is_syntax() {
        format!("the body is not valid JSON: {e}")
    } else {
        e.to_string()
    }
}
