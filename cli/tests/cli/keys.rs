//! Keys come from the environment, a key file or standard input; a key
//! given as an option (visible in `ps`) works but is warned about.

use crate::common::{creds_file, hologram, run, Capture};

fn args(port: &str) -> Vec<String> {
    ["send", "--host", "127.0.0.1", "-p", port, "x"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn the_device_key_from_the_environment_needs_no_option() {
    let cap = Capture::ok();
    let r = run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "ENVKEY12")
        .args(args(&cap.port())));
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    assert!(cap.received()[0].contains("ENVKEY12"));
}

#[test]
fn the_device_key_from_a_key_file_or_standard_input() {
    let cap = Capture::ok();
    let dir = tempfile::tempdir().unwrap();
    let key = creds_file(&dir, "key", "FILEKEY1\n");
    let r = run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "ENVKEY12")
        .args(args(&cap.port()))
        .args(["--devicekey-file", &key]));
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    // The key file is more explicit than the environment.
    assert!(cap.received()[0].contains("FILEKEY1"));

    let r = run(hologram()
        .args(args(&cap.port()))
        .args(["--devicekey-file", "-"])
        .write_stdin("STDINKEY\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(cap.received()[1].contains("STDINKEY"));

    // A key file others can read gets the credentials file's warning.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(hologram()
        .args(args(&cap.port()))
        .args(["--devicekey-file", &key]));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("chmod 600"), "{r:?}");
    assert!(!r.stderr.contains("FILEKEY1"), "{r:?}");
}

#[test]
fn a_key_given_as_an_option_is_warned_about() {
    let cap = Capture::ok();
    let r = run(hologram()
        .args(args(&cap.port()))
        .args(["--devicekey", "FLAGKEY1"]));
    assert_eq!(r.code, 0, "{r:?}");
    let warning = r
        .stderr
        .lines()
        .find(|l| l.starts_with("warning: the device key was given with --devicekey"))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(warning.contains("process list (ps)"), "{warning}");
    assert!(warning.contains("HOLOGRAM_DEVICEKEY"), "{warning}");
    assert!(!r.stderr.contains("FLAGKEY1"), "{r:?}");

    // The private key too; its variable works for totp.
    let r = run(hologram().args([
        "send",
        "--simulate",
        "--authtype",
        "totp",
        "--device-id",
        "42",
        "--private-key",
        "s3cr3t-private",
        "x",
    ]));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("warning: the private key was given with --private-key"),
        "{r:?}"
    );
    let r = run(hologram()
        .env("HOLOGRAM_PRIVATE_KEY", "s3cr3t-private")
        .args(["send", "--simulate", "--device-id", "42", "x"]));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains("warning"), "{r:?}");
    assert!(r.stdout.contains("auth=totp"), "{r:?}");
}

#[test]
fn the_option_and_its_key_file_together_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = creds_file(&dir, "key", "FILEKEY1\n");
    crate::common::usage_error(
        &[
            "send",
            "--simulate",
            "--devicekey",
            "FLAGKEY1",
            "--devicekey-file",
            &key,
            "x",
        ],
        "the device key is given twice",
    );
}

#[test]
fn help_puts_the_private_ways_first() {
    let r = run(hologram().args(["send", "--help"]));
    assert_eq!(r.code, 0, "{r:?}");
    let file = r.stdout.find("--devicekey-file").expect("key file option");
    let flag = r.stdout.find("--devicekey <KEY>").expect("key option");
    assert!(file < flag, "{}", r.stdout);
    for name in [
        "HOLOGRAM_DEVICEKEY",
        "HOLOGRAM_PRIVATE_KEY",
        "--private-key-file",
    ] {
        assert!(r.stdout.contains(name), "{name}");
    }
    let top = run(hologram().args(["--help"]));
    assert!(top.stdout.contains("HOLOGRAM_DEVICEKEY"), "{top:?}");
    assert!(
        top.stdout
            .contains("  4  messages kept in the outbox were lost"),
        "{top:?}"
    );
}

#[test]
#[ignore = "needs the authenticators' `metadata` setting, which lands with the authentication work; run with --ignored once it is merged"]
fn metadata_sends_the_reference_metadata_record() {
    let cap = Capture::ok();
    let r = run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "12345678")
        .args(args(&cap.port()))
        .arg("--metadata"));
    assert_eq!(r.code, 0, "{r:?}");
    let sent = &cap.received()[0];
    assert!(sent.contains("\"m\":\"\\u0001agnostic-"), "{sent}");
    // Off by default.
    let r = run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "12345678")
        .args(args(&cap.port())));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        !cap.received()[1].contains("\"m\":"),
        "{:?}",
        cap.received()
    );
}
