//! The cross-check that no one here invented the dialect: the reference
//! Python SDK's own modem classes (hologram-python 0.10.3 under Python
//! 3.9: `Nova_U201`, `NovaM`, `BG96`, `EC21`) open the simulator's pty,
//! initialise, and read signal, ICCID, IMSI, operator and (U201) location
//! without error; this SDK's queries on the same simulator return the same
//! values.
//!
//! The interpreter is `$HOLOGRAM_PY39`, or `target/python39-venv/bin/python`
//! (built by `scripts/python-sdk-venv.sh`). Without either the test prints
//! a `SKIPPED:` line and passes, except under `CI=true`, where it fails.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hologram_cellular::{Modem, ModemOptions};
use hologram_ports::NullEventSink;
use hologram_sim::modem::{ModemSim, ModemSimConfig, SimModel};

const SCRIPT: &str = r#"
import json, sys
from Hologram.Network.Modem.Nova_U201 import Nova_U201
from Hologram.Network.Modem.NovaM import NovaM
from Hologram.Network.Modem.BG96 import BG96
from Hologram.Network.Modem.EC21 import EC21
cls = {'sara-u201': Nova_U201, 'sara-r410': NovaM, 'bg96': BG96, 'ec21': EC21}[sys.argv[1]]
m = cls(device_name=sys.argv[2])
out = {
    'signal': m.signal_strength,
    'iccid': m.iccid,
    'imsi': m.imsi,
    'operator': m.operator,
    'imei': m.imei,
    'modem_id': m.modem_id,
}
if sys.argv[1] == 'sara-u201':
    # The reference's first call brings the data context up and returns
    # None (its _set_up_pdp_context returns None after activating); the
    # second asks Cell Locate.
    m.location
    loc = m.location
    out['location'] = [loc.date, loc.time, loc.latitude, loc.longitude, loc.altitude, loc.uncertainty]
print(json.dumps(out))
"#;

fn python39() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HOLOGRAM_PY39") {
        return Some(PathBuf::from(p));
    }
    let venv =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/python39-venv/bin/python");
    venv.exists().then_some(venv)
}

/// Runs the script, bounded to 120 s; returns its standard output.
fn run(python: &PathBuf, model: &str, device: &str) -> String {
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, model, device])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the reference SDK did not finish in 120 s on {model}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(status.success(), "{model}: the reference failed: {err}");
    out
}

#[test]
fn reference_modem_classes_read_the_simulator_like_we_do() {
    let Some(python) = python39() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Python 3.9 venv: run scripts/python-sdk-venv.sh or set HOLOGRAM_PY39"
        );
        println!(
            "SKIPPED: reference_modem_classes_read_the_simulator_like_we_do: no Python 3.9 venv; \
             run scripts/python-sdk-venv.sh or set HOLOGRAM_PY39"
        );
        return;
    };
    for model in [
        SimModel::SaraU201,
        SimModel::SaraR410,
        SimModel::Bg96,
        SimModel::Ec21,
    ] {
        let sim = ModemSim::start(ModemSimConfig::new(model)).unwrap();
        let device = sim.path().display().to_string();
        let out = run(&python, model.name(), &device);
        let theirs: serde_json::Value =
            serde_json::from_str(out.trim().lines().last().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{model}: {e}: {out}"));

        let options = ModemOptions {
            device: Some(sim.path().to_path_buf()),
            ..ModemOptions::default()
        };
        let mut ours = Modem::open(&options, Arc::new(NullEventSink)).unwrap();
        let s = ours.signal().unwrap();
        assert_eq!(theirs["signal"], format!("{},{}", s.rssi, s.ber), "{model}");
        assert_eq!(theirs["iccid"], ours.iccid().unwrap(), "{model}");
        assert_eq!(theirs["imsi"], ours.imsi().unwrap(), "{model}");
        assert_eq!(theirs["imei"], ours.imei().unwrap(), "{model}");
        assert_eq!(
            theirs["operator"],
            ours.operator().unwrap().unwrap_or_default(),
            "{model}"
        );
        assert_eq!(theirs["modem_id"], ours.model_name().unwrap(), "{model}");
        if model == SimModel::SaraU201 {
            if !ours.context_active().unwrap() {
                ours.context_up("hologram").unwrap();
            }
            let l = ours.location().unwrap();
            let want = [
                l.date,
                l.time,
                l.latitude,
                l.longitude,
                l.altitude,
                l.uncertainty,
            ];
            assert_eq!(theirs["location"], serde_json::json!(want), "{model}");
        }
        println!("{model}: the reference and this SDK agree: {theirs}");
    }
}
