use std::time::Duration;

use crate::common::{closed_port, expect, hologram, run, usage_error, Capture};

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn quick_start_with_the_simulator() {
    let r = expect(&["send", "--simulate", "hello", "-t", "demo"], 0);
    assert_eq!(
        r.stdout,
        "message 1: DATA RECEIVED: [0,0] Message sent successfully\n\
         CLOUD RECEIVED: topics=[demo] data=\"hello\" device=demo**** auth=k\n"
    );
    assert!(r.stderr.contains("demo device key"), "{r:?}");
}

#[test]
fn each_message_in_order_with_repeated_multi_valued_topics_as_json() {
    let r = expect(
        &[
            "send",
            "--simulate",
            "--json",
            "one",
            "two",
            "-t",
            "a",
            "b",
            "--topic",
            "c",
        ],
        0,
    );
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 4, "{r:?}");
    for (i, line) in lines[..2].iter().enumerate() {
        assert_eq!(line["index"], i + 1);
        assert_eq!(line["status"], "acknowledged");
        assert_eq!(line["code"], 0);
        assert_eq!(line["description"], "Message sent successfully");
        assert!(line["reply"].is_null());
        assert!(line["sequence"].is_u64());
    }
    assert_eq!(lines[2]["type"], "message");
    assert_eq!(lines[2]["data"], "one");
    assert_eq!(lines[3]["data"], "two");
    assert_eq!(lines[3]["topics"], serde_json::json!(["a", "b", "c"]));
}

#[test]
fn dash_reads_messages_from_stdin_one_per_line() {
    let r = run(hologram()
        .args(["send", "--simulate", "first", "-", "last", "-t", "sensor"])
        .write_stdin("21.5C\n\n22.0C\r\n"));
    assert_eq!(r.code, 0, "{r:?}");
    let received: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("CLOUD RECEIVED"))
        .collect();
    assert_eq!(received.len(), 4, "{r:?}");
    for (line, data) in received.iter().zip(["first", "21.5C", "22.0C", "last"]) {
        assert!(line.contains(&format!("data={data:?}")), "{line}");
    }
    assert!(r.stdout.contains("message 4: DATA RECEIVED"), "{r:?}");
}

#[test]
fn host_and_port_send_the_envelope_to_a_relay() {
    let cap = Capture::ok();
    let r = expect(
        &[
            "send",
            "--devicekey",
            "12345678",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "hello",
            "-t",
            "t1",
        ],
        0,
    );
    assert_eq!(
        r.stdout,
        "message 1: DATA RECEIVED: [0,0] Message sent successfully\n"
    );
    let got = cap.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("\"k\":\"12345678\""), "{got:?}");
    assert!(got[0].contains("\"d\":\"hello\""), "{got:?}");
    assert!(got[0].contains("t1"), "{got:?}");
    assert!(got[0].ends_with("\r\r"), "{got:?}");
}

#[test]
fn spec_and_kebab_spellings_of_the_cloud_pair() {
    for (id, key) in [("--cloud_id", "--cloud_key"), ("--cloud-id", "--cloud-key")] {
        let cap = Capture::ok();
        expect(
            &[
                "send",
                id,
                "abcd",
                key,
                "wxyz",
                "--host",
                "127.0.0.1",
                "--port",
                &cap.port(),
                "x",
            ],
            0,
        );
        assert!(
            cap.received()[0].contains("abcdwxyz"),
            "{:?}",
            cap.received()
        );
    }
}

#[test]
fn a_refusal_exits_1_and_prints_the_code() {
    let cap = Capture::start(Some(b"[3,0]"), Duration::ZERO);
    let args = [
        "send",
        "--devicekey",
        "12345678",
        "--host",
        "127.0.0.1",
        "-p",
        &cap.port(),
        "hi",
    ];
    let r = expect(&args, 1);
    assert_eq!(
        r.stdout,
        "message 1: REFUSED: [3,0] Auth section of the message was invalid\n"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let cap2 = Capture::start(Some(b"[8,0]"), Duration::ZERO);
    json_args[6] = &cap2.port().leak()[..];
    let r = expect(&json_args, 1);
    let line = &json_lines(&r.stdout)[0];
    assert_eq!(line["status"], "refused");
    assert_eq!(line["code"], 8);
}

#[test]
fn the_in_process_cloud_sim_refuses_an_unregistered_device() {
    use hologram_sim::cloud::{CloudSim, Device};
    let sim = CloudSim::builder()
        .device(Device::devicekey("abcdefgh").unwrap())
        .start()
        .unwrap();
    let port = sim.port().to_string();
    let base = ["send", "--host", "127.0.0.1", "-p", &port, "--devicekey"];
    let ok = [&base[..], &["abcdefgh", "good", "-t", "x"]].concat();
    let r = expect(&ok, 0);
    assert!(r.stdout.contains("DATA RECEIVED: [0,0]"), "{r:?}");
    let bad = [&base[..], &["12345678", "bad"]].concat();
    let r = expect(&bad, 1);
    assert!(r.stdout.contains("REFUSED: [3,0]"), "{r:?}");
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0].data.as_str(), &messages[0].topics[..]),
        ("good", &["x".to_owned()][..])
    );
}

