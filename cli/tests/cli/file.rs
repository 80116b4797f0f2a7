use std::os::unix::fs::PermissionsExt;

use crate::common::{creds_file, expect, usage_error, Capture};

#[test]
fn the_file_gives_credentials_and_endpoint_and_allows_comments() {
    let dir = tempfile::tempdir().unwrap();
    let cap = Capture::ok();
    let path = creds_file(
        &dir,
        "c.hjson",
        &format!(
            "{{\n  // Hologram cloud id\n  cloud_id: \"abcd\"\n  # and key\n  cloud_key: wxyz\n  /* relay */\n  host: 127.0.0.1\n  port: {}\n}}\n",
            cap.port()
        ),
    );
    let r = expect(&["send", "-f", &path, "from-file"], 0);
    assert_eq!(r.stderr, "", "{r:?}");
    assert!(cap.received()[0].contains("abcdwxyz"));
}

#[test]
fn flags_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cap = Capture::ok();
    let path = creds_file(
        &dir,
        "c.hjson",
        "devicekey: AAAAAAAA\nhost: 127.0.0.1\nport: 1\nauthtype: csrpsk\n",
    );
    expect(&["send", "--file", &path, "-p", &cap.port(), "x"], 0);
    assert!(cap.received()[0].contains("AAAAAAAA"));
    expect(
        &[
            "send",
            "-f",
            &path,
            "-p",
            &cap.port(),
            "--devicekey",
            "BBBBBBBB",
            "x",
        ],
        0,
    );
    assert!(
        cap.received()[1].contains("BBBBBBBB"),
        "{:?}",
        cap.received()
    );
    // A cloud id and key given as options replace the file's device key.
    expect(
        &[
            "send",
            "-f",
            &path,
            "-p",
            &cap.port(),
            "--cloud_id",
            "abcd",
            "--cloud_key",
            "wxyz",
            "x",
        ],
        0,
    );
    assert!(
        cap.received()[2].contains("abcdwxyz"),
        "{:?}",
        cap.received()
    );
}

#[test]
fn file_errors_name_the_key_or_line_and_never_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = creds_file(
        &dir,
        "u.hjson",
        "{\n  cloud_id: abcd\n  cloudkey: s3cr\n}\n",
    );
    let r = usage_error(
        &["send", "-f", &unknown, "x"],
        "unknown key \"cloudkey\" at line 3",
    );
    assert!(
        r.stderr
            .contains("allowed keys: cloud_id, cloud_key, devicekey"),
        "{r:?}"
    );
    let malformed = creds_file(
        &dir,
        "m.hjson",
        "{\n  cloud_id: \"abcd\",\n  cloud_key: [s3cr,\n}\n",
    );
    let r = usage_error(
        &["send", "-f", &malformed, "x"],
        "HJSON syntax error at line",
    );
    assert!(!r.stderr.contains("s3cr"), "{r:?}");
    let short = creds_file(&dir, "s.hjson", "cloud_id: abcd\ncloud_key: s3cret\n");
    let r = usage_error(
        &["send", "-f", &short, "x"],
        "cloud_key must be 4 characters long, got 6 (from key cloud_key of",
    );
    assert!(!r.stderr.contains("s3cret"), "{r:?}");
    let port = creds_file(&dir, "p.hjson", "devicekey: 12345678\nport: 70000\n");
    usage_error(&["send", "-f", &port, "x"], "key port of");
    let auth = creds_file(&dir, "a.hjson", "devicekey: 12345678\nauthtype: hmac\n");
    usage_error(&["send", "-f", &auth, "x"], "use csrpsk or totp");
    // An unquoted HJSON value runs to the end of the line, comment included.
    for (name, text, needle) in [
        (
            "ca.hjson",
            "devicekey: 12345678\nauthtype: totp // or csrpsk\n",
            "key authtype of",
        ),
        (
            "ch.hjson",
            "devicekey: 12345678\nhost: 127.0.0.1 // relay\n",
            "key host of",
        ),
        (
            "cp.hjson",
            "devicekey: 12345678\nport: 9999 # relay\n",
            "key port of",
        ),
        (
            "ck.hjson",
            "devicekey: Dk4XmP9z // mine\n",
            "(from key devicekey of",
        ),
    ] {
        let path = creds_file(&dir, name, text);
        let r = usage_error(&["send", "-f", &path, "x"], needle);
        assert!(
            r.stderr.contains("put the value in quotes"),
            "{name}: {r:?}"
        );
        assert!(!r.stderr.contains("Dk4XmP9z"), "{r:?}");
    }
    usage_error(
        &["send", "-f", "/nonexistent/creds.hjson", "x"],
        "cannot read credentials file /nonexistent/creds.hjson: no such file",
    );
}

#[test]
fn a_file_other_users_can_read_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = creds_file(
        &dir,
        "open.hjson",
        "devicekey: 12345678\npassphrase: wifi-pass\nnetwork_options: { seed: \"3\" }\n",
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = expect(&["send", "--simulate", "-f", &path, "x"], 0);
    assert!(
        r.stderr.contains("warning: credentials file") && r.stderr.contains("chmod 600"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("wifi-pass"));
    let r = expect(&["-q", "send", "--simulate", "-f", &path, "x"], 0);
    assert_eq!(r.stderr, "");
}
