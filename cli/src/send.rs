//! `hologram send`: the Python `hologram_send.py`, and more.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use hologram::{Outbox, Receipt, Topic};

use crate::args::SendArgs;
use crate::exit::{status_of, CliError, Status};
use crate::output::{Label, Printer};
use crate::setup::{self, DiscardOutbox, Options, Purpose, Session};

/// One message to send, or why the input could not give one.
type Input = Result<String, CliError>;

/// The messages of the command line, in order, with `-` replaced by the
/// lines of standard input (read as they come, so a pipe is sent as it flows).
fn messages(args: &[String]) -> impl Iterator<Item = Input> + '_ {
    args.iter()
        .flat_map(|m| -> Box<dyn Iterator<Item = Input>> {
            if m == "-" {
                Box::new(stdin_lines())
            } else {
                Box::new(std::iter::once(Ok(m.clone())))
            }
        })
}

fn stdin_lines() -> impl Iterator<Item = Input> {
    let mut lines = std::io::stdin().lock().lines();
    let mut number = 0usize;
    std::iter::from_fn(move || loop {
        number += 1;
        match lines.next()? {
            Ok(line) => {
                let line = line.strip_suffix('\r').unwrap_or(&line).to_owned();
                if line.trim().is_empty() {
                    continue;
                }
                return Some(Ok(line));
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Some(Err(CliError::Usage(format!(
                    "standard input line {number} is not UTF-8 text"
                ))))
            }
            Err(e) => {
                return Some(Err(CliError::Usage(format!(
                    "cannot read standard input: {e}"
                ))))
            }
        }
    })
}

fn open_outbox(dir: &Path) -> Result<Box<dyn Outbox>, CliError> {
    hologram_outbox::FileOutbox::open(dir)
        .map(|o| Box::new(o) as Box<dyn Outbox>)
        .map_err(|e| CliError::Config(format!("cannot open the outbox {}: {e}", dir.display())))
}

/// Tracks what became of each message, to print it once final and to
/// compute the exit status.
struct Tally<'a> {
    printer: &'a Printer,
    keep: bool,
    /// This run's messages by sequence number → their index.
    index: HashMap<u64, usize>,
    /// The latest status of every message seen, by sequence number.
    status: BTreeMap<u64, Status>,
    /// Refusals printed (to compare with the SDK's count).
    refused: usize,
    /// The worst status of messages that never got a sequence number.
    other: Status,
    /// Messages already printed as queued: a later flush that leaves one
    /// queued again says nothing new, so it is not printed twice.
    shown_queued: HashSet<u64>,
}

impl Tally<'_> {
    fn label(&self, sequence: u64) -> Label {
        match self.index.get(&sequence) {
            Some(&i) => Label::Message(i),
            None => Label::Outbox,
        }
    }

    fn print(&mut self, label: Label, receipt: &Receipt) {
        if receipt.is_queued() && !self.shown_queued.insert(receipt.sequence()) {
            return;
        }
        let status = self.printer.receipt(label, receipt, self.keep);
        if status == Status::Refused {
            self.refused += 1;
        }
        self.status.insert(receipt.sequence(), status);
    }

    fn print_all(&mut self, receipts: &[Receipt]) {
        for r in receipts {
            self.print(self.label(r.sequence()), r);
        }
    }

    fn worst(&self) -> Status {
        self.status.values().copied().fold(self.other, Status::max)
    }
}

/// Runs `hologram send`.
pub fn run(args: &SendArgs, printer: &Printer) -> Result<Status, CliError> {
    if args.messages.is_empty() && !args.topics.is_empty() {
        // `-t demo hello`: clap gave the message to -t, which takes every
        // value up to the next option. Sending nothing (or, with --outbox,
        // only flushing) would silently drop it.
        return Err(CliError::Usage(format!(
            "topics given but no MESSAGE: -t takes every value up to the next option, so \
             {:?} was read as a topic; put the messages before -t, or end the topics with --",
            args.topics.last().map(String::as_str).unwrap_or_default()
        )));
    }
    for t in &args.topics {
        Topic::new(t).map_err(|e| CliError::Usage(format!("invalid topic: {e}")))?;
    }
    if args.messages.is_empty() && args.outbox.is_none() {
        return Err(CliError::Usage(
            "nothing to send: give one or more MESSAGEs, or - to read them from standard input \
             (see hologram send --help)"
                .to_owned(),
        ));
    }
    let purpose = if args.raw {
        Purpose::Raw
    } else {
        Purpose::Messages
    };
    let durable = args.outbox.is_some();
    let outbox: Box<dyn Outbox> = match &args.outbox {
        Some(dir) => open_outbox(dir)?,
        None => Box::new(DiscardOutbox::default()),
    };
    let opts = Options {
        connection: &args.connection,
        device_id: args.device_id.as_deref(),
        private_key: args.private_key.as_deref(),
        authtype: args.authtype,
        purpose,
    };
    let mut session = setup::open(&opts, printer, outbox)?;
    let mut tally = Tally {
        printer,
        keep: durable,
        index: HashMap::new(),
        status: BTreeMap::new(),
        refused: 0,
        other: Status::Success,
        shown_queued: HashSet::new(),
    };
    let result = send_all(args, &mut session, &mut tally);
    crate::cloud_sim::report_and_stop(&mut session, printer);
    result?;
    if let Some(dir) = &args.outbox {
        let left = session.hologram.pending();
        if left > 0 {
            printer.note(&format!(
                "{left} message(s) kept in the outbox {} for the next run",
                dir.display()
            ));
        }
    }
    let mut status = tally.worst();
    if session.refusals() > tally.refused {
        status = status.max(Status::Refused);
    }
    Ok(status)
}

fn send_all(args: &SendArgs, session: &mut Session, tally: &mut Tally<'_>) -> Result<(), CliError> {
    let network = session.hologram.network_name().map(str::to_owned);
    let flushed = session.hologram.connect().map_err(|e| match &network {
        Some(n) => CliError::sdk(format!("cannot bring up the network {n:?}"), e),
        None => CliError::sdk("cannot send the messages kept in the outbox", e),
    })?;
    tally.print_all(&flushed);

    for (i, message) in messages(&args.messages).enumerate() {
        let index = i + 1;
        let message = message?;
        if args.raw {
            match session.hologram.send_bytes(message.as_bytes()) {
                Ok(r) => tally.print(Label::Message(index), &r),
                Err(e) if status_of(&e) == Status::Network => {
                    let status = tally.printer.failed(Label::Message(index), &e);
                    tally.other = tally.other.max(status);
                }
                Err(e) => return Err(CliError::sdk(format!("message {index}"), e)),
            }
            continue;
        }
        // With messages queued, the SDK flushes them (with its retries)
        // ahead of this one; their receipts are taken below.
        let receipt = session
            .hologram
            .send_message(&message, &args.topics)
            .map_err(|e| CliError::sdk(format!("message {index}"), e))?;
        tally.index.insert(receipt.sequence(), index);
        // Older queued messages this send flushed ahead of its own.
        let older = session.hologram.take_flushed_receipts();
        tally.print_all(&older);
        tally.print(Label::Message(index), &receipt);
    }
    // No flush here: `connect` and every send already flushed the outbox
    // with the SDK's retries; what is left stays for the next run.
    Ok(())
}
