//! Redaction, in one place: what keeps access tokens, app secrets, suite tickets and
//! signatures out of every error, `Debug` and log line. A leaf module: it imports nothing of
//! ours.
//!
//! - [`redact_secrets`]: the value after any credential key (`access_token=...`,
//!   `"appsecret":"..."`) becomes `[redacted]`, wherever the text comes from.
//! - [`redact_values`]: known secret values become a marker, in every form a server could
//!   echo them (raw, percent-encoded in part or in full, JSON-escaped, base64 at any
//!   alignment), in linear time.
//! - [`redact_uri`]: a request URI, its parts and its query values leave a transport's
//!   error message.

use std::borrow::Cow;

mod values;

pub use values::{BASE64_MIN, contains_values, redact_values};

/// Query or JSON keys whose values are credentials. Matched case-insensitively.
const SECRET_KEYS: [&str; 10] = [
    "access_token",
    "accesstoken",
    "appsecret",
    "app_secret",
    "corpsecret",
    "suiteticket",
    "suite_ticket",
    "suitesecret",
    "suite_secret",
    "signature",
];

/// Replaces the value after any credential key (`access_token=...`, `"appsecret":"..."`,
/// `\"suiteTicket\":\"...\"`) with `[redacted]`: servers and gateways echo request URIs and
/// token answers carry tokens, and neither may reach an error message.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    const QUOTES: &[u8] = b"\"'\\";
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let next = SECRET_KEYS
            .iter()
            .filter_map(|k| lower[i..].find(k).map(|p| (i + p, k.len())))
            .min_by_key(|&(p, _)| p);
        let Some((pos, len)) = next else { break };
        let key_end = pos + len;
        i = key_end;
        // The key's closing quote (possibly escaped), spaces, then `:` or `=`.
        let mut j = key_end;
        while j < bytes.len() && j < key_end + 2 && QUOTES.contains(&bytes[j]) {
            j += 1;
        }
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        if j >= bytes.len() || !matches!(bytes[j], b':' | b'=') {
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        // An opening quote: `"`, `'`, or an escaped `\"`.
        let mut quote = None;
        if j < bytes.len() && bytes[j] == b'\\' {
            j += 1;
        }
        if j < bytes.len() && matches!(bytes[j], b'"' | b'\'') {
            quote = Some(bytes[j]);
            j += 1;
        }
        let start = j;
        while j < bytes.len() {
            let b = bytes[j];
            let end = match quote {
                Some(q) => b == q || b == b'\\',
                None => {
                    b.is_ascii_whitespace()
                        || matches!(
                            b,
                            b'&' | b'"' | b'\'' | b'\\' | b',' | b'}' | b';' | b'<' | b'>'
                        )
                }
            };
            if end {
                break;
            }
            j += 1;
        }
        if j > start {
            out.push_str(&text[copied..start]);
            out.push_str("[redacted]");
            copied = j;
        }
        i = j.max(key_end);
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// Removes a request URI from a transport's error message: the whole URI, its path and
/// query, its query, and every query value are each replaced with `<redacted>`, longest
/// first; then the value after any credential key (`access_token=...`, `appsecret=...`,
/// `"suiteTicket":"..."`) is replaced with `[redacted]`, wherever it comes from.
///
/// The access token travels in the query, and HTTP libraries like to quote the URL they
/// failed on. A transport's error must not print it (see the [`Transport`](crate::Transport) contract): pass
/// every message that may hold text from the HTTP library through this before keeping it.
///
/// Every query value is redacted wherever it appears, short ones too: a message may lose a
/// digit or a word that happens to equal one, which is the price of never printing a token.
///
/// ```
/// use dingtalk_notify_proto::redaction::redact_uri;
///
/// let uri: http::Uri = "https://oapi.dingtalk.com/topapi/message/corpconversation/recall\
///                       ?access_token=bE74xxxx".parse()?;
/// let message = format!("error sending request for url ({uri}): connection reset");
/// let clean = redact_uri(&message, &uri);
/// assert_eq!(clean, "error sending request for url (<redacted>): connection reset");
///
/// // The token alone, or behind its key in another URL, is caught too.
/// let clean = redact_uri("token bE74xxxx; see https://x/?access_token=other", &uri);
/// assert_eq!(clean, "token <redacted>; see https://x/?access_token=[redacted]");
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn redact_uri(message: &str, uri: &http::Uri) -> String {
    let mut secrets: Vec<&str> = Vec::new();
    let whole = uri.to_string();
    secrets.push(&whole);
    if let Some(pq) = uri.path_and_query() {
        secrets.push(pq.as_str());
    }
    if let Some(query) = uri.query() {
        secrets.push(query);
        for pair in query.split('&') {
            secrets.push(pair.split_once('=').map_or(pair, |(_, v)| v));
        }
    }
    secrets.retain(|s| !s.is_empty() && *s != "/");
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut message = message.to_owned();
    for secret in secrets {
        if message.contains(secret) {
            message = message.replace(secret, "<redacted>");
        }
    }
    redact_secrets(&message).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri() -> http::Uri {
        "https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1"
            .parse()
            .unwrap()
    }

    #[test]
    fn redact_uri_removes_uri_query_and_values() {
        let msg = redact_uri(
            "bad uri: https://oapi.dingtalk.com/topapi/message?access_token=s3cr3tT0ken&x=1 \
             and s3cr3tT0ken alone",
            &uri(),
        );
        assert!(!msg.contains("s3cr3tT0ken"), "{msg}");
        assert!(!msg.contains("access_token"), "{msg}");
        assert!(msg.starts_with("bad uri: <redacted>"), "{msg}");
        assert!(msg.ends_with("and <redacted> alone"), "{msg}");
    }

    #[test]
    fn redact_uri_removes_the_path_and_query_and_the_query() {
        let u = uri();
        let msg = redact_uri(
            "GET /topapi/message?access_token=s3cr3tT0ken&x=1 | access_token=s3cr3tT0ken&x=1",
            &u,
        );
        assert_eq!(msg, "GET <redacted> | <redacted>");
    }

    #[test]
    fn redact_uri_removes_credentials_of_other_uris() {
        let msg = redact_uri(
            "redirected to https://evil.example/?access_token=0therT0ken&appsecret=s",
            &uri(),
        );
        assert!(!msg.contains("0therT0ken"), "{msg}");
        assert!(msg.contains("access_token=[redacted]"), "{msg}");
    }

    #[test]
    fn redact_uri_keeps_messages_without_the_uri() {
        let u: http::Uri = "http://127.0.0.1:8080/".parse().unwrap();
        assert_eq!(
            redact_uri("connection refused (os error 111)", &u),
            "connection refused (os error 111)"
        );
        // A bare "/" path is too common to cut out.
        assert_eq!(redact_uri("a/b", &u), "a/b");
    }
}
