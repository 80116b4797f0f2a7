//! The contracts of the Hologram SDK.
//!
//! This crate is the inside of the hexagon: the domain types every part of
//! the SDK speaks ([`Credentials`], [`Topic`], [`Message`], [`Sms`],
//! [`ResultCode`], [`Event`]) and the port traits the core drives and the
//! adapters implement:
//!
//! | port | what it does | built-in adapters |
//! |---|---|---|
//! | [`NetworkInterface`] | brings a link up and down, answers link queries | `sim`, `wifi`, plugins |
//! | [`Authenticator`] | turns credentials + a message into wire bytes | `csrpsk`, `totp` |
//! | [`Transport`] | delivers wire bytes to a host and returns the reply | `raw`, `cloud` |
//! | [`Outbox`] | keeps accepted messages until the cloud answers | the core's memory outbox, `file` |
//! | [`EventSink`] | where adapters report what happened | the core's event bus |
//!
//! It does no I/O and names no adapter. Adapters register a factory under a
//! name with [`inventory`] through an [`AdapterDescriptor`]; the core
//! collects them and picks one by name at run time.
//!
//! # For adapter authors
//!
//! Implement the port trait, report events through the [`EventSink`] in the
//! [`AdapterContext`] your factory receives, map your private errors into the
//! port's error enum, and declare what you support in the port's
//! capabilities value. Then register:
//!
//! ```
//! use hologram_ports::{
//!     AdapterContext, AdapterDescriptor, AdapterError, NetworkCapabilities, NetworkError,
//!     NetworkInterface,
//! };
//!
//! /// A link that is always up.
//! #[derive(Debug, Default)]
//! struct AlwaysUp { up: bool }
//!
//! impl NetworkInterface for AlwaysUp {
//!     fn capabilities(&self) -> NetworkCapabilities { NetworkCapabilities::default() }
//!     fn connect(&mut self) -> Result<(), NetworkError> { self.up = true; Ok(()) }
//!     fn disconnect(&mut self) -> Result<(), NetworkError> { self.up = false; Ok(()) }
//!     fn is_connected(&self) -> bool { self.up }
//! }
//!
//! fn make(_ctx: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
//!     Ok(Box::new(AlwaysUp::default()))
//! }
//!
//! hologram_ports::inventory::submit! {
//!     AdapterDescriptor::network("always-up", "a link that is always up", make)
//! }
//! # fn main() {
//! # let names: Vec<_> = hologram_ports::inventory::iter::<AdapterDescriptor>().map(|d| d.name).collect();
//! # assert!(names.contains(&"always-up"));
//! # }
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod auth;
mod config;
mod credentials;
mod event;
mod message;
mod network;
mod outbox;
mod registry;
mod result_code;
mod transport;

pub use auth::{AuthCapabilities, AuthError, Authenticator};
pub use config::{AdapterConfig, ConfigError};
pub use credentials::{CredentialError, CredentialField, Credentials};
pub use event::{Event, EventSink, NullEventSink};
pub use message::{Message, Sms, SmsDestination, SmsError, SmsText, Topic, TopicError};
pub use network::{
    MacAddress, NetworkCapabilities, NetworkError, NetworkInterface, SignalReading, SignalSource,
    Ssid,
};
pub use outbox::{Outbox, OutboxError, Queued};
pub use registry::{
    AdapterContext, AdapterDescriptor, AdapterError, AdapterKind, AnyFactory, AuthFactory, Factory,
    NetworkFactory, OutboxFactory, Port, TransportFactory,
};
pub use result_code::{ReplyError, ResultCode};
pub use transport::{
    Endpoint, Reply, Transport, TransportCapabilities, TransportError, TransportExt, TransportPhase,
};

/// Whether two I/O errors say the same thing (same kind, same text): how
/// the port errors that keep one as their cause compare.
pub(crate) fn same_io(a: &std::io::Error, b: &std::io::Error) -> bool {
    a.kind() == b.kind() && a.to_string() == b.to_string()
}

/// Re-exported so adapter crates register with the same `inventory` the core collects from.
pub use inventory;
