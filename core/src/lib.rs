//! The Hologram SDK for small Linux IoT devices.
//!
//! Send messages (with topics) and SMS through the Hologram cloud, or raw
//! messages to a TCP server of your own, over a network interface the SDK
//! manages. This crate is the facade you depend on: [`Hologram`] and its
//! builder, the adapter [`Registry`], the [`EventBus`] and the [`Outbox`].
//!
//! Adapters are picked by name at run time, as in the Python SDK's
//! constructor: a network interface (`wifi`, `sim`, or a plugin), a
//! transport (`cloud`, `raw`) and an authentication (`csrpsk`, `totp`). The
//! core reaches sockets, radios and files only through the ports of
//! [`hologram_ports`]; it names no adapter.
//!
//! ```
//! use hologram::{Credentials, Hologram};
//!
//! // With no adapter compiled in, asking for one by name says what exists.
//! let result = Hologram::new(Credentials::default(), "", "raw", "csrpsk");
//! if let Err(e) = result {
//!     assert!(e.to_string().contains("available"));
//! }
//! ```
//!
//! While the network is down, [`Hologram::send_message`] queues the message
//! (event `message.buffered`) and returns a receipt saying so; when the
//! network reports `network.connected`, the queue is sent in order.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod builtin;
mod error;
mod events;
mod hologram;
pub mod logging;
mod outbox;
pub mod plugins;
mod receipt;
mod registry;
mod retry;

pub use error::Error;
pub use events::{EventBus, SubscriptionId};
pub use hologram::{Hologram, HologramBuilder};
pub use outbox::MemoryOutbox;
pub use receipt::{Delivery, Receipt};
pub use registry::{
    AdapterEntry, AuthMaker, NetworkMaker, Origin, Registry, RegistryError, TransportMaker,
};
pub use retry::RetryPolicy;

pub use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterError, AdapterKind, AuthCapabilities, AuthError,
    Authenticator, CredentialError, CredentialField, Credentials, Endpoint, Event, EventSink,
    MacAddress, Message, NetworkCapabilities, NetworkError, NetworkInterface, Outbox, OutboxError,
    Queued, Reply, ResultCode, SignalReading, SignalSource, Sms, SmsError, Ssid, Topic, TopicError,
    Transport, TransportCapabilities, TransportError, TransportExt,
};

/// The ports crate, for adapter authors.
pub use hologram_ports as ports;
