//! The FFI-safe types that cross the boundary between the host and a plugin.
//!
//! Everything here is `#[repr(C)]` and checked by `abi_stable` when a plugin
//! is loaded: a plugin whose types do not have this exact layout is refused
//! before any of its code runs.
//!
//! # Room to grow
//!
//! - [`NetworkPlugin`] (the root module) is a prefix type: fields added after
//!   the one marked `last_prefix_field` are optional, so a host of ABI 1.x
//!   loads a plugin built for ABI 1.0 and a plugin built for ABI 1.x loads in
//!   a host of ABI 1.0.
//! - [`FfiNetwork`] and [`FfiEventSink`] are `#[sabi_trait]` trait objects:
//!   methods added after the one marked `last_prefix_field` must have a
//!   default body, which a host uses when the plugin predates the method.
//! - Error kinds, signal sources and capabilities are numbers, not Rust
//!   enums: a host maps a number it does not know to a generic value
//!   instead of misreading it.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RResult, RStr, RString, RVec};
use abi_stable::{declare_root_module_statics, sabi_trait, StableAbi};

/// The version of this ABI, checked by the loader before it calls anything
/// in a plugin. The major number changes when the layout of a type that
/// crosses the boundary changes in an incompatible way; the minor number
/// when something optional is added after a `last_prefix_field`.
pub const ABI_VERSION: &str = "1.0.0";

/// The name of the root module, as `abi_stable` reports it in errors.
pub const ROOT_MODULE_NAME: &str = "hologram_network_plugin";

/// Which optional queries a plugin's network interface answers, as bits.
#[repr(transparent)]
#[derive(StableAbi, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FfiCapabilities(pub u64);

impl FfiCapabilities {
    /// `ssid` answers.
    pub const SSID: u64 = 1 << 0;
    /// `ap_address` answers.
    pub const AP_ADDRESS: u64 = 1 << 1;
    /// `avg_signal_strength` answers.
    pub const AVG_SIGNAL_STRENGTH: u64 = 1 << 2;
    /// `max_signal_strength` answers.
    pub const MAX_SIGNAL_STRENGTH: u64 = 1 << 3;
}

/// What kind of error an [`FfiError`] is. Unknown kinds read as
/// [`FfiErrorKind::OTHER`].
#[repr(transparent)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FfiErrorKind(pub u32);

impl FfiErrorKind {
    /// Anything else; `detail` says what.
    pub const OTHER: FfiErrorKind = FfiErrorKind(0);
    /// `NetworkError::Unsupported`; `operation`.
    pub const UNSUPPORTED: FfiErrorKind = FfiErrorKind(1);
    /// `NetworkError::NotConnected`.
    pub const NOT_CONNECTED: FfiErrorKind = FfiErrorKind(2);
    /// `NetworkError::NoSuchInterface`; `detail` is the name.
    pub const NO_SUCH_INTERFACE: FfiErrorKind = FfiErrorKind(3);
    /// `NetworkError::WirelessUnsupported`.
    pub const WIRELESS_UNSUPPORTED: FfiErrorKind = FfiErrorKind(4);
    /// `NetworkError::NotWireless`; `detail` is the name.
    pub const NOT_WIRELESS: FfiErrorKind = FfiErrorKind(5);
    /// `NetworkError::PermissionDenied`; `operation`.
    pub const PERMISSION_DENIED: FfiErrorKind = FfiErrorKind(6);
    /// `NetworkError::ServiceUnavailable`; `operation` is the service.
    pub const SERVICE_UNAVAILABLE: FfiErrorKind = FfiErrorKind(7);
    /// `NetworkError::Timeout`; `operation`, `number` is the seconds.
    pub const TIMEOUT: FfiErrorKind = FfiErrorKind(8);
    /// `NetworkError::AuthenticationFailed`.
    pub const AUTHENTICATION_FAILED: FfiErrorKind = FfiErrorKind(9);
    /// `NetworkError::ConnectFailed`; `detail` is the reason.
    pub const CONNECT_FAILED: FfiErrorKind = FfiErrorKind(10);
    /// `NetworkError::InvalidSetting`; `operation` is the setting.
    pub const INVALID_SETTING: FfiErrorKind = FfiErrorKind(11);
    /// `NetworkError::Io`; `operation`.
    pub const IO: FfiErrorKind = FfiErrorKind(12);
    /// `ConfigError::UnknownKey`; `operation` is the adapter, `detail` the
    /// key, `list` the known keys.
    pub const CONFIG_UNKNOWN_KEY: FfiErrorKind = FfiErrorKind(100);
    /// `ConfigError::Invalid`; `operation` is the key.
    pub const CONFIG_INVALID: FfiErrorKind = FfiErrorKind(101);
    /// `ConfigError::Missing`; `operation` is the key.
    pub const CONFIG_MISSING: FfiErrorKind = FfiErrorKind(102);
    /// The plugin panicked in the call named by `operation`; `detail` is the
    /// panic message. The panic was caught inside the plugin.
    pub const PANICKED: FfiErrorKind = FfiErrorKind(200);
}

/// An error crossing the boundary: a kind and its fields. Which fields mean
/// what depends on the kind (see [`FfiErrorKind`]); unused ones are empty.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    /// What kind of error.
    pub kind: FfiErrorKind,
    /// The operation, setting, service, key or adapter named by the error.
    pub operation: RString,
    /// The reason, detail, name or message.
    pub detail: RString,
    /// A number (seconds for a timeout).
    pub number: u64,
    /// A list (the known keys of an unknown-key error).
    pub list: RVec<RString>,
}

impl FfiError {
    /// An error of `kind` with `operation` and `detail`.
    pub fn new(kind: FfiErrorKind, operation: &str, detail: &str) -> Self {
        FfiError {
            kind,
            operation: operation.into(),
            detail: detail.into(),
            number: 0,
            list: RVec::new(),
        }
    }
}

