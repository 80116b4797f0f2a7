//! The `sim` network interface: a scriptable link with no radio.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterError, ConfigError, Event, EventSink, MacAddress,
    NetworkCapabilities, NetworkError, NetworkInterface, NullEventSink, SignalReading,
    SignalSource, Ssid,
};

use crate::fault::{FaultPlan, FaultState};

/// The SSID a new simulated network reports.
pub const DEFAULT_SSID: &str = "hologram-sim";
/// The access-point address a new simulated network reports (a locally
/// administered address).
pub const DEFAULT_AP_ADDRESS: MacAddress = MacAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// The signal strength a new simulated network reports, in dBm.
pub const DEFAULT_SIGNAL_DBM: i32 = -50;

/// The configuration keys the `sim` factory knows.
pub const CONFIG_KEYS: [&str; 6] = [
    "ssid",
    "seed",
    "connected",
    "flap_every",
    "drop_after",
    "refuse_connects",
];

/// What happened to a simulated network so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SimCounters {
    /// Operations run (every interface call except `capabilities`).
    pub operations: u64,
    /// Connect attempts on a link that was down (including refused ones).
    pub connect_attempts: u64,
    /// Transitions to up: successful connects and flaps back up.
    pub connects: u64,
    /// Connect attempts refused by the fault plan.
    pub refused: u64,
    /// Transitions to down by `disconnect` (or `reconnect`).
    pub disconnects: u64,
    /// Transitions to down by the fault plan's drop or by
    /// [`SimController::force_link_down`].
    pub drops: u64,
    /// Flaps (each one down or back up).
    pub flaps: u64,
}

struct State {
    up: bool,
    /// Whether the user wants the link up (connect) or down (disconnect, drop);
    /// only a wanted link flaps.
    wanted_up: bool,
    ssid: Ssid,
    ap_address: MacAddress,
    signal_dbm: i32,
    samples: u64,
    sample_sum: i64,
    sample_max: i32,
    fault: FaultState,
    counters: SimCounters,
}

impl State {
    fn new(ssid: Ssid, plan: FaultPlan, connected: bool) -> Self {
        let mut s = State {
            up: false,
            wanted_up: false,
            ssid,
            ap_address: DEFAULT_AP_ADDRESS,
            signal_dbm: DEFAULT_SIGNAL_DBM,
            samples: 0,
            sample_sum: 0,
            sample_max: DEFAULT_SIGNAL_DBM,
            fault: FaultState::new(plan),
            counters: SimCounters::default(),
        };
        if connected {
            s.up = true;
            s.wanted_up = true;
            s.restart_samples();
        }
        s
    }

    fn restart_samples(&mut self) {
        self.samples = 0;
        self.sample_sum = 0;
        self.sample_max = self.signal_dbm;
        self.sample();
    }

    fn sample(&mut self) {
        self.samples += 1;
        self.sample_sum += i64::from(self.signal_dbm);
        self.sample_max = self.sample_max.max(self.signal_dbm);
    }

    fn go_up(&mut self, events: &mut Vec<Event>) {
        self.up = true;
        self.counters.connects += 1;
        self.restart_samples();
        events.push(Event::WifiConnected);
        events.push(Event::NetworkConnected);
    }

    fn go_down(&mut self, events: &mut Vec<Event>) {
        self.up = false;
        events.push(Event::WifiDisconnected);
        events.push(Event::NetworkDisconnected);
    }

    /// Counts one operation and applies the faults due before it runs.
    fn begin_operation(&mut self, events: &mut Vec<Event>) {
        self.counters.operations += 1;
        let tick = self.fault.tick();
        if tick.flap && self.wanted_up {
            self.counters.flaps += 1;
            if self.up {
                self.go_down(events);
            } else {
                self.go_up(events);
            }
        }
        if tick.drop_due && self.up {
            self.fault.drop_done();
            self.force_down(events);
        }
    }

    fn force_down(&mut self, events: &mut Vec<Event>) -> bool {
        self.wanted_up = false;
        if !self.up {
            return false;
        }
        self.counters.drops += 1;
        self.go_down(events);
        true
    }

    fn connect(&mut self, events: &mut Vec<Event>) -> Result<(), NetworkError> {
        self.wanted_up = true;
        if self.up {
            return Ok(());
        }
        self.counters.connect_attempts += 1;
        if self.fault.refuse_connect() {
            self.counters.refused += 1;
            self.wanted_up = false;
            return Err(NetworkError::ConnectFailed {
                reason: "the simulated access point refused the connection (fault plan)".to_owned(),
            });
        }
        self.go_up(events);
        Ok(())
    }

