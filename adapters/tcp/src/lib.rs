//! The `raw` and `cloud` transports of the Hologram SDK, on mio.
//!
//! Two [`Transport`] adapters, registered by name with `inventory`, both a
//! [`TcpTransport`] over a [`Protocol`]:
//!
//! | name | type | sends to | returns | capabilities |
//! |---|---|---|---|---|
//! | `raw` | [`RawTransport`] = `TcpTransport<Raw>` | the host and port the user set | the reply bytes | concurrent batch |
//! | `cloud` | [`CloudTransport`] = `TcpTransport<Cloud>` | `cloudsocket.hologram.io:9999` unless overridden | the reply bytes and the parsed [`ResultCode`](hologram_ports::ResultCode) (see [`Cloud`]) | result codes, SMS, concurrent batch |
//!
//! The modules point one way: [`settings`] (defaults, keys, the one
//! validation) and [`protocol`] (what replies mean) know nothing of the
//! rest; the engine (connections on mio) uses both; the transport wraps the
//! engine; the builder makes transports.
//!
//! # One exchange
//!
//! 1. **Resolve**: an IP literal (IPv4 or IPv6) parses without a lookup; a
//!    host name goes through the system resolver (`getaddrinfo`, blocking:
//!    the only blocking call, made once and cached per endpoint, see below).
//! 2. **Connect**: a non-blocking `connect` on mio, to each resolved address
//!    in turn until one accepts, all within `connect_timeout`. The host is
//!    checked first ([`settings::validate_host`]): `"127.0.0.1 "` or
//!    `"host:9999"` never reach the resolver. `TCP_NODELAY`
//!    is set only for payloads longer than one segment (1200 bytes): a
//!    shorter one goes in one segment that Nagle never delays.
//! 3. **Write** the payload exactly as given, in one `write` when the kernel
//!    takes it all, all within `write_timeout`. The write half is *not* shut
//!    down afterwards: the Hologram server may take an EOF as an abort.
//! 4. **Read** the reply into a reused buffer until the peer closes, the
//!    byte limit (`max_reply_bytes`, default 1024) or `read_timeout`.
//!    `cloud` skips whitespace before the first byte of the reply. When the
//!    deadline passes (or the peer resets), the bytes received are the
//!    reply if they make one (`raw`: any byte, as in the Python SDK;
//!    `cloud`: a result code); otherwise the send fails with a read timeout
//!    that says how many bytes came.
//!
//! Each step's timeout is a **deadline** counted from the step's start: no
//! byte trickling in or out postpones it, so one attempt lasts at most
//! `connect_timeout + write_timeout + read_timeout` (see [`CONFIG_KEYS`]
//! for the worst case of a whole send).
//! 5. **Close** the socket.
//!
//! The transport owns one `mio::Poll` (made on the first send) and reuses it,
//! its event buffer, the reply buffers and the resolved addresses for every
//! later send. A host name's addresses are kept for 5 minutes, and forgotten
//! when a connect fails so that the next send looks the name up again.
//!
//! # Many at once
//!
//! [`Transport::send_batch`] sends a batch over up to `max_in_flight`
//! (default 32) connections at once, all on the one poller, each a small
//! state machine (connecting → writing → reading → done), and returns one
//! result per payload in input order. The outbox flush uses it.
//!
//! # Events
//!
//! Per payload, through the [`EventSink`](hologram_ports::EventSink) given
//! at construction (the factory uses the context's):
//!
//! 1. `socket.connected` once the connection is up;
//! 2. `message.sent` when the send returns `Ok` (on `cloud`, whatever the
//!    result code: the core reports refusals);
//! 3. `socket.closed` when the socket is closed: once for every payload that
//!    got as far as opening a socket, whatever the outcome (also after a
//!    refused connect, a reset or a timeout).
//!
//! A send that fails before opening a socket (endpoint unset, name not
//! resolved) reports no event.
//!
//! # Errors
//!
//! Every failure is a typed [`TransportError`](hologram_ports::TransportError): `MissingEndpoint` (saying
//! which part), `InvalidSetting` (a host that is not one), `Resolve`,
//! `Refused`, `Unreachable`, `Reset { phase }`,
//! `Timeout { phase, after, endpoint, received }` for each of connect, write
//! and read, `NoReply` (cloud: closed without a reply), `Io` for anything
//! else (the system's error as its source). All those that come from
//! the network answer `true` to
//! [`is_network_failure`](hologram_ports::TransportError::is_network_failure), so the outbox
//! keeps the message and nothing is lost.
//!
//! # Settings
//!
//! Through the builders or an [`AdapterConfig`](hologram_ports::AdapterConfig)
//! with the keys in [`CONFIG_KEYS`]: `host`, `port`, `timeout` (all three),
//! `connect_timeout`, `write_timeout`, `read_timeout` (seconds, fractional
//! allowed), `max_reply_bytes`, `max_in_flight`. Every value, from wherever
//! it comes, goes through the one validation of [`settings`].
//!
//! # Logging
//!
//! Through `log` with the targets `Raw` and `Cloud`. Payload contents are
//! never logged: at most their sizes.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpListener;
//! use std::sync::Arc;
//! use hologram_ports::{Endpoint, NullEventSink, ResultCode, Transport};
//! use hologram_tcp::CloudTransport;
//!
//! // A stand-in for the cloud: reads one payload, answers [0,0], closes.
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let port = listener.local_addr()?.port();
//! let server = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
//!     let (mut peer, _) = listener.accept()?;
//!     let mut payload = [0u8; 7];
//!     peer.read_exact(&mut payload)?;
//!     peer.write_all(b"[0,0]")?;
//!     Ok(payload.to_vec())
//! });
//!
//! let mut cloud = CloudTransport::new(Arc::new(NullEventSink));
//! cloud.set_endpoint(Endpoint::new("127.0.0.1", port));
//! let reply = cloud.send(b"hello\r\r")?;
//! assert_eq!(reply.code, Some(ResultCode::Sent));
//! assert_eq!(server.join().unwrap()?, b"hello\r\r");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod builder;
mod conn;
mod engine;
mod error;
pub mod protocol;
mod resolve;
pub mod settings;
mod transport;

use hologram_ports::{AdapterContext, AdapterDescriptor, AdapterError, Transport};

pub use builder::TcpTransportBuilder;
pub use protocol::{Cloud, Protocol, Raw, CLOUD_HOST, CLOUD_PORT};
pub use settings::{
    CONFIG_KEYS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_REPLY_BYTES, DEFAULT_TIMEOUT,
    IN_FLIGHT_CEILING, REPLY_BYTES_CEILING,
};
pub use transport::{CloudTransport, RawTransport, TcpTransport};

fn factory<P: Protocol>(ctx: &AdapterContext) -> Result<Box<dyn Transport>, AdapterError> {
    Ok(Box::new(TcpTransport::<P>::from_context(ctx)?))
}

hologram_ports::inventory::submit! {
    AdapterDescriptor::transport(
        "raw",
        "TCP to a host and port of your choice; returns the reply bytes",
        factory::<Raw>,
    )
}

hologram_ports::inventory::submit! {
    AdapterDescriptor::transport(
        "cloud",
        "TCP to the Hologram cloud (cloudsocket.hologram.io:9999); parses the result code",
        factory::<Cloud>,
    )
}
