//! The `sim` network interface: events, queries, the fault plan and the factory.

use std::sync::{Arc, Mutex};

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, AdapterError, ConfigError, Event, EventSink,
    MacAddress, NetworkCapabilities, NetworkError, NetworkInterface, SignalSource, Ssid,
};
use hologram_sim::{FaultPlan, SimNetwork, CONFIG_KEYS, DEFAULT_SSID, NETWORK_NAME};
use proptest::prelude::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl EventSink for Recorder {
    fn emit(&self, event: &Event) {
        self.0.lock().unwrap().push(event.name().to_owned());
    }
}

impl Recorder {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

const UP: [&str; 2] = ["wifi.connected", "network.connected"];
const DOWN: [&str; 2] = ["wifi.disconnected", "network.disconnected"];

fn network() -> (SimNetwork, Arc<Recorder>) {
    let events = Arc::new(Recorder::default());
    (SimNetwork::new(events.clone()), events)
}

#[test]
fn transitions_emit_events_exactly_once() {
    let (mut net, events) = network();
    assert_eq!(net.capabilities(), NetworkCapabilities::ALL);
    assert!(!net.is_connected());
    net.disconnect().unwrap();
    assert!(
        events.take().is_empty(),
        "disconnect when down emits nothing"
    );
    net.connect().unwrap();
    assert_eq!(events.take(), UP);
    net.connect().unwrap();
    assert!(events.take().is_empty(), "connect when up emits nothing");
    assert!(net.is_connected());
    net.reconnect().unwrap();
    assert_eq!(events.take(), [DOWN, UP].concat());
    net.disconnect().unwrap();
    assert_eq!(events.take(), DOWN);
    net.reconnect().unwrap();
    assert_eq!(events.take(), UP, "reconnect from down only connects");
    let c = net.controller().counters();
    assert_eq!((c.connects, c.disconnects, c.drops), (3, 2, 0));
}

#[test]
fn queries_answer_while_up_only() {
    let (mut net, _) = network();
    let ctl = net.controller();
    assert_eq!(net.ssid(), Err(NetworkError::NotConnected));
    assert_eq!(net.ap_address(), Err(NetworkError::NotConnected));
    assert_eq!(net.avg_signal_strength(), Err(NetworkError::NotConnected));
    assert_eq!(net.max_signal_strength(), Err(NetworkError::NotConnected));
    net.connect().unwrap();
    assert_eq!(net.ssid().unwrap().as_bytes(), DEFAULT_SSID.as_bytes());
    ctl.set_ssid(Ssid::new(b"lab").unwrap());
    let mac: MacAddress = "02:11:22:33:44:55".parse().unwrap();
    ctl.set_ap_address(mac);
    assert_eq!(net.ssid().unwrap().to_string(), "lab");
    assert_eq!(net.ap_address().unwrap(), mac);
}

#[test]
fn signal_average_and_maximum_since_connect() {
    let (mut net, _) = network();
    let ctl = net.controller();
    ctl.set_signal_dbm(-70);
    net.connect().unwrap(); // reading -70
    ctl.set_signal_dbm(-40); // reading -40
    ctl.set_signal_dbm(-60); // reading -60
    let max = net.max_signal_strength().unwrap(); // reading -60
    assert_eq!(max.dbm(), -40);
    assert_eq!(max.source(), SignalSource::Simulated);
    // Readings -70, -40, -60, -60 and this one, -60: mean -58.
    assert_eq!(net.avg_signal_strength().unwrap().dbm(), -58);
    // A new connection starts new readings.
    net.reconnect().unwrap();
    assert_eq!(net.max_signal_strength().unwrap().dbm(), -60);
    assert_eq!(net.avg_signal_strength().unwrap().dbm(), -60);
}

#[test]
fn controller_forces_the_link() {
    let (mut net, events) = network();
    let ctl = net.controller();
    assert!(!ctl.force_link_down());
    net.connect().unwrap();
    events.take();
    assert!(ctl.force_link_down());
    assert_eq!(events.take(), DOWN);
    assert!(!net.is_connected());
    assert!(!ctl.is_connected());
    assert!(ctl.force_link_up());
    assert!(!ctl.force_link_up());
    assert_eq!(events.take(), UP);
    assert_eq!(ctl.counters().drops, 1);
}

#[test]
fn refused_connects_then_success() {
    let (mut net, events) = network();
    let ctl = net.controller();
    ctl.set_fault_plan(FaultPlan::new(1).with_refuse_connects(2));
    for _ in 0..2 {
        assert!(matches!(
            net.connect(),
            Err(NetworkError::ConnectFailed { .. })
        ));
        assert!(!net.is_connected());
    }
    assert!(events.take().is_empty());
    net.connect().unwrap();
    assert_eq!(events.take(), UP);
    let c = ctl.counters();
    assert_eq!((c.connect_attempts, c.refused, c.connects), (3, 2, 1));
    // Later calls still work after an error.
    net.disconnect().unwrap();
}

#[test]
fn drop_after_n_operations_once() {
    let (mut net, events) = network();
    let ctl = net.controller();
    net.connect().unwrap();
    events.take();
    ctl.set_fault_plan(FaultPlan::new(0).with_drop_after(3));
    assert!(net.is_connected());
    assert!(net.is_connected());
    assert!(net.ssid().is_ok());
    // The fourth operation finds the link dropped.
    assert!(!net.is_connected());
    assert_eq!(events.take(), DOWN);
    net.connect().unwrap();
    for _ in 0..50 {
        assert!(net.is_connected(), "the drop happens once");
    }
    assert_eq!(ctl.counters().drops, 1);
}

/// Runs a fixed script on a fresh network with `plan`; returns the events
/// and what `is_connected` said at each step.
fn run_script(plan: FaultPlan) -> (Vec<String>, Vec<bool>) {
    let (mut net, events) = network();
    net.controller().set_fault_plan(plan);
    let mut seen = Vec::new();
    let _ = net.connect();
    for i in 0..200 {
        seen.push(net.is_connected());
        if i % 37 == 0 {
            let _ = net.reconnect();
        }
        let _ = net.avg_signal_strength();
    }
    (events.take(), seen)
}

#[test]
fn flapping_repeats_with_the_seed() {
    let plan = FaultPlan::new(2024)
        .with_flap_every(5)
        .with_refuse_connects(1);
    let first = run_script(plan);
    assert_eq!(first, run_script(plan), "same seed, same run");
    assert!(first.0.len() > 20, "the link flapped: {:?}", first.0.len());
    assert!(first.1.contains(&true) && first.1.contains(&false));
    let other = run_script(FaultPlan::new(7).with_flap_every(5).with_refuse_connects(1));
    assert_ne!(first, other, "another seed, another schedule");
}

#[test]
fn flapping_stops_when_the_user_disconnects() {
    let (mut net, events) = network();
    net.controller()
        .set_fault_plan(FaultPlan::new(3).with_flap_every(2));
    net.connect().unwrap();
    net.disconnect().unwrap();
    events.take();
    for _ in 0..100 {
        assert!(!net.is_connected());
    }
    assert!(events.take().is_empty());
}

fn descriptor() -> &'static AdapterDescriptor {
    hologram_ports::inventory::iter::<AdapterDescriptor>()
        .find(|d| d.name == NETWORK_NAME)
        .expect("the sim network is registered")
}

