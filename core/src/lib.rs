//! The Hologram SDK for small Linux IoT devices.
//!
//! Send messages (with topics) and SMS through the Hologram cloud, or raw
//! messages to a TCP server of your own, over a network interface the SDK
//! manages. This crate is the facade you depend on: [`Hologram`] and its
//! builder, the adapter [`Registry`], the [`EventBus`] and the [`Outbox`].
//!
//! Adapters are picked by name at run time, as in the Python SDK's
//! constructor: a network interface (`wifi`, `sim`, or a plugin), a
//! transport (`cloud`, `raw`), an authentication (`csrpsk`, `totp`) and, if
//! not the in-memory one, an outbox (`file`). The core reaches sockets,
//! radios and files only through the ports of [`hologram_ports`]; it names
//! no adapter. It logs through [`log`] only: the program chooses the logger
//! (see [`logging`]).
//!
//! ```
//! use hologram::{Credentials, Hologram};
//!
//! // Adapters are picked by name; a name that does not exist says what does.
//! let err = Hologram::new(Credentials::default(), "no-such-network", "raw", "csrpsk")
//!     .unwrap_err();
//! assert!(err.to_string().starts_with("unknown network \"no-such-network\"; available: "));
//! ```
//!
//! The crate's `examples/` send through the built-in simulator
//! (`cargo run -p hologram --example send_csrpsk`).
//!
//! Every message takes one path: it is pushed to the outbox, then the outbox
//! is drained, oldest first. While the network is down,
//! [`Hologram::send_message`] leaves it queued (event `message.buffered`)
//! and returns a receipt saying so; when the network reports
//! `network.connected`, the queue is sent in order (see
//! [`HologramBuilder::ordered_delivery`]). [`Hologram::send_all`] accepts a
//! whole batch at once before the first is sent.
//!
//! An unreachable cloud costs one retry schedule, not one per message: once
//! a drain fails with a network error after its attempts, the rest stays
//! queued, and sends during the next backoff interval are queued without an
//! attempt. Time is read and waited on through a [`Clock`]; tests give a
//! [`ManualClock`].
//!
//! Each message is its own payload, on its own connection, with its own
//! reply and receipt (with `totp` too: every message of a 30-second window
//! carries that window's password, as in the Python SDK).
//!
//! # Delivery guarantee: at least once
//!
//! A message the SDK accepted (it returned a [`Receipt`], not an error) is
//! never dropped silently. It stays in the [`Outbox`] until the cloud gives a
//! final answer: acknowledged (code 0 or 1), refused (codes 2, 3, 4, 5, 7,
//! 8), or a reply that does not parse (reported as [`Delivery::Replied`]
//! with its bytes: the message may have arrived, so it is not sent again).
//! Transport failures (a connection closed with no reply among them: not
//! confirmed) and code 6 are retried with backoff ([`RetryPolicy`]), then
//! the message waits for the next flush. With
//! [`HologramBuilder::outbox_dir`] it also survives a crash or power loss.
//! The only exits are reported: a full outbox refuses the new message
//! ([`OutboxError::Full`]) or, under a drop-oldest policy, drops the oldest
//! with the event `message.dropped`; a queued message the authenticator can
//! never encode (one queued by an earlier run with other settings) is
//! dropped with `message.dropped` too; messages in records a durable outbox
//! finds damaged when it opens are counted in
//! [`Hologram::messages_lost`], logged as an error and broadcast as
//! `outbox.damaged`.
//!
//! It is at least once, not exactly once. A message that got a final answer
//! is never sent again, but one can reach the server twice: when the
//! connection breaks after the server read it and before its answer came
//! back (the SDK cannot tell it arrived, so it sends it again), or when the
//! process dies between the answer and the removal from a durable outbox.
//!
//! The receipt's sequence number does not go on the wire (the Hologram
//! socket protocol has no field for it), so a receiver that must not process
//! a message twice needs an identifier inside the message data: put one
//! there (a counter the device keeps across restarts, or a random id) and
//! have the receiver skip identifiers it has already seen. With ordered
//! delivery (the default) a copy always arrives right after the first one,
//! before any younger message, so for an increasing counter the receiver
//! only has to remember the highest value seen per device and drop anything
//! not above it. With `ordered_delivery(false)` copies and younger messages
//! can interleave: remember a window of recent identifiers instead.
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod builder;
mod builtin;
mod clock;
mod delivery;
mod error;
mod events;
mod hologram;
pub mod logging;
mod outbox;
pub mod plugins;
mod receipt;
mod registry;
mod retry;

pub use builder::HologramBuilder;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::Error;
pub use events::{EventBus, SubscriptionId};
pub use hologram::Hologram;
pub use outbox::MemoryOutbox;
pub use receipt::{Delivery, Receipt};
pub use registry::{AdapterEntry, Origin, Registry, RegistryError, SharedFactory};
pub use retry::RetryPolicy;

pub use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, AdapterError, AdapterKind, AuthCapabilities,
    AuthError, Authenticator, CredentialError, CredentialField, Credentials, Endpoint, Event,
    EventSink, MacAddress, Message, NetworkCapabilities, NetworkError, NetworkInterface, Outbox,
    OutboxError, Port, Queued, Reply, ResultCode, SignalReading, SignalSource, Sms, SmsError, Ssid,
    Topic, TopicError, Transport, TransportCapabilities, TransportError, TransportExt,
};

/// The ports crate, for adapter authors.
pub use hologram_ports as ports;
