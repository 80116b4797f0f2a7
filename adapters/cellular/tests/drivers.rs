//! Every driver against the modem simulator, through a real pty and the
//! real serial code: queries, controls, and each fault of the plan.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hologram_cellular::driver::Timeouts;
use hologram_cellular::query::{Rat, RegStatus};
use hologram_cellular::{
    CellularError, Model, Modem, ModemOptions, SimState, EVENT_RESET, EVENT_STUCK,
};
use hologram_ports::{Event, EventSink, NullEventSink};
use hologram_sim::modem::{ModemFaults, ModemSim, ModemSimConfig, SimModel};

#[derive(Default)]
struct Log(Mutex<Vec<String>>);
impl EventSink for Log {
    fn emit(&self, event: &Event) {
        self.0.lock().unwrap().push(event.name().to_owned());
    }
}
impl Log {
    fn count(&self, name: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|n| *n == name).count()
    }
}

fn options(path: PathBuf, command: Duration) -> ModemOptions {
    ModemOptions {
        device: Some(path),
        timeouts: Timeouts {
            command,
            context: command,
            location: command,
        },
        ..ModemOptions::default()
    }
}

fn model_of(m: SimModel) -> Model {
    m.name().parse().unwrap()
}

fn open(config: ModemSimConfig) -> (ModemSim, Modem) {
    let sim = ModemSim::start(config).unwrap();
    let modem = Modem::open(
        &options(sim.path().to_path_buf(), Duration::from_secs(5)),
        Arc::new(NullEventSink),
    )
    .unwrap();
    (sim, modem)
}

#[test]
fn every_model_answers_every_query() {
    for sim_model in SimModel::ALL {
        let (sim, mut m) = open(ModemSimConfig::new(sim_model));
        let model = model_of(sim_model);
        assert_eq!(m.model(), model, "detected from +CGMM");
        assert_eq!(m.signal().unwrap().dbm(), Some(-73), "{model}");
        assert_eq!(m.iccid().unwrap(), "89014103211118510720", "{model}");
        assert_eq!(m.imsi().unwrap(), "310410111851072", "{model}");
        assert_eq!(m.imei().unwrap(), "352753090000001", "{model}");
        assert_eq!(m.operator().unwrap().as_deref(), Some("AT&T"), "{model}");
        assert_eq!(m.sim_state().unwrap(), SimState::Ready);
        let reg = m.registration().unwrap();
        assert_eq!(reg.status, RegStatus::Roaming, "{model}");
        let want_rat = if model.lte() { Rat::Eutran } else { Rat::Utran };
        assert_eq!(reg.rat, Some(want_rat), "{model}");
        assert!(!m.firmware().unwrap().is_empty());
        assert!(!m.model_name().unwrap().is_empty());
        assert!(!m.manufacturer().unwrap().is_empty());
        let lte = m.lte_signal().unwrap();
        assert_eq!(lte.is_some(), model.lte(), "{model}");
        if let Some(l) = lte {
            assert_eq!(l.rsrp_dbm, Some(-96));
        }
        // Data context up and down.
        assert!(!m.context_active().unwrap());
        m.context_up("hologram").unwrap();
        assert!(m.context_active().unwrap(), "{model}");
        assert!(sim.controller().pdp_active());
        assert_eq!(sim.controller().apn(), "hologram");
        match m.location() {
            Ok(loc) => {
                assert_eq!(model, Model::SaraU201);
                assert_eq!(loc.latitude, "41.8781136");
                assert_eq!(loc.longitude, "-87.6297982");
            }
            Err(e) => {
                assert_ne!(model, Model::SaraU201, "{e}");
                assert!(matches!(e, CellularError::Unsupported { .. }), "{e}");
            }
        }
        m.context_down().unwrap();
        assert!(!m.context_active().unwrap());
        // Radio off: no registration, no signal.
        m.set_radio(false).unwrap();
        assert!(!m.radio_on().unwrap());
        assert!(!m.registration().unwrap().status.is_registered());
        assert_eq!(m.signal().unwrap().dbm(), None);
        assert_eq!(m.operator().unwrap(), None, "{model}");
        m.set_radio(true).unwrap();
        assert!(m.registration().unwrap().status.is_registered());
        // Raw command and reset.
        let r = m.raw("AT+CSQ", Duration::from_secs(5)).unwrap();
        assert_eq!(r.value("+CSQ"), Some("20,99"));
        m.reset().unwrap();
        assert_eq!(
            sim.controller().resets(),
            1,
            "{model}: its own reset command"
        );
        assert!(m.stats().commands > 20);
    }
}

