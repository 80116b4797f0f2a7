//! Settings, their defaults and bounds, the builder, and the configuration keys.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use hologram_ports::{
    AdapterConfig, ConfigError, Endpoint, EventSink, NullEventSink, TransportError,
};

use crate::engine::{Engine, Protocol};
use crate::{CloudTransport, RawTransport};

/// The default connect, write and read timeout: 5 s each, as the Python SDK.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default byte limit of a reply (the Python SDK's `MAX_RECEIVE_BYTES`).
pub const DEFAULT_MAX_REPLY_BYTES: usize = 1024;
/// The default number of connections a batch keeps open at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;
/// The longest accepted timeout: a day, as in an [`AdapterConfig`] (so no
/// deadline can overflow).
const LONGEST_TIMEOUT: Duration = Duration::from_secs(86_400);
/// The largest accepted `max_reply_bytes` (16 MiB): one buffer this size is
/// kept per connection in flight.
pub const REPLY_BYTES_CEILING: usize = 16 << 20;
/// The largest accepted `max_in_flight` (each connection holds a file descriptor).
pub const IN_FLIGHT_CEILING: usize = 1024;

/// The settings both transports accept in an [`AdapterConfig`]:
///
/// | key | value | default |
/// |---|---|---|
/// | `host` | host name or IP literal | unset (`raw`), `cloudsocket.hologram.io` (`cloud`) |
/// | `port` | 1..=65535 | unset (`raw`), 9999 (`cloud`) |
/// | `timeout` | seconds (fractional ok): sets the three below | 5 |
/// | `connect_timeout`, `write_timeout`, `read_timeout` | seconds, each overrides `timeout` | 5 |
/// | `max_reply_bytes` | 1..=16 MiB | 1024 |
/// | `max_in_flight` | 1..=1024 | 32 |
pub const CONFIG_KEYS: [&str; 8] = [
    "host",
    "port",
    "timeout",
    "connect_timeout",
    "write_timeout",
    "read_timeout",
    "max_reply_bytes",
    "max_in_flight",
];

/// The knobs of one transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) connect_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) max_reply_bytes: usize,
    pub(crate) max_in_flight: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: DEFAULT_TIMEOUT,
            write_timeout: DEFAULT_TIMEOUT,
            read_timeout: DEFAULT_TIMEOUT,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

impl Settings {
    fn validate(&self) -> Result<(), TransportError> {
        let invalid = |setting: &'static str, reason: String| {
            Err(TransportError::InvalidSetting { setting, reason })
        };
        for (setting, d) in [
            ("connect_timeout", self.connect_timeout),
            ("write_timeout", self.write_timeout),
            ("read_timeout", self.read_timeout),
        ] {
            if d.is_zero() || d > LONGEST_TIMEOUT {
                return invalid(
                    setting,
                    format!("{d:?} is not longer than zero and at most a day"),
                );
            }
        }
        if !(1..=REPLY_BYTES_CEILING).contains(&self.max_reply_bytes) {
            return invalid(
                "max_reply_bytes",
                format!(
                    "{} is not within 1..={REPLY_BYTES_CEILING}",
                    self.max_reply_bytes
                ),
            );
        }
        if !(1..=IN_FLIGHT_CEILING).contains(&self.max_in_flight) {
            return invalid(
                "max_in_flight",
                format!(
                    "{} is not within 1..={IN_FLIGHT_CEILING}",
                    self.max_in_flight
                ),
            );
        }
        Ok(())
    }
}

