//! Every input is bounded: files are regular files (or `-`) under a size
//! cap, standard input lines are capped, and going past a cap is a clear
//! usage error (exit 2), never an allocation of the input's size.

use std::time::Duration;

use crate::common::{creds_file, hologram, run, usage_error};

#[test]
fn a_credentials_file_that_is_a_device_is_refused_at_once() {
    let r = usage_error(
        &["send", "-f", "/dev/zero", "--simulate", "x"],
        "credentials file /dev/zero is not a regular file",
    );
    assert!(r.stderr.contains("- to read standard input"), "{r:?}");
    usage_error(
        &["send", "--devicekey-file", "/dev/zero", "--simulate", "x"],
        "key file /dev/zero is not a regular file",
    );
    usage_error(
        &[
            "sms",
            "-f",
            "/dev/urandom",
            "--destination",
            "+1234567890",
            "hi",
        ],
        "not a regular file",
    );
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("creds");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let r = run(hologram()
        .args(["send", "--simulate", "-f"])
        .arg(&fifo)
        .arg("x")
        .timeout(Duration::from_secs(20)));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("not a regular file"), "{r:?}");
}

#[test]
fn a_file_past_its_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{{\n{}\n}}\n", "  // padding\n".repeat(10_000));
    let path = creds_file(&dir, "big.hjson", &big);
    usage_error(
        &["send", "-f", &path, "--simulate", "x"],
        "is larger than 65536 bytes",
    );
    let key = creds_file(&dir, "key", &"k".repeat(5000));
    usage_error(
        &["send", "--devicekey-file", &key, "--simulate", "x"],
        "is larger than 4096 bytes",
    );
}

#[test]
fn an_endless_line_on_stdin_is_refused_at_the_cap() {
    // 1 MiB with no end of line: read up to the cap, then refused.
    let r = run(hologram()
        .args(["send", "--simulate", "-"])
        .write_stdin(vec![b'x'; 1 << 20]));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("standard input line 1 is longer than 65536 bytes"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("DATA RECEIVED"), "{r:?}");
    // Lines under the cap still go, as they come.
    let r = run(hologram()
        .args(["send", "--simulate", "-"])
        .write_stdin(format!("{}\nshort\n", "y".repeat(60_000))));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("message 2: DATA RECEIVED"), "{r:?}");
}

#[test]
fn standard_input_is_read_once() {
    usage_error(
        &["send", "-f", "-", "--simulate", "-"],
        "standard input can be read only once",
    );
    usage_error(
        &["send", "--simulate", "-", "-"],
        "- is given more than once",
    );
}

#[test]
fn the_credentials_file_can_come_from_standard_input() {
    let r = run(hologram()
        .args(["send", "--simulate", "-f", "-", "x"])
        .write_stdin("{ devicekey: \"abcd1234\" }\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("device=abcd****"), "{r:?}");
}
