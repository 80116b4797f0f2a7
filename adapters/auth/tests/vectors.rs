//! Every case of the wire vectors (the conformance kit's copy of
//! `shared/conformance/wire-vectors.json`): CSRPSK payloads parse to the
//! expected fields and are never longer than the reference (with the
//! metadata record on, the same object as the reference, `m` included);
//! SMS, HOTP and TOTP payloads (seed-era and 0.10.3, with its metadata
//! record) equal the reference bytes.

use hologram_auth::{hotp, Csrpsk, CsrpskForm, FixedClock, Metadata, Totp};
use hologram_ports::{AdapterConfig, AuthError, Authenticator, Credentials, Message, Sms};
use serde_json::{Map, Value};

/// The reference vectors as the conformance kit ships them.
const VECTORS: &str = hologram_conformance::vectors::WIRE_VECTORS_JSON;

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("the wire vectors are valid JSON")
}

fn cases<'a>(v: &'a Value, group: &str) -> &'a [Value] {
    let cases = v[group].as_array().expect("a group is a list");
    assert!(!cases.is_empty(), "{group} has cases");
    cases
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string in {case}"))
}

fn topics(case: &Value) -> Vec<&str> {
    match &case["topics"] {
        Value::Null => Vec::new(),
        Value::Array(list) => list.iter().map(|t| t.as_str().expect("topic")).collect(),
        other => panic!("topics: {other}"),
    }
}

/// Splits a CSRPSK payload into its JSON object, checking the frame: it ends
/// with `\r\r`, and the JSON holds no CR at all (so the terminator occurs
/// exactly once).
fn parse_frame(payload: &[u8]) -> Map<String, Value> {
    let json = payload
        .strip_suffix(b"\r\r")
        .unwrap_or_else(|| panic!("{payload:?} ends with \\r\\r"));
    assert!(!json.contains(&b'\r'), "a raw CR inside {payload:?}");
    let map = match serde_json::from_slice(json).expect("the payload is JSON") {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    };
    // Compact: as long as serde_json's compact output of the same fields
    // (no spaces, the shortest escapes).
    let minimal = serde_json::to_vec(&map).expect("serializes");
    assert_eq!(json.len(), minimal.len(), "not compact: {payload:?}");
    map
}

/// The fields under the abbreviated names, a single topic as a one-element
/// list (the two forms the socket API accepts for one topic).
fn normalized(mut map: Map<String, Value>) -> Map<String, Value> {
    for (long, short) in [("devicekey", "k"), ("data", "d"), ("tags", "t")] {
        if let Some(v) = map.remove(long) {
            assert!(!map.contains_key(short), "{long} mixed with {short}");
            map.insert(short.to_owned(), v);
        }
    }
    if let Some(Value::String(t)) = map.get("t") {
        let list = Value::Array(vec![Value::String(t.clone())]);
        map.insert("t".to_owned(), list);
    }
    map
}

fn expected(case: &Value) -> Map<String, Value> {
    case["expected_fields"]
        .as_object()
        .expect("expected_fields is an object")
        .clone()
}

fn encode(mut auth: impl Authenticator, creds: &Credentials, msg: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    auth.encode_message(creds, msg, &mut out).expect("encodes");
    out
}

#[test]
fn the_python_reference_parses_to_the_expected_fields() {
    // Checks the comparison rule itself: the reference minus `m`.
    let v = vectors();
    for case in cases(&v, "csrpsk_devicekey") {
        let mut map = parse_frame_loose(text(case, "python_payload").as_bytes());
        map.remove("m");
        assert_eq!(map, expected(case));
    }
}

fn parse_frame_loose(payload: &[u8]) -> Map<String, Value> {
    let json = payload.strip_suffix(b"\r\r").expect("terminated");
    serde_json::from_slice(json).expect("JSON")
}

