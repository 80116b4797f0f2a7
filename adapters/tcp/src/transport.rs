//! The transport: one type for both protocols, [`TcpTransport`], and the
//! names the Python SDK gives them, [`RawTransport`] and [`CloudTransport`].

use std::marker::PhantomData;
use std::sync::Arc;

use hologram_ports::{
    Endpoint, EventSink, Reply, Transport, TransportCapabilities, TransportError,
};

use crate::engine::Engine;
use crate::protocol::{Cloud, Protocol, Raw};
use crate::settings::Settings;

/// A TCP transport speaking the protocol `P`: sends each payload on its own
/// connection, exactly as given, and returns the reply as `P` reads it. See
/// the [crate docs](crate) for the exchange, the deadlines, the events and
/// the errors; [`TcpTransport::builder`] for the settings.
pub struct TcpTransport<P> {
    engine: Engine,
    protocol: PhantomData<fn() -> P>,
}

/// The Python SDK's `Raw`: sends the payload bytes as given to the host and
/// port the user set, and returns the reply bytes (`Reply::code` is `None`).
///
/// The endpoint starts unset: a send before both host and port are set
/// fails with [`TransportError::MissingEndpoint`] naming what is missing.
pub type RawTransport = TcpTransport<Raw>;

/// The Python SDK's `Cloud`: like [`RawTransport`] but the endpoint
/// defaults to `cloudsocket.hologram.io:9999` (override it for a relay or
/// the simulator) and the reply is read as a result code, in either of the
/// cloud's forms; see [`Cloud`] for what each reply gives.
pub type CloudTransport = TcpTransport<Cloud>;

impl<P: Protocol> std::fmt::Debug for TcpTransport<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("protocol", &P::NAME)
            .field("engine", &self.engine)
            .finish()
    }
}

impl<P: Protocol> TcpTransport<P> {
    /// A transport with the default settings and the protocol's default
    /// endpoint (unset for `raw`, the Hologram cloud for `cloud`),
    /// reporting to `events`.
    pub fn new(events: Arc<dyn EventSink>) -> Self {
        Self::from_engine(Engine::new(
            P::default_endpoint(),
            Settings::default(),
            events,
        ))
    }

    /// The endpoint a new transport starts with: unset for `raw`,
    /// `cloudsocket.hologram.io:9999` for `cloud`.
    pub fn default_endpoint() -> Endpoint {
        P::default_endpoint()
    }

    pub(crate) fn from_engine(engine: Engine) -> Self {
        TcpTransport {
            engine,
            protocol: PhantomData,
        }
    }
}

impl<P: Protocol> Transport for TcpTransport<P> {
    fn capabilities(&self) -> TransportCapabilities {
        P::capabilities()
    }

    fn endpoint(&self) -> &Endpoint {
        &self.engine.endpoint
    }

    /// Changes where it sends. The host is checked (as
    /// [`validate_host`](crate::settings::validate_host)) by the next send,
    /// before any network activity.
    fn set_endpoint(&mut self, endpoint: Endpoint) {
        self.engine.endpoint = endpoint;
    }

    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        self.engine.send_one::<P>(payload)
    }

    /// Sends concurrently, up to `max_in_flight` connections on one poller.
    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        self.engine.send_many::<P>(payloads)
    }
}
