//! Known secret values found in any text, in every form a hostile server could echo them,
//! in one linear pass per view of the text.
//!
//! Each secret becomes a set of needles, all matched ignoring ASCII case by one
//! Aho-Corasick automaton:
//! - its literal forms: raw, percent-encoded as the query carries it, JSON-escaped (with and
//!   without `\/`);
//! - base64 (standard and URL-safe alphabets) of each literal form, at each of the three
//!   alignments it can take inside a longer encoded text (`base64(prefix + token)`): the
//!   characters that depend on the form's bytes only. Padding never matters (it follows the
//!   last character that depends on the form alone).
//!
//! The automaton runs over the text as it is, and over a decoded view of it in which each
//! `%XX` (either hex case), `\uXXXX` and `\/`, `\"`, `\\`, `\'` stands for the byte or
//! character it encodes: a fully or partly percent-encoded or `\u`-escaped secret, mixed
//! with plain characters, or base64 that was percent-encoded on top, is found there. A
//! match in the view maps back to the characters of the text that encode it.
//!
//! Not covered, by design: more than one layer of escaping beyond the query form (`%2546`),
//! other encodings (hex, HTML entities, quoted-printable), and a secret split by inserted
//! characters. Base64 forms are looked for only when their stable run has at least
//! [`BASE64_MIN`] characters; the one or two characters at each end of an encoded secret that
//! also depend on its neighbours stay visible (at most 4 bits of the secret each).

use std::borrow::Cow;
use std::ops::Range;

use aho_corasick::AhoCorasick;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use crate::wire::encode_query_component;

/// Shorter runs of base64 are not looked for: they would match ordinary words.
pub const BASE64_MIN: usize = 8;

/// Replaces every occurrence of each secret in `text` with `marker`, in every form a server
/// could echo it: raw, percent-encoded (as the query carries it, or every byte, in either hex
/// case, mixed with plain characters), JSON-escaped (`\/`, `\uXXXX`), and base64 (standard
/// or URL-safe, at any alignment, padded or not); each matched regardless of ASCII case (a
/// gateway that lower-cases the URL it logs). Secrets shorter than `min_len` bytes are
/// skipped (a one-letter "secret" would shred any message); pass 1 to replace every
/// non-empty one. Linear in the length of `text`.
///
/// ```
/// use dingtalk_notify_proto::redaction::redact_values;
/// let shown = redact_values("bad token a+b/c (a%2bB%2fc, \"a+b\\/c\")", &["a+b/c"], "[redacted]", 4);
/// assert_eq!(shown, "bad token [redacted] ([redacted], \"[redacted]\")");
/// let shown = redact_values("TOKEN ABCDEF", &["abcdef"], "[redacted]", 4);
/// assert_eq!(shown, "TOKEN [redacted]");
/// // Every byte percent-encoded, upper and lower hex mixed with plain characters.
/// let shown = redact_values("echo %61%42c%44ef!", &["abcdef"], "[redacted]", 4);
/// assert_eq!(shown, "echo [redacted]!");
/// // base64 of the token behind a one-byte prefix ("x" + token).
/// let shown = redact_values("id=eFNlY3JldFRva2VuMTIz", &["SecretToken123"], "[redacted]", 4);
/// assert_eq!(shown, "id=eF[redacted]");
/// ```
pub fn redact_values<'t>(
    text: &'t str,
    secrets: &[&str],
    marker: &str,
    min_len: usize,
) -> Cow<'t, str> {
    let Some(needles) = Needles::new(secrets, min_len) else {
        return Cow::Borrowed(text);
    };
    let Some(spans) = needles.spans(text.as_bytes(), false) else {
        // The automaton could not be built: withhold the text rather than risk it.
        return Cow::Owned(marker.to_owned());
    };
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for span in spans {
        let (start, end) = (widen_back(text, span.start), widen_forward(text, span.end));
        if start < copied {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(marker);
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether `bytes` hold any of the secrets (of at least `min_len` bytes), in any of the
/// forms [`redact_values`] replaces, so a caller can keep bytes that need no redaction as
/// they are. Linear in the length of `bytes`.
pub fn contains_values(bytes: &[u8], secrets: &[&str], min_len: usize) -> bool {
    Needles::new(secrets, min_len)
        .is_some_and(|n| n.spans(bytes, true).is_none_or(|s| !s.is_empty()))
}

/// The automaton over every needle of every secret.
struct Needles(Option<AhoCorasick>);

impl Needles {
    /// `None` when no secret is long enough to look for.
    fn new(secrets: &[&str], min_len: usize) -> Option<Self> {
        let mut needles: Vec<String> = Vec::new();
        for secret in secrets
            .iter()
            .filter(|s| !s.is_empty() && s.len() >= min_len)
        {
            for form in literal_forms(secret) {
                needles.extend(base64_forms(form.as_bytes()));
                needles.push(form);
            }
        }
        if needles.is_empty() {
            return None;
        }
        needles.sort();
        needles.dedup();
        // A build error (too many states) leaves no automaton: `spans` then says so.
        Some(Self(
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&needles)
                .ok(),
        ))
    }

    /// The byte ranges of `text` that hold a secret, sorted by start (overlaps merged), or
    /// `None` when the automaton could not be built. With `first`, stops at the first one.
    fn spans(&self, text: &[u8], first: bool) -> Option<Vec<Range<usize>>> {
        let automaton = self.0.as_ref()?;
        let mut spans: Vec<Range<usize>> = Vec::new();
        for m in automaton.find_overlapping_iter(text) {
            spans.push(m.range());
            if first {
                return Some(spans);
            }
        }
        if text.iter().any(|&b| b == b'%' || b == b'\\') {
            let view = View::decode(text);
            for m in automaton.find_overlapping_iter(&view.bytes) {
                spans.push(view.original(m.range()));
                if first {
                    return Some(spans);
                }
            }
        }
        spans.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start < last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        Some(merged)
    }
}

/// A secret raw, percent-encoded and JSON-escaped (with and without `\/`), deduplicated.
fn literal_forms(secret: &str) -> Vec<String> {
    let mut encoded = String::new();
    encode_query_component(&mut encoded, secret);
    let mut json = String::new();
    for c in secret.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            c if c.is_control() => json.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => json.push(c),
        }
    }
    let json_slash = json.replace('/', "\\/");
    let mut all = vec![secret.to_owned(), encoded, json, json_slash];
    all.sort();
    all.dedup();
    all
}

