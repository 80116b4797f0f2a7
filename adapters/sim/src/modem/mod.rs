//! The modem simulator: a cellular modem behind a real pseudo-terminal, so
//! the `cellular` adapter (or minicom, or the reference Python SDK) talks
//! to it through the same serial code as to hardware.
//!
//! It speaks the u-blox SARA, Quectel, Huawei and plain 3GPP TS 27.007
//! dialects (see [`SimModel`]), has a SIM ([`SimCard`]: ICCID, IMSI),
//! registration, signal and (SARA-U201) Cell Locate, and follows a seeded
//! [`ModemFaults`] plan: no SIM, SIM PIN, not registered, registration
//! lost, garbage lines, URCs in the middle of answers, 1 MB lines, a stuck
//! AT channel, a port that disappears (EIO), slow answers.
//!
//! ```
//! use std::io::{Read, Write};
//! use hologram_sim::modem::{ModemSim, ModemSimConfig, SimModel};
//!
//! let sim = ModemSim::start(ModemSimConfig::new(SimModel::SaraU201)).unwrap();
//! let mut port = std::fs::OpenOptions::new().read(true).write(true).open(sim.path()).unwrap();
//! port.write_all(b"ATE0\r").unwrap();
//! port.write_all(b"AT+CSQ\r").unwrap();
//! let mut seen = Vec::new();
//! let mut buf = [0u8; 256];
//! while !String::from_utf8_lossy(&seen).contains("+CSQ: 20,99\r\n\r\nOK") {
//!     let n = port.read(&mut buf).unwrap();
//!     seen.extend_from_slice(&buf[..n]);
//! }
//! assert_eq!(sim.controller().commands(), 2);
//! ```

mod dialect;
mod faults;
mod model;
mod pty;
mod vendor;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub use faults::ModemFaults;
pub use model::{SimModel, UnknownModel};

use dialect::Modem;
use faults::Dice;
use pty::{Pty, Ready};

/// The SIM card in a simulated modem.
#[derive(Clone, PartialEq, Eq)]
pub struct SimCard {
    /// The card's ICCID (19 or 20 digits).
    pub iccid: String,
    /// The subscriber's IMSI (15 digits).
    pub imsi: String,
}

impl fmt::Debug for SimCard {
    /// Identities are kept out of Debug output, like the SDK keeps them out
    /// of logs above debug level.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimCard").finish_non_exhaustive()
    }
}

impl Default for SimCard {
    /// A Hologram-like SIM (the ICCID of the protocol captures).
    fn default() -> Self {
        SimCard {
            iccid: "89014103211118510720".into(),
            imsi: "310410111851072".into(),
        }
    }
}

/// A Cell Locate fix, as `+UULOC` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLocation {
    /// `dd/mm/yyyy`.
    pub date: String,
    /// `hh:mm:ss.sss`.
    pub time: String,
    /// Degrees.
    pub latitude: String,
    /// Degrees.
    pub longitude: String,
    /// Metres.
    pub altitude: String,
    /// Metres.
    pub uncertainty: String,
}

impl Default for SimLocation {
    fn default() -> Self {
        SimLocation {
            date: "01/12/2026".into(),
            time: "10:00:00.000".into(),
            latitude: "41.8781136".into(),
            longitude: "-87.6297982".into(),
            altitude: "181".into(),
            uncertainty: "40".into(),
        }
    }
}

/// What a simulated modem is and does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModemSimConfig {
    /// The model, hence the dialect.
    pub model: SimModel,
    /// The SIM; `None` is a modem with no SIM.
    pub card: Option<SimCard>,
    /// The IMEI.
    pub imei: String,
    /// The operator's name.
    pub operator: String,
    /// Registered roaming (5) rather than home (1). Hologram SIMs roam.
    pub roaming: bool,
    /// `+CSQ` RSSI, 0..=31.
    pub csq: u8,
    /// `+CESQ` RSRQ index, 0..=34 (LTE models).
    pub rsrq: u8,
    /// `+CESQ` RSRP index, 0..=97 (LTE models).
    pub rsrp: u8,
    /// The Cell Locate fix (SARA-U201).
    pub location: SimLocation,
    /// The fault plan.
    pub faults: ModemFaults,
}

