//! Fault plans for the simulated network: what goes wrong, and when.
//!
//! A [`FaultPlan`] is a value: a seed and up to three rules. Handing it to
//! [`SimController::set_fault_plan`](crate::SimController::set_fault_plan)
//! starts it from its first operation, so the same plan with the same seed
//! on the same sequence of calls always does the same thing.
//!
//! An *operation* is one call of a [`NetworkInterface`] method other than
//! `capabilities` (`connect`, `disconnect`, `reconnect`, `is_connected`,
//! `ssid`, `ap_address`, `avg_signal_strength`, `max_signal_strength`).
//! Faults are applied at the start of an operation, before it runs, so the
//! operation sees their effect. Calls on the controller are not operations.
//!
//! [`NetworkInterface`]: hologram_ports::NetworkInterface

/// A small, fast, seedable pseudo-random generator (SplitMix64). Not for
/// cryptography: it only makes fault schedules repeatable.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `1..=max` (`max` at least 1). The tiny modulo bias does
    /// not matter for fault schedules.
    pub(crate) fn in_one_to(&mut self, max: u64) -> u64 {
        1 + self.next_u64() % max.max(1)
    }
}

/// What goes wrong with the simulated link, and when. Build one with
/// [`FaultPlan::new`] and the `with_*` methods; the default plan does
/// nothing.
///
/// - **drop after N**: once N operations have run, the next operation that
///   finds the link up drops it (`wifi.disconnected`, `network.disconnected`).
///   It happens once per plan; the link stays down until `connect`.
/// - **flap every K**: the link goes down, and later comes back up by
///   itself, at seeded intervals of 1 to 2K−1 operations (K on average).
///   Only a link the user wants up flaps: after `disconnect` (or a drop)
///   nothing flaps until the next successful `connect`.
/// - **refuse N connects**: the next N `connect` attempts on a link that is
///   down fail with [`NetworkError::ConnectFailed`](hologram_ports::NetworkError::ConnectFailed).
///
/// ```
/// use hologram_sim::FaultPlan;
/// let plan = FaultPlan::new(7).with_flap_every(10).with_refuse_connects(2);
/// assert_eq!(plan.seed(), 7);
/// assert_eq!(plan.flap_every(), Some(10));
/// assert_eq!(plan.drop_after(), None);
/// assert_eq!(FaultPlan::new(7).with_flap_every(0).flap_every(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FaultPlan {
    seed: u64,
    drop_after: Option<u64>,
    flap_every: Option<u64>,
    refuse_connects: u32,
}

impl FaultPlan {
    /// A plan with no rule yet, whose schedule is drawn from `seed`.
    pub const fn new(seed: u64) -> Self {
        FaultPlan {
            seed,
            drop_after: None,
            flap_every: None,
            refuse_connects: 0,
        }
    }

    /// Drops the link once, after `operations` operations.
    pub const fn with_drop_after(mut self, operations: u64) -> Self {
        self.drop_after = Some(operations);
        self
    }

    /// Flaps the link every `operations` operations on average; 0 turns
    /// flapping off.
    pub const fn with_flap_every(mut self, operations: u64) -> Self {
        self.flap_every = if operations == 0 {
            None
        } else {
            Some(operations)
        };
        self
    }

    /// Refuses the next `attempts` connect attempts.
    pub const fn with_refuse_connects(mut self, attempts: u32) -> Self {
        self.refuse_connects = attempts;
        self
    }

    /// The seed of the schedule.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    /// After how many operations the link drops, if it does.
    pub const fn drop_after(&self) -> Option<u64> {
        self.drop_after
    }

    /// The mean number of operations between flaps, if the link flaps.
    pub const fn flap_every(&self) -> Option<u64> {
        self.flap_every
    }

    /// How many connect attempts are refused.
    pub const fn refuse_connects(&self) -> u32 {
        self.refuse_connects
    }

    /// Whether the plan does nothing.
    pub const fn is_quiet(&self) -> bool {
        self.drop_after.is_none() && self.flap_every.is_none() && self.refuse_connects == 0
    }
}

/// What the plan asks for at the start of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tick {
    /// The one-shot drop is due (apply it if the link is up, then call
    /// [`FaultState::drop_done`]).
    pub(crate) drop_due: bool,
    /// A flap fires now.
    pub(crate) flap: bool,
}

/// A running [`FaultPlan`]: its generator and counters. Pure state, no
/// link: the network decides what a tick does to its link.
#[derive(Debug, Clone)]
pub(crate) struct FaultState {
    plan: FaultPlan,
    rng: SplitMix64,
    operations: u64,
    next_flap_at: Option<u64>,
    dropped: bool,
    refusals_left: u32,
}

impl FaultState {
    pub(crate) fn new(plan: FaultPlan) -> Self {
        let mut rng = SplitMix64::new(plan.seed);
        let next_flap_at = plan.flap_every.map(|k| rng.in_one_to(flap_span(k)));
        FaultState {
            plan,
            rng,
            operations: 0,
            next_flap_at,
            dropped: false,
            refusals_left: plan.refuse_connects,
        }
    }

    pub(crate) fn plan(&self) -> FaultPlan {
        self.plan
    }

    /// Counts one operation and says which faults fire before it runs.
    pub(crate) fn tick(&mut self) -> Tick {
        self.operations += 1;
        let drop_due = !self.dropped && self.plan.drop_after.is_some_and(|n| self.operations > n);
        let mut flap = false;
        if let (Some(at), Some(k)) = (self.next_flap_at, self.plan.flap_every) {
            if self.operations >= at {
                flap = true;
                let interval = self.rng.in_one_to(flap_span(k));
                self.next_flap_at = Some(self.operations.saturating_add(interval));
            }
        }
        Tick { drop_due, flap }
    }

    /// The one-shot drop happened.
    pub(crate) fn drop_done(&mut self) {
        self.dropped = true;
    }

    /// Whether this connect attempt is refused (and counts it).
    pub(crate) fn refuse_connect(&mut self) -> bool {
        if self.refusals_left > 0 {
            self.refusals_left -= 1;
            true
        } else {
            false
        }
    }
}

/// The longest interval between flaps for a mean of `k`: 2K−1 (saturating,
/// so any `k` a configuration file holds is safe).
fn flap_span(k: u64) -> u64 {
    k.saturating_mul(2).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference() {
        // Reference values of SplitMix64 seeded with 1234567.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn flap_intervals_stay_in_range_and_repeat() {
        let schedule = |seed| {
            let mut s = FaultState::new(FaultPlan::new(seed).with_flap_every(4));
            (0..200).filter(|_| s.tick().flap).count()
        };
        assert_eq!(schedule(9), schedule(9));
        let flaps = schedule(9);
        // Mean interval 4 over 200 operations, intervals between 1 and 7.
        assert!((200 / 7..=200).contains(&flaps), "{flaps}");
    }

    #[test]
    fn the_largest_flap_interval_does_not_overflow() {
        let mut s = FaultState::new(FaultPlan::new(5).with_flap_every(u64::MAX));
        for _ in 0..10 {
            s.tick();
        }
        assert!(s.next_flap_at.is_some());
    }

    #[test]
    fn drop_is_due_after_n_until_done() {
        let mut s = FaultState::new(FaultPlan::new(0).with_drop_after(2));
        assert!(!s.tick().drop_due);
        assert!(!s.tick().drop_due);
        assert!(s.tick().drop_due);
        assert!(s.tick().drop_due);
        s.drop_done();
        assert!(!s.tick().drop_due);
    }
}