/// Where a signal reading came from. Unknown sources read as
/// [`FfiSignalSource::OTHER`].
#[repr(transparent)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FfiSignalSource(pub u32);

impl FfiSignalSource {
    /// `SignalSource::Other`.
    pub const OTHER: FfiSignalSource = FfiSignalSource(0);
    /// `SignalSource::StationAverage`.
    pub const STATION_AVERAGE: FfiSignalSource = FfiSignalSource(1);
    /// `SignalSource::StationLast`.
    pub const STATION_LAST: FfiSignalSource = FfiSignalSource(2);
    /// `SignalSource::ScanCache`.
    pub const SCAN_CACHE: FfiSignalSource = FfiSignalSource(3);
    /// `SignalSource::Samples`.
    pub const SAMPLES: FfiSignalSource = FfiSignalSource(4);
    /// `SignalSource::Simulated`.
    pub const SIMULATED: FfiSignalSource = FfiSignalSource(5);
}

/// A signal strength in dBm and where it came from.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FfiSignalReading {
    /// The strength, in dBm.
    pub dbm: i32,
    /// Where it came from.
    pub source: FfiSignalSource,
}

/// A 48-bit hardware address.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FfiMacAddress {
    /// The six bytes, most significant first.
    pub bytes: [u8; 6],
}

/// One adapter setting handed to a plugin's constructor. `Debug` hides the
/// value of a secret setting.
#[repr(C)]
#[derive(StableAbi, Clone, PartialEq, Eq)]
pub struct FfiSetting {
    /// The key.
    pub key: RString,
    /// The value.
    pub value: RString,
    /// Whether the value is a secret (never to be shown).
    pub secret: bool,
}

impl std::fmt::Debug for FfiSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value: &dyn std::fmt::Debug = if self.secret {
            &"<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("FfiSetting")
            .field("key", &self.key)
            .field("value", value)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The FFI-safe mirror of the `NetworkInterface` port. Every method returns
/// a result so that a panic caught inside the plugin comes back as an
/// [`FfiErrorKind::PANICKED`] error.
#[sabi_trait]
pub trait FfiNetwork: Send {
    /// Which optional queries the interface answers.
    fn capabilities(&self) -> RResult<FfiCapabilities, FfiError>;
    /// Brings the link up.
    fn connect(&mut self) -> RResult<(), FfiError>;
    /// Takes the link down.
    fn disconnect(&mut self) -> RResult<(), FfiError>;
    /// Takes the link down and up again.
    fn reconnect(&mut self) -> RResult<(), FfiError>;
    /// Whether the link is up.
    fn is_connected(&self) -> RResult<bool, FfiError>;
    /// The SSID's raw bytes.
    fn ssid(&self) -> RResult<RVec<u8>, FfiError>;
    /// The access point's hardware address.
    fn ap_address(&self) -> RResult<FfiMacAddress, FfiError>;
    /// The average signal strength.
    fn avg_signal_strength(&self) -> RResult<FfiSignalReading, FfiError>;
    /// The maximum signal strength.
    ///
    /// `last_prefix_field`: the last method of ABI 1.0. Methods added later
    /// go below it and must have a default body.
    #[sabi(last_prefix_field)]
    fn max_signal_strength(&self) -> RResult<FfiSignalReading, FfiError>;
}

/// The boxed FFI network interface a plugin's constructor returns.
pub type FfiNetworkBox = FfiNetwork_TO<'static, abi_stable::std_types::RBox<()>>;

/// The FFI-safe mirror of the `EventSink` port: the host's event bus, handed
/// to a plugin's constructor. Events travel by name.
#[sabi_trait]
pub trait FfiEventSink: Send + Sync {
    /// Reports one event by name (`network.connected`, ...).
    ///
    /// `last_prefix_field`: the last method of ABI 1.0.
    #[sabi(last_prefix_field)]
    fn emit(&self, name: RStr<'_>);
}

/// The boxed FFI event sink the host hands to a plugin.
pub type FfiEventSinkBox = FfiEventSink_TO<'static, abi_stable::std_types::RBox<()>>;

/// A plugin's constructor: settings and the host's event sink in, a network
/// interface (or an error) out. It must not unwind.
pub type NewNetworkFn =
    extern "C" fn(RVec<FfiSetting>, FfiEventSinkBox) -> RResult<FfiNetworkBox, FfiError>;

/// The root module every network plugin exports: what it is called and how
/// to build one.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = NetworkPluginRef)))]
#[sabi(missing_field(option))]
pub struct NetworkPlugin {
    /// The name users pick the network by (`Hologram::builder().network(name)`).
    pub name: RStr<'static>,
    /// The plugin's own version.
    pub version: RStr<'static>,
    /// One line saying what it is.
    pub summary: RStr<'static>,
    /// Builds one network interface.
    ///
    /// `last_prefix_field`: the last field of ABI 1.0. Fields added later
    /// go below it and are optional (`None` for older plugins).
    #[sabi(last_prefix_field)]
    pub new_network:
        extern "C" fn(RVec<FfiSetting>, FfiEventSinkBox) -> RResult<FfiNetworkBox, FfiError>,
}

impl std::fmt::Debug for NetworkPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkPlugin")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NetworkPluginRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkPluginRef")
            .field("name", &self.name())
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}

impl RootModule for NetworkPluginRef {
    declare_root_module_statics! {NetworkPluginRef}
    const BASE_NAME: &'static str = ROOT_MODULE_NAME;
    const NAME: &'static str = ROOT_MODULE_NAME;
    const VERSION_STRINGS: VersionStrings = VersionStrings::new(ABI_VERSION);
}
