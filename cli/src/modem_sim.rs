//! `hologram modem-sim`: a simulated cellular modem on a pseudo-terminal,
//! until stopped, for minicom, the reference Python SDK or `hologram modem
//! --device`.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use hologram_sim::modem::{ModemFaults, ModemSim, ModemSimConfig, SimModel};

use crate::exit::{CliError, Status};

/// `hologram modem-sim`.
#[derive(Debug, Clone, Args)]
pub struct ModemSimArgs {
    /// The model to play: sara-u201, sara-r410, bg96, ec21, ec25, e303, e372, ms2131, generic.
    #[arg(long, default_value = "sara-u201", value_parser = parse_model)]
    pub model: SimModel,
    /// Registered on the home network (stat 1) instead of roaming (stat 5).
    #[arg(long)]
    pub home: bool,
    /// The operator's name.
    #[arg(long, default_value = "AT&T")]
    pub operator: String,
    /// The +CSQ RSSI (0..=31).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u8).range(0..=31))]
    pub csq: u8,
    /// The SIM's ICCID.
    #[arg(long)]
    pub iccid: Option<String>,
    /// The SIM's IMSI.
    #[arg(long)]
    pub imsi: Option<String>,
    /// Seed of the fault plan's draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fault: no SIM card.
    #[arg(long)]
    pub no_sim: bool,
    /// Fault: the SIM asks for its PIN.
    #[arg(long)]
    pub sim_pin: bool,
    /// Fault: never registers.
    #[arg(long)]
    pub not_registered: bool,
    /// Fault: a garbage line after one answer in N.
    #[arg(long, value_name = "N")]
    pub garbage: Option<u64>,
    /// Fault: a URC inside one answer in N.
    #[arg(long, value_name = "N")]
    pub urc_mid_answer: Option<u64>,
    /// Fault: no answer to any command after the first N.
    #[arg(long, value_name = "N")]
    pub stuck_after: Option<u64>,
    /// Fault: the port disappears after N commands.
    #[arg(long, value_name = "N")]
    pub eio_after: Option<u64>,
    /// Fault: every answer this many milliseconds late.
    #[arg(long, value_name = "MS")]
    pub slow_ms: Option<u64>,
}

fn parse_model(text: &str) -> Result<SimModel, String> {
    text.parse()
        .map_err(|e: hologram_sim::modem::UnknownModel| e.to_string())
}

impl ModemSimArgs {
    /// The simulator's configuration.
    pub fn config(&self) -> ModemSimConfig {
        let mut faults = ModemFaults::new(self.seed);
        if self.sim_pin {
            faults = faults.with_sim_pin();
        }
        if self.not_registered {
            faults = faults.with_not_registered();
        }
        if let Some(n) = self.garbage {
            faults = faults.with_garbage_one_in(n);
        }
        if let Some(n) = self.urc_mid_answer {
            faults = faults.with_urc_mid_answer_one_in(n);
        }
        if let Some(n) = self.stuck_after {
            faults = faults.with_stuck(n, u64::MAX);
        }
        if let Some(n) = self.eio_after {
            faults = faults.with_eio_after(n);
        }
        if let Some(ms) = self.slow_ms {
            faults = faults.with_slow_answers(Duration::from_millis(ms));
        }
        let mut config = ModemSimConfig::new(self.model).with_faults(faults);
        config.roaming = !self.home;
        config.operator = self.operator.clone();
        config.csq = self.csq;
        if let Some(card) = config.card.as_mut() {
            if let Some(iccid) = &self.iccid {
                card.iccid = iccid.clone();
            }
            if let Some(imsi) = &self.imsi {
                card.imsi = imsi.clone();
            }
        }
        if self.no_sim {
            config = config.without_sim();
        }
        config
    }
}

/// Starts the simulator, prints the pty's path on a line of its own, and
/// runs until the process is stopped (or the EIO fault ends it).
pub fn run(args: &ModemSimArgs) -> Result<Status, CliError> {
    let sim = ModemSim::start(args.config())
        .map_err(|e| CliError::Network(format!("could not open a pseudo-terminal: {e}")))?;
    let mut out = std::io::stdout().lock();
    let printed = writeln!(out, "{}", sim.path().display()).and_then(|()| out.flush());
    drop(out);
    if printed.is_err() {
        return Err(CliError::Network(
            "could not write to standard output".into(),
        ));
    }
    eprintln!(
        "note: a simulated {} answers on {} (stop with Ctrl-C)",
        sim.model(),
        sim.path().display()
    );
    sim.wait();
    Ok(Status::Network)
}
