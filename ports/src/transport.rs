//! The transport port: deliver wire bytes to a host and return the reply.

use std::fmt;
use std::time::Duration;

use crate::{ReplyError, ResultCode};

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
    /// [`TransportCapabilities::result_codes`].
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The endpoint is incomplete.
    #[error("the transport's {missing} is not set")]
    MissingEndpoint {
        /// `host`, `port`, or `host and port`.
        missing: &'static str,
    },
    /// The host name did not resolve.
    #[error("could not resolve host {host:?}: {detail}")]
    Resolve {
        /// The host name.
        host: String,
        /// What the resolver said.
        detail: String,
    },
    /// Nothing listens at the endpoint.
    #[error("connection to {endpoint} was refused")]
    Refused {
        /// The endpoint.
        endpoint: String,
    },
    /// The network or host is unreachable.
    #[error("{endpoint} is unreachable")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
    },
    /// The peer reset the connection.
    #[error("connection to {endpoint} was reset during {phase}")]
    Reset {
        /// The endpoint.
        endpoint: String,
        /// When.
        phase: TransportPhase,
    },
    /// A step did not finish in time.
    #[error("{phase} to {endpoint} timed out after {after:?}")]
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// Which step.
        phase: TransportPhase,
        /// The limit that fired.
        after: Duration,
    },
    /// The reply could not be parsed as a cloud result.
    #[error("malformed reply from the cloud ({reason}): {received:?}")]
    MalformedReply {
        /// What was received, cut to 64 bytes and shown lossily.
        received: String,
        /// Why it does not parse.
        reason: ReplyError,
    },
    /// The transport does not do this (e.g. SMS over `raw`).
    #[error("{operation} is not supported by the {transport} transport")]
    Unsupported {
        /// The transport's name.
        transport: &'static str,
        /// The operation.
        operation: &'static str,
    },
    /// An invalid setting.
    #[error("invalid transport setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Any other I/O error.
    #[error("{phase} to {endpoint} failed: {detail}")]
    Io {
        /// The endpoint.
        endpoint: String,
        /// Which step.
        phase: TransportPhase,
        /// What the system said.
        detail: String,
    },
}

impl TransportError {
    /// A [`TransportError::MalformedReply`] for `received`, cut to 64 bytes.
    pub fn malformed(received: &[u8], reason: ReplyError) -> Self {
        let cut = &received[..received.len().min(64)];
        TransportError::MalformedReply {
            received: String::from_utf8_lossy(cut).into_owned(),
            reason,
        }
    }

    /// Whether the failure means the network is not usable right now, so the
    /// message should stay queued and be tried again. Configuration errors
    /// are not: trying again cannot help.
    pub fn is_network_failure(&self) -> bool {
        !matches!(
            self,
            TransportError::MissingEndpoint { .. }
                | TransportError::Unsupported { .. }
                | TransportError::InvalidSetting { .. }
        )
    }
}

/// A transport: the `Raw` and `Cloud` classes of the Python SDK.
///
/// # For implementers
///
/// - `send` delivers exactly the bytes given, reads the reply until the peer
///   closes, a byte limit or a timeout, and returns it. Emit
///   `socket.connected` after connecting, `message.sent` after a reply and
///   `socket.closed` when the socket closes (also after an error).
/// - `send_batch` returns one result per payload, in input order.
/// - Map every failure into [`TransportError`]; never panic on what the peer sends.
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
    fn malformed_cuts_to_64_bytes() {
        let e = TransportError::malformed(&[b'x'; 200], ReplyError::NotAnArray);
        match e {
            TransportError::MalformedReply { received, .. } => assert_eq!(received.len(), 64),
            other => panic!("unexpected {other:?}"),
        }
    }
}
