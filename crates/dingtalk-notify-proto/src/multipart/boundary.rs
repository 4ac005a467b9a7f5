//! [`Boundary`]: a multipart boundary, given or picked, and the candidates picking tries.

use std::fmt;

use super::Part;
use super::search::Finder;

/// The longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_LEN: usize = 70;

/// The prefix of every boundary [`Boundary::for_parts`] picks.
const PREFIX: &str = "dingtalk-notify-";

/// The length of every boundary [`Boundary::for_parts`] picks: the prefix and 48 hex digits.
const PICKED_LEN: usize = PREFIX.len() + 48;

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
        let finder = Finder::new(self);
        self.occurs_in_names(parts) || parts.iter().any(|p| finder.occurs_in(p.body))
    }

    /// A boundary that occurs nowhere in `parts`: `dingtalk-notify-` and 48 hex digits drawn
    /// from the parts' sizes and edges, the next candidate whenever one occurs. The same
    /// parts always give the same boundary (reproducible bodies); no randomness is needed,
    /// since each candidate is checked. Content full of crafted candidates only costs more
    /// scans: a body of `n` bytes can hold fewer than `n / 64` of them. (64 characters: the
    /// longer the boundary, the fewer content bytes its search reads.)
    ///
    /// [`encode_picked`](super::encode_picked) picks the same boundary while it writes the
    /// body, in one pass over the contents instead of two.
    pub fn for_parts(parts: &[Part<'_>]) -> Self {
        let mut candidates = Candidates::new(parts);
        loop {
            let candidate = candidates.next_candidate();
            if !candidate.occurs_in(parts) {
                return candidate;
            }
        }
    }

    /// Whether the boundary occurs in a part's name, file name or content type (not its
    /// content): what can be checked before a content is read.
    pub(crate) fn occurs_in_names(&self, parts: &[Part<'_>]) -> bool {
        // Short texts: a plain substring search, which allocates nothing.
        let occurs =
            |text: &str| memchr::memmem::find(text.as_bytes(), self.as_str().as_bytes()).is_some();
        parts.iter().any(|p| {
            occurs(p.name) || p.file_name.is_some_and(occurs) || p.content_type.is_some_and(occurs)
        })
    }

    /// `dingtalk-notify-` and the 48 hex digits of `words`.
    fn hex(words: [u64; 3]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0; MAX_BOUNDARY_LEN];
        bytes[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        let digits = bytes[PREFIX.len()..PICKED_LEN].chunks_exact_mut(16);
        for (word, slots) in words.iter().zip(digits) {
            for (i, slot) in slots.iter_mut().enumerate() {
                *slot = DIGITS[((word >> (60 - 4 * i)) & 0xf) as usize];
            }
        }
        Self {
            bytes,
            len: PICKED_LEN as u8,
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

/// The boundaries [`Boundary::for_parts`] tries, in order: each a hash of the parts' names,
/// sizes and edges and the attempt's number. Only a part's first and last 64 bytes are read.
pub(crate) struct Candidates {
    seed: Fnv,
    attempt: u64,
}

impl Candidates {
    pub(crate) fn new(parts: &[Part<'_>]) -> Self {
        let mut seed = Fnv::new();
        for p in parts {
            seed.write(p.name.as_bytes());
            seed.write(p.file_name.unwrap_or_default().as_bytes());
            seed.write(&(p.body.len() as u64).to_le_bytes());
            seed.write(&p.body[..p.body.len().min(64)]);
            seed.write(&p.body[p.body.len().saturating_sub(64)..]);
        }
        Self { seed, attempt: 0 }
    }

    /// The next candidate, checked against nothing.
    pub(crate) fn next_candidate(&mut self) -> Boundary {
        let mut h = self.seed;
        h.write(&self.attempt.to_le_bytes());
        self.attempt = self.attempt.wrapping_add(1);
        let word = |i: u8| {
            let mut w = h;
            w.write(&[i]);
            w.finish()
        };
        Boundary::hex([word(0), word(1), word(2)])
    }

    /// The next candidate absent from the parts' names, file names and content types.
    pub(crate) fn next_outside_names(&mut self, parts: &[Part<'_>]) -> Boundary {
        loop {
            let candidate = self.next_candidate();
            if !candidate.occurs_in_names(parts) {
                return candidate;
            }
        }
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
