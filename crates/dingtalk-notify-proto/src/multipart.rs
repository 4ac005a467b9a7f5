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

/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_LEN: usize = 70;

/// The prefix of every boundary [`Boundary::for_parts`] picks.
const PREFIX: &str = "dingtalk-notify-";

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

/// Why a boundary was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BoundaryError {
    /// Empty, or longer than 70 characters (RFC 2046).
    #[error("a boundary has 1 to 70 characters")]
    Length,
    /// A character outside RFC 2046's `bchars`, or a space at the end.
    #[error("a boundary has only letters, digits and '()+_,-./:=? (a space, but not last)")]
    Character,
}

/// A multipart boundary (RFC 2046 §5.1.1), kept inline: making one allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Boundary {
    bytes: [u8; MAX_BOUNDARY_LEN],
    len: u8,
}

fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b)
}

impl Boundary {
    /// A boundary of your choosing (golden tests); check it with [`occurs_in`](Self::occurs_in).
    ///
    /// # Errors
    /// [`BoundaryError`] unless it has 1 to 70 of RFC 2046's characters, not ending in a space.
    pub fn new(boundary: &str) -> Result<Self, BoundaryError> {
        let raw = boundary.as_bytes();
        if raw.is_empty() || raw.len() > MAX_BOUNDARY_LEN {
            return Err(BoundaryError::Length);
        }
        if !raw.iter().copied().all(is_bchar) || raw.ends_with(b" ") {
            return Err(BoundaryError::Character);
        }
        let mut bytes = [0; MAX_BOUNDARY_LEN];
        bytes[..raw.len()].copy_from_slice(raw);
        // At most 70: fits.
        let len = u8::try_from(raw.len()).map_err(|_| BoundaryError::Length)?;
        Ok(Self { bytes, len })
    }

    /// The boundary.
    pub fn as_str(&self) -> &str {
        // Only ASCII bchars are ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether the boundary occurs anywhere in the parts: a body, a name, a file name or a
    /// content type. A body holding it could be cut short by a parser.
    pub fn occurs_in(&self, parts: &[Part<'_>]) -> bool {
        let finder = memchr::memmem::Finder::new(self.as_str().as_bytes());
        parts.iter().any(|p| {
            finder.find(p.body).is_some()
                || finder.find(p.name.as_bytes()).is_some()
                || p.file_name
                    .is_some_and(|n| finder.find(n.as_bytes()).is_some())
                || p.content_type
                    .is_some_and(|c| finder.find(c.as_bytes()).is_some())
        })
    }

    /// A boundary that occurs nowhere in `parts`: `dingtalk-notify-` and 16 hex digits drawn
    /// from the parts' sizes and edges, the next candidate whenever one occurs. The same
    /// parts always give the same boundary (reproducible bodies); no randomness is needed,
    /// since each candidate is checked. Content full of crafted candidates only costs more
    /// scans: a body of `n` bytes can hold fewer than `n / 32` of them.
    pub fn for_parts(parts: &[Part<'_>]) -> Self {
        let mut seed = Fnv::new();
        for p in parts {
            seed.write(p.name.as_bytes());
            seed.write(p.file_name.unwrap_or_default().as_bytes());
            seed.write(&(p.body.len() as u64).to_le_bytes());
            seed.write(&p.body[..p.body.len().min(64)]);
            seed.write(&p.body[p.body.len().saturating_sub(64)..]);
        }
        let mut attempt: u64 = 0;
        loop {
            let mut h = seed;
            h.write(&attempt.to_le_bytes());
            let candidate = Self::hex(h.finish());
            if !candidate.occurs_in(parts) {
                return candidate;
            }
            attempt = attempt.wrapping_add(1);
        }
    }

    fn hex(value: u64) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0; MAX_BOUNDARY_LEN];
        bytes[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        for (i, slot) in bytes[PREFIX.len()..PREFIX.len() + 16]
            .iter_mut()
            .enumerate()
        {
            *slot = DIGITS[((value >> (60 - 4 * i)) & 0xf) as usize];
        }
        Self {
            bytes,
            len: (PREFIX.len() + 16) as u8,
        }
    }
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Boundary({:?})", self.as_str())
    }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// FNV-1a, 64 bits: a fixed, portable hash (std's `DefaultHasher` may change between
/// releases, and golden bodies must not).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(self) -> u64 {
        self.0
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
/// [`Boundary::for_parts`] or check it with [`Boundary::occurs_in`].
pub fn encode(boundary: &Boundary, parts: &[Part<'_>]) -> Vec<u8> {
    // A length past usize::MAX cannot be allocated anyway: the Vec grows as it must.
    let mut out = Vec::with_capacity(encoded_len(boundary, parts).unwrap_or(0));
    let b = boundary.as_str().as_bytes();
    for p in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(b);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(DISPOSITION);
        push_quoted(&mut out, p.name);
        if let Some(name) = p.file_name {
            out.extend_from_slice(FILENAME);
            push_quoted(&mut out, name);
        }
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = p.content_type {
            out.extend_from_slice(CONTENT_TYPE);
            out.extend(content_type_bytes(ct));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(b);
    out.extend_from_slice(b"--\r\n");
    out
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
