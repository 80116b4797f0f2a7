//! Byte for byte against payloads the reference SDK builds live: its own
//! `CSRPSKAuthentication` and TOTP classes (the TOTP clock fixed) under
//! Python 3.9, and this SDK's authenticators with the same metadata
//! settings.

use std::time::Duration;

use hologram_auth::{Csrpsk, FixedClock, Totp};
use hologram_ports::{AdapterConfig, Authenticator, Credentials, Message, Sms};
use reference_tests::{python39, PythonRun};
use serde_json::{json, Map, Value};

const SCRIPT: &str = include_str!("../python/payloads.py");

/// The reference's version string (`Cloud.__version__` in 0.10.3), which
/// `HologramCloud` passes to the authentication classes.
const REFERENCE_VERSION: &str = "0.9.1";

/// Runs the reference on `cases` and returns its payloads.
fn reference_payloads(python: &std::path::Path, cases: &[Value]) -> Vec<Vec<u8>> {
    let cases = Value::Array(cases.to_vec()).to_string();
    let out = PythonRun::run(python, SCRIPT, &[&cases], Duration::from_secs(60)).json();
    out["payloads"]
        .as_array()
        .unwrap_or_else(|| panic!("no payloads in {out}"))
        .iter()
        .map(|p| hex(p.as_str().unwrap_or_else(|| panic!("not hex: {p}"))))
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("{s:?}: {e}")))
        .collect()
}

