//! Every accept and reject rule of the simulator's protocol, without sockets.

use hologram_ports::ResultCode;
use hologram_sim::cloud::hotp::{hotp, totp};
use hologram_sim::cloud::protocol::{parse_request, request_end, AuthForm, DeviceKey, Request};
use hologram_sim::cloud::{Device, DeviceRegistry};
use proptest::prelude::*;
use serde_json::Value;

/// The reference vectors, as the conformance kit ships them (a copy of
/// `shared/conformance/wire-vectors.json` kept identical by its tests).
fn vectors() -> Value {
    serde_json::from_str(hologram_conformance::vectors::WIRE_VECTORS_JSON)
        .expect("the wire vectors are JSON")
}

/// Frames like the server: up to the end `request_end` finds, or everything.
fn frame(bytes: &[u8]) -> &[u8] {
    &bytes[..request_end(bytes).unwrap_or(bytes.len())]
}

fn code_of(bytes: &[u8]) -> ResultCode {
    match parse_request(frame(bytes)) {
        Ok(_) => ResultCode::Sent,
        Err(r) => r.code,
    }
}

fn message(bytes: &[u8]) -> hologram_sim::cloud::protocol::JsonMessage {
    match parse_request(frame(bytes)) {
        Ok(Request::Message(m)) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn python_payloads_parse_to_their_fields() {
    let v = vectors();
    for case in v["csrpsk_devicekey"].as_array().unwrap() {
        let payload = case["python_payload"].as_str().unwrap().as_bytes();
        assert!(payload.ends_with(b"\r\r"));
        assert_eq!(request_end(payload), Some(payload.len() - 2));
        let m = message(payload);
        let expected = &case["expected_fields"];
        assert_eq!(m.form, AuthForm::Abbreviated);
        assert_eq!(m.key.expose(), expected["k"].as_str().unwrap());
        assert_eq!(m.data, expected["d"].as_str().unwrap());
        let topics: Vec<&str> = m.topics.iter().map(|t| t.as_str()).collect();
        assert_eq!(topics, strings(&expected["t"]));
        assert_eq!(m.metadata.as_deref(), Some("\u{1}agnostic-None"));
    }
}

#[test]
fn seed_era_payloads_parse() {
    let v = vectors();
    for case in v["csrpsk_legacy"].as_array().unwrap() {
        let fields = &case["expected_fields"];
        let payload = match case["seed_era_payload"].as_str() {
            Some(p) => p.to_owned(),
            None => format!("{fields}\r\r"),
        };
        let m = message(payload.as_bytes());
        assert_eq!(m.form, AuthForm::SeedEra);
        let key = format!(
            "{}{}",
            case["cloud_id"].as_str().unwrap(),
            case["cloud_key"].as_str().unwrap()
        );
        assert_eq!(m.key.expose(), key);
        assert_eq!(m.data, fields["d"].as_str().unwrap());
        let topics: Vec<&str> = m.topics.iter().map(|t| t.as_str()).collect();
        assert_eq!(topics, strings(&fields["t"]));
        assert_eq!(m.metadata, None);
    }
}

#[test]
fn full_word_form_parses() {
    let m =
        message(br#"{"devicekey": "12345678", "data": "x", "tags": ["a", "b/c"], "m": "meta"}"#);
    assert_eq!(m.form, AuthForm::FullWord);
    assert_eq!(m.key.expose(), "12345678");
    assert_eq!(m.topics.len(), 2);
    assert_eq!(m.metadata.as_deref(), Some("meta"));
    // A single topic may be a bare string; no topic at all is fine.
    assert_eq!(
        message(br#"{"k":"12345678","d":"x","t":"one"}"#)
            .topics
            .len(),
        1
    );
    assert!(message(br#"{"k":"12345678","d":"x"}"#).topics.is_empty());
    assert!(message(br#"{"k":"12345678","d":"x","t":[]}"#)
        .topics
        .is_empty());
}

#[test]
fn sms_vectors_parse() {
    let v = vectors();
    for case in v["sms"].as_array().unwrap() {
        let payload = case["python_payload"]
            .as_str()
            .or(case["seed_era_payload"].as_str())
            .unwrap()
            .as_bytes();
        match parse_request(frame(payload)) {
            Ok(Request::Sms(s)) => {
                assert_eq!(
                    s.destination.as_str(),
                    case["destination"].as_str().unwrap()
                );
                assert_eq!(s.text.as_str(), case["message"].as_str().unwrap());
                let key = case["devicekey"].as_str().map_or_else(
                    || {
                        format!(
                            "{}{}",
                            case["cloud_id"].as_str().unwrap(),
                            case["cloud_key"].as_str().unwrap()
                        )
                    },
                    str::to_owned,
                );
                assert_eq!(s.key.expose(), key);
            }
            other => panic!("expected an SMS, got {other:?}"),
        }
    }
}

#[test]
fn hotp_matches_rfc4226() {
    let v = vectors();
    for case in v["hotp_rfc4226"].as_array().unwrap() {
        let key = case["secret_ascii"].as_str().unwrap().as_bytes();
        let counter = case["counter"].as_u64().unwrap();
        assert_eq!(
            u64::from(hotp(key, counter)),
            case["otp"].as_u64().unwrap(),
            "counter {counter}"
        );
    }
}

#[test]
fn totp_vectors_parse_and_verify_once() {
    let v = vectors();
    for case in v["totp_legacy"].as_array().unwrap() {
        let payload = case["payload"].as_str().unwrap().as_bytes();
        // The TOTP form has no \r\r: the frame ends at the final NUL.
        assert_eq!(request_end(payload), Some(payload.len()));
        let mut with_crcr = payload.to_vec();
        with_crcr.extend_from_slice(b"\r\r");
        assert_eq!(request_end(&with_crcr), Some(payload.len()));
        let Ok(Request::Totp(t)) = parse_request(payload) else {
            panic!("expected a TOTP request");
        };
        let device_id = case["device_id"].as_str().unwrap();
        let key = case["private_key"].as_str().unwrap();
        let time = case["timestamp"].as_u64().unwrap();
        let window = case["time_window"].as_u64().unwrap();
        assert_eq!(t.device_id, device_id);
        assert_eq!(t.time, time);
        assert_eq!(u64::from(t.otp), case["otp"].as_u64().unwrap());
        assert_eq!(
            u64::from(totp(key.as_bytes(), time, window)),
            case["otp"].as_u64().unwrap()
        );
        assert_eq!(t.messages, strings(&case["messages"]));
        let topics: Vec<&str> = t.topics.iter().map(|t| t.as_str()).collect();
        assert_eq!(topics, strings(&case["topics"]));

        let mut registry = DeviceRegistry::new();
        registry.register(Device::totp(device_id, key).unwrap());
        // As the real cloud: the window's password serves more messages.
        assert_eq!(registry.verify_totp(&t, time, window), Ok(()));
        assert_eq!(registry.verify_totp(&t, time, window), Ok(()));
        // Single-use passwords, for clients that wait for a fresh window.
        registry.set_single_use_passwords(true);
        assert_eq!(registry.verify_totp(&t, time, window), Ok(()));
        let reused = registry.verify_totp(&t, time, window).unwrap_err();
        assert_eq!(reused.code, ResultCode::BadAuth);
        assert!(reused.reason.contains("already used"));
    }
}

/// What hologram-python 0.10.3's own TOTP class builds, metadata record
/// included: framed, parsed (metadata kept) and verified once.
#[test]
fn totp_0_10_3_vectors_parse_with_their_metadata() {
    let v = vectors();
    let cases = v["totp_0_10_3"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let payload = case["payload"].as_str().unwrap().as_bytes();
        assert_eq!(request_end(payload), Some(payload.len()));
        let Ok(Request::Totp(t)) = parse_request(payload) else {
            panic!("expected a TOTP request: {case}");
        };
        assert_eq!(t.device_id, case["device_id"].as_str().unwrap());
        assert_eq!(t.messages, [case["message"].as_str().unwrap()]);
        let topics: Vec<&str> = t.topics.iter().map(|t| t.as_str()).collect();
        let expected: Vec<&str> = case["topics"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(topics, expected);
        assert_eq!(t.metadata.as_deref(), Some("\u{1}agnostic-0.9.1"));
        let time = case["timestamp"].as_u64().unwrap();
        let mut registry = DeviceRegistry::new();
        registry
            .register(Device::totp(&t.device_id, case["private_key"].as_str().unwrap()).unwrap());
        assert_eq!(registry.verify_totp(&t, time, 30), Ok(()));
    }
    // One metadata record, before the topics and messages.
    for bad in [
        &b"C42 59 151739 M1\0M2\0Bx\0\0"[..],
        b"C42 59 151739 Bx\0M1\0\0",
    ] {
        let err = parse_request(bad).unwrap_err();
        assert_eq!(err.code, ResultCode::BadMetadata);
    }
}

#[test]
fn totp_clock_window_and_registration() {
    let key = "secret";
    let payload = |time: u64, otp: u32| format!("C42 {time} {otp} Tt1\0Bhello\0\0");
    let parse = |p: String| match parse_request(p.as_bytes()) {
        Ok(Request::Totp(t)) => t,
        other => panic!("{other:?}"),
    };
    let now = 1_700_000_000;
    let mut registry = DeviceRegistry::new();
    // Unregistered: refused even with a right OTP.
    let t = parse(payload(now, totp(key.as_bytes(), now, 30)));
    assert_eq!(
        registry.verify_totp(&t, now, 30).unwrap_err().code,
        ResultCode::BadAuth
    );
    registry.register(Device::totp("42", key).unwrap());
    // Wrong OTP.
    let wrong = (totp(key.as_bytes(), now, 30) + 1) % 1_000_000;
    let t = parse(payload(now, wrong));
    assert_eq!(
        registry.verify_totp(&t, now, 30).unwrap_err().code,
        ResultCode::BadAuth
    );
    // One window behind and one ahead are accepted; two are not.
    for (time, ok) in [
        (now - 30, true),
        (now + 30, true),
        (now - 60, false),
        (now + 60, false),
    ] {
        let t = parse(payload(time, totp(key.as_bytes(), time, 30)));
        assert_eq!(registry.verify_totp(&t, now, 30).is_ok(), ok, "time {time}");
    }
    // The current window's password serves again (as the real cloud),
    // unless passwords are single-use.
    let t = parse(payload(now, totp(key.as_bytes(), now, 30)));
    assert!(registry.verify_totp(&t, now, 30).is_ok());
    assert!(registry.verify_totp(&t, now, 30).is_ok());
    registry.set_single_use_passwords(true);
    assert!(registry.verify_totp(&t, now, 30).is_ok());
    assert!(registry.verify_totp(&t, now, 30).is_err());
    // A different device id with the same key material is another device.
    let t = parse(format!(
        "C43 {now} {} Bx\0\0",
        totp(key.as_bytes(), now, 30)
    ));
    assert!(registry.verify_totp(&t, now, 30).is_err());
}

#[test]
fn totp_at_the_end_of_time_does_not_overflow() {
    // The largest time the wire form carries, on a clock that agrees.
    let (key, max) = ("secret", u64::MAX);
    let mut registry = DeviceRegistry::new();
    registry.register(Device::totp("42", key).unwrap());
    registry.set_single_use_passwords(true);
    for window in [1, 30] {
        let otp = totp(key.as_bytes(), max, window);
        let Ok(Request::Totp(t)) = parse_request(format!("C42 {max} {otp} Bx\0\0").as_bytes())
        else {
            panic!("expected a TOTP request");
        };
        assert_eq!(registry.verify_totp(&t, max, window), Ok(()));
        assert!(registry.verify_totp(&t, max, window).is_err(), "used once");
    }
}

#[test]
fn unparseable_requests_get_2() {
    let cases: &[&[u8]] = &[
        b"",
        b"hello",
        b"[1,2]",
        b"\"k\"",
        b"{\"k\": \"12345678\", \"d\": \"x\"",
        b"{\"k\": \"12345678\", \"d\": \"x\"} trailing",
        b"{\"k\": \"12345678\", \"d\": \"x\", \"extra\": 1}",
        b"{\"k\": \"12345678\", \"data\": \"x\"}",
        b"{\"devicekey\": \"12345678\", \"d\": \"x\"}",
        b"{\"devicekey\": \"12345678\", \"data\": \"x\", \"t\": \"a\"}",
        b"{\"k\": \"12345678\", \"s\": \"1234\", \"c\": \"5678\", \"d\": \"x\"}",
        b"{\"k\": \"12345678\", \"c\": \"5678\", \"d\": \"x\"}",
        b"{\"k\": \"\xff\xfe\", \"d\": \"x\"}",
        b" {\"k\": \"12345678\", \"d\": \"x\"}",
    ];
    for case in cases {
        assert_eq!(
            code_of(case),
            ResultCode::Unparseable,
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn bad_auth_gets_3() {
    let cases: &[&[u8]] = &[
        b"{\"d\": \"x\"}",
        b"{\"k\": \"1234567\", \"d\": \"x\"}",
        b"{\"k\": \"123456789\", \"d\": \"x\"}",
        b"{\"k\": \"1234 678\", \"d\": \"x\"}",
        b"{\"k\": 12345678, \"d\": \"x\"}",
        b"{\"k\": null, \"d\": \"x\"}",
        b"{\"s\": \"1234\", \"d\": \"x\"}",
        b"{\"c\": \"1234\", \"d\": \"x\"}",
        b"{\"s\": \"123\", \"c\": \"45678\", \"d\": \"x\"}",
        b"{\"s\": \"\", \"c\": \"\", \"d\": \"x\"}",
        b"{\"data\": \"x\", \"tags\": \"a\"}",
        b"{\"devicekey\": \"short\", \"data\": \"x\"}",
        b"{\"k\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\", \"d\": \"x\"}",
    ];
    for case in cases {
        assert_eq!(
            code_of(case),
            ResultCode::BadAuth,
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn bad_payload_gets_4_bad_metadata_7_bad_topic_8() {
    let cases: &[(&[u8], ResultCode)] = &[
        (b"{\"k\": \"12345678\"}", ResultCode::BadPayloadType),
        (
            b"{\"k\": \"12345678\", \"d\": 5}",
            ResultCode::BadPayloadType,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": null}",
            ResultCode::BadPayloadType,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": [\"a\"]}",
            ResultCode::BadPayloadType,
        ),
        (
            b"{\"devicekey\": \"12345678\", \"data\": {}}",
            ResultCode::BadPayloadType,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"m\": 1}",
            ResultCode::BadMetadata,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"m\": null}",
            ResultCode::BadMetadata,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": 1}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": null}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": [\"ok\", 2]}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": \"has space\"}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": [\"\"]}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"k\": \"12345678\", \"d\": \"x\", \"t\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
            ResultCode::BadTopic,
        ),
        (
            b"{\"devicekey\": \"12345678\", \"data\": \"x\", \"tags\": \"a.b\"}",
            ResultCode::BadTopic,
        ),
    ];
    for (case, code) in cases {
        assert_eq!(code_of(case), *code, "{:?}", String::from_utf8_lossy(case));
    }
    // 31 characters is the longest topic.
    let ok = format!(
        "{{\"k\": \"12345678\", \"d\": \"x\", \"t\": \"{}\"}}",
        "a".repeat(31)
    );
    assert_eq!(code_of(ok.as_bytes()), ResultCode::Sent);
}

#[test]
fn sms_rules() {
    let long = format!("S12345678+1 {}", "x".repeat(161));
    let longest = format!("S12345678+1 {}", "x".repeat(160));
    let cases: &[(&[u8], ResultCode)] = &[
        (b"S12345678+11234567890 hey there!", ResultCode::Sent),
        (b"S12345678+11234567890 a b  c ", ResultCode::Sent),
        (longest.as_bytes(), ResultCode::Sent),
        (b"S12345678+11234567890", ResultCode::Unparseable),
        (b"S1234567811234567890 hi", ResultCode::Unparseable),
        (b"S12345678+1abc hi", ResultCode::Unparseable),
        (b"S12345678+ hi", ResultCode::Unparseable),
        (b"S12345678+1234567890123456 hi", ResultCode::Unparseable),
        (b"S12345678+1 ", ResultCode::Unparseable),
        (long.as_bytes(), ResultCode::Unparseable),
        (b"S1234", ResultCode::Unparseable),
        (b"S12\"45678+1 hi", ResultCode::BadAuth),
        (b"S1234 678+1 hi", ResultCode::BadAuth),
        (b"S12345678+1 \xff", ResultCode::Unparseable),
    ];
    for (case, code) in cases {
        assert_eq!(code_of(case), *code, "{:?}", String::from_utf8_lossy(case));
    }
}

#[test]
fn totp_format_rules() {
    let cases: &[(&[u8], ResultCode)] = &[
        (b"C42 59 151739 Tonly-topic\0Bx\0\0", ResultCode::Sent),
        (b"C42 59 151739 Bx\0By\0\0\r\r", ResultCode::Sent),
        (b"C42 59 151739 Bx\0\0", ResultCode::Sent),
        (b"C42 59 Bx\0\0", ResultCode::Unparseable),
        (b"C42 5x9 151739 Bx\0\0", ResultCode::Unparseable),
        (b"C42 59 15a739 Bx\0\0", ResultCode::Unparseable),
        (b"C42 59 151739 Bx\0", ResultCode::Unparseable),
        (b"C42 59 151739 Bx", ResultCode::Unparseable),
        (b"C42 59 151739 Xx\0\0", ResultCode::Unparseable),
        (b"C 59 151739 Bx\0\0", ResultCode::BadAuth),
        (b"C42 59 151739 \0", ResultCode::BadPayloadType),
        (b"C42 59 151739 Tt\0\0", ResultCode::BadPayloadType),
        (b"C42 59 151739 B\xff\0\0", ResultCode::BadPayloadType),
        (b"C42 59 151739 Tbad topic\0Bx\0\0", ResultCode::BadTopic),
        (b"C42 59 151739 T\0Bx\0\0", ResultCode::BadTopic),
    ];
    for (case, code) in cases {
        assert_eq!(code_of(case), *code, "{:?}", String::from_utf8_lossy(case));
    }
    // Framing stops at the final NUL; unframed, bytes after it are refused.
    assert_eq!(code_of(b"C42 59 151739 Bx\0\0junk"), ResultCode::Sent);
    let err = parse_request(b"C42 59 151739 Bx\0\0junk").unwrap_err();
    assert_eq!(err.code, ResultCode::Unparseable);
}

#[test]
fn framing_rules() {
    assert_eq!(request_end(b"{}\r"), None);
    assert_eq!(request_end(b"{}\r\r"), Some(2));
    assert_eq!(request_end(b"{}\r\r{}\r\r"), Some(2));
    assert_eq!(request_end(b"S12345678+1 hi\r\r"), Some(14));
    // A TOTP message may hold \r\r inside a field: only the structure ends it.
    assert_eq!(request_end(b"C42 59 151739 Ba\r\rb"), None);
    assert_eq!(request_end(b"C42 59 151739 Ba\r\rb\0\0"), Some(21));
    // A C request that is not TOTP-shaped falls back to \r\r.
    assert_eq!(request_end(b"Cjunk\r\r"), Some(5));
    assert_eq!(request_end(b"C42 59 151739 \r\r"), Some(14));
    assert_eq!(request_end(b"C42 59"), None);
}

#[test]
fn secrets_stay_out_of_debug_and_reasons() {
    let key = DeviceKey::new("abcdSECR").unwrap();
    assert_eq!(key.redacted(), "abcd****");
    assert!(!format!("{key:?}").contains("SECR"));
    let Ok(Request::Message(m)) = parse_request(br#"{"k": "abcdSECR", "d": "x"}"#) else {
        panic!()
    };
    assert!(!format!("{m:?}").contains("SECR"));
    let Ok(Request::Totp(t)) = parse_request(b"C42 59 151739 Bx\0\0") else {
        panic!()
    };
    assert!(!format!("{t:?}").contains("151739"));
    let device = Device::totp("42", "PRIVATE").unwrap();
    assert!(!format!("{device:?}").contains("PRIVATE"));
    let device = Device::devicekey("abcdSECR").unwrap();
    assert!(!format!("{device:?}").contains("SECR"));
    // Rejections name the field, not the value.
    let err = parse_request(br#"{"k": "SECRET7", "d": "x"}"#).unwrap_err();
    assert!(!err.reason.contains("SECRET7"), "{}", err.reason);
    let mut registry = DeviceRegistry::new();
    registry.register(Device::devicekey("12345678").unwrap());
    let err = registry
        .authorize_key(&DeviceKey::new("abcdSECR").unwrap())
        .unwrap_err();
    assert_eq!(err.code, ResultCode::BadAuth);
    assert!(!err.reason.contains("SECR"));
}

#[test]
fn registry_accepts_any_key_until_a_device_is_registered() {
    let a = DeviceKey::new("12345678").unwrap();
    let b = DeviceKey::new("abcdwxyz").unwrap();
    let mut registry = DeviceRegistry::new();
    assert!(registry.authorize_key(&a).is_ok());
    registry.register(Device::cloud_pair("abcd", "wxyz").unwrap());
    assert!(registry.authorize_key(&b).is_ok());
    assert_eq!(
        registry.authorize_key(&a).unwrap_err().code,
        ResultCode::BadAuth
    );
    // A TOTP-only registry also locks the key forms.
    let mut totp_only = DeviceRegistry::new();
    totp_only.register(Device::totp("42", "abc").unwrap());
    assert!(totp_only.authorize_key(&a).is_err());
}

#[test]
fn device_flags_parse() {
    assert_eq!("12345678".parse::<Device>(), Device::devicekey("12345678"));
    assert_eq!("abcd:wxyz".parse::<Device>(), Device::devicekey("abcdwxyz"));
    assert_eq!("totp:42:abc".parse::<Device>(), Device::totp("42", "abc"));
    assert!("1234567".parse::<Device>().is_err());
    assert!("abcd:wx".parse::<Device>().is_err());
    assert_eq!("abcd:xyz".parse::<Device>(), Device::devicekey("abcd:xyz"));
    assert!("totp:42".parse::<Device>().is_err());
    assert!("totp::abc".parse::<Device>().is_err());
}

#[test]
fn devices_files() {
    let reg = DeviceRegistry::from_hjson(
        r#"{
            # comments and unquoted keys are HJSON
            devices: [
                { devicekey: "12345678" }
                { cloud_id: "abcd", cloud_key: "wxyz" }
                { device_id: "42", private_key: "abc" }
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(reg.len(), 3);
    assert!(reg
        .authorize_key(&DeviceKey::new("abcdwxyz").unwrap())
        .is_ok());
    assert!(DeviceRegistry::from_hjson("{ devices: [] }")
        .unwrap()
        .is_empty());

    let bad = [
        ("[]", "top level"),
        ("{ }", "\"devices\""),
        ("{ devices: 3 }", "\"devices\""),
        ("{ devices: [], other: 1 }", "unknown top-level key"),
        ("{ devices: [ 5 ] }", "entry 1: not an object"),
        (
            "{ devices: [ { devicekey: \"12345678\", color: \"red\" } ] }",
            "unknown field",
        ),
        (
            "{ devices: [ { devicekey: \"12345678\" }, { devicekey: \"SECRETKEY9\" } ] }",
            "entry 2: devicekey must be 8",
        ),
        (
            "{ devices: [ { devicekey: 12345678\n } ] }",
            "devicekey must be a quoted string",
        ),
        (
            "{ devices: [ { cloud_id: \"abcd\" } ] }",
            "cloud_key is required",
        ),
        (
            "{ devices: [ { device_id: \"42\" } ] }",
            "private_key is required",
        ),
        (
            "{ devices: [ { devicekey: \"12345678\", device_id: \"42\" } ] }",
            "exactly one of",
        ),
        ("{ devices: [ { devicekey: \"SECRETKEY9\" ", "syntax"),
    ];
    for (text, expected) in bad {
        let err = DeviceRegistry::from_hjson(text).unwrap_err().to_string();
        assert!(err.contains(expected), "{text}: {err}");
        assert!(!err.contains("SECRETKEY9"), "{err}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("devices.hjson");
    std::fs::write(&path, "{ devices: [ { devicekey: \"12345678\" } ] }").unwrap();
    assert_eq!(DeviceRegistry::load(&path).unwrap().len(), 1);
    let missing = dir.path().join("nope.hjson");
    let err = DeviceRegistry::load(&missing).unwrap_err().to_string();
    assert!(
        err.contains("nope.hjson") && err.contains("cannot be read"),
        "{err}"
    );
    std::fs::write(&path, "{ devices: [ { devicekey: \"123\" } ] }").unwrap();
    let err = DeviceRegistry::load(&path).unwrap_err().to_string();
    assert!(err.contains("devices.hjson: entry 1"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let end = request_end(&bytes);
        prop_assert!(!matches!(end, Some(e) if e > bytes.len()));
        let _ = parse_request(&bytes);
        let _ = parse_request(frame(&bytes));
    }

    #[test]
    fn prefixed_garbage_never_panics(
        prefix in prop_oneof![Just(b"{".to_vec()), Just(b"S".to_vec()), Just(b"C".to_vec()), Just(b"C1 2 3 ".to_vec())],
        rest in proptest::collection::vec(any::<u8>(), 0..128),
    ) {
        let mut bytes = prefix;
        bytes.extend(rest);
        let _ = parse_request(frame(&bytes));
    }

    #[test]
    fn well_formed_messages_round_trip(
        key in "[!#-\\[\\]-~]{8}",
        data in "\\PC*",
        topics in proptest::collection::vec("[A-Za-z0-9_/-]{1,31}", 0..4),
    ) {
        let payload = serde_json::json!({"k": key, "d": data, "t": topics}).to_string() + "\r\r";
        let m = message(payload.as_bytes());
        prop_assert_eq!(m.key.expose(), key.as_str());
        prop_assert_eq!(m.data, data);
        let got: Vec<String> = m.topics.iter().map(|t| t.as_str().to_owned()).collect();
        prop_assert_eq!(got, topics);
    }
}
