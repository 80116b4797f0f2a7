//! No secret in any output: every command, at the most verbose log level,
//! on success and on failure. The keys are distinctive strings so a leak in
//! any form (log line, error, debug dump, JSON) is found; the one-time
//! password is read back from what the capture server received.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{closed_port, creds_file, hologram, run, Capture, Run};

const CLOUD_ID: &str = "Qz7w";
const CLOUD_KEY: &str = "Kq8v";
const DEVICE_KEY: &str = "Dk4XmP9z";
const PRIVATE_KEY: &str = "Pv7SecretTotpKey";
const PASSPHRASE: &str = "WifiPass-5ecret";

fn assert_clean(what: &str, r: &Run, also: &[&str]) {
    let all = format!("{}\n{}", r.stdout, r.stderr);
    for secret in [CLOUD_KEY, DEVICE_KEY, PRIVATE_KEY, PASSPHRASE]
        .iter()
        .chain(also)
    {
        assert!(
            !all.contains(secret),
            "{what}: {secret:?} appears in the output:\n{all}"
        );
    }
    // The device key in the seed-era form is cloud id + cloud key.
    assert!(
        !all.contains(&format!("{CLOUD_ID}{CLOUD_KEY}")),
        "{what}:\n{all}"
    );
}

fn vvv(args: &[&str]) -> Run {
    run(hologram().arg("-vvv").args(args))
}

#[test]
fn send_and_sms_with_every_credential_form_show_no_secret() {
    let cap = Capture::ok();
    let port = cap.port();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("devicekey", vec!["send", "--devicekey", DEVICE_KEY]),
        (
            "cloud pair",
            vec!["send", "--cloud_id", CLOUD_ID, "--cloud_key", CLOUD_KEY],
        ),
        (
            "json output",
            vec!["send", "--json", "--devicekey", DEVICE_KEY],
        ),
        (
            "sms",
            vec![
                "sms",
                "--devicekey",
                DEVICE_KEY,
                "--destination",
                "+11234567890",
            ],
        ),
    ];
    for (what, args) in cases {
        let r = vvv(&[&args[..], &["--host", "127.0.0.1", "-p", &port, "hello"]].concat());
        assert_eq!(r.code, 0, "{what}: {r:?}");
        assert!(
            r.stderr.contains("TRACE:") || r.stderr.contains("DEBUG:"),
            "{what}: not verbose: {r:?}"
        );
        assert_clean(what, &r, &[]);
    }
    // The simulated cloud, for both commands.
    for args in [
        vec![
            "send",
            "--simulate",
            "--devicekey",
            DEVICE_KEY,
            "hello",
            "-t",
            "a",
        ],
        vec![
            "sms",
            "--simulate",
            "--devicekey",
            DEVICE_KEY,
            "--destination",
            "+1555",
            "hi",
        ],
    ] {
        let r = vvv(&args);
        assert_eq!(r.code, 0, "{r:?}");
        assert_clean("simulate", &r, &[]);
    }
}

