//! The `wifi` network interface of the Hologram SDK: Wi-Fi on Linux through
//! the kernel's own interfaces, with no shell and no `ifconfig`.
//!
//! | what | how |
//! |---|---|
//! | link up / down | rtnetlink `RTM_SETLINK` on `IFF_UP` ([`link`]) |
//! | which network | wpa_supplicant's control socket: `ADD_NETWORK`, `SET_NETWORK` (SSID hex-encoded), `SELECT_NETWORK`, `STATUS` |
//! | SSID, BSSID, signal | nl80211 over generic netlink: `GET_INTERFACE`, `GET_STATION`, `GET_SCAN` |
//!
//! The interface name is an [`InterfaceName`] (checked: 1 to 15 bytes, no
//! `/`, NUL, whitespace or `..`), the SSID raw bytes ([`Ssid`]), the
//! passphrase a [`Passphrase`] that never shows in `Debug`, errors or logs.
//!
//! # Order of checks
//!
//! `connect` and every query check, in this order, and stop at the first
//! failure: the link exists (rtnetlink `ENODEV` →
//! [`NetworkError::NoSuchInterface`]); the kernel has wireless support (the
//! `nl80211` family resolves, else [`NetworkError::WirelessUnsupported`]);
//! nl80211 knows the link (else [`NetworkError::NotWireless`]). A kernel
//! `EPERM` anywhere is [`NetworkError::PermissionDenied`] (root or
//! `CAP_NET_ADMIN`), decided from the kernel's answer, not from the uid.
//! Then `connect` sets the link up and, with an SSID, selects it through
//! wpa_supplicant (no control socket → [`NetworkError::ServiceUnavailable`])
//! and waits for the association, at most `associate_timeout`
//! ([`NetworkError::Timeout`]; a refused key is
//! [`NetworkError::AuthenticationFailed`]). Without an SSID it waits, as
//! long, for whatever wpa_supplicant (or another manager) is configured to
//! join.
//!
//! # Signal strength
//!
//! - [`avg_signal_strength`](NetworkInterface::avg_signal_strength): the
//!   station's `SIGNAL_AVG` ([`SignalSource::StationAverage`]); when the
//!   driver gives no average, the last frame's `SIGNAL`
//!   ([`SignalSource::StationLast`]).
//! - [`max_signal_strength`](NetworkInterface::max_signal_strength): the
//!   strongest BSS of our SSID in the kernel's scan cache
//!   ([`SignalSource::ScanCache`]); when the cache has none, the maximum of
//!   the station readings taken since `connect` (at connect, at each
//!   `avg_signal_strength`, and one now) ([`SignalSource::Samples`]).
//!
//! # Events
//!
//! `wifi.connected` then `network.connected` when a `connect` turns the
//! adapter from disconnected to connected; `wifi.disconnected` then
//! `network.disconnected` on the way back. Once per transition.
//!
//! # Settings (the `wifi` adapter's [`AdapterConfig`])
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `interface` | the interface | `wlan0` |
//! | `ssid` | the network to join (the CLI's `--ssid`) | none: keep what wpa_supplicant has |
//! | `passphrase` | its passphrase (secret); none = open network | none |
//! | `wpa_ctrl_dir` | wpa_supplicant's control directory | `/var/run/wpa_supplicant` |
//! | `associate_timeout` | seconds to wait for the association | `15` |
//!
//! # Example
//!
//! ```
//! use hologram_ports::{AdapterConfig, AdapterContext, NetworkError, NetworkInterface};
//! use hologram_wifi::Wifi;
//!
//! let config = AdapterConfig::new()
//!     .with("interface", "wlx0")
//!     .with("ssid", "home")
//!     .with_secret("passphrase", "correct horse battery");
//! let mut wifi = Wifi::from_context(&AdapterContext::new(
//!     std::sync::Arc::new(hologram_ports::NullEventSink),
//!     config,
//! ))?;
//! assert!(!format!("{wifi:?}").contains("horse"));
//! // No interface of that name here: a typed error, nothing run.
//! assert_eq!(
//!     wifi.connect(),
//!     Err(NetworkError::NoSuchInterface { name: "wlx0".into() })
//! );
//! # Ok::<(), hologram_ports::AdapterError>(())
//! ```
//!
//! On a machine with Wi-Fi (as root):
//!
//! ```no_run
//! use hologram_ports::NetworkInterface;
//! use hologram_wifi::{InterfaceName, Passphrase, Wifi};
//!
//! let mut wifi = Wifi::builder()
//!     .interface(InterfaceName::new("wlp2s0")?)
//!     .ssid(hologram_ports::Ssid::new(b"home")?)
//!     .passphrase(Passphrase::new("correct horse battery")?)
//!     .build()?;
//! wifi.connect()?;
//! println!("{} via {}: {}", wifi.ssid()?, wifi.ap_address()?, wifi.avg_signal_strength()?);
//! wifi.disconnect()?;
//! # Ok::<(), hologram_ports::NetworkError>(())
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod error;
mod ifname;
mod kernel;
pub mod link;
mod netlink;
mod nl80211;
#[cfg(test)]
mod recorded;
#[cfg(test)]
mod testing;
mod wpa;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, AdapterError, ConfigError, Event, EventSink,
    MacAddress, NetworkCapabilities, NetworkError, NetworkInterface, NullEventSink, SignalReading,
    SignalSource, Ssid,
};

