//! Tests that run hologram-python 0.10.3, the reference SDK, against this
//! SDK and its cloud simulator, in both directions (the tests are in
//! `tests/`; this library is what they share).
//!
//! - `tests/payloads.rs`: the reference's own `CSRPSKAuthentication` and
//!   TOTP classes build payloads (TOTP on a fixed clock); this SDK's
//!   authenticators build the same bytes.
//! - `tests/cloud_sim.rs`: the reference's `HologramCloud` and
//!   `CustomCloud` objects send messages, TOTP messages and SMS to the
//!   in-process cloud simulator, and read its replies (accepted and
//!   refused) with their own parsing.
//! - `tests/sdk_to_reference.rs`: this SDK sends to a small Python server
//!   that checks every payload against what the reference's classes build
//!   from the same fields, and answers in the reference's reply forms.
//!
//! The reference needs Python 3.9 for all of it (its TOTP package ships
//! bytecode for 3.9 only). [`python39`] finds the interpreter:
//! `HOLOGRAM_PY39`, or the venv `scripts/python-sdk-venv.sh` makes at
//! `<workspace>/target/python39-venv`. When there is none, a test says
//! `SKIPPED:` with the reason on stderr and passes, except under
//! `CI=true`, where it fails, unless the set-up script recorded that the
//! interpreter itself is missing (`target/python39-venv.skipped`).
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The environment variable naming the Python 3.9 interpreter.
pub const PY39_ENV: &str = "HOLOGRAM_PY39";

/// The workspace this crate is part of.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Whether this is a CI run (`CI=true`), where a missing venv the
/// machine could have is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Where to look for a venv's interpreter, and what to say without it.
#[derive(Debug, Clone)]
pub struct VenvRequirement {
    /// The environment variable that names the interpreter directly.
    pub env: &'static str,
    /// The venv directory, relative to the workspace root.
    pub venv: &'static str,
    /// What the venv is, for messages.
    pub what: &'static str,
}

/// The Python 3.9 venv with the whole reference SDK.
pub const PY39: VenvRequirement = VenvRequirement {
    env: PY39_ENV,
    venv: "target/python39-venv",
    what: "Python 3.9 venv with hologram-python 0.10.3",
};

/// The Python 3.9 interpreter with the whole reference SDK, or `None`
/// after printing `SKIPPED: <test>: <reason>` (see the crate docs).
///
/// # Panics
///
/// When `HOLOGRAM_PY39` names a file that does not exist, and under
/// `CI=true` when the venv is missing without a recorded reason.
pub fn python39(test: &str) -> Option<PathBuf> {
    find_python(&PY39, test)
}

/// The interpreter `requirement` names, or `None` after printing
/// `SKIPPED:`; see [`python39`].
pub fn find_python(requirement: &VenvRequirement, test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(requirement.env) {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "{test}: {} names {}, which does not exist",
            requirement.env,
            p.display()
        );
        return Some(p);
    }
    let dir = workspace_root().join(requirement.venv);
    let python = dir.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    let marker = dir.with_extension("skipped");
    let recorded = std::fs::read_to_string(&marker)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let reason = match &recorded {
        Some(why) => format!("no {}: {why}", requirement.what),
        None => format!(
            "no {} at {}: run scripts/python-sdk-venv.sh or set {}",
            requirement.what, requirement.venv, requirement.env
        ),
    };
    assert!(
        !in_ci() || recorded.is_some(),
        "{test}: CI=true and {reason} (the set-up recorded no reason to skip)"
    );
    // Straight to the process's stderr: the harness captures `eprintln!`.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {reason}");
    None
}

/// What a Python run left.
#[derive(Debug)]
pub struct PythonOutput {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl PythonOutput {
    /// The last stdout line parsed as JSON.
    ///
    /// # Panics
    ///
    /// When the run failed or its last line is not JSON, showing both
    /// streams.
    pub fn json(&self) -> serde_json::Value {
        assert!(self.status.success(), "python failed: {self}");
        let last = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("the last line is not JSON ({e}): {self}"))
    }
}

impl std::fmt::Display for PythonOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n--- stdout\n{}\n--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// A Python process running a script, its output collected as it comes.
#[derive(Debug)]
pub struct PythonRun {
    child: Child,
    /// Stdout, line by line, as the process writes it.
    lines: Receiver<String>,
    /// The lines already taken by [`next_line`](Self::next_line).
    seen: Vec<String>,
    stderr: Option<JoinHandle<String>>,
}

/// Starts `python -c script args...` with stdin closed.
///
/// # Panics
///
/// When the interpreter cannot be started.
pub fn spawn_python(python: &Path, script: &str, args: &[&str]) -> PythonRun {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let (tx, lines) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let stderr = child.stderr.take().map(reader);
    PythonRun {
        child,
        lines,
        seen: Vec::new(),
        stderr,
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl PythonRun {
    /// The next line the process writes to stdout, waiting at most
    /// `limit`; `None` when it wrote none in time or closed stdout.
    pub fn next_line(&mut self, limit: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(limit).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Waits for the process to end, killing it after `limit`.
    ///
    /// # Panics
    ///
    /// When it had to be killed (showing what it wrote).
    pub fn finish(mut self, limit: Duration) -> PythonOutput {
        let deadline = Instant::now() + limit;
        let mut status = None;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(s)) => {
                    status = Some(s);
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("cannot wait for python: {e}"),
            }
        }
        let killed = status.is_none();
        if killed {
            let _ = self.child.kill();
        }
        let status = match status {
            Some(s) => s,
            None => self
                .child
                .wait()
                .unwrap_or_else(|e| panic!("cannot reap python: {e}")),
        };
        // The reader ends at EOF, once the process (and any child holding
        // its stdout) is gone; bounded all the same.
        let mut stdout = std::mem::take(&mut self.seen);
        let drain_until = Instant::now() + Duration::from_secs(5);
        loop {
            let left = drain_until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => stdout.push(line),
                Err(RecvTimeoutError::Disconnected | RecvTimeoutError::Timeout) => break,
            }
        }
        let output = PythonOutput {
            status,
            stdout: stdout.join("\n"),
            stderr: join(self.stderr.take()),
        };
        assert!(!killed, "python did not finish within {limit:?}: {output}");
        output
    }

    /// Runs to the end within `limit`; see [`finish`](Self::finish).
    pub fn run(python: &Path, script: &str, args: &[&str], limit: Duration) -> PythonOutput {
        spawn_python(python, script, args).finish(limit)
    }
}

impl Drop for PythonRun {
    /// A run dropped while its process lives (a test that panicked) kills
    /// it: no process outlives its test.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn join(handle: Option<JoinHandle<String>>) -> String {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}
