//! The HTTP/1.1 server side: reading requests with caps (heads and chunk sizes parsed by
//! `httparse`), and, in [`wire`], writing responses.
//! Never panics on what a client sends.

mod deadline;
pub mod multipart;
mod wire;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The most bytes of request line and headers (and of chunked trailers).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The most header fields a request may carry (hyper's default too); more answer `431`.
const MAX_HEADERS: usize = 100;
/// The most bytes of a chunk-size line, extensions included.
const MAX_CHUNK_LINE: usize = 1024;
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
    pub(crate) http10: bool,
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

/// Why a section (a request head, chunked trailers) could not be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The connection ended, failed or timed out first.
    Closed,
    /// No empty line within the cap.
    TooLarge,
    /// A request head that does not start with a letter (as every method does): a TLS
    /// `ClientHello` on this plaintext port, say. Refused at once rather than waiting for an
    /// empty line that never comes.
    NotHttp,
}

/// The end (one past the `\n`) of the first empty line (`\r\n` or a bare `\n`) that starts
/// at `from - 1` or later in `buf`. A line starts at 0 or right after a `\n`.
fn blank_line_end(buf: &[u8], from: usize) -> Option<usize> {
    (from.saturating_sub(1)..buf.len())
        .filter(|&i| i == 0 || buf[i - 1] == b'\n')
        .find_map(|i| match (buf[i], buf.get(i + 1)) {
            (b'\n', _) => Some(i + 1),
            (b'\r', Some(b'\n')) => Some(i + 2),
            _ => None,
        })
}

/// Reads up to and including the first empty line, at most `cap` bytes (skipped ones
/// included), and leaves whatever follows (a body, a pipelined request) in `reader`. With
/// `skip_blank_lines`, empty lines before the section are dropped (RFC 9112 §2.2 allows
/// them before a request line).
fn read_section(reader: &mut Reader, cap: usize, skip_blank_lines: bool) -> Result<Vec<u8>, Cut> {
    let mut buf = Vec::with_capacity(512);
    let mut used = 0usize;
    loop {
        let from = buf.len();
        let (skip, take) = {
            let chunk = match reader.fill_buf() {
                Ok([]) => return Err(Cut::Closed),
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Cut::Closed),
            };
            let skip = if skip_blank_lines && buf.is_empty() {
                chunk
                    .iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count()
            } else {
                0
            };
            if skip_blank_lines && buf.is_empty() {
                if let Some(first) = chunk.get(skip) {
                    if !first.is_ascii_alphabetic() {
                        return Err(Cut::NotHttp);
                    }
                }
            }
            let take = (chunk.len() - skip).min(cap.saturating_sub(used + skip));
            buf.extend_from_slice(&chunk[skip..skip + take]);
            (skip, take)
        };
        if let Some(end) = blank_line_end(&buf, from) {
            reader.consume(skip + (end - from));
            buf.truncate(end);
            return Ok(buf);
        }
        reader.consume(skip + take);
        used += skip + take;
        if used >= cap {
            return Err(Cut::TooLarge);
        }
    }
}

/// Reads one line of at most `budget` bytes (the `\n` included) into `buf`.
fn read_line(reader: &mut Reader, buf: &mut Vec<u8>, budget: usize) -> io::Result<usize> {
    buf.clear();
    let cap = u64::try_from(budget).unwrap_or(u64::MAX);
    reader.by_ref().take(cap).read_until(b'\n', buf)
}

const TOO_LARGE: ReadOutcome = ReadOutcome::Malformed {
    status: 431,
    reason: "request head too large",
};

fn malformed(reason: &'static str) -> ReadOutcome {
    ReadOutcome::Malformed {
        status: 400,
        reason,
    }
}

/// Parses a request head (up to and including its empty line) with `httparse`.
///
/// Errors are the status and reason to answer with.
fn parse_head(raw: &[u8]) -> Result<Incoming, (u16, &'static str)> {
    let bad = |reason| Err((400, reason));
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    let mut config = httparse::ParserConfig::default();
    config.allow_multiple_spaces_in_request_line_delimiters(true);
    match config.parse_request(&mut parsed, raw) {
        Ok(httparse::Status::Complete(_)) => {}
        // `raw` ends with the empty line, so a head cut short is a malformed one.
        Ok(httparse::Status::Partial) => return bad("incomplete request head"),
        Err(httparse::Error::TooManyHeaders) => {
            return Err((431, "too many header fields"));
        }
        Err(httparse::Error::Version) => return bad("unsupported HTTP version"),
        Err(httparse::Error::HeaderName) => return bad("malformed header name"),
        Err(httparse::Error::HeaderValue) => return bad("malformed header value"),
        Err(httparse::Error::NewLine) => return bad("malformed line ending"),
        Err(_) => return bad("malformed request line"),
    }
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return bad("malformed request line");
    };
    // Methods are case-sensitive and every method DingTalk knows is upper case.
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return bad("malformed method");
    }
    let http10 = version == 0;
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect();

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

    Ok(Incoming {
        method: method.to_owned(),
        path: path.to_owned(),
        query: parse_query(raw_query),
        headers,
        body: Vec::new(),
        keep_alive,
        http10,
    })
}