use crate::error::WifiError;
use crate::kernel::{Kernel, SystemKernel, Wireless};
use crate::link::LinkStatus;
use crate::nl80211::{Interface, Station};
use crate::wpa::WpaClient;

pub use crate::ifname::InterfaceName;
pub use crate::wpa::{Passphrase, DEFAULT_CTRL_DIR};

/// The name the adapter registers under.
pub const ADAPTER_NAME: &str = "wifi";

/// The settings the `wifi` adapter knows.
pub const CONFIG_KEYS: [&str; 5] = [
    "interface",
    "ssid",
    "passphrase",
    "wpa_ctrl_dir",
    "associate_timeout",
];

/// The default association timeout.
pub const DEFAULT_ASSOCIATE_TIMEOUT: Duration = Duration::from_secs(15);

/// How often the association is polled when no SSID is given.
const POLL: Duration = Duration::from_millis(200);

/// The Wi-Fi network interface: the Python SDK's `Wifi` class.
///
/// Build it with [`Wifi::builder`] or [`Wifi::from_context`]; drive it
/// through [`NetworkInterface`].
pub struct Wifi {
    interface: InterfaceName,
    ssid: Option<Ssid>,
    passphrase: Option<Passphrase>,
    wpa_ctrl_dir: PathBuf,
    associate_timeout: Duration,
    events: Arc<dyn EventSink>,
    kernel: Box<dyn Kernel>,
    connected: bool,
    /// The wpa_supplicant network this adapter added, removed on disconnect.
    network_id: Option<u32>,
    /// The strongest station reading since connect, in dBm.
    max_sample: Mutex<Option<i32>>,
}