/// The base64 characters that depend on `form` alone when it starts 0, 1 or 2 bytes into a
/// 3-byte group, in both alphabets: the runs at least [`BASE64_MIN`] long.
fn base64_forms(form: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(form);
        let bits = bytes.len().saturating_mul(8);
        // Characters [first, last) cover bits of `form` only.
        let first = (offset * 8).div_ceil(6);
        let last = bits / 6;
        if last < first || last - first < BASE64_MIN {
            continue;
        }
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            if let Some(run) = encoded.get(first..last) {
                out.push(run.to_owned());
            }
        }
    }
    out
}

/// The text with its escapes decoded, and where each byte came from.
struct View {
    bytes: Vec<u8>,
    /// For each byte of `bytes`, the offset in the text of the unit (`%XX`, `\uXXXX`, an
    /// escaped character, a plain byte) it came from.
    from: Vec<usize>,
    /// The text's length.
    len: usize,
}

impl View {
    fn decode(text: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(text.len());
        let mut from = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            let (decoded, used) = unit(&text[i..]);
            for b in decoded.as_slice() {
                bytes.push(*b);
                from.push(i);
            }
            i += used;
        }
        Self {
            bytes,
            from,
            len: text.len(),
        }
    }

    /// The text's range that encodes `range` of the view (whole units).
    fn original(&self, range: Range<usize>) -> Range<usize> {
        let start = self.from.get(range.start).copied().unwrap_or(self.len);
        let mut end = range.end;
        // A unit that decodes to several bytes ends where the next unit starts.
        while end > range.start && end < self.from.len() && self.from[end] == self.from[end - 1] {
            end += 1;
        }
        let end = self.from.get(end).copied().unwrap_or(self.len);
        start..end.max(start)
    }
}

/// Up to four decoded bytes.
struct Decoded {
    buf: [u8; 4],
    len: usize,
}