#[test]
fn raw_sends_the_bytes_as_they_are_and_prints_the_reply() {
    let cap = Capture::start(Some(b"PONG\n"), Duration::ZERO);
    let r = expect(
        &[
            "send",
            "--raw",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "PING",
        ],
        0,
    );
    assert_eq!(r.stdout, "message 1: DATA RECEIVED: \"PONG\\n\"\n");
    assert_eq!(cap.received(), ["PING"]);
    let r = expect(
        &[
            "send",
            "--raw",
            "--json",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "PING2",
        ],
        0,
    );
    let line = &json_lines(&r.stdout)[0];
    assert_eq!(line["status"], "replied");
    assert_eq!(line["reply"], "PONG\n");
}

#[test]
fn raw_needs_an_endpoint_and_takes_no_topics() {
    usage_error(&["send", "--raw", "x"], "--host and --port");
    usage_error(&["send", "--raw", "--host", "127.0.0.1", "x"], "--port");
    usage_error(
        &["send", "--raw", "--host", "h", "-p", "1", "x", "-t", "t"],
        "cannot be used with",
    );
}

#[test]
fn network_errors_exit_3_and_say_not_delivered() {
    let port = closed_port();
    let r = run(hologram().env("HOLOGRAM_DEVICEKEY", "12345678").args([
        "send",
        "--host",
        "127.0.0.1",
        "-p",
        &port,
        "a",
    ]));
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout
            .starts_with("message 1: NOT DELIVERED: connection to 127.0.0.1:"),
        "{r:?}"
    );
    // Nothing on stderr claims the message was kept.
    assert_eq!(r.stderr, "");
    let r = expect(
        &[
            "send",
            "--raw",
            "--json",
            "--host",
            "127.0.0.1",
            "-p",
            &port,
            "a",
        ],
        3,
    );
    let line = &json_lines(&r.stdout)[0];
    assert_eq!(line["status"], "failed");
    assert!(
        line["description"].as_str().unwrap().contains("refused"),
        "{r:?}"
    );
}

#[test]
fn timeout_bounds_a_silent_server() {
    // The server holds each connection far longer than the timeout and
    // then closes without answering (which, had the timeout been ignored,
    // would count as delivered): only the timeout gives "timed out".
    let cap = Capture::start(None, Duration::from_millis(1500));
    let r = expect(
        &[
            "send",
            "--devicekey",
            "12345678",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "--timeout",
            "0.2",
            "a",
        ],
        3,
    );
    assert!(r.stdout.contains("timed out"), "{r:?}");
    // The real limit, not "0 is not between 0 and 86400".
    let r = usage_error(&["send", "--timeout", "0", "x"], "more than 0 seconds");
    assert!(!r.stderr.contains("between 0"), "{r:?}");
    usage_error(
        &["send", "--timeout", "90000", "x"],
        "at most 86400 seconds",
    );
}

#[test]
fn totp_with_spec_spellings() {
    let cap = Capture::ok();
    expect(
        &[
            "send",
            "--device_id",
            "42",
            "--private_key",
            "abcdef",
            "--authtype",
            "totp",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "hi",
            "-t",
            "x",
        ],
        0,
    );
    let got = cap.received();
    assert!(got[0].starts_with("C42 "), "{got:?}");
    assert!(
        got[0].contains("Tx\0") && got[0].contains("Bhi\0"),
        "{got:?}"
    );
    // Only TOTP credentials: totp is chosen without --authtype.
    let cap = Capture::ok();
    expect(
        &[
            "send",
            "--device-id",
            "42",
            "--private-key",
            "abcdef",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "hi",
        ],
        0,
    );
    assert!(cap.received()[0].starts_with("C42 "));
    // The simulator verifies the one-time password of a demo TOTP device.
    let r = expect(&["send", "--simulate", "--authtype", "totp", "hi"], 0);
    assert!(r.stdout.contains("data=\"hi\""), "{r:?}");
    usage_error(
        &["send", "--authtype", "totp", "--devicekey", "12345678", "x"],
        "--device-id",
    );
}

#[test]
fn ssid_and_network_options() {
    let r = expect(&["send", "--simulate", "--ssid", "lab-net", "x"], 0);
    assert!(r.stdout.contains("DATA RECEIVED"), "{r:?}");
    let cap = Capture::ok();
    expect(
        &[
            "send",
            "--network",
            "sim",
            "--devicekey",
            "12345678",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "x",
        ],
        0,
    );
    assert_eq!(cap.received().len(), 1);
    usage_error(
        &["send", "--network", "lora", "--devicekey", "12345678", "x"],
        "unknown network \"lora\"; available: cellular, sim, wifi",
    );
    // Settings reach the network adapter, which names the ones it does not know.
    expect(
        &["send", "--simulate", "--network-option", "seed=7", "x"],
        0,
    );
    usage_error(
        &["send", "--simulate", "--network-option", "colour=red", "x"],
        "unknown setting \"colour\" for sim; known settings: ssid",
    );
    usage_error(
        &[
            "send",
            "--simulate",
            "--network-option",
            "passphrase=hunter22",
            "x",
        ],
        "cannot be an option",
    );
    usage_error(
        &["send", "--simulate", "--host", "h", "x"],
        "cannot be used with",
    );
}

