//! The clients that send the benchmark message: a bare `std::net` loop and
//! the SDK (`raw` or `cloud` transport, `csrpsk`), and the outbox flush.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use hologram::{
    AdapterConfig, Authenticator, Credentials, Hologram, MemoryOutbox, Message, Outbox, Receipt,
    RetryPolicy,
};
use hologram_auth::Csrpsk;

use crate::args::ClientKind;

/// The device key of every benchmark message.
pub const DEVICEKEY: &str = "12345678";
/// The data of the benchmark message.
pub const DATA: &str = "hello";
/// The topics of the benchmark message (the second `csrpsk_devicekey`
/// vector of `wire-vectors.json`, so its Python payload is known).
pub const TOPICS: [&str; 2] = ["t1", "t2"];

/// Where the clients send.
#[derive(Debug, Clone)]
pub struct Target {
    /// Host as given.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The first resolved address (the bare loop connects to it).
    pub addr: SocketAddr,
}

impl Target {
    /// Resolves `host:port` once.
    pub fn new(host: &str, port: u16) -> Result<Target, String> {
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}:{port}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host}:{port} resolves to no address"))?;
        Ok(Target {
            host: host.to_owned(),
            port,
            addr,
        })
    }
}

fn credentials() -> Credentials {
    Credentials::with_devicekey(DEVICEKEY).expect("the benchmark device key is well formed")
}

/// The benchmark message.
pub fn message() -> Message {
    Message::with_topic_strs(DATA, &TOPICS).expect("the benchmark topics are valid")
}

/// The payload the SDK sends for the benchmark message (`csrpsk`, compact
/// form): the bare loop sends these same bytes.
pub fn payload() -> Vec<u8> {
    let mut out = Vec::new();
    Csrpsk::new()
        .encode_message(&credentials(), &message(), &mut out)
        .expect("the benchmark message encodes");
    out
}

/// A client ready to send the benchmark message again and again.
#[derive(Debug)]
pub enum Client {
    /// The bare loop: the payload, the reply buffer, the address.
    Bare {
        /// The bytes to send.
        payload: Vec<u8>,
        /// Reused for each reply.
        reply: Vec<u8>,
        /// Where to connect.
        addr: SocketAddr,
    },
    /// The SDK.
    Sdk(Box<Hologram>),
}

impl Client {
    /// Builds the client `kind` for `target`.
    pub fn new(kind: ClientKind, target: &Target) -> Result<Client, String> {
        match kind {
            ClientKind::Bare => Ok(Client::Bare {
                payload: payload(),
                reply: Vec::with_capacity(1024),
                addr: target.addr,
            }),
            ClientKind::Raw | ClientKind::Cloud => {
                sdk(kind.name(), target, None, false, None).map(|h| Client::Sdk(Box::new(h)))
            }
        }
    }

    /// Sends the benchmark message `n` times, one after the other; returns
    /// how many were not delivered.
    pub fn send(&mut self, n: u64) -> u64 {
        let mut failures = 0;
        match self {
            Client::Bare {
                payload,
                reply,
                addr,
            } => {
                for _ in 0..n {
                    match bare_exchange(*addr, payload, reply) {
                        Ok(()) if reply.starts_with(b"[0,0]") => {}
                        _ => failures += 1,
                    }
                }
            }
            Client::Sdk(h) => {
                for _ in 0..n {
                    match h.send_message(DATA, &TOPICS) {
                        Ok(r) if delivered(&r) => {}
                        _ => failures += 1,
                    }
                }
            }
        }
        failures
    }
}

/// One exchange the plain way: connect, write, read to end, close.
pub fn bare_exchange(addr: SocketAddr, payload: &[u8], reply: &mut Vec<u8>) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(payload)?;
    reply.clear();
    stream.read_to_end(reply)?;
    Ok(())
}

fn delivered(r: &Receipt) -> bool {
    r.is_delivered() && r.reply().is_none_or(|bytes| bytes.starts_with(b"[0,0]"))
}

/// An SDK instance sending to `target` with `transport` and `csrpsk`, with
/// an outbox holding `queued` (if any) and the transport's `max_in_flight`.
pub fn sdk(
    transport: &str,
    target: &Target,
    queued: Option<Box<dyn Outbox>>,
    ordered: bool,
    max_in_flight: Option<u64>,
) -> Result<Hologram, String> {
    let mut config = AdapterConfig::new();
    if let Some(n) = max_in_flight {
        config.set("max_in_flight", n.to_string());
    }
    let mut builder = Hologram::builder()
        .credentials(credentials())
        .transport(transport)
        .authentication("csrpsk")
        .transport_config(config)
        .endpoint(&target.host, target.port)
        // A failure shows as a failure count, not as a backoff in the timing.
        .retry(RetryPolicy::NONE)
        .ordered_delivery(ordered);
    if let Some(outbox) = queued {
        builder = builder.outbox(outbox);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the SDK ({transport}): {e}"))
}

/// The result of one outbox flush.
#[derive(Debug, Clone, Copy)]
pub struct Flush {
    /// Wall time of `Hologram::flush`.
    pub elapsed: Duration,
    /// Messages not delivered.
    pub failures: u64,
}

/// Queues `n` benchmark messages in a memory outbox, then times one
/// `flush()` through the `cloud` transport: concurrent (the default, with
/// `max_in_flight` connections at most) or `ordered` (one message at a time).
pub fn flush(
    target: &Target,
    n: u64,
    ordered: bool,
    max_in_flight: Option<u64>,
) -> Result<Flush, String> {
    let n_usize = usize::try_from(n).map_err(|e| e.to_string())?;
    let mut outbox = MemoryOutbox::with_capacity(n_usize);
    let msg = message();
    for sequence in 1..=n {
        outbox
            .push(sequence, &msg)
            .map_err(|e| format!("cannot queue message {sequence}: {e}"))?;
    }
    let mut h = sdk(
        "cloud",
        target,
        Some(Box::new(outbox)),
        ordered,
        max_in_flight,
    )?;
    let start = Instant::now();
    let receipts = h.flush().map_err(|e| format!("flush failed: {e}"))?;
    let elapsed = start.elapsed();
    let ok = receipts.iter().filter(|r| delivered(r)).count() as u64;
    Ok(Flush {
        elapsed,
        failures: n.saturating_sub(ok),
    })
}

/// Times the bare loop over `n` messages.
pub fn timed_bare(target: &Target, n: u64) -> Result<Flush, String> {
    let mut client = Client::new(ClientKind::Bare, target)?;
    let start = Instant::now();
    let failures = client.send(n);
    Ok(Flush {
        elapsed: start.elapsed(),
        failures,
    })
}
