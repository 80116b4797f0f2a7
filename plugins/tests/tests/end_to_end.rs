//! The example plugins, loaded from a directory as a user would: the
//! conformance kit through the loaded `.so`, and a message sent through the
//! cloud simulator with a plugin as the network.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hologram::{AdapterConfig, AdapterContext, Credentials, Delivery, EventSink, Hologram};
use hologram_conformance::{run_network_suite, NetworkSuite, Outcome, Report};
use hologram_plugin_loader::{load_file, LoadedPlugin};
use hologram_plugin_tests::{fake_sysfs, library, plugin_dir, Fixture};
use hologram_ports::NetworkInterface;
use hologram_sim::cloud::CloudSim;

fn suite(plugin: &LoadedPlugin, config: AdapterConfig, can_connect: bool) -> Report {
    let make = |events: Arc<dyn EventSink>| -> Box<dyn NetworkInterface> {
        plugin
            .make(&AdapterContext::new(events, config.clone()))
            .expect("the plugin builds its interface")
    };
    let report = run_network_suite(make, NetworkSuite::new(can_connect));
    println!(
        "{} through {}:\n{report}",
        plugin.name(),
        plugin.path().display()
    );
    report
}

fn assert_all_passed(report: &Report) {
    let skipped: Vec<_> = report.skipped().collect();
    assert!(skipped.is_empty(), "{report}");
    assert_eq!(report.passed().count(), 7, "{report}");
}

#[test]
fn conformance_kit_through_the_loaded_template() {
    let plugin = load_file(&library(Fixture::Template)).unwrap();
    assert_all_passed(&suite(&plugin, AdapterConfig::new(), true));
}

#[test]
fn conformance_kit_through_the_loaded_ethernet_plugin() {
    let plugin = load_file(&library(Fixture::Ethernet)).unwrap();
    let sysfs = fake_sysfs();
    let at = |iface: &str| {
        AdapterConfig::new()
            .with("sysfs", sysfs.path().to_str().unwrap())
            .with("interface", iface)
    };
    assert_all_passed(&suite(&plugin, at("eth0"), true));

    // A cable that is not plugged in: the rules that need no connection.
    let report = suite(&plugin, at("eth1"), false);
    for line in report.entries() {
        match &line.outcome {
            Outcome::Passed => {}
            Outcome::Skipped { reason } => {
                assert!(reason.contains("needs a connection"), "{report}")
            }
            Outcome::Failed { .. } => panic!("{report}"),
        }
    }
    assert_eq!(report.passed().count(), 3, "{report}");
}

#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Seen {
    fn names(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[test]
fn send_through_the_simulator_over_a_plugin_network() {
    let cloud = CloudSim::builder().start().unwrap();
    let dir = plugin_dir(&[Fixture::Template, Fixture::Ethernet]);
    let sysfs = fake_sysfs();
    let mut hologram = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678").unwrap())
        .plugins_dir(dir.path())
        .network("ethernet")
        .network_config(
            AdapterConfig::new()
                .with("sysfs", sysfs.path().to_str().unwrap())
                .with("interface", "eth0"),
        )
        .transport("cloud")
        .authentication("csrpsk")
        .endpoint("127.0.0.1", cloud.port())
        .build()
        .unwrap();
    assert!(hologram.plugin_failures().is_empty());
    assert_eq!(hologram.network_name(), Some("ethernet"));

    let seen = Arc::new(Seen::default());
    for name in [
        "ethernet.connected",
        "network.connected",
        "ethernet.disconnected",
        "network.disconnected",
        "message.sent",
        "message.buffered",
    ] {
        let s = seen.clone();
        hologram
            .events()
            .subscribe(name, move |e| s.0.lock().unwrap().push(e.to_string()));
    }

    // The link is down: the message waits in the outbox.
    let queued = hologram.send_message("while down", &["plugins"]).unwrap();
    assert!(queued.is_queued(), "{queued:?}");

    // Connecting through the plugin emits its events on the bus, and
    // network.connected flushes the outbox.
    let flushed = hologram.connect().unwrap();
    assert!(hologram.network().unwrap().is_connected());
    assert!(flushed.iter().any(|r| r.is_delivered()), "{flushed:?}");

    let receipt = hologram
        .send_message("hello from a plugin", &["plugins", "ethernet"])
        .unwrap();
    assert!(
        matches!(receipt.delivery(), Delivery::Acknowledged { .. }),
        "{receipt:?}"
    );
    assert!(cloud.wait_for_messages(2, Duration::from_secs(10)));
    let data: Vec<String> = cloud.messages().into_iter().map(|m| m.data).collect();
    assert_eq!(data, ["while down", "hello from a plugin"]);
    assert_eq!(cloud.messages()[1].topics, ["plugins", "ethernet"]);

    // A wired link has no signal strength: the query says so.
    assert!(matches!(
        hologram.network().unwrap().avg_signal_strength(),
        Err(hologram::NetworkError::Unsupported { .. })
    ));

    hologram.disconnect().unwrap();
    let names = seen.names();
    let pos = |n: &str| {
        names
            .iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("{n} not in {names:?}"))
    };
    assert!(
        pos("ethernet.connected") < pos("network.connected"),
        "{names:?}"
    );
    assert!(pos("network.connected") < pos("message.sent"), "{names:?}");
    assert!(
        pos("ethernet.disconnected") < pos("network.disconnected"),
        "{names:?}"
    );
}

#[test]
fn the_template_plugin_as_the_network() {
    let cloud = CloudSim::builder().start().unwrap();
    let dir = plugin_dir(&[Fixture::Template]);
    let mut hologram = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678").unwrap())
        .plugins_dir(dir.path())
        .network("loopback")
        .endpoint("127.0.0.1", cloud.port())
        .build()
        .unwrap();
    hologram.connect().unwrap();
    let receipt = hologram.send_message("over loopback", &["t"]).unwrap();
    assert!(receipt.is_delivered(), "{receipt:?}");
    assert!(cloud.wait_for_messages(1, Duration::from_secs(10)));
}
