//! Answering one request on the wire: the simulator's answer, an answer replaced by a
//! fault, or a real answer damaged by one.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;

use super::lock;
use super::shared::Shared;
use super::write::{JSON, Then, write_body, write_json};
use crate::fault::{Fault, Route};
use crate::http::{self, Incoming};
use crate::sim::{Answer, Reject, Wrap, answer, code};

const MAX_HUGE_HEADERS: usize = 16 * 1024 * 1024;
pub(crate) const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n";
const THROTTLE_JSON: &str = r#"{"status":1111,"wait":5,"punish":"deny"}"#;
/// The IP throttle as the HTML page some gateways serve instead of the JSON.
const THROTTLE_HTML: &str = "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>访问被拒绝</title></head>\r\n<body><h1>访问被拒绝</h1><p>您的访问过于频繁,请稍后再试 (status 1111, wait 5)</p></body></html>\r\n";
/// The old TOP gateway's error shape (dingtalk.oapi pages on open.alitrip.com, "异常示例").
const OLD_GATEWAY_ERROR: &str = r#"{"error_response":{"msg":"Remote service error","code":50,"sub_msg":"非法参数","sub_code":"isv.invalid-parameter"}}"#;

impl Shared {
    /// Handles one request.
    pub(super) fn handle(&self, req: &Incoming, w: &mut TcpStream) -> Then {
        let now = self.clock.now();
        let route = self.route_of(&req.path);
        if matches!(route, Route::GetToken | Route::GetCorpToken) {
            self.token_fetches.fetch_add(1, Ordering::SeqCst);
        }
        self.record(req, route, now);
        let keep = req.keep_alive;
        if req.method == "HEAD" {
            // No route takes HEAD (404 or 405), and an answer to HEAD has no body: the head
            // alone, or a client would read the body as the next response. No fault applies.
            let answer = self.answer(route, req, now);
            let ct = [("Content-Type", String::from(JSON))];
            let head = http::head(answer.status, &ct, Some(answer.body.len()), keep);
            return Then::keep_if(w.write_all(&head).and_then(|()| w.flush()).is_ok() && keep);
        }
        let fault = lock(&self.faults).on_call(route);
        if let Some(fault) = &fault {
            if !fault.runs_the_call() {
                log::debug!("mock: {} {} -> fault {fault:?}", req.method, req.path);
                return Then::keep_if(self.replace(fault, route, w, keep));
            }
        }
        let answer = self.answer(route, req, now);
        log::debug!(
            "mock: {} {} -> {} errcode {}",
            req.method,
            req.path,
            answer.status,
            answer.errcode
        );
        match fault {
            None => Then::keep_if(write_json(w, &answer, keep)),
            Some(fault) => self.mangle(&fault, &answer, w, keep),
        }
    }

    /// A fault standing in for the answer.
    pub(super) fn replace(
        &self,
        fault: &Fault,
        route: Route,
        w: &mut TcpStream,
        keep: bool,
    ) -> bool {
        match fault {
            Fault::HttpStatus { status, body } => {
                let status = (*status).clamp(200, 599);
                let ct = [("Content-Type", String::from("text/html;charset=utf-8"))];
                if matches!(status, 204 | 304) {
                    // These never have a body (RFC 9110 §15.3.5, §15.4.5): any given is
                    // dropped, or a client would read it as the next response.
                    let head = http::head(status, &ct, None, keep);
                    w.write_all(&head).and_then(|()| w.flush()).is_ok() && keep
                } else {
                    write_body(w, status, &ct, body.as_bytes(), keep)
                }
            }
            Fault::Http502Html => write_body(
                w,
                502,
                &[("Content-Type", "text/html".into())],
                BAD_GATEWAY_HTML.as_bytes(),
                keep,
            ),
            Fault::Throttle => write_body(
                w,
                200,
                &[("Content-Type", JSON.into())],
                THROTTLE_JSON.as_bytes(),
                keep,
            ),
            Fault::ThrottleHtml => write_body(
                w,
                200,
                &[("Content-Type", "text/html;charset=utf-8".into())],
                THROTTLE_HTML.as_bytes(),
                keep,
            ),
            Fault::OldGatewayError => write_body(
                w,
                200,
                &[("Content-Type", JSON.into())],
                OLD_GATEWAY_ERROR.as_bytes(),
                keep,
            ),
            Fault::Code(value) => {
                let msg = code::description(*value).unwrap_or("injected error");
                let reject = Reject::new(*value, msg);
                let wrap = self.error_style.wrap(route, *value);
                write_json(w, &answer::refuse(&reject, wrap, &self.ids), keep)
            }
            Fault::Wrapped { sub_code, sub_msg } => {
                let answer = answer::wrapped(sub_code.as_deref(), sub_msg, &self.ids);
                write_json(w, &answer, keep)
            }
            Fault::ErrCode(value) => {
                let value = *value;
                let msg = code::description(value).unwrap_or("injected error");
                let reject = Reject::new(value, msg);
                write_json(w, &answer::refuse(&reject, Wrap::Plain, &self.ids), keep)
            }
            Fault::Redirect(location) => {
                let location: String = location.chars().filter(|c| !c.is_control()).collect();
                write_body(w, 302, &[("Location", location)], b"", keep)
            }
            Fault::Oversized(size) => self.padded_envelope(*size, None, w, keep).is_ok() && keep,
            Fault::OversizedBehindSmallContentLength { declared, actual } => {
                let _ = self.padded_envelope(*actual, Some(*declared), w, false);
                false
            }
            Fault::Raw(bytes) => {
                let _ = w.write_all(bytes).and_then(|()| w.flush());
                false
            }
            // Faults that run the call never come here; answer normally if they do.
            _ => write_body(w, 200, &[], b"", keep),
        }
    }

