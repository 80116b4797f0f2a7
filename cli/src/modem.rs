//! `hologram modem ...`: query and control a cellular modem (the Python
//! SDK's `hologram modem` subcommands), on real hardware or `--simulate`.
//!
//! Exit codes: 0 done; 1 the modem answered the raw command with an error;
//! 2 usage (bad option, unknown model, a query the model lacks); 3 the
//! modem cannot be reached or does not answer.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use hologram::ports::NullEventSink;
use hologram_cellular::detect::{self, SYSFS_USB};
use hologram_cellular::{CellularError, Model, Modem, ModemOptions};
use hologram_sim::modem::{ModemSim, ModemSimConfig, SimModel};
use serde_json::{json, Value};

use crate::exit::{CliError, Status};

/// The options every `modem` subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct ModemOpts {
    /// The modem's AT port (default: detected over USB).
    #[arg(long, value_name = "PATH")]
    pub device: Option<PathBuf>,
    /// The model: sara-u201, sara-r410, bg96, ec21, ec25, e303, e372, ms2131, generic (default: detected).
    #[arg(long, value_name = "MODEL")]
    pub modem: Option<String>,
    /// Use a simulated modem (of --modem's model, default sara-u201) instead of hardware.
    #[arg(long, conflicts_with = "device")]
    pub simulate: bool,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `hologram modem signal`.
#[derive(Debug, Clone, Args)]
pub struct SignalArgs {
    /// Print again every S seconds until stopped.
    #[arg(long, value_name = "S")]
    pub repeat: Option<u64>,
    #[command(flatten)]
    pub opts: ModemOpts,
}

/// `hologram modem command`.
#[derive(Debug, Clone, Args)]
pub struct CommandArgs {
    /// The AT command, e.g. "AT+CSQ".
    pub command: String,
    /// Seconds to wait for the answer.
    #[arg(long, short, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    #[command(flatten)]
    pub opts: ModemOpts,
}

/// `hologram modem ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum ModemCommand {
    /// List the modems found on the USB bus and their ports.
    List(ModemOpts),
    /// Print the signal strength (+CSQ in dBm; RSRP/RSRQ where the modem has them).
    Signal(SignalArgs),
    /// Print the operator the modem is registered with.
    Operator(ModemOpts),
    /// Print the SIM's ICCID and IMSI.
    Sim(ModemOpts),
    /// Print the modem's IMEI.
    Imei(ModemOpts),
    /// Print the modem's model.
    Type(ModemOpts),
    /// Print the modem's firmware version.
    Version(ModemOpts),
    /// Print the location from the cell towers (SARA-U201 Cell Locate).
    Location(ModemOpts),
    /// Restart the modem.
    Reset(ModemOpts),
    /// Turn the radio on.
    RadioOn(ModemOpts),
    /// Turn the radio off.
    RadioOff(ModemOpts),
    /// Send an AT command and print the answer.
    Command(CommandArgs),
}

fn status(e: &CellularError) -> Status {
    match e {
        CellularError::InvalidSetting { .. } | CellularError::Unsupported { .. } => Status::Usage,
        CellularError::At(hologram_cellular::at::AtError::Invalid { .. }) => Status::Usage,
        _ => Status::Network,
    }
}

fn fail(e: CellularError) -> CliError {
    match status(&e) {
        Status::Usage => CliError::Usage(e.to_string()),
        _ => CliError::Network(e.to_string()),
    }
}

/// An open modem, and the simulator behind it with `--simulate`.
struct Session {
    modem: Modem,
    _sim: Option<ModemSim>,
}

fn open(opts: &ModemOpts) -> Result<Session, CliError> {
    let model = match &opts.modem {
        Some(m) => Some(
            m.parse::<Model>()
                .map_err(|e| CliError::Usage(e.to_string()))?,
        ),
        None => None,
    };
    let mut options = ModemOptions {
        device: opts.device.clone(),
        model,
        ..ModemOptions::default()
    };
    let sim = if opts.simulate {
        let sim_model: SimModel = model
            .map_or("sara-u201", Model::name)
            .parse()
            .map_err(|e: hologram_sim::modem::UnknownModel| CliError::Usage(e.to_string()))?;
        let sim = ModemSim::start(ModemSimConfig::new(sim_model))
            .map_err(|e| CliError::Network(format!("could not start the modem simulator: {e}")))?;
        options.device = Some(sim.path().to_path_buf());
        Some(sim)
    } else {
        None
    };
    let modem = Modem::open(&options, std::sync::Arc::new(NullEventSink)).map_err(fail)?;
    Ok(Session { modem, _sim: sim })
}