/// Reads one request; writes `100 Continue` when the client asks for it.
///
/// The head is read up to its empty line (at most [`MAX_HEAD`] bytes) and parsed by
/// `httparse`; the body follows `Content-Length` or the chunked coding (chunk sizes parsed
/// by `httparse` too), within `max_body`.
pub(crate) fn read_request(
    reader: &mut Reader,
    writer: &mut TcpStream,
    max_body: usize,
) -> ReadOutcome {
    let raw = match read_section(reader, MAX_HEAD, true) {
        Ok(raw) => raw,
        Err(Cut::Closed) => return ReadOutcome::Closed,
        Err(Cut::TooLarge) => return TOO_LARGE,
        Err(Cut::NotHttp) => return malformed("not an HTTP request"),
    };
    let mut req = match parse_head(&raw) {
        Ok(req) => req,
        Err((status, reason)) => return ReadOutcome::Malformed { status, reason },
    };
    let max_body = multipart::body_cap(&req.path, max_body);
    // The head is in: the body has a deadline of its own.
    reader.get_mut().set(BODY_TIMEOUT);

    // The body.
    // `chunked` is the only transfer coding understood, and only on its own.
    let chunked = match req.header("transfer-encoding") {
        None => false,
        Some(te) if te.eq_ignore_ascii_case("chunked") => true,
        Some(_) => return malformed("unsupported transfer-encoding"),
    };
    if chunked && req.header("content-length").is_some() {
        // Transfer-Encoding wins, and the connection must close after the answer
        // (RFC 9112 §6.3): the two framings may have been read differently upstream.
        req.keep_alive = false;
    }
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
                // 1*DIGIT: `u64::from_str` would also take a leading `+`.
                let part = part.trim();
                let n = match part.parse::<u64>() {
                    Ok(n) if part.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return malformed("malformed content-length"),
                };
                if length.is_some_and(|l| l != n) {
                    return malformed("conflicting content-length");
                }
                length = Some(n);
            }
        }
        Some(length.unwrap_or(0))
    };
    let expects_continue = !req.http10
        && req
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
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
    let mut line = Vec::with_capacity(64);
    loop {
        match read_line(reader, &mut line, MAX_CHUNK_LINE) {
            Ok(0) | Err(_) => return ReadOutcome::Closed,
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") {
            return malformed("malformed chunk size");
        }
        // A bare LF ends a line too (RFC 9112 §2.2); httparse wants CRLF.
        if !line.ends_with(b"\r\n") {
            line.insert(line.len() - 1, b'\r');
        }
        let size = match httparse::parse_chunk_size(&line) {
            Ok(httparse::Status::Complete((_, size))) => size,
            Ok(httparse::Status::Partial) | Err(httparse::InvalidChunkSize) => {
                return malformed("malformed chunk size");
            }
        };
        if size == 0 {
            // Trailers, up to the empty line: parsed, then ignored.
            let trailers = match read_section(reader, MAX_HEAD, false) {
                Ok(raw) => raw,
                Err(Cut::Closed) => return ReadOutcome::Closed,
                Err(Cut::TooLarge) => {
                    return ReadOutcome::Malformed {
                        status: 431,
                        reason: "trailers too large",
                    };
                }
                Err(Cut::NotHttp) => return malformed("malformed trailers"),
            };
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            match httparse::parse_headers(&trailers, &mut slots) {
                Ok(httparse::Status::Complete(_)) => {}
                Err(httparse::Error::TooManyHeaders) => {
                    return ReadOutcome::Malformed {
                        status: 431,
                        reason: "too many trailer fields",
                    };
                }
                Ok(httparse::Status::Partial) | Err(_) => return malformed("malformed trailers"),
            }
            req.body = body;
            return ReadOutcome::Request(req);
        }
        if (body.len() as u64).saturating_add(size) > max {
            return ReadOutcome::BodyTooLarge(req);
        }
        match reader.by_ref().take(size).read_to_end(&mut body) {
            Ok(n) if n as u64 == size => {}
            _ => return ReadOutcome::Closed,
        }
        match read_line(reader, &mut line, 2) {
            Ok(_) if matches!(line.as_slice(), b"\r\n" | b"\n") => {}
            _ => return malformed("malformed chunk"),
        }
    }
}

fn send_continue(writer: &mut TcpStream) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

