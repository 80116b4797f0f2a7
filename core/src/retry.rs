//! How often and how patiently a failed delivery is tried again.

use std::time::Duration;

/// Retries with exponential backoff and jitter.
///
/// A delivery that fails at the transport (refused, reset, timed out, ...)
/// or that the cloud answers with code 6 (its own internal error) is tried
/// again up to `attempts` times in all, waiting `initial_backoff`, then
/// twice that, and so on up to `max_backoff`, each wait shortened by a
/// random part of up to half (so a fleet that lost the network together
/// does not come back in lockstep). After the last attempt the message stays
/// in the outbox for the next flush. Codes 2, 3, 4, 5, 7 and 8 are final and
/// never retried.
///
/// ```
/// use std::time::Duration;
/// use hologram::RetryPolicy;
/// let p = RetryPolicy::default();
/// assert_eq!(p.attempts, 3);
/// assert!(p.backoff(1, 0.0) <= Duration::from_millis(250));
/// assert!(p.backoff(30, 0.99) <= p.max_backoff);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per delivery, the first included (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no wait: failures go straight to the outbox.
    pub const NONE: RetryPolicy = RetryPolicy {
        attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// The wait after failed attempt number `attempt` (1-based), with
    /// `jitter` in `[0, 1)` taking up to half of it away.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        let full = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        full.mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// A small xorshift generator for jitter: no dependency, no global state.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
        Jitter(nanos ^ (u64::from(std::process::id()) << 32) | 1)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn backoff_grows_and_stays_bounded(attempt in 1u32..100, jitter in 0.0f64..1.0) {
            let p = RetryPolicy::default();
            let b = p.backoff(attempt, jitter);
            prop_assert!(b <= p.max_backoff);
            prop_assert!(b >= p.backoff(attempt, 0.0) / 2);
            prop_assert!(p.backoff(attempt + 1, 0.0) >= p.backoff(attempt, 0.0));
        }
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut j = Jitter::seeded();
        for _ in 0..1000 {
            let x = j.next();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
