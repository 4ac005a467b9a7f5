//! `codec`: build and parse with no IO, for a profiler (`valgrind --tool=callgrind`).

use std::hint::black_box;
use std::time::Instant;

use dingtalk_notify::kit::api::{GetSendProgress, GetSendResult, UpdateStatusBar};
use dingtalk_notify::{AccessToken, BaseUrl, Endpoint, StatusColor};

use crate::{AGENT, Result, TASK, TOKEN};

/// Build and parse with no IO, `iters` times, for a profiler.
pub(crate) fn codec(case: &str, iters: u64) -> Result<()> {
    let base = BaseUrl::new("https://oapi.dingtalk.com")?;
    let token = AccessToken::new(TOKEN);
    let auth = &token;
    let start = Instant::now();
    match case {
        "status-bar" => {
            let bar = UpdateStatusBar::new(AGENT, TASK, "Approved")
                .status_bg(StatusColor::from_argb(0xFF78_C06E));
            let answer = STATUS_BAR_OK.as_bytes();
            for _ in 0..iters {
                black_box(black_box(&bar).build_request(&base, auth)?);
                black_box(UpdateStatusBar::parse_response(http::Response::new(
                    black_box(answer),
                ))?);
            }
        }
        "progress" => {
            let req = GetSendProgress::new(AGENT, TASK);
            let answer = br#"{"errcode":0,"errmsg":"ok","progress":{"progress_in_percent":100,"status":2},"request_id":"ihnkwb9r8uvc"}"#;
            for _ in 0..iters {
                black_box(black_box(&req).build_request(&base, auth)?);
                black_box(GetSendProgress::parse_response(http::Response::new(
                    black_box(&answer[..]),
                ))?);
            }
        }
        "result-100" => {
            let answer = result_100();
            for _ in 0..iters {
                black_box(GetSendResult::parse_response(http::Response::new(
                    black_box(answer.as_bytes()),
                ))?);
            }
        }
        // The two sides of the parse ratio, alone, for callgrind's instruction counts:
        // `parse-<x>` the typed parse, `value-<x>` serde_json's `Value` of the same bytes.
        "parse-status-bar" | "value-status-bar" | "parse-result-100" | "value-result-100" => {
            let body = if case.ends_with("status-bar") {
                STATUS_BAR_OK.to_owned()
            } else {
                result_100()
            };
            let bytes = body.as_bytes();
            // Chosen once, so both sides run the same loop.
            let parse: fn(&[u8]) -> Result<()> = match case {
                "parse-status-bar" => |b| {
                    black_box(UpdateStatusBar::parse_response(http::Response::new(b))?);
                    Ok(())
                },
                "parse-result-100" => |b| {
                    black_box(GetSendResult::parse_response(http::Response::new(b))?);
                    Ok(())
                },
                _ => |b| {
                    black_box(serde_json::from_slice::<serde_json::Value>(b)?);
                    Ok(())
                },
            };
            for _ in 0..iters {
                parse(black_box(bytes))?;
            }
        }
        other => return Err(format!("unknown codec case {other:?}").into()),
    }
    let ns = start.elapsed().as_nanos() / u128::from(iters.max(1));
    crate::emit(&serde_json::json!({
        "mode": "codec",
        "case": case,
        "iters": iters,
        "ns_per_iter": ns,
    }))
}

/// The status bar's success answer.
const STATUS_BAR_OK: &str = r#"{"errcode":0,"errmsg":"ok","request_id":"8ra8xmc1ut7l"}"#;

/// A send result listing 100 user ids.
fn result_100() -> String {
    let ids: Vec<String> = (0..100).map(|i| format!("user{i:07}")).collect();
    serde_json::json!({
        "errcode": 0,
        "errmsg": "ok",
        "send_result": {
            "read_user_id_list": &ids[..50],
            "unread_user_id_list": &ids[50..],
        },
        "request_id": "6pcvwp6jcows",
    })
    .to_string()
}