fn build(config: AdapterConfig) -> Result<Box<dyn NetworkInterface>, AdapterError> {
    let factory = descriptor()
        .factory_for::<dyn hologram_ports::NetworkInterface>()
        .expect("a network factory");
    factory(&AdapterContext::new(Arc::new(Recorder::default()), config))
}

#[test]
fn factory_is_registered_and_reads_its_config() {
    assert_eq!(descriptor().kind(), hologram_ports::AdapterKind::Network);
    let net = build(AdapterConfig::new()).unwrap();
    assert!(!net.is_connected());
    let net = build(
        AdapterConfig::new()
            .with("ssid", "office")
            .with("connected", "true")
            .with("seed", "9")
            .with("drop_after", "2")
            .with("refuse_connects", "1")
            .with("flap_every", "1000000"),
    )
    .unwrap();
    assert!(net.is_connected());
    assert_eq!(net.ssid().unwrap().to_string(), "office");
    assert!(!net.is_connected(), "dropped after 2 operations");
}

#[test]
fn the_largest_configured_numbers_do_not_panic() {
    let mut net = build(
        AdapterConfig::new()
            .with("flap_every", u64::MAX.to_string())
            .with("drop_after", u64::MAX.to_string())
            .with("seed", u64::MAX.to_string()),
    )
    .unwrap();
    net.connect().unwrap();
    for _ in 0..20 {
        assert!(net.is_connected());
    }
}

