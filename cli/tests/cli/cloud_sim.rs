use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::common::{creds_file, expect, usage_error};

struct Standalone {
    child: Child,
    lines: std::io::Lines<BufReader<ChildStdout>>,
    port: String,
}

impl Standalone {
    fn start(extra: &[&str]) -> Standalone {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("hologram"))
            .args(["cloud-sim", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cloud-sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("text");
        let port = first
            .strip_prefix("listening on 127.0.0.1:")
            .unwrap_or_else(|| panic!("{first:?}"))
            .to_owned();
        Standalone { child, lines, port }
    }

    fn next_line(&mut self) -> String {
        self.lines.next().expect("a line").expect("text")
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn standalone_simulator_prints_its_port_then_what_it_receives() {
    let mut sim = Standalone::start(&["--text"]);
    let port = sim.port.clone();
    expect(
        &[
            "send",
            "--host",
            "127.0.0.1",
            "-p",
            &port,
            "--devicekey",
            "12345678",
            "hello",
            "-t",
            "x",
        ],
        0,
    );
    assert_eq!(
        sim.next_line(),
        "CLOUD RECEIVED: topics=[x] data=\"hello\" device=1234**** auth=k"
    );
}

#[test]
fn standalone_simulator_with_a_devices_file_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let devices = creds_file(
        &dir,
        "d.hjson",
        "{ devices: [ { devicekey: \"abcdefgh\" } ] }",
    );
    // JSON lines are the default.
    let mut sim = Standalone::start(&["--devices", &devices]);
    let port = sim.port.clone();
    let r = expect(
        &[
            "send",
            "--host",
            "127.0.0.1",
            "-p",
            &port,
            "--devicekey",
            "12345678",
            "no",
        ],
        1,
    );
    assert!(r.stdout.contains("REFUSED: [3,0]"), "{r:?}");
    expect(
        &[
            "send",
            "--host",
            "127.0.0.1",
            "-p",
            &port,
            "--devicekey",
            "abcdefgh",
            "yes",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&sim.next_line()).unwrap();
    assert_eq!(
        (v["type"].as_str(), v["data"].as_str()),
        (Some("message"), Some("yes"))
    );
}

#[test]
fn standalone_simulator_accepts_devices_given_as_flags() {
    let mut sim = Standalone::start(&["--device", "abcdefgh", "--device", "wxyz:1234"]);
    let port = sim.port.clone();
    let send = |key: &[&str], code| {
        expect(
            &[
                &["send", "--host", "127.0.0.1", "-p", &port][..],
                key,
                &["m"],
            ]
            .concat(),
            code,
        )
    };
    send(&["--devicekey", "12345678"], 1);
    send(&["--devicekey", "abcdefgh"], 0);
    send(&["--cloud_id", "wxyz", "--cloud_key", "1234"], 0);
    for _ in 0..2 {
        let v: serde_json::Value = serde_json::from_str(&sim.next_line()).unwrap();
        assert_eq!(v["data"].as_str(), Some("m"), "{v}");
    }
    let r = expect(&["cloud-sim", "--port", "0", "--device", "short"], 2);
    assert!(
        r.stderr.contains("--device number 1: devicekey must be 8"),
        "{r:?}"
    );
    assert!(
        !r.stderr.contains("short"),
        "the value is not echoed: {r:?}"
    );
}

#[test]
fn standalone_simulator_errors() {
    let dir = tempfile::tempdir().unwrap();
    let devices = creds_file(&dir, "d.hjson", "{ devices: [ { devicekey: \"abc\" } ] }");
    usage_error(
        &["cloud-sim", "--port", "0", "--devices", &devices],
        "entry 1",
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let r = usage_error(
        &["cloud-sim", "--port", &port],
        "cannot listen on 127.0.0.1:",
    );
    assert!(r.stderr.contains("another simulator"), "{r:?}");
    // An address of no interface here (TEST-NET-1): the hint is about
    // --bind, not about another simulator.
    let r = usage_error(
        &["cloud-sim", "--bind", "192.0.2.1", "--port", "0"],
        "cannot listen on 192.0.2.1:0",
    );
    assert!(
        r.stderr
            .contains("--bind must be an address of this machine"),
        "{r:?}"
    );
}