    fn disconnect(&mut self, events: &mut Vec<Event>) {
        self.wanted_up = false;
        if self.up {
            self.counters.disconnects += 1;
            self.go_down(events);
        }
    }

    fn require_up(&self) -> Result<(), NetworkError> {
        if self.up {
            Ok(())
        } else {
            Err(NetworkError::NotConnected)
        }
    }
}

/// The state shared by a [`SimNetwork`] and its [`SimController`]s.
struct Shared {
    state: Mutex<State>,
    events: Arc<dyn EventSink>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state, then emits the events it produced, after the
    /// lock is released (a sink may call back into the network).
    fn with<R>(&self, operation: bool, f: impl FnOnce(&mut State, &mut Vec<Event>) -> R) -> R {
        let mut events = Vec::new();
        let result = {
            let mut state = self.lock();
            if operation {
                state.begin_operation(&mut events);
            }
            f(&mut state, &mut events)
        };
        for event in &events {
            self.events.emit(event);
        }
        result
    }
}

/// The `sim` network interface: a link with no radio, driven by a
/// scriptable state and a seeded [`FaultPlan`].
///
/// It answers every query ([`NetworkCapabilities::ALL`]) while connected and
/// [`NetworkError::NotConnected`] while down. It emits `wifi.connected` then
/// `network.connected` on each transition up, and `wifi.disconnected` then
/// `network.disconnected` on each transition down, like the Wi-Fi adapter.
///
/// Signal strength: the simulated radio takes a reading of the current
/// signal (see [`SimController::set_signal_dbm`]) when the link comes up,
/// whenever the signal is set while up, and at each signal query. The
/// average is the mean of the readings since the link last came up, rounded
/// to the nearest dBm; the maximum is the strongest of them. Readings have
/// source [`SignalSource::Simulated`].
///
/// ```
/// use hologram_ports::NetworkInterface;
/// use hologram_sim::SimNetwork;
///
/// let mut net = SimNetwork::detached();
/// let ctl = net.controller();
/// net.connect().unwrap();
/// ctl.set_signal_dbm(-40);
/// assert_eq!(net.max_signal_strength().unwrap().dbm(), -40);
/// ctl.force_link_down();
/// assert!(!net.is_connected());
/// ```
pub struct SimNetwork {
    shared: Arc<Shared>,
}

impl SimNetwork {
    /// A simulated network, down, with the default SSID, access point and
    /// signal, reporting events to `events`.
    pub fn new(events: Arc<dyn EventSink>) -> Self {
        Self::build(events, default_ssid(), FaultPlan::default(), false)
    }

    /// A simulated network whose events go nowhere.
    pub fn detached() -> Self {
        Self::new(Arc::new(NullEventSink))
    }

    /// A simulated network built from an adapter context, as the `sim`
    /// factory does. Keys: `ssid` (text, 1 to 32 bytes), `seed` (integer,
    /// default 0), `connected` (`true`/`false`, default `false`: start up,
    /// without emitting events), `flap_every` (operations, at least 1),
    /// `drop_after` (operations), `refuse_connects` (attempts). Any other key
    /// is an error that lists these.
    pub fn from_context(ctx: &AdapterContext) -> Result<Self, AdapterError> {
        let cfg = &ctx.config;
        cfg.check_known("sim", &CONFIG_KEYS)?;
        let ssid = match cfg.get("ssid") {
            Some(text) => Ssid::new(text.as_bytes()).map_err(|e| ConfigError::Invalid {
                key: "ssid".to_owned(),
                reason: e.to_string(),
            })?,
            None => default_ssid(),
        };
        let plan = plan_from_config(cfg)?;
        let connected = cfg.parse::<bool>("connected")?.unwrap_or(false);
        Ok(Self::build(ctx.events.clone(), ssid, plan, connected))
    }

    fn build(events: Arc<dyn EventSink>, ssid: Ssid, plan: FaultPlan, connected: bool) -> Self {
        SimNetwork {
            shared: Arc::new(Shared {
                state: Mutex::new(State::new(ssid, plan, connected)),
                events,
            }),
        }
    }

    /// A handle on this network's state that stays usable after the network
    /// is boxed and handed to the SDK.
    pub fn controller(&self) -> SimController {
        SimController {
            shared: Arc::clone(&self.shared),
        }
    }
}

fn default_ssid() -> Ssid {
    Ssid::new(DEFAULT_SSID.as_bytes()).expect("the default SSID is 1 to 32 bytes")
}

