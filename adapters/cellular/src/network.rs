//! The `cellular` network interface: the [`NetworkInterface`] over a
//! [`Modem`], opened on first use and again after its port failed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use hologram_ports::{
    AdapterContext, AdapterError, ConfigError, Event, EventSink, NetworkCapabilities, NetworkError,
    NetworkInterface, SignalReading, SignalSource,
};
use hologram_sim::modem::{ModemSim, ModemSimConfig, SimModel};

use crate::at::Response;
use crate::driver::Timeouts;
use crate::error::CellularError;
use crate::modem::{Modem, ModemOptions, SimState};
use crate::query::{Location, Registration, Signal};
use crate::Model;

/// The settings the adapter accepts.
pub const CONFIG_KEYS: [&str; 8] = [
    "device",
    "modem",
    "apn",
    "timeout",
    "registration_timeout",
    "reset_after",
    "baud",
    "simulate",
];

/// The access point name used when none is given (Hologram's).
pub const DEFAULT_APN: &str = "hologram";

/// How long `connect` waits for registration by default. The reference
/// SDK allows 200 s for a whole connection.
pub const DEFAULT_REGISTRATION_TIMEOUT: Duration = Duration::from_secs(180);

/// How often registration is asked while waiting for it.
const REGISTRATION_POLL: Duration = Duration::from_millis(500);

struct State {
    modem: Option<Modem>,
    /// Signal readings (dBm) since the last connect.
    samples: Vec<i32>,
}

/// A cellular modem as a network interface.
pub struct Cellular {
    options: ModemOptions,
    apn: String,
    registration_timeout: Duration,
    events: Arc<dyn EventSink>,
    up: bool,
    state: Mutex<State>,
    /// The in-process simulator behind `simulate`, kept alive with us.
    sim: Option<ModemSim>,
}

impl std::fmt::Debug for Cellular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cellular")
            .field("device", &self.options.device)
            .field("model", &self.options.model)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> AdapterError {
    AdapterError::Config(ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    })
}

impl Cellular {
    /// The factory: reads the settings. The modem is opened on first use,
    /// so building never touches the hardware (except `simulate`, which
    /// starts the simulator).
    pub fn from_context(ctx: &AdapterContext) -> Result<Cellular, AdapterError> {
        let c = &ctx.config;
        c.check_known("cellular", &CONFIG_KEYS)?;
        let mut options = ModemOptions::default();
        if let Some(d) = c.get("device").map(str::trim).filter(|d| !d.is_empty()) {
            options.device = Some(PathBuf::from(d));
        }
        if let Some(m) = c
            .get("modem")
            .map(str::trim)
            .filter(|m| !m.is_empty() && *m != "agnostic")
        {
            options.model = Some(
                m.parse::<Model>()
                    .map_err(|e| invalid("modem", e.to_string()))?,
            );
        }
        let timeout = c.duration("timeout")?.unwrap_or(Duration::from_secs(5));
        if timeout.is_zero() {
            return Err(invalid("timeout", "must be above 0"));
        }
        options.timeouts = Timeouts {
            command: timeout,
            ..Timeouts::default()
        };
        if let Some(n) = c.parse::<u32>("reset_after")? {
            options.reset_after = n;
        }
        if let Some(b) = c.parse::<u32>("baud")? {
            if b == 0 {
                return Err(invalid("baud", "must be above 0"));
            }
            options.baud = b;
        }
        let apn = c.get("apn").unwrap_or(DEFAULT_APN).trim().to_owned();
        if apn.is_empty()
            || apn.len() > 100
            || !apn.chars().all(|ch| ch.is_ascii_graphic() && ch != '"')
        {
            return Err(invalid(
                "apn",
                "must be 1 to 100 printable ASCII characters without spaces or quotes",
            ));
        }
        let registration_timeout = c
            .duration("registration_timeout")?
            .unwrap_or(DEFAULT_REGISTRATION_TIMEOUT);
        let sim = match c.get("simulate").map(str::trim) {
            None | Some("" | "false") => None,
            Some(name) => {
                let model: SimModel = if name == "true" {
                    SimModel::SaraU201
                } else {
                    name.parse()
                        .map_err(|e: hologram_sim::modem::UnknownModel| {
                            invalid("simulate", e.to_string())
                        })?
                };
                if options.device.is_some() {
                    return Err(invalid("simulate", "cannot be combined with device"));
                }
                let sim = ModemSim::start(ModemSimConfig::new(model)).map_err(|e| {
                    AdapterError::Network(NetworkError::other(
                        "starting the modem simulator",
                        e.to_string(),
                    ))
                })?;
                options.device = Some(sim.path().to_path_buf());
                options.model = Some(
                    model
                        .name()
                        .parse()
                        .map_err(|e: CellularError| invalid("simulate", e.to_string()))?,
                );
                Some(sim)
            }
        };
        Ok(Cellular::with_options(
            options,
            apn,
            registration_timeout,
            ctx.events.clone(),
            sim,
        ))
    }

