//! The adapter's logic against a scripted kernel and a fake wpa_supplicant:
//! order of checks, events once per transition, signal rules, settings.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hologram_conformance::testing::RecordingSink;
use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, ConfigError, Event, EventSink, NetworkError,
    NetworkInterface, SignalSource, Ssid,
};

use crate::error::WifiError;
use crate::kernel::{Kernel, Wireless};
use crate::link::LinkStatus;
use crate::nl80211::{Bss, Interface, Station};
use crate::testing::{capture_logs, log_lines, FakeWpa, Script};
use crate::{InterfaceName, Passphrase, Wifi, WifiBuilder};

const IFF_UP: u32 = libc::IFF_UP as u32;
const SECRET: &str = "s3cret-\"passphrase\"";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkMode {
    Missing,
    Present,
}

#[derive(Debug)]
struct State {
    link: LinkMode,
    up: bool,
    nl80211: bool,
    wireless: bool,
    set_link_eperm: bool,
    ssid: Option<Vec<u8>>,
    stations: Vec<Station>,
    scan: Vec<Bss>,
    calls: Vec<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            link: LinkMode::Present,
            up: false,
            nl80211: true,
            wireless: true,
            set_link_eperm: false,
            ssid: Some(b"home".to_vec()),
            stations: vec![Station {
                mac: Some([2, 0, 0, 0, 1, 0]),
                signal: Some(-60),
                signal_avg: Some(-55),
            }],
            scan: Vec::new(),
            calls: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct FakeKernel(Arc<Mutex<State>>);

impl FakeKernel {
    fn with(f: impl FnOnce(&mut State)) -> Self {
        let k = FakeKernel::default();
        f(&mut k.0.lock().unwrap());
        k
    }
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }
    fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }
}

impl Kernel for FakeKernel {
    fn link(&self, name: &InterfaceName) -> Result<LinkStatus, WifiError> {
        let mut s = self.state();
        s.calls.push("link".into());
        match s.link {
            LinkMode::Missing => Err(WifiError::NoSuchInterface(name.clone())),
            LinkMode::Present => Ok(LinkStatus::new(3, if s.up { IFF_UP } else { 0 })),
        }
    }
    fn set_link(&self, _: &InterfaceName, index: u32, up: bool) -> Result<(), WifiError> {
        let mut s = self.state();
        s.calls.push(format!(
            "set_link {index} {}",
            if up { "up" } else { "down" }
        ));
        if s.set_link_eperm {
            return Err(WifiError::from_reply(
                "setting the link up",
                crate::netlink::ReplyError::Kernel(libc::EPERM),
            ));
        }
        s.up = up;
        Ok(())
    }
    fn nl80211(&self) -> Result<Box<dyn Wireless + '_>, WifiError> {
        let mut s = self.state();
        s.calls.push("nl80211".into());
        if s.nl80211 {
            Ok(Box::new(self.clone()))
        } else {
            Err(WifiError::WirelessUnsupported)
        }
    }
}

impl Wireless for FakeKernel {
    fn interface(&mut self, name: &InterfaceName, index: u32) -> Result<Interface, WifiError> {
        let mut s = self.state();
        s.calls.push("interface".into());
        if !s.wireless {
            return Err(WifiError::NotWireless(name.clone()));
        }
        Ok(Interface {
            ifindex: Some(index),
            name: Some(name.to_string()),
            ssid: if s.up { s.ssid.clone() } else { None },
            mac: Some([2, 0, 0, 0, 0, 1]),
        })
    }
    fn stations(&mut self, _: u32) -> Result<Vec<Station>, WifiError> {
        let mut s = self.state();
        s.calls.push("stations".into());
        Ok(if s.up { s.stations.clone() } else { Vec::new() })
    }
    fn scan(&mut self, _: u32) -> Result<Vec<Bss>, WifiError> {
        let mut s = self.state();
        s.calls.push("scan".into());
        // Like cfg80211: the cache outlives the association, the status does not.
        let up = s.up;
        Ok(s.scan
            .iter()
            .cloned()
            .map(|b| Bss {
                status: b.status.filter(|_| up),
                ..b
            })
            .collect())
    }
}

struct Rig {
    wifi: Wifi,
    kernel: FakeKernel,
    events: Arc<RecordingSink>,
    // Keeps an empty control directory alive (no wpa_supplicant there).
    _dir: tempfile::TempDir,
}

fn rig(kernel: FakeKernel, configure: impl FnOnce(WifiBuilder) -> WifiBuilder) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let events = RecordingSink::new();
    let builder = Wifi::builder()
        .wpa_ctrl_dir(dir.path())
        .associate_timeout(Duration::from_millis(300))
        .events(events.clone());
    let wifi = configure(builder).build_with(Box::new(kernel.clone()));
    Rig {
        wifi,
        kernel,
        events,
        _dir: dir,
    }
}

