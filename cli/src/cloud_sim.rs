//! `hologram cloud-sim`, and what `--simulate` prints of the embedded one.

use std::io::Write;
use std::net::SocketAddr;

use hologram_sim::cloud::{CloudSim, Record};

use crate::args::CloudSimArgs;
use crate::exit::{CliError, Status};
use crate::output::Printer;
use crate::setup::Session;

/// One record as a line for a person: what the cloud received.
pub fn text_line(record: &Record) -> String {
    match record {
        Record::Message(m) => format!(
            "CLOUD RECEIVED: topics=[{}] data={:?} device={} auth={}",
            m.topics.join(","),
            m.data,
            m.device,
            m.auth.as_str()
        ),
        Record::Sms(s) => format!(
            "CLOUD RECEIVED: sms to={} text={:?} device={}",
            s.destination, s.text, s.device
        ),
    }
}

fn print_record(printer: &Printer, record: &Record) {
    if printer.is_json() {
        printer.line(&record.to_json_line());
    } else {
        printer.line(&text_line(record));
    }
}

/// With `--simulate`: prints what the simulated cloud received (one line
/// per record) and stops it.
pub fn report_and_stop(session: &mut Session, printer: &Printer) {
    let Some(sim) = session.sim.take() else {
        return;
    };
    for record in sim.records() {
        print_record(printer, &record);
    }
    if let Err(e) = sim.shutdown() {
        printer.warning(&format!("the cloud simulator stopped with an error: {e}"));
    }
}

/// Runs the standalone simulator until the process is stopped. The first
/// line on standard output is `listening on ADDRESS`.
pub fn run(args: &CloudSimArgs, printer: &Printer) -> Result<Status, CliError> {
    let mut builder = CloudSim::builder().addr(SocketAddr::new(args.bind, args.port));
    if let Some(path) = &args.devices {
        builder = builder
            .devices_file(path)
            .map_err(|e| CliError::Config(format!("devices file: {e}")))?;
    }
    for (i, spec) in args.device.iter().enumerate() {
        let device = spec
            .parse::<hologram_sim::cloud::Device>()
            .map_err(|e| CliError::Usage(format!("--device number {}: {e}", i + 1)))?;
        builder = builder.device(device);
    }
    let sim = builder.bind().map_err(|e| match &e {
        hologram_sim::CloudSimError::Bind { source, .. } => {
            let hint = match source.kind() {
                std::io::ErrorKind::AddrInUse => {
                    " (is another simulator running? --port 0 picks a free port)"
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    " (--bind must be an address of this machine, e.g. 127.0.0.1)"
                }
                std::io::ErrorKind::PermissionDenied => {
                    " (ports below 1024 need privileges: use a higher --port, or --port 0)"
                }
                _ => "",
            };
            CliError::Config(format!("{e}{hint}"))
        }
        _ => CliError::Network(e.to_string()),
    })?;
    printer.line(&format!("listening on {}", sim.local_addr()));
    let printer = *printer;
    sim.run(move |record| print_record(&printer, record))
        .map_err(|e| CliError::Network(format!("the cloud simulator stopped: {e}")))?;
    let _ = std::io::stdout().flush();
    Ok(Status::Success)
}
