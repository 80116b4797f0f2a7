//! The hardware check: a real association, on a kernel with cfg80211.
//! Ignored by default; `docs/wifi.md` says how to set up `mac80211_hwsim`,
//! hostapd and wpa_supplicant for it, then:
//!
//! ```sh
//! HOLOGRAM_WIFI_HW_IFACE=wlan0 HOLOGRAM_WIFI_HW_SSID=hologram-test \
//! HOLOGRAM_WIFI_HW_PASSPHRASE='correct horse battery' \
//! cargo test -p hologram-wifi --test hardware -- --ignored --nocapture
//! ```

use std::time::Duration;

use hologram_conformance::testing::RecordingSink;
use hologram_ports::{Event, NetworkError, NetworkInterface, SignalSource, Ssid};
use hologram_wifi::{link, InterfaceName, Passphrase, Wifi};

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

#[test]
#[ignore = "needs a Wi-Fi interface, an access point and wpa_supplicant (docs/wifi.md)"]
fn associates_reads_and_disconnects() {
    let (Some(iface), Some(ssid)) = (env("HOLOGRAM_WIFI_HW_IFACE"), env("HOLOGRAM_WIFI_HW_SSID"))
    else {
        // Asked for with --ignored: without its settings it cannot pass.
        panic!("set HOLOGRAM_WIFI_HW_IFACE and HOLOGRAM_WIFI_HW_SSID (docs/wifi.md)");
    };
    let name = InterfaceName::new(&iface).unwrap();
    let events = RecordingSink::new();
    let mut builder = Wifi::builder()
        .interface(name.clone())
        .ssid(Ssid::new(ssid.as_bytes()).unwrap())
        .associate_timeout(Duration::from_secs(20))
        .events(events.clone());
    if let Some(p) = env("HOLOGRAM_WIFI_HW_PASSPHRASE") {
        builder = builder.passphrase(Passphrase::new(&p).unwrap());
    }
    let mut wifi = builder.build().unwrap();

    wifi.connect().expect("connect");
    assert!(wifi.is_connected());
    assert!(link::status(&name).unwrap().is_up());
    assert_eq!(
        events.events(),
        [Event::WifiConnected, Event::NetworkConnected]
    );
    assert_eq!(wifi.ssid().unwrap().as_bytes(), ssid.as_bytes());
    let ap = wifi.ap_address().expect("ap_address");
    let avg = wifi.avg_signal_strength().expect("avg");
    let max = wifi.max_signal_strength().expect("max");
    eprintln!("associated to {ap}; avg {avg}; max {max}");
    assert!(matches!(
        avg.source(),
        SignalSource::StationAverage | SignalSource::StationLast
    ));
    assert!(matches!(
        max.source(),
        SignalSource::ScanCache | SignalSource::Samples
    ));
    assert!((-110..=0).contains(&avg.dbm()) && (-110..=0).contains(&max.dbm()));

    wifi.disconnect().expect("disconnect");
    assert!(!link::status(&name).unwrap().is_up());
    assert_eq!(wifi.ssid(), Err(NetworkError::NotConnected));

    if env("HOLOGRAM_WIFI_HW_PASSPHRASE").is_some() {
        let mut wrong = Wifi::builder()
            .interface(name)
            .ssid(Ssid::new(ssid.as_bytes()).unwrap())
            .passphrase(Passphrase::new("definitely-not-the-key").unwrap())
            .associate_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        assert_eq!(wrong.connect(), Err(NetworkError::AuthenticationFailed));
        let _ = wrong.disconnect();
    }
}