#[test]
fn csrpsk_devicekey_vectors() {
    let v = vectors();
    for case in cases(&v, "csrpsk_devicekey") {
        let creds = Credentials::with_devicekey(text(case, "devicekey")).expect("valid key");
        let msg = Message::with_topic_strs(text(case, "data"), &topics(case)).expect("valid");
        let python_len = text(case, "python_payload").len();

        // The default sends a single topic as a list: exactly the expected fields.
        let out = encode(Csrpsk::new(), &creds, &msg);
        assert_eq!(parse_frame(&out), expected(case), "{case}");
        assert!(out.len() <= python_len, "{} > {python_len}", out.len());

        // Both device-key forms and both topic shapes parse to the same
        // fields (the seed form sends `s` + `c` instead of `k`: see the
        // legacy vectors).
        for form in [CsrpskForm::Compact, CsrpskForm::Full] {
            for list in [false, true] {
                let auth = Csrpsk::new().with_form(form).with_topic_list(list);
                let out = encode(auth, &creds, &msg);
                assert_eq!(
                    normalized(parse_frame(&out)),
                    expected(case),
                    "{form} {case}"
                );
                assert!(
                    out.len() <= python_len,
                    "{form}: {} > {python_len}",
                    out.len()
                );
            }
        }

        // `topic_list = false` sends a single topic as a plain string: shorter still.
        let out = encode(Csrpsk::new().with_topic_list(false), &creds, &msg);
        let map = parse_frame(&out);
        if msg.topics().len() == 1 {
            assert_eq!(map["t"], Value::String(msg.topics()[0].to_string()));
        }
        assert_eq!(normalized(map), expected(case));
    }
}

#[test]
fn unicode_is_sent_as_raw_utf8_and_stays_shorter() {
    let v = vectors();
    let case = cases(&v, "csrpsk_devicekey")
        .iter()
        .find(|c| text(c, "data").contains('☃'))
        .expect("the unicode case");
    let creds = Credentials::with_devicekey(text(case, "devicekey")).expect("valid");
    let msg = Message::with_topic_strs(text(case, "data"), &topics(case)).expect("valid");
    let out = encode(Csrpsk::new(), &creds, &msg);
    let s = String::from_utf8(out).expect("UTF-8");
    assert!(s.contains("éè ☃ 😀"), "{s}");
    assert!(s.len() < text(case, "python_payload").len());
}

#[test]
fn csrpsk_legacy_vectors() {
    let v = vectors();
    for case in cases(&v, "csrpsk_legacy") {
        let creds = Credentials::new(text(case, "cloud_id"), text(case, "cloud_key")).expect("ok");
        let msg = Message::with_topic_strs(text(case, "data"), &topics(case)).expect("valid");
        let seed = Csrpsk::new().with_form(CsrpskForm::Seed);

        let out = encode(seed.clone().with_topic_list(true), &creds, &msg);
        assert_eq!(parse_frame(&out), expected(case), "{case}");
        for list in [false, true] {
            let out = encode(seed.clone().with_topic_list(list), &creds, &msg);
            assert_eq!(normalized(parse_frame(&out)), expected(case));
            if let Some(reference) = case["seed_era_payload"].as_str() {
                assert!(out.len() <= reference.len());
            }
        }
    }
}

#[test]
fn sms_vectors() {
    let v = vectors();
    for case in cases(&v, "sms") {
        let creds = match case["devicekey"].as_str() {
            Some(key) => Credentials::with_devicekey(key),
            None => Credentials::new(text(case, "cloud_id"), text(case, "cloud_key")),
        }
        .expect("valid credentials");
        let reference = case["python_payload"]
            .as_str()
            .or(case["seed_era_payload"].as_str())
            .expect("a reference payload");
        let sms = Sms::new(text(case, "destination"), text(case, "message")).expect("valid");
        for form in CsrpskForm::ALL {
            let mut out = Vec::new();
            Csrpsk::new()
                .with_form(form)
                .encode_sms(&creds, &sms, &mut out)
                .expect("encodes");
            assert_eq!(out, reference.as_bytes(), "{form}");
        }
    }
}

#[test]
fn hotp_rfc4226_vectors() {
    let v = vectors();
    for case in cases(&v, "hotp_rfc4226") {
        let key = text(case, "secret_ascii").as_bytes();
        let counter = case["counter"].as_u64().expect("counter");
        let otp = case["otp"].as_u64().expect("otp");
        assert_eq!(u64::from(hotp(key, counter)), otp, "counter {counter}");
    }
}

