use crate::common::{closed_port, expect, usage_error, Capture};

#[test]
fn sms_through_the_simulator() {
    let r = expect(
        &[
            "sms",
            "--simulate",
            "--destination",
            "+11234567890",
            "hey there!",
        ],
        0,
    );
    assert_eq!(
        r.stdout,
        "sms: DATA RECEIVED: [0,0] Message sent successfully\n\
         CLOUD RECEIVED: sms to=+11234567890 text=\"hey there!\" device=demo****\n"
    );
}

#[test]
fn sms_wire_form_to_a_relay_with_spec_spellings() {
    let cap = Capture::ok();
    expect(
        &[
            "sms",
            "--cloud_id",
            "abcd",
            "--cloud_key",
            "wxyz",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "--destination",
            "+11234567890",
            "hi",
        ],
        0,
    );
    assert_eq!(cap.received(), ["Sabcdwxyz+11234567890 hi\r\r"]);
    let cap = Capture::ok();
    let r = expect(
        &[
            "sms",
            "--devicekey",
            "12345678",
            "--json",
            "--host",
            "127.0.0.1",
            "--port",
            &cap.port(),
            "--destination",
            "+1",
            "x",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["status"], "acknowledged");
}

#[test]
fn sms_errors() {
    let long = "x".repeat(161);
    usage_error(
        &["sms", "--simulate", "--destination", "+11234567890", &long],
        "161 characters long; the limit is 160",
    );
    usage_error(
        &["sms", "--simulate", "--destination", "11234567890", "hi"],
        "must start with '+'",
    );
    usage_error(
        &["sms", "--simulate", "hi"],
        "required arguments were not provided",
    );
    let r = expect(
        &[
            "sms",
            "--devicekey",
            "12345678",
            "--host",
            "127.0.0.1",
            "-p",
            &closed_port(),
            "--destination",
            "+1",
            "hi",
        ],
        3,
    );
    assert!(r.stdout.starts_with("sms: NOT DELIVERED:"), "{r:?}");
}