impl fmt::Debug for Wifi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wifi")
            .field("interface", &self.interface)
            .field("ssid", &self.ssid)
            .field("passphrase", &self.passphrase)
            .field("wpa_ctrl_dir", &self.wpa_ctrl_dir)
            .field("associate_timeout", &self.associate_timeout)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Wifi`].
pub struct WifiBuilder {
    interface: InterfaceName,
    ssid: Option<Ssid>,
    passphrase: Option<Passphrase>,
    wpa_ctrl_dir: PathBuf,
    associate_timeout: Duration,
    events: Arc<dyn EventSink>,
}

impl fmt::Debug for WifiBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WifiBuilder")
            .field("interface", &self.interface)
            .field("ssid", &self.ssid)
            .field("passphrase", &self.passphrase)
            .field("wpa_ctrl_dir", &self.wpa_ctrl_dir)
            .field("associate_timeout", &self.associate_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for WifiBuilder {
    fn default() -> Self {
        WifiBuilder {
            interface: InterfaceName::default(),
            ssid: None,
            passphrase: None,
            wpa_ctrl_dir: PathBuf::from(DEFAULT_CTRL_DIR),
            associate_timeout: DEFAULT_ASSOCIATE_TIMEOUT,
            events: Arc::new(NullEventSink),
        }
    }
}

impl WifiBuilder {
    /// The interface (default `wlan0`).
    pub fn interface(mut self, interface: InterfaceName) -> Self {
        self.interface = interface;
        self
    }

    /// The network to join (default: none, keep what wpa_supplicant has).
    pub fn ssid(mut self, ssid: Ssid) -> Self {
        self.ssid = Some(ssid);
        self
    }

    /// The network's passphrase (default: none, an open network).
    pub fn passphrase(mut self, passphrase: Passphrase) -> Self {
        self.passphrase = Some(passphrase);
        self
    }

    /// wpa_supplicant's control directory (default `/var/run/wpa_supplicant`).
    pub fn wpa_ctrl_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.wpa_ctrl_dir = dir.into();
        self
    }

    /// How long `connect` waits for the association (default 15 s).
    pub fn associate_timeout(mut self, timeout: Duration) -> Self {
        self.associate_timeout = timeout;
        self
    }

    /// Where events go (default: nowhere).
    pub fn events(mut self, events: Arc<dyn EventSink>) -> Self {
        self.events = events;
        self
    }

    /// Checks the settings together and builds the adapter. Nothing is
    /// opened until the first operation.
    pub fn build(self) -> Result<Wifi, NetworkError> {
        if self.passphrase.is_some() && self.ssid.is_none() {
            return Err(NetworkError::InvalidSetting {
                setting: "passphrase",
                reason: "a passphrase needs an ssid to go with it".to_owned(),
            });
        }
        if self.associate_timeout.is_zero() {
            return Err(NetworkError::InvalidSetting {
                setting: "associate_timeout",
                reason: "must be more than 0 seconds".to_owned(),
            });
        }
        Ok(self.build_with(Box::new(SystemKernel)))
    }

    fn build_with(self, kernel: Box<dyn Kernel>) -> Wifi {
        Wifi {
            interface: self.interface,
            ssid: self.ssid,
            passphrase: self.passphrase,
            wpa_ctrl_dir: self.wpa_ctrl_dir,
            associate_timeout: self.associate_timeout,
            events: self.events,
            kernel,
            connected: false,
            network_id: None,
            max_sample: Mutex::new(None),
        }
    }
}

fn invalid(key: &str, e: NetworkError) -> ConfigError {
    let reason = match e {
        NetworkError::InvalidSetting { reason, .. } => reason,
        other => other.to_string(),
    };
    ConfigError::Invalid {
        key: key.to_owned(),
        reason,
    }
}

impl Wifi {
    /// A builder with the defaults (`wlan0`, no SSID, 15 s).
    pub fn builder() -> WifiBuilder {
        WifiBuilder::default()
    }

    /// Builds the adapter from a factory context: its event sink and the
    /// settings listed in the [crate docs](crate) (unknown keys are refused).
    pub fn from_context(ctx: &AdapterContext) -> Result<Wifi, AdapterError> {
        Ok(Self::builder_from_config(&ctx.config)?
            .events(Arc::clone(&ctx.events))
            .build()?)
    }

    fn builder_from_config(config: &AdapterConfig) -> Result<WifiBuilder, ConfigError> {
        config.check_known(ADAPTER_NAME, &CONFIG_KEYS)?;
        let mut builder = Wifi::builder();
        if let Some(name) = config.get("interface") {
            builder =
                builder.interface(InterfaceName::new(name).map_err(|e| invalid("interface", e))?);
        }
        if let Some(ssid) = config.get("ssid") {
            builder = builder.ssid(Ssid::new(ssid.as_bytes()).map_err(|e| invalid("ssid", e))?);
        }
        if let Some(passphrase) = config.get("passphrase") {
            // The error says what is wrong, never what was given.
            builder = builder
                .passphrase(Passphrase::new(passphrase).map_err(|e| invalid("passphrase", e))?);
        }
        if let Some(dir) = config.get("wpa_ctrl_dir") {
            builder = builder.wpa_ctrl_dir(dir);
        }
        if let Some(timeout) = config.duration("associate_timeout")? {
            builder = builder.associate_timeout(timeout);
        }
        Ok(builder)
    }

    /// The interface this adapter drives.
    pub fn interface(&self) -> &InterfaceName {
        &self.interface
    }

    /// The checks every operation starts with, in order: the link exists,
    /// nl80211 resolves, nl80211 knows the link.
    fn checked(&self) -> Result<(LinkStatus, Box<dyn Wireless + '_>, Interface), WifiError> {
        let link = self.kernel.link(&self.interface)?;
        let mut wireless = self.kernel.nl80211()?;
        let interface = wireless.interface(&self.interface, link.index())?;
        Ok((link, wireless, interface))
    }

    fn try_connect(&mut self) -> Result<(), WifiError> {
        let (link, _, _) = self.checked()?;
        if !link.is_up() {
            self.kernel.set_link(&self.interface, link.index(), true)?;
        }
        match self.ssid.clone() {
            Some(ssid) => self.select_network(&ssid)?,
            None => self.await_association()?,
        }
        self.reset_samples();
        if let Ok((_, mut wireless, _)) = self.checked() {
            let _ = self.sample(wireless.as_mut(), link.index());
        }
        if !self.connected {
            self.connected = true;
            log::info!(target: "Wifi", "{}: connected", self.interface);
            self.events.emit(&Event::WifiConnected);
            self.events.emit(&Event::NetworkConnected);
        }
        Ok(())
    }

    /// Adds our network to wpa_supplicant, selects it and waits for it.
    fn select_network(&mut self, ssid: &Ssid) -> Result<(), WifiError> {
        let mut wpa = WpaClient::open(&self.wpa_ctrl_dir, &self.interface)?;
        wpa.attach()?;
        if let Some(old) = self.network_id.take() {
            let _ = wpa.remove_network(old);
        }
        let id = wpa.add_network()?;
        log::info!(target: "Wifi", "{}: joining {ssid:?} (wpa_supplicant network {id})", self.interface);
        let attempt = (|| {
            wpa.set_ssid(id, ssid)?;
            match &self.passphrase {
                Some(passphrase) => wpa.set_psk(id, passphrase)?,
                None => wpa.set_open(id)?,
            }
            wpa.select_network(id)?;
            wpa.wait_associated(id, self.associate_timeout)
        })();
        match attempt {
            Ok(()) => {
                self.network_id = Some(id);
                Ok(())
            }
            Err(e) => {
                // Leave no half-configured network retrying behind us.
                let _ = wpa.remove_network(id);
                Err(e)
            }
        }
    }

    /// No SSID given: ask wpa_supplicant (if there is one) to associate as
    /// it is configured, and wait until nl80211 reports an SSID.
    fn await_association(&self) -> Result<(), WifiError> {
        match WpaClient::open(&self.wpa_ctrl_dir, &self.interface) {
            Ok(mut wpa) => {
                if let Err(e) = wpa.reconnect() {
                    log::debug!(target: "Wifi", "{}: RECONNECT: {e}", self.interface);
                }
            }
            Err(e) => log::debug!(target: "Wifi", "{}: no wpa_supplicant: {e}", self.interface),
        }
        let deadline = Instant::now() + self.associate_timeout;
        loop {
            let (_, _, interface) = self.checked()?;
            if interface.ssid.is_some() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(WifiError::AssociateTimeout(self.associate_timeout));
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
    }

    fn try_disconnect(&mut self) -> Result<(), WifiError> {
        let link = match self.kernel.link(&self.interface) {
            // No link: it is down, whatever it was.
            Err(WifiError::NoSuchInterface(_)) => {
                self.mark_disconnected();
                return Ok(());
            }
            other => other?,
        };
        {
            let mut wireless = self.kernel.nl80211()?;
            wireless.interface(&self.interface, link.index())?;
        }
        match WpaClient::open(&self.wpa_ctrl_dir, &self.interface) {
            Ok(mut wpa) => {
                if let Err(e) = wpa.disconnect() {
                    log::warn!(target: "Wifi", "{}: DISCONNECT: {e}", self.interface);
                }
                if let Some(id) = self.network_id.take() {
                    let _ = wpa.remove_network(id);
                }
            }
            Err(e) if self.ssid.is_some() => {
                log::warn!(target: "Wifi", "{}: {e}; taking the link down anyway", self.interface)
            }
            Err(e) => log::debug!(target: "Wifi", "{}: {e}", self.interface),
        }
        if link.is_up() {
            self.kernel.set_link(&self.interface, link.index(), false)?;
        }
        self.mark_disconnected();
        Ok(())
    }

    fn mark_disconnected(&mut self) {
        self.reset_samples();
        if self.connected {
            self.connected = false;
            log::info!(target: "Wifi", "{}: disconnected", self.interface);
            self.events.emit(&Event::WifiDisconnected);
            self.events.emit(&Event::NetworkDisconnected);
        }
    }

    fn reset_samples(&self) {
        if let Ok(mut m) = self.max_sample.lock() {
            *m = None;
        }
    }

    /// One station reading, recorded as a sample.
    fn sample(&self, wireless: &mut dyn Wireless, index: u32) -> Result<SignalReading, WifiError> {
        let stations = wireless.stations(index)?;
        let reading = station_reading(&stations)?;
        if let Ok(mut m) = self.max_sample.lock() {
            *m = Some(m.map_or(reading.dbm(), |best| best.max(reading.dbm())));
        }
        Ok(reading)
    }

    fn max_sample(&self) -> Option<i32> {
        self.max_sample.lock().ok().and_then(|m| *m)
    }

    fn report<T>(&self, operation: &str, result: Result<T, WifiError>) -> Result<T, NetworkError> {
        result.map_err(|e| {
            log::debug!(target: "Wifi", "{}: {operation}: {e}", self.interface);
            NetworkError::from(e)
        })
    }
}

/// The first station's reading: `SIGNAL_AVG`, else `SIGNAL`.
fn station_reading(stations: &[Station]) -> Result<SignalReading, WifiError> {
    let station = stations.first().ok_or(WifiError::NotConnected)?;
    match (station.signal_avg, station.signal) {
        (Some(avg), _) => Ok(SignalReading::new(avg.into(), SignalSource::StationAverage)),
        (None, Some(last)) => Ok(SignalReading::new(last.into(), SignalSource::StationLast)),
        (None, None) => Err(WifiError::Malformed {
            operation: "nl80211 GET_STATION",
            detail: "the station reports no signal".to_owned(),
        }),
    }
}

impl NetworkInterface for Wifi {
    fn capabilities(&self) -> NetworkCapabilities {
        NetworkCapabilities::ALL
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        let result = self.try_connect();
        if let Err(e) = &result {
            log::warn!(target: "Wifi", "{}: connect failed: {e}", self.interface);
        }
        self.report("connect", result)
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        let result = self.try_disconnect();
        self.report("disconnect", result)
    }

    fn is_connected(&self) -> bool {
        self.connected
    }

    fn ssid(&self) -> Result<Ssid, NetworkError> {
        let result = self.checked().and_then(|(_, _, interface)| {
            let bytes = interface.ssid.ok_or(WifiError::NotConnected)?;
            Ssid::new(&bytes).map_err(|e| WifiError::Malformed {
                operation: "nl80211 GET_INTERFACE",
                detail: e.to_string(),
            })
        });
        self.report("ssid", result)
    }

    fn ap_address(&self) -> Result<MacAddress, NetworkError> {
        let result = self.checked().and_then(|(link, mut wireless, _)| {
            wireless
                .scan(link.index())?
                .into_iter()
                .find(|bss| bss.is_associated())
                .and_then(|bss| bss.bssid)
                .map(MacAddress)
                .ok_or(WifiError::NotConnected)
        });
        self.report("ap_address", result)
    }

    fn avg_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let result = self
            .checked()
            .and_then(|(link, mut wireless, _)| self.sample(wireless.as_mut(), link.index()));
        self.report("avg_signal_strength", result)
    }

    fn max_signal_strength(&self) -> Result<SignalReading, NetworkError> {
        let result = self.checked().and_then(|(link, mut wireless, interface)| {
            let ssid = interface.ssid.ok_or(WifiError::NotConnected)?;
            let strongest = wireless
                .scan(link.index())?
                .iter()
                .filter(|bss| bss.ssid.as_deref() == Some(ssid.as_slice()))
                .filter_map(|bss| bss.signal_dbm())
                .max();
            if let Some(dbm) = strongest {
                return Ok(SignalReading::new(dbm, SignalSource::ScanCache));
            }
            let now = self.sample(wireless.as_mut(), link.index());
            match (self.max_sample(), now) {
                (Some(best), _) => Ok(SignalReading::new(best, SignalSource::Samples)),
                (None, Err(e)) => Err(e),
                (None, Ok(r)) => Ok(SignalReading::new(r.dbm(), SignalSource::Samples)),
            }
        });
        self.report("max_signal_strength", result)
    }
}

fn factory(ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
    Ok(Box::new(Wifi::from_context(ctx)?))
}

hologram_ports::inventory::submit! {
    AdapterDescriptor::network(
        ADAPTER_NAME,
        "Wi-Fi on Linux: rtnetlink, nl80211 and wpa_supplicant's control socket",
        factory,
    )
}

#[cfg(test)]
mod tests;
