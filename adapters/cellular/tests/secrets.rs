//! What never reaches the logs: the SIM's PIN at any level, the IMSI and
//! ICCID at any level (this adapter does not log them at all), with every
//! log line captured at trace level.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hologram_cellular::{Modem, ModemOptions};
use hologram_ports::NullEventSink;
use hologram_sim::modem::{ModemFaults, ModemSim, ModemSimConfig, SimModel};

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!(
                "{} {} {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn no_pin_no_imsi_no_iccid_in_logs_or_errors() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let mut errors = Vec::new();
    for model in [SimModel::SaraU201, SimModel::Bg96, SimModel::E303] {
        let faults = ModemFaults::new(5)
            .with_garbage_one_in(3)
            .with_urc_mid_answer_one_in(3);
        let sim = ModemSim::start(ModemSimConfig::new(model).with_faults(faults)).unwrap();
        let options = ModemOptions {
            device: Some(sim.path().to_path_buf()),
            ..ModemOptions::default()
        };
        let mut m = Modem::open(&options, Arc::new(NullEventSink)).unwrap();
        assert_eq!(m.imsi().unwrap(), "310410111851072");
        assert_eq!(m.iccid().unwrap(), "89014103211118510720");
        m.registration().unwrap();
        m.context_up("hologram").unwrap();
        let e = m
            .raw("AT+CPIN=\"4791\"", Duration::from_secs(5))
            .unwrap_err();
        errors.push(e.to_string());
        let e = m
            .raw("AT+CLCK=\"SC\",0,\"4791\"", Duration::from_secs(5))
            .unwrap_err();
        errors.push(e.to_string());
        let r = m.raw("AT+CIMI", Duration::from_secs(5)).unwrap();
        assert!(r.lines.iter().any(|l| l == "310410111851072"));
        assert!(sim
            .controller()
            .command_log()
            .iter()
            .all(|c| !c.contains("4791")));
    }
    let lines = CAPTURE.0.lock().unwrap().clone();
    assert!(lines.len() > 50, "the capture works: {}", lines.len());
    for secret in [
        "4791",
        "310410111851072",
        "89014103211118510720",
        "98101430121181157002",
    ] {
        for l in lines.iter().chain(&errors) {
            assert!(!l.contains(secret), "{secret} in {l:?}");
        }
    }
}
