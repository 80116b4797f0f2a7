//! The real "no wireless support" path, on the running kernel.
//!
//! The machines this crate is developed and tested on have no cfg80211, so
//! resolving the `nl80211` generic-netlink family fails. `lo` always
//! exists: it passes the "link exists" check, then nl80211 does not
//! resolve, so every operation reports wireless unsupported, and the link
//! is not touched. On a kernel with cfg80211, `lo` is not wireless instead.

use hologram_ports::{NetworkError, NetworkInterface};
use hologram_wifi::{link, InterfaceName, Wifi};

fn cfg80211_present() -> bool {
    std::path::Path::new("/sys/class/ieee80211").exists()
}

#[test]
fn loopback_is_wireless_unsupported_here() {
    let lo = InterfaceName::new("lo").unwrap();
    let up_before = link::status(&lo).unwrap().is_up();
    let mut wifi = Wifi::builder().interface(lo.clone()).build().unwrap();
    let expected = if cfg80211_present() {
        eprintln!("note: this kernel has cfg80211; expecting NotWireless for lo");
        NetworkError::NotWireless { name: "lo".into() }
    } else {
        NetworkError::WirelessUnsupported
    };
    assert_eq!(wifi.connect(), Err(expected.clone()));
    assert_eq!(wifi.ssid(), Err(expected.clone()));
    assert_eq!(wifi.ap_address(), Err(expected.clone()));
    assert_eq!(wifi.avg_signal_strength(), Err(expected.clone()));
    assert_eq!(wifi.max_signal_strength(), Err(expected.clone()));
    assert_eq!(wifi.disconnect(), Err(expected.clone()));
    assert_eq!(wifi.reconnect(), Err(expected));
    assert!(!wifi.is_connected());
    assert_eq!(
        link::status(&lo).unwrap().is_up(),
        up_before,
        "lo was not touched"
    );
}

#[test]
fn missing_interface_is_no_such_interface() {
    let mut wifi = Wifi::builder()
        .interface(InterfaceName::new("hlgmissing0").unwrap())
        .build()
        .unwrap();
    let expected = NetworkError::NoSuchInterface {
        name: "hlgmissing0".into(),
    };
    assert_eq!(wifi.connect(), Err(expected.clone()));
    assert_eq!(wifi.ssid(), Err(expected.clone()));
    assert_eq!(wifi.avg_signal_strength(), Err(expected));
    assert_eq!(
        wifi.disconnect(),
        Ok(()),
        "a link that does not exist is down"
    );
}
