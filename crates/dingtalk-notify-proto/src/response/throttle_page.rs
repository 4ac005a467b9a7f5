//! The gateway's IP throttle as an HTML page. The throttling page says the IP limit
//! "returns an HTML page, not an error code", whose content is the throttle's fields
//! (`{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"…"}`). The page is not
//! JSON, so its fields are found by name, quoted plainly, with single quotes, escaped, or
//! HTML-escaped (`&quot;`).

/// What the page says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Page {
    /// `status`: always 1111 here.
    pub(super) status: i64,
    /// `wait`, in seconds.
    pub(super) wait: Option<u64>,
    /// `punish` (`deny`).
    pub(super) punish: Option<String>,
}

/// How much of a body is looked at: the throttle page is small.
const SCANNED: usize = 16 * 1024;

/// The throttle's fields, when `bytes` carries `status` 1111.
pub(super) fn scan(bytes: &[u8]) -> Option<Page> {
    let text = &bytes[..bytes.len().min(SCANNED)];
    let status = value_after(text, b"status", u8::is_ascii_digit)?;
    if status != b"1111" {
        return None;
    }
    Some(Page {
        status: 1111,
        wait: value_after(text, b"wait", u8::is_ascii_digit)
            .and_then(|w| std::str::from_utf8(w).ok()?.parse().ok()),
        punish: value_after(text, b"punish", u8::is_ascii_alphabetic)
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    })
}

/// The first value of `key` made of bytes that pass `accept` (at most 16 of them): the key
/// must stand alone (no letter, digit or `_` before it) and be followed by quotes, spaces,
/// or one `:` or `=`.
fn value_after<'a>(text: &'a [u8], key: &[u8], accept: fn(&u8) -> bool) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(at) = find(&text[from..], key).map(|p| from + p) {
        from = at + key.len();
        let alone = at == 0 || !(text[at - 1].is_ascii_alphanumeric() || text[at - 1] == b'_');
        if !alone {
            continue;
        }
        let rest = skip_separators(&text[from..]);
        let len = rest.iter().take(17).take_while(|b| accept(b)).count();
        if (1..=16).contains(&len) {
            return Some(&rest[..len]);
        }
    }
    None
}

/// Skips what may stand between a key and its value: `"`, `'`, `\`, spaces, one `:` or `=`,
/// and the HTML escapes `&quot;`, `&#34;` and `&#39;`; at most 24 bytes. Prose counts too
/// (`status 1111, wait 5`): a space alone separates. Empty when nothing separates them.
fn skip_separators(mut rest: &[u8]) -> &[u8] {
    const ENTITIES: [&[u8]; 3] = [b"&quot;", b"&#34;", b"&#39;"];
    let mut budget = 24usize;
    let mut assigned = false;
    let mut spaced = false;
    while budget > 0 {
        let skip = if let Some(entity) = ENTITIES.into_iter().find(|e| rest.starts_with(e)) {
            entity.len()
        } else {
            match rest.first() {
                Some(b'"' | b'\'' | b'\\') => 1,
                Some(b' ' | b'\t') => {
                    spaced = true;
                    1
                }
                Some(b':' | b'=') if !assigned => {
                    assigned = true;
                    1
                }
                _ => break,
            }
        };
        rest = &rest[skip..];
        budget = budget.saturating_sub(skip);
    }
    if assigned || spaced { rest } else { &[] }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(wait: Option<u64>, punish: Option<&str>) -> Option<Page> {
        Some(Page {
            status: 1111,
            wait,
            punish: punish.map(str::to_owned),
        })
    }

    #[test]
    fn finds_the_fields_however_they_are_quoted() {
        for body in [
            r#"<html><body>{"status":1111,"wait":5,"source":"x5","punish":"deny","uuid":"u"}</body></html>"#,
            "<script>var d = {'status': 1111, 'wait': 5, 'punish': 'deny'};</script>",
            r#"<pre>{\"status\":1111,\"wait\":5,\"punish\":\"deny\"}</pre>"#,
            "<p>{&quot;status&quot;:1111,&quot;wait&quot;:5,&quot;punish&quot;:&quot;deny&quot;}</p>",
            "<p>访问过于频繁 (status 1111, wait 5, punish deny)</p>",
        ] {
            assert_eq!(scan(body.as_bytes()), page(Some(5), Some("deny")), "{body}");
        }
    }

    #[test]
    fn needs_status_1111() {
        assert_eq!(scan(b"<html>status: 502</html>"), None);
        assert_eq!(scan(br#"{"status":11110}"#), None);
        assert_eq!(scan(br#"{"httpstatus":1111}"#), None);
        assert_eq!(scan(b"status1111"), None, "a value needs a separator");
        assert_eq!(scan(b""), None);
        assert_eq!(scan(br#"{"status":1111}"#), page(None, None));
    }

    #[test]
    fn a_runaway_number_is_not_a_wait() {
        let body = br#"<p>"status":1111,"wait":99999999999999999999</p>"#;
        assert_eq!(scan(body), page(None, None));
    }

    #[test]
    fn looks_only_at_the_start_of_a_large_body() {
        let mut body = vec![b' '; SCANNED];
        body.extend_from_slice(br#"{"status":1111}"#);
        assert_eq!(scan(&body), None);
    }
}
