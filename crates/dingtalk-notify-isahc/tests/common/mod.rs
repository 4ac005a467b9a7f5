//! A small HTTP/1.1 server on loopback for the transport tests: hand-written responses, every
//! request recorded, connections counted.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The access token the tests put in URIs; it must never show in an error.
pub const SECRET_TOKEN: &str = "tok3n-s3cr3t-Zq9";

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request line and headers, as sent.
    pub head: String,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request line, e.g. `POST /x?y=1 HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// The path and query of the request line.
    pub fn target(&self) -> &str {
        self.request_line().split(' ').nth(1).unwrap_or("")
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target().split('?').next().unwrap_or("")
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// The single value of header `name`, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_values(name).into_iter().next()
    }

    fn query_param(&self, key: &str) -> Option<usize> {
        let query = self.target().split_once('?')?.1;
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse().ok())
    }
}

/// What the server does with a request.
pub enum Action {
    /// Write these bytes and keep the connection for the next request.
    Respond(Vec<u8>),
    /// Write these bytes, then close.
    RespondAndClose(Vec<u8>),
    /// Close without answering.
    Close,
    /// Never answer; wait until the client goes away.
    Hang,
}

struct State {
    connections: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
}

/// The server; it runs until the test process ends.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
}

impl Server {
    /// A server answering with [`route`].
    pub fn start() -> Self {
        Self::start_with(route)
    }

    /// A server answering with `handler`.
    pub fn start_with(handler: fn(&Recorded) -> Action) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            connections: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let st = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let st = Arc::clone(&st);
                thread::spawn(move || serve(stream, &st, handler));
            }
        });
        Self { addr, state }
    }

    /// A server that, on every connection, writes `bytes` at once without reading, then
    /// closes: a plaintext "HTTP server" behind an `https://` URL.
    pub fn start_raw(bytes: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            connections: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let st = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                st.connections.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(bytes);
                let _ = stream.flush();
                // Read what the client sent (a TLS ClientHello) and record it.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = vec![0; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                st.requests.lock().unwrap().push(Recorded {
                    head: String::from_utf8_lossy(&buf[..n]).into_owned(),
                    body: Vec::new(),
                });
                let _ = stream.shutdown(Shutdown::Both);
            }
        });
        Self { addr, state }
    }

    /// `http://127.0.0.1:<port><path_and_query>`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    /// `http://127.0.0.1:<port><path>?access_token=<SECRET_TOKEN>`.
    pub fn url_with_token(&self, path: &str) -> String {
        format!("http://{}{}?access_token={SECRET_TOKEN}", self.addr, path)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, state: &State, handler: fn(&Recorded) -> Action) {
    // A safety net so no thread outlives a test by long; not a timing assertion.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf) else {
            return;
        };
        state.requests.lock().unwrap().push(request.clone());
        match handler(&request) {
            Action::Respond(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            Action::RespondAndClose(bytes) => {
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            Action::Close => {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            Action::Hang => {
                // Blocks until the client closes (read returns 0 or fails).
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
        }
    }
}

/// Reads one request (head and `Content-Length` body) from `stream`; `None` at EOF.
fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Recorded> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end - 4]).into_owned();
    let mut request = Recorded {
        head,
        body: Vec::new(),
    };
    let len: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    request.body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Some(request)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response with a correct `Content-Length`.
pub fn response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = head(status_line, headers);
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A status line and headers, without the final empty line.
pub fn head(status_line: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status_line}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.into_bytes()
}

pub const OK_JSON: &str = r#"{"errcode":0,"errmsg":"ok","task_id":256271667526}"#;
pub const NOT_FOUND_JSON: &str =
    r#"{"errcode":404,"errmsg":"not found","request_id":"4jzllmte0wau"}"#;
pub const BAD_GATEWAY_HTML: &str = "<html><body><h1>502 Bad Gateway</h1></body></html>";

/// The test routes, by path:
/// - `/ok`: 200 JSON, with a repeated `X-Multi` header;
/// - `/bad-gateway`: 502 HTML;
/// - `/not-found`: 404 JSON envelope;
/// - `/redirect`: 302 to `/target`; `/target`: 200 `followed`;
/// - `/bytes?n=N`: 200 with N bytes (`Content-Length`);
/// - `/chunked?n=N`: 200 with N bytes, chunked, no `Content-Length`;
/// - `/lying?n=N`: `Content-Length: 10` but N bytes, then close;
/// - `/huge-length`: `Content-Length: 1000000000`, 10 bytes, then close;
/// - `/close-before`: closes without answering;
/// - `/close-mid-body`: `Content-Length: 100`, 10 bytes, then close;
/// - `/hang`: never answers;
/// - `/echo`: 200 with the request body.
pub fn route(request: &Recorded) -> Action {
    let n = request.query_param("n").unwrap_or(0);
    match request.path() {
        "/ok" => Action::Respond(response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("X-Multi", "one"),
                ("X-Multi", "two"),
            ],
            OK_JSON.as_bytes(),
        )),
        "/bad-gateway" => Action::Respond(response(
            "502 Bad Gateway",
            &[("Content-Type", "text/html")],
            BAD_GATEWAY_HTML.as_bytes(),
        )),
        "/not-found" => Action::Respond(response(
            "404 Not Found",
            &[("Content-Type", "application/json")],
            NOT_FOUND_JSON.as_bytes(),
        )),
        "/redirect" => Action::Respond(response("302 Found", &[("Location", "/target")], b"moved")),
        "/target" => Action::Respond(response("200 OK", &[], b"followed")),
        "/bytes" => Action::Respond(response("200 OK", &[], &vec![b'a'; n])),
        "/chunked" => {
            let mut out = head("200 OK", &[("Transfer-Encoding", "chunked")]);
            out.extend_from_slice(b"\r\n");
            let body = vec![b'c'; n];
            for piece in body.chunks(1000) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            Action::Respond(out)
        }
        "/lying" => {
            let mut out = head("200 OK", &[("Content-Length", "10")]);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&vec![b'L'; n]);
            Action::RespondAndClose(out)
        }
        "/huge-length" => {
            let mut out = head("200 OK", &[("Content-Length", "1000000000")]);
            out.extend_from_slice(b"\r\n0123456789");
            Action::RespondAndClose(out)
        }
        "/close-before" => Action::Close,
        "/close-mid-body" => {
            let mut out = head("200 OK", &[("Content-Length", "100")]);
            out.extend_from_slice(b"\r\n0123456789");
            Action::RespondAndClose(out)
        }
        "/hang" => Action::Hang,
        "/echo" => Action::Respond(response("200 OK", &[], &request.body)),
        _ => Action::Respond(response("400 Bad Request", &[], b"unknown test route")),
    }
}

/// A port with nothing listening on it (bound, then released).
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
