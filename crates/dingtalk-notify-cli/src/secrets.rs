//! The output's last line of defence: every secret this process was given or has sent (the
//! token fetched at run time included) is cut out of every line it prints, in every form a
//! server could echo it (any ASCII case, percent-encoded, JSON-escaped).

use std::sync::{Mutex, PoisonError};

use dingtalk_notify::Transport;
use dingtalk_notify::kit::redaction::redact_values;
use dingtalk_notify::kit::transport::TransportErrorKind;
use dingtalk_notify::{HttpRequest, HttpResponse};

/// Shorter secrets are not cut out of output (a one-letter "token" would shred every word;
/// such a value is the user's own input, never a fetched token).
const SHORTEST: usize = 4;

/// The marker a secret is replaced with.
pub const MARK: &str = "<redacted>";

static KNOWN: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds `secret` to the set cut out of all output.
pub fn remember(secret: &str) {
    if secret.len() < SHORTEST {
        return;
    }
    let mut known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    if !known.iter().any(|k| k == secret) {
        known.push(secret.to_owned());
    }
}

/// `text` without any remembered secret.
pub fn redact(text: &str) -> String {
    let known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    let secrets: Vec<&str> = known.iter().map(String::as_str).collect();
    redact_values(text, &secrets, MARK, SHORTEST).into_owned()
}

/// Every string in `value` without any remembered secret (a JSON document stays valid).
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            let clean = redact(s);
            if clean != *s {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

/// A transport that remembers every credential it sends in a query (`access_token`, and
/// `appsecret` or `suiteTicket` for the token fetch), so a token fetched at run time is redacted too.
#[derive(Debug, Clone)]
pub struct Witness<T>(pub T);

impl<T: Transport> Transport for Witness<T> {
    type Error = T::Error;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        for pair in request.uri().query().unwrap_or_default().split('&') {
            if let Some(("access_token" | "appsecret" | "suiteTicket", value)) =
                pair.split_once('=')
            {
                remember(&percent_decoded(value));
                remember(value);
            }
        }
        self.0.send(request)
    }

    fn classify(&self, error: &Self::Error) -> TransportErrorKind {
        self.0.classify(error)
    }
}

/// `%XX` decoded (invalid escapes kept as they are, invalid UTF-8 replaced).
pub fn percent_decoded(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_cut_and_json_stays_valid() {
        remember("Tok/en+Secret\"1");
        let text = "a tok/en+secret\"1 b TOK%2FEN%2BSECRET%221 c";
        assert_eq!(redact(text), "a <redacted> b <redacted> c");
        let mut doc = serde_json::json!({"request_id": ["x TOK/EN+SECRET\"1"], "n": 1});
        redact_json(&mut doc);
        let shown = doc.to_string();
        assert!(!shown.to_ascii_lowercase().contains("secret"), "{shown}");
        assert_eq!(percent_decoded("a%2Fb%zz"), "a/b%zz");
    }
}