    /// An interface over the modem `options` describe.
    pub fn new(options: ModemOptions, events: Arc<dyn EventSink>) -> Cellular {
        Cellular::with_options(
            options,
            DEFAULT_APN.into(),
            DEFAULT_REGISTRATION_TIMEOUT,
            events,
            None,
        )
    }

    fn with_options(
        options: ModemOptions,
        apn: String,
        registration_timeout: Duration,
        events: Arc<dyn EventSink>,
        sim: Option<ModemSim>,
    ) -> Cellular {
        Cellular {
            options,
            apn,
            registration_timeout,
            events,
            up: false,
            state: Mutex::new(State {
                modem: None,
                samples: Vec::new(),
            }),
            sim,
        }
    }

    /// The same with another APN.
    pub fn with_apn(mut self, apn: impl Into<String>) -> Self {
        self.apn = apn.into();
        self
    }

    /// The same with another registration timeout.
    pub fn with_registration_timeout(mut self, timeout: Duration) -> Self {
        self.registration_timeout = timeout;
        self
    }

    /// The simulator this interface runs on, with `simulate`.
    pub fn simulator(&self) -> Option<&ModemSim> {
        self.sim.as_ref()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the modem, opening it first if needed (and again after
    /// its port failed).
    pub fn with_modem<R>(
        &self,
        f: impl FnOnce(&mut Modem) -> Result<R, CellularError>,
    ) -> Result<R, CellularError> {
        let mut state = self.state();
        let modem = match state.modem.take().filter(|m| !m.port_failed()) {
            Some(m) => m,
            None => Modem::open(&self.options, self.events.clone())?,
        };
        f(state.modem.insert(modem))
    }

    /// `+CSQ`.
    pub fn signal(&self) -> Result<Signal, CellularError> {
        self.with_modem(Modem::signal)
    }
    /// Registration state and technology.
    pub fn registration(&self) -> Result<Registration, CellularError> {
        self.with_modem(Modem::registration)
    }
    /// The operator's name.
    pub fn operator(&self) -> Result<Option<String>, CellularError> {
        self.with_modem(Modem::operator)
    }
    /// The SIM's IMSI.
    pub fn imsi(&self) -> Result<String, CellularError> {
        self.with_modem(Modem::imsi)
    }
    /// The SIM's ICCID.
    pub fn iccid(&self) -> Result<String, CellularError> {
        self.with_modem(Modem::iccid)
    }
    /// The IMEI.
    pub fn imei(&self) -> Result<String, CellularError> {
        self.with_modem(Modem::imei)
    }
    /// A location fix (SARA-U201).
    pub fn location(&self) -> Result<Location, CellularError> {
        self.with_modem(Modem::location)
    }
    /// Radio on or off.
    pub fn set_radio(&self, on: bool) -> Result<(), CellularError> {
        self.with_modem(|m| m.set_radio(on))
    }
    /// Restarts the modem; it is opened again on next use.
    pub fn reset(&self) -> Result<(), CellularError> {
        let r = self.with_modem(Modem::reset);
        self.state().modem = None;
        r
    }
    /// A raw AT command.
    pub fn raw(&self, command: &str, timeout: Duration) -> Result<Response, CellularError> {
        self.with_modem(|m| m.raw(command, timeout))
    }

    /// Radio on, SIM ready, registered (home or roaming), APN set, data
    /// context up and confirmed by the modem.
    fn bring_up(&self) -> Result<(), CellularError> {
        let apn = self.apn.clone();
        let wait = self.registration_timeout;
        self.with_modem(|m| {
            if !m.radio_on()? {
                m.set_radio(true)?;
            }
            match m.sim_state()? {
                SimState::Ready => {}
                SimState::Missing => {
                    return Err(CellularError::NoSim {
                        detail: "+CME ERROR: 10 (SIM not inserted)".into(),
                    })
                }
                SimState::Locked(state) => return Err(CellularError::SimLocked { state }),
            }
            let start = Instant::now();
            // Bounded by the deadline; each round is one query plus a pause.
            loop {
                let reg = m.registration()?;
                if reg.status.is_registered() {
                    log::info!(target: "Cellular", "{} via {}{}", reg.status, reg.source,
                        reg.rat.map(|r| format!(" on {r}")).unwrap_or_default());
                    break;
                }
                if start.elapsed() >= wait {
                    return Err(CellularError::NotRegistered {
                        state: reg.status.to_string(),
                        after: wait,
                    });
                }
                m.poll_urcs(REGISTRATION_POLL.min(wait.saturating_sub(start.elapsed())))?;
            }
            if !m.context_active()? {
                m.context_up(&apn)?;
            }
            if !m.context_active()? {
                return Err(CellularError::Parse {
                    command: "data context",
                    detail: "the modem accepted the activation but reports no active context"
                        .into(),
                });
            }
            Ok(())
        })
    }

    fn emit(&self, up: bool) {
        let (link, net) = if up {
            (Event::CellularConnected, Event::NetworkConnected)
        } else {
            (Event::CellularDisconnected, Event::NetworkDisconnected)
        };
        self.events.emit(&link);
        self.events.emit(&net);
    }
}

fn not_connected() -> NetworkError {
    NetworkError::NotConnected
}

impl NetworkInterface for Cellular {
    fn capabilities(&self) -> NetworkCapabilities {
        let mut c = NetworkCapabilities::NONE;
        c.avg_signal_strength = true;
        c.max_signal_strength = true;
        c
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        self.bring_up()?;
        if !self.up {
            self.up = true;
            self.state().samples.clear();
            self.emit(true);
        }
        Ok(())
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        if !self.up {
            return Ok(());
        }
        match self.with_modem(Modem::context_down) {
            Ok(()) => {}
            // The modem is gone or silent: the link is down all the same.
            Err(e) if e.is_modem_unreachable() => {
                log::warn!(target: "Cellular", "disconnect: {e}");
            }
            Err(e) => return Err(e.into()),
        }
        self.up = false;
        self.emit(false);
        Ok(())
    }

    /// Asks the modem: registered (home or roaming) and data context up.
    /// Never opens a modem that was not opened yet.
    fn is_connected(&self) -> bool {
        let mut state = self.state();
        let Some(m) = state.modem.as_mut() else {
            return false;
        };
        if m.port_failed() {
            return false;
        }
        let registered = m.registration().is_ok_and(|r| r.status.is_registered());
        registered && m.context_active().unwrap_or(false)
    }

    /// The mean of the `+CSQ` readings since connect, this one included.
    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let dbm = self.sample()?;
        let state = self.state();
        let n = i64::try_from(state.samples.len()).unwrap_or(1).max(1);
        let sum: i64 = state.samples.iter().map(|s| i64::from(*s)).sum();
        let avg = i32::try_from(sum / n).unwrap_or(dbm);
        Ok(SignalReading::new(avg, SignalSource::Other))
    }

    /// The strongest `+CSQ` reading since connect, this one included.
    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let dbm = self.sample()?;
        let max = self.state().samples.iter().copied().max().unwrap_or(dbm);
        Ok(SignalReading::new(max, SignalSource::Other))
    }
}

impl Cellular {
    /// One `+CSQ` reading in dBm, recorded; errors while down.
    fn sample(&self) -> Result<i32, NetworkError> {
        if !self.up {
            return Err(not_connected());
        }
        let s = self.signal()?;
        let dbm = s.dbm().ok_or_else(|| {
            NetworkError::other(
                "signal strength",
                "the modem does not know the signal strength (+CSQ: 99)",
            )
        })?;
        self.state().samples.push(dbm);
        Ok(dbm)
    }
}

/// The factory registered as `cellular`.
pub fn factory(ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
    Ok(Box::new(Cellular::from_context(ctx)?))
}
