//! `hologram sms`: the Python `hologram_sms.py`.

use hologram::Sms;

use crate::args::SmsArgs;
use crate::exit::{status_of, CliError, Status};
use crate::output::{Label, Printer};
use crate::setup::{self, DiscardOutbox, Options, Purpose};

/// Runs `hologram sms`.
pub fn run(args: &SmsArgs, printer: &Printer) -> Result<Status, CliError> {
    // Check the SMS before anything starts, so a typo costs no connection.
    Sms::new(&args.destination, &args.message)
        .map_err(|e| CliError::Usage(format!("invalid SMS: {e}")))?;
    let opts = Options {
        connection: &args.connection,
        device_id: None,
        private_key: None,
        private_key_file: None,
        stdin_messages: false,
        metadata: false,
        authtype: None,
        purpose: Purpose::Sms,
    };
    let mut session = setup::open(&opts, printer, Box::new(DiscardOutbox::default()))?;
    let result = send(&mut session, args, printer);
    crate::cloud_sim::report_and_stop(&mut session, printer);
    result
}

fn send(
    session: &mut setup::Session,
    args: &SmsArgs,
    printer: &Printer,
) -> Result<Status, CliError> {
    if let Some(n) = session.hologram.network_name().map(str::to_owned) {
        session
            .hologram
            .connect()
            .map_err(|e| CliError::sdk(format!("cannot bring up the network {n:?}"), e))?;
    }
    match session.hologram.send_sms(&args.destination, &args.message) {
        Ok(receipt) => Ok(printer.receipt(Label::Sms, &receipt, false, session.reached())),
        Err(e) if status_of(&e) == Status::Network => Ok(printer.failed(Label::Sms, &e)),
        Err(e) => Err(CliError::sdk("sms", e)),
    }
}
