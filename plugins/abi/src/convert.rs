//! Conversions between the port types and their FFI mirrors, both ways.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use abi_stable::std_types::{RString, RVec};
use hologram_ports::{
    AdapterConfig, AdapterError, ConfigError, MacAddress, NetworkCapabilities, NetworkError,
    SignalReading, SignalSource,
};

use crate::ffi::{
    FfiCapabilities, FfiError, FfiErrorKind, FfiMacAddress, FfiSetting, FfiSignalReading,
    FfiSignalSource,
};

pub(crate) fn capabilities_to_ffi(c: NetworkCapabilities) -> FfiCapabilities {
    let mut bits = 0;
    for (on, bit) in [
        (c.ssid, FfiCapabilities::SSID),
        (c.ap_address, FfiCapabilities::AP_ADDRESS),
        (c.avg_signal_strength, FfiCapabilities::AVG_SIGNAL_STRENGTH),
        (c.max_signal_strength, FfiCapabilities::MAX_SIGNAL_STRENGTH),
    ] {
        if on {
            bits |= bit;
        }
    }
    FfiCapabilities(bits)
}

pub(crate) fn capabilities_from_ffi(c: FfiCapabilities) -> NetworkCapabilities {
    let mut caps = NetworkCapabilities::NONE;
    caps.ssid = c.0 & FfiCapabilities::SSID != 0;
    caps.ap_address = c.0 & FfiCapabilities::AP_ADDRESS != 0;
    caps.avg_signal_strength = c.0 & FfiCapabilities::AVG_SIGNAL_STRENGTH != 0;
    caps.max_signal_strength = c.0 & FfiCapabilities::MAX_SIGNAL_STRENGTH != 0;
    caps
}

pub(crate) fn signal_to_ffi(r: SignalReading) -> FfiSignalReading {
    let source = match r.source() {
        SignalSource::StationAverage => FfiSignalSource::STATION_AVERAGE,
        SignalSource::StationLast => FfiSignalSource::STATION_LAST,
        SignalSource::ScanCache => FfiSignalSource::SCAN_CACHE,
        SignalSource::Samples => FfiSignalSource::SAMPLES,
        SignalSource::Simulated => FfiSignalSource::SIMULATED,
        _ => FfiSignalSource::OTHER,
    };
    FfiSignalReading {
        dbm: r.dbm(),
        source,
    }
}

pub(crate) fn signal_from_ffi(r: FfiSignalReading) -> SignalReading {
    let source = match r.source {
        FfiSignalSource::STATION_AVERAGE => SignalSource::StationAverage,
        FfiSignalSource::STATION_LAST => SignalSource::StationLast,
        FfiSignalSource::SCAN_CACHE => SignalSource::ScanCache,
        FfiSignalSource::SAMPLES => SignalSource::Samples,
        FfiSignalSource::SIMULATED => SignalSource::Simulated,
        _ => SignalSource::Other,
    };
    SignalReading::new(r.dbm, source)
}

pub(crate) fn mac_to_ffi(m: MacAddress) -> FfiMacAddress {
    FfiMacAddress { bytes: m.0 }
}

pub(crate) fn mac_from_ffi(m: FfiMacAddress) -> MacAddress {
    MacAddress(m.bytes)
}

pub(crate) fn config_to_ffi(config: &AdapterConfig) -> RVec<FfiSetting> {
    config
        .keys()
        .map(|key| FfiSetting {
            key: key.into(),
            value: config.get(key).unwrap_or_default().into(),
            secret: config.is_secret(key),
        })
        .collect()
}

pub(crate) fn config_from_ffi(settings: RVec<FfiSetting>) -> AdapterConfig {
    let mut config = AdapterConfig::new();
    for s in settings {
        if s.secret {
            config.set_secret(s.key.into_string(), s.value.into_string());
        } else {
            config.set(s.key.into_string(), s.value.into_string());
        }
    }
    config
}

fn with_number(mut e: FfiError, number: u64) -> FfiError {
    e.number = number;
    e
}

