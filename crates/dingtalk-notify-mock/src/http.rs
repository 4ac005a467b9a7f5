//! A small, strict HTTP/1.1 server side: reading requests with caps, writing responses, and
//! the helpers faults need (gzip, percent-decoding). Never panics on what a client sends.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The most bytes of request line and headers.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The most bytes drained from a refused body before closing.
const MAX_DRAIN: u64 = 16 * 1024 * 1024;

/// A request as read off the wire.
#[derive(Debug, Clone, Default)]
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) keep_alive: bool,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What reading a request gave.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// A whole request.
    Request(Incoming),
    /// The connection ended (or failed, or timed out) before a request began.
    Closed,
    /// The request is malformed: answer with this status and close.
    Malformed { status: u16, reason: &'static str },
    /// The body is over the cap: answer 413 and close. The request has no body.
    BodyTooLarge(Incoming),
}

fn read_line(
    reader: &mut BufReader<TcpStream>,
    buf: &mut Vec<u8>,
    budget: usize,
) -> io::Result<usize> {
    buf.clear();
    let cap = u64::try_from(budget).unwrap_or(u64::MAX);
    reader.by_ref().take(cap).read_until(b'\n', buf)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads one request; writes `100 Continue` when the client asks for it.
pub(crate) fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
    max_body: usize,
) -> ReadOutcome {
    let mut used = 0usize;
    let mut line = Vec::with_capacity(256);

    // The request line (empty lines before it are allowed).
    let request_line = loop {
        let n = match read_line(reader, &mut line, MAX_HEAD - used) {
            Ok(0) | Err(_) => return ReadOutcome::Closed,
            Ok(n) => n,
        };
        used += n;
        if !line.ends_with(b"\n") {
            if used >= MAX_HEAD {
                return ReadOutcome::Malformed {
                    status: 431,
                    reason: "request head too large",
                };
            }
            return ReadOutcome::Closed;
        }
        let trimmed = trim_eol(&line);
        if !trimmed.is_empty() {
            break String::from_utf8_lossy(trimmed).into_owned();
        }
        if used >= MAX_HEAD {
            return ReadOutcome::Malformed {
                status: 431,
                reason: "request head too large",
            };
        }
    };

    let mut parts = request_line.split_ascii_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return ReadOutcome::Malformed {
            status: 400,
            reason: "malformed request line",
        };
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "unsupported HTTP version",
            };
        }
    };
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return ReadOutcome::Malformed {
            status: 400,
            reason: "malformed method",
        };
    }

    // Headers.
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        if used >= MAX_HEAD {
            return ReadOutcome::Malformed {
                status: 431,
                reason: "request head too large",
            };
        }
        let n = match read_line(reader, &mut line, MAX_HEAD - used) {
            Ok(0) | Err(_) => return ReadOutcome::Closed,
            Ok(n) => n,
        };
        used += n;
        if !line.ends_with(b"\n") {
            if used >= MAX_HEAD {
                return ReadOutcome::Malformed {
                    status: 431,
                    reason: "request head too large",
                };
            }
            return ReadOutcome::Closed;
        }
        let trimmed = trim_eol(&line);
        if trimmed.is_empty() {
            break;
        }
        if trimmed.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "folded header",
            };
        }
        let text = String::from_utf8_lossy(trimmed);
        let Some((name, value)) = text.split_once(':') else {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "malformed header",
            };
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "malformed header name",
            };
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }

    let connection = header(&headers, "connection").map(str::to_ascii_lowercase);
    let keep_alive = match connection.as_deref() {
        Some(c) if c.contains("close") => false,
        Some(c) if c.contains("keep-alive") => true,
        _ => !http10,
    };

    // Split the target (origin form, or absolute form whose authority is dropped).
    let target = match target.find("://") {
        Some(i) => {
            let rest = &target[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => target,
    };
    let target = target.split('#').next().unwrap_or(target);
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));

    let mut req = Incoming {
        method: method.to_owned(),
        path: path.to_owned(),
        query: parse_query(raw_query),
        headers,
        body: Vec::new(),
        keep_alive,
    };

    // The body.
    let chunked = match header(&req.headers, "transfer-encoding") {
        None => false,
        Some(te) if te.trim().to_ascii_lowercase().ends_with("chunked") => true,
        Some(_) => {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "unsupported transfer-encoding",
            };
        }
    };
    let length = if chunked {
        None
    } else {
        let mut length = None;
        for (_, v) in req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        {
            for part in v.split(',') {
                let Ok(n) = part.trim().parse::<u64>() else {
                    return ReadOutcome::Malformed {
                        status: 400,
                        reason: "malformed content-length",
                    };
                };
                if length.is_some_and(|l| l != n) {
                    return ReadOutcome::Malformed {
                        status: 400,
                        reason: "conflicting content-length",
                    };
                }
                length = Some(n);
            }
        }
        Some(length.unwrap_or(0))
    };
    let expects_continue = !http10
        && header(&req.headers, "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    let max = u64::try_from(max_body).unwrap_or(u64::MAX);

    if let Some(len) = length {
        if len > max {
            if !expects_continue {
                drain(reader, len);
            }
            return ReadOutcome::BodyTooLarge(req);
        }
        if len > 0 {
            if expects_continue && send_continue(writer).is_err() {
                return ReadOutcome::Closed;
            }
            let mut body = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            match reader.by_ref().take(len).read_to_end(&mut body) {
                Ok(n) if n as u64 == len => {}
                _ => return ReadOutcome::Closed,
            }
            req.body = body;
        }
        return ReadOutcome::Request(req);
    }

    // Chunked.
    if expects_continue && send_continue(writer).is_err() {
        return ReadOutcome::Closed;
    }
    let mut body = Vec::new();
    loop {
        match read_line(reader, &mut line, 1024) {
            Ok(0) | Err(_) => return ReadOutcome::Closed,
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "malformed chunk size",
            };
        }
        let text = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let size_text = text.split(';').next().unwrap_or("").trim();
        let Ok(size) = u64::from_str_radix(size_text, 16) else {
            return ReadOutcome::Malformed {
                status: 400,
                reason: "malformed chunk size",
            };
        };
        if size == 0 {
            // Trailers, up to the empty line.
            let mut budget = MAX_HEAD;
            loop {
                match read_line(reader, &mut line, budget) {
                    Ok(0) | Err(_) => return ReadOutcome::Closed,
                    Ok(n) => budget = budget.saturating_sub(n),
                }
                if trim_eol(&line).is_empty() {
                    break;
                }
                if budget == 0 {
                    return ReadOutcome::Malformed {
                        status: 431,
                        reason: "trailers too large",
                    };
                }
            }
            req.body = body;
            return ReadOutcome::Request(req);
        }
        if body.len() as u64 + size > max {
            return ReadOutcome::BodyTooLarge(req);
        }
        match reader.by_ref().take(size).read_to_end(&mut body) {
            Ok(n) if n as u64 == size => {}
            _ => return ReadOutcome::Closed,
        }
        match read_line(reader, &mut line, 2) {
            Ok(_) if trim_eol(&line).is_empty() && line.ends_with(b"\n") => {}
            _ => {
                return ReadOutcome::Malformed {
                    status: 400,
                    reason: "malformed chunk",
                };
            }
        }
    }
}

