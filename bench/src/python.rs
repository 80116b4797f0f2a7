//! The Python side: `scripts/bench-python.py` (embedded) run by the
//! interpreter given with `--python`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::clients::Target;
use crate::measure::Scratch;

/// The client script, as in the repository.
const SCRIPT: &str = include_str!("../../scripts/bench-python.py");

/// One run of the script.
#[derive(Debug, Clone, Copy)]
pub struct PyRun {
    /// Seconds of the send loop (interpreter start and imports excluded).
    pub seconds: f64,
    /// Bytes of the payload it sent.
    pub payload_bytes: u64,
    /// Messages not answered `[0,0]`.
    pub failures: u64,
}

/// hologram-python, ready to run.
#[derive(Debug)]
pub struct PythonSdk {
    python: PathBuf,
    script: PathBuf,
    /// `python --version`.
    pub version: String,
}

impl PythonSdk {
    /// Writes the script into `scratch` and checks that `python` imports
    /// the SDK.
    pub fn new(python: PathBuf, scratch: &Scratch) -> Result<PythonSdk, String> {
        let script = scratch.path("bench-python.py");
        std::fs::write(&script, SCRIPT).map_err(|e| format!("{}: {e}", script.display()))?;
        let out = Command::new(&python)
            .args([
                "-c",
                "import sys; from importlib.metadata import version; \
                 import Hologram.CustomCloud; \
                 print('Python', sys.version.split()[0], 'hologram-python', version('hologram-python'))",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} cannot import hologram-python (run scripts/bench-python.sh): {}",
                python.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(PythonSdk {
            python,
            script,
            version: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        })
    }

    /// The command that sends `n` messages to `target`.
    pub fn command(&self, target: &Target, n: u64) -> Vec<OsString> {
        vec![
            self.python.clone().into(),
            self.script.clone().into(),
            "--host".into(),
            target.host.clone().into(),
            "--port".into(),
            target.port.to_string().into(),
            "--messages".into(),
            n.to_string().into(),
        ]
    }

    /// The command that only starts the interpreter and imports the SDK.
    pub fn import_command(&self) -> Vec<OsString> {
        vec![
            self.python.clone().into(),
            "-c".into(),
            "from Hologram.CustomCloud import CustomCloud; \
             from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication"
                .into(),
        ]
    }

    /// Sends `n` messages to `target` and reads what the script reports.
    pub fn run(&self, target: &Target, n: u64) -> Result<PyRun, String> {
        let cmd = self.command(target, n);
        let out = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.python.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "the Python SDK failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let v: serde_json::Value = serde_json::from_str(stdout.trim())
            .map_err(|e| format!("unexpected Python output {stdout:?}: {e}"))?;
        Ok(PyRun {
            seconds: v["seconds"].as_f64().unwrap_or(f64::NAN),
            payload_bytes: v["payload_bytes"].as_u64().unwrap_or(0),
            failures: v["failures"].as_u64().unwrap_or(u64::MAX),
        })
    }
}
