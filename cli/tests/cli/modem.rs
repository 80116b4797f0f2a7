//! `hologram modem ...` and `hologram modem-sim`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as StdCommand, Stdio};

use serde_json::Value;

use crate::common::{expect, usage_error};

fn json(args: &[&str]) -> Value {
    let r = expect(args, 0);
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {r:?}"))
}

#[test]
fn every_subcommand_on_the_simulator_as_json() {
    for model in [
        "sara-u201",
        "sara-r410",
        "bg96",
        "ec21",
        "ec25",
        "e303",
        "e372",
        "ms2131",
        "generic",
    ] {
        let base = ["modem", "--simulate", "--json", "--modem", model];
        let with = |sub: &str| -> Value {
            let mut args = vec!["modem", sub];
            args.extend_from_slice(&base[1..]);
            json(&args)
        };
        let sim = with("sim");
        assert_eq!(sim["iccid"], "89014103211118510720", "{model}");
        assert_eq!(sim["imsi"], "310410111851072");
        assert_eq!(with("imei")["imei"], "352753090000001");
        assert_eq!(with("operator")["operator"], "AT&T");
        assert_eq!(with("signal")["dbm"], -73);
        assert_eq!(with("type")["model"], model);
        assert!(with("version")["version"].is_string());
        assert_eq!(with("radio-off")["radio"], false);
        assert_eq!(with("radio-on")["radio"], true);
        assert_eq!(with("reset")["reset"], true);
        assert_eq!(with("list")["model"], model);
    }
    let loc = json(&["modem", "location", "--simulate", "--json"]);
    assert_eq!(loc["latitude"], "41.8781136");
    let r = json(&["modem", "command", "AT+CSQ", "--simulate", "--json"]);
    assert_eq!(r["lines"][0], "+CSQ: 20,99");
}

#[test]
fn usage_and_unreachable_exit_codes() {
    usage_error(
        &["modem", "sim", "--simulate", "--modem", "nova"],
        "unknown model",
    );
    usage_error(
        &["modem", "location", "--simulate", "--modem", "bg96"],
        "not supported",
    );
    let r = expect(&["modem", "sim", "--device", "/dev/ttyNOPE7"], 3);
    assert!(r.stderr.contains("/dev/ttyNOPE7"), "{r:?}");
    let r = expect(&["modem", "command", "AT+NOPE", "--simulate"], 1);
    assert!(r.stdout.contains("ERROR"), "{r:?}");
}

/// `modem-sim` running in its own process, driven by `modem --device`.
struct SimProcess(Child, String);

impl SimProcess {
    fn start(args: &[&str]) -> SimProcess {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("hologram"))
            .arg("modem-sim")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("modem-sim starts");
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        BufReader::new(out)
            .read_line(&mut line)
            .expect("the pty path");
        SimProcess(child, line.trim().to_owned())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn modem_sim_prints_its_pty_and_answers() {
    let sim = SimProcess::start(&["--model", "ec21", "--iccid", "8944500102198304826"]);
    assert!(sim.1.starts_with("/dev/pts/"), "{}", sim.1);
    let v = json(&["modem", "sim", "--device", &sim.1, "--json"]);
    assert_eq!(v["iccid"], "8944500102198304826");
    assert_eq!(
        json(&["modem", "type", "--device", &sim.1, "--json"])["model"],
        "ec21"
    );
}

#[test]
fn a_modem_that_does_not_answer_exits_3() {
    let sim = SimProcess::start(&["--stuck-after", "0"]);
    let r = expect(&["modem", "signal", "--device", &sim.1], 3);
    assert!(r.stderr.contains("does not answer"), "{r:?}");
}

/// `send` over the `cellular` network on the simulated modem: connect
/// brings the modem's data context up before the message goes.
#[test]
fn send_with_the_cellular_network_on_the_simulated_modem() {
    for model in ["sara-u201", "bg96"] {
        let option = format!("simulate={model}");
        let r = expect(
            &[
                "send",
                "--simulate",
                "--network",
                "cellular",
                "--network-option",
                &option,
                "hello",
                "-t",
                "cell",
            ],
            0,
        );
        assert!(r.stdout.contains("data=\"hello\""), "{r:?}");
    }
    // --simulate alone runs the modem simulator for the cellular network.
    let r = expect(
        &[
            "send",
            "--simulate",
            "--network",
            "cellular",
            "plain",
            "-t",
            "cell",
        ],
        0,
    );
    assert!(r.stdout.contains("data=\"plain\""), "{r:?}");
    let r = expect(
        &[
            "send",
            "--simulate",
            "--network",
            "cellular",
            "--network-option",
            "modem=ec25",
            "q",
        ],
        0,
    );
    assert!(r.stdout.contains("data=\"q\""), "{r:?}");
    // A port given: no simulator, and this one does not exist: exit 3.
    let r = expect(
        &[
            "send",
            "--simulate",
            "--network",
            "cellular",
            "--network-option",
            "device=/dev/ttyNOPE3",
            "x",
        ],
        3,
    );
    assert!(r.stderr.contains("/dev/ttyNOPE3"), "{r:?}");
}
