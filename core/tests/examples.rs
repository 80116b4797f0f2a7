//! Runs every example against the simulator, so the examples cannot rot.
//! `cargo test` builds the examples before it runs the tests; this finds
//! them next to the test binary.

use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    // target/<profile>/deps/examples-<hash> → target/<profile>/examples/<name>
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples");
    let plain = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if plain.exists() {
        return plain;
    }
    // Cargo keeps the hashed build (`<name>-<hash>`) even when it does not
    // copy it to the plain name: take the newest.
    let prefix = format!("{name}-");
    std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && !n.ends_with(".d") && !n.contains('.'))
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .unwrap_or(plain)
}

fn run(name: &str, args: &[&str]) -> String {
    let path = example(name);
    assert!(
        path.exists(),
        "{} is missing: run the examples through `cargo test`, which builds them",
        path.display()
    );
    let out = Command::new(&path)
        .args(args)
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn send_csrpsk() {
    let out = run("send_csrpsk", &[]);
    assert!(out.contains("Message sent successfully"), "{out}");
    assert!(
        out.contains(r#"topics=["sensor/temp", "room-1"] data="21.5C""#),
        "{out}"
    );
}

#[test]
fn send_totp() {
    let out = run("send_totp", &[]);
    assert_eq!(out.matches("flushed #").count(), 3, "{out}");
    assert_eq!(
        out.matches("cloud received from 89014103211118510720")
            .count(),
        3,
        "{out}"
    );
}

#[test]
fn raw_tcp() {
    let out = run("raw_tcp", &[]);
    assert!(out.contains("server replied: OK 41"), "{out}");
    assert!(
        out.contains(r#"{\"k\":\"abcdwxyz\",\"d\":\"hello, my server\"}\r\r"#),
        "{out}"
    );
}

#[test]
fn buffered() {
    let out = run("buffered", &[]);
    assert_eq!(out.matches("event: message.buffered").count(), 3, "{out}");
    assert!(out.contains("3 messages wait for the network"), "{out}");
    assert!(out.contains("cloud received 3 messages"), "{out}");
}

#[test]
fn events() {
    let out = run("events", &[]);
    assert!(out.contains("wifiIsUp"), "{out}");
    assert_eq!(
        out.matches("sayHello").count(),
        1,
        "unsubscribed after the first: {out}"
    );
    assert!(out.contains("the door opened"), "{out}");
}

#[test]
fn sms() {
    let out = run("sms", &[]);
    assert!(
        out.contains(r#"cloud received SMS to +11234567890: "hey there!""#),
        "{out}"
    );
    assert!(
        out.contains("refused locally: SMS destination must start with '+'"),
        "{out}"
    );
}

#[test]
fn periodic() {
    let out = run("periodic", &["12", "1"]);
    assert!(
        out.contains("sent 12, cloud received 12, still queued 0"),
        "{out}"
    );
}
