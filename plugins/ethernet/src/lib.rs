//! A Hologram network plugin for wired Ethernet (`ethernet`), the second
//! example plugin next to `plugins/template`: a real link with real state,
//! still small enough to read in one sitting.
//!
//! The kernel (with the system's DHCP client or NetworkManager) owns a
//! wired interface; this plugin does not configure it. `connect` checks
//! that the interface exists, is Ethernet, is administratively up and has
//! carrier (a cable plugged into a live port), then emits
//! `ethernet.connected` and `network.connected`; `disconnect` stops the SDK
//! from using the link (emitting the `disconnected` pair) without taking
//! the interface down, which would cut the machine off. `is_connected`
//! reads the link state again each time, so an unplugged cable shows at
//! once. It needs no root: the link state is world-readable in sysfs
//! (`/sys/class/net/<name>/{type,flags,carrier,operstate}`).
//!
//! # Settings
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `interface` | the first wired interface with a device behind it | the interface, e.g. `eth0`, `enp1s0` |
//! | `sysfs` | `/sys/class/net` | where the interfaces are listed (tests point it at a fake tree) |
//!
//! ```
//! use hologram_plugin_ethernet::Ethernet;
//! use hologram_ports::{AdapterConfig, AdapterContext, NetworkInterface, NullEventSink};
//! use std::sync::Arc;
//!
//! // A fake sysfs with one wired interface, cable plugged in.
//! let dir = tempfile::tempdir().unwrap();
//! let eth0 = dir.path().join("eth0");
//! std::fs::create_dir_all(&eth0).unwrap();
//! std::fs::write(eth0.join("type"), "1\n").unwrap();
//! std::fs::write(eth0.join("flags"), "0x1003\n").unwrap();
//! std::fs::write(eth0.join("carrier"), "1\n").unwrap();
//! let config = AdapterConfig::new()
//!     .with("sysfs", dir.path().to_str().unwrap())
//!     .with("interface", "eth0");
//! let mut net = Ethernet::from_context(&AdapterContext::new(Arc::new(NullEventSink), config)).unwrap();
//! net.connect().unwrap();
//! assert!(net.is_connected());
//! std::fs::write(eth0.join("carrier"), "0\n").unwrap(); // the cable is pulled
//! assert!(!net.is_connected());
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hologram_ports::{
    AdapterContext, AdapterError, ConfigError, Event, EventSink, NetworkCapabilities, NetworkError,
    NetworkInterface,
};

/// The settings this plugin accepts.
pub const CONFIG_KEYS: [&str; 2] = ["interface", "sysfs"];

/// Where the kernel lists network interfaces.
pub const SYSFS_NET: &str = "/sys/class/net";

/// `ARPHRD_ETHER`: the link type of Ethernet interfaces.
const ARPHRD_ETHER: u32 = 1;
/// `IFF_UP`: administratively up.
const IFF_UP: u32 = 0x1;

/// A wired interface used while its cable is plugged in.
pub struct Ethernet {
    sysfs: PathBuf,
    interface: String,
    up: bool,
    events: Arc<dyn EventSink>,
}

impl fmt::Debug for Ethernet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ethernet")
            .field("interface", &self.interface)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Whether `dir` is a wired Ethernet interface: link type 1 and no
/// `wireless`/`phy80211` entry (Wi-Fi reports type 1 too).
fn is_wired(dir: &Path) -> bool {
    read(&dir.join("type")).and_then(|t| number(&t)) == Some(ARPHRD_ETHER)
        && !dir.join("wireless").exists()
        && !dir.join("phy80211").exists()
}

impl Ethernet {
    /// The factory: reads the settings; picks the interface when none is
    /// given. Building touches nothing but sysfs reads.
    pub fn from_context(ctx: &AdapterContext) -> Result<Ethernet, AdapterError> {
        ctx.config.check_known("ethernet", &CONFIG_KEYS)?;
        let sysfs = PathBuf::from(ctx.config.get("sysfs").unwrap_or(SYSFS_NET));
        let interface = match ctx.config.get("interface").map(str::trim) {
            Some(name) => {
                if name.is_empty()
                    || name.len() > 15
                    || name.contains(['/', '\0'])
                    || name.starts_with('.')
                {
                    return Err(AdapterError::Config(ConfigError::Invalid {
                        key: "interface".into(),
                        reason: "must be an interface name of 1 to 15 characters".into(),
                    }));
                }
                name.to_owned()
            }
            None => first_wired(&sysfs).unwrap_or_else(|| "eth0".to_owned()),
        };
        Ok(Ethernet {
            sysfs,
            interface,
            up: false,
            events: ctx.events.clone(),
        })
    }

    /// The interface used.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// Why the link cannot be used now, if it cannot.
    fn check(&self) -> Result<(), NetworkError> {
        let dir = self.sysfs.join(&self.interface);
        if !dir.is_dir() {
            return Err(NetworkError::NoSuchInterface {
                name: self.interface.clone(),
            });
        }
        if !is_wired(&dir) {
            return Err(NetworkError::InvalidSetting {
                setting: "interface",
                reason: format!("{} is not a wired Ethernet interface", self.interface),
            });
        }
        let flags = read(&dir.join("flags"))
            .and_then(|f| number(&f))
            .unwrap_or(0);
        if flags & IFF_UP == 0 {
            return Err(NetworkError::ConnectFailed {
                reason: format!(
                    "{} is administratively down (ip link set {} up)",
                    self.interface, self.interface
                ),
            });
        }
        // Reading `carrier` of a down interface fails (EINVAL): no carrier.
        if read(&dir.join("carrier")).as_deref() != Some("1") {
            return Err(NetworkError::ConnectFailed {
                reason: format!("no carrier on {}: is the cable plugged in?", self.interface),
            });
        }
        Ok(())
    }
}

/// The first wired interface with a device behind it (not a bridge, a
/// veth or a tunnel), in name order.
fn first_wired(sysfs: &Path) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(sysfs)
        .ok()?
        .flatten()
        .take(4096)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names.into_iter().find(|n| {
        let dir = sysfs.join(n);
        is_wired(&dir) && dir.join("device").exists()
    })
}

impl NetworkInterface for Ethernet {
    fn capabilities(&self) -> NetworkCapabilities {
        NetworkCapabilities::NONE
    }

    fn connect(&mut self) -> Result<(), NetworkError> {
        self.check()?;
        if !self.up {
            self.up = true;
            self.events.emit(&Event::custom("ethernet.connected"));
            self.events.emit(&Event::NetworkConnected);
        }
        Ok(())
    }

    fn disconnect(&mut self) -> Result<(), NetworkError> {
        if self.up {
            self.up = false;
            self.events.emit(&Event::custom("ethernet.disconnected"));
            self.events.emit(&Event::NetworkDisconnected);
        }
        Ok(())
    }

    fn is_connected(&self) -> bool {
        self.up && self.check().is_ok()
    }
}

hologram_plugin_abi::export_network_plugin!(
    name = "ethernet",
    version = env!("CARGO_PKG_VERSION"),
    summary = "wired Ethernet: uses a wired interface while its cable is plugged in (link state from sysfs)",
    make = Ethernet::from_context,
);
