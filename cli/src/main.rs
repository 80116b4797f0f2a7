//! `hologram`: send messages and SMS through the Hologram cloud, raw
//! messages to your own server, run the cloud simulator, list adapters.
//!
//! Exit codes: 0 every message delivered; 1 the cloud refused at least one
//! message; 2 usage or configuration error; 3 network or transport error;
//! 4 messages kept in the outbox were lost to damaged records (see
//! [`exit`]).
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod args;
mod cloud_sim;
mod config;
mod credentials;
mod exit;
mod input;
mod logging;
mod modem;
mod modem_sim;
mod options;
mod output;
mod plugins;
mod secrets;
mod send;
mod setup;
mod sms;
mod validate;

use std::process::ExitCode;

use clap::Parser;
use log::LevelFilter;

use args::{Cli, Command, PluginsCommand};
use exit::{CliError, Status};
use output::Printer;

fn level(cli: &Cli) -> LevelFilter {
    if cli.quiet {
        return LevelFilter::Error;
    }
    match cli.verbose {
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// Logs go to standard error; see [`logging`].
fn init_logging(cli: &Cli) {
    logging::init(level(cli));
}

fn run(cli: &Cli) -> Result<Status, CliError> {
    match &cli.command {
        Command::Send(a) => send::run(a, &Printer::new(a.connection.json, cli.quiet)),
        Command::Sms(a) => sms::run(a, &Printer::new(a.connection.json, cli.quiet)),
        Command::CloudSim(a) => cloud_sim::run(a, &Printer::new(!a.text, cli.quiet)),
        Command::Plugins(PluginsCommand::List(a)) => {
            plugins::list(a, &Printer::new(a.json, cli.quiet))
        }
        Command::Modem(c) => modem::run(c),
        Command::ModemSim(a) => modem_sim::run(a),
        Command::Version => {
            Printer::new(false, cli.quiet).line(hologram::Hologram::sdk_version());
            Ok(Status::Success)
        }
    }
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with code 2.
    let cli = Cli::parse();
    init_logging(&cli);
    match run(&cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.status().code())
        }
    }
}