fn with_ssid(
    fake: &FakeWpa,
    ssid: &[u8],
    passphrase: Option<&str>,
) -> impl FnOnce(WifiBuilder) -> WifiBuilder {
    let dir = fake.dir().to_owned();
    let ssid = Ssid::new(ssid).unwrap();
    let passphrase = passphrase.map(|p| Passphrase::new(p).unwrap());
    move |b: WifiBuilder| {
        let b = b.wpa_ctrl_dir(dir).ssid(ssid);
        match passphrase {
            Some(p) => b.passphrase(p),
            None => b,
        }
    }
}

fn all_operations(wifi: &mut Wifi) -> Vec<Result<(), NetworkError>> {
    vec![
        wifi.connect(),
        wifi.ssid().map(drop),
        wifi.ap_address().map(drop),
        wifi.avg_signal_strength().map(drop),
        wifi.max_signal_strength().map(drop),
    ]
}

#[test]
fn checks_run_in_order_and_stop_at_the_first_failure() {
    // 1. No link: nothing else is asked.
    let mut r = rig(FakeKernel::with(|s| s.link = LinkMode::Missing), |b| b);
    for result in all_operations(&mut r.wifi) {
        assert_eq!(
            result,
            Err(NetworkError::NoSuchInterface {
                name: "wlan0".into()
            })
        );
    }
    assert!(r.kernel.calls().iter().all(|c| c == "link"));

    // 2. Link, no nl80211: wireless unsupported, link untouched.
    let mut r = rig(FakeKernel::with(|s| s.nl80211 = false), |b| b);
    for result in all_operations(&mut r.wifi) {
        assert_eq!(result, Err(NetworkError::WirelessUnsupported));
    }
    assert!(!r
        .kernel
        .calls()
        .iter()
        .any(|c| c.starts_with("set_link") || c == "interface"));

    // 3. nl80211, but not this link: not wireless, link untouched.
    let mut r = rig(FakeKernel::with(|s| s.wireless = false), |b| b);
    for result in all_operations(&mut r.wifi) {
        assert_eq!(
            result,
            Err(NetworkError::NotWireless {
                name: "wlan0".into()
            })
        );
    }
    assert!(!r.kernel.calls().iter().any(|c| c.starts_with("set_link")));
    assert_eq!(
        r.wifi.disconnect(),
        Err(NetworkError::NotWireless {
            name: "wlan0".into()
        })
    );

    // 4. The kernel refuses to set the link up.
    let mut r = rig(FakeKernel::with(|s| s.set_link_eperm = true), |b| b);
    assert_eq!(
        r.wifi.connect(),
        Err(NetworkError::PermissionDenied {
            operation: "setting the link up"
        })
    );
    assert_eq!(
        r.kernel.calls()[..4],
        ["link", "nl80211", "interface", "set_link 3 up"]
    );
    assert!(r.events.take().is_empty());
    assert!(!r.wifi.is_connected());
}

#[test]
fn events_once_per_transition_without_ssid() {
    let mut r = rig(FakeKernel::default(), |b| b);
    assert!(!r.wifi.is_connected());
    r.wifi.connect().unwrap();
    assert!(r.wifi.is_connected());
    assert!(r.kernel.state().up);
    assert_eq!(
        r.events.take(),
        [Event::WifiConnected, Event::NetworkConnected]
    );
    r.wifi.connect().unwrap();
    assert!(
        r.events.take().is_empty(),
        "already connected: no second event"
    );

    r.wifi.disconnect().unwrap();
    assert!(!r.wifi.is_connected());
    assert!(!r.kernel.state().up);
    assert_eq!(
        r.events.take(),
        [Event::WifiDisconnected, Event::NetworkDisconnected]
    );
    r.wifi.disconnect().unwrap();
    assert!(r.events.take().is_empty(), "already down: no event");

    r.wifi.reconnect().unwrap();
    assert_eq!(
        r.events.take(),
        [Event::WifiConnected, Event::NetworkConnected]
    );
    r.wifi.reconnect().unwrap();
    assert_eq!(
        r.events.take(),
        [
            Event::WifiDisconnected,
            Event::NetworkDisconnected,
            Event::WifiConnected,
            Event::NetworkConnected
        ]
    );
}