fn print(opts: &ModemOpts, value: Value, text: String) {
    if opts.json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// Runs one `modem` subcommand.
pub fn run(command: &ModemCommand) -> Result<Status, CliError> {
    match command {
        ModemCommand::List(o) => list(o),
        ModemCommand::Signal(a) => signal(a),
        ModemCommand::Operator(o) => {
            let op = open(o)?.modem.operator().map_err(fail)?;
            let shown = op.clone().unwrap_or_else(|| "none (not registered)".into());
            print(o, json!({ "operator": op }), format!("Operator: {shown}"));
            Ok(Status::Success)
        }
        ModemCommand::Sim(o) => {
            let mut s = open(o)?;
            let iccid = s.modem.iccid().map_err(fail)?;
            let imsi = s.modem.imsi().map_err(fail)?;
            print(
                o,
                json!({ "iccid": iccid, "imsi": imsi }),
                format!("ICCID: {iccid}\nIMSI: {imsi}"),
            );
            Ok(Status::Success)
        }
        ModemCommand::Imei(o) => {
            let imei = open(o)?.modem.imei().map_err(fail)?;
            print(o, json!({ "imei": imei }), format!("IMEI: {imei}"));
            Ok(Status::Success)
        }
        ModemCommand::Type(o) => {
            let mut s = open(o)?;
            let model = s.modem.model();
            let name = s.modem.model_name().map_err(fail)?;
            let manufacturer = s.modem.manufacturer().map_err(fail)?;
            print(
                o,
                json!({ "model": model.name(), "description": model.description(), "manufacturer": manufacturer, "name": name }),
                format!(
                    "Type: {} ({manufacturer} {name}) on {}",
                    model.description(),
                    s.modem.device().display()
                ),
            );
            Ok(Status::Success)
        }
        ModemCommand::Version(o) => {
            let v = open(o)?.modem.firmware().map_err(fail)?;
            print(o, json!({ "version": v }), format!("Modem version: {v}"));
            Ok(Status::Success)
        }
        ModemCommand::Location(o) => location(o),
        ModemCommand::Reset(o) => {
            open(o)?.modem.reset().map_err(fail)?;
            print(o, json!({ "reset": true }), "Restarted modem".into());
            Ok(Status::Success)
        }
        ModemCommand::RadioOn(o) | ModemCommand::RadioOff(o) => {
            let on = matches!(command, ModemCommand::RadioOn(_));
            open(o)?.modem.set_radio(on).map_err(fail)?;
            let word = if on { "enabled" } else { "disabled" };
            print(o, json!({ "radio": on }), format!("Modem radio {word}"));
            Ok(Status::Success)
        }
        ModemCommand::Command(a) => raw(a),
    }
}

fn list(o: &ModemOpts) -> Result<Status, CliError> {
    if o.simulate || o.device.is_some() {
        let s = open(o)?;
        let model = s.modem.model();
        let device = s.modem.device().display().to_string();
        print(
            o,
            json!({ "model": model.name(), "description": model.description(), "device": device }),
            format!("{}  {}  {device}", model.name(), model.description()),
        );
        return Ok(Status::Success);
    }
    let scan = detect::scan(
        std::path::Path::new(SYSFS_USB),
        std::path::Path::new("/dev"),
    );
    if scan.modems.is_empty() {
        return Err(CliError::Network(format!(
            "no cellular modem found in {SYSFS_USB} (other USB devices: {})",
            if scan.others.is_empty() {
                "none".into()
            } else {
                scan.others.join(", ")
            }
        )));
    }
    for f in &scan.modems {
        let ports: Vec<String> = f.ports.iter().map(|p| p.display().to_string()).collect();
        let id = format!("{:04x}:{:04x}", f.vendor, f.product);
        print(
            o,
            json!({ "model": f.model.name(), "description": f.model.description(), "usb_id": id, "ports": ports }),
            format!(
                "{}  {}  {id}  {}",
                f.model.name(),
                f.model.description(),
                ports.join(" ")
            ),
        );
    }
    Ok(Status::Success)
}

fn signal(a: &SignalArgs) -> Result<Status, CliError> {
    let mut s = open(&a.opts)?;
    loop {
        let sig = s.modem.signal().map_err(fail)?;
        let lte = s.modem.lte_signal().map_err(fail)?;
        let rsrp = lte.and_then(|l| l.rsrp_dbm);
        let rsrq = lte.and_then(|l| l.rsrq_db);
        let mut text = match sig.dbm() {
            Some(d) => format!(
                "Signal strength: {d} dBm (rssi {}, ber {})",
                sig.rssi, sig.ber
            ),
            None => format!(
                "Signal strength: unknown (rssi {}, ber {})",
                sig.rssi, sig.ber
            ),
        };
        if let (Some(p), Some(q)) = (rsrp, rsrq) {
            text.push_str(&format!(", RSRP {p} dBm, RSRQ {q} dB"));
        }
        print(
            &a.opts,
            json!({ "rssi": sig.rssi, "ber": sig.ber, "dbm": sig.dbm(), "rsrp": rsrp, "rsrq": rsrq }),
            text,
        );
        match a.repeat {
            Some(secs) => std::thread::sleep(Duration::from_secs(secs.max(1))),
            None => return Ok(Status::Success),
        }
    }
}

fn location(o: &ModemOpts) -> Result<Status, CliError> {
    let mut s = open(o)?;
    // Cell Locate needs the data context (the reference brings it up too).
    if s.modem.model() == Model::SaraU201 && !s.modem.context_active().map_err(fail)? {
        s.modem
            .context_up(hologram_cellular::DEFAULT_APN)
            .map_err(fail)?;
    }
    let l = s.modem.location().map_err(fail)?;
    let v = json!({
        "date": l.date, "time": l.time, "latitude": l.latitude,
        "longitude": l.longitude, "altitude": l.altitude, "uncertainty": l.uncertainty,
    });
    print(o, v.clone(), format!("Location: {v}"));
    Ok(Status::Success)
}

fn raw(a: &CommandArgs) -> Result<Status, CliError> {
    let mut s = open(&a.opts)?;
    let command = a.command.trim();
    let command = if command
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("AT"))
    {
        command.to_owned()
    } else {
        format!("AT{command}")
    };
    match s.modem.raw(&command, Duration::from_secs(a.timeout)) {
        Ok(r) => {
            print(
                &a.opts,
                json!({ "lines": r.lines, "result": "OK" }),
                format!("Response: {}\nOK", r.lines.join("\n")),
            );
            Ok(Status::Success)
        }
        Err(CellularError::At(e))
            if !e.is_channel_failure()
                && !matches!(e, hologram_cellular::at::AtError::Invalid { .. }) =>
        {
            print(
                &a.opts,
                json!({ "lines": [], "result": e.to_string() }),
                format!("Response: \n{e}"),
            );
            Ok(Status::Refused)
        }
        Err(e) => Err(fail(e)),
    }
}
