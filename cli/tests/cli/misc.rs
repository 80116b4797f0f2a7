use crate::common::{expect, usage_error};

#[test]
fn version_is_the_sdk_version() {
    let r = expect(&["version"], 0);
    assert_eq!(r.stdout, format!("{}\n", env!("CARGO_PKG_VERSION")));
    let r = expect(&["--version"], 0);
    assert!(r.stdout.starts_with("hologram "), "{r:?}");
}

#[test]
fn help_answers_the_usual_questions() {
    let r = expect(&["send", "--help"], 0);
    for needle in [
        "cloudsocket.hologram.io:9999",
        "Exit codes",
        "--cloud-id",
        "cloud_id",
        "--json",
        "--outbox",
        "HOLOGRAM_WIFI_PASSPHRASE",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    assert!(!r.stdout.contains("--passphrase"));
    // sms has no --raw: its --host help does not mention it.
    let r = expect(&["sms", "--help"], 0);
    let host = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("--host"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        host.contains("relay or simulator") && !host.contains("--raw"),
        "{host}"
    );
    let r = expect(&["--help"], 0);
    assert!(r.stdout.contains("cloud-sim") && r.stdout.contains("Exit codes"));
    usage_error(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn sdk_version_with_assert_cmd_predicates() {
    use predicates::prelude::*;
    crate::common::hologram()
        .arg("version")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^\d+\.\d+\.\d+\n$").unwrap())
        .stderr(predicate::str::is_empty());
}
