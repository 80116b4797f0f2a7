//! The AT engine: one command at a time over a byte [`Port`], with a
//! deadline per command, echo handling, final results mapped to typed
//! errors, and unsolicited result codes (URCs) dispatched wherever they
//! appear, even between the lines of a command's answer.
//!
//! It is synchronous and single-threaded on purpose: the caller's thread
//! runs the dialogue, every read is bounded by the command's deadline, and
//! URCs that arrive between commands are read (and dispatched) at the start
//! of the next command or by [`AtChannel::poll_urcs`] /
//! [`AtChannel::wait_urc`]. No thread, no lock, nothing to hang.
//!
//! How a line is read during a command:
//!
//! | line | taken as |
//! |---|---|
//! | `OK`, `ERROR`, `+CME ERROR: n`, `+CMS ERROR: n`, `NO CARRIER`, ... | the final result |
//! | the command itself | its echo (skipped) |
//! | `+NAME: ...` / `^NAME: ...` where NAME is the command's | part of the answer |
//! | any other `+...` / `^...` line, or `RING` | a URC |
//! | anything else | part of the answer (`AT+CIMI` answers a bare number) |

mod error;
mod line;
mod result;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::{masked, AtError};
pub use line::{LineSplitter, Piece};
pub use result::{classify, ErrorCode, Final, CME, CMS};

/// The longest line kept from the modem, by default: past it a line is
/// cut and reported. The longest legitimate answers (a hex `+USORD` of
/// 1024 bytes, a `+QIRD` of 1500) fit well within it.
pub const DEFAULT_LINE_CAP: usize = 8 * 1024;

/// How many unhandled URCs are kept for [`AtChannel::take_urcs`].
const URC_QUEUE: usize = 256;

/// The longest command accepted.
const MAX_COMMAND: usize = 2048;

/// A byte pipe to a modem: a serial port, or a test double.
pub trait Port: Send {
    /// Reads what is available, waiting at most `timeout` for the first
    /// byte. `Ok(0)` means nothing arrived in time.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Writes all of `data` within `timeout`.
    fn write_all(&mut self, data: &[u8], timeout: Duration) -> io::Result<()>;
}

/// The answer to a successful command: its information lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The lines between the command and its `OK`, URCs and echo removed.
    pub lines: Vec<String>,
}

impl Response {
    /// The value of the last line starting with `prefix:` (`+CSQ` →
    /// `20,99`), trimmed. The last, because a URC with the same name as
    /// the command may come before the answer.
    pub fn value(&self, prefix: &str) -> Option<&str> {
        self.lines.iter().rev().find_map(|l| {
            l.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix(':'))
                .map(str::trim)
        })
    }

    /// The last line that has no `+`/`^` name: a bare answer (IMSI, IMEI,
    /// model).
    pub fn bare(&self) -> Option<&str> {
        self.lines
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| !l.is_empty() && !l.starts_with('+') && !l.starts_with('^'))
    }
}

/// Counters of one channel (also what a data path costs, in bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AtStats {
    /// Commands sent.
    pub commands: u64,
    /// Commands that got no final result in time.
    pub timeouts: u64,
    /// URCs seen.
    pub urcs: u64,
    /// Lines cut at the line cap.
    pub cut_lines: u64,
    /// Lines that came with no command running and were not URCs
    /// (late answers, garbage).
    pub stray_lines: u64,
    /// Bytes written to the modem.
    pub bytes_written: u64,
    /// Bytes read from the modem.
    pub bytes_read: u64,
}

type Handler = Box<dyn FnMut(&str) + Send>;

/// An AT command channel over a [`Port`].
pub struct AtChannel {
    port: Box<dyn Port>,
    splitter: LineSplitter,
    pieces: VecDeque<Piece>,
    handlers: Vec<(String, Handler)>,
    urcs: VecDeque<String>,
    stats: AtStats,
    failures: u32,
}

impl fmt::Debug for AtChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtChannel")
            .field("stats", &self.stats)
            .field("consecutive_failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// What a command is waiting for.
struct Pending<'a> {
    command: &'a str,
    prefix: Option<String>,
    data: Option<&'a [u8]>,
}

impl AtChannel {
    /// A channel over `port`, cutting lines at [`DEFAULT_LINE_CAP`].
    pub fn new(port: Box<dyn Port>) -> Self {
        Self::with_line_cap(port, DEFAULT_LINE_CAP)
    }

    /// A channel over `port`, cutting lines at `cap` bytes.
    pub fn with_line_cap(port: Box<dyn Port>, cap: usize) -> Self {
        AtChannel {
            port,
            splitter: LineSplitter::new(cap),
            pieces: VecDeque::new(),
            handlers: Vec::new(),
            urcs: VecDeque::new(),
            stats: AtStats::default(),
            failures: 0,
        }
    }