fn topics_json(topics: &[&str]) -> Value {
    if topics.is_empty() {
        Value::Null
    } else {
        json!(topics)
    }
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

/// What the metadata settings look like to a user of each SDK: the
/// reference's modem class and this SDK's `modem` setting name the same
/// record.
struct Modem {
    /// The reference's `modem_type` (`str(network.modem)`), `None` without one.
    modem_type: Option<&'static str>,
    /// The reference's `modem_id` (used for the generic Nova only).
    modem_id: Option<&'static str>,
    /// This SDK's `modem` setting.
    setting: &'static str,
}

const MODEMS: [Modem; 3] = [
    Modem {
        modem_type: None,
        modem_id: None,
        setting: "agnostic",
    },
    Modem {
        modem_type: Some("E303"),
        modem_id: None,
        setting: "e303",
    },
    Modem {
        modem_type: Some("Nova"),
        modem_id: Some("1234"),
        setting: "nova-1234",
    },
];

fn config(modem: &Modem) -> AdapterConfig {
    AdapterConfig::new()
        .with("metadata", "true")
        .with("modem", modem.setting)
        .with("metadata_version", REFERENCE_VERSION)
}

/// (device id, private key, time, data, topics)
const TOTP_CASES: [(&str, &str, u64, &str, &[&str]); 4] = [
    (
        "89014103211118510720",
        "310150123456789",
        1_700_000_029,
        "one",
        &["t1", "t2"],
    ),
    ("123456", "310150123456789", 1_700_000_000, "hello", &[]),
    ("42", "abc", 59, "x", &["only-topic"]),
    (
        "8901",
        "k",
        1_796_112_279,
        "unicode é ☃ 😀, quotes \" and \\",
        &["a/b_c-d"],
    ),
];

#[test]
fn totp_payloads_equal_the_reference_class_with_a_fixed_clock() {
    let Some(python) = python39("totp_payloads_equal_the_reference_class_with_a_fixed_clock")
    else {
        return;
    };
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for modem in &MODEMS {
        for (device_id, private_key, now, data, topics) in TOTP_CASES {
            cases.push(json!({
                "kind": "totp", "device_id": device_id, "private_key": private_key,
                "timestamp": now, "data": data, "topics": topics_json(topics),
                "modem_type": modem.modem_type, "modem_id": modem.modem_id,
                "version": REFERENCE_VERSION,
            }));
            let mut totp = Totp::with_clock(Box::new(FixedClock::new(now)))
                .apply_config(&config(modem))
                .expect("valid settings");
            let creds = Credentials::totp(device_id, private_key).expect("valid");
            let msg = Message::with_topic_strs(data, topics).expect("valid");
            let mut out = Vec::new();
            totp.encode_message(&creds, &msg, &mut out)
                .expect("encodes");
            ours.push(out);
        }
    }
    let reference = reference_payloads(&python, &cases);
    assert_eq!(reference.len(), ours.len());
    for ((ours, reference), case) in ours.iter().zip(&reference).zip(&cases) {
        assert_eq!(
            shown(ours),
            shown(reference),
            "{case}: this SDK's payload is not the reference's"
        );
    }
}

fn object(payload: &[u8]) -> Map<String, Value> {
    let json = payload
        .strip_suffix(b"\r\r")
        .unwrap_or_else(|| panic!("{} has no \\r\\r", shown(payload)));
    match serde_json::from_slice(json) {
        Ok(Value::Object(map)) => map,
        other => panic!("{} is not a JSON object: {other:?}", shown(payload)),
    }
}

/// The value of `"m"` as it stands in the payload: the quoted JSON string.
fn raw_m(payload: &[u8]) -> &[u8] {
    let text = std::str::from_utf8(payload).unwrap_or_else(|e| panic!("{e}"));
    let at = text
        .find("\"m\":")
        .unwrap_or_else(|| panic!("no m in {text:?}"));
    let rest = text[at + 4..].trim_start();
    let end = rest[1..].find('"').unwrap_or_else(|| panic!("{text:?}")) + 2;
    &rest.as_bytes()[..end]
}

#[test]
fn csrpsk_and_sms_payloads_match_the_reference_class() {
    let Some(python) = python39("csrpsk_and_sms_payloads_match_the_reference_class") else {
        return;
    };
    let messages: [(&str, &str, &[&str]); 4] = [
        ("12345678", "hello", &[]),
        ("12345678", "hello", &["t1", "t2"]),
        (
            "abcdEFGH",
            "quote \" backslash \\ newline \n tab \t",
            &["a-b_c"],
        ),
        ("12345678", "unicode: éè ☃ 😀", &["x"]),
    ];
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for modem in &MODEMS {
        for (key, data, topics) in messages {
            cases.push(json!({
                "kind": "csrpsk", "devicekey": key, "data": data,
                "topics": topics_json(topics), "modem_type": modem.modem_type,
                "modem_id": modem.modem_id, "version": REFERENCE_VERSION,
            }));
            let mut csrpsk = Csrpsk::from_config(&config(modem)).expect("valid settings");
            let creds = Credentials::with_devicekey(key).expect("valid");
            let msg = Message::with_topic_strs(data, topics).expect("valid");
            let mut out = Vec::new();
            csrpsk
                .encode_message(&creds, &msg, &mut out)
                .expect("encodes");
            ours.push(out);
        }
    }
    let sms = [
        ("12345678", "+11234567890", "hey there!"),
        (
            "abcdEFGH",
            "+447700900123",
            "é ☃ \"quoted\" \\ and\nnewline",
        ),
    ];
    for (key, destination, text) in sms {
        cases.push(json!({
            "kind": "sms", "devicekey": key, "destination": destination, "text": text,
        }));
        let creds = Credentials::with_devicekey(key).expect("valid");
        let mut out = Vec::new();
        Csrpsk::new()
            .encode_sms(
                &creds,
                &Sms::new(destination, text).expect("valid"),
                &mut out,
            )
            .expect("encodes");
        ours.push(out);
    }

    let reference = reference_payloads(&python, &cases);
    assert_eq!(reference.len(), ours.len());
    for ((ours, reference), case) in ours.iter().zip(&reference).zip(&cases) {
        if case["kind"] == "sms" {
            assert_eq!(shown(ours), shown(reference), "{case}");
            continue;
        }
        // The same object, metadata included; the metadata value written
        // exactly as the reference writes it; never longer.
        assert_eq!(object(ours), object(reference), "{case}");
        assert_eq!(
            shown(raw_m(ours)),
            shown(raw_m(reference)),
            "{case}: the m value"
        );
        assert!(ours.len() <= reference.len(), "{case}");
    }
}
