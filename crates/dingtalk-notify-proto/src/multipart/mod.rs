//! A `multipart/form-data` body (RFC 7578), built in one allocation of its exact length: the
//! builder behind [`UploadMedia`](crate::api::UploadMedia), usable on its own.
//!
//! - The [`Boundary`] never occurs in the content: [`Boundary::for_parts`] picks one that
//!   does not (deterministically, so the same parts always give the same body), and an
//!   explicit one ([`Boundary::new`], for golden tests) is checked by
//!   [`Boundary::occurs_in`].
//! - Names and file names are written as quoted strings the way browsers write them (the
//!   WHATWG HTML standard's `multipart/form-data` encoding, which RFC 7578 §4.2 points to):
//!   UTF-8 as it is (`通知.pdf` stays `通知.pdf`; RFC 7578 forbids `filename*`), spaces as
//!   they are, and `"`, CR and LF as `%22`, `%0D` and `%0A`. Other control characters and
//!   `\` (which some parsers read as an escape) are percent-encoded too.
//! - A part's content type is written without any control character.
//!
//! ```
//! use dingtalk_notify_proto::multipart::{encode, Boundary, Part};
//! let parts = [
//!     Part::field("type", b"file"),
//!     Part::file("media", "a \"b\".pdf", "application/pdf", b"%PDF"),
//! ];
//! let boundary = Boundary::new("XyZ")?;
//! assert!(!boundary.occurs_in(&parts));
//! let body = encode(&boundary, &parts);
//! assert_eq!(
//!     String::from_utf8(body).unwrap(),
//!     "--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nfile\r\n\
//!      --XyZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a %22b%22.pdf\"\r\n\
//!      Content-Type: application/pdf\r\n\r\n%PDF\r\n--XyZ--\r\n"
//! );
//! # Ok::<(), dingtalk_notify_proto::multipart::BoundaryError>(())
//! ```

use std::fmt;

mod boundary;
mod form;
mod request;
mod search;

pub use boundary::{Boundary, BoundaryError, MAX_BOUNDARY_LEN};
pub use form::{BoundaryFound, Form, FormReader};
pub use request::FormRequest;

/// One part of a form: a field or a file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    /// The form field's name (`name="…"`).
    pub name: &'a str,
    /// The file name (`filename="…"`), for a file part.
    pub file_name: Option<&'a str>,
    /// The part's `Content-Type`, if it has one.
    pub content_type: Option<&'a str>,
    /// The content, as it is.
    pub body: &'a [u8],
}

impl<'a> Part<'a> {
    /// A plain field.
    pub fn field(name: &'a str, body: &'a [u8]) -> Self {
        Self {
            name,
            file_name: None,
            content_type: None,
            body,
        }
    }

    /// A file, with its name and content type.
    pub fn file(name: &'a str, file_name: &'a str, content_type: &'a str, body: &'a [u8]) -> Self {
        Self {
            name,
            file_name: Some(file_name),
            content_type: Some(content_type),
            body,
        }
    }
}

impl fmt::Debug for Part<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.body.len())
            .finish()
    }
}

/// The `Content-Type` of a body with this boundary: `multipart/form-data; boundary=…`, the
/// boundary quoted when it holds a character a token may not (RFC 2045 `tspecials` or a
/// space), as RFC 2046 asks.
pub fn content_type(boundary: &Boundary) -> String {
    const HEAD: &str = "multipart/form-data; boundary=";
    let b = boundary.as_str();
    let quote = !b
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"'+_-.".contains(&c));
    let mut out = String::with_capacity(HEAD.len() + b.len() + if quote { 2 } else { 0 });
    out.push_str(HEAD);
    if quote {
        out.push('"');
    }
    out.push_str(b);
    if quote {
        out.push('"');
    }
    out
}

/// Whether a byte of a quoted name is written percent-encoded.
fn escaped(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == b'"' || b == b'\\'
}