impl ModemSimConfig {
    /// A healthy `model` with a SIM, registered roaming on "AT&T" at
    /// CSQ 20 (−73 dBm).
    pub fn new(model: SimModel) -> Self {
        ModemSimConfig {
            model,
            card: Some(SimCard::default()),
            imei: "352753090000001".into(),
            operator: "AT&T".into(),
            roaming: true,
            csq: 20,
            rsrq: 20,
            rsrp: 45,
            location: SimLocation::default(),
            faults: ModemFaults::default(),
        }
    }

    /// The same with a fault plan.
    pub fn with_faults(mut self, faults: ModemFaults) -> Self {
        self.faults = faults;
        self
    }

    /// The same with no SIM.
    pub fn without_sim(mut self) -> Self {
        self.card = None;
        self
    }
}

struct Shared {
    modem: Modem,
    commands: u64,
    log: Vec<String>,
    gone: bool,
}

/// Steers a running simulator and reads what it saw.
#[derive(Clone)]
pub struct ModemController(Arc<Mutex<Shared>>);

impl fmt::Debug for ModemController {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModemController")
            .field("commands", &self.commands())
            .finish()
    }
}

impl ModemController {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// AT commands received so far.
    pub fn commands(&self) -> u64 {
        self.lock().commands
    }

    /// The last commands received (at most 10,000), oldest first.
    pub fn command_log(&self) -> Vec<String> {
        self.lock().log.clone()
    }

    /// Drops or restores registration (as a lost signal would).
    pub fn set_registration_lost(&self, lost: bool) {
        self.lock().modem.lost = lost;
    }

    /// Whether the data context (PDP) is active.
    pub fn pdp_active(&self) -> bool {
        let s = self.lock();
        s.modem.pdp_active && s.modem.registered()
    }

    /// The APN last configured.
    pub fn apn(&self) -> String {
        self.lock().modem.apn.clone()
    }

    /// How many times the modem was reset (`AT+CFUN` reset forms).
    pub fn resets(&self) -> u64 {
        self.lock().modem.resets
    }

    /// Sets the `+CSQ` RSSI.
    pub fn set_csq(&self, csq: u8) {
        self.lock().modem.config.csq = csq;
    }

    /// Replaces the fault plan (counts keep running).
    pub fn set_faults(&self, faults: ModemFaults) {
        self.lock().modem.config.faults = faults;
    }

    /// Whether the port was made to disappear (EIO fault).
    pub fn port_gone(&self) -> bool {
        self.lock().gone
    }
}

/// A running simulated modem. Dropping it stops it.
pub struct ModemSim {
    path: PathBuf,
    model: SimModel,
    controller: ModemController,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for ModemSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModemSim")
            .field("path", &self.path)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl ModemSim {
    /// Opens a pty and starts answering on it, on a thread of its own.
    pub fn start(config: ModemSimConfig) -> io::Result<ModemSim> {
        let pty = Pty::open()?;
        let path = pty.path().clone();
        let model = config.model;
        let dice = Dice::new(config.faults.seed());
        let shared = Arc::new(Mutex::new(Shared {
            modem: Modem::new(config),
            commands: 0,
            log: Vec::new(),
            gone: false,
        }));
        let controller = ModemController(shared);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let controller = controller.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("modem-sim {model}"))
                .spawn(move || serve(pty, controller, dice, &stop))?
        };
        Ok(ModemSim {
            path,
            model,
            controller,
            stop,
            thread: Some(thread),
        })
    }

    /// The pty's path, to open like a serial port.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model it plays.
    pub fn model(&self) -> SimModel {
        self.model
    }

    /// A handle to steer it.
    pub fn controller(&self) -> ModemController {
        self.controller.clone()
    }

    /// Blocks until the simulator ends (only the EIO fault ends it).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ModemSim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The longest command line the simulator takes; longer ones get ERROR.
