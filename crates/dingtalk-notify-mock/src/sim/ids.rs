//! Unique ids: request ids and tokens.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Unique ids: request ids and tokens. A bijective mix of a counter, so never repeated.
#[derive(Debug)]
pub(crate) struct Ids {
    seeds: [u64; 3],
    counter: AtomicU64,
}

fn mix(mut z: u64) -> u64 {
    // splitmix64's finalizer: a bijection on u64.
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Ids {
    pub(crate) fn new() -> Self {
        let state = std::collections::hash_map::RandomState::new();
        let seed = |i: u64| state.hash_one(i);
        Self {
            seeds: [seed(1), seed(2), seed(3)],
            counter: AtomicU64::new(1),
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A request id like DingTalk's (`5y2znla8tw3d`): 13 base-36 characters.
    pub(crate) fn request_id(&self) -> String {
        let mut v = mix(self.next() ^ self.seeds[0]);
        let mut out = [b'0'; 13];
        for slot in out.iter_mut().rev() {
            let digit = (v % 36) as u8;
            *slot = if digit < 10 {
                b'0' + digit
            } else {
                b'a' + digit - 10
            };
            v /= 36;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// A fresh 32-hex-digit access token.
    pub(crate) fn token(&self) -> String {
        let n = self.next();
        format!(
            "{:016x}{:016x}",
            mix(n ^ self.seeds[1]),
            mix(n ^ self.seeds[2])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn request_ids_are_unique_and_shaped() {
        let ids = Ids::new();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = ids.request_id();
            assert_eq!(id.len(), 13);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            );
            assert!(seen.insert(id));
        }
        let t = ids.token();
        assert_eq!(t.len(), 32);
    }
}