fn send_continue(writer: &mut TcpStream) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

fn drain(reader: &mut BufReader<TcpStream>, len: u64) {
    let _ = io::copy(
        &mut reader.by_ref().take(len.min(MAX_DRAIN)),
        &mut io::sink(),
    );
}

/// The reason phrase of a status.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A response head: status line, the given headers, `Content-Length` (when given),
/// `Connection`, and the blank line.
pub(crate) fn head(
    status: u16,
    headers: &[(&str, String)],
    content_length: Option<usize>,
    keep_alive: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason(status)).as_bytes());
    out.extend_from_slice(b"Server: dingtalk-notify-mock\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(len) = content_length {
        out.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
    }
    out.extend_from_slice(if keep_alive {
        b"Connection: keep-alive\r\n".as_slice()
    } else {
        b"Connection: close\r\n".as_slice()
    });
    out.extend_from_slice(b"\r\n");
    out
}

/// Parses a query string (`a=1&b=x%2By`), `+` as space, bad escapes kept as they are.
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` and `+` (form encoding); invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_val);
                let lo = bytes.get(i + 2).copied().and_then(hex_val);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                } else {
                    out.push(b'%');
                    i += 1;
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const fn crc32_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static CRC32: [u32; 256] = crc32_table();

/// CRC-32 (IEEE), as gzip uses it.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC32[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// A gzip stream of `data` made of stored (uncompressed) deflate blocks: valid gzip with no
/// compressor.
pub(crate) fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65535 * 5 + 32);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    } else {
        let mut chunks = data.chunks(65535).peekable();
        while let Some(chunk) = chunks.next() {
            out.push(u8::from(chunks.peek().is_none()));
            let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition.
    #[allow(clippy::cast_possible_truncation)]
    let isize = data.len() as u32;
    out.extend_from_slice(&isize.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn gzip_layout() {
        let g = gzip_stored(b"hello");
        assert_eq!(&g[..3], &[0x1f, 0x8b, 8]);
        assert_eq!(g[10], 1); // final stored block
        assert_eq!(&g[11..15], &[5, 0, 0xfa, 0xff]);
        assert_eq!(&g[15..20], b"hello");
        assert_eq!(g.len(), 10 + 5 + 5 + 8);
        let big = vec![b'x'; 70_000];
        let g = gzip_stored(&big);
        assert_eq!(g[10], 0); // first of two blocks is not final
        assert_eq!(g.len(), 10 + 5 + 65535 + 5 + (70_000 - 65535) + 8);
    }

    #[test]
    fn decodes_queries() {
        let q = parse_query("a=1&sig=ab%2Bc%3D&b=x+y&&bad=%zz&flag");
        assert_eq!(
            q,
            [
                ("a".into(), "1".into()),
                ("sig".into(), "ab+c=".into()),
                ("b".into(), "x y".into()),
                ("bad".into(), "%zz".into()),
                ("flag".into(), String::new()),
            ]
        );
    }
}