#[test]
fn factory_rejects_bad_config() {
    match build(AdapterConfig::new().with("ssdi", "x")) {
        Err(AdapterError::Config(ConfigError::UnknownKey { key, known, .. })) => {
            assert_eq!(key, "ssdi");
            assert_eq!(known, CONFIG_KEYS);
        }
        other => panic!("{:?}", other.err()),
    }
    for (key, value) in [
        ("ssid", ""),
        ("ssid", &"x".repeat(33)),
        ("seed", "-1"),
        ("connected", "yes"),
        ("flap_every", "0"),
        ("drop_after", "soon"),
        ("refuse_connects", "9999999999"),
    ] {
        match build(AdapterConfig::new().with(key, value)) {
            Err(AdapterError::Config(ConfigError::Invalid { key: k, .. })) => assert_eq!(k, key),
            other => panic!("{key}={value}: {:?}", other.err()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Connect,
    Disconnect,
    Reconnect,
    IsConnected,
    Query,
    ForceDown,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Connect),
        Just(Op::Disconnect),
        Just(Op::Reconnect),
        Just(Op::IsConnected),
        Just(Op::Query),
        Just(Op::ForceDown),
    ]
}

proptest! {
    /// Whatever the plan and the calls, events come in wifi/network pairs
    /// that alternate up and down, and the last one matches the link.
    #[test]
    fn events_always_alternate(
        seed in any::<u64>(),
        flap in 0u64..6,
        drop_after in proptest::option::of(0u64..20),
        refuse in 0u32..3,
        ops in proptest::collection::vec(op(), 0..80),
    ) {
        let (mut net, events) = network();
        let ctl = net.controller();
        let mut plan = FaultPlan::new(seed).with_flap_every(flap).with_refuse_connects(refuse);
        if let Some(n) = drop_after {
            plan = plan.with_drop_after(n);
        }
        ctl.set_fault_plan(plan);
        for op in ops {
            match op {
                Op::Connect => { let _ = net.connect(); }
                Op::Disconnect => prop_assert!(net.disconnect().is_ok()),
                Op::Reconnect => { let _ = net.reconnect(); }
                Op::IsConnected => { net.is_connected(); }
                Op::Query => {
                    // Faults act at the start of the query: it sees their effect.
                    let answered = net.ssid().is_ok();
                    prop_assert_eq!(answered, ctl.is_connected());
                }
                Op::ForceDown => { ctl.force_link_down(); }
            }
        }
        let log = events.take();
        prop_assert_eq!(log.len() % 2, 0);
        let mut up = false;
        for pair in log.chunks(2) {
            let expected: &[&str] = if up { &DOWN } else { &UP };
            prop_assert_eq!(pair, expected);
            up = !up;
        }
        prop_assert_eq!(up, ctl.is_connected());
    }
}