#[test]
fn disconnect_of_a_vanished_link_succeeds() {
    let mut r = rig(FakeKernel::default(), |b| b);
    r.wifi.connect().unwrap();
    r.events.take();
    r.kernel.state().link = LinkMode::Missing;
    r.wifi.disconnect().unwrap();
    assert_eq!(
        r.events.take(),
        [Event::WifiDisconnected, Event::NetworkDisconnected]
    );
    r.wifi.disconnect().unwrap();
    assert!(r.events.take().is_empty());
}

#[test]
fn no_association_without_ssid_times_out() {
    let mut r = rig(FakeKernel::with(|s| s.ssid = None), |b| b);
    let started = std::time::Instant::now();
    assert_eq!(
        r.wifi.connect(),
        Err(NetworkError::Timeout {
            operation: "association",
            after: Duration::from_millis(300)
        })
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!r.wifi.is_connected());
    assert!(r.events.take().is_empty());
}

#[test]
fn joins_a_network_through_wpa_supplicant() {
    capture_logs();
    let fake = FakeWpa::start("wlan0", Script::Associates);
    let mut r = rig(
        FakeKernel::default(),
        with_ssid(&fake, b"home", Some(SECRET)),
    );
    r.wifi.connect().unwrap();
    assert_eq!(
        r.events.take(),
        [Event::WifiConnected, Event::NetworkConnected]
    );
    let sent = fake.command_texts();
    let expected_psk = format!("SET_NETWORK 0 psk \"{SECRET}\"");
    assert_eq!(
        sent.iter()
            .filter(|c| *c != "STATUS")
            .take(5)
            .collect::<Vec<_>>(),
        [
            "ATTACH",
            "ADD_NETWORK",
            "SET_NETWORK 0 ssid 686f6d65",
            expected_psk.as_str(),
            "SELECT_NETWORK 0"
        ]
    );
    assert!(sent.iter().any(|c| c == "STATUS"));

    r.wifi.disconnect().unwrap();
    let sent = fake.command_texts();
    let tail: Vec<_> = sent
        .iter()
        .filter(|c| c.starts_with("DISCONNECT") || c.starts_with("REMOVE"))
        .collect();
    assert_eq!(tail, ["DISCONNECT", "REMOVE_NETWORK 0"]);
    assert_eq!(
        r.events.take(),
        [Event::WifiDisconnected, Event::NetworkDisconnected]
    );
    assert!(!r.kernel.state().up);

    assert!(!format!("{:?}", r.wifi).contains("s3cret"));
    let lines = log_lines();
    assert!(
        lines.iter().any(|l| l.contains("Wifi: wlan0: connected")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("s3cret")),
        "a log line shows the passphrase"
    );
}

#[test]
fn open_network_sets_no_key() {
    let fake = FakeWpa::start("wlan0", Script::Associates);
    let mut r = rig(FakeKernel::default(), with_ssid(&fake, b"cafe", None));
    r.wifi.connect().unwrap();
    assert!(fake
        .command_texts()
        .contains(&"SET_NETWORK 0 key_mgmt NONE".to_owned()));
    assert!(!fake.command_texts().iter().any(|c| c.contains("psk")));
}

#[test]
fn wrong_passphrase_is_authentication_failed() {
    capture_logs();
    let fake = FakeWpa::start("wlan0", Script::WrongKey);
    let mut r = rig(
        FakeKernel::default(),
        with_ssid(&fake, b"home", Some(SECRET)),
    );
    let err = r.wifi.connect().unwrap_err();
    assert_eq!(err, NetworkError::AuthenticationFailed);
    assert!(!err.to_string().contains("s3cret"));
    assert!(!r.wifi.is_connected());
    assert!(r.events.take().is_empty());
    // The refused network is not left behind retrying.
    assert!(fake
        .command_texts()
        .contains(&"REMOVE_NETWORK 0".to_owned()));
    assert!(!log_lines().iter().any(|l| l.contains("s3cret")));
    // Later calls still work.
    assert_eq!(r.wifi.disconnect(), Ok(()));
}

#[test]
fn association_that_never_comes_times_out() {
    let fake = FakeWpa::start("wlan0", Script::NeverAssociates);
    let mut r = rig(
        FakeKernel::default(),
        with_ssid(&fake, b"home", Some(SECRET)),
    );
    let started = std::time::Instant::now();
    assert_eq!(
        r.wifi.connect(),
        Err(NetworkError::Timeout {
            operation: "association",
            after: Duration::from_millis(300)
        })
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(fake
        .command_texts()
        .contains(&"REMOVE_NETWORK 0".to_owned()));
    assert!(r.events.take().is_empty());
}

#[test]
fn events_before_every_status_do_not_stop_the_timeout() {
    let fake = FakeWpa::start("wlan0", Script::ChattyNeverAssociates);
    let mut r = rig(
        FakeKernel::default(),
        with_ssid(&fake, b"home", Some(SECRET)),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = r.wifi.connect();
        let _ = tx.send((result, r.events.take()));
    });
    // A watchdog, not a measurement: without the deadline check on every
    // pass, connect never returns while the fake keeps talking.
    let (result, events) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("connect returned");
    assert_eq!(
        result,
        Err(NetworkError::Timeout {
            operation: "association",
            after: Duration::from_millis(300)
        })
    );
    assert!(events.is_empty());
    let texts = fake.command_texts();
    assert!(texts.iter().filter(|c| *c == "STATUS").count() >= 2);
    assert!(texts.contains(&"REMOVE_NETWORK 0".to_owned()));
}

