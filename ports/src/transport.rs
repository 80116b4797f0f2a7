//! The transport port: deliver wire bytes to a host and return the reply.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::ResultCode;

/// Where a transport sends: a host name or IP literal, and a port. Either
/// may be unset until the user sets it (the Python `Raw` class starts so).
///
/// ```
/// use hologram_ports::Endpoint;
/// let e = Endpoint::new("::1", 9999);
/// assert_eq!(e.to_string(), "[::1]:9999");
/// assert_eq!(Endpoint::default().to_string(), "<host unset>:<port unset>");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: Option<String>,
    /// TCP port.
    pub port: Option<u16>,
}

impl Endpoint {
    /// A complete endpoint.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: Some(host.into()),
            port: Some(port),
        }
    }

    /// Both parts, or [`TransportError::MissingEndpoint`] saying which is missing.
    pub fn require(&self) -> Result<(&str, u16), TransportError> {
        match (&self.host, self.port) {
            (Some(h), Some(p)) if !h.is_empty() => Ok((h, p)),
            (Some(h), None) if !h.is_empty() => {
                Err(TransportError::MissingEndpoint { missing: "port" })
            }
            (_, Some(_)) => Err(TransportError::MissingEndpoint { missing: "host" }),
            _ => Err(TransportError::MissingEndpoint {
                missing: "host and port",
            }),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Some(h) if h.contains(':') => write!(f, "[{h}]")?,
            Some(h) => f.write_str(h)?,
            None => f.write_str("<host unset>")?,
        }
        match self.port {
            Some(p) => write!(f, ":{p}"),
            None => f.write_str(":<port unset>"),
        }
    }
}

/// What a transport can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportCapabilities {
    /// Replies are parsed into a [`ResultCode`] (the Hologram cloud protocol).
    pub result_codes: bool,
    /// SMS can be sent through it.
    pub sms: bool,
    /// [`Transport::send_batch`] sends concurrently rather than one by one.
    pub concurrent_batch: bool,
}

impl TransportCapabilities {
    /// Sets [`TransportCapabilities::result_codes`].
    pub const fn with_result_codes(mut self, v: bool) -> Self {
        self.result_codes = v;
        self
    }
    /// Sets [`TransportCapabilities::sms`].
    pub const fn with_sms(mut self, v: bool) -> Self {
        self.sms = v;
        self
    }
    /// Sets [`TransportCapabilities::concurrent_batch`].
    pub const fn with_concurrent_batch(mut self, v: bool) -> Self {
        self.concurrent_batch = v;
        self
    }
}

/// What came back for one payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// The bytes the server sent before closing (up to the byte limit).
    pub bytes: Vec<u8>,
    /// The parsed cloud result code, for transports with
    /// [`TransportCapabilities::result_codes`]. On such a transport `None`
    /// means the server answered something that is not a result code
    /// ([`ReplyError::Malformed`](crate::ReplyError::Malformed)): the
    /// message may have been delivered, so it is final (never sent again),
    /// and `bytes` says what came.
    pub code: Option<ResultCode>,
}

/// The step of a send that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportPhase {
    /// Resolving the host name.
    Resolve,
    /// Connecting.
    Connect,
    /// Writing the payload.
    Write,
    /// Reading the reply.
    Read,
}

impl fmt::Display for TransportPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportPhase::Resolve => "resolve",
            TransportPhase::Connect => "connect",
            TransportPhase::Write => "write",
            TransportPhase::Read => "read",
        })
    }
}

/// A send failed.
///
/// `PartialEq` compares an [`Io`](TransportError::Io) error by its endpoint,
/// phase, and the system error's kind and text.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TransportError {
    /// The endpoint is incomplete.
    MissingEndpoint {
        /// `host`, `port`, or `host and port`.
        missing: &'static str,
    },
    /// The host name did not resolve.
    Resolve {
        /// The host name.
        host: String,
        /// What the resolver said.
        detail: String,
    },
    /// Nothing listens at the endpoint.
    Refused {
        /// The endpoint.
        endpoint: String,
    },
    /// The network or host is unreachable.
    Unreachable {
        /// The endpoint.
        endpoint: String,
    },
    /// The peer reset the connection.
    Reset {
        /// The endpoint.
        endpoint: String,
        /// When.
        phase: TransportPhase,
    },
    /// A step did not finish before its deadline. Each step (connect, write,
    /// read the reply) has its own deadline, counted from the step's start:
    /// a peer trickling bytes does not postpone it.
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// Which step.
        phase: TransportPhase,
        /// The limit that fired.
        after: Duration,
        /// Reply bytes received before the deadline (reading only; 0 for
        /// the other steps): a reply that was still arriving, or that did
        /// not form a complete answer, when time ran out.
        received: usize,
    },
    /// The server closed the connection without a reply (or with nothing
    /// but whitespace), on a transport that expects a result code: the
    /// message may or may not have been delivered. A network failure: a
    /// queued message stays queued and is sent again (at least once).
    NoReply {
        /// The endpoint.
        endpoint: String,
    },
    /// The transport does not do this (e.g. SMS over `raw`).
    Unsupported {
        /// The transport's name.
        transport: &'static str,
        /// The operation.
        operation: &'static str,
    },
    /// An invalid setting.
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Any other I/O error; the system's error is its
    /// [`source`](std::error::Error::source).
    Io {
        /// The endpoint.
        endpoint: String,
        /// Which step.
        phase: TransportPhase,
        /// What the system said (shared, so that the error stays `Clone`).
        source: Arc<io::Error>,
    },
}