/// The length of a quoted value, quotes included.
fn quoted_len(value: &str) -> usize {
    2 + value
        .bytes()
        .map(|b| if escaped(b) { 3 } else { 1 })
        .sum::<usize>()
}

fn push_quoted(out: &mut Vec<u8>, value: &str) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    for b in value.bytes() {
        if escaped(b) {
            out.extend_from_slice(&[
                b'%',
                DIGITS[usize::from(b >> 4)],
                DIGITS[usize::from(b & 0xf)],
            ]);
        } else {
            out.push(b);
        }
    }
    out.push(b'"');
}

fn content_type_bytes(ct: &str) -> impl Iterator<Item = u8> + '_ {
    ct.bytes().filter(|b| *b >= 0x20 && *b != 0x7f)
}

const DISPOSITION: &[u8] = b"Content-Disposition: form-data; name=";
const FILENAME: &[u8] = b"; filename=";
const CONTENT_TYPE: &[u8] = b"Content-Type: ";

/// The exact length [`encode`] writes, or `None` past `usize::MAX`.
pub fn encoded_len(boundary: &Boundary, parts: &[Part<'_>]) -> Option<usize> {
    let b = boundary.as_str().len();
    let mut len: usize = 0;
    for p in parts {
        let mut head = 2 + b + 2 + DISPOSITION.len() + quoted_len(p.name) + 2;
        if let Some(name) = p.file_name {
            head += FILENAME.len() + quoted_len(name);
        }
        if let Some(ct) = p.content_type {
            head += CONTENT_TYPE.len() + content_type_bytes(ct).count() + 2;
        }
        head += 2;
        len = len
            .checked_add(head)?
            .checked_add(p.body.len())?
            .checked_add(2)?;
    }
    len.checked_add(2 + b + 2 + 2)
}

/// The body: each part, then the close delimiter. One allocation of the exact length; each
/// part's content is copied once. The boundary is not checked here: pick it with
/// [`Boundary::for_parts`] or check it with [`Boundary::occurs_in`], or let
/// [`encode_picked`] do both as it writes.
pub fn encode(boundary: &Boundary, parts: &[Part<'_>]) -> Vec<u8> {
    // A length past usize::MAX cannot be allocated anyway: the Vec grows as it must.
    let mut out = Vec::with_capacity(encoded_len(boundary, parts).unwrap_or(0));
    for (i, p) in parts.iter().enumerate() {
        push_head(&mut out, boundary, i, p);
        out.extend_from_slice(p.body);
    }
    push_close(&mut out, boundary, !parts.is_empty());
    out
}

/// How much of a content is copied before the copy is searched for the boundary: small
/// enough to be searched while it is still in the cache.
const BLOCK: usize = 64 * 1024;

/// The body and its boundary, [`Boundary::for_parts`]'s pick, found while the body is
/// written rather than in a pass of its own: each block of a content is searched for the
/// candidate just after it is copied, while it is in the cache, and the body is written
/// again with the next candidate whenever one turns up. One allocation of the exact length.
///
/// ```
/// use dingtalk_notify_proto::multipart::{encode, encode_picked, Boundary, Part};
/// let parts = [Part::file("media", "a.pdf", "application/pdf", b"%PDF-1.7")];
/// let (boundary, body) = encode_picked(&parts);
/// assert_eq!(boundary, Boundary::for_parts(&parts));
/// assert_eq!(body, encode(&boundary, &parts));
/// ```
pub fn encode_picked(parts: &[Part<'_>]) -> (Boundary, Vec<u8>) {
    let mut candidates = boundary::Candidates::new(parts);
    let mut out = Vec::new();
    loop {
        let candidate = candidates.next_outside_names(parts);
        out.clear();
        // Every candidate has the same length: the first reservation serves them all.
        out.reserve_exact(encoded_len(&candidate, parts).unwrap_or(0));
        if encode_checked(&candidate, parts, &mut out) {
            return (candidate, out);
        }
    }
}

/// Writes the body into `out`; `false` (and `out` incomplete) as soon as the boundary
/// turns up in a content.
fn encode_checked(boundary: &Boundary, parts: &[Part<'_>], out: &mut Vec<u8>) -> bool {
    let finder = search::Finder::new(boundary);
    let overlap = boundary.as_str().len().saturating_sub(1);
    for (i, p) in parts.iter().enumerate() {
        push_head(out, boundary, i, p);
        let mut start = 0;
        while start < p.body.len() {
            let end = start.saturating_add(BLOCK).min(p.body.len());
            out.extend_from_slice(&p.body[start..end]);
            // The block, and the end of the one before it (an occurrence may straddle them).
            if finder.occurs_in(&p.body[start.saturating_sub(overlap)..end]) {
                return false;
            }
            start = end;
        }
    }
    push_close(out, boundary, !parts.is_empty());
    true
}

/// Writes what comes before part `index`'s content: the end of the part before it (CR LF),
/// the delimiter and the part's headers.
fn push_head(out: &mut Vec<u8>, boundary: &Boundary, index: usize, p: &Part<'_>) {
    if index > 0 {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_str().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(DISPOSITION);
    push_quoted(out, p.name);
    if let Some(name) = p.file_name {
        out.extend_from_slice(FILENAME);
        push_quoted(out, name);
    }
    out.extend_from_slice(b"\r\n");
    if let Some(ct) = p.content_type {
        out.extend_from_slice(CONTENT_TYPE);
        out.extend(content_type_bytes(ct));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Writes the end of the last part (CR LF, when there is one) and the close delimiter.
fn push_close(out: &mut Vec<u8>, boundary: &Boundary, after_part: bool) {
    if after_part {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_str().as_bytes());
    out.extend_from_slice(b"--\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_follow_rfc_2046() {
        assert_eq!(Boundary::new(""), Err(BoundaryError::Length));
        assert_eq!(Boundary::new(&"a".repeat(71)), Err(BoundaryError::Length));
        assert!(Boundary::new(&"a".repeat(70)).is_ok());
        assert_eq!(Boundary::new("a b "), Err(BoundaryError::Character));
        assert_eq!(Boundary::new("a\"b"), Err(BoundaryError::Character));
        assert_eq!(Boundary::new("a b").unwrap().as_str(), "a b");
    }

    #[test]
    fn a_picked_boundary_avoids_content_that_holds_the_first_candidate() {
        let mut body = vec![b'x'; 300];
        let first = Boundary::for_parts(&[Part::field("f", &body)]);
        // Written over the middle: same length and edges, so the same first candidate.
        body[100..100 + first.as_str().len()].copy_from_slice(first.as_str().as_bytes());
        let parts = [Part::field("f", &body)];
        assert!(first.occurs_in(&parts));
        let picked = Boundary::for_parts(&parts);
        assert_ne!(picked, first);
        assert!(!picked.occurs_in(&parts));
        assert_eq!(picked, Boundary::for_parts(&parts), "deterministic");
    }

    #[test]
    fn a_boundary_with_tspecials_is_quoted() {
        let plain = Boundary::new("a-b_c.d'e+f").unwrap();
        assert_eq!(
            content_type(&plain),
            "multipart/form-data; boundary=a-b_c.d'e+f"
        );
        let special = Boundary::new("a b:c=d").unwrap();
        assert_eq!(
            content_type(&special),
            "multipart/form-data; boundary=\"a b:c=d\""
        );
    }

    #[test]
    fn encoded_len_is_exact() {
        let parts = [
            Part::field("type", b"image"),
            Part::file("media", "a\r\n\"b\\c\u{7f}.png", "image/\npng", b"\x89PNG"),
        ];
        let b = Boundary::for_parts(&parts);
        let body = encode(&b, &parts);
        assert_eq!(Some(body.len()), encoded_len(&b, &parts));
        assert_eq!(body.capacity(), body.len());
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("filename=\"a%0D%0A%22b%5Cc%7F.png\"\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Type: image/png\r\n"), "{text}");
    }
}
