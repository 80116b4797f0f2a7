//! The network-interface port: bring a link up and down, and ask about it.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Which optional queries a network interface answers.
///
/// The core and the conformance kit branch on this, never on adapter names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkCapabilities {
    /// [`NetworkInterface::ssid`] answers.
    pub ssid: bool,
    /// [`NetworkInterface::ap_address`] answers.
    pub ap_address: bool,
    /// [`NetworkInterface::avg_signal_strength`] answers.
    pub avg_signal_strength: bool,
    /// [`NetworkInterface::max_signal_strength`] answers.
    pub max_signal_strength: bool,
}

impl NetworkCapabilities {
    /// No optional query.
    pub const NONE: NetworkCapabilities = NetworkCapabilities {
        ssid: false,
        ap_address: false,
        avg_signal_strength: false,
        max_signal_strength: false,
    };
    /// Every optional query.
    pub const ALL: NetworkCapabilities = NetworkCapabilities {
        ssid: true,
        ap_address: true,
        avg_signal_strength: true,
        max_signal_strength: true,
    };
}

/// A network operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The adapter does not support this operation or query.
    #[error("{operation} is not supported by this network interface")]
    Unsupported {
        /// The operation, e.g. `ssid`.
        operation: &'static str,
    },
    /// The query needs a connection and there is none.
    #[error("the network interface is not connected")]
    NotConnected,
    /// The named interface does not exist.
    #[error("no network interface named {name:?}")]
    NoSuchInterface {
        /// The interface name.
        name: String,
    },
    /// The kernel has no wireless support (no nl80211).
    #[error("this kernel has no wireless support (the nl80211 netlink family is missing)")]
    WirelessUnsupported,
    /// The interface exists but is not a wireless interface.
    #[error("{name:?} is not a wireless interface")]
    NotWireless {
        /// The interface name.
        name: String,
    },
    /// The kernel refused: the process needs root or `CAP_NET_ADMIN`.
    #[error("{operation} needs root or CAP_NET_ADMIN")]
    PermissionDenied {
        /// What was refused.
        operation: &'static str,
    },
    /// A service the interface needs is not there (e.g. wpa_supplicant).
    #[error("{service} is not available: {detail}")]
    ServiceUnavailable {
        /// The service.
        service: &'static str,
        /// What is missing, and where it was looked for.
        detail: String,
    },
    /// The operation did not finish in time.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The limit that fired.
        after: Duration,
    },
    /// The network refused our credentials (e.g. a wrong Wi-Fi passphrase).
    #[error("the network refused the credentials (wrong passphrase?)")]
    AuthenticationFailed,
    /// The connection attempt failed for another reason.
    #[error("could not connect: {reason}")]
    ConnectFailed {
        /// Why, in words that show no secret.
        reason: String,
    },
    /// An invalid setting (interface name, SSID, ...).
    #[error("invalid network setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An operating-system or protocol error not covered above; the
    /// system's error is the [`source`](std::error::Error::source).
    #[error("{operation} failed: {source}")]
    Io {
        /// The operation.
        operation: &'static str,
        /// What the system said.
        source: Arc<io::Error>,
    },
}

impl NetworkError {
    /// A [`NetworkError::Io`] for `operation`, keeping `source` as the cause.
    pub fn io(operation: &'static str, source: io::Error) -> Self {
        NetworkError::Io {
            operation,
            source: Arc::new(source),
        }
    }

    /// A [`NetworkError::Io`] for a failure with no system error behind it
    /// (a protocol error, a plugin's report): `detail` says what happened.
    pub fn other(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::io(operation, io::Error::other(detail.into()))
    }
}

/// Equal when of the same kind with the same details; I/O causes compare
/// their [`io::ErrorKind`] and text.
impl PartialEq for NetworkError {
    fn eq(&self, other: &Self) -> bool {
        use NetworkError::*;
        match (self, other) {
            (Unsupported { operation: a }, Unsupported { operation: b })
            | (PermissionDenied { operation: a }, PermissionDenied { operation: b }) => a == b,
            (NotConnected, NotConnected)
            | (WirelessUnsupported, WirelessUnsupported)
            | (AuthenticationFailed, AuthenticationFailed) => true,
            (NoSuchInterface { name: a }, NoSuchInterface { name: b })
            | (NotWireless { name: a }, NotWireless { name: b })
            | (ConnectFailed { reason: a }, ConnectFailed { reason: b }) => a == b,
            (
                ServiceUnavailable {
                    service: a,
                    detail: x,
                },
                ServiceUnavailable {
                    service: b,
                    detail: y,
                },
            ) => a == b && x == y,
            (
                Timeout {
                    operation: a,
                    after: x,
                },
                Timeout {
                    operation: b,
                    after: y,
                },
            ) => a == b && x == y,
            (
                InvalidSetting {
                    setting: a,
                    reason: x,
                },
                InvalidSetting {
                    setting: b,
                    reason: y,
                },
            ) => a == b && x == y,
            (
                Io {
                    operation: a,
                    source: x,
                },
                Io {
                    operation: b,
                    source: y,
                },
            ) => a == b && crate::same_io(x, y),
            _ => false,
        }
    }
}

impl Eq for NetworkError {}

/// A network interface: the `Network` class of the Python SDK.
///
/// # For implementers
///
/// - `connect` brings the link up and, on success, emits the link-specific
///   event (e.g. `wifi.connected`) and then `network.connected`, exactly once
///   per transition. `disconnect` does the reverse and is idempotent: on a
///   link already down it succeeds and emits nothing.
/// - `is_connected` is cheap and never fails.
/// - A query the adapter does not support returns
///   [`NetworkError::Unsupported`] and is `false` in
///   [`capabilities`](Self::capabilities); never a made-up value.
/// - After an error, later calls must still work.
pub trait NetworkInterface: Send {
    /// Which optional queries this interface answers.
    fn capabilities(&self) -> NetworkCapabilities;