    /// Calls `handler` with every URC that starts with `prefix` (e.g.
    /// `+UUSORD`), wherever it arrives. URCs no handler takes are kept (the
    /// last 256) for [`take_urcs`](Self::take_urcs) and
    /// [`wait_urc`](Self::wait_urc).
    pub fn on_urc(&mut self, prefix: &str, handler: impl FnMut(&str) + Send + 'static) {
        self.handlers.push((prefix.to_owned(), Box::new(handler)));
    }

    /// The counters.
    pub fn stats(&self) -> AtStats {
        self.stats
    }

    /// Commands in a row that got no answer (timeout or port error); an
    /// answer of any kind, even `ERROR`, resets it. The watchdog's input.
    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// The unhandled URCs seen so far, oldest first.
    pub fn take_urcs(&mut self) -> Vec<String> {
        self.urcs.drain(..).collect()
    }

    /// Sends `command` (`AT...`, no line end) and waits at most `timeout`
    /// for its final result.
    pub fn command(&mut self, command: &str, timeout: Duration) -> Result<Response, AtError> {
        self.run(command, None, timeout)
    }

    /// Sends `command`, waits for the modem's `>` prompt, writes `data`,
    /// and waits for the final result, all within `timeout` (`+CMGS`,
    /// `+USOWR`/`+QISEND` in binary mode).
    pub fn command_with_data(
        &mut self,
        command: &str,
        data: &[u8],
        timeout: Duration,
    ) -> Result<Response, AtError> {
        self.run(command, Some(data), timeout)
    }

    /// Reads for at most `timeout` and dispatches the URCs that arrive.
    pub fn poll_urcs(&mut self, timeout: Duration) -> Result<(), AtError> {
        let deadline = Instant::now() + timeout;
        // Past the deadline, what is already buffered is still read (a
        // bounded number of reads, so a modem that never stops talking
        // cannot hold the caller).
        let mut drains = 0;
        loop {
            while let Some(piece) = self.pieces.pop_front() {
                self.idle_piece(piece);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                drains += 1;
                if drains > 64 || self.fill(Duration::ZERO, "(reading URCs)")? == 0 {
                    return Ok(());
                }
            } else {
                self.fill(left, "(waiting for URCs)")?;
            }
        }
    }

