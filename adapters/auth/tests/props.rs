//! Properties: any valid data and topics round-trip through both wire forms.

use hologram_auth::{Csrpsk, CsrpskForm, FixedClock, Totp};
use hologram_ports::{AuthError, Authenticator, Credentials, Message, Sms, Topic};
use proptest::prelude::*;
use serde_json::Value;

/// Any Unicode, with the characters that need escaping made frequent.
fn data() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        1 => (0u8..0x20).prop_map(char::from),
        1 => prop::sample::select(vec!['"', '\\', '\r', '\n', '\t', '\0', '\u{7f}', '\u{2028}', '/', 'é', '😀']),
    ];
    prop::collection::vec(ch, 0..48).prop_map(String::from_iter)
}

/// Any SMS text the port accepts: 1 to 160 characters of any Unicode but CR
/// and NUL, with newlines, quotes and spaces made frequent.
fn sms_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>().prop_filter("CR and NUL are refused", |c| !matches!(c, '\r' | '\0')),
        1 => prop::sample::select(vec!['\n', '\t', ' ', '"', '\\', 'é', '😀', '\u{2028}']),
    ];
    prop::collection::vec(ch, 1..=160).prop_map(String::from_iter)
}

fn topics() -> impl Strategy<Value = Vec<Topic>> {
    prop::collection::vec("[A-Za-z0-9_/-]{1,31}", 0..4).prop_map(|ts| {
        ts.iter()
            .map(|t| Topic::new(t).expect("matches the topic rule"))
            .collect()
    })
}

fn form() -> impl Strategy<Value = CsrpskForm> {
    prop::sample::select(CsrpskForm::ALL.to_vec())
}

/// Printable ASCII without space, quote or backslash, as `Credentials` allows.
const KEY: &str = "[!#-\\[\\]-~]{8}";

/// A metadata modem or version: printable ASCII without space, quote or
/// backslash.
const METADATA_PART: &str = "[!#-\\[\\]-~]{1,12}";

fn creds(key: &str) -> Credentials {
    Credentials::new(&key[..4], &key[4..]).expect("valid pair")
}

/// Checks the frame and returns the JSON object's fields.
fn fields(payload: &[u8]) -> Result<serde_json::Map<String, Value>, TestCaseError> {
    let json = payload
        .strip_suffix(b"\r\r")
        .ok_or_else(|| TestCaseError::fail("no \\r\\r at the end"))?;
    prop_assert!(!json.contains(&b'\r'), "a raw CR inside the JSON");
    prop_assert!(json.iter().all(|&b| b >= 0x20), "a raw control byte");
    let map = match serde_json::from_slice(json) {
        Ok(Value::Object(map)) => map,
        other => return Err(TestCaseError::fail(format!("not a JSON object: {other:?}"))),
    };
    // Compact: as long as serde_json's compact output of the same fields.
    let minimal = serde_json::to_vec(&map).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(json.len(), minimal.len(), "not compact");
    Ok(map)
}

fn expected_topics(topics: &[Topic], list: bool) -> Option<Value> {
    let s = |t: &Topic| Value::String(t.to_string());
    match topics {
        [] => None,
        [one] if !list => Some(s(one)),
        many => Some(Value::Array(many.iter().map(s).collect())),
    }
}