pub(crate) fn network_error_to_ffi(e: &NetworkError) -> FfiError {
    use FfiErrorKind as K;
    match e {
        NetworkError::Unsupported { operation } => FfiError::new(K::UNSUPPORTED, operation, ""),
        NetworkError::NotConnected => FfiError::new(K::NOT_CONNECTED, "", ""),
        NetworkError::NoSuchInterface { name } => FfiError::new(K::NO_SUCH_INTERFACE, "", name),
        NetworkError::WirelessUnsupported => FfiError::new(K::WIRELESS_UNSUPPORTED, "", ""),
        NetworkError::NotWireless { name } => FfiError::new(K::NOT_WIRELESS, "", name),
        NetworkError::PermissionDenied { operation } => {
            FfiError::new(K::PERMISSION_DENIED, operation, "")
        }
        NetworkError::ServiceUnavailable { service, detail } => {
            FfiError::new(K::SERVICE_UNAVAILABLE, service, detail)
        }
        NetworkError::Timeout { operation, after } => {
            with_number(FfiError::new(K::TIMEOUT, operation, ""), after.as_secs())
        }
        NetworkError::AuthenticationFailed => FfiError::new(K::AUTHENTICATION_FAILED, "", ""),
        NetworkError::ConnectFailed { reason } => FfiError::new(K::CONNECT_FAILED, "", reason),
        NetworkError::InvalidSetting { setting, reason } => {
            FfiError::new(K::INVALID_SETTING, setting, reason)
        }
        NetworkError::Io { operation, source } => {
            FfiError::new(K::IO, operation, &source.to_string())
        }
        other => FfiError::new(K::OTHER, "", &other.to_string()),
    }
}

/// `operation` is the call the error came back from, used when the error
/// names none.
pub(crate) fn network_error_from_ffi(e: FfiError, call: &'static str) -> NetworkError {
    use FfiErrorKind as K;
    let op = |s: &RString| {
        if s.is_empty() {
            call
        } else {
            intern(s)
        }
    };
    match e.kind {
        K::UNSUPPORTED => NetworkError::Unsupported {
            operation: op(&e.operation),
        },
        K::NOT_CONNECTED => NetworkError::NotConnected,
        K::NO_SUCH_INTERFACE => NetworkError::NoSuchInterface {
            name: e.detail.into_string(),
        },
        K::WIRELESS_UNSUPPORTED => NetworkError::WirelessUnsupported,
        K::NOT_WIRELESS => NetworkError::NotWireless {
            name: e.detail.into_string(),
        },
        K::PERMISSION_DENIED => NetworkError::PermissionDenied {
            operation: op(&e.operation),
        },
        K::SERVICE_UNAVAILABLE => NetworkError::ServiceUnavailable {
            service: op(&e.operation),
            detail: e.detail.into_string(),
        },
        K::TIMEOUT => NetworkError::Timeout {
            operation: op(&e.operation),
            after: std::time::Duration::from_secs(e.number),
        },
        K::AUTHENTICATION_FAILED => NetworkError::AuthenticationFailed,
        K::CONNECT_FAILED => NetworkError::ConnectFailed {
            reason: e.detail.into_string(),
        },
        K::INVALID_SETTING => NetworkError::InvalidSetting {
            setting: op(&e.operation),
            reason: e.detail.into_string(),
        },
        K::IO => NetworkError::other(op(&e.operation), e.detail.into_string()),
        K::PANICKED => NetworkError::other(
            op(&e.operation),
            format!("the plugin panicked: {}", e.detail),
        ),
        _ => NetworkError::other(
            call,
            if e.detail.is_empty() {
                format!("the plugin reported an error of unknown kind {}", e.kind.0)
            } else {
                e.detail.into_string()
            },
        ),
    }
}

pub(crate) fn adapter_error_to_ffi(e: &AdapterError) -> FfiError {
    use FfiErrorKind as K;
    match e {
        AdapterError::Config(ConfigError::UnknownKey {
            adapter,
            key,
            known,
        }) => {
            let mut f = FfiError::new(K::CONFIG_UNKNOWN_KEY, adapter, key);
            f.list = known.iter().map(|k| RString::from(*k)).collect();
            f
        }
        AdapterError::Config(ConfigError::Invalid { key, reason }) => {
            FfiError::new(K::CONFIG_INVALID, key, reason)
        }
        AdapterError::Config(ConfigError::Missing { key }) => {
            FfiError::new(K::CONFIG_MISSING, key, "")
        }
        AdapterError::Network(n) => network_error_to_ffi(n),
        other => FfiError::new(K::OTHER, "", &other.to_string()),
    }
}

