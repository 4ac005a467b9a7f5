//! Whether a boundary occurs in a content, reading two bytes in every `m - 1` (`m`, the
//! boundary's length) rather than every byte.
//!
//! An occurrence of the boundary at `start` holds the `m - 1` byte pairs starting at
//! `start`, `start + 1`, ..., `start + m - 2`, and any `m - 1` consecutive positions hold
//! exactly one multiple of `m - 1`. So only the pairs starting at those multiples are looked
//! at: a table (indexed by a 12-bit hash of the pair) says at which offsets of the boundary
//! such a pair stands, and only those starts are compared in full. Pairs rather than single
//! bytes, because a boundary holds about 25 of the 256 byte values but only `m - 1` of the
//! 65,536 pairs, so a content rarely sends the search to a comparison. For a picked boundary
//! (64 characters) that is two bytes in every 63 of the content, four samples at a time
//! (one branch for the four). A general substring search (`memchr::memmem`, still used for
//! boundaries shorter than [`SAMPLED_FROM`] or longer than [`SAMPLED_UP_TO`]) reads every
//! byte and, on content whose bytes cycle through every value (compressed files, the
//! benchmarks' files), keeps stopping at false candidates.

use super::Boundary;

/// The shortest boundary searched by sampling; shorter ones gain little from it.
const SAMPLED_FROM: usize = 8;

/// The longest boundary searched by sampling: its `m - 1` pair offsets fit a `u64`.
const SAMPLED_UP_TO: usize = 65;

/// Buckets of the pair table: 4096 offsets masks, 32 KiB.
const BUCKETS: usize = 1 << 12;

fn bucket(first: u8, second: u8) -> usize {
    ((usize::from(first) << 4) ^ usize::from(second)) & (BUCKETS - 1)
}

/// A search for one boundary.
#[derive(Clone)]
pub(crate) struct Finder {
    boundary: Boundary,
    /// For each pair's bucket, the offsets of the boundary where a pair of that bucket
    /// starts, as bits (empty unless the boundary is sampled).
    offsets: Vec<u64>,
}

impl std::fmt::Debug for Finder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Finder").field(&self.boundary).finish()
    }
}

impl Finder {
    pub(crate) fn new(boundary: &Boundary) -> Self {
        let needle = boundary.as_str().as_bytes();
        let mut offsets = Vec::new();
        if (SAMPLED_FROM..=SAMPLED_UP_TO).contains(&needle.len()) {
            offsets = vec![0u64; BUCKETS];
            for (j, pair) in needle.windows(2).enumerate() {
                offsets[bucket(pair[0], pair[1])] |= 1u64 << j;
            }
        }
        Self {
            boundary: *boundary,
            offsets,
        }
    }

    /// Whether the boundary occurs in `hay`.
    pub(crate) fn occurs_in(&self, hay: &[u8]) -> bool {
        let needle = self.boundary.as_str().as_bytes();
        let m = needle.len();
        if self.offsets.is_empty() {
            return memchr::memmem::find(hay, needle).is_some();
        }
        if hay.len() < m {
            return false;
        }
        let stride = m - 1;
        let mask = |q: usize| self.offsets[bucket(hay[q], hay[q + 1])];
        // Four samples a time while all four pairs are inside `hay`; one branch for them.
        let mut q = stride - 1;
        while q + 3 * stride + 1 < hay.len() {
            let any = mask(q) | mask(q + stride) | mask(q + 2 * stride) | mask(q + 3 * stride);
            if any != 0 {
                for k in 0..4 {
                    if self.starts_match(hay, q + k * stride, mask(q + k * stride)) {
                        return true;
                    }
                }
            }
            q += 4 * stride;
        }
        while q + 1 < hay.len() {
            if self.starts_match(hay, q, mask(q)) {
                return true;
            }
            q += stride;
        }
        false
    }

    /// Whether the boundary starts at `q - j` for one of the offsets `j` in `at`.
    fn starts_match(&self, hay: &[u8], q: usize, mut at: u64) -> bool {
        let needle = self.boundary.as_str().as_bytes();
        let m = needle.len();
        while at != 0 {
            let j = at.trailing_zeros() as usize;
            at &= at - 1;
            // A start before the content, or too near its end, cannot hold the boundary.
            let Some(start) = q.checked_sub(j) else {
                continue;
            };
            if start + m <= hay.len()
                && hay[start + m - 1] == needle[m - 1]
                && &hay[start..start + m] == needle
            {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// memchr's memmem, a maintained substring search, is the oracle.
    fn oracle(hay: &[u8], b: &Boundary) -> bool {
        memchr::memmem::find(hay, b.as_str().as_bytes()).is_some()
    }

    #[test]
    fn finds_what_memmem_finds_at_every_offset_and_length() {
        let long = "dingtalk-notify-0123456789abcdef0123456789abcdef0123456789abcdef";
        let longest = "x".repeat(70);
        for needle in [
            long,
            "dingtalk-notify-0123456789abcdef",
            "abcdefgh",
            "aaaaaaaaab",
            "xyz",
            &longest,
            &longest[..65],
        ] {
            let b = Boundary::new(needle).unwrap();
            let finder = Finder::new(&b);
            for len in 0..needle.len() * 5 + 2 {
                for at in 0..=len.saturating_sub(needle.len()) {
                    let mut hay = vec![b'a'; len];
                    if at + needle.len() <= len {
                        hay[at..at + needle.len()].copy_from_slice(needle.as_bytes());
                    }
                    assert_eq!(
                        finder.occurs_in(&hay),
                        oracle(&hay, &b),
                        "{needle} {len} {at}"
                    );
                }
                // Cut off by the end: the boundary less its last byte.
                let mut hay = vec![b'z'; len];
                if len >= needle.len() - 1 {
                    let start = len - (needle.len() - 1);
                    hay[start..].copy_from_slice(&needle.as_bytes()[..needle.len() - 1]);
                }
                assert_eq!(
                    finder.occurs_in(&hay),
                    oracle(&hay, &b),
                    "{needle} {len} cut"
                );
            }
        }
    }

    #[test]
    fn finds_what_memmem_finds_in_content_of_every_byte() {
        let b = Boundary::new("dingtalk-notify-00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff")
            .unwrap();
        let finder = Finder::new(&b);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..200 {
            let mut hay: Vec<u8> = (0..4096)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Mostly the boundary's own bytes, so near misses are common.
                    b.as_str().as_bytes()[(seed % 64) as usize]
                })
                .collect();
            if round % 2 == 0 {
                let at = (seed % 4000) as usize;
                hay[at..at + 64].copy_from_slice(b.as_str().as_bytes());
            }
            assert_eq!(finder.occurs_in(&hay), oracle(&hay, &b), "round {round}");
        }
    }
}
