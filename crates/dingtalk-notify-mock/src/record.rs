//! [`RecordedRequest`]: what a client sent, for assertions.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::fault::Route;
use crate::http::{header, parse_query};

/// Query (and form) parameters whose values are secret: `Debug` shows them as `<redacted>`.
pub const REDACTED_PARAMS: [&str; 4] = ["access_token", "appsecret", "suiteTicket", "signature"];

fn is_secret(name: &str) -> bool {
    REDACTED_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Headers whose values `Debug` hides: credentials of any kind.
fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "authorization"
        || name == "proxy-authorization"
        || name == "cookie"
        || name.contains("token")
        || name.contains("secret")
}

/// One request as the simulator received it.
///
/// The fields hold everything, secrets included, so a test can check what went on the wire;
/// `Debug` redacts the values of `access_token`, `appsecret`, `suiteTicket` and `signature`
/// (in the query and in a form-encoded body) and of credential headers (`Authorization`,
/// `Cookie`, any name with `token` or `secret` in it).
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::io::{Read, Write};
/// use dingtalk_notify_mock::{MockServer, Route, DEMO_APP_KEY, DEMO_APP_SECRET};
///
/// let server = MockServer::start()?;
/// let mut stream = std::net::TcpStream::connect(server.addr())?;
/// write!(stream, "GET /gettoken?appkey={DEMO_APP_KEY}&appsecret={DEMO_APP_SECRET} HTTP/1.1\r\n\
///                 Host: x\r\nConnection: close\r\n\r\n")?;
/// stream.read_to_end(&mut Vec::new())?;
///
/// let recorded = &server.requests()[0];
/// assert_eq!(recorded.route, Route::GetToken);
/// assert_eq!(recorded.query_value("appsecret"), Some(DEMO_APP_SECRET));
/// let shown = format!("{recorded:?}");
/// assert!(shown.contains("<redacted>") && !shown.contains(DEMO_APP_SECRET));
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method (`GET`, `POST`).
    pub method: String,
    /// The path as sent, prefix included, without the query.
    pub path: String,
    /// The route the path named.
    pub route: Route,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty when over the size cap).
    pub body: Vec<u8>,
    /// Simulator time when it arrived.
    pub at: Duration,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Every value of a header, by case-insensitive name, in the order sent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use dingtalk_notify_mock::{RecordedRequest, Route};
    ///
    /// let r = RecordedRequest {
    ///     method: "GET".into(),
    ///     path: "/".into(),
    ///     route: Route::Unknown,
    ///     query: vec![],
    ///     headers: vec![
    ///         ("X-A".into(), "1".into()),
    ///         ("Host".into(), "h".into()),
    ///         ("x-a".into(), "2".into()),
    ///     ],
    ///     body: vec![],
    ///     at: Duration::ZERO,
    /// };
    /// assert_eq!(r.header_values("x-a"), ["1", "2"]);
    /// assert!(r.header_values("cookie").is_empty());
    /// ```
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    fn is_form(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    }
}

struct RedactedPairs<'a>(&'a [(String, String)], fn(&str) -> bool);

impl fmt::Debug for RedactedPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, v)| {
                if (self.1)(k) {
                    (k.as_str(), "<redacted>")
                } else {
                    (k.as_str(), v.as_str())
                }
            }))
            .finish()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("RecordedRequest");
        s.field("method", &self.method)
            .field("path", &self.path)
            .field("route", &self.route)
            .field("query", &RedactedPairs(&self.query, is_secret))
            .field("headers", &RedactedPairs(&self.headers, is_secret_header))
            .field("at", &self.at);
        if self.is_form() {
            let form = parse_query(&self.body_text());
            s.field("form", &RedactedPairs(&form, is_secret));
        } else {
            let text = self.body_text();
            let cut: String = text.chars().take(2048).collect();
            s.field("body", &cut);
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_query_and_form_secrets() {
        let r = RecordedRequest {
            method: "POST".into(),
            path: "/service/get_corp_token".into(),
            route: Route::GetCorpToken,
            query: vec![
                ("accessKey".into(), "k".into()),
                ("suiteTicket".into(), "TICKET-SECRET".into()),
                ("signature".into(), "SIG-SECRET".into()),
            ],
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("x-acs-dingtalk-access-token".into(), "HEADER-SECRET".into()),
                ("Authorization".into(), "Bearer AUTH-SECRET".into()),
            ],
            body: b"access_token=TOKEN-SECRET&agent_id=1".to_vec(),
            at: Duration::ZERO,
        };
        let shown = format!("{r:?}");
        for secret in [
            "TICKET-SECRET",
            "SIG-SECRET",
            "TOKEN-SECRET",
            "HEADER-SECRET",
            "AUTH-SECRET",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("agent_id") && shown.contains("accessKey"));
    }
}
