//! Time, injected: the delivery engine reads the time and waits through a
//! [`Clock`], so tests replace it and never sleep for real.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Where the SDK reads the time and waits between attempts.
///
/// The default, [`SystemClock`], is the monotonic clock and
/// [`std::thread::sleep`]. A [`ManualClock`] moves only when told to (or
/// when something waits on it), for tests and simulations.
pub trait Clock: Send + fmt::Debug {
    /// The current time.
    fn now(&self) -> Instant;

    /// Waits `duration`.
    fn sleep(&mut self, duration: Duration);
}

/// The monotonic system clock; waits block the thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

#[derive(Debug, Default)]
struct Manual {
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

/// A clock that moves only when it is advanced or waited on: a wait
/// returns at once, moving the clock forward by its duration and recording
/// it. Clones share one time, so a test keeps a clone to watch and move it.
///
/// ```
/// use std::time::Duration;
/// use hologram::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// let mut handle = clock.clone();
/// handle.sleep(Duration::from_secs(8)); // returns at once
/// clock.advance(Duration::from_secs(2));
/// assert_eq!(clock.now() - start, Duration::from_secs(10));
/// assert_eq!(clock.sleeps(), [Duration::from_secs(8)]);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    start: Instant,
    state: Arc<Mutex<Manual>>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock standing at the moment it is made.
    pub fn new() -> Self {
        ManualClock {
            start: Instant::now(),
            state: Arc::default(),
        }
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.elapsed = state.elapsed.saturating_add(by);
    }

    /// Every wait so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sleeps
            .clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start
            + self
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .elapsed
    }

    fn sleep(&mut self, duration: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.elapsed = state.elapsed.saturating_add(duration);
        state.sleeps.push(duration);
    }
}
