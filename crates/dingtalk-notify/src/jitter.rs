//! [`RandomJitter`]: the randomness behind the retry delays (the core's
//! [`RetryPolicy`](dingtalk_notify_proto::RetryPolicy) takes the jitter as an argument).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use dingtalk_notify_proto::retry::Jitter;

/// A small xorshift generator seeded from the standard library's random hasher keys.
pub struct RandomJitter {
    state: AtomicU64,
}

impl RandomJitter {
    /// A generator with a random seed.
    pub fn new() -> Self {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0x9E37_79B9_7F4A_7C15);
        Self {
            state: AtomicU64::new(h.finish() | 1),
        }
    }
}

impl Default for RandomJitter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RandomJitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomJitter").finish_non_exhaustive()
    }
}

impl Jitter for RandomJitter {
    fn next(&self) -> f64 {
        let mut x = self.state.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.store(x, Ordering::Relaxed);
        // 53 random bits make a float in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let v = (x >> 11) as f64 / (1u64 << 53) as f64;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_jitter_stays_in_range_and_varies() {
        let j = RandomJitter::new();
        let values: Vec<f64> = (0..1000).map(|_| j.next()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
    }
}
