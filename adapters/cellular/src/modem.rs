//! An open modem: its AT channel, its driver, the liveness watchdog, and
//! every typed query and control.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hologram_ports::{Event, EventSink};

use crate::at::{AtChannel, AtError, AtStats, Response};
use crate::detect::{self, SYSFS_USB};
use crate::driver::{self, best_effort, parse_error, ModemDriver, Timeouts};
use crate::error::CellularError;
use crate::model::Model;
use crate::query::{self, Location, LteSignal, Registration, Signal};
use crate::serial::SerialPort;

/// The event emitted when the AT channel stops answering.
pub const EVENT_STUCK: &str = "cellular.stuck";
/// The event emitted when the watchdog resets the modem.
pub const EVENT_RESET: &str = "cellular.reset";

/// How to find and drive a modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemOptions {
    /// The AT port; `None` detects it.
    pub device: Option<PathBuf>,
    /// The model; `None` takes it from detection or `AT+CGMM`.
    pub model: Option<Model>,
    /// The serial speed (USB modems ignore it).
    pub baud: u32,
    /// Command timeouts.
    pub timeouts: Timeouts,
    /// Commands in a row without an answer before the watchdog resets the
    /// modem (0: never).
    pub reset_after: u32,
    /// Where detection looks for USB devices.
    pub sysfs: PathBuf,
    /// Where device nodes are.
    pub dev: PathBuf,
}

impl Default for ModemOptions {
    fn default() -> Self {
        ModemOptions {
            device: None,
            model: None,
            baud: 115_200,
            timeouts: Timeouts::default(),
            reset_after: 3,
            sysfs: PathBuf::from(SYSFS_USB),
            dev: PathBuf::from("/dev"),
        }
    }
}

/// The SIM's state (`+CPIN?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimState {
    /// Ready.
    Ready,
    /// Locked: `SIM PIN`, `SIM PUK`, ...
    Locked(String),
    /// No SIM card.
    Missing,
}

/// An open, initialised modem.
pub struct Modem {
    at: AtChannel,
    driver: Box<dyn ModemDriver>,
    device: PathBuf,
    timeouts: Timeouts,
    reset_after: u32,
    events: Arc<dyn EventSink>,
    stuck: bool,
    port_failed: bool,
}