proptest! {
    #[test]
    fn csrpsk_round_trips(
        key in KEY, data in data(), topics in topics(), form in form(), list in any::<bool>(),
        metadata in prop::option::of((METADATA_PART, METADATA_PART)),
    ) {
        let creds = creds(&key);
        let msg = Message::new(data.clone()).with_topics(topics.clone());
        let metadata = metadata.map(|(modem, version)| {
            hologram_auth::Metadata::new(&modem, &version).expect("valid")
        });
        let mut auth = Csrpsk::new()
            .with_form(form)
            .with_topic_list(list)
            .with_metadata(metadata.clone());
        let mut out = Vec::new();
        auth.encode_message(&creds, &msg, &mut out).expect("encodes");
        let map = fields(&out)?;

        let (auth_fields, d, t): (Vec<(&str, &str)>, _, _) = match form {
            CsrpskForm::Compact => (vec![("k", key.as_str())], "d", "t"),
            CsrpskForm::Seed => (vec![("s", &key[..4]), ("c", &key[4..])], "d", "t"),
            _ => (vec![("devicekey", key.as_str())], "data", "tags"),
        };
        let mut want = serde_json::Map::new();
        for (k, v) in auth_fields {
            want.insert(k.to_owned(), Value::String(v.to_owned()));
        }
        if let Some(m) = &metadata {
            want.insert("m".to_owned(), Value::String(m.record()));
        }
        want.insert(d.to_owned(), Value::String(data));
        if let Some(ts) = expected_topics(&topics, list) {
            want.insert(t.to_owned(), ts);
        }
        prop_assert_eq!(map, want);
    }

    #[test]
    fn csrpsk_topics_never_leak_into_the_next_message(
        key in KEY,
        batch in prop::collection::vec((data(), topics()), 1..6),
        form in form(),
    ) {
        let creds = creds(&key);
        let mut auth = Csrpsk::new().with_form(form);
        let t = if form == CsrpskForm::Full { "tags" } else { "t" };
        let mut out = Vec::new();
        for (data, topics) in batch {
            out.clear();
            let msg = Message::new(data).with_topics(topics.clone());
            auth.encode_message(&creds, &msg, &mut out).expect("encodes");
            let map = fields(&out)?;
            prop_assert_eq!(map.get(t).cloned(), expected_topics(&topics, true));
        }
    }

    #[test]
    fn csrpsk_sms_round_trips_with_one_terminator(
        key in KEY, digits in "[0-9]{1,15}", text in sms_text(), form in form()
    ) {
        let creds = creds(&key);
        let destination = format!("+{digits}");
        let sms = Sms::new(&destination, &text).expect("a valid SMS");
        let mut out = Vec::new();
        Csrpsk::new().with_form(form).encode_sms(&creds, &sms, &mut out).expect("encodes");
        let body = out
            .strip_suffix(b"\r\r")
            .ok_or_else(|| TestCaseError::fail("no \\r\\r at the end"))?;
        prop_assert!(!body.contains(&b'\r'), "a CR before the terminator");
        let want = format!("S{key}{destination} {text}");
        prop_assert_eq!(body, want.as_bytes());
    }

    #[test]
    fn totp_round_trips(
        data in data().prop_map(|d| d.replace('\0', "")),
        topics in topics(),
        now in 0u64..4_000_000_000,
        window in 1u64..600,
        metadata in prop::option::of((METADATA_PART, METADATA_PART)),
    ) {
        let creds = Credentials::totp("89014103211118510720", "310150123456789").expect("valid");
        let message = Message::new(data.clone()).with_topics(topics.clone());
        let metadata = metadata.map(|(modem, version)| {
            hologram_auth::Metadata::new(&modem, &version).expect("valid")
        });
        let mut totp = Totp::with_clock(Box::new(FixedClock::new(now)))
            .with_time_window(window)
            .expect("valid")
            .with_metadata(metadata.clone());
        let mut out = Vec::new();
        totp.encode_message(&creds, &message, &mut out).expect("encodes");

        let otp = hologram_auth::hotp(b"310150123456789", now / window);
        let head = format!("C89014103211118510720 {now} {otp} ");
        prop_assert!(out.starts_with(head.as_bytes()));
        let body = &out[head.len()..];
        prop_assert_eq!(body.last(), Some(&0u8));
        let fields: Vec<&[u8]> = body[..body.len() - 1].split(|&b| b == 0).collect();
        // Every field ends with NUL, so the split leaves one empty tail.
        prop_assert_eq!(fields.last(), Some(&&b""[..]));
        let mut want: Vec<Vec<u8>> = Vec::new();
        if let Some(m) = &metadata {
            want.push(format!("M{}", m.record()).into_bytes());
        }
        want.extend(topics.iter().map(|t| format!("T{t}").into_bytes()));
        want.push(format!("B{data}").into_bytes());
        prop_assert_eq!(&fields[..fields.len() - 1], &want[..]);
        prop_assert_eq!(totp.last_counter(), Some(now / window));
    }

    #[test]
    fn totp_rejects_nul_without_taking_the_window(
        pre in data(), post in data(), topics in topics(), now in 0u64..4_000_000_000
    ) {
        let creds = Credentials::totp("42", "abc").expect("valid");
        let mut totp = Totp::with_clock(Box::new(FixedClock::new(now)));
        let mut out = Vec::new();
        let bad = Message::new(format!("{pre}\0{post}")).with_topics(topics.clone());
        let err = totp.encode_message(&creds, &bad, &mut out).expect_err("NUL");
        let is_data_unframeable =
            matches!(err, AuthError::Unframeable { field: "data", .. });
        prop_assert!(is_data_unframeable, "{:?}", err);
        prop_assert!(out.is_empty());
        prop_assert_eq!(totp.last_counter(), None);
        let good = Message::new(pre.replace('\0', "")).with_topics(topics);
        prop_assert!(totp.encode_message(&creds, &good, &mut out).is_ok());
    }
}