    /// A `200` whose body is a valid-looking envelope padded with a long string. With
    /// `lie: None` the body is `size` bytes (at least the envelope) and `Content-Length`
    /// says so: valid JSON. With `lie: Some(declared)` the head says `declared` and exactly
    /// `size` bytes follow (cut short if `size` is under the envelope's length).
    fn padded_envelope(
        &self,
        size: usize,
        lie: Option<usize>,
        w: &mut TcpStream,
        keep: bool,
    ) -> io::Result<()> {
        let prefix = format!(
            r#"{{"errcode":0,"errmsg":"ok","request_id":"{}","padding":""#,
            self.ids.request_id()
        );
        let suffix = "\"}";
        let actual = match lie {
            None => size.max(prefix.len() + suffix.len()),
            Some(_) => size,
        };
        let declared = lie.unwrap_or(actual);
        let pad = actual.saturating_sub(prefix.len() + suffix.len());
        let head = http::head(200, &[("Content-Type", JSON.into())], Some(declared), keep);
        w.write_all(&head)?;
        let mut left = actual;
        let mut put = |w: &mut TcpStream, bytes: &[u8]| -> io::Result<()> {
            let n = bytes.len().min(left);
            left -= n;
            w.write_all(&bytes[..n])
        };
        put(w, prefix.as_bytes())?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut pad_left = pad;
        while pad_left > 0 {
            let n = pad_left.min(chunk.len());
            put(w, &chunk[..n])?;
            pad_left -= n;
        }
        put(w, suffix.as_bytes())?;
        w.flush()
    }

    /// A fault damaging the real answer.
    pub(super) fn mangle(
        &self,
        fault: &Fault,
        answer: &Answer,
        w: &mut TcpStream,
        keep: bool,
    ) -> Then {
        let ct = [("Content-Type", String::from(JSON))];
        let body = answer.body.as_slice();
        match fault {
            Fault::Delay(d) => Then::keep_if(self.sleep(*d) && write_json(w, answer, keep)),
            Fault::SlowDrip { chunk, interval } => {
                let head = http::head(answer.status, &ct, Some(body.len()), keep);
                if w.write_all(&head).and_then(|()| w.flush()).is_err() {
                    return Then::Close;
                }
                for piece in body.chunks((*chunk).max(1)) {
                    if !self.sleep(*interval) {
                        return Then::Close;
                    }
                    if w.write_all(piece).and_then(|()| w.flush()).is_err() {
                        return Then::Close;
                    }
                }
                Then::keep_if(keep)
            }
            Fault::ResetBeforeResponse => Then::Reset,
            Fault::CloseBeforeResponse => Then::Close,
            Fault::ResetMidBody | Fault::CloseMidBody => {
                let head = http::head(answer.status, &ct, Some(body.len()), keep);
                let _ = w
                    .write_all(&head)
                    .and_then(|()| w.write_all(&body[..body.len() / 2]))
                    .and_then(|()| w.flush());
                if *fault == Fault::ResetMidBody {
                    Then::Reset
                } else {
                    Then::Close
                }
            }
            Fault::TruncatedJson => {
                let cut = &body[..body.len() / 2];
                Then::keep_if(write_body(w, answer.status, &ct, cut, keep))
            }
            Fault::LyingContentLength => {
                let head = http::head(answer.status, &ct, Some(body.len() / 2), false);
                let _ = w
                    .write_all(&head)
                    .and_then(|()| w.write_all(body))
                    .and_then(|()| w.flush());
                Then::Close
            }
            Fault::Gzip => {
                let gz = http::gzip(body);
                let headers = [
                    ("Content-Type", String::from(JSON)),
                    ("Content-Encoding", "gzip".into()),
                ];
                Then::keep_if(write_body(w, answer.status, &headers, &gz, keep))
            }
            Fault::HugeHeaders(size) => {
                let mut padding: Vec<(String, String)> = Vec::new();
                let mut added = 0usize;
                while added < (*size).min(MAX_HUGE_HEADERS) {
                    let name = format!("X-Mock-Padding-{}", padding.len());
                    let value = "x".repeat(1000);
                    added += name.len() + value.len() + 4;
                    padding.push((name, value));
                }
                let mut headers: Vec<(&str, String)> = vec![("Content-Type", JSON.into())];
                headers.extend(padding.iter().map(|(n, v)| (n.as_str(), v.clone())));
                Then::keep_if(write_body(w, answer.status, &headers, body, keep))
            }
            _ => Then::keep_if(write_json(w, answer, keep)),
        }
    }
}
