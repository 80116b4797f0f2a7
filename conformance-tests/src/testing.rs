//! Helpers for an adapter's own tests, shared so that each crate does not
//! write its own: a recording event sink, a capturing logger, and the text
//! of a panic.
//!
//! ```
//! use hologram_conformance::testing::{capture_logs, panic_text, RecordingSink};
//! use hologram_ports::{Event, EventSink};
//!
//! let logs = capture_logs();
//! log::warn!(target: "Kit", "disk nearly full");
//! assert!(logs.this_thread().iter().any(|l| l.target == "Kit" && l.message == "disk nearly full"));
//!
//! let sink = RecordingSink::new();
//! sink.emit(&Event::NetworkConnected);
//! assert_eq!(sink.names(), ["network.connected"]);
//!
//! let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
//! assert_eq!(panic_text(payload.as_ref()), "boom 1");
//! ```

use std::any::Any;
use std::fmt;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::{self, ThreadId};

pub use crate::sink::RecordingSink;

/// The text of a panic payload (`panic!` with a literal or with arguments).
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// Whether this is a CI run (`CI=true`), where CI provides what the
/// tests need (the Python venvs, the shared vectors).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// For a test whose requirement is missing on this machine: under
/// `CI=true`, where CI provides it, this fails the test; elsewhere it
/// prints `SKIPPED <test>: <reason>` on the process's stderr (past the test
/// harness's capture, so the line shows next to the test's `ok`) and the
/// test returns.
///
/// ```no_run
/// # fn venv() -> Option<std::path::PathBuf> { None }
/// let Some(python) = venv() else {
///     hologram_conformance::testing::missing("python_agrees", "no Python 3.9 venv; set HOLOGRAM_PY39");
///     return;
/// };
/// # let _ = python;
/// ```
#[track_caller]
pub fn missing(test: &str, reason: &str) {
    missing_in(in_ci(), test, reason);
}

#[track_caller]
fn missing_in(ci: bool, test: &str, reason: &str) {
    assert!(
        !ci,
        "{test}: {reason} (CI=true: CI is expected to provide it)"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// One log record, as captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Its level.
    pub level: log::Level,
    /// Its target (e.g. `"Outbox"`).
    pub target: String,
    /// The formatted message.
    pub message: String,
    /// The thread that logged it.
    pub thread: ThreadId,
}

impl fmt::Display for LogLine {
    /// `LEVEL target: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.level, self.target, self.message)
    }
}

/// The capturing logger: every record of every level, from every thread,
/// kept for the tests to read. Get it with [`capture_logs`].
pub struct LogCapture {
    lines: Mutex<Vec<LogLine>>,
}

impl fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogCapture")
            .field("lines", &self.lock().len())
            .finish()
    }
}

impl LogCapture {
    fn lock(&self) -> MutexGuard<'_, Vec<LogLine>> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every line captured so far, from every thread, in order.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lock().clone()
    }

    /// The lines logged by the calling thread (each test runs in its own
    /// thread, so these are the test's own, but not those of threads it
    /// started).
    pub fn this_thread(&self) -> Vec<LogLine> {
        let me = thread::current().id();
        self.lock()
            .iter()
            .filter(|l| l.thread == me)
            .cloned()
            .collect()
    }

    /// The lines with `target`, from every thread.
    pub fn with_target(&self, target: &str) -> Vec<LogLine> {
        self.lock()
            .iter()
            .filter(|l| l.target == target)
            .cloned()
            .collect()
    }

    /// Every line so far as text, one per line (`LEVEL target: message`):
    /// handy to check that a secret appears nowhere.
    pub fn text(&self) -> String {
        self.lock().iter().map(|l| format!("{l}\n")).collect()
    }
}

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = LogLine {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            thread: thread::current().id(),
        };
        self.lock().push(line);
    }

    fn flush(&self) {}
}

/// Installs the capturing logger as the process's logger, every level on,
/// the first time it is called, and returns it.
///
/// # Panics
///
/// If another logger was installed first: a test binary that captures
/// logs must not install its own.
pub fn capture_logs() -> &'static LogCapture {
    static CAPTURE: LogCapture = LogCapture {
        lines: Mutex::new(Vec::new()),
    };
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let installed = *INSTALLED.get_or_init(|| {
        let ok = log::set_logger(&CAPTURE).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Trace);
        }
        ok
    });
    assert!(
        installed,
        "hologram-conformance: another logger is installed; capture_logs() must be the test binary's logger"
    );
    &CAPTURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_sees_its_own_lines_and_text_shows_all() {
        let logs = capture_logs();
        log::info!(target: "kit.a", "from the test");
        let other = thread::spawn(|| log::debug!(target: "kit.a", "from another thread"));
        other.join().unwrap();
        let mine: Vec<String> = logs
            .this_thread()
            .iter()
            .filter(|l| l.target == "kit.a")
            .map(|l| l.message.clone())
            .collect();
        assert_eq!(mine, ["from the test"]);
        assert_eq!(logs.with_target("kit.a").len(), 2);
        assert!(logs.text().contains("DEBUG kit.a: from another thread\n"));
        assert!(std::ptr::eq(logs, capture_logs()), "installed once");
    }

    #[test]
    fn a_missing_requirement_fails_in_ci_only() {
        missing_in(false, "kit_test", "nothing here");
        let err =
            std::panic::catch_unwind(|| missing_in(true, "kit_test", "nothing here")).unwrap_err();
        assert_eq!(
            panic_text(err.as_ref()),
            "kit_test: nothing here (CI=true: CI is expected to provide it)"
        );
    }

    #[test]
    fn panic_text_reads_both_payload_kinds() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_text(literal.as_ref()), "plain");
        let formatted = std::panic::catch_unwind(|| panic!("n = {}", 2)).unwrap_err();
        assert_eq!(panic_text(formatted.as_ref()), "n = 2");
        let other = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
        assert_eq!(
            panic_text(other.as_ref()),
            "a panic with a non-text payload"
        );
    }
}