impl TransportError {
    /// A [`TransportError::Io`] for `source` during `phase`.
    pub fn io(endpoint: impl Into<String>, phase: TransportPhase, source: io::Error) -> Self {
        TransportError::Io {
            endpoint: endpoint.into(),
            phase,
            source: Arc::new(source),
        }
    }

    /// Whether the failure means the network is not usable right now, so the
    /// message should stay queued and be tried again. Configuration errors
    /// are not: trying again cannot help. [`NoReply`](Self::NoReply) is: the
    /// delivery was not confirmed.
    pub fn is_network_failure(&self) -> bool {
        !matches!(
            self,
            TransportError::MissingEndpoint { .. }
                | TransportError::Unsupported { .. }
                | TransportError::InvalidSetting { .. }
        )
    }
}

impl PartialEq for TransportError {
    fn eq(&self, other: &Self) -> bool {
        use TransportError as E;
        match (self, other) {
            (E::MissingEndpoint { missing: a }, E::MissingEndpoint { missing: b }) => a == b,
            (
                E::Resolve { host, detail },
                E::Resolve {
                    host: h2,
                    detail: d2,
                },
            ) => host == h2 && detail == d2,
            (E::Refused { endpoint: a }, E::Refused { endpoint: b })
            | (E::Unreachable { endpoint: a }, E::Unreachable { endpoint: b })
            | (E::NoReply { endpoint: a }, E::NoReply { endpoint: b }) => a == b,
            (
                E::Reset { endpoint, phase },
                E::Reset {
                    endpoint: e2,
                    phase: p2,
                },
            ) => endpoint == e2 && phase == p2,
            (
                E::Timeout {
                    endpoint,
                    phase,
                    after,
                    received,
                },
                E::Timeout {
                    endpoint: e2,
                    phase: p2,
                    after: a2,
                    received: r2,
                },
            ) => endpoint == e2 && phase == p2 && after == a2 && received == r2,
            (
                E::Unsupported {
                    transport,
                    operation,
                },
                E::Unsupported {
                    transport: t2,
                    operation: o2,
                },
            ) => transport == t2 && operation == o2,
            (
                E::InvalidSetting { setting, reason },
                E::InvalidSetting {
                    setting: s2,
                    reason: r2,
                },
            ) => setting == s2 && reason == r2,
            (
                E::Io {
                    endpoint,
                    phase,
                    source,
                },
                E::Io {
                    endpoint: e2,
                    phase: p2,
                    source: s2,
                },
            ) => {
                endpoint == e2
                    && phase == p2
                    && source.kind() == s2.kind()
                    && source.to_string() == s2.to_string()
            }
            _ => false,
        }
    }
}

