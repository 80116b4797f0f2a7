//! `hologram send`: the Python `hologram_send.py`, and more.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use hologram::{Message, Outbox, Receipt, Topic};

use crate::args::SendArgs;
use crate::exit::{status_of, CliError, Status};
use crate::input;
use crate::output::{Label, Printer};
use crate::setup::{self, DiscardOutbox, Options, Purpose, Session};

/// The messages of the command line, in order: runs of messages given as
/// arguments, and `-` (standard input, read line by line as it comes).
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Given(&'a [String]),
    Stdin,
}

fn parts(args: &[String]) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, m) in args.iter().enumerate() {
        if m == "-" {
            if start < i {
                parts.push(Part::Given(&args[start..i]));
            }
            parts.push(Part::Stdin);
            start = i + 1;
        }
    }
    if start < args.len() {
        parts.push(Part::Given(&args[start..]));
    }
    parts
}

/// Standard input's non-blank lines, each at most [`input::LINE_CAP`]
/// bytes, read as they come (so a pipe is sent as it flows).
fn stdin_lines() -> impl Iterator<Item = Result<String, CliError>> {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    let mut number = 0usize;
    std::iter::from_fn(move || loop {
        number += 1;
        match input::read_line(&mut stdin, &mut line, number) {
            Ok(false) => return None,
            Err(e) => return Some(Err(e)),
            Ok(true) => {}
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            return Some(Err(CliError::Usage(format!(
                "standard input line {number} is not UTF-8 text"
            ))));
        };
        if !text.trim().is_empty() {
            return Some(Ok(text.to_owned()));
        }
    })
}

/// Opens the durable outbox; returns it and how many messages it lost to
/// damage found on opening.
fn open_outbox(dir: &Path) -> Result<(Box<dyn Outbox>, u64), CliError> {
    let outbox = hologram_outbox::FileOutbox::open(dir).map_err(|e| match e {
        // Not a storage failure: the user has something to fix.
        hologram::OutboxError::Storage { operation, source }
            if operation == hologram_outbox::UNSAFE =>
        {
            CliError::Config(format!("cannot use the outbox {}: {source}", dir.display()))
        }
        e => CliError::sdk(
            format!("cannot open the outbox {}", dir.display()),
            e.into(),
        ),
    })?;
    let lost = outbox.lost();
    Ok((Box::new(outbox), lost))
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
    /// The number of the next message of this command.
    next_index: usize,
}

impl Tally<'_> {
    fn label(&self, sequence: u64) -> Label {
        match self.index.get(&sequence) {
            Some(&i) => Label::Message(i),
            None => Label::Outbox,
        }
    }

    fn print(&mut self, label: Label, receipt: &Receipt, reached: bool) {
        if receipt.is_queued() && !self.shown_queued.insert(receipt.sequence()) {
            return;
        }
        let status = self.printer.receipt(label, receipt, self.keep, reached);
        if status == Status::Refused {
            self.refused += 1;
        }
        self.status.insert(receipt.sequence(), status);
    }

    fn print_all(&mut self, receipts: &[Receipt], reached: bool) {
        for r in receipts {
            self.print(self.label(r.sequence()), r, reached);
        }
    }

    /// Numbers the next message of this command.
    fn take_index(&mut self) -> usize {
        self.next_index += 1;
        self.next_index
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
    if args.messages.iter().filter(|m| *m == "-").count() > 1 {
        return Err(CliError::Usage(
            "- is given more than once: standard input can be read only once".to_owned(),
        ));
    }
    let purpose = if args.raw {
        Purpose::Raw
    } else {
        Purpose::Messages
    };
    let opts = Options {
        connection: &args.connection,
        device_id: args.device_id.as_deref(),
        private_key: args.private_key.as_deref(),
        private_key_file: args.private_key_file.as_deref(),
        stdin_messages: args.messages.iter().any(|m| m == "-"),
        metadata: args.metadata,
        authtype: args.authtype,
        purpose,
    };
    let durable = args.outbox.is_some();
    let (outbox, lost_at_open): (Box<dyn Outbox>, u64) = match &args.outbox {
        Some(dir) => open_outbox(dir)?,
        None => (Box::new(DiscardOutbox::default()), 0),
    };
    // Said at once, before anything else can fail.
    let mut lost = report_loss(args, lost_at_open, printer);
    let mut session = setup::open(&opts, printer, outbox)?;
    let mut tally = Tally {
        printer,
        keep: durable,
        index: HashMap::new(),
        status: BTreeMap::new(),
        refused: 0,
        other: Status::Success,
        shown_queued: HashSet::new(),
        next_index: 0,
    };
    let result = send_all(args, &mut session, &mut tally);
    crate::cloud_sim::report_and_stop(&mut session, printer);
    let lost_later = session
        .hologram
        .messages_lost()
        .saturating_sub(lost_at_open);
    lost = lost.max(report_loss(args, lost_later, printer));
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
    let mut status = tally.worst().max(lost);
    if session.refusals() > tally.refused {
        status = status.max(Status::Refused);
    }
    Ok(status)
}

