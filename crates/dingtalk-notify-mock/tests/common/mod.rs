//! Plain HTTP/1.1 by hand over `std::net::TcpStream`: the simulator's tests never use the
//! project's client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine;
use dingtalk_notify_mock::{
    DEMO_AGENT_ID, DEMO_APP_KEY, DEMO_APP_SECRET, DEMO_CORP_ID, DEMO_SUITE_KEY, DEMO_SUITE_SECRET,
    DEMO_SUITE_TICKET, MockServer,
};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

pub const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
pub const PROGRESS: &str = "/topapi/message/corpconversation/getsendprogress";
pub const RESULT: &str = "/topapi/message/corpconversation/getsendresult";
pub const STATUS_BAR: &str = "/topapi/message/corpconversation/status_bar/update";
pub const RECALL: &str = "/topapi/message/corpconversation/recall";

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length").and_then(|v| v.parse().ok())
    }
}

/// Splits a raw response (read to EOF) into status, headers and everything after the head.
pub fn parse_raw(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Writes `raw` and reads until the server closes; returns every byte.
pub fn raw_exchange(addr: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// One request on a fresh `Connection: close` connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Resp {
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(ct) = content_type {
        raw.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut bytes = raw.into_bytes();
    bytes.extend_from_slice(body);
    parse_raw(&raw_exchange(addr, &bytes))
}

pub fn get(server: &MockServer, target: &str) -> Value {
    let r = request(server.addr(), "GET", target, None, b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// POSTs JSON to `path?access_token=token`.
pub fn post(server: &MockServer, path: &str, token: &str, body: &Value) -> Value {
    let r = post_resp(server, path, token, body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

pub fn post_resp(server: &MockServer, path: &str, token: &str, body: &Value) -> Resp {
    let body = serde_json::to_vec(body).unwrap();
    request(
        server.addr(),
        "POST",
        &format!("{path}?access_token={token}"),
        Some("application/json"),
        &body,
    )
}

pub fn token_answer(server: &MockServer, key: &str, secret: &str) -> Value {
    get(
        server,
        &format!("/gettoken?appkey={key}&appsecret={secret}"),
    )
}

/// The demo app's token.
pub fn token(server: &MockServer) -> String {
    let v = token_answer(server, DEMO_APP_KEY, DEMO_APP_SECRET);
    assert_eq!(v["errcode"], 0, "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

/// Asserts the live gateway's 88-wrapped error: HTTP-200 envelope `errcode 88`, the real
/// code as the string `sub_code`, `sub_msg`, `errmsg` `ding talk error[subcode=…,submsg=…]`
/// and a `request_id` (issue 10's capture of a rejected token on a topapi path).
pub fn assert_wrapped(v: &Value, sub_code: &str) {
    assert_eq!(v["errcode"], 88, "{v}");
    assert_eq!(v["sub_code"], sub_code, "{v}");
    let sub_msg = v["sub_msg"]
        .as_str()
        .unwrap_or_else(|| panic!("no sub_msg: {v}"));
    assert!(!sub_msg.is_empty(), "{v}");
    assert_eq!(
        v["errmsg"],
        format!("ding talk error[subcode={sub_code},submsg={sub_msg}]"),
        "{v}"
    );
    assert_eq!(v["request_id"].as_str().map(str::len), Some(13), "{v}");
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The signed `get_corp_token` query for the demo suite.
pub fn corp_token_query(key: &str, secret: &str, ticket: &str, timestamp: u64) -> String {
    // The reference's formula, written out here: base64(HMAC-SHA256(secret,
    // timestamp + "\n" + ticket)), URL-encoded into the query.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{ticket}").as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!(
        "/service/get_corp_token?accessKey={key}&timestamp={timestamp}&suiteTicket={}&signature={}",
        enc(ticket),
        enc(&sig)
    )
}

pub fn corp_token_answer(server: &MockServer, target: &str, corp: &str) -> Value {
    let body = serde_json::to_vec(&json!({ "auth_corpid": corp })).unwrap();
    let r = request(
        server.addr(),
        "POST",
        target,
        Some("application/json"),
        &body,
    );
    assert_eq!(r.status, 200);
    r.json()
}

/// The demo ISV app's token for the demo corp.
pub fn isv_token(server: &MockServer) -> String {
    let q = corp_token_query(
        DEMO_SUITE_KEY,
        DEMO_SUITE_SECRET,
        DEMO_SUITE_TICKET,
        1_700_000_000_000,
    );
    let v = corp_token_answer(server, &q, DEMO_CORP_ID);
    assert_eq!(v["errcode"], 0, "{v}");
    v["access_token"].as_str().unwrap().to_owned()
}

pub fn text(content: &str) -> Value {
    json!({ "msgtype": "text", "text": { "content": content } })
}

/// Sends a text to users (comma-separated) as the demo app.
pub fn send_text(server: &MockServer, token: &str, users: &str, content: &str) -> Value {
    post(
        server,
        SEND,
        token,
        &json!({ "agent_id": DEMO_AGENT_ID, "userid_list": users, "msg": text(content) }),
    )
}

/// Sends and returns the task id, asserting success.
pub fn send_ok(server: &MockServer, token: &str, body: &Value) -> u64 {
    let v = post(server, SEND, token, body);
    assert_eq!(v["errcode"], 0, "{v}");
    v["task_id"].as_u64().unwrap()
}

pub fn progress(server: &MockServer, token: &str, task: u64) -> Value {
    post(
        server,
        PROGRESS,
        token,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task }),
    )
}

pub fn result(server: &MockServer, token: &str, task: u64) -> Value {
    post(
        server,
        RESULT,
        token,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task }),
    )
}

pub fn status_bar(server: &MockServer, token: &str, task: u64, value: &str) -> Value {
    post(
        server,
        STATUS_BAR,
        token,
        &json!({ "agent_id": DEMO_AGENT_ID, "task_id": task, "status_value": value, "status_bg": "0xFF78C06E" }),
    )
}

pub fn recall(server: &MockServer, token: &str, task: u64) -> Value {
    post(
        server,
        RECALL,
        token,
        &json!({ "agent_id": DEMO_AGENT_ID, "msg_task_id": task }),
    )
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// A keep-alive connection that reads responses by `Content-Length`.
pub struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Self {
        let writer = TcpStream::connect(addr).unwrap();
        writer
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let reader = BufReader::new(writer.try_clone().unwrap());
        Self { writer, reader }
    }

    /// The socket itself, to watch it close.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.writer
    }

    pub fn send(&mut self, method: &str, target: &str, body: &[u8]) -> Resp {
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.writer.write_all(head.as_bytes()).unwrap();
        self.writer.write_all(body).unwrap();
        self.read_response()
    }

    pub fn read_response(&mut self) -> Resp {
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status = status_line
            .split(' ')
            .nth(1)
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"))
            .parse()
            .unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        let len = resp.content_length().unwrap_or(0);
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        resp.body = body;
        resp
    }
}