#[test]
fn totp_shows_neither_the_private_key_nor_the_one_time_password() {
    let cap = Capture::ok();
    let r = vvv(&[
        "send",
        "--authtype",
        "totp",
        "--device_id",
        "89014103211118510720",
        "--private_key",
        PRIVATE_KEY,
        "--host",
        "127.0.0.1",
        "-p",
        &cap.port(),
        "reading",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let payload = cap.received().join("");
    // C<device id> <time> <otp> ...
    let otp = payload
        .split(' ')
        .nth(2)
        .filter(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no OTP in {payload:?}"))
        .to_owned();
    assert_clean("totp", &r, &[&otp]);

    let r = vvv(&[
        "send",
        "--simulate",
        "--device_id",
        "42",
        "--private_key",
        PRIVATE_KEY,
        "x",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_clean("totp simulate", &r, &[]);
}

#[test]
fn failures_show_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = creds_file(
        &dir,
        "creds.hjson",
        &format!(
            "{{ devicekey: \"{DEVICE_KEY}\", private_key: \"{PRIVATE_KEY}\", passphrase: \"{PASSPHRASE}\" }}"
        ),
    );
    let down = closed_port();
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "refused connection",
            vec!["send", "-f", &file, "--host", "127.0.0.1", "-p", &down, "x"],
        ),
        (
            "key of the wrong length",
            vec!["send", "--devicekey", &DEVICE_KEY[..7], "x"],
        ),
        (
            "cloud key of the wrong length",
            vec![
                "send",
                "--cloud_id",
                CLOUD_ID,
                "--cloud_key",
                &format!("{CLOUD_KEY}x"),
                "x",
            ],
        ),
        (
            "key that disagrees with the pair",
            vec![
                "send",
                "--devicekey",
                DEVICE_KEY,
                "--cloud_id",
                CLOUD_ID,
                "--cloud_key",
                CLOUD_KEY,
                "--simulate",
                "x",
            ],
        ),
        (
            "wifi without wireless support",
            vec![
                "send",
                "-f",
                &file,
                "--network",
                "wifi",
                "--ssid",
                "home",
                "x",
            ],
        ),
        (
            "unknown network",
            vec!["send", "-f", &file, "--network", "nope", "x"],
        ),
        (
            "refused by the simulator",
            vec![
                "sms",
                "-f",
                &file,
                "--simulate",
                "--destination",
                "12345",
                "x",
            ],
        ),
    ]
    .into_iter()
    .map(|(w, v)| (w, v.into_iter().map(str::to_owned).collect()))
    .collect();
    for (what, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = vvv(&args);
        assert_ne!(r.code, 0, "{what} should fail: {r:?}");
        assert_clean(what, &r, &[&DEVICE_KEY[..7]]);
    }
    // A file with a syntax error names the line, not the text around it.
    let bad = creds_file(
        &dir,
        "bad.hjson",
        &format!("{{\n devicekey: \"{DEVICE_KEY}\"\n private_key: [\n}}"),
    );
    let r = vvv(&["send", "-f", &bad, "x"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_clean("malformed file", &r, &[]);
}

#[test]
fn the_other_commands_show_no_secret() {
    for args in [
        vec!["version"],
        vec!["plugins", "list"],
        vec!["plugins", "list", "--json"],
    ] {
        let r = vvv(&args);
        assert_eq!(r.code, 0, "{r:?}");
        assert_clean("other command", &r, &[]);
    }

    // The standalone simulator, with registered devices, receiving messages.
    let dir = tempfile::tempdir().unwrap();
    let devices = creds_file(
        &dir,
        "devices.hjson",
        &format!("{{ devices: [ {{ devicekey: \"{DEVICE_KEY}\" }}, {{ device_id: \"42\", private_key: \"{PRIVATE_KEY}\" }} ] }}"),
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("hologram"))
        .args(["-vvv", "cloud-sim", "--port", "0", "--devices", &devices])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cloud-sim");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first line").expect("text");
    let port = first
        .rsplit(':')
        .next()
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_owned();
    for args in [
        vec!["send", "--devicekey", DEVICE_KEY, "hello"],
        vec!["send", "--devicekey", "99999999", "unknown device"],
        vec![
            "send",
            "--device_id",
            "42",
            "--private_key",
            PRIVATE_KEY,
            "totp",
        ],
    ] {
        let r = run(hologram()
            .args(&args)
            .args(["--host", "127.0.0.1", "-p", &port]));
        assert_clean("client of cloud-sim", &r, &[]);
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("cloud-sim output");
    let mut printed: Vec<String> = lines.map_while(Result::ok).collect();
    printed.push(String::from_utf8_lossy(&out.stderr).into_owned());
    let r = Run {
        code: 0,
        stdout: printed.join("\n"),
        stderr: String::new(),
    };
    assert!(
        r.stdout.contains("hello"),
        "the simulator printed its records: {r:?}"
    );
    assert_clean("cloud-sim", &r, &[]);
}
