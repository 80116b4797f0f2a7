//! The `cellular` network interface over the modem simulator: the
//! conformance kit's network rules for every model, and connect's faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hologram_cellular::driver::Timeouts;
use hologram_cellular::{Cellular, ModemOptions};
use hologram_conformance::{run_network_suite, NetworkSuite};
use hologram_ports::{
    AdapterConfig, AdapterContext, Event, EventSink, NetworkError, NetworkInterface,
};
use hologram_sim::modem::{ModemFaults, ModemSim, ModemSimConfig, SimModel};

fn simulated(model: SimModel, events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    let config = AdapterConfig::new().with("simulate", model.name());
    Box::new(Cellular::from_context(&AdapterContext::new(events, config)).unwrap())
}

fn make_u201(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    simulated(SimModel::SaraU201, events)
}

hologram_conformance::network_tests!(make_u201, can_connect = true);

#[test]
fn conformance_on_every_model() {
    for model in SimModel::ALL {
        let report = run_network_suite(move |e| simulated(model, e), NetworkSuite::new(true));
        assert_eq!(report.passed().count(), 7, "{model}: {report}");
    }
}

#[derive(Default)]
struct Log(Mutex<Vec<String>>);
impl EventSink for Log {
    fn emit(&self, event: &Event) {
        self.0.lock().unwrap().push(event.name().to_owned());
    }
}

fn on(sim: &ModemSim, events: Arc<dyn EventSink>, command: Duration) -> Cellular {
    let options = ModemOptions {
        device: Some(sim.path().to_path_buf()),
        timeouts: Timeouts {
            command,
            context: command,
            location: command,
        },
        ..ModemOptions::default()
    };
    Cellular::new(options, events).with_registration_timeout(Duration::from_secs(2))
}

#[test]
fn connect_brings_the_context_up_and_is_connected_asks_the_modem() {
    let sim = ModemSim::start(ModemSimConfig::new(SimModel::Bg96)).unwrap();
    let log = Arc::new(Log::default());
    let mut net = on(&sim, log.clone(), Duration::from_secs(5)).with_apn("custom.apn");
    assert!(!net.is_connected());
    net.connect().unwrap();
    assert_eq!(
        *log.0.lock().unwrap(),
        ["cellular.connected", "network.connected"]
    );
    assert!(sim.controller().pdp_active());
    assert_eq!(sim.controller().apn(), "custom.apn");
    assert!(net.is_connected());
    assert_eq!(net.avg_signal_strength().unwrap().dbm(), -73);
    sim.controller().set_csq(10);
    assert_eq!(net.max_signal_strength().unwrap().dbm(), -73);
    // Samples -73, -93, -93.
    assert_eq!(net.avg_signal_strength().unwrap().dbm(), -86);
    // The network drops: is_connected says so without any local change.
    sim.controller().set_registration_lost(true);
    assert!(!net.is_connected());
    sim.controller().set_registration_lost(false);
    assert!(net.is_connected());
    net.disconnect().unwrap();
    assert!(!sim.controller().pdp_active());
    assert!(!net.is_connected());
    assert_eq!(net.iccid().unwrap(), "89014103211118510720");
}

#[test]
fn connect_faults_are_typed_and_emit_nothing() {
    let cases: [(ModemSimConfig, &str); 3] = [
        (
            ModemSimConfig::new(SimModel::SaraU201).without_sim(),
            "no SIM card",
        ),
        (
            ModemSimConfig::new(SimModel::Ec21).with_faults(ModemFaults::new(0).with_sim_pin()),
            "never enters a PIN",
        ),
        (
            ModemSimConfig::new(SimModel::SaraR410)
                .with_faults(ModemFaults::new(0).with_not_registered()),
            "cellular registration",
        ),
    ];
    for (config, want) in cases {
        let sim = ModemSim::start(config).unwrap();
        let log = Arc::new(Log::default());
        let mut net = on(&sim, log.clone(), Duration::from_secs(5));
        let e = net.connect().unwrap_err();
        assert!(e.to_string().contains(want), "{e}");
        assert!(!net.is_connected());
        assert!(log.0.lock().unwrap().is_empty());
        assert!(net.disconnect().is_ok());
    }
}

/// A modem that stops answering mid-way: connect fails within its
/// timeouts with a typed error and `cellular.stuck`; never a hang.
#[test]
fn stuck_modem_fails_connect_in_bounded_time() {
    let sim = ModemSim::start(
        ModemSimConfig::new(SimModel::SaraU201)
            .with_faults(ModemFaults::new(0).with_stuck(10, u64::MAX)),
    )
    .unwrap();
    let log = Arc::new(Log::default());
    let mut net = on(&sim, log.clone(), Duration::from_millis(500));
    let e = net.connect().unwrap_err();
    assert!(matches!(e, NetworkError::Timeout { .. }), "{e:?}");
    assert!(log.0.lock().unwrap().iter().any(|n| n == "cellular.stuck"));
    assert!(!net.is_connected());
}

#[test]
fn settings_are_checked() {
    let bad = [
        ("modem", "nova"),
        ("apn", "has space"),
        ("simulate", "nokia"),
        ("timeout", "0"),
        ("colour", "red"),
    ];
    for (k, v) in bad {
        let ctx = AdapterContext::new(
            Arc::new(hologram_ports::NullEventSink),
            AdapterConfig::new().with(k, v),
        );
        assert!(Cellular::from_context(&ctx).is_err(), "{k}={v}");
    }
}