fn plan_from_config(cfg: &AdapterConfig) -> Result<FaultPlan, ConfigError> {
    let mut plan = FaultPlan::new(cfg.parse::<u64>("seed")?.unwrap_or(0));
    if let Some(k) = cfg.parse::<u64>("flap_every")? {
        if k == 0 {
            return Err(ConfigError::Invalid {
                key: "flap_every".to_owned(),
                reason: "must be at least 1 operation".to_owned(),
            });
        }
        plan = plan.with_flap_every(k);
    }
    if let Some(n) = cfg.parse::<u64>("drop_after")? {
        plan = plan.with_drop_after(n);
    }
    if let Some(n) = cfg.parse::<u32>("refuse_connects")? {
        plan = plan.with_refuse_connects(n);
    }
    Ok(plan)
}

/// Builds the `sim` network interface from its adapter context.
pub fn factory(ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
    Ok(Box::new(SimNetwork::from_context(ctx)?))
}

impl fmt::Debug for SimNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.lock();
        f.debug_struct("SimNetwork")
            .field("up", &s.up)
            .field("ssid", &s.ssid)
            .field("fault_plan", &s.fault.plan())
            .finish_non_exhaustive()
    }
}

impl NetworkInterface for SimNetwork {
    fn capabilities(&self) -> NetworkCapabilities {
        NetworkCapabilities::ALL
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        self.shared.with(true, State::connect)
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        self.shared.with(true, |s, ev| s.disconnect(ev));
        Ok(())
    }

    fn reconnect(&mut self) -> Result<(), NetworkError> {
        self.shared.with(true, |s, ev| {
            s.disconnect(ev);
            s.connect(ev)
        })
    }

    fn is_connected(&self) -> bool {
        self.shared.with(true, |s, _| s.up)
    }

    fn ssid(&self) -> Result<Ssid, NetworkError> {
        self.shared.with(true, |s, _| {
            s.require_up()?;
            Ok(s.ssid.clone())
        })
    }

    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        self.shared.with(true, |s, _| {
            s.require_up()?;
            Ok(s.ap_address)
        })
    }

    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.shared.with(true, |s, _| {
            s.require_up()?;
            s.sample();
            // `samples` is at least 1 here; the mean of i32 values fits an i32.
            let mean = (s.sample_sum as f64 / s.samples as f64).round() as i32;
            Ok(SignalReading::new(mean, SignalSource::Simulated))
        })
    }

    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        self.shared.with(true, |s, _| {
            s.require_up()?;
            s.sample();
            Ok(SignalReading::new(s.sample_max, SignalSource::Simulated))
        })
    }
}

/// A cloneable handle on a [`SimNetwork`]'s state: script the link from a
/// test or an example while the SDK owns the network. Its calls are not
/// operations of the fault plan.
#[derive(Clone)]
pub struct SimController {
    shared: Arc<Shared>,
}

impl fmt::Debug for SimController {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimController")
            .field("counters", &self.counters())
            .finish_non_exhaustive()
    }
}

impl SimController {
    /// Sets the SSID the network reports.
    pub fn set_ssid(&self, ssid: Ssid) {
        self.shared.lock().ssid = ssid;
    }

    /// Sets the access-point address the network reports.
    pub fn set_ap_address(&self, address: MacAddress) {
        self.shared.lock().ap_address = address;
    }

    /// Sets the current signal strength; while the link is up this is also
    /// a reading for the average and the maximum.
    pub fn set_signal_dbm(&self, dbm: i32) {
        let mut s = self.shared.lock();
        s.signal_dbm = dbm;
        if s.up {
            s.sample();
        }
    }

    /// Drops the link as if the access point vanished: emits
    /// `wifi.disconnected` then `network.disconnected` if it was up. The
    /// link stays down until `connect`. Returns whether it was up.
    pub fn force_link_down(&self) -> bool {
        self.shared.with(false, |s, ev| s.force_down(ev))
    }

    /// Brings the link up as if the network came back: emits
    /// `wifi.connected` then `network.connected` if it was down. Ignores the
    /// fault plan's refusals. Returns whether it was down.
    pub fn force_link_up(&self) -> bool {
        self.shared.with(false, |s, ev| {
            s.wanted_up = true;
            if s.up {
                return false;
            }
            s.go_up(ev);
            true
        })
    }

    /// Replaces the fault plan; the new plan starts counting operations now.
    pub fn set_fault_plan(&self, plan: FaultPlan) {
        self.shared.lock().fault = FaultState::new(plan);
    }

    /// The current fault plan.
    pub fn fault_plan(&self) -> FaultPlan {
        self.shared.lock().fault.plan()
    }

    /// Whether the link is up (not an operation: the fault plan does not run).
    pub fn is_connected(&self) -> bool {
        self.shared.lock().up
    }

    /// What happened so far.
    pub fn counters(&self) -> SimCounters {
        self.shared.lock().counters
    }
}
