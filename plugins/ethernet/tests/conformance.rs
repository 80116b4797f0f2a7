//! The conformance kit on the `ethernet` plugin, linked natively (the
//! `rlib`), over a fake sysfs tree; `plugins/tests` runs the same kit
//! through the loaded `.so`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use hologram_plugin_ethernet::Ethernet;
use hologram_ports::{AdapterConfig, AdapterContext, EventSink, NetworkError, NetworkInterface};

/// A fake `/sys/class/net`: `eth0` plugged in, `eth1` unplugged, `wlan0`
/// wireless, `eth2` administratively down.
fn sysfs() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for (name, flags, carrier, wireless) in [
            ("eth0", "0x1003", Some("1"), false),
            ("eth1", "0x1003", Some("0"), false),
            ("eth2", "0x1002", None, false),
            ("wlan0", "0x1003", Some("1"), true),
        ] {
            let d = dir.path().join(name);
            std::fs::create_dir_all(d.join("device")).unwrap();
            std::fs::write(d.join("type"), "1\n").unwrap();
            std::fs::write(d.join("flags"), format!("{flags}\n")).unwrap();
            if let Some(c) = carrier {
                std::fs::write(d.join("carrier"), format!("{c}\n")).unwrap();
            }
            if wireless {
                std::fs::create_dir_all(d.join("wireless")).unwrap();
            }
        }
        dir
    })
    .path()
}

fn on(interface: &str, events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    let config = AdapterConfig::new()
        .with("sysfs", sysfs().to_str().unwrap())
        .with("interface", interface);
    Box::new(Ethernet::from_context(&AdapterContext::new(events, config)).unwrap())
}

fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
    on("eth0", events)
}

hologram_conformance::network_tests!(make, can_connect = true);

mod unplugged {
    use super::*;

    fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
        on("eth1", events)
    }

    hologram_conformance::network_tests!(make, can_connect = false);
}

#[test]
fn each_reason_is_said() {
    let sink: Arc<dyn EventSink> = Arc::new(hologram_ports::NullEventSink);
    let cases = [
        ("eth1", "is the cable plugged in"),
        ("eth2", "administratively down"),
        ("wlan0", "not a wired Ethernet interface"),
        ("eth9", "no network interface named"),
    ];
    for (name, want) in cases {
        let e: NetworkError = on(name, sink.clone()).connect().unwrap_err();
        assert!(e.to_string().contains(want), "{name}: {e}");
    }
    let ctx = AdapterContext::new(
        sink,
        AdapterConfig::new().with("sysfs", sysfs().to_str().unwrap()),
    );
    assert_eq!(Ethernet::from_context(&ctx).unwrap().interface(), "eth0");
}