impl Decoded {
    fn one(b: u8) -> Self {
        Self {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The first unit of `rest` decoded, and how many bytes it took.
fn unit(rest: &[u8]) -> (Decoded, usize) {
    match rest {
        [b'%', h, l, ..] => match (hex(*h), hex(*l)) {
            (Some(h), Some(l)) => (Decoded::one((h << 4) | l), 3),
            _ => (Decoded::one(b'%'), 1),
        },
        [b'\\', b'u', ..] => match escaped_char(rest) {
            Some((c, used)) => {
                let mut buf = [0u8; 4];
                let len = c.encode_utf8(&mut buf).len();
                (Decoded { buf, len }, used)
            }
            None => (Decoded::one(b'\\'), 1),
        },
        [b'\\', c @ (b'/' | b'"' | b'\\' | b'\''), ..] => (Decoded::one(*c), 2),
        [b, ..] => (Decoded::one(*b), 1),
        [] => (
            Decoded {
                buf: [0; 4],
                len: 0,
            },
            1,
        ),
    }
}

/// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair, at the start of `rest`.
fn escaped_char(rest: &[u8]) -> Option<(char, usize)> {
    let code = |at: usize| -> Option<u32> {
        let digits = rest.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some((acc << 4) | u32::from(hex(d)?)))
    };
    let first = code(2)?;
    if (0xD800..0xDC00).contains(&first) {
        if rest.get(6..8) != Some(b"\\u") {
            return None;
        }
        let second = code(8)?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return char::from_u32(c).map(|c| (c, 12));
    }
    char::from_u32(first).map(|c| (c, 6))
}

fn hex(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

fn widen_back(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn widen_forward(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {

    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    use super::*;

    const TOKEN: &str = "Fetched-Token/9f3c+e1";
    const MARK: &str = "[redacted]";

    fn shown(text: &str) -> String {
        let out = redact_values(text, &[TOKEN], MARK, 4).into_owned();
        assert_eq!(
            contains_values(text.as_bytes(), &[TOKEN], 4),
            out != text,
            "contains_values agrees: {text}"
        );
        out
    }

    /// Every byte of `s` as `%XX`, in upper (or lower) hex.
    fn percent_all(s: &str, upper: bool) -> String {
        s.bytes()
            .map(|b| {
                if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    }

    #[test]
    fn fully_percent_encoded_in_either_hex_case_and_mixed() {
        let lower = percent_all(TOKEN, false);
        let upper = percent_all(TOKEN, true);
        // Every other character encoded, the rest plain, hex case alternating.
        let mixed: String = TOKEN
            .bytes()
            .enumerate()
            .map(|(i, b)| match i % 3 {
                0 => format!("%{b:02X}"),
                1 => format!("%{b:02x}"),
                _ => char::from(b).to_string(),
            })
            .collect();
        for form in [lower, upper, mixed] {
            let text = format!("bad token {form} (again: {})", form.to_ascii_uppercase());
            assert_eq!(shown(&text), format!("bad token {MARK} (again: {MARK})"));
        }
    }

    #[test]
    fn unicode_escapes_and_percent_over_json() {
        let escaped: String = TOKEN
            .chars()
            .map(|c| format!("\\u{:04X}", u32::from(c)))
            .collect();
        assert_eq!(shown(&format!("x{escaped}y")), format!("x{MARK}y"));
        let text = "u=Fetched-Token%5C%2F9f3c%2Be1 é";
        assert_eq!(shown(text), format!("u={MARK} é"));
    }

    #[test]
    fn base64_at_every_alignment_in_both_alphabets_padded_or_not() {
        for prefix in ["", "x", "xy", "access_token=", "ab\u{e9}"] {
            for suffix in ["", "!", "&x=1"] {
                for secret_form in [TOKEN.to_owned(), {
                    let mut q = String::new();
                    encode_query_component(&mut q, TOKEN);
                    q
                }] {
                    let plain = format!("{prefix}{secret_form}{suffix}");
                    for engine in [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
                        let encoded = engine.encode(plain.as_bytes());
                        let out = shown(&format!("<{encoded}>"));
                        // At most the characters that also hold the prefix or the suffix
                        // (and two that straddle a boundary, and padding) stay.
                        let kept = out.len() - MARK.len() - 2;
                        let allowed =
                            (prefix.len() * 4).div_ceil(3) + (suffix.len() * 4).div_ceil(3) + 4;
                        assert!(out.contains(MARK), "{plain}: {out}");
                        assert!(kept <= allowed, "{plain} as {encoded}: {out}");
                    }
                }
            }
        }
    }

    #[test]
    fn base64_percent_encoded_or_json_escaped_on_top() {
        for prefix in ["", "p", "pq"] {
            let encoded = STANDARD.encode(format!("{prefix}{TOKEN}"));
            let on_top = encoded
                .replace('+', "%2B")
                .replace('/', "%2f")
                .replace('=', "%3D");
            let json = encoded.replace('/', "\\/");
            for text in [on_top, json] {
                let out = shown(&text);
                assert!(
                    out.contains(MARK) && out.len() < MARK.len() + 12,
                    "{text}: {out}"
                );
            }
        }
    }

    #[test]
    fn short_base64_runs_and_plain_text_are_left_alone() {
        let text = "errmsg: ok, request id 4jzllmte0wau, 50% done \\ %zz \\u12";
        assert_eq!(redact_values(text, &["abcde"], MARK, 1), text);
        assert!(matches!(
            redact_values(text, &[TOKEN], MARK, 4),
            Cow::Borrowed(_)
        ));
        // A secret under `min_len` is not looked for, in any form.
        assert_eq!(
            redact_values("abc %61%62%63", &["abc"], MARK, 4),
            "abc %61%62%63"
        );
    }

    #[test]
    fn matches_in_the_view_keep_whole_characters() {
        let text = "é%46etched-Token%2F9f3c%2Be1é\\u00e9%C3%A9";
        assert_eq!(shown(text), format!("é{MARK}é\\u00e9%C3%A9"));
        let secret = "ééé-secret";
        let text = format!("<{}>", percent_all(secret, true));
        assert_eq!(
            redact_values(&text, &[secret], MARK, 4),
            format!("<{MARK}>")
        );
    }

    #[test]
    fn four_mebibytes_of_hostile_text_are_redacted_whole() {
        const SIZE: usize = 4 << 20;
        let long_secret = format!("{}b", "a".repeat(63));
        // Near-misses everywhere: a naive search compares 64 bytes at each of 4 Mi offsets.
        let text = "a".repeat(SIZE);
        assert_eq!(redact_values(&text, &[&long_secret], MARK, 4).len(), SIZE);
        // Every byte an escape, the token once in the middle.
        let half = "%61".repeat(SIZE / 6);
        let text = format!("{half}{}{half}", percent_all(TOKEN, true));
        let out = redact_values(&text, &[TOKEN, &long_secret], MARK, 4);
        assert_eq!(out.len(), 2 * half.len() + MARK.len());
    }
}
