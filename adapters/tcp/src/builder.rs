//! The builder of both transports: endpoint, event sink, settings.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterError, ConfigError, Endpoint, EventSink, NullEventSink,
    TransportError,
};

use crate::engine::Engine;
use crate::protocol::Protocol;
use crate::settings::Settings;
use crate::transport::TcpTransport;

/// Builds a [`RawTransport`](crate::RawTransport) or a
/// [`CloudTransport`](crate::CloudTransport): the endpoint, the event sink
/// and the settings, all checked by [`build`](Self::build) with the same
/// validation as a configuration ([`crate::settings`]). Start from
/// [`TcpTransport::builder`] (`RawTransport::builder()`,
/// `CloudTransport::builder()`).
///
/// ```
/// use std::time::Duration;
/// use hologram_tcp::RawTransport;
/// use hologram_ports::{AdapterConfig, Transport};
///
/// let raw = RawTransport::builder()
///     .host("::1")
///     .port(9999)
///     .timeout(Duration::from_secs(2))
///     .max_reply_bytes(4096)
///     .config(&AdapterConfig::new().with("read_timeout", "0.5"))?
///     .build()?;
/// assert_eq!(raw.endpoint().to_string(), "[::1]:9999");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TcpTransportBuilder<P> {
    endpoint: Endpoint,
    settings: Settings,
    sink: Arc<dyn EventSink>,
    protocol: PhantomData<fn() -> P>,
}

impl<P: Protocol> fmt::Debug for TcpTransportBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpTransportBuilder")
            .field("transport", &P::NAME)
            .field("endpoint", &self.endpoint)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<P: Protocol> TcpTransport<P> {
    /// A builder for the endpoint and the settings (the endpoint starts as
    /// [`default_endpoint`](Self::default_endpoint)).
    pub fn builder() -> TcpTransportBuilder<P> {
        TcpTransportBuilder {
            endpoint: P::default_endpoint(),
            settings: Settings::default(),
            sink: Arc::new(NullEventSink),
            protocol: PhantomData,
        }
    }

    /// What the registered factory does: the context's sink and settings
    /// (keys in [`CONFIG_KEYS`](crate::CONFIG_KEYS)).
    pub fn from_context(ctx: &AdapterContext) -> Result<Self, AdapterError> {
        Ok(Self::builder()
            .events(Arc::clone(&ctx.events))
            .config(&ctx.config)?
            .build()?)
    }
}

impl<P: Protocol> TcpTransportBuilder<P> {
    /// Where `socket.connected`, `message.sent` and `socket.closed` go
    /// (default: dropped).
    pub fn events(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = sink;
        self
    }

