//! The simulator accepts exactly what the real Python SDK sends: this drives
//! hologram-python 0.10.3's `CustomCloud` with payloads from its
//! `CSRPSKAuthentication` against an in-process simulator.
//!
//! The interpreter is `$HOLOGRAM_PYTHON`, or the venv that
//! `scripts/python-sdk-venv.sh` makes at `<workspace>/target/python-sdk-venv`.
//! Without either the test prints a `SKIPPED:` line and passes.

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

fn interpreter() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HOLOGRAM_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/python-sdk-venv/bin/python");
    venv.exists().then_some(venv)
}

#[test]
fn python_sdk_custom_cloud_is_accepted() {
    let Some(python) = interpreter() else {
        // Straight to the process's stderr: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: python_sdk_custom_cloud_is_accepted: no hologram-python venv; \
             run scripts/python-sdk-venv.sh or set HOLOGRAM_PYTHON"
        );
        return;
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
    assert!(
        result["reply"]
            .as_str()
            .unwrap_or_default()
            .contains("[0,0]"),
        "{result}"
    );
    assert!(
        result["sms_reply"]
            .as_str()
            .unwrap_or_default()
            .contains("[0,0]"),
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
