//! [`RandomJitter`]: the randomness behind the retry delays (the core's
//! [`RetryPolicy`](dingtalk_notify_proto::RetryPolicy) takes the jitter as an argument).

use std::fmt;

use dingtalk_notify_proto::retry::Jitter;

/// Uniform jitter in `[0, 1)` from [`fastrand`]'s thread-local generator (wyrand, seeded
/// per thread from the standard library's random hasher keys), so threads sharing one
/// client never share or race on a state.
#[derive(Clone, Copy, Default)]
pub(crate) struct RandomJitter {
    _private: (),
}

impl RandomJitter {
    /// A jitter source (every one draws from its thread's generator).
    pub(crate) fn new() -> Self {
        Self { _private: () }
    }
}

impl fmt::Debug for RandomJitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomJitter").finish_non_exhaustive()
    }
}

impl Jitter for RandomJitter {
    fn next(&self) -> f64 {
        fastrand::f64()
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

    #[test]
    fn threads_sharing_one_jitter_draw_different_values() {
        let j = std::sync::Arc::new(RandomJitter::new());
        let draws: Vec<Vec<f64>> = (0..4)
            .map(|_| {
                let j = j.clone();
                std::thread::spawn(move || (0..64).map(|_| j.next()).collect::<Vec<f64>>())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        for (i, a) in draws.iter().enumerate() {
            for b in &draws[i + 1..] {
                assert_ne!(a, b, "two threads drew the same sequence");
            }
        }
    }
}
