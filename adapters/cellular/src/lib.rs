//! The built-in `cellular` network interface: finds a USB cellular modem,
//! drives it with AT commands, and answers its queries.
//!
//! Layers, each usable alone:
//!
//! - [`serial`]: the modem's serial port (the `serialport` crate), with
//!   errors that say what to do (missing device, `dialout` group, a port
//!   held by another process such as ModemManager, named from `/proc`).
//! - [`at`]: the AT engine: one command at a time with its own timeout,
//!   echo handling, `OK`/`ERROR`/`+CME ERROR`/`+CMS ERROR` mapped to typed
//!   errors with their 3GPP meaning, URCs dispatched wherever they arrive,
//!   lines cut at a cap.
//! - [`driver`]: one [`driver::ModemDriver`] per family (u-blox SARA,
//!   Quectel, Huawei, generic 3GPP TS 27.007) and [`Modem`], the typed
//!   queries and controls with the liveness watchdog ([`EVENT_STUCK`],
//!   [`EVENT_RESET`]).
//! - [`detect`]: known USB vendor:product ids under sysfs, their tty nodes,
//!   and which port answers `AT`.
//! - [`Cellular`]: the [`NetworkInterface`](hologram_ports::NetworkInterface)
//!   registered as `cellular`.
//!
//! # Settings (`Hologram::builder().network("cellular")`, `--network-option`)
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `device` | detected | the modem's AT port (`/dev/ttyACM0`, `/dev/ttyUSB2`, ...) |
//! | `modem` | detected | the model: `sara-u201`, `sara-r410`, `bg96`, `ec21`, `ec25`, `e303`, `e372`, `ms2131`, `generic` |
//! | `apn` | `hologram` | the access point name |
//! | `timeout` | `5` | seconds to wait for each AT answer |
//! | `registration_timeout` | `180` | seconds `connect` waits for registration |
//! | `reset_after` | `3` | commands in a row without an answer before the modem is reset (0: never) |
//! | `baud` | `115200` | the serial speed (USB modems ignore it) |
//! | `simulate` | off | a model name (or `true` for `sara-u201`): run on the in-process modem simulator |
//!
//! ```
//! use std::sync::Arc;
//! use hologram_cellular::Cellular;
//! use hologram_ports::{AdapterConfig, AdapterContext, NetworkInterface, NullEventSink};
//!
//! let config = AdapterConfig::new().with("simulate", "bg96");
//! let mut net = Cellular::from_context(&AdapterContext::new(Arc::new(NullEventSink), config)).unwrap();
//! net.connect().unwrap(); // radio on, SIM ready, registered, APN, data context up
//! assert!(net.is_connected()); // asks the modem
//! assert_eq!(net.signal().unwrap().dbm(), Some(-73));
//! assert_eq!(net.operator().unwrap().as_deref(), Some("AT&T"));
//! net.disconnect().unwrap();
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

pub mod at;
pub mod detect;
pub mod driver;
mod error;
mod model;
mod modem;
mod network;
pub mod query;
pub mod serial;

pub use error::{CellularError, Holder};
pub use model::{Family, Model};
pub use modem::{Modem, ModemOptions, SimState, EVENT_RESET, EVENT_STUCK};
pub use network::{factory, Cellular, CONFIG_KEYS, DEFAULT_APN, DEFAULT_REGISTRATION_TIMEOUT};

/// The name the adapter is registered under.
pub const NETWORK_NAME: &str = "cellular";

hologram_ports::inventory::submit! {
    hologram_ports::AdapterDescriptor::network(
        NETWORK_NAME,
        "cellular modem over its AT port: u-blox SARA, Quectel, Huawei, any 3GPP modem; detected over USB",
        network::factory,
    )
}