    /// Waits at most `timeout` for an unhandled URC starting with
    /// `prefix` and returns it; other URCs are dispatched meanwhile.
    pub fn wait_urc(&mut self, prefix: &str, timeout: Duration) -> Result<String, AtError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.urcs.iter().position(|u| u.starts_with(prefix)) {
                if let Some(urc) = self.urcs.remove(i) {
                    return Ok(urc);
                }
            }
            if let Some(piece) = self.pieces.pop_front() {
                self.idle_piece(piece);
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AtError::Timeout {
                    command: format!("(waiting for {prefix})"),
                    after: timeout,
                });
            }
            self.fill(left, prefix)?;
        }
    }

    fn run(
        &mut self,
        command: &str,
        data: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Response, AtError> {
        let shown = masked(command);
        validate(command, &shown)?;
        // What came since the last command: URCs, or a late answer to a
        // command that timed out, which must not be taken for this one's.
        if let Err(e) = self.poll_urcs(Duration::ZERO) {
            self.failures = self.failures.saturating_add(1);
            return Err(e);
        }
        self.stats.commands += 1;
        log::trace!(target: "Cellular", "> {shown}");
        let deadline = Instant::now() + timeout;
        let mut wire = Vec::with_capacity(command.len() + 1);
        wire.extend_from_slice(command.as_bytes());
        wire.push(b'\r');
        if let Err(e) = self.port.write_all(&wire, timeout) {
            return Err(self.io_failure(&shown, e, timeout));
        }
        self.stats.bytes_written += wire.len() as u64;
        let mut pending = Pending {
            command,
            prefix: response_prefix(command),
            data,
        };
        let mut lines = Vec::new();
        loop {
            while let Some(piece) = self.pieces.pop_front() {
                if let Some(end) = self.command_piece(piece, &pending, &mut lines) {
                    self.failures = 0;
                    return finish(end, shown, lines);
                }
            }
            if pending.data.is_some() && self.splitter.pending().starts_with(b">") {
                let data = pending.data.take().unwrap_or_default();
                self.splitter.clear_pending();
                let left = deadline.saturating_duration_since(Instant::now());
                if let Err(e) = self.port.write_all(data, left) {
                    return Err(self.io_failure(&shown, e, timeout));
                }
                self.stats.bytes_written += data.len() as u64;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.failures = self.failures.saturating_add(1);
                self.stats.timeouts += 1;
                log::debug!(target: "Cellular", "{shown}: no answer within {} ms", timeout.as_millis());
                return Err(AtError::Timeout {
                    command: shown,
                    after: timeout,
                });
            }
            if let Err(e) = self.fill(left, &shown) {
                self.failures = self.failures.saturating_add(1);
                return Err(e);
            }
        }
    }

    fn io_failure(&mut self, shown: &str, e: io::Error, timeout: Duration) -> AtError {
        self.failures = self.failures.saturating_add(1);
        if e.kind() == io::ErrorKind::TimedOut {
            self.stats.timeouts += 1;
            return AtError::Timeout {
                command: shown.to_owned(),
                after: timeout,
            };
        }
        AtError::Io {
            command: shown.to_owned(),
            source: Arc::new(e),
        }
    }

    /// Reads once (waiting at most `left`) into the piece queue; returns
    /// the number of bytes read.
    fn fill(&mut self, left: Duration, shown: &str) -> Result<usize, AtError> {
        let mut buf = [0u8; 1024];
        match self.port.read(&mut buf, left) {
            Ok(0) => Ok(0),
            Ok(n) => {
                self.stats.bytes_read += n as u64;
                let mut out = Vec::new();
                self.splitter.push(&buf[..n], &mut out);
                self.pieces.extend(out);
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(0)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(AtError::Io {
                command: shown.to_owned(),
                source: Arc::new(e),
            }),
        }
    }

    /// A piece read while a command runs: its end, or `None` to go on.
    fn command_piece(
        &mut self,
        piece: Piece,
        pending: &Pending<'_>,
        lines: &mut Vec<String>,
    ) -> Option<Final> {
        let line = match piece {
            Piece::Line(l) => l,
            Piece::Overlong { start, len } => {
                self.cut(&start, len);
                return None;
            }
        };
        if let Some(end) = classify(&line) {
            return Some(end);
        }
        if line.eq_ignore_ascii_case(pending.command.trim()) {
            return None; // the echo (ATE1)
        }
        let named = line.starts_with('+') || line.starts_with('^');
        let ours = pending.prefix.as_deref().is_some_and(|p| {
            line.len() > p.len()
                && line.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
                && line.as_bytes()[p.len()] == b':'
        });
        if (named && !ours) || line == "RING" {
            self.urc(line);
        } else {
            lines.push(line);
        }
        None
    }

    /// A piece read with no command running.
    fn idle_piece(&mut self, piece: Piece) {
        match piece {
            Piece::Line(line) => {
                let named = line.starts_with('+') || line.starts_with('^') || line == "RING";
                if named && classify(&line).is_none() {
                    self.urc(line);
                    return;
                }
                self.stats.stray_lines += 1;
                log::debug!(target: "Cellular", "ignored a line outside any command ({} bytes)", line.len());
            }
            Piece::Overlong { start, len } => self.cut(&start, len),
        }
    }

    fn cut(&mut self, start: &str, len: usize) {
        self.stats.cut_lines += 1;
        let head: String = start.chars().take(16).collect();
        log::warn!(
            target: "Cellular",
            "the modem sent a line of {len} bytes (starting {head:?}); cut at {} bytes and ignored",
            self.splitter.cap()
        );
    }

    fn urc(&mut self, line: String) {
        self.stats.urcs += 1;
        let name = line.split(':').next().unwrap_or_default();
        log::debug!(target: "Cellular", "URC {name}");
        let mut handled = false;
        for (prefix, handler) in &mut self.handlers {
            if line.starts_with(prefix.as_str()) {
                handler(&line);
                handled = true;
            }
        }
        if !handled {
            if self.urcs.len() == URC_QUEUE {
                self.urcs.pop_front();
            }
            self.urcs.push_back(line);
        }
    }
}

fn validate(command: &str, shown: &str) -> Result<(), AtError> {
    let invalid = |reason| AtError::Invalid {
        command: shown.to_owned(),
        reason,
    };
    if !command
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("AT"))
    {
        return Err(invalid("it must start with AT"));
    }
    if command.len() > MAX_COMMAND {
        return Err(invalid("it is longer than 2048 bytes"));
    }
    if command
        .bytes()
        .any(|b| b == b'\r' || b == b'\n' || b == 0x1a || b == 0x1b)
    {
        return Err(invalid("it contains a line end or a control character"));
    }
    Ok(())
}

/// The name an answer line of `command` starts with: `AT+CSQ` → `+CSQ`,
/// `AT^ICCID?` → `^ICCID`; `None` for basic commands (`ATI9`, `ATE0`).
pub fn response_prefix(command: &str) -> Option<String> {
    let body = command.get(2..)?;
    if !(body.starts_with('+') || body.starts_with('^')) {
        return None;
    }
    let end = body.find(['=', '?']).unwrap_or(body.len());
    Some(body[..end].to_ascii_uppercase())
}

fn finish(end: Final, command: String, lines: Vec<String>) -> Result<Response, AtError> {
    match end {
        Final::Ok => Ok(Response { lines }),
        Final::Error => Err(AtError::Error { command }),
        Final::Cme(error) => Err(AtError::Cme { command, error }),
        Final::Cms(error) => Err(AtError::Cms { command, error }),
        Final::Other(result) => Err(AtError::Other { command, result }),
    }
}

#[cfg(test)]
mod tests;
