//! The built-in `cellular` network interface.
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
