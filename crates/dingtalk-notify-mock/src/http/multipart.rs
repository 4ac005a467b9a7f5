//! The simulator's own `multipart/form-data` parser (RFC 7578 over RFC 2046 §5.1), written
//! from the RFCs and independent of the core's builder: the witness that an upload's body
//! says what the client meant. Also used by the core's fuzz target to read the builder's
//! output back.
//!
//! ```
//! use dingtalk_notify_mock::multipart::{boundary_of, parse};
//! let ct = "multipart/form-data; boundary=\"b 1\"";
//! let body = b"preamble\r\n--b 1\r\ncontent-disposition: form-data; name=\"type\"\r\n\r\nfile\r\n\
//!              --b 1\r\nContent-Disposition: form-data; name=media; filename=\"a %22b%22.pdf\"\r\n\
//!              Content-Type: application/pdf\r\n\r\n%PDF\r\n--b 1--\r\nepilogue";
//! let parts = parse(&boundary_of(ct)?, body)?;
//! assert_eq!(parts.len(), 2);
//! assert_eq!((parts[0].name.as_str(), parts[0].body.as_slice()), ("type", &b"file"[..]));
//! assert_eq!(parts[1].file_name.as_deref(), Some("a %22b%22.pdf"));
//! assert_eq!(parts[1].decoded_file_name().as_deref(), Some("a \"b\".pdf"));
//! assert_eq!(parts[1].content_type.as_deref(), Some("application/pdf"));
//! # Ok::<(), dingtalk_notify_mock::multipart::MultipartError>(())
//! ```

use std::fmt;

/// The largest upload body read: the largest file and room for the form around it. Larger
/// bodies are refused with HTTP 413, as any other over the cap.
pub(crate) const MAX_UPLOAD_BODY: usize = 20 * 1024 * 1024 + 64 * 1024;

/// The body cap for a request to `path`: [`MAX_UPLOAD_BODY`] for an upload, if larger.
pub(crate) fn body_cap(path: &str, max_body: usize) -> usize {
    let path = path.split('?').next().unwrap_or_default();
    if path.ends_with("/media/upload") {
        max_body.max(MAX_UPLOAD_BODY)
    } else {
        max_body
    }
}

/// One part of a form, as it came.
#[derive(Clone, PartialEq, Eq)]
pub struct FormPart {
    /// `name` of its `Content-Disposition: form-data`.
    pub name: String,
    /// `filename`, as written (quotes removed, `\` escapes undone, nothing decoded).
    pub file_name: Option<String>,
    /// Its `Content-Type`, trimmed.
    pub content_type: Option<String>,
    /// The content.
    pub body: Vec<u8>,
}

impl FormPart {
    /// The file name with the percent-escapes browsers write for `"`, `\` and control
    /// characters (`%22`, `%5C`, `%0D`, `%0A`, …: the WHATWG form-data encoding) decoded;
    /// any other `%` is kept as it is.
    pub fn decoded_file_name(&self) -> Option<String> {
        let raw = self.file_name.as_deref()?;
        let bytes = raw.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let decoded = (bytes[i] == b'%')
                .then(|| bytes.get(i + 1..i + 3))
                .flatten()
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .filter(|b| *b < 0x20 || *b == 0x7f || *b == b'"' || *b == b'\\');
            match decoded {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        Some(String::from_utf8_lossy(&out).into_owned())
    }
}

impl fmt::Debug for FormPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormPart")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.body.len())
            .finish()
    }
}

/// Why a body is not a form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartError {
    /// The content type is not `multipart/form-data`.
    NotMultipart,
    /// No usable `boundary` parameter.
    NoBoundary,
    /// No delimiter line, or the close delimiter is missing.
    NoDelimiter,
    /// A part's head is malformed (no empty line, a line without a colon, not UTF-8).
    BadHead,
    /// A part without `Content-Disposition: form-data; name=…`.
    NoName,
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotMultipart => "the body is not multipart/form-data",
            Self::NoBoundary => "the content type has no boundary",
            Self::NoDelimiter => "the body's delimiters are missing",
            Self::BadHead => "a part's head is malformed",
            Self::NoName => "a part has no form-data name",
        })
    }
}

impl std::error::Error for MultipartError {}