const MAX_COMMAND: usize = 4096;

fn serve(pty: Pty, controller: ModemController, mut dice: Dice, stop: &AtomicBool) {
    let mut line = Vec::new();
    let mut overflow = false;
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        match pty.wait(Duration::from_millis(50)) {
            Ok(Ready::Readable) => {}
            Ok(Ready::Idle) => continue,
            Ok(Ready::NoClient) => {
                // Nobody has the port open; what was half-typed is gone.
                line.clear();
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Err(e) => {
                log::warn!(target: "ModemSim", "pty failed: {e}");
                return;
            }
        }
        let n = match pty.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                log::warn!(target: "ModemSim", "pty read failed: {e}");
                return;
            }
        };
        for &b in &buf[..n] {
            match b {
                b'\r' => {
                    let cmd = String::from_utf8_lossy(&line).trim().to_owned();
                    line.clear();
                    let too_long = std::mem::take(&mut overflow);
                    if too_long {
                        let _ = pty.write_all(b"\r\nERROR\r\n");
                    } else if !cmd.is_empty() && !command(&pty, &controller, &mut dice, &cmd) {
                        return; // the port disappeared
                    }
                }
                b'\n' => {}
                _ if line.len() < MAX_COMMAND => line.push(b),
                _ => overflow = true,
            }
        }
    }
}

/// Handles one command line; false when the port must disappear.
fn command(pty: &Pty, controller: &ModemController, dice: &mut Dice, cmd: &str) -> bool {
    let mut s = controller.lock();
    s.commands += 1;
    let n = s.commands;
    if s.log.len() < 10_000 {
        s.log.push(mask(cmd));
    }
    let faults = s.modem.config.faults.clone();
    if faults.eio_after.is_some_and(|after| n > after) {
        s.gone = true;
        return false;
    }
    if ModemFaults::in_window(faults.stuck, n) {
        return true;
    }
    let mut out = Vec::new();
    let lost = ModemFaults::in_window(faults.registration_lost, n);
    if faults.registration_lost.is_some() && lost != s.modem.lost {
        s.modem.lost = lost;
        for urc in s.modem.registration_urcs() {
            push_line(&mut out, &urc);
        }
    }
    if s.modem.echo {
        out.extend_from_slice(cmd.as_bytes());
        out.push(b'\r');
    }
    let answer = s.modem.answer(cmd);
    drop(s);
    if let Some(delay) = faults.slow {
        std::thread::sleep(delay);
    }
    if dice.one_in(faults.huge_line_one_in) {
        out.extend_from_slice(b"\r\n");
        out.resize(out.len() + (1 << 20), b'7');
        out.extend_from_slice(b"\r\n");
    }
    let mut lines = answer.lines;
    if dice.one_in(faults.urc_mid_answer_one_in) {
        let at = dice.below(lines.len() as u64) as usize;
        lines.insert(
            at.min(lines.len().saturating_sub(1)),
            "+CMTI: \"ME\",1".into(),
        );
    }
    for l in &lines {
        push_line(&mut out, l);
    }
    for urc in &answer.urcs_after {
        push_line(&mut out, urc);
    }
    if dice.one_in(faults.garbage_one_in) {
        out.extend_from_slice(b"\r\n#~noise\xfe\xff");
        for _ in 0..dice.below(40) {
            out.push(b' ' + dice.below(94) as u8);
        }
        out.extend_from_slice(b"\r\n");
    }
    // A client that stopped reading loses the answer, as with a real modem.
    let _ = pty.write_all(&out);
    true
}

fn push_line(out: &mut Vec<u8>, line: &str) {
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// The command log never holds a PIN.
fn mask(cmd: &str) -> String {
    let up = cmd.to_ascii_uppercase();
    match up.find("+CPIN=").or_else(|| up.find("+CLCK=")) {
        Some(at) => format!("{}***", &cmd[..at + 6]),
        None => cmd.to_owned(),
    }
}
