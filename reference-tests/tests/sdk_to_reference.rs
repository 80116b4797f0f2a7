//! The other way round: this SDK (the `hologram` facade, the `cloud`
//! transport, the real authenticators) sends to a server built on the
//! reference SDK (`python/reference_server.py`), which checks each payload
//! against what hologram-python 0.10.3's own classes build from the same
//! fields and answers in the reference's reply forms: JSON for CSRPSK
//! messages, digits for SMS and TOTP. Every payload must pass and every
//! reply must read as code 0.

use std::path::Path;
use std::time::Duration;

use hologram::{Credentials, Delivery, Hologram, Receipt, ResultCode};
use hologram_ports::AdapterConfig;
use reference_tests::{python39, spawn_python, PythonRun};
use serde_json::{json, Value};

const SCRIPT: &str = include_str!("../python/reference_server.py");

const DEVICE_ID: &str = "89014103211118510720";
const PRIVATE_KEY: &str = "310150123456789";

/// Starts the reference server for `requests` payloads and returns it with
/// its port.
fn reference_server(python: &Path, requests: usize, config: Value) -> (PythonRun, u16) {
    let mut config = config;
    config["requests"] = json!(requests);
    config["private_keys"] = json!({ DEVICE_ID: PRIVATE_KEY });
    let mut server = spawn_python(python, SCRIPT, &[&config.to_string()]);
    let line = server
        .next_line(Duration::from_secs(30))
        .unwrap_or_else(|| panic!("the reference server did not start: {:?}", server));
    let port = serde_json::from_str::<Value>(&line)
        .ok()
        .and_then(|v| v["port"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or_else(|| panic!("not a port line: {line:?}"));
    (server, port)
}

/// The server's verdicts, one per payload, after it served them all.
fn verdicts(server: PythonRun, expected: usize) -> Vec<Value> {
    let out = server.finish(Duration::from_secs(60)).json();
    let results = out["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results: {out}"))
        .clone();
    assert_eq!(results.len(), expected, "{out}");
    for r in &results {
        assert_eq!(
            r["ok"], true,
            "the reference builds another payload from the same fields: {r}"
        );
    }
    results
}

fn assert_sent(receipt: &Receipt, what: &str) {
    assert_eq!(
        receipt.delivery(),
        &Delivery::Acknowledged {
            code: ResultCode::Sent
        },
        "{what}: {receipt}"
    );
}

fn sdk(port: u16, credentials: Credentials, auth: &str, config: AdapterConfig) -> Hologram {
    Hologram::builder()
        .credentials(credentials)
        .authentication(auth)
        .authentication_config(config)
        .endpoint("127.0.0.1", port)
        .build()
        .expect("the SDK builds")
}

fn metadata_on() -> AdapterConfig {
    AdapterConfig::new()
        .with("metadata", "true")
        .with("metadata_version", "0.9.1")
}

#[test]
fn csrpsk_messages_and_sms_decode_to_what_the_reference_sends() {
    let Some(python) = python39("csrpsk_messages_and_sms_decode_to_what_the_reference_sends")
    else {
        return;
    };
    let (server, port) = reference_server(&python, 5, json!({"version": "0.9.1"}));
    let key = Credentials::with_devicekey("12345678").expect("valid");
    let mut plain = sdk(port, key.clone(), "csrpsk", AdapterConfig::new());
    let mut with_m = sdk(port, key, "csrpsk", metadata_on());

    // (metadata on?, data, topics)
    let sends: [(bool, &str, &[&str]); 4] = [
        (false, "hello", &[]),
        (true, "hello", &["t1", "t2"]),
        (false, "quote \" backslash \\ é ☃ 😀", &["sensor/temp"]),
        (true, "", &["empty-data"]),
    ];
    for (metadata, data, topics) in sends {
        let sdk = if metadata { &mut with_m } else { &mut plain };
        let receipt = sdk.send_message(data, topics).expect("sent");
        assert_sent(&receipt, data);
    }
    let receipt = plain
        .send_sms("+11234567890", "hey there! é")
        .expect("sent");
    assert_sent(&receipt, "the SMS");

    let results = verdicts(server, 5);
    let kinds: Vec<&str> = results.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, ["csrpsk", "csrpsk", "csrpsk", "csrpsk", "sms"]);
    assert_eq!(results[0]["fields"], json!({"k": "12345678", "d": "hello"}));
    assert_eq!(
        results[1]["fields"],
        json!({"k": "12345678", "m": "\u{1}agnostic-0.9.1", "d": "hello", "t": ["t1", "t2"]})
    );
    assert_eq!(
        results[4]["fields"],
        json!({"destination": "+11234567890", "text": "hey there! é"})
    );
}

#[test]
fn totp_messages_are_what_the_reference_sends_one_payload_each() {
    let Some(python) = python39("totp_messages_are_what_the_reference_sends_one_payload_each")
    else {
        return;
    };
    let (server, port) = reference_server(&python, 4, json!({"version": "0.9.1"}));
    let creds = Credentials::totp(DEVICE_ID, PRIVATE_KEY).expect("valid");
    let mut with_m = sdk(port, creds.clone(), "totp", metadata_on());
    let mut plain = sdk(port, creds, "totp", AdapterConfig::new());

    // Three in a row (most likely in one time window): three payloads,
    // three replies, three receipts; nothing waits for a window.
    let mut receipts = Vec::new();
    for data in ["one", "two", "three"] {
        receipts.push(with_m.send_message(data, &["t1"]).expect("sent"));
    }
    receipts.push(plain.send_message::<&str>("plain é", &[]).expect("sent"));
    for r in &receipts {
        assert_sent(r, "a TOTP message");
    }

    let results = verdicts(server, 4);
    for (r, data) in results.iter().zip(["one", "two", "three"]) {
        assert_eq!(r["kind"], "totp");
        assert_eq!(r["fields"]["data"], json!([data]));
        assert_eq!(r["fields"]["topics"], json!(["t1"]));
        assert_eq!(r["fields"]["metadata"], "\u{1}agnostic-0.9.1");
        assert_eq!(r["fields"]["device_id"], DEVICE_ID);
    }
    assert_eq!(results[3]["fields"]["metadata"], Value::Null);
    assert_eq!(results[3]["fields"]["data"], json!(["plain é"]));
}

#[test]
fn a_wrong_totp_password_is_refused_by_the_reference_server() {
    let Some(python) = python39("a_wrong_totp_password_is_refused_by_the_reference_server") else {
        return;
    };
    let (server, port) = reference_server(&python, 1, json!({"version": "0.9.1"}));
    let wrong = Credentials::totp(DEVICE_ID, "not-the-key").expect("valid");
    let mut sdk = sdk(port, wrong, "totp", metadata_on());
    let receipt = sdk.send_message::<&str>("x", &[]).expect("answered");
    assert_eq!(
        receipt.delivery(),
        &Delivery::Refused {
            code: ResultCode::BadAuth
        },
        "{receipt}"
    );
    let out = server.finish(Duration::from_secs(60)).json();
    assert_eq!(out["results"][0]["ok"], false, "{out}");
    assert_eq!(out["results"][0]["reply"], "30", "{out}");
}