#[test]
fn forced_model_and_cme_meanings() {
    let (_sim, mut m) = open(ModemSimConfig::new(SimModel::Generic));
    let e = m.raw("AT+NOPE", Duration::from_secs(5)).unwrap_err();
    assert!(e.to_string().contains("ERROR"), "{e}");
    let sim = ModemSim::start(ModemSimConfig::new(SimModel::Bg96)).unwrap();
    let mut o = options(sim.path().to_path_buf(), Duration::from_secs(5));
    o.model = Some(Model::Ec25);
    let mut m = Modem::open(&o, Arc::new(NullEventSink)).unwrap();
    assert_eq!(m.model(), Model::Ec25);
    assert_eq!(m.iccid().unwrap(), "89014103211118510720");
}

#[test]
fn no_sim_and_sim_pin_are_typed() {
    let (_s, mut m) = open(ModemSimConfig::new(SimModel::SaraU201).without_sim());
    assert_eq!(m.sim_state().unwrap(), SimState::Missing);
    let e = m.iccid().unwrap_err();
    assert!(e.to_string().contains("SIM not inserted"), "{e}");
    assert!(!m.registration().unwrap().status.is_registered());

    let (_s, mut m) =
        open(ModemSimConfig::new(SimModel::Bg96).with_faults(ModemFaults::new(1).with_sim_pin()));
    assert_eq!(m.sim_state().unwrap(), SimState::Locked("SIM PIN".into()));
    let e = m.imsi().unwrap_err();
    assert!(e.to_string().contains("SIM PIN required"), "{e}");
}

#[test]
fn not_registered_and_registration_lost() {
    let (_s, mut m) = open(
        ModemSimConfig::new(SimModel::SaraR410)
            .with_faults(ModemFaults::new(1).with_not_registered()),
    );
    assert_eq!(m.registration().unwrap().status, RegStatus::Searching);
    assert!(m.context_up("hologram").is_err());

    let (sim, mut m) = open(ModemSimConfig::new(SimModel::Ec21));
    assert!(m.registration().unwrap().status.is_registered());
    sim.controller().set_registration_lost(true);
    assert_eq!(m.registration().unwrap().status, RegStatus::Searching);
    sim.controller().set_registration_lost(false);
    assert!(m.registration().unwrap().status.is_registered());
}

/// Registration lost for a window of commands (the fault plan), with
/// the registration URCs the modem sends each way.
#[test]
fn registration_lost_for_a_while() {
    let faults = ModemFaults::new(3).with_registration_lost(15, 4);
    let (sim, mut m) = open(ModemSimConfig::new(SimModel::SaraU201).with_faults(faults));
    let mut states = Vec::new();
    while sim.controller().commands() < 30 {
        states.push(
            m.signal()
                .map(|_| ())
                .and_then(|()| m.registration())
                .unwrap()
                .status,
        );
    }
    assert!(states.contains(&RegStatus::Searching), "{states:?}");
    assert_eq!(states.last(), Some(&RegStatus::Roaming), "{states:?}");
    assert!(m.stats().urcs >= 2, "{:?}", m.stats());
}

/// Garbage lines, URCs inside answers and 1 MB lines, seeded: every answer
/// still right, every cut line counted.
#[test]
fn noisy_channel_keeps_every_answer() {
    for seed in 0..4 {
        let faults = ModemFaults::new(seed)
            .with_garbage_one_in(2)
            .with_urc_mid_answer_one_in(2)
            .with_huge_line_one_in(15);
        let (_s, mut m) = open(ModemSimConfig::new(SimModel::SaraU201).with_faults(faults));
        for _ in 0..25 {
            assert_eq!(m.signal().unwrap().dbm(), Some(-73));
            assert_eq!(m.imsi().unwrap(), "310410111851072");
            assert_eq!(m.operator().unwrap().as_deref(), Some("AT&T"));
        }
        let st = m.stats();
        assert!(st.urcs > 0 && st.stray_lines > 0, "{st:?}");
        assert!(st.cut_lines > 0, "seed {seed}: {st:?}");
    }
}

/// A stuck channel: every query fails with a timeout (never hangs), the
/// adapter says `cellular.stuck` once and resets every 3 failures.
#[test]
fn stuck_channel_watchdog() {
    let sim = ModemSim::start(
        ModemSimConfig::new(SimModel::SaraU201).with_faults(ModemFaults::new(0).with_stuck(12, 10)),
    )
    .unwrap();
    let log = Arc::new(Log::default());
    let mut m = Modem::open(
        &options(sim.path().to_path_buf(), Duration::from_secs(1)),
        log.clone(),
    )
    .unwrap();
    let before = sim.controller().commands();
    assert!(before <= 12, "init used {before} commands");
    while sim.controller().commands() < 12 {
        m.signal().unwrap();
    }
    for _ in 0..3 {
        let e = m.signal().unwrap_err();
        assert!(
            matches!(e, CellularError::At(ref a) if a.is_channel_failure()),
            "{e}"
        );
    }
    assert_eq!(log.count(EVENT_STUCK), 1);
    assert_eq!(log.count(EVENT_RESET), 1);
    // The stuck window covers 10 commands (3 queries + 1 reset so far).
    for _ in 0..6 {
        let _ = m.signal();
    }
    assert_eq!(
        m.signal().unwrap().dbm(),
        Some(-73),
        "answers again after the window"
    );
    assert_eq!(log.count(EVENT_STUCK), 1, "one event per episode");
}