fn drain(reader: &mut Reader, len: u64) {
    let _ = io::copy(
        &mut reader.by_ref().take(len.min(MAX_DRAIN)),
        &mut io::sink(),
    );
}

pub(crate) use deadline::Deadline;
pub(crate) use wire::{gzip, head, parse_query};

/// A connection's read half: buffered, with a deadline.
pub(crate) type Reader = BufReader<Deadline>;

/// How long a request's body may take once its head is in.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Shutdown, TcpListener};

    /// Everything `read_request` makes of `raw` (sent whole, then the write side closed),
    /// up to the first outcome that ends the connection.
    fn outcomes(raw: &[u8]) -> Vec<ReadOutcome> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let sender = {
            let raw = raw.to_vec();
            std::thread::spawn(move || {
                let _ = client.write_all(&raw);
                let _ = client.shutdown(Shutdown::Write);
                client
            })
        };
        let mut reader = BufReader::new(Deadline::new(server.try_clone().unwrap()));
        let mut writer = server;
        let mut out = Vec::new();
        loop {
            let outcome = read_request(&mut reader, &mut writer, 1024);
            let last = !matches!(outcome, ReadOutcome::Request(_));
            out.push(outcome);
            if last {
                break;
            }
        }
        drop(sender.join().unwrap());
        out
    }

    fn one(raw: &[u8]) -> ReadOutcome {
        outcomes(raw).remove(0)
    }

    fn request(raw: &[u8]) -> Incoming {
        match one(raw) {
            ReadOutcome::Request(req) => req,
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(raw)),
        }
    }

    #[track_caller]
    fn assert_malformed(raw: &[u8], want_status: u16, want_reason: &str) {
        match one(raw) {
            ReadOutcome::Malformed { status, reason } => {
                assert_eq!((status, reason), (want_status, want_reason));
            }
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(raw)),
        }
    }

    #[test]
    fn pipelined_requests_keep_their_bodies_apart() {
        let all = outcomes(
            b"GET /a?x=1&y=%2B HTTP/1.1\r\nHost: h\r\n\r\n\
              POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
              POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
              GET http://example.invalid/d#frag HTTP/1.0\r\n\r\n",
        );
        let [
            ReadOutcome::Request(a),
            ReadOutcome::Request(b),
            ReadOutcome::Request(c),
            ReadOutcome::Request(d),
            ReadOutcome::Closed,
        ] = all.as_slice()
        else {
            panic!("{all:?}");
        };
        assert_eq!((a.method.as_str(), a.path.as_str()), ("GET", "/a"));
        assert_eq!(a.query_value("y"), Some("+"));
        assert_eq!(a.header("HOST"), Some("h"));
        assert!(a.keep_alive && !a.http10);
        assert_eq!(
            (b.path.as_str(), b.body.as_slice()),
            ("/b", b"hello".as_slice())
        );
        assert_eq!(
            (c.path.as_str(), c.body.as_slice()),
            ("/c", b"abc".as_slice())
        );
        assert_eq!(d.path, "/d");
        assert!(d.http10 && !d.keep_alive);
    }

    #[test]
    fn lenient_where_http_allows_it() {
        // Empty lines before the request line, bare LF line endings, runs of spaces in the
        // request line, whitespace around values.
        let req = request(b"\r\n\n\r\nGET  /x   HTTP/1.1\nA:  b \nConnection: close\n\n");
        assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/x"));
        assert_eq!(req.header("a"), Some("b"));
        assert!(!req.keep_alive);
        let req = request(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert!(req.http10 && req.keep_alive);
    }

    #[test]
    fn the_head_cap_is_exact() {
        let head = |len: usize| {
            let fixed = "GET / HTTP/1.1\r\nX: \r\n\r\n".len();
            format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(len - fixed)).into_bytes()
        };
        assert_eq!(head(MAX_HEAD).len(), MAX_HEAD);
        assert_eq!(
            request(&head(MAX_HEAD)).header("x").map(str::len),
            Some(MAX_HEAD - 23)
        );
        assert_malformed(&head(MAX_HEAD + 1), 431, "request head too large");
        // Empty lines before the request line count too.
        let padded = [
            b"\r\n".repeat(MAX_HEAD / 2).as_slice(),
            b"GET / HTTP/1.1\r\n\r\n",
        ]
        .concat();
        assert_malformed(&padded, 431, "request head too large");
    }

    #[test]
    fn at_most_a_hundred_header_fields() {
        let head = |n: usize| {
            let fields: String = (0..n).map(|i| format!("X-{i}: v\r\n")).collect();
            format!("GET / HTTP/1.1\r\n{fields}\r\n").into_bytes()
        };
        assert_eq!(request(&head(MAX_HEADERS)).headers.len(), MAX_HEADERS);
        assert_malformed(&head(MAX_HEADERS + 1), 431, "too many header fields");
    }

    #[test]
    fn malformed_heads_are_named() {
        for (raw, reason) in [
            (b"GARBAGE\r\n\r\n".as_slice(), "malformed request line"),
            (b"GET /a b HTTP/1.1\r\n\r\n", "unsupported HTTP version"),
            (b"GET / HTTP/9.9\r\n\r\n", "unsupported HTTP version"),
            (b"GET / HTTP/1.1 x\r\n\r\n", "malformed line ending"),
            (b"get / HTTP/1.1\r\n\r\n", "malformed method"),
            // A TLS ClientHello has no empty line to wait for: refused at its first byte.
            (b"\x16\x03\x01\x00\xa5\x01\x00", "not an HTTP request"),
            (b"\r\n\x16\x03\x01", "not an HTTP request"),
            (&[0xff; 300], "not an HTTP request"),
            (
                b"GET / HTTP/1.1\r\nno-colon\r\n\r\n",
                "malformed header name",
            ),
            (
                b"GET / HTTP/1.1\r\nName : v\r\n\r\n",
                "malformed header name",
            ),
            (
                b"GET / HTTP/1.1\r\n folded: x\r\n\r\n",
                "malformed header name",
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n",
                "malformed header name",
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
                "malformed header value",
            ),
            (b"GET / HTTP/1.1\rX: y\r\n\r\n", "malformed line ending"),
            (
                b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                "malformed content-length",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
                "malformed content-length",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\nhello",
                "malformed content-length",
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                "unsupported transfer-encoding",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                "conflicting content-length",
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                "unsupported transfer-encoding",
            ),
        ] {
            match one(raw) {
                ReadOutcome::Malformed {
                    status: 400,
                    reason: got,
                } => {
                    assert_eq!(got, reason, "{:?}", String::from_utf8_lossy(raw));
                }
                other => panic!("{other:?} for {:?}", String::from_utf8_lossy(raw)),
            }
        }
        // The same value twice (or as a list) is one length.
        let req =
            request(b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok");
        assert_eq!(req.body, b"ok");
    }

    #[test]
    fn chunked_with_a_content_length_is_read_chunked_and_closes() {
        let req = request(
            b"POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n\
              2\r\nok\r\n0\r\n\r\n",
        );
        assert_eq!(req.body, b"ok");
        assert!(!req.keep_alive);
    }

    #[test]
    fn cut_requests_are_closed_connections() {
        for raw in [
            b"".as_slice(),
            b"\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n",
        ] {
            assert!(
                matches!(one(raw), ReadOutcome::Closed),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn chunked_bodies() {
        let req = request(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n\
              5\r\nhello\r\n6;ext=\"1\"\nworld!\n0\r\nX-Trailer: yes\r\n\r\n",
        );
        assert_eq!(req.body, b"helloworld!");
        let chunked = |rest: &str| {
            format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{rest}").into_bytes()
        };
        assert_malformed(&chunked("zz\r\n"), 400, "malformed chunk size");
        assert_malformed(&chunked("-1\r\n"), 400, "malformed chunk size");
        assert_malformed(
            &chunked("10000000000000000\r\n"),
            400,
            "malformed chunk size",
        );
        assert_malformed(&chunked(&"1".repeat(2000)), 400, "malformed chunk size");
        assert_malformed(&chunked("3\r\nabcX\r\n0\r\n\r\n"), 400, "malformed chunk");
        assert_malformed(&chunked("0\r\nno colon\r\n\r\n"), 400, "malformed trailers");
        let fields: String = (0..=MAX_HEADERS).map(|i| format!("T-{i}: v\r\n")).collect();
        assert_malformed(
            &chunked(&format!("0\r\n{fields}\r\n")),
            431,
            "too many trailer fields",
        );
        let huge = format!("0\r\nT: {}\r\n\r\n", "v".repeat(MAX_HEAD));
        assert_malformed(&chunked(&huge), 431, "trailers too large");
        // Over the body cap (1024 here), counted across chunks.
        let over = chunked(&format!(
            "400\r\n{}\r\n1\r\nx\r\n0\r\n\r\n",
            "a".repeat(1024)
        ));
        assert!(matches!(one(&over), ReadOutcome::BodyTooLarge(_)));
    }

    #[test]
    fn bodies_over_the_cap_are_refused_with_their_request() {
        let raw = [
            b"POST /big?q=1 HTTP/1.1\r\nContent-Length: 2000\r\n\r\n".as_slice(),
            &[b'x'; 2000],
        ]
        .concat();
        let all = outcomes(&raw);
        match all.as_slice() {
            [ReadOutcome::BodyTooLarge(req)] => {
                assert_eq!(req.path, "/big");
                assert!(req.body.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