impl std::fmt::Debug for Modem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Modem")
            .field("model", &self.driver.model())
            .field("device", &self.device)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Modem {
    /// Finds (unless `options.device` names it), opens and initialises the
    /// modem. Fails with [`CellularError::NotAnswering`] when the port does
    /// not answer `AT`.
    pub fn open(
        options: &ModemOptions,
        events: Arc<dyn EventSink>,
    ) -> Result<Modem, CellularError> {
        let t = options.timeouts;
        let (device, detected) = match &options.device {
            Some(d) => (d.clone(), None),
            None => {
                let (d, m) = detect::detect(
                    &options.sysfs,
                    &options.dev,
                    options.model,
                    options.baud,
                    t.command.min(Duration::from_secs(2)),
                )?;
                (d, Some(m))
            }
        };
        let port = SerialPort::open(&device, options.baud)?;
        let at = AtChannel::new(Box::new(port));
        Self::on_channel(at, device, options, detected, events)
    }

    /// Drives a modem over an already open channel (tests, other ports).
    pub fn on_channel(
        mut at: AtChannel,
        device: PathBuf,
        options: &ModemOptions,
        detected: Option<Model>,
        events: Arc<dyn EventSink>,
    ) -> Result<Modem, CellularError> {
        let t = options.timeouts;
        let not_answering = |e: AtError| CellularError::NotAnswering {
            device: device.clone(),
            detail: e.to_string(),
        };
        // A modem with a half-typed line answers ERROR to the first AT.
        if let Err(e) = at.command("AT", t.command) {
            if e.is_channel_failure() {
                return Err(not_answering(e));
            }
            at.command("AT", t.command).map_err(not_answering)?;
        }
        best_effort(&mut at, "ATE0", t.command).map_err(not_answering)?;
        let model = match options.model.or(detected) {
            Some(m) => m,
            None => {
                let man = driver::bare(&mut at, "AT+CGMI", t.command).unwrap_or_default();
                let name = driver::bare(&mut at, "AT+CGMM", t.command)?;
                Model::from_identity(&man, &name)
            }
        };
        let driver = driver::driver(model);
        for cmd in driver.init_commands() {
            best_effort(&mut at, cmd, t.command).map_err(not_answering)?;
        }
        driver.check_quirks(&mut at, &t).map_err(not_answering)?;
        let sink = events.clone();
        at.on_urc("+CMTI", move |_| sink.emit(&Event::custom("sms.received")));
        let sink = events.clone();
        at.on_urc("+UUPSDD", move |_| {
            sink.emit(&Event::custom("cellular.forced_disconnect"))
        });
        for reg in ["+CREG:", "+CGREG:", "+CEREG:"] {
            at.on_urc(
                reg,
                |u| log::debug!(target: "Cellular", "registration changed: {u}"),
            );
        }
        log::info!(target: "Cellular", "{} on {}", model.description(), device.display());
        Ok(Modem {
            at,
            driver,
            device,
            timeouts: t,
            reset_after: options.reset_after,
            events,
            stuck: false,
            port_failed: false,
        })
    }

    /// The model.
    pub fn model(&self) -> Model {
        self.driver.model()
    }

    /// The driver.
    pub fn driver(&self) -> &dyn ModemDriver {
        self.driver.as_ref()
    }

    /// The AT port.
    pub fn device(&self) -> &Path {
        &self.device
    }

    /// The channel's counters.
    pub fn stats(&self) -> AtStats {
        self.at.stats()
    }

    /// True once the port itself failed (the device went away): the modem
    /// must be opened again.
    pub fn port_failed(&self) -> bool {
        self.port_failed
    }

    /// Runs a driver operation, then lets the watchdog look at the channel.
    fn run<R>(
        &mut self,
        f: impl FnOnce(&dyn ModemDriver, &mut AtChannel, &Timeouts) -> Result<R, CellularError>,
    ) -> Result<R, CellularError> {
        let r = f(self.driver.as_ref(), &mut self.at, &self.timeouts);
        if let Err(CellularError::At(AtError::Io { .. })) = &r {
            self.port_failed = true;
        }
        self.watchdog();
        r
    }

    /// The liveness watchdog: the first command without an answer emits
    /// [`EVENT_STUCK`]; every `reset_after` of them in a row, the model's
    /// reset command is sent (bounded by the command timeout) and
    /// [`EVENT_RESET`] emitted. An answer of any kind ends the episode.
    fn watchdog(&mut self) {
        let failures = self.at.consecutive_failures();
        if failures == 0 {
            if self.stuck {
                log::info!(target: "Cellular", "the modem on {} answers again", self.device.display());
                self.stuck = false;
            }
            return;
        }
        if !self.stuck {
            self.stuck = true;
            log::warn!(target: "Cellular", "the modem on {} stopped answering AT commands", self.device.display());
            self.events.emit(&Event::custom(EVENT_STUCK));
        }
        if self.reset_after > 0 && failures.is_multiple_of(self.reset_after) && !self.port_failed {
            log::warn!(target: "Cellular", "resetting the modem after {failures} commands without an answer");
            self.events.emit(&Event::custom(EVENT_RESET));
            let _ = self
                .at
                .command(self.driver.reset_command(), self.timeouts.command);
        }
    }

    /// `+CSQ`: signal strength.
    pub fn signal(&mut self) -> Result<Signal, CellularError> {
        self.run(|_, at, t| {
            let r = at.command("AT+CSQ", t.command)?;
            r.value("+CSQ")
                .and_then(Signal::parse)
                .ok_or_else(|| parse_error("AT+CSQ", &r))
        })
    }

    /// `+CESQ`: LTE RSRP/RSRQ, where the model has them; `None` otherwise.
    pub fn lte_signal(&mut self) -> Result<Option<LteSignal>, CellularError> {
        if !self.driver.has_cesq() {
            return Ok(None);
        }
        self.run(|_, at, t| match at.command("AT+CESQ", t.command) {
            Ok(r) => Ok(r.value("+CESQ").and_then(LteSignal::parse)),
            Err(e) if e.is_channel_failure() => Err(e.into()),
            Err(_) => Ok(None),
        })
    }

    /// Registration state and technology: the first of the model's
    /// registration queries that says registered, else the first answer.
    pub fn registration(&mut self) -> Result<Registration, CellularError> {
        self.run(|d, at, t| {
            let mut first = None;
            for q in d.registration_queries() {
                let r = match at.command(&format!("AT{q}?"), t.command) {
                    Ok(r) => r,
                    Err(e) if e.is_channel_failure() => return Err(e.into()),
                    Err(_) => continue,
                };
                let Some(reg) = r.value(q).and_then(|v| Registration::parse_read(v, q)) else {
                    continue;
                };
                if reg.status.is_registered() {
                    return Ok(reg);
                }
                first.get_or_insert(reg);
            }
            first.ok_or(CellularError::Parse {
                command: "AT+CREG?",
                detail: "no registration query answered".into(),
            })
        })
    }

    /// The operator's name; `None` when not registered.
    pub fn operator(&mut self) -> Result<Option<String>, CellularError> {
        self.run(|d, at, t| d.operator(at, t))
    }

    /// The SIM's IMSI. Never logged above debug level.
    pub fn imsi(&mut self) -> Result<String, CellularError> {
        self.run(|_, at, t| {
            let r = at.command("AT+CIMI", t.command)?;
            r.lines
                .iter()
                .rev()
                .find_map(|l| query::digits(l, 6, 15))
                .ok_or_else(|| parse_error("AT+CIMI", &r))
        })
    }

    /// The SIM's ICCID. Never logged above debug level.
    pub fn iccid(&mut self) -> Result<String, CellularError> {
        self.run(|d, at, t| d.iccid(at, t))
    }

    /// The modem's IMEI.
    pub fn imei(&mut self) -> Result<String, CellularError> {
        self.run(|_, at, t| {
            let r = at.command("AT+CGSN", t.command)?;
            r.lines
                .iter()
                .rev()
                .find_map(|l| query::digits(l.trim_start_matches("+CGSN:").trim(), 14, 17))
                .ok_or_else(|| parse_error("AT+CGSN", &r))
        })
    }

    /// `+CGMI`: the manufacturer.
    pub fn manufacturer(&mut self) -> Result<String, CellularError> {
        self.run(|_, at, t| driver::bare(at, "AT+CGMI", t.command))
    }

    /// `+CGMM`: the model as the modem names itself.
    pub fn model_name(&mut self) -> Result<String, CellularError> {
        self.run(|_, at, t| driver::bare(at, "AT+CGMM", t.command))
    }

    /// The firmware version.
    pub fn firmware(&mut self) -> Result<String, CellularError> {
        self.run(|d, at, t| d.firmware(at, t))
    }

    /// A location fix (SARA-U201 Cell Locate; needs the data context).
    pub fn location(&mut self) -> Result<Location, CellularError> {
        self.run(|d, at, t| d.location(at, t))
    }

    /// The SIM's state.
    pub fn sim_state(&mut self) -> Result<SimState, CellularError> {
        self.run(|_, at, t| match at.command("AT+CPIN?", t.command) {
            Ok(r) => {
                let v = r
                    .value("+CPIN")
                    .ok_or_else(|| parse_error("AT+CPIN?", &r))?;
                Ok(if v.eq_ignore_ascii_case("READY") {
                    SimState::Ready
                } else {
                    SimState::Locked(v.chars().take(32).collect())
                })
            }
            Err(e) if e.cme_code() == Some(10) => Ok(SimState::Missing),
            Err(e) => Err(e.into()),
        })
    }

    /// Whether the radio is on (`+CFUN: 1`).
    pub fn radio_on(&mut self) -> Result<bool, CellularError> {
        self.run(|_, at, t| {
            let r = at.command("AT+CFUN?", t.command)?;
            let v = r
                .value("+CFUN")
                .ok_or_else(|| parse_error("AT+CFUN?", &r))?;
            Ok(query::fields(v).first().map(String::as_str) == Some("1"))
        })
    }

    /// Turns the radio on (`+CFUN=1`) or off (`+CFUN=0`).
    pub fn set_radio(&mut self, on: bool) -> Result<(), CellularError> {
        let cmd = if on { "AT+CFUN=1" } else { "AT+CFUN=0" };
        self.run(|_, at, t| {
            at.command(cmd, t.context)?;
            Ok(())
        })
    }

    /// Restarts the modem (the model's `+CFUN` reset). A USB modem leaves
    /// the bus for a while: open it again afterwards.
    pub fn reset(&mut self) -> Result<(), CellularError> {
        self.run(|d, at, t| {
            at.command(d.reset_command(), t.command)?;
            Ok(())
        })
    }

    /// Sends a raw command (for operators) and returns its answer lines.
    pub fn raw(&mut self, command: &str, timeout: Duration) -> Result<Response, CellularError> {
        log::info!(target: "Cellular", "raw command {}", crate::at::masked(command));
        self.run(|_, at, _| Ok(at.command(command, timeout)?))
    }

    /// Sets the APN and brings the data context up.
    pub fn context_up(&mut self, apn: &str) -> Result<(), CellularError> {
        self.run(|d, at, t| d.context_up(at, apn, t))
    }

    /// Takes the data context down.
    pub fn context_down(&mut self) -> Result<(), CellularError> {
        self.run(|d, at, t| d.context_down(at, t))
    }

    /// Whether the data context is up.
    pub fn context_active(&mut self) -> Result<bool, CellularError> {
        self.run(|d, at, t| d.context_active(at, t))
    }

    /// Dispatches the URCs that arrived, waiting at most `timeout`.
    pub fn poll_urcs(&mut self, timeout: Duration) -> Result<(), CellularError> {
        self.run(|_, at, _| Ok(at.poll_urcs(timeout)?))
    }
}