/// Builds a [`RawTransport`] or a [`CloudTransport`]: the endpoint, the
/// event sink and the knobs. Start from [`RawTransport::builder`] or
/// [`CloudTransport::builder`].
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
pub struct TcpTransportBuilder<T> {
    protocol: Protocol,
    endpoint: Endpoint,
    settings: Settings,
    sink: Arc<dyn EventSink>,
    _builds: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for TcpTransportBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpTransportBuilder")
            .field("transport", &self.protocol.name())
            .field("endpoint", &self.endpoint)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<T> TcpTransportBuilder<T> {
    pub(crate) fn new(protocol: Protocol, endpoint: Endpoint) -> Self {
        TcpTransportBuilder {
            protocol,
            endpoint,
            settings: Settings::default(),
            sink: Arc::new(NullEventSink),
            _builds: PhantomData,
        }
    }

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

    /// The host: a name or an IP literal (IPv6 with or without brackets).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.endpoint.host = Some(host.into());
        self
    }

    /// The TCP port.
    pub fn port(mut self, port: u16) -> Self {
        self.endpoint.port = Some(port);
        self
    }

    /// Sets the connect, write and read timeouts at once.
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

    /// How long writing may go without progress (default 5 s): an idle
    /// timeout, as Python's socket timeout, so a large payload on a slow
    /// link is not cut while it still moves.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.settings.write_timeout = timeout;
        self
    }

    /// How long reading may go without a byte (default 5 s): an idle
    /// timeout, as Python's socket timeout; the reply's byte limit bounds
    /// how often it can restart. Bytes received before it fires are the
    /// reply; with none, the send fails with a read timeout.
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

    /// Applies the settings in `config` (keys in [`CONFIG_KEYS`]); an
    /// unknown key or a bad value is an error naming it.
    pub fn config(mut self, config: &AdapterConfig) -> Result<Self, ConfigError> {
        config.check_known(self.protocol.name(), &CONFIG_KEYS)?;
        if let Some(host) = config.get("host") {
            let host = host.trim();
            if host.is_empty() {
                return Err(invalid("host", "must not be empty"));
            }
            self.endpoint.host = Some(host.to_owned());
        }
        if let Some(port) = config.parse::<u16>("port")? {
            if port == 0 {
                return Err(invalid("port", "must be within 1..=65535"));
            }
            self.endpoint.port = Some(port);
        }
        if let Some(t) = config.duration("timeout")? {
            self = self.timeout(t);
        }
        if let Some(t) = config.duration("connect_timeout")? {
            self.settings.connect_timeout = t;
        }
        if let Some(t) = config.duration("write_timeout")? {
            self.settings.write_timeout = t;
        }
        if let Some(t) = config.duration("read_timeout")? {
            self.settings.read_timeout = t;
        }
        if let Some(n) = config.parse::<usize>("max_reply_bytes")? {
            if !(1..=REPLY_BYTES_CEILING).contains(&n) {
                return Err(invalid("max_reply_bytes", "must be within 1..=16777216"));
            }
            self.settings.max_reply_bytes = n;
        }
        if let Some(n) = config.parse::<usize>("max_in_flight")? {
            if !(1..=IN_FLIGHT_CEILING).contains(&n) {
                return Err(invalid("max_in_flight", "must be within 1..=1024"));
            }
            self.settings.max_in_flight = n;
        }
        Ok(self)
    }

    fn engine(self) -> Result<Engine, TransportError> {
        self.settings.validate()?;
        Ok(Engine::new(
            self.protocol,
            self.endpoint,
            self.settings,
            self.sink,
        ))
    }
}

fn invalid(key: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.to_owned(),
    }
}

impl TcpTransportBuilder<RawTransport> {
    /// The transport; fails with [`TransportError::InvalidSetting`] on a
    /// timeout of zero or over a day, or a limit out of range. An unset host or port is not an
    /// error here: `send` reports it.
    pub fn build(self) -> Result<RawTransport, TransportError> {
        self.engine().map(RawTransport::from_engine)
    }
}

impl TcpTransportBuilder<CloudTransport> {
    /// The transport; fails with [`TransportError::InvalidSetting`] on a
    /// timeout of zero or over a day, or a limit out of range.
    pub fn build(self) -> Result<CloudTransport, TransportError> {
        self.engine().map(CloudTransport::from_engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
