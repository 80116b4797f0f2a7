//! The simulator accepts exactly what the real Python SDK sends: this drives
//! hologram-python 0.10.3's `CustomCloud` with payloads from its
//! `CSRPSKAuthentication` against an in-process simulator.
//!
//! The interpreter is `$HOLOGRAM_PYTHON`, or the venv that
//! `scripts/python-sdk-venv.sh` makes at `<workspace>/target/python-sdk-venv`.
//! Without either the test prints a `SKIPPED:` line and passes, except
//! under `CI=true`, where it fails unless the script recorded that the
//! interpreter itself is missing (`target/python-sdk-venv.skipped`).
//!
//! The whole reference (`HologramCloud`, TOTP) needs Python 3.9: those
//! tests are in `reference-tests/`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hologram_sim::cloud::{AuthForm, CloudSim};

const SCRIPT: &str = r#"
import json, sys
from Hologram.CustomCloud import CustomCloud
from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication

port = int(sys.argv[1])
credentials = {'devicekey': '12345678'}
auth = CSRPSKAuthentication(credentials)
cloud = CustomCloud(credentials, send_host='127.0.0.1', send_port=port)

message = auth.buildPayloadString('hello from python', topics=['python-sdk', 'sensor/temp'])
reply = cloud.sendMessage(message)
sms = auth.buildSMSPayloadString('+11234567890', 'hey there!')
sms_reply = cloud.sendMessage(sms)
print(json.dumps({
    'reply': reply.decode() if isinstance(reply, bytes) else reply,
    'sms_reply': sms_reply.decode() if isinstance(sms_reply, bytes) else sms_reply,
}))
"#;

/// The interpreter, or the reason there is none: `Err(reason)`, after
/// failing under `CI=true` unless the set-up script recorded that the
/// interpreter is missing on this machine.
fn interpreter(test: &str) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("HOLOGRAM_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "{test}: HOLOGRAM_PYTHON names {}, which does not exist",
            p.display()
        );
        return Ok(p);
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let venv = target.join("python-sdk-venv/bin/python");
    if venv.exists() {
        return Ok(venv);
    }
    let recorded = std::fs::read_to_string(target.join("python-sdk-venv.skipped"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    assert!(
        !ci || recorded.is_some(),
        "{test}: CI=true and no hologram-python venv at target/python-sdk-venv, \
         and the set-up recorded no reason to skip (run scripts/python-sdk-venv.sh)"
    );
    Err(recorded.unwrap_or_else(|| {
        "no hologram-python venv; run scripts/python-sdk-venv.sh or set HOLOGRAM_PYTHON".to_owned()
    }))
}

#[test]
fn python_sdk_custom_cloud_is_accepted() {
    let python = match interpreter("python_sdk_custom_cloud_is_accepted") {
        Ok(python) => python,
        Err(reason) => {
            // Straight to the process's stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: python_sdk_custom_cloud_is_accepted: {reason}"
            );
            return;
        }
    };
    let sim = CloudSim::builder().start().expect("start the simulator");
    let mut child = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(sim.port().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    // Bounded: the SDK's own socket timeouts are 5 s.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait for python").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the Python SDK did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("python output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python failed: {}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("unexpected output {stdout:?}: {e}"));
    // The simulator answers as the cloud does: a JSON list to a CSRPSK
    // message, digits to an SMS (the reference reads SMS replies as digits).
    assert_eq!(result["reply"], "[0,0]", "{result}");
    let sms_reply = result["sms_reply"].as_str().unwrap_or_default();
    assert!(
        sms_reply.starts_with('0') && sms_reply.bytes().all(|b| b.is_ascii_digit()),
        "{result}"
    );

    assert!(sim.wait_for_messages(1, Duration::from_secs(20)));
    assert!(sim.wait_for_sms(1, Duration::from_secs(20)));
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.device, "1234****");
    assert_eq!(m.auth, AuthForm::Abbreviated);
    assert_eq!(m.data, "hello from python");
    assert_eq!(m.topics, ["python-sdk", "sensor/temp"]);
    assert_eq!(m.metadata.as_deref(), Some("\u{1}agnostic-None"));
    let sms = sim.sms();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].destination, "+11234567890");
    assert_eq!(sms[0].text, "hey there!");
    eprintln!(
        "python_sdk_custom_cloud_is_accepted: ran with {}",
        python.display()
    );
}