/// The port disappears: a typed I/O error, and the modem asks to be reopened.
#[test]
fn port_that_disappears() {
    let sim = ModemSim::start(
        ModemSimConfig::new(SimModel::Bg96).with_faults(ModemFaults::new(0).with_eio_after(15)),
    )
    .unwrap();
    let path = sim.path().to_path_buf();
    let mut m = Modem::open(
        &options(path.clone(), Duration::from_secs(2)),
        Arc::new(NullEventSink),
    )
    .unwrap();
    let mut failure = None;
    for _ in 0..20 {
        if let Err(e) = m.signal() {
            failure = Some(e);
            break;
        }
    }
    let e = failure.expect("the port went away");
    assert!(
        m.port_failed() || matches!(e, CellularError::At(ref a) if a.is_channel_failure()),
        "{e}"
    );
    assert!(sim.controller().port_gone());
    drop(m);
    let again = Modem::open(
        &options(path, Duration::from_millis(500)),
        Arc::new(NullEventSink),
    );
    assert!(again.is_err(), "the pty is gone");
}

/// Slow answers: within the timeout they arrive; beyond it, a timeout and
/// the late answer is not mistaken for the next command's.
#[test]
fn slow_answers() {
    let sim = ModemSim::start(ModemSimConfig::new(SimModel::SaraR410)).unwrap();
    let mut m = Modem::open(
        &options(sim.path().to_path_buf(), Duration::from_millis(400)),
        Arc::new(NullEventSink),
    )
    .unwrap();
    sim.controller()
        .set_faults(ModemFaults::new(0).with_slow_answers(Duration::from_millis(1200)));
    let e = m.imsi().unwrap_err();
    assert!(
        matches!(e, CellularError::At(ref a) if a.is_channel_failure()),
        "{e}"
    );
    sim.controller().set_faults(ModemFaults::new(0));
    // Wait (bounded by count) until the late answer has arrived and been
    // set aside as stray lines, then ask something else.
    for _ in 0..100 {
        if m.stats().stray_lines >= 2 {
            break;
        }
        m.poll_urcs(Duration::from_millis(100)).unwrap();
    }
    assert!(m.stats().stray_lines >= 2, "{:?}", m.stats());
    assert_eq!(m.iccid().unwrap(), "89014103211118510720");
    assert_eq!(m.imsi().unwrap(), "310410111851072");
}

/// Detection over a fake sysfs tree whose tty nodes lead to the simulator:
/// the first port does not exist, the second answers.
#[test]
fn detection_probes_the_ports_of_a_known_modem() {
    let sim = ModemSim::start(ModemSimConfig::new(SimModel::Bg96)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sysfs = dir.path().join("sys");
    let dev = dir.path().join("dev");
    let usb = sysfs.join("1-1.3");
    std::fs::create_dir_all(usb.join("1-1.3:1.1/ttyUSB1")).unwrap();
    std::fs::create_dir_all(usb.join("1-1.3:1.2/ttyUSB2")).unwrap();
    std::fs::write(usb.join("idVendor"), "2c7c\n").unwrap();
    std::fs::write(usb.join("idProduct"), "0296\n").unwrap();
    std::fs::create_dir_all(&dev).unwrap();
    std::os::unix::fs::symlink(sim.path(), dev.join("ttyUSB2")).unwrap();
    let options = ModemOptions {
        sysfs,
        dev: dev.clone(),
        ..ModemOptions::default()
    };
    let mut m = Modem::open(&options, Arc::new(NullEventSink)).unwrap();
    assert_eq!(m.model(), Model::Bg96);
    assert_eq!(m.device(), dev.join("ttyUSB2"));
    assert_eq!(m.iccid().unwrap(), "89014103211118510720");
}

/// A port another process holds: the error names it and says what to do.
#[test]
fn a_port_held_by_another_process_names_it() {
    let sim = ModemSim::start(ModemSimConfig::new(SimModel::SaraU201)).unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sim.path())
        .unwrap();
    let mut holder = std::process::Command::new("sleep")
        .arg("30")
        .stdin(held)
        .spawn()
        .expect("sleep runs");
    let e = Modem::open(
        &options(sim.path().to_path_buf(), Duration::from_secs(2)),
        Arc::new(NullEventSink),
    )
    .unwrap_err();
    let _ = holder.kill();
    let _ = holder.wait();
    let text = e.to_string();
    assert!(matches!(e, CellularError::Busy { .. }), "{text}");
    assert!(
        text.contains(&format!("sleep (pid {})", holder.id())),
        "{text}"
    );
    assert!(text.contains("ModemManager"), "{text}");
}
