//! The modem simulator's seeded fault plan.

use std::time::Duration;

use crate::fault::SplitMix64;

/// What goes wrong in a simulated modem, and when. Counts are in AT
/// commands received since the simulator started; "one in N" rules draw
/// from the seed, so the same plan and seed give the same run.
///
/// ```
/// use hologram_sim::modem::ModemFaults;
/// let plan = ModemFaults::new(7).with_garbage_one_in(3).with_stuck(10, 5);
/// assert_eq!(plan.seed(), 7);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModemFaults {
    seed: u64,
    pub(crate) sim_pin: bool,
    pub(crate) not_registered: bool,
    pub(crate) registration_lost: Option<(u64, u64)>,
    pub(crate) garbage_one_in: u64,
    pub(crate) urc_mid_answer_one_in: u64,
    pub(crate) huge_line_one_in: u64,
    pub(crate) stuck: Option<(u64, u64)>,
    pub(crate) eio_after: Option<u64>,
    pub(crate) slow: Option<Duration>,
}

impl ModemFaults {
    /// No fault, drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        ModemFaults {
            seed,
            ..ModemFaults::default()
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The SIM asks for its PIN (`+CPIN: SIM PIN`).
    pub fn with_sim_pin(mut self) -> Self {
        self.sim_pin = true;
        self
    }

    /// The modem never registers (keeps searching, stat 2).
    pub fn with_not_registered(mut self) -> Self {
        self.not_registered = true;
        self
    }

    /// Registration is lost after `after` commands, for `count` commands
    /// (with a `+CREG`/`+CEREG` URC each way when enabled).
    pub fn with_registration_lost(mut self, after: u64, count: u64) -> Self {
        self.registration_lost = Some((after, count));
        self
    }

    /// After one answer in `n` (seeded), a line of garbage follows.
    pub fn with_garbage_one_in(mut self, n: u64) -> Self {
        self.garbage_one_in = n;
        self
    }

    /// In one answer in `n` (seeded), a URC comes between the answer's lines.
    pub fn with_urc_mid_answer_one_in(mut self, n: u64) -> Self {
        self.urc_mid_answer_one_in = n;
        self
    }

    /// Before one answer in `n` (seeded), a 1 MB line with no line end in it.
    pub fn with_huge_line_one_in(mut self, n: u64) -> Self {
        self.huge_line_one_in = n;
        self
    }

    /// After `after` commands, the next `count` commands get no answer.
    pub fn with_stuck(mut self, after: u64, count: u64) -> Self {
        self.stuck = Some((after, count));
        self
    }

    /// After `after` commands the port disappears: the pty is closed, so
    /// the client reads EIO and the device node is gone.
    pub fn with_eio_after(mut self, after: u64) -> Self {
        self.eio_after = Some(after);
        self
    }

    /// Every answer comes `delay` late.
    pub fn with_slow_answers(mut self, delay: Duration) -> Self {
        self.slow = Some(delay);
        self
    }

    pub(crate) fn in_window(window: Option<(u64, u64)>, n: u64) -> bool {
        window.is_some_and(|(after, count)| n > after && n - after <= count)
    }
}

/// The seeded draws of one run.
#[derive(Debug)]
pub(crate) struct Dice(SplitMix64);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Dice(SplitMix64::new(seed))
    }

    /// True one time in `n` (never when `n` is 0).
    pub(crate) fn one_in(&mut self, n: u64) -> bool {
        n > 0 && self.0.in_one_to(n) == 1
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0.in_one_to(n.max(1)) - 1
    }
}
