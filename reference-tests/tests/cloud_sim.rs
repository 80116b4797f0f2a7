//! The reference SDK's own `HologramCloud` and `CustomCloud` objects (no
//! modem: credentials given) against the in-process cloud simulator:
//! accepted messages, TOTP messages and SMS are recorded as sent and their
//! replies read by the reference as code 0; refusals are read as the code
//! the simulator sends.

use std::time::Duration;

use hologram_sim::cloud::{AuthForm, CloudSim, CloudSimHandle, Device};
use reference_tests::{python39, PythonRun};
use serde_json::{json, Value};

const SCRIPT: &str = include_str!("../python/cloud_sim.py");

const DEVICEKEY: &str = "12345678";
const DEVICE_ID: &str = "89014103211118510720";
const PRIVATE_KEY: &str = "310150123456789";

/// The reference's metadata record with no modem (`HologramCloud` passes
/// its version, 0.9.1).
const REFERENCE_METADATA: &str = "\u{1}agnostic-0.9.1";

fn simulator() -> CloudSimHandle {
    CloudSim::builder()
        .device(Device::devicekey(DEVICEKEY).expect("valid"))
        .device(Device::totp(DEVICE_ID, PRIVATE_KEY).expect("valid"))
        .start()
        .expect("start the simulator")
}

/// Runs the steps through the reference against `sim` and returns one
/// result per step.
fn run(python: &std::path::Path, sim: &CloudSimHandle, steps: &[Value]) -> Vec<Value> {
    let steps_json = Value::Array(steps.to_vec()).to_string();
    let port = sim.port().to_string();
    // Bounded: the reference's own socket timeouts are 5 s per call.
    let out = PythonRun::run(
        python,
        SCRIPT,
        &[&port, &steps_json],
        Duration::from_secs(90),
    )
    .json();
    let results = out["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {out}"))
        .clone();
    assert_eq!(results.len(), steps.len(), "{out}");
    results
}

/// The reference read `code` from the reply, with no exception and no
/// "unknown" (-1).
fn assert_read(result: &Value, step: &Value, code: i64, success: bool, text: &str) {
    assert_eq!(
        result,
        &json!({"code": code, "success": success, "text": text}),
        "{step}"
    );
}

#[test]
fn reference_messages_sms_and_totp_are_accepted_and_read_as_code_0() {
    let Some(python) = python39("reference_messages_sms_and_totp_are_accepted_and_read_as_code_0")
    else {
        return;
    };
    let sim = simulator();
    let steps = [
        json!({"call": "message", "devicekey": DEVICEKEY, "data": "hello from HologramCloud",
               "topics": ["python-sdk", "sensor/temp"]}),
        json!({"call": "custom", "devicekey": DEVICEKEY, "data": "hello from CustomCloud",
               "topics": null}),
        json!({"call": "sms", "devicekey": DEVICEKEY, "destination": "+11234567890",
               "text": "hey there!"}),
        json!({"call": "totp", "device_id": DEVICE_ID, "private_key": PRIVATE_KEY,
               "data": "totp hello", "topics": ["t1"]}),
    ];
    let results = run(&python, &sim, &steps);
    let sent = "Message sent successfully";
    assert_read(&results[0], &steps[0], 0, true, sent);
    // CustomCloud hands back the raw reply: the JSON form answers CSRPSK.
    assert_eq!(results[1], json!({"reply": "[0,0]"}), "{}", steps[1]);
    // The reference parses SMS and TOTP replies as digits.
    assert_read(&results[2], &steps[2], 0, true, sent);
    assert_read(&results[3], &steps[3], 0, true, sent);

    assert!(sim.wait_for_messages(3, Duration::from_secs(20)));
    assert!(sim.wait_for_sms(1, Duration::from_secs(20)));
    let messages = sim.messages();
    assert_eq!(messages.len(), 3, "{messages:?}");
    let m = &messages[0];
    assert_eq!(
        (m.device.as_str(), m.auth, m.data.as_str()),
        (
            "1234****",
            AuthForm::Abbreviated,
            "hello from HologramCloud"
        )
    );
    assert_eq!(m.topics, ["python-sdk", "sensor/temp"]);
    assert_eq!(m.metadata.as_deref(), Some(REFERENCE_METADATA));
    let m = &messages[1];
    assert_eq!(
        (m.device.as_str(), m.data.as_str()),
        ("1234****", "hello from CustomCloud")
    );
    assert!(m.topics.is_empty());
    // CustomCloud passes no version: the reference writes "None".
    assert_eq!(m.metadata.as_deref(), Some("\u{1}agnostic-None"));
    let m = &messages[2];
    assert_eq!(
        (m.device.as_str(), m.auth, m.data.as_str()),
        (DEVICE_ID, AuthForm::Totp, "totp hello")
    );
    assert_eq!(m.topics, ["t1"]);
    assert_eq!(m.metadata.as_deref(), Some(REFERENCE_METADATA));
    let sms = sim.sms();
    assert_eq!(sms.len(), 1);
    assert_eq!(
        (
            sms[0].device.as_str(),
            sms[0].destination.as_str(),
            sms[0].text.as_str()
        ),
        ("1234****", "+11234567890", "hey there!")
    );
}

#[test]
fn reference_reads_the_refusal_codes() {
    let Some(python) = python39("reference_reads_the_refusal_codes") else {
        return;
    };
    let sim = simulator();
    let steps = [
        json!({"call": "message", "devicekey": "87654321", "data": "wrong key",
               "topics": null}),
        json!({"call": "sms", "devicekey": "87654321", "destination": "+11234567890",
               "text": "wrong key"}),
        json!({"call": "totp", "device_id": DEVICE_ID, "private_key": "not-the-key",
               "data": "wrong password", "topics": null}),
    ];
    let results = run(&python, &sim, &steps);
    let bad_auth = "Auth section of the message was invalid";
    for (result, step) in results.iter().zip(&steps) {
        assert_read(result, step, 3, false, bad_auth);
    }
    assert!(sim.wait_for_requests(3, Duration::from_secs(20)));
    assert!(sim.messages().is_empty());
    assert!(sim.sms().is_empty());
}

/// The reference sends every TOTP message with the current window's
/// password, several per window; the cloud takes them all.
#[test]
fn reference_totp_messages_in_one_window_are_all_accepted() {
    let Some(python) = python39("reference_totp_messages_in_one_window_are_all_accepted") else {
        return;
    };
    let sim = simulator();
    let steps: Vec<Value> = ["one", "two", "three"]
        .iter()
        .map(|data| {
            json!({"call": "totp", "device_id": DEVICE_ID, "private_key": PRIVATE_KEY,
                   "data": data, "topics": null})
        })
        .collect();
    let results = run(&python, &sim, &steps);
    for (result, step) in results.iter().zip(&steps) {
        assert_read(result, step, 0, true, "Message sent successfully");
    }
    assert!(sim.wait_for_messages(3, Duration::from_secs(20)));
    let data: Vec<String> = sim.messages().into_iter().map(|m| m.data).collect();
    assert_eq!(data, ["one", "two", "three"]);
}
