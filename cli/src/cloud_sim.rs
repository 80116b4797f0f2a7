//! `hologram cloud-sim`, and what `--simulate` prints of the embedded one.
//!
//! The standalone simulator keeps no record in memory: each goes to
//! standard output through [`RecordOutput`], a bounded buffer written by a
//! thread of its own, so that a reader who stops reading never blocks the
//! simulator's event loop. When the buffer is full, records are dropped
//! and counted, and the count is printed once the output moves again.

use std::collections::VecDeque;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

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

/// How many bytes of printed records wait for standard output at most.
pub const OUTPUT_BUFFER_BYTES: usize = 4 << 20;

/// Lines waiting for standard output, and how many were dropped.
#[derive(Debug, Default)]
struct Pending {
    lines: VecDeque<String>,
    bytes: usize,
    dropped: u64,
}

/// Standard output for records: [`push`](Self::push) never blocks; a
/// thread of its own writes (and may block on a slow reader).
#[derive(Debug, Clone)]
pub struct RecordOutput {
    shared: Arc<(Mutex<Pending>, Condvar)>,
    limit: usize,
}

impl RecordOutput {
    /// A buffer of `limit` bytes, written by a new thread to standard output
    /// as JSON lines (`json`) or text.
    pub fn spawn(limit: usize, json: bool) -> std::io::Result<RecordOutput> {
        let output = RecordOutput::new(limit);
        let writer = output.clone();
        std::thread::Builder::new()
            .name("cloud-sim-output".to_owned())
            .spawn(move || writer.write_all_to(&mut std::io::stdout(), json))?;
        Ok(output)
    }

    fn new(limit: usize) -> RecordOutput {
        RecordOutput {
            shared: Arc::new((Mutex::new(Pending::default()), Condvar::new())),
            limit,
        }
    }

    /// Queues a line, or drops and counts it when the buffer is full.
    /// Returns whether it was queued.
    pub fn push(&self, line: String) -> bool {
        let (lock, ready) = &*self.shared;
        let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let queued = pending.bytes + line.len() <= self.limit;
        if queued {
            pending.bytes += line.len();
            pending.lines.push_back(line);
        } else {
            pending.dropped += 1;
        }
        drop(pending);
        ready.notify_one();
        queued
    }

    /// Waits for lines and writes them, for ever. A failed write (a closed
    /// output) drops the lines: nothing could read them.
    fn write_all_to(&self, out: &mut dyn Write, json: bool) {
        loop {
            let (lines, dropped) = self.take(true);
            let _ = write_batch(out, &lines, dropped, json);
        }
    }

    /// What waits (waiting for something when `block`), emptying the buffer.
    fn take(&self, block: bool) -> (VecDeque<String>, u64) {
        let (lock, ready) = &*self.shared;
        let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while block && pending.lines.is_empty() && pending.dropped == 0 {
            pending = ready.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        pending.bytes = 0;
        (
            std::mem::take(&mut pending.lines),
            std::mem::take(&mut pending.dropped),
        )
    }
}

/// Writes a notice of `dropped` records (if any), then `lines`, then flushes.
fn write_batch(
    out: &mut dyn Write,
    lines: &VecDeque<String>,
    dropped: u64,
    json: bool,
) -> std::io::Result<()> {
    if dropped > 0 {
        if json {
            writeln!(
                out,
                "{}",
                serde_json::json!({ "type": "dropped", "count": dropped })
            )?;
        } else {
            writeln!(
                out,
                "CLOUD DROPPED: {dropped} record(s) not printed: standard output was not read \
                 fast enough"
            )?;
        }
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// Runs the standalone simulator until the process is stopped. The first
/// line on standard output is `listening on ADDRESS`.
pub fn run(args: &CloudSimArgs, printer: &Printer) -> Result<Status, CliError> {
    let mut builder = CloudSim::builder()
        .addr(SocketAddr::new(args.bind, args.port))
        .reply_form(args.reply_form);
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
    let json = printer.is_json();
    let output = RecordOutput::spawn(OUTPUT_BUFFER_BYTES, json)
        .map_err(|e| CliError::Network(format!("cannot start the output thread: {e}")))?;
    sim.run(move |record| {
        let line = if json {
            record.to_json_line()
        } else {
            text_line(record)
        };
        output.push(line);
    })
    .map_err(|e| CliError::Network(format!("the cloud simulator stopped: {e}")))?;
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buffer_drops_and_counts_and_says_so_when_output_moves() {
        let output = RecordOutput::new(10);
        assert!(output.push("12345".to_owned()));
        assert!(output.push("67890".to_owned()));
        // Nobody writes: the next lines are dropped, not queued.
        assert!(!output.push("x".to_owned()));
        assert!(!output.push("y".to_owned()));
        let (lines, dropped) = output.take(false);
        assert_eq!((lines.len(), dropped), (2, 2));
        let mut out = Vec::new();
        write_batch(&mut out, &lines, dropped, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"count\":2,\"type\":\"dropped\"}\n12345\n67890\n"
        );
        // Room again once written.
        assert!(output.push("z".to_owned()));
        let mut out = Vec::new();
        let (lines, dropped) = output.take(false);
        write_batch(&mut out, &lines, dropped, false).unwrap();
        assert_eq!(out, b"z\n");
    }

    #[test]
    fn the_writer_thread_writes_what_is_pushed() {
        let output = RecordOutput::new(1 << 10);
        let writer = output.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        // A writer that hands each batch to the test.
        struct Channel(std::sync::mpsc::Sender<Vec<u8>>);
        impl Write for Channel {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let _ = self.0.send(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        std::thread::spawn(move || writer.write_all_to(&mut Channel(tx), false));
        output.push("hello".to_owned());
        let mut got = Vec::new();
        while got != b"hello\n" {
            let chunk = rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("the writer wrote");
            got.extend_from_slice(&chunk);
            assert!(got.len() <= 6, "{got:?}");
        }
    }
}
