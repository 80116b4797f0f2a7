//! The `raw` transport: payload bytes to a host and port of the user's
//! choice, reply bytes back.

use std::sync::Arc;

use hologram_ports::{
    AdapterContext, AdapterError, Endpoint, EventSink, Reply, Transport, TransportCapabilities,
    TransportError,
};

use crate::builder::TcpTransportBuilder;
use crate::engine::{Engine, Protocol};

/// The Python SDK's `Raw`: sends the payload bytes as given to the host and
/// port the user set, and returns the reply bytes (`Reply::code` is `None`).
///
/// The endpoint starts unset: a send before both host and port are set
/// fails with [`TransportError::MissingEndpoint`] naming what is missing.
/// See the [crate docs](crate) for the exchange, the events and the errors.
#[derive(Debug)]
pub struct RawTransport {
    engine: Engine,
}

impl RawTransport {
    /// A transport with the default settings, no endpoint, reporting to `events`.
    pub fn new(events: Arc<dyn EventSink>) -> Self {
        Self::from_engine(Engine::new(
            Protocol::Raw,
            Endpoint::default(),
            Default::default(),
            events,
        ))
    }

    /// A builder for the endpoint and the knobs.
    pub fn builder() -> TcpTransportBuilder<RawTransport> {
        TcpTransportBuilder::new(Protocol::Raw, Endpoint::default())
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
        RawTransport { engine }
    }
}

impl Transport for RawTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::default().with_concurrent_batch(true)
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