/// The two-message legacy case shows the framing only (the reference sends
/// one message per payload): each of its messages goes in a payload of its
/// own, the legacy payload with the other `B` field taken out.
#[test]
fn totp_legacy_vectors() {
    let v = vectors();
    let mut framing_only = 0;
    for case in cases(&v, "totp_legacy") {
        let now = case["timestamp"].as_u64().expect("timestamp");
        let window = case["time_window"].as_u64().expect("window");
        let creds = Credentials::totp(text(case, "device_id"), text(case, "private_key"))
            .expect("valid credentials");
        let topics = topics(case);
        let data: Vec<&str> = case["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| m.as_str().expect("text"))
            .collect();
        let reference = text(case, "payload");

        let counter = case["sequence_number"].as_u64().expect("counter");
        assert_eq!(now / window, counter);
        let otp = hotp(text(case, "private_key").as_bytes(), counter);
        assert_eq!(u64::from(otp), case["otp"].as_u64().expect("otp"));

        let mut totp = Totp::with_clock(Box::new(FixedClock::new(now)))
            .with_time_window(window)
            .expect("valid window");
        if data.len() > 1 {
            framing_only += 1;
        }
        for (i, one) in data.iter().enumerate() {
            let mut expected = reference.to_owned();
            for (j, other) in data.iter().enumerate() {
                if j != i {
                    expected = expected.replacen(&format!("B{other}\0"), "", 1);
                }
            }
            let msg = Message::with_topic_strs(*one, &topics).expect("valid");
            let mut out = Vec::new();
            totp.encode_message(&creds, &msg, &mut out)
                .expect("encodes");
            assert_eq!(
                out,
                expected.as_bytes(),
                "{}",
                String::from_utf8_lossy(&out)
            );
            assert_eq!(totp.last_counter(), Some(counter));
        }
    }
    assert_eq!(framing_only, 1, "the one framing-only case");
}

/// Exactly what hologram-python 0.10.3's own TOTP class builds, metadata
/// record included, given the reference's version.
#[test]
fn totp_0_10_3_vectors() {
    let v = vectors();
    let metadata = Metadata::new("agnostic", "0.9.1").expect("valid");
    for case in cases(&v, "totp_0_10_3") {
        let now = case["timestamp"].as_u64().expect("timestamp");
        let creds = Credentials::totp(text(case, "device_id"), text(case, "private_key"))
            .expect("valid credentials");
        let msg = Message::with_topic_strs(text(case, "message"), &topics(case)).expect("valid");
        let reference = text(case, "payload").as_bytes();

        // Through the registered factory and its settings, as a user sets it.
        let config = AdapterConfig::new()
            .with("metadata", "true")
            .with("metadata_version", "0.9.1");
        let totp = Totp::with_clock(Box::new(FixedClock::new(now)))
            .apply_config(&config)
            .expect("valid settings");
        assert_eq!(totp.metadata(), Some(&metadata));
        let out = encode(totp, &creds, &msg);
        assert_eq!(out, reference, "{}", String::from_utf8_lossy(&out));

        // Without the record: the reference minus its `M` field.
        let plain = encode(
            Totp::with_clock(Box::new(FixedClock::new(now))),
            &creds,
            &msg,
        );
        let record = b" M\x01agnostic-0.9.1\0";
        let at = reference
            .windows(record.len())
            .position(|w| w == record)
            .expect("the reference has the record after the header");
        let mut without = reference[..at + 1].to_vec();
        without.extend_from_slice(&reference[at + record.len()..]);
        assert_eq!(plain, without);
    }
}

/// The CSRPSK vectors' `python_payload` carry the metadata field the
/// reference writes when `CustomCloud` passes no version
/// (`"\u0001agnostic-None"`): with the same record, the payload parses to
/// the reference's object, `m` included, and holds its `m` value byte for
/// byte.
#[test]
fn csrpsk_metadata_matches_the_reference() {
    let v = vectors();
    let metadata = Metadata::new("agnostic", "None").expect("valid");
    for case in cases(&v, "csrpsk_devicekey") {
        let creds = Credentials::with_devicekey(text(case, "devicekey")).expect("valid key");
        let msg = Message::with_topic_strs(text(case, "data"), &topics(case)).expect("valid");
        let python = text(case, "python_payload");
        let out = encode(
            Csrpsk::new().with_metadata(Some(metadata.clone())),
            &creds,
            &msg,
        );
        assert_eq!(parse_frame(&out), parse_frame_loose(python.as_bytes()));
        let value = br#""\u0001agnostic-None""#;
        for payload in [&out[..], python.as_bytes()] {
            assert!(
                payload.windows(value.len()).any(|w| w == value),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        assert!(
            out.len() <= python.len(),
            "{} > {}",
            out.len(),
            python.len()
        );
        // Where the reference puts it: right after the key.
        assert!(out.starts_with(format!(r#"{{"k":"{}","m":"#, text(case, "devicekey")).as_bytes()));
    }
}

#[test]
fn sms_with_totp_is_unsupported() {
    let creds = Credentials::totp("42", "abc").expect("valid");
    let sms = Sms::new("+11234567890", "hi").expect("valid");
    let mut totp = Totp::with_clock(Box::new(FixedClock::new(59)));
    assert!(!totp.capabilities().sms);
    let mut out = Vec::new();
    let err = totp.encode_sms(&creds, &sms, &mut out).expect_err("no SMS");
    assert!(matches!(err, AuthError::Unsupported { .. }), "{err:?}");
    assert!(out.is_empty());
}
