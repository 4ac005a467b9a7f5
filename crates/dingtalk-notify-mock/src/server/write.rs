//! Writing an answer on the wire, and what becomes of the connection after it.

use std::io::Write;
use std::net::TcpStream;

use crate::http;
use crate::sim::Answer;

/// The `Content-Type` of every JSON answer.
pub(crate) const JSON: &str = "application/json;charset=utf-8";

/// What becomes of a connection after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Then {
    /// Read the next request.
    KeepOpen,
    /// Close it cleanly (a FIN).
    Close,
    /// Abort it (a TCP RST).
    Reset,
}

impl Then {
    pub(super) fn keep_if(keep: bool) -> Then {
        if keep { Then::KeepOpen } else { Then::Close }
    }
}

pub(super) fn write_body(
    w: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    keep: bool,
) -> bool {
    let mut out = http::head(status, headers, Some(body.len()), keep);
    out.extend_from_slice(body);
    w.write_all(&out).and_then(|()| w.flush()).is_ok() && keep
}

pub(super) fn write_json(w: &mut TcpStream, answer: &Answer, keep: bool) -> bool {
    write_body(
        w,
        answer.status,
        &[("Content-Type", String::from(JSON))],
        &answer.body,
        keep,
    )
}