#[test]
fn verbosity() {
    let r = expect(&["send", "--simulate", "x"], 0);
    assert!(!r.stderr.contains("INFO:"), "{r:?}");
    let r = expect(&["send", "-v", "--simulate", "x"], 0);
    assert!(r.stderr.contains("INFO:"), "{r:?}");
    let r = expect(&["-q", "send", "--simulate", "x"], 0);
    assert_eq!(r.stderr, "");
    usage_error(&["send", "-q", "-v", "x"], "cannot be used with");
    // Keys never appear, even at trace level.
    let cap = Capture::ok();
    let r = expect(
        &[
            "send",
            "-vvv",
            "--cloud-id",
            "Zq9x",
            "--cloud-key",
            "K3yZ",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "x",
        ],
        0,
    );
    assert!(
        !r.stderr.contains("K3yZ") && !r.stdout.contains("K3yZ"),
        "{r:?}"
    );
}

#[test]
fn durable_outbox_keeps_what_failed_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let outbox = outbox.to_str().unwrap();
    let down = closed_port();
    let base = [
        "send",
        "--devicekey",
        "12345678",
        "--host",
        "127.0.0.1",
        "--outbox",
        outbox,
    ];
    let r = expect(&[&base[..], &["-p", &down, "kept"]].concat(), 3);
    assert!(
        r.stdout
            .starts_with("message 1: QUEUED: kept in the outbox"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("1 message(s) kept in the outbox"),
        "{r:?}"
    );
    // No message: just flush what the outbox holds.
    let cap = Capture::ok();
    let r = expect(&[&base[..], &["-p", &cap.port(), "--json"]].concat(), 0);
    let line = &json_lines(&r.stdout)[0];
    assert!(line["index"].is_null(), "{r:?}");
    assert_eq!(line["status"], "acknowledged");
    assert_eq!(line["sequence"], 1);
    assert!(
        cap.received()[0].contains("\"d\":\"kept\""),
        "{:?}",
        cap.received()
    );
    // Nothing left: a flush-only run prints nothing and succeeds.
    let r = expect(&[&base[..], &["-p", &cap.port()]].concat(), 0);
    assert_eq!(r.stdout, "");
}

#[test]
fn each_queued_message_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let down = closed_port();
    let r = expect(
        &[
            "send",
            "--devicekey",
            "12345678",
            "--host",
            "127.0.0.1",
            "-p",
            &down,
            "--outbox",
            outbox.to_str().unwrap(),
            "first",
            "second",
            "third",
        ],
        3,
    );
    // Later sends retry the older messages ahead of their own; a message
    // still queued is not printed again.
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{r:?}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("message {}: QUEUED: kept in the outbox", i + 1)),
            "{r:?}"
        );
    }
    assert!(r.stderr.contains("3 message(s) kept"), "{r:?}");
}

#[test]
fn a_message_taken_as_a_topic_is_an_error_not_silence() {
    // -t takes every value up to the next option: "hello" is a topic here.
    for extra in [
        &[][..],
        &["--outbox", "/nonexistent-outbox-never-opened"][..],
    ] {
        let args = [&["send", "--simulate", "-t", "demo", "hello"][..], extra].concat();
        let r = usage_error(&args, "topics given but no MESSAGE");
        assert!(
            r.stderr.contains("\"hello\" was read as a topic")
                && r.stderr.contains("put the messages before -t"),
            "{r:?}"
        );
    }
    // Ending the topics with -- sends it.
    let r = expect(&["send", "--simulate", "-t", "demo", "--", "hello"], 0);
    assert!(r.stdout.contains("data=\"hello\""), "{r:?}");
}

#[test]
fn bad_inputs_are_one_clear_line() {
    usage_error(
        &["send", "--cloud_id", "abc", "--cloud_key", "wxyz", "x"],
        "cloud_id must be 4 characters long, got 3 (from --cloud-id)",
    );
    usage_error(
        &["send", "--devicekey", "1234567", "x"],
        "devicekey must be 8 characters long, got 7",
    );
    usage_error(
        &["send", "--simulate", "x", "-t", "a b"],
        "topic \"a b\" holds ' '",
    );
    usage_error(&["send", "-p", "70000", "x"], "70000 is not in 1..=65535");
    usage_error(&["send", "x"], "no device key");
    usage_error(&["send"], "nothing to send");
    usage_error(&["send", "--cloud-id", "abcd", "x"], "cloud_key is missing");
    usage_error(
        &[
            "send",
            "--devicekey",
            "12345678",
            "--cloud-id",
            "abcd",
            "--cloud-key",
            "wxyz",
            "x",
        ],
        "devicekey does not match",
    );
}
