//! What the two transports say over TCP: where they send by default, what
//! they can do, and what the bytes a server sends back mean. The engine
//! moves the bytes; a [`Protocol`] reads them.

use std::fmt::Debug;

use hologram_ports::{
    Endpoint, Reply, ReplyError, ResultCode, TransportCapabilities, TransportError,
};

/// The Hologram cloud's socket host.
pub const CLOUD_HOST: &str = "cloudsocket.hologram.io";
/// The Hologram cloud's socket port.
pub const CLOUD_PORT: u16 = 9999;

mod sealed {
    pub trait Sealed {}
}

/// The protocol a [`TcpTransport`](crate::TcpTransport) speaks: [`Raw`] or
/// [`Cloud`]. Sealed: this crate's two are the only ones.
pub trait Protocol: sealed::Sealed + Debug + Send + Sync + 'static {
    /// The adapter name it registers under (`raw`, `cloud`).
    const NAME: &'static str;
    /// The `log` target, as the Python SDK's logger names (`Raw`, `Cloud`).
    const LOG_TARGET: &'static str;
    /// Whether whitespace before the first byte of a reply is skipped (not
    /// counted against the byte limit, not part of the reply).
    const SKIPS_LEADING_WHITESPACE: bool;

    /// What a transport speaking it can do.
    fn capabilities() -> TransportCapabilities;

    /// Where it sends until told otherwise.
    fn default_endpoint() -> Endpoint;

    /// The result for the reply `bytes`, read until the server closed or
    /// the byte limit (`endpoint` names the server in errors).
    fn reply(bytes: &[u8], endpoint: &Endpoint) -> Result<Reply, TransportError>;

    /// Whether the `bytes` received when the reply deadline passed make a
    /// reply; if not, the send fails with a read timeout.
    fn complete_at_deadline(bytes: &[u8]) -> bool;
}

/// The Python SDK's `Raw`: the reply bytes as they came, no code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Raw;

impl sealed::Sealed for Raw {}

impl Protocol for Raw {
    const NAME: &'static str = "raw";
    const LOG_TARGET: &'static str = "Raw";
    const SKIPS_LEADING_WHITESPACE: bool = false;

    fn capabilities() -> TransportCapabilities {
        TransportCapabilities::default().with_concurrent_batch(true)
    }

    /// Unset: the user gives the host and port.
    fn default_endpoint() -> Endpoint {
        Endpoint::default()
    }

    /// The bytes, whatever they are (an empty reply included).
    fn reply(bytes: &[u8], _endpoint: &Endpoint) -> Result<Reply, TransportError> {
        Ok(Reply {
            bytes: bytes.to_vec(),
            code: None,
        })
    }

    /// Any byte: as the Python SDK, what came before the timeout is the
    /// reply (a server may answer and keep the connection open).
    fn complete_at_deadline(bytes: &[u8]) -> bool {
        !bytes.is_empty()
    }
}

/// The Hologram cloud's protocol: the reply is a result code, in either of
/// the cloud's two forms ([`ResultCode::parse_reply`]).
///
/// - a code (`[c,0]`, `c0`, `c`) → `Ok(Reply { code: Some(c), bytes })`,
///   whatever `c` is (the core decides what a refusal means);
/// - the server closed without a byte, or with only whitespace →
///   [`TransportError::NoReply`]: delivery not confirmed, a network failure
///   (the message stays queued and goes again, at least once). An explicit
///   `[1,0]` or `1` keeps meaning code 1, success;
/// - anything else → `Ok(Reply { code: None, bytes })`: the server answered
///   something, so the message may have been delivered and is not sent
///   again; `bytes` say what came.
///
/// Leading whitespace is skipped while reading (a run of spaces is neither
/// a code nor a reason to stop reading), until the reply deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cloud;

impl sealed::Sealed for Cloud {}

impl Protocol for Cloud {
    const NAME: &'static str = "cloud";
    const LOG_TARGET: &'static str = "Cloud";
    const SKIPS_LEADING_WHITESPACE: bool = true;

    fn capabilities() -> TransportCapabilities {
        TransportCapabilities::default()
            .with_result_codes(true)
            .with_sms(true)
            .with_concurrent_batch(true)
    }

    /// `cloudsocket.hologram.io:9999`.
    fn default_endpoint() -> Endpoint {
        Endpoint::new(CLOUD_HOST, CLOUD_PORT)
    }

    fn reply(bytes: &[u8], endpoint: &Endpoint) -> Result<Reply, TransportError> {
        let code = match ResultCode::parse_reply(bytes) {
            Ok(code) => Some(code),
            Err(ReplyError::Empty) => {
                return Err(TransportError::NoReply {
                    endpoint: endpoint.to_string(),
                })
            }
            Err(_malformed) => None,
        };
        Ok(Reply {
            bytes: bytes.to_vec(),
            code,
        })
    }

    /// Only a reply that already reads as a code: a JSON list cut short by
    /// the deadline proves nothing.
    fn complete_at_deadline(bytes: &[u8]) -> bool {
        ResultCode::parse_reply(bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn endpoint() -> Endpoint {
        Endpoint::new("127.0.0.1", 9999)
    }

    #[test]
    fn cloud_replies_map_to_codes_no_reply_or_raw_bytes() {
        for code in 0..=8 {
            for form in [format!("[{code},0]"), format!("{code}0"), format!("{code}")] {
                let reply = Cloud::reply(form.as_bytes(), &endpoint()).unwrap();
                assert_eq!(reply.code.map(ResultCode::code), Some(code), "{form}");
            }
        }
        for nothing in [&b""[..], b"\r\n", b"     "] {
            assert_eq!(
                Cloud::reply(nothing, &endpoint()),
                Err(TransportError::NoReply {
                    endpoint: "127.0.0.1:9999".into()
                })
            );
        }
        let garbage = Cloud::reply(b"HTTP/1.1 400 Bad Request\r\n", &endpoint()).unwrap();
        assert_eq!(garbage.code, None);
        assert_eq!(garbage.bytes, b"HTTP/1.1 400 Bad Request\r\n");
        assert_eq!(
            Cloud::reply(b"[1,0]", &endpoint()).unwrap().code,
            Some(ResultCode::ConnectionClosed)
        );
    }

    #[test]
    fn completeness_at_the_deadline() {
        assert!(Cloud::complete_at_deadline(b"[0,0]"));
        assert!(Cloud::complete_at_deadline(b"0"));
        assert!(!Cloud::complete_at_deadline(b"[0,"));
        assert!(!Cloud::complete_at_deadline(b""));
        assert!(Raw::complete_at_deadline(b"[0,"));
        assert!(!Raw::complete_at_deadline(b""));
    }

    proptest! {
        #[test]
        fn arbitrary_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            match Cloud::reply(&bytes, &endpoint()) {
                Ok(reply) => prop_assert_eq!(&reply.bytes, &bytes),
                Err(TransportError::NoReply { .. }) => prop_assert!(bytes.trim_ascii().is_empty()),
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
            prop_assert_eq!(Raw::reply(&bytes, &endpoint()).unwrap().bytes, bytes);
        }
    }
}
