//! The `cloud` transport: `raw` plus the Hologram cloud's default endpoint
//! and the parsing of its `[code,0]` reply.

use std::sync::Arc;

use hologram_ports::{
    AdapterContext, AdapterError, Endpoint, EventSink, Reply, ReplyError, ResultCode, Transport,
    TransportCapabilities, TransportError,
};

use crate::builder::TcpTransportBuilder;
use crate::engine::{Engine, Protocol};

/// The Hologram cloud's socket host.
pub const CLOUD_HOST: &str = "cloudsocket.hologram.io";
/// The Hologram cloud's socket port.
pub const CLOUD_PORT: u16 = 9999;

/// The Python SDK's `Cloud`: like [`RawTransport`](crate::RawTransport) but
/// the endpoint defaults to `cloudsocket.hologram.io:9999` (override it for
/// a relay or the simulator) and the reply is parsed into a [`ResultCode`]:
///
/// - `[c,0]` → `Reply { code: Some(c), bytes }`, whatever `c` is (the core
///   decides what an error code means for the message);
/// - nothing (the server closed without answering, or sent only
///   whitespace) → [`ResultCode::ConnectionClosed`], code 1, which counts as
///   success as in the Python SDK: the server may close before answering a
///   message it accepted;
/// - anything else → [`TransportError::MalformedReply`] with what came,
///   cut to 64 bytes.
#[derive(Debug)]
pub struct CloudTransport {
    engine: Engine,
}

impl CloudTransport {
    /// The Hologram cloud's endpoint, `cloudsocket.hologram.io:9999`.
    pub fn default_endpoint() -> Endpoint {
        Endpoint::new(CLOUD_HOST, CLOUD_PORT)
    }

    /// A transport to the Hologram cloud with the default settings, reporting to `events`.
    pub fn new(events: Arc<dyn EventSink>) -> Self {
        Self::from_engine(Engine::new(
            Protocol::Cloud,
            Self::default_endpoint(),
            Default::default(),
            events,
        ))
    }

    /// A builder for the endpoint and the knobs (the endpoint starts as
    /// [`default_endpoint`](Self::default_endpoint)).
    pub fn builder() -> TcpTransportBuilder<CloudTransport> {
        TcpTransportBuilder::new(Protocol::Cloud, Self::default_endpoint())
    }

    /// What the registered factory does: the context's sink and settings
    /// (keys in [`CONFIG_KEYS`](crate::CONFIG_KEYS)).
    pub fn from_context(ctx: &AdapterContext) -> Result<Self, AdapterError> {
        Ok(Self::builder()
            .events(Arc::clone(&ctx.events))
            .config(&ctx.config)?
            .build()?)
    }

    pub(crate) fn from_engine(engine: Engine) -> Self {
        CloudTransport { engine }
    }
}

impl Transport for CloudTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::default()
            .with_result_codes(true)
            .with_sms(true)
            .with_concurrent_batch(true)
    }

    fn endpoint(&self) -> &Endpoint {
        &self.engine.endpoint
    }

    fn set_endpoint(&mut self, endpoint: Endpoint) {
        self.engine.endpoint = endpoint;
    }

    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        self.engine.send_one(payload)
    }

    /// Sends concurrently, up to `max_in_flight` connections on one poller.
    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        self.engine.send_many(payloads)
    }
}

/// The cloud's reply as a result code; see [`CloudTransport`].
pub(crate) fn parse_reply(bytes: &[u8]) -> Result<ResultCode, TransportError> {
    match ResultCode::parse_reply(bytes) {
        Ok(code) => Ok(code),
        Err(ReplyError::Empty) => Ok(ResultCode::ConnectionClosed),
        Err(reason) => Err(TransportError::malformed(bytes, reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn replies_map_to_codes_or_typed_errors() {
        for code in 0..=8 {
            let parsed = parse_reply(format!("[{code},0]").as_bytes()).unwrap();
            assert_eq!(parsed.code(), code);
        }
        assert_eq!(parse_reply(b"[42,0]"), Ok(ResultCode::Unknown(42)));
        assert_eq!(parse_reply(b""), Ok(ResultCode::ConnectionClosed));
        assert_eq!(parse_reply(b"\r\n"), Ok(ResultCode::ConnectionClosed));
        match parse_reply(&[b'x'; 500]) {
            Err(TransportError::MalformedReply { received, reason }) => {
                assert_eq!(received.len(), 64);
                assert_eq!(reason, ReplyError::NotAnArray);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    proptest! {
        #[test]
        fn arbitrary_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            match Protocol::Cloud.reply(&bytes) {
                Ok(reply) => {
                    prop_assert_eq!(&reply.bytes, &bytes);
                    prop_assert!(reply.code.is_some());
                }
                Err(TransportError::MalformedReply { received, .. }) => {
                    prop_assert!(received.len() <= 64 * 3);
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
