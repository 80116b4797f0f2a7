//! One validation wherever a value comes from (option or file), before
//! any network activity; errors that name the real cause and limit.

use crate::common::{creds_file, hologram, run, usage_error, Capture};

#[test]
fn a_bad_host_is_refused_as_an_option_as_in_the_file() {
    let cap = Capture::ok();
    for host in ["127.0.0.1 ", "127.0.0.1:9999", "http://127.0.0.1"] {
        let r = run(hologram().env("HOLOGRAM_DEVICEKEY", "12345678").args([
            "send",
            "--host",
            host,
            "-p",
            &cap.port(),
            "x",
        ]));
        assert_eq!(r.code, 2, "{host:?}: {r:?}");
        assert!(r.stderr.starts_with("error: --host:"), "{r:?}");
        let dir = tempfile::tempdir().unwrap();
        let file = creds_file(
            &dir,
            "c.hjson",
            &format!(
                "{{\n devicekey: \"12345678\"\n host: \"{host}\"\n port: {}\n}}\n",
                cap.port()
            ),
        );
        usage_error(&["send", "-f", &file, "x"], "key host of");
    }
    usage_error(&["send", "--host", "127.0.0.1:9999", "x"], "ends in a port");
    assert!(cap.received().is_empty(), "nothing may be sent");
}

#[test]
fn repeated_settings_are_errors_in_the_file_and_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = creds_file(
        &dir,
        "c.hjson",
        "{\n devicekey: \"12345678\"\n network_options: {\n  interface: wlan0\n  interface: wlan1\n }\n}\n",
    );
    usage_error(
        &["send", "-f", &file, "--simulate", "x"],
        "key \"network_options.interface\" is given twice",
    );
    usage_error(
        &[
            "send",
            "--simulate",
            "--network-option",
            "connected=true",
            "--network-option",
            "connected=false",
            "x",
        ],
        "--network-option connected is given twice",
    );
}

#[test]
fn timeouts_say_the_real_limit() {
    let r = usage_error(
        &["send", "--simulate", "--timeout", "0", "x"],
        "more than 0 seconds",
    );
    assert!(!r.stderr.contains("between 0 and"), "{r:?}");
    usage_error(
        &["send", "--simulate", "--timeout", "100000", "x"],
        "at most 86400 seconds",
    );
}
