//! The simulator: the whole SDK, runnable and testable with no radio, no
//! root and no Hologram account. CI, the quick start and the conformance kit
//! run on it.
//!
//! Two halves:
//!
//! - [`SimNetwork`], registered as the network interface `sim`: connect,
//!   disconnect, reconnect and every link query, from a scriptable state
//!   that a [`SimController`] keeps steering after the network is handed to
//!   the SDK, with a seeded [`FaultPlan`] (drop after N operations, flap,
//!   refuse connects) so runs repeat. It emits `wifi.*` and `network.*`
//!   events like the Wi-Fi adapter.
//! - [`cloud`], the cloud simulator: a `mio` server speaking the Hologram
//!   socket API that runs in-process on an ephemeral loopback port, or
//!   standalone as `hologram cloud-sim --port 9999` (see [`cloud::serve`]).
//!   It accepts what the real Python SDK sends, answers the right code for
//!   each malformed request, and records what it accepted.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use hologram_ports::{Event, EventSink, NetworkInterface};
//! use hologram_sim::{cloud::CloudSim, FaultPlan, SimNetwork};
//!
//! #[derive(Default)]
//! struct Log(Mutex<Vec<String>>);
//! impl EventSink for Log {
//!     fn emit(&self, event: &Event) { self.0.lock().unwrap().push(event.name().to_owned()); }
//! }
//!
//! // A network that refuses the first connect attempt.
//! let log = Arc::new(Log::default());
//! let mut net = SimNetwork::new(log.clone());
//! let ctl = net.controller();
//! ctl.set_fault_plan(FaultPlan::new(42).with_refuse_connects(1));
//! assert!(net.connect().is_err());
//! net.connect().unwrap();
//! assert_eq!(*log.0.lock().unwrap(), ["wifi.connected", "network.connected"]);
//!
//! // A cloud that accepts any well-formed device key.
//! let cloud = CloudSim::builder().start().unwrap();
//! let mut socket = std::net::TcpStream::connect(cloud.addr()).unwrap();
//! socket.write_all(b"{\"k\": \"12345678\", \"d\": \"21.5C\", \"t\": \"temp\"}\r\r").unwrap();
//! let mut reply = String::new();
//! socket.read_to_string(&mut reply).unwrap();
//! assert_eq!(reply, "[0,0]");
//! assert!(cloud.wait_for_messages(1, Duration::from_secs(10)));
//! assert_eq!(cloud.messages()[0].data, "21.5C");
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

pub mod cloud;
mod error;
mod fault;
pub mod modem;
mod network;

pub use error::{CloudSimError, DevicesFileError};
pub use fault::FaultPlan;
pub use network::{
    factory, SimController, SimCounters, SimNetwork, CONFIG_KEYS, DEFAULT_AP_ADDRESS,
    DEFAULT_SIGNAL_DBM, DEFAULT_SSID,
};

/// The name the simulated network interface is registered under.
pub const NETWORK_NAME: &str = "sim";

hologram_ports::inventory::submit! {
    hologram_ports::AdapterDescriptor::network(
        NETWORK_NAME,
        "simulated network interface: no radio, scriptable link, seeded fault plan",
        network::factory,
    )
}