    /// Brings the link up.
    fn connect(&mut self) -> Result<(), NetworkError>;

    /// Takes the link down. Idempotent.
    fn disconnect(&mut self) -> Result<(), NetworkError>;

    /// Takes the link down and up again; emits disconnected then connected.
    fn reconnect(&mut self) -> Result<(), NetworkError> {
        self.disconnect()?;
        self.connect()
    }

    /// Whether the link is up.
    fn is_connected(&self) -> bool;

    /// The SSID of the network the interface is associated with.
    fn ssid(&self) -> Result<Ssid, NetworkError> {
        Err(NetworkError::Unsupported { operation: "ssid" })
    }

    /// The hardware address of the access point (BSSID).
    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        Err(NetworkError::Unsupported {
            operation: "ap_address",
        })
    }

    /// The average signal strength of the link.
    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        Err(NetworkError::Unsupported {
            operation: "avg_signal_strength",
        })
    }

    /// The maximum signal strength of the link (each adapter documents its rule).
    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        Err(NetworkError::Unsupported {
            operation: "max_signal_strength",
        })
    }
}

impl<T: NetworkInterface + ?Sized> NetworkInterface for Box<T> {
    fn capabilities(&self) -> NetworkCapabilities {
        (**self).capabilities()
    }
    fn connect(&mut self) -> Result<(), NetworkError> {
        (**self).connect()
    }
    fn disconnect(&mut self) -> Result<(), NetworkError> {
        (**self).disconnect()
    }
    fn reconnect(&mut self) -> Result<(), NetworkError> {
        (**self).reconnect()
    }
    fn is_connected(&self) -> bool {
        (**self).is_connected()
    }
    fn ssid(&self) -> Result<Ssid, NetworkError> {
        (**self).ssid()
    }
    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        (**self).ap_address()
    }
    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        (**self).avg_signal_strength()
    }
    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        (**self).max_signal_strength()
    }
}

/// An SSID: up to 32 raw bytes, not necessarily UTF-8.
///
/// ```
/// use hologram_ports::Ssid;
/// let ssid = Ssid::new(b"home\xff").unwrap();
/// assert_eq!(ssid.to_string(), "home\u{fffd}");
/// assert!(Ssid::new(&[b'a'; 33]).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ssid(Vec<u8>);

impl Ssid {
    /// Longest SSID, in bytes (IEEE 802.11).
    pub const MAX_LEN: usize = 32;

    /// Wraps raw SSID bytes: 1 to 32 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, NetworkError> {
        if bytes.is_empty() || bytes.len() > Self::MAX_LEN {
            return Err(NetworkError::InvalidSetting {
                setting: "ssid",
                reason: format!("must be 1 to 32 bytes, got {}", bytes.len()),
            });
        }
        Ok(Ssid(bytes.to_vec()))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Ssid {
    /// Lossy: bytes that are not UTF-8 show as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Debug for Ssid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ssid({:?})", String::from_utf8_lossy(&self.0))
    }
}

/// A 48-bit hardware address, shown as `aa:bb:cc:dd:ee:ff`.
///
/// ```
/// use hologram_ports::MacAddress;
/// let mac: MacAddress = "02:00:00:AB:cd:01".parse().unwrap();
/// assert_eq!(mac.to_string(), "02:00:00:ab:cd:01");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddress(pub [u8; 6]);

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl std::str::FromStr for MacAddress {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NetworkError::InvalidSetting {
            setting: "mac address",
            reason: "expected six hex bytes separated by ':'".to_owned(),
        };
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for byte in &mut out {
            let part = parts.next().ok_or_else(bad)?;
            if part.len() != 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddress(out))
    }
}

/// Where a signal reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignalSource {
    /// The driver's running average for the station (nl80211 `SIGNAL_AVG`).
    StationAverage,
    /// The last frame's signal for the station (nl80211 `SIGNAL`).
    StationLast,
    /// The strongest BSS of our SSID in the scan cache.
    ScanCache,
    /// The maximum or average over samples taken since connect.
    Samples,
    /// A simulated value.
    Simulated,
    /// A source an adapter defines itself (a modem's `+CSQ`, ...).
    Other,
}

impl fmt::Display for SignalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignalSource::StationAverage => "station average",
            SignalSource::StationLast => "last frame",
            SignalSource::ScanCache => "scan cache",
            SignalSource::Samples => "samples since connect",
            SignalSource::Simulated => "simulated",
            SignalSource::Other => "adapter-defined",
        })
    }
}

/// A signal strength, in dBm, with where it came from.
///
/// ```
/// use hologram_ports::{SignalReading, SignalSource};
/// let r = SignalReading::new(-52, SignalSource::StationAverage);
/// assert_eq!(r.to_string(), "-52 dBm (station average)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalReading {
    dbm: i32,
    source: SignalSource,
}

impl SignalReading {
    /// A reading of `dbm` from `source`.
    pub fn new(dbm: i32, source: SignalSource) -> Self {
        SignalReading { dbm, source }
    }

    /// The strength in dBm.
    pub fn dbm(&self) -> i32 {
        self.dbm
    }

    /// Where the reading came from.
    pub fn source(&self) -> SignalSource {
        self.source
    }
}

impl fmt::Display for SignalReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} dBm ({})", self.dbm, self.source)
    }
}
