//! The durable outbox from the command line: only the user's own files,
//! a batch accepted before the first send, losses reported as errors,
//! damaged state refused, receipts that say what happened.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::{lchown, symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{closed_port, hologram, run, Capture, Run};

/// Another user: `nobody` on most systems.
const OTHER_UID: u32 = 65534;

fn require_root() {
    use std::os::unix::fs::MetadataExt;
    let me = fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    assert_eq!(
        me, 0,
        "this test needs root (it runs the command as another user); run the tests as root, \
         as CI does"
    );
}

/// `hologram send` with the device key from the environment, to `port`,
/// keeping messages in `outbox`.
fn send(outbox: &Path, port: &str, extra: &[&str]) -> Run {
    run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "12345678")
        .args(["send", "--host", "127.0.0.1", "-p", port, "--outbox"])
        .arg(outbox)
        .args(extra))
}

#[test]
fn an_outbox_another_user_prepared_is_refused_and_its_link_not_followed() {
    require_root();
    // A shared parent, like /tmp: anybody may create a directory there.
    let parent = tempfile::tempdir().unwrap();
    fs::set_permissions(parent.path(), fs::Permissions::from_mode(0o1777)).unwrap();
    let outbox = parent.path().join("outbox");
    // Another user makes an outbox there (their own use of it works)...
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("hologram"))
        .args(["send", "--simulate", "--outbox"])
        .arg(&outbox)
        .arg("theirs")
        .env_remove("HOLOGRAM_PLUGINS_DIR")
        .uid(OTHER_UID)
        .gid(OTHER_UID)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // ... and swaps its log for a link to a file of root's.
    let victim = parent.path().join("precious");
    fs::write(&victim, b"root's file, not an outbox").unwrap();
    fs::remove_file(outbox.join("outbox.log")).unwrap();
    symlink(&victim, outbox.join("outbox.log")).unwrap();
    lchown(outbox.join("outbox.log"), Some(OTHER_UID), Some(OTHER_UID)).unwrap();

    let cap = Capture::ok();
    let r = send(&outbox, &cap.port(), &["mine"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("owned by user id {OTHER_UID}, not by this user")),
        "{r:?}"
    );
    assert!(r.stderr.contains("chown"), "{r:?}");
    assert_eq!(fs::read(&victim).unwrap(), b"root's file, not an outbox");
    assert!(cap.received().is_empty(), "nothing may be sent: {r:?}");
}

#[test]
fn an_outbox_directory_others_may_write_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    fs::create_dir(&outbox).unwrap();
    fs::set_permissions(&outbox, fs::Permissions::from_mode(0o777)).unwrap();
    let r = send(&outbox, &closed_port(), &["x"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("writable by other users (mode 777)"),
        "{r:?}"
    );
    assert!(r.stderr.contains("chmod go-w"), "{r:?}");
}

/// Queues `messages` in a new outbox (the cloud is unreachable) and
/// returns its directory.
fn queued(messages: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = send(&dir.path().join("outbox"), &closed_port(), messages);
    assert_eq!(r.code, 3, "{r:?}");
    dir
}

