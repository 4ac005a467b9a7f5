//! The output's last line of defence: every secret this process was given or has sent (the
//! token fetched at run time included) is cut out of every line it prints, in every form a
//! server could echo it (any ASCII case, percent-encoded, JSON-escaped).

use std::sync::{Mutex, PoisonError};

use dingtalk_notify::Transport;
use dingtalk_notify::kit::multipart::FormRequest;
use dingtalk_notify::kit::redaction::redact_values;
use dingtalk_notify::kit::transport::TransportErrorKind;
use dingtalk_notify::{HttpRequest, HttpResponse};

/// Secrets at least this long are cut out wherever they appear, in every form; shorter ones
/// only where they stand as a whole token ([`redact_secret_values`]): cutting a one-letter
/// "secret" out of every word would blank that letter from all output. (No real one is that
/// short: DingTalk's app secrets have 64 characters, its tokens 32; a short one is the
/// user's own input, a Redis password say, never a fetched token.)
pub const SHORTEST: usize = 4;

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

/// `text` without `secrets`: those of at least [`SHORTEST`] bytes cut out in every form a
/// server could echo them (the core's `redact_values`), shorter ones only where they stand
/// as a whole token, in any ASCII case: not next to a letter, digit, `_` or non-ASCII
/// character (`appsecret=a&` loses its `a`, the word `at` keeps it).
pub fn redact_secret_values(text: &str, secrets: &[&str]) -> String {
    let text = redact_values(text, secrets, MARK, SHORTEST);
    let mut text = text.into_owned();
    for short in secrets
        .iter()
        .filter(|s| !s.is_empty() && s.len() < SHORTEST)
    {
        text = redact_whole_token(&text, short);
    }
    text
}

/// Every whole-token occurrence of `secret` in `text` (ASCII case ignored) as [`MARK`].
fn redact_whole_token(text: &str, secret: &str) -> String {
    let part_of_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let (lower, needle) = (text.to_ascii_lowercase(), secret.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    // ASCII lower-casing keeps every byte offset, so a match in `lower` is one in `text`.
    for (at, _) in lower.match_indices(&needle) {
        let end = at + needle.len();
        if at < copied
            || part_of_word(text[..at].chars().next_back())
            || part_of_word(text[end..].chars().next())
        {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(MARK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
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
        remember_credentials(request.uri());
        self.0.send(request)
    }

    fn send_form(&self, request: FormRequest<'_>) -> Result<HttpResponse, Self::Error> {
        remember_credentials(request.head().uri());
        self.0.send_form(request)
    }

    fn classify(&self, error: &Self::Error) -> TransportErrorKind {
        self.0.classify(error)
    }
}

/// Remembers the credentials `uri`'s query carries.
fn remember_credentials(uri: &dingtalk_notify::http::Uri) {
    for pair in uri.query().unwrap_or_default().split('&') {
        if let Some(("access_token" | "appsecret" | "suiteTicket", value)) = pair.split_once('=') {
            remember(&percent_decoded(value));
            remember(value);
        }
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

    /// A one-letter secret is cut out where it stands alone, never out of words.
    #[test]
    fn short_secrets_go_as_whole_tokens_only() {
        let text = "a token was refused: appsecret=a&x=A, (a) at data";
        assert_eq!(
            redact_secret_values(text, &["a"]),
            "<redacted> token was refused: appsecret=<redacted>&x=<redacted>, (<redacted>) at data"
        );
        assert_eq!(
            redact_secret_values("pw: xpw pw1 pw", &["pw"]),
            "<redacted>: xpw pw1 <redacted>"
        );
        // Long ones anywhere, short ones as tokens, in one text.
        assert_eq!(
            redact_secret_values("s3cr3tX and b in abc", &["s3cr3t", "b", ""]),
            "<redacted>X and <redacted> in abc"
        );
    }
}