/// A message lost to a damaged outbox record is an error: printed even
/// with `-q`, and exit code 4.
fn report_loss(args: &SendArgs, lost: u64, printer: &Printer) -> Status {
    if lost == 0 {
        return Status::Success;
    }
    let dir = args
        .outbox
        .as_deref()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    printer.error(&format!(
        "{lost} message(s) kept in the outbox {dir} were lost: their records were damaged \
         on disk (see the Outbox lines above); the damage was cut out and the other messages \
         were kept. Check the storage of this device."
    ));
    Status::Lost
}

fn send_all(args: &SendArgs, session: &mut Session, tally: &mut Tally<'_>) -> Result<(), CliError> {
    let network = session.hologram.network_name().map(str::to_owned);
    let flushed = session.hologram.connect().map_err(|e| match &network {
        Some(n) => CliError::sdk(format!("cannot bring up the network {n:?}"), e),
        None => CliError::sdk("cannot send the messages kept in the outbox", e),
    })?;
    tally.print_all(&flushed, session.reached());

    let batches = args.outbox.is_some() && !args.raw;
    for part in parts(&args.messages) {
        match part {
            // With a durable outbox, the messages of the command line are
            // all accepted (one write, one sync) before the first is sent.
            Part::Given(given) if batches => send_batch(given, args, session, tally)?,
            Part::Given(given) => {
                for m in given {
                    send_one(m, args, session, tally)?;
                }
            }
            Part::Stdin => {
                for line in stdin_lines() {
                    send_one(&line?, args, session, tally)?;
                }
            }
        }
    }
    // No flush here: `connect` and every send already flushed the outbox
    // with the SDK's retries; what is left stays for the next run.
    Ok(())
}

fn send_batch(
    given: &[String],
    args: &SendArgs,
    session: &mut Session,
    tally: &mut Tally<'_>,
) -> Result<(), CliError> {
    let first = tally.next_index + 1;
    let messages: Vec<Message> = given
        .iter()
        .map(|m| Message::with_topic_strs(m.as_str(), &args.topics))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Usage(format!("invalid topic: {e}")))?;
    let receipts = session.hologram.send_all(&messages).map_err(|e| {
        let last = first + given.len() - 1;
        CliError::sdk(format!("messages {first} to {last}"), e)
    })?;
    for r in &receipts {
        let index = tally.take_index();
        tally.index.insert(r.sequence(), index);
    }
    let older = session.hologram.take_flushed_receipts();
    let reached = session.reached();
    tally.print_all(&older, reached);
    tally.print_all(&receipts, reached);
    Ok(())
}

fn send_one(
    message: &str,
    args: &SendArgs,
    session: &mut Session,
    tally: &mut Tally<'_>,
) -> Result<(), CliError> {
    let index = tally.take_index();
    if args.raw {
        match session.hologram.send_bytes(message.as_bytes()) {
            Ok(r) => tally.print(Label::Message(index), &r, true),
            Err(e) if status_of(&e) == Status::Network => {
                let status = tally.printer.failed(Label::Message(index), &e);
                tally.other = tally.other.max(status);
            }
            Err(e) => return Err(CliError::sdk(format!("message {index}"), e)),
        }
        return Ok(());
    }
    // With messages queued, the SDK flushes them (with its retries) ahead
    // of this one; their receipts are taken below.
    let receipt = session
        .hologram
        .send_message(message, &args.topics)
        .map_err(|e| CliError::sdk(format!("message {index}"), e))?;
    tally.index.insert(receipt.sequence(), index);
    // Older queued messages this send flushed ahead of its own.
    let older = session.hologram.take_flushed_receipts();
    let reached = session.reached();
    tally.print_all(&older, reached);
    tally.print(Label::Message(index), &receipt, reached);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_into_batches_around_stdin() {
        let args: Vec<String> = ["a", "b", "-", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            parts(&args),
            [
                Part::Given(&args[0..2]),
                Part::Stdin,
                Part::Given(&args[3..4])
            ]
        );
        assert_eq!(parts(&args[2..3]), [Part::Stdin]);
        assert!(parts(&[]).is_empty());
    }
}