#[test]
fn a_message_lost_to_damage_is_an_error_even_with_q_and_exits_4() {
    let dir = queued(&["first", "second", "third"]);
    let outbox = dir.path().join("outbox");
    let log = outbox.join("outbox.log");
    let mut bytes = fs::read(&log).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == b"second")
        .expect("the second message is in the log");
    bytes[at] ^= 0x20;
    fs::write(&log, &bytes).unwrap();

    let cap = Capture::ok();
    let r = run(hologram()
        .env("HOLOGRAM_DEVICEKEY", "12345678")
        .args([
            "-q",
            "send",
            "--host",
            "127.0.0.1",
            "-p",
            &cap.port(),
            "--outbox",
        ])
        .arg(&outbox));
    assert_eq!(r.code, 4, "{r:?}");
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{r:?}");
    assert!(
        errors[0].contains("1 message(s) kept in the outbox"),
        "{r:?}"
    );
    assert!(errors[0].contains("were lost"), "{r:?}");
    // The others were delivered.
    let got = cap.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].contains("first") && got[1].contains("third"),
        "{got:?}"
    );
    // Repaired: the next run has nothing to report.
    let r = send(&outbox, &cap.port(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
}

/// A state record that verifies, as the outbox writes it.
fn state_record(last_sequence: u64, last_acknowledged: u64) -> Vec<u8> {
    let mut r = vec![0xB0, b'S'];
    r.extend_from_slice(&last_sequence.to_le_bytes());
    r.extend_from_slice(&last_acknowledged.to_le_bytes());
    let mut c = !0u32;
    for &b in &r {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    r.extend_from_slice(&(!c).to_le_bytes());
    r
}

#[test]
fn a_crafted_state_with_the_largest_sequence_number_is_refused_as_damaged() {
    let dir = queued(&["x"]);
    let outbox = dir.path().join("outbox");
    fs::write(outbox.join("outbox.log"), state_record(u64::MAX, 0)).unwrap();
    let cap = Capture::ok();
    let r = send(&outbox, &cap.port(), &["y"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("state is damaged"), "{r:?}");
    assert!(
        r.stderr.contains("move the outbox directory aside"),
        "{r:?}"
    );
    assert!(cap.received().is_empty());
}

#[test]
fn messages_on_the_command_line_are_all_in_the_outbox_before_the_first_send() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let log = outbox.join("outbox.log");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // The server looks at the outbox when the first message arrives.
    let seen = std::thread::spawn(move || {
        let mut logs = Vec::new();
        for _ in 0..3 {
            let Ok((mut s, _)) = listener.accept() else {
                break;
            };
            logs.push(fs::read(&log).unwrap_or_default());
            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"[0,0]");
        }
        logs
    });
    let r = send(&outbox, &port, &["m-one", "m-two", "m-three"]);
    assert_eq!(r.code, 0, "{r:?}");
    let logs = seen.join().unwrap();
    assert_eq!(logs.len(), 3);
    let has = |log: &[u8], m: &[u8]| log.windows(m.len()).any(|w| w == m);
    for m in [&b"m-one"[..], b"m-two", b"m-three"] {
        assert!(has(&logs[0], m), "not in the outbox at the first send");
    }
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{r:?}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("message {}: DATA RECEIVED", i + 1)),
            "{r:?}"
        );
    }
}

#[test]
fn an_unreachable_cloud_costs_one_retry_schedule_and_claims_no_code() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let messages: Vec<String> = (1..=20).map(|i| format!("reading {i}")).collect();
    let args: Vec<&str> = ["--timeout", "1"]
        .into_iter()
        .chain(messages.iter().map(String::as_str))
        .collect();
    let r = send(&outbox, &closed_port(), &args);
    assert_eq!(r.code, 3, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 20, "{r:?}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("message {}: QUEUED", i + 1)),
            "{line}"
        );
        // The server was never reached: no cloud code is claimed.
        assert!(!line.contains("code"), "{line}");
    }
    assert!(lines[0].contains("refused"), "{}", lines[0]);
    assert!(r.stderr.contains("20 message(s) kept"), "{r:?}");
}

#[test]
fn a_connection_closed_without_a_reply_is_not_confirmed() {
    let cap = Capture::start(None, Duration::ZERO);
    let r = run(hologram().env("HOLOGRAM_DEVICEKEY", "12345678").args([
        "send",
        "--host",
        "127.0.0.1",
        "-p",
        &cap.port(),
        "x",
    ]));
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout.starts_with("message 1: NOT CONFIRMED:")
            && r.stdout.contains("closed the connection without a reply"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("DATA RECEIVED"), "{r:?}");

    // With an outbox, it stays there and goes again.
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let r = send(&outbox, &cap.port(), &["kept"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.starts_with("message 1: QUEUED:"), "{r:?}");
    assert!(r.stdout.contains("not confirmed"), "{r:?}");
    let ok = Capture::ok();
    let r = send(&outbox, &ok.port(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ok.received()[0].contains("kept"));
}

#[test]
fn a_sigkill_during_the_first_send_loses_none_of_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let (accepted, first_send) = std::sync::mpsc::channel();
    // Takes the first message and never answers.
    let server = std::thread::spawn(move || {
        let conn = listener.accept().map(|(s, _)| s);
        let _ = accepted.send(());
        // Held until the client is gone (the test drops the listener's
        // side by returning).
        conn
    });
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hologram"))
        .env("HOLOGRAM_DEVICEKEY", "12345678")
        .env_remove("HOLOGRAM_PLUGINS_DIR")
        .args([
            "send",
            "--host",
            "127.0.0.1",
            "-p",
            &port,
            "--timeout",
            "60",
            "--outbox",
        ])
        .arg(&outbox)
        .args(["k-one", "k-two", "k-three"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    first_send
        .recv_timeout(Duration::from_secs(30))
        .expect("the first send reached the server");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(server.join());

    let cap = Capture::ok();
    let r = send(&outbox, &cap.port(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let got = cap.received();
    assert_eq!(got.len(), 3, "{got:?}");
    for (sent, m) in got.iter().zip(["k-one", "k-two", "k-three"]) {
        assert!(sent.contains(m), "{got:?}");
    }
}