#[test]
fn hostile_ssid_arrives_hex_encoded() {
    let fake = FakeWpa::start("wlan0", Script::Associates);
    let hostile: &[u8] = b"x\" psk \"y\"\nDISCONNECT\r\n\0";
    let mut r = rig(
        FakeKernel::default(),
        with_ssid(&fake, hostile, Some(SECRET)),
    );
    r.wifi.connect().unwrap();
    let commands = fake.commands();
    let set_ssid: Vec<_> = commands
        .iter()
        .filter(|c| c.starts_with(b"SET_NETWORK 0 ssid "))
        .collect();
    assert_eq!(set_ssid.len(), 1);
    let value = &set_ssid[0][b"SET_NETWORK 0 ssid ".len()..];
    assert!(value.iter().all(u8::is_ascii_hexdigit));
    assert_eq!(value, crate::wpa::hex(hostile).as_bytes());
    // Nothing from inside the SSID became a command of its own.
    assert!(!commands.iter().any(|c| c.as_slice() == b"DISCONNECT"));
}

#[test]
fn missing_wpa_supplicant_is_service_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rig(FakeKernel::default(), |b| {
        b.wpa_ctrl_dir(dir.path()).ssid(Ssid::new(b"home").unwrap())
    });
    let err = r.wifi.connect().unwrap_err();
    assert!(
        matches!(
            err,
            NetworkError::ServiceUnavailable {
                service: "wpa_supplicant",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("wlan0"));
    // Disconnect still takes the link down.
    assert_eq!(r.wifi.disconnect(), Ok(()));
    assert!(!r.kernel.state().up);
}

#[test]
fn average_signal_says_its_source() {
    let mut r = rig(FakeKernel::default(), |b| b);
    assert_eq!(
        r.wifi.avg_signal_strength(),
        Err(NetworkError::NotConnected)
    );
    r.wifi.connect().unwrap();
    let avg = r.wifi.avg_signal_strength().unwrap();
    assert_eq!(
        (avg.dbm(), avg.source()),
        (-55, SignalSource::StationAverage)
    );
    r.kernel.state().stations[0].signal_avg = None;
    let last = r.wifi.avg_signal_strength().unwrap();
    assert_eq!(
        (last.dbm(), last.source()),
        (-60, SignalSource::StationLast)
    );
    r.kernel.state().stations[0].signal = None;
    assert!(matches!(
        r.wifi.avg_signal_strength(),
        Err(NetworkError::Io { .. })
    ));
}

fn bss(ssid: &[u8], mbm: i32, status: Option<u32>, last: u8) -> Bss {
    Bss {
        bssid: Some([2, 0, 0, 0, 1, last]),
        frequency: Some(2412),
        signal_mbm: Some(mbm),
        status,
        ssid: Some(ssid.to_vec()),
    }
}

#[test]
fn max_signal_is_the_strongest_bss_of_our_ssid_else_samples() {
    let kernel = FakeKernel::with(|s| {
        s.scan = vec![
            bss(b"home", -6100, Some(1), 0),
            bss(b"home", -4800, None, 1),
            bss(b"neighbour", -3000, None, 2),
        ]
    });
    let mut r = rig(kernel, |b| b);
    r.wifi.connect().unwrap();
    let max = r.wifi.max_signal_strength().unwrap();
    assert_eq!((max.dbm(), max.source()), (-48, SignalSource::ScanCache));
    assert_eq!(
        r.wifi.ap_address().unwrap().to_string(),
        "02:00:00:00:01:00"
    );

    // No BSS of our SSID in the cache: the best station reading since connect.
    r.kernel.state().scan = vec![bss(b"neighbour", -3000, None, 2)];
    assert_eq!(r.wifi.avg_signal_strength().unwrap().dbm(), -55);
    r.kernel.state().stations[0].signal_avg = Some(-70);
    let max = r.wifi.max_signal_strength().unwrap();
    assert_eq!((max.dbm(), max.source()), (-55, SignalSource::Samples));
    assert_eq!(r.wifi.ap_address(), Err(NetworkError::NotConnected));

    // Samples start again at each connect.
    r.wifi.reconnect().unwrap();
    let max = r.wifi.max_signal_strength().unwrap();
    assert_eq!((max.dbm(), max.source()), (-70, SignalSource::Samples));

    r.wifi.disconnect().unwrap();
    assert_eq!(
        r.wifi.max_signal_strength(),
        Err(NetworkError::NotConnected)
    );
    assert_eq!(r.wifi.ssid(), Err(NetworkError::NotConnected));
}

#[test]
fn non_utf8_ssid_is_kept_raw_and_shown_lossily() {
    let mut r = rig(
        FakeKernel::with(|s| s.ssid = Some(b"caf\xe9".to_vec())),
        |b| b,
    );
    r.wifi.connect().unwrap();
    let ssid = r.wifi.ssid().unwrap();
    assert_eq!(ssid.as_bytes(), b"caf\xe9");
    assert_eq!(ssid.to_string(), "caf\u{fffd}");
}

#[test]
fn settings_are_checked() {
    let ctx = |config: AdapterConfig| AdapterContext::new(RecordingSink::new(), config);
    let wifi = Wifi::from_context(&AdapterContext::detached()).unwrap();
    assert_eq!(wifi.interface().as_str(), "wlan0");
    assert_eq!(wifi.associate_timeout, Duration::from_secs(15));
    assert_eq!(
        wifi.wpa_ctrl_dir,
        std::path::Path::new("/var/run/wpa_supplicant")
    );

    let full = AdapterConfig::new()
        .with("interface", "wlp2s0")
        .with("ssid", "home")
        .with_secret("passphrase", SECRET)
        .with("wpa_ctrl_dir", "/run/wpa")
        .with("associate_timeout", "2.5");
    let wifi = Wifi::from_context(&ctx(full)).unwrap();
    assert_eq!(wifi.interface().as_str(), "wlp2s0");
    assert_eq!(wifi.associate_timeout, Duration::from_millis(2500));
    assert!(!format!("{wifi:?}").contains("s3cret"));

    let err = Wifi::from_context(&ctx(AdapterConfig::new().with("iface", "x"))).unwrap_err();
    assert!(err.to_string().contains("iface") && err.to_string().contains("interface"));
    let err = Wifi::from_context(&ctx(AdapterConfig::new().with("interface", "wlan0 reboot")))
        .unwrap_err();
    assert!(matches!(
        err,
        hologram_ports::AdapterError::Config(ConfigError::Invalid { .. })
    ));
    let err = Wifi::from_context(&ctx(AdapterConfig::new()
        .with("ssid", "x")
        .with_secret("passphrase", "short")))
    .unwrap_err();
    assert!(!err.to_string().contains("short"), "{err}");
    assert!(Wifi::from_context(&ctx(AdapterConfig::new().with("ssid", "x".repeat(33)))).is_err());
    assert!(
        Wifi::from_context(&ctx(AdapterConfig::new().with_secret("passphrase", SECRET))).is_err()
    );
    assert!(Wifi::from_context(&ctx(AdapterConfig::new().with("associate_timeout", "0"))).is_err());
}

#[test]
fn registered_as_wifi() {
    let descriptor = hologram_ports::inventory::iter::<AdapterDescriptor>()
        .find(|d| d.name == "wifi")
        .expect("wifi is registered");
    let factory = descriptor
        .factory_for::<dyn hologram_ports::NetworkInterface>()
        .expect("a network factory");
    let adapter = factory(&AdapterContext::detached()).unwrap();
    assert_eq!(
        adapter.capabilities(),
        hologram_ports::NetworkCapabilities::ALL
    );
    assert!(!adapter.is_connected());
}

/// Every rule of the conformance kit, those that need a connection too, on
/// the scripted kernel (the real one here has no wireless support:
/// `tests/conformance.rs` runs the kit against it as far as it can go).
mod conformance_on_a_scripted_kernel {
    use super::*;

    fn make(events: Arc<dyn EventSink>) -> Box<dyn NetworkInterface> {
        let kernel = FakeKernel::with(|s| s.scan = vec![bss(b"home", -5000, Some(1), 0)]);
        Box::new(
            Wifi::builder()
                .wpa_ctrl_dir("/nonexistent/hologram-wpa")
                .associate_timeout(Duration::from_millis(300))
                .events(events)
                .build_with(Box::new(kernel)),
        )
    }

    hologram_conformance::network_tests!(make, can_connect = true);
}
