//! [`Form`]: a multipart body not yet written, and [`FormReader`], which writes it as a
//! transport reads it, so a file goes out without first being copied into a body.

use std::io;

use super::boundary::Candidates;
use super::search::Finder;
use super::{Boundary, Part};

/// A multipart body not yet written: its parts, borrowed, and a boundary picked without
/// reading their contents. [`reader`](Self::reader) writes it piece by piece, searching each
/// piece of a content for the boundary just before handing it out; [`encode`](Self::encode)
/// writes it whole.
///
/// The boundary is the first of [`Boundary::for_parts`]'s candidates absent from the names,
/// file names and content types: it is that method's pick unless a content holds it, which
/// the reader finds out before the body is complete ([`BoundaryFound`]).
///
/// ```
/// use std::io::Read;
/// use dingtalk_notify_proto::multipart::{encode, Boundary, Form, Part};
/// let parts = vec![Part::field("type", b"file"), Part::file("media", "a.pdf", "application/pdf", b"%PDF")];
/// let form = Form::new(parts.clone());
/// assert_eq!(form.boundary(), Boundary::for_parts(&parts));
/// let mut body = Vec::new();
/// form.reader().read_to_end(&mut body)?;
/// assert_eq!(body, encode(&form.boundary(), &parts));
/// assert_eq!(Some(body.len()), form.encoded_len());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<'a> {
    parts: Vec<Part<'a>>,
    boundary: Boundary,
    /// Whether the boundary was picked here (and may be picked again by `encode`).
    picked: bool,
}

impl<'a> Form<'a> {
    /// A form whose boundary is picked from its parts' names, sizes and edges.
    pub fn new(parts: Vec<Part<'a>>) -> Self {
        let boundary = Candidates::new(&parts).next_outside_names(&parts);
        Self {
            parts,
            boundary,
            picked: true,
        }
    }

    /// A form with a boundary of your choosing (golden tests), used as it is: check it with
    /// [`Boundary::occurs_in`] first.
    pub fn with_boundary(boundary: Boundary, parts: Vec<Part<'a>>) -> Self {
        Self {
            parts,
            boundary,
            picked: false,
        }
    }

    /// The boundary the reader writes.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// The parts.
    pub fn parts(&self) -> &[Part<'a>] {
        &self.parts
    }

    /// The body's exact length ([`encoded_len`](super::encoded_len)), or `None` past
    /// `usize::MAX`.
    pub fn encoded_len(&self) -> Option<usize> {
        super::encoded_len(&self.boundary, &self.parts)
    }

    /// A reader of the body with [`boundary`](Self::boundary).
    pub fn reader(&self) -> FormReader<'_> {
        FormReader::new(self)
    }

    /// The whole body and the boundary it has: for a picked boundary,
    /// [`encode_picked`](super::encode_picked)'s (this form's, unless a content holds it);
    /// for one of your choosing, that one.
    pub fn encode(&self) -> (Boundary, Vec<u8>) {
        if self.picked {
            super::encode_picked(&self.parts)
        } else {
            (self.boundary, super::encode(&self.boundary, &self.parts))
        }
    }
}

/// The boundary turned up in a part's content while a [`FormReader`] wrote it: the body was
/// cut short before its end, so no server can take it for a whole one. Send
/// [`Form::encode`]'s body instead, which has another boundary. Read it from the
/// [`io::Error`]'s [`get_ref`](io::Error::get_ref), or ask [`FormReader::boundary_found`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the multipart boundary occurs in a file's content; the body was cut short: build it \
     whole (Form::encode) for another boundary"
)]
pub struct BoundaryFound;

/// Writes a [`Form`]'s body as it is read, copying each content straight from the caller's
/// bytes into the reader's buffer. Before a piece of a content is handed out, it (and the
/// end of the piece before it) is searched for the boundary, just after it is copied; if the
/// boundary is there, the read fails with [`BoundaryFound`] and so does every later one.
#[derive(Debug)]
pub struct FormReader<'f> {
    form: &'f Form<'f>,
    /// What comes before each part's content, then the close: `parts.len() + 1` pieces.
    texts: Vec<u8>,
    /// Where each piece of `texts` ends.
    text_ends: Vec<usize>,
    finder: Finder,
    /// The piece being read: even, a text; odd, a part's content.
    piece: usize,
    /// How far into the piece.
    offset: usize,
    found: bool,
}

impl<'f> FormReader<'f> {
    fn new(form: &'f Form<'f>) -> Self {
        let mut texts = Vec::new();
        let mut text_ends = Vec::with_capacity(form.parts.len() + 1);
        for (i, p) in form.parts.iter().enumerate() {
            super::push_head(&mut texts, &form.boundary, i, p);
            text_ends.push(texts.len());
        }
        super::push_close(&mut texts, &form.boundary, !form.parts.is_empty());
        text_ends.push(texts.len());
        Self {
            form,
            texts,
            text_ends,
            finder: Finder::new(&form.boundary),
            piece: 0,
            offset: 0,
            found: false,
        }
    }

    /// Whether a read failed because the boundary occurs in a content.
    pub fn boundary_found(&self) -> bool {
        self.found
    }
}

impl io::Read for FormReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.found {
            return Err(io::Error::new(io::ErrorKind::InvalidData, BoundaryFound));
        }
        let overlap = self.form.boundary.as_str().len().saturating_sub(1);
        let mut written = 0;
        while written < buf.len() {
            let (source, content): (&[u8], bool) = if self.piece % 2 == 1 {
                match self.form.parts.get(self.piece / 2) {
                    Some(p) => (p.body, true),
                    None => break,
                }
            } else {
                let i = self.piece / 2;
                let Some(&end) = self.text_ends.get(i) else {
                    break;
                };
                let start = if i == 0 { 0 } else { self.text_ends[i - 1] };
                (&self.texts[start..end], false)
            };
            let rest = &source[self.offset..];
            if rest.is_empty() {
                self.piece += 1;
                self.offset = 0;
                continue;
            }
            let n = rest.len().min(buf.len() - written);
            buf[written..written + n].copy_from_slice(&rest[..n]);
            // Searched just after the copy, while it is in the cache; when the boundary is
            // there, the copy is never handed out (the read fails instead).
            if content {
                let from = self.offset.saturating_sub(overlap);
                if self.finder.occurs_in(&source[from..self.offset + n]) {
                    self.found = true;
                    return Err(io::Error::new(io::ErrorKind::InvalidData, BoundaryFound));
                }
            }
            written += n;
            self.offset += n;
        }
        Ok(written)
    }
}