    /// Where to send.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The host: a name or an IP literal (IPv6 with or without brackets),
    /// nothing else ([`validate_host`](crate::settings::validate_host),
    /// checked by [`build`](Self::build)).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.endpoint.host = Some(host.into());
        self
    }

    /// The TCP port.
    pub fn port(mut self, port: u16) -> Self {
        self.endpoint.port = Some(port);
        self
    }

    /// Sets the deadline of each step (connect, write, read the reply) at
    /// once. One attempt lasts at most three times this (see
    /// [`CONFIG_KEYS`](crate::CONFIG_KEYS) for the worst case of a whole
    /// send).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.connect_timeout(timeout)
            .write_timeout(timeout)
            .read_timeout(timeout)
    }

    /// How long connecting may take, over all resolved addresses (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long writing the whole payload may take (default 5 s), from the
    /// connection's start: a deadline, not an idle timeout, so a peer that
    /// reads a byte at a time cannot hold the send.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.settings.write_timeout = timeout;
        self
    }

    /// How long reading the whole reply may take (default 5 s), from the
    /// end of the write: a deadline, not an idle timeout, so a server
    /// dripping its reply cannot hold the send. When it passes, the bytes
    /// received are the reply if they make one (`raw`: any byte; `cloud`: a
    /// result code); otherwise the send fails with
    /// [`TransportError::Timeout`] saying how many bytes came.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = timeout;
        self
    }

    /// The most reply bytes read (default 1024); reading stops there.
    pub fn max_reply_bytes(mut self, limit: usize) -> Self {
        self.settings.max_reply_bytes = limit;
        self
    }

    /// How many connections a batch keeps open at once (default 32).
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.settings.max_in_flight = limit;
        self
    }

    /// Applies the settings in `config` (keys in
    /// [`CONFIG_KEYS`](crate::CONFIG_KEYS)), checked by the same validation
    /// as [`build`](Self::build); an unknown key or a bad value is an error
    /// naming it.
    pub fn config(mut self, config: &AdapterConfig) -> Result<Self, ConfigError> {
        self.settings.apply(&mut self.endpoint, config, P::NAME)?;
        Ok(self)
    }

    /// The transport; fails with [`TransportError::InvalidSetting`] on a
    /// host that is not one, a port of 0, a timeout of zero or over a day,
    /// or a limit out of range. An unset host or port is not an error here:
    /// `send` reports it.
    pub fn build(self) -> Result<TcpTransport<P>, TransportError> {
        self.settings.validate(&self.endpoint)?;
        Ok(TcpTransport::from_engine(Engine::new(
            self.endpoint,
            self.settings,
            self.sink,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{LONGEST_TIMEOUT, REPLY_BYTES_CEILING};
    use crate::{CloudTransport, RawTransport};

    #[test]
    fn config_keys_apply_and_unknown_keys_fail() {
        let cfg = AdapterConfig::new()
            .with("host", "example.org")
            .with("port", "7")
            .with("timeout", "2")
            .with("read_timeout", "0.25")
            .with("max_reply_bytes", "10")
            .with("max_in_flight", "3");
        let b = RawTransport::builder().config(&cfg).unwrap();
        assert_eq!(b.endpoint, Endpoint::new("example.org", 7));
        assert_eq!(b.settings.connect_timeout, Duration::from_secs(2));
        assert_eq!(b.settings.write_timeout, Duration::from_secs(2));
        assert_eq!(b.settings.read_timeout, Duration::from_millis(250));
        assert_eq!(b.settings.max_reply_bytes, 10);
        assert_eq!(b.settings.max_in_flight, 3);

        let typo = AdapterConfig::new().with("prot", "7");
        assert!(matches!(
            RawTransport::builder().config(&typo),
            Err(ConfigError::UnknownKey { ref key, .. }) if key == "prot"
        ));
        for (key, bad) in [
            ("port", "0"),
            ("port", "70000"),
            ("host", " "),
            ("host", "127.0.0.1 "),
            ("host", "127.0.0.1:9999"),
            ("timeout", "0"),
            ("max_reply_bytes", "0"),
            ("max_in_flight", "100000"),
        ] {
            let cfg = AdapterConfig::new().with(key, bad);
            assert!(
                matches!(
                    CloudTransport::builder().config(&cfg),
                    Err(ConfigError::Invalid { .. })
                ),
                "{key}={bad}"
            );
        }
    }

    #[test]
    fn build_rejects_out_of_range_knobs() {
        assert!(matches!(
            RawTransport::builder().read_timeout(Duration::ZERO).build(),
            Err(TransportError::InvalidSetting {
                setting: "read_timeout",
                ..
            })
        ));
        // A deadline this far would overflow `Instant` (a panic on send).
        assert!(matches!(
            CloudTransport::builder().timeout(Duration::MAX).build(),
            Err(TransportError::InvalidSetting {
                setting: "connect_timeout",
                ..
            })
        ));
        assert!(RawTransport::builder()
            .timeout(LONGEST_TIMEOUT)
            .build()
            .is_ok());
        assert!(matches!(
            CloudTransport::builder().max_in_flight(0).build(),
            Err(TransportError::InvalidSetting {
                setting: "max_in_flight",
                ..
            })
        ));
        assert!(matches!(
            CloudTransport::builder()
                .max_reply_bytes(REPLY_BYTES_CEILING + 1)
                .build(),
            Err(TransportError::InvalidSetting {
                setting: "max_reply_bytes",
                ..
            })
        ));
        assert!(RawTransport::builder().build().is_ok());
        for host in ["127.0.0.1 ", "127.0.0.1:9999", ""] {
            assert!(
                matches!(
                    RawTransport::builder().host(host).build(),
                    Err(TransportError::InvalidSetting {
                        setting: "host",
                        ..
                    })
                ),
                "{host:?}"
            );
        }
        assert!(matches!(
            CloudTransport::builder().port(0).build(),
            Err(TransportError::InvalidSetting {
                setting: "port",
                ..
            })
        ));
    }
}