pub(crate) fn adapter_error_from_ffi(e: FfiError) -> AdapterError {
    use FfiErrorKind as K;
    match e.kind {
        K::CONFIG_UNKNOWN_KEY => AdapterError::Config(ConfigError::UnknownKey {
            adapter: e.operation.into_string(),
            key: e.detail.into_string(),
            known: e.list.iter().map(|k| intern(k)).collect(),
        }),
        K::CONFIG_INVALID => AdapterError::Config(ConfigError::Invalid {
            key: e.operation.into_string(),
            reason: e.detail.into_string(),
        }),
        K::CONFIG_MISSING => AdapterError::Config(ConfigError::Missing {
            key: e.operation.into_string(),
        }),
        _ => AdapterError::Network(network_error_from_ffi(e, "new")),
    }
}

/// Names the port types hold as `&'static str` and a plugin sends as text.
const KNOWN_NAMES: &[&str] = &[
    "",
    "capabilities",
    "connect",
    "disconnect",
    "reconnect",
    "is_connected",
    "ssid",
    "ap_address",
    "avg_signal_strength",
    "max_signal_strength",
    "new",
    "drop",
    "device",
    "interface",
    "timeout",
];

/// At most this many distinct names are kept for the life of the process;
/// past it, a name reads as `plugin operation`.
const MAX_INTERNED: usize = 1024;

/// A `&'static str` equal to `s`: a well-known name, or one kept once per
/// distinct text (bounded).
pub(crate) fn intern(s: &str) -> &'static str {
    if let Some(k) = KNOWN_NAMES.iter().find(|k| **k == s) {
        return k;
    }
    static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut set = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(k) = set.get(s) {
        return k;
    }
    if set.len() >= MAX_INTERNED {
        return "plugin operation";
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_errors_round_trip() {
        let errors = [
            NetworkError::Unsupported { operation: "ssid" },
            NetworkError::NotConnected,
            NetworkError::NoSuchInterface { name: "x".into() },
            NetworkError::WirelessUnsupported,
            NetworkError::NotWireless { name: "y".into() },
            NetworkError::PermissionDenied {
                operation: "connect",
            },
            NetworkError::ServiceUnavailable {
                service: "modem",
                detail: "gone".into(),
            },
            NetworkError::Timeout {
                operation: "connect",
                after: std::time::Duration::from_secs(7),
            },
            NetworkError::AuthenticationFailed,
            NetworkError::ConnectFailed { reason: "r".into() },
            NetworkError::InvalidSetting {
                setting: "device",
                reason: "bad".into(),
            },
            NetworkError::other("AT+CSQ", "d"),
        ];
        for e in errors {
            assert_eq!(network_error_from_ffi(network_error_to_ffi(&e), "x"), e);
        }
    }

    #[test]
    fn config_errors_round_trip() {
        let errors = [
            AdapterError::Config(ConfigError::UnknownKey {
                adapter: "a".into(),
                key: "k".into(),
                known: vec!["device", "apn"],
            }),
            AdapterError::Config(ConfigError::Invalid {
                key: "k".into(),
                reason: "r".into(),
            }),
            AdapterError::Config(ConfigError::Missing { key: "k".into() }),
            AdapterError::Network(NetworkError::NotConnected),
        ];
        for e in errors {
            assert_eq!(adapter_error_from_ffi(adapter_error_to_ffi(&e)), e);
        }
    }

    #[test]
    fn unknown_kinds_are_generic() {
        let e = FfiError::new(FfiErrorKind(9999), "", "what");
        assert_eq!(
            network_error_from_ffi(e, "connect"),
            NetworkError::other("connect", "what")
        );
    }

    #[test]
    fn config_keeps_secrets_secret() {
        let cfg = AdapterConfig::new()
            .with("device", "sim")
            .with_secret("pin", "1234");
        let ffi = config_to_ffi(&cfg);
        assert!(ffi.iter().any(|s| s.key == "pin" && s.secret));
        assert!(ffi.iter().any(|s| s.key == "device" && !s.secret));
        let shown = format!("{ffi:?}");
        assert!(!shown.contains("1234"), "{shown}");
        assert!(shown.contains("sim"), "{shown}");
        let back = config_from_ffi(ffi);
        assert_eq!(back, cfg);
        assert!(!format!("{back:?}").contains("1234"));
    }

    #[test]
    fn capabilities_and_signals_round_trip() {
        for caps in [NetworkCapabilities::NONE, NetworkCapabilities::ALL] {
            assert_eq!(capabilities_from_ffi(capabilities_to_ffi(caps)), caps);
        }
        let r = SignalReading::new(-71, SignalSource::Other);
        assert_eq!(signal_from_ffi(signal_to_ffi(r)), r);
        assert_eq!(intern("an op"), "an op");
        assert!(std::ptr::eq(intern("an op"), intern("an op")));
    }
}