/// The parameters of a header value after its first `;`: `key=token` or
/// `key="quoted \" string"`, keys lower-cased.
fn params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = match value.find(';') {
        Some(i) => i + 1,
        None => return out,
    };
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t' || bytes[i] == b';') {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b';' {
            i += 1;
        }
        let key = value[key_start..i].trim().to_ascii_lowercase();
        if i >= bytes.len() || bytes[i] == b';' {
            continue;
        }
        i += 1; // '='
        let mut val = Vec::new();
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                val.push(bytes[i]);
                i += 1;
            }
            i += 1; // closing quote
        } else {
            while i < bytes.len() && bytes[i] != b';' {
                val.push(bytes[i]);
                i += 1;
            }
            while val.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                val.pop();
            }
        }
        out.push((key, String::from_utf8_lossy(&val).into_owned()));
    }
    out
}

/// The boundary of a `multipart/form-data` content type.
///
/// # Errors
/// [`MultipartError::NotMultipart`] or [`MultipartError::NoBoundary`].
pub fn boundary_of(content_type: &str) -> Result<String, MultipartError> {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart);
    }
    params(content_type)
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or(MultipartError::NoBoundary)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = from;
    while at < haystack.len() {
        // The first byte, then the rest: quick on file contents, where CR is rare.
        let hit = at + haystack[at..].iter().position(|b| *b == first)?;
        if haystack[hit + 1..].starts_with(rest) {
            return Some(hit);
        }
        at = hit + 1;
    }
    None
}

/// The parts of `body`, split on `boundary`. A preamble before the first delimiter and an
/// epilogue after the close delimiter are ignored, as RFC 2046 says.
///
/// # Errors
/// A [`MultipartError`] saying what is malformed.
pub fn parse(boundary: &str, body: &[u8]) -> Result<Vec<FormPart>, MultipartError> {
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    // The first delimiter opens the body or follows a CRLF ending the preamble.
    let mut at = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        find(body, delimiter.as_bytes(), 0).ok_or(MultipartError::NoDelimiter)? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the CRLF ending the delimiter line.
        while body.get(at).is_some_and(|b| *b == b' ' || *b == b'\t') {
            at += 1;
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err(MultipartError::NoDelimiter);
        }
        at += 2;
        let head_end = if body[at..].starts_with(b"\r\n") {
            at
        } else {
            find(body, b"\r\n\r\n", at).ok_or(MultipartError::BadHead)? + 2
        };
        let head = std::str::from_utf8(&body[at..head_end]).map_err(|_| MultipartError::BadHead)?;
        let content_start = head_end + 2;
        let content_end =
            find(body, delimiter.as_bytes(), content_start).ok_or(MultipartError::NoDelimiter)?;
        let mut part = FormPart {
            name: String::new(),
            file_name: None,
            content_type: None,
            body: body[content_start..content_end].to_vec(),
        };
        let mut named = false;
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            let (key, value) = line.split_once(':').ok_or(MultipartError::BadHead)?;
            let value = value.trim();
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let kind = value.split(';').next().unwrap_or_default().trim();
                if !kind.eq_ignore_ascii_case("form-data") {
                    return Err(MultipartError::NoName);
                }
                for (k, v) in params(value) {
                    match k.as_str() {
                        "name" => {
                            part.name = v;
                            named = true;
                        }
                        "filename" => part.file_name = Some(v),
                        _ => {}
                    }
                }
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.to_owned());
            }
        }
        if !named {
            return Err(MultipartError::NoName);
        }
        parts.push(part);
        at = content_end + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_form() {
        assert_eq!(
            boundary_of("application/json"),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            boundary_of("multipart/form-data"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            parse("b", b"no delimiter"),
            Err(MultipartError::NoDelimiter)
        );
        assert_eq!(
            parse(
                "b",
                b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated"
            ),
            Err(MultipartError::NoDelimiter)
        );
        assert_eq!(
            parse("b", b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
            Err(MultipartError::NoName)
        );
    }

    #[test]
    fn content_may_hold_crlf_and_dashes() {
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\r\n--x\r\n-b\r\n--b--\r\n";
        let parts = parse("b", body).unwrap();
        assert_eq!(parts[0].body, b"\r\n--x\r\n-b");
    }
}