impl Eq for TransportError {}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::MissingEndpoint { missing } => {
                write!(f, "the transport's {missing} is not set")
            }
            TransportError::Resolve { host, detail } => {
                write!(f, "could not resolve host {host:?}: {detail}")
            }
            TransportError::Refused { endpoint } => {
                write!(f, "connection to {endpoint} was refused")
            }
            TransportError::Unreachable { endpoint } => write!(f, "{endpoint} is unreachable"),
            TransportError::Reset { endpoint, phase } => {
                write!(f, "connection to {endpoint} was reset during {phase}")
            }
            TransportError::Timeout {
                endpoint,
                phase,
                after,
                received: 0,
            } => write!(f, "{phase} to {endpoint} timed out after {after:?}"),
            TransportError::Timeout {
                endpoint,
                phase,
                after,
                received,
            } => write!(
                f,
                "{phase} to {endpoint} timed out after {after:?} with {received} reply byte(s) \
                 received: the reply was not complete"
            ),
            TransportError::NoReply { endpoint } => write!(
                f,
                "{endpoint} closed the connection without a reply: delivery not confirmed"
            ),
            TransportError::Unsupported {
                transport,
                operation,
            } => write!(
                f,
                "{operation} is not supported by the {transport} transport"
            ),
            TransportError::InvalidSetting { setting, reason } => {
                write!(f, "invalid transport setting {setting}: {reason}")
            }
            TransportError::Io {
                endpoint,
                phase,
                source,
            } => write!(f, "{phase} to {endpoint} failed: {source}"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The `io::Error` itself, so that callers can downcast to it.
            TransportError::Io { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// A transport: the `Raw` and `Cloud` classes of the Python SDK.
///
/// # For implementers
///
/// - `send` delivers exactly the bytes given, reads the reply until the peer
///   closes, a byte limit or the reply deadline, and returns it. Emit
///   `socket.connected` after connecting, `message.sent` after a reply and
///   `socket.closed` when the socket closes (also after an error).
/// - `send_batch` returns one result per payload, in input order.
/// - Map every failure into [`TransportError`]; never panic on what the peer sends.
/// - With [`TransportCapabilities::result_codes`]: a reply that parses
///   ([`ResultCode::parse_reply`]) is `Ok(Reply { code: Some(..) })`; a
///   close with no reply byte (or only whitespace) is
///   [`TransportError::NoReply`], never a code; any other reply is
///   `Ok(Reply { code: None })` with its bytes.
pub trait Transport: Send {
    /// What this transport can do.
    fn capabilities(&self) -> TransportCapabilities;

    /// Where it sends.
    fn endpoint(&self) -> &Endpoint;

    /// Changes where it sends.
    fn set_endpoint(&mut self, endpoint: Endpoint);

    /// Sends one payload and returns the reply.
    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError>;

    /// Sends many payloads; one result per payload, in input order. The
    /// default sends them one by one.
    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        payloads.iter().map(|p| self.send(p)).collect()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn capabilities(&self) -> TransportCapabilities {
        (**self).capabilities()
    }
    fn endpoint(&self) -> &Endpoint {
        (**self).endpoint()
    }
    fn set_endpoint(&mut self, endpoint: Endpoint) {
        (**self).set_endpoint(endpoint)
    }
    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        (**self).send(payload)
    }
    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        (**self).send_batch(payloads)
    }
}

/// Conveniences over [`Transport`], as the Python `raw.host = ...` setters.
pub trait TransportExt: Transport {
    /// Sets the host, keeping the port.
    fn set_host(&mut self, host: impl Into<String>) {
        let mut e = self.endpoint().clone();
        e.host = Some(host.into());
        self.set_endpoint(e);
    }

    /// Sets the port, keeping the host.
    fn set_port(&mut self, port: u16) {
        let mut e = self.endpoint().clone();
        e.port = Some(port);
        self.set_endpoint(e);
    }
}

impl<T: Transport + ?Sized> TransportExt for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_names_what_is_missing() {
        let e = Endpoint::default();
        assert_eq!(
            e.require(),
            Err(TransportError::MissingEndpoint {
                missing: "host and port"
            })
        );
        let e = Endpoint {
            host: Some("h".into()),
            port: None,
        };
        assert_eq!(
            e.require(),
            Err(TransportError::MissingEndpoint { missing: "port" })
        );
        let e = Endpoint {
            host: None,
            port: Some(1),
        };
        assert_eq!(
            e.require(),
            Err(TransportError::MissingEndpoint { missing: "host" })
        );
        assert_eq!(Endpoint::new("h", 1).require(), Ok(("h", 1)));
    }

    #[test]
    fn io_errors_keep_their_source_and_compare_by_kind() {
        use std::error::Error as _;
        let e = TransportError::io("h:1", TransportPhase::Read, io::ErrorKind::Other.into());
        let source = e.source().expect("the io::Error is the source");
        assert!(source.downcast_ref::<io::Error>().is_some());
        assert_eq!(e.clone(), e);
        assert_ne!(
            e,
            TransportError::io("h:1", TransportPhase::Read, io::ErrorKind::NotFound.into())
        );
        assert!(e.is_network_failure());
    }

    #[test]
    fn no_reply_is_a_network_failure_that_says_so() {
        let e = TransportError::NoReply {
            endpoint: "h:1".into(),
        };
        assert!(e.is_network_failure());
        assert_eq!(
            e.to_string(),
            "h:1 closed the connection without a reply: delivery not confirmed"
        );
    }
}
