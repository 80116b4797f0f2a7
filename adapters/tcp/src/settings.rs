//! The transports' settings: defaults, bounds, configuration keys, and the
//! one validation that every value goes through, whether it comes from a
//! builder call, an [`AdapterConfig`] or the command line
//! ([`validate_host`], [`validate_port`]).

use std::net::IpAddr;
use std::time::Duration;

use hologram_ports::{AdapterConfig, ConfigError, Endpoint, TransportError};

/// The default deadline of each step (connect, write, read the reply): 5 s,
/// as the Python SDK's socket timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default byte limit of a reply (the Python SDK's `MAX_RECEIVE_BYTES`).
pub const DEFAULT_MAX_REPLY_BYTES: usize = 1024;
/// The default number of connections a batch keeps open at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;
/// The longest accepted deadline of a step: a day (as in an
/// [`AdapterConfig`], and so that no deadline can overflow).
pub const LONGEST_TIMEOUT: Duration = Duration::from_secs(86_400);
/// The largest accepted `max_reply_bytes` (16 MiB): one buffer this size is
/// kept per connection in flight.
pub const REPLY_BYTES_CEILING: usize = 16 << 20;
/// The largest accepted `max_in_flight` (each connection holds a file descriptor).
pub const IN_FLIGHT_CEILING: usize = 1024;
/// The longest accepted host name (RFC 1035: 253 characters in text form).
pub const LONGEST_HOST: usize = 253;

/// The settings both transports accept in an [`AdapterConfig`]:
///
/// | key | value | default |
/// |---|---|---|
/// | `host` | host name or IP literal, nothing else (no port, no spaces) | unset (`raw`), `cloudsocket.hologram.io` (`cloud`) |
/// | `port` | 1..=65535 | unset (`raw`), 9999 (`cloud`) |
/// | `timeout` | seconds (fractional ok): the deadline of each step; sets the three below | 5 |
/// | `connect_timeout`, `write_timeout`, `read_timeout` | seconds, each overrides `timeout` for its step | 5 |
/// | `max_reply_bytes` | 1..=16 MiB | 1024 |
/// | `max_in_flight` | 1..=1024 | 32 |
///
/// # Deadlines, and the worst case of a send
///
/// Each step of one attempt has its own deadline, counted from the start of
/// the step and never pushed back by progress: connecting (over every
/// address of the host), writing the payload, and reading the reply. A
/// server trickling its reply one byte at a time cannot keep a send alive
/// past `read_timeout`. So one attempt lasts at most
/// `connect_timeout + write_timeout + read_timeout` (3 × `timeout`), plus
/// the name lookup of a host name, which the system resolver bounds (an IP
/// literal needs none).
///
/// A whole send through the SDK makes up to `attempts` attempts (the core's
/// retry policy) with a backoff between them, so it lasts at most
/// `attempts × (connect_timeout + write_timeout + read_timeout) + the sum of
/// the backoffs`. With the defaults, one attempt is at most 15 s.
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

/// A setting that is not valid: which, and why.
///
/// Converts into [`TransportError::InvalidSetting`] and into
/// [`ConfigError::Invalid`], so that the builder, a configuration and the
/// command line report the same thing for the same value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct SettingError {
    /// The setting (`host`, `port`, `read_timeout`...).
    pub setting: &'static str,
    /// What is wrong with the value.
    pub reason: String,
}

impl SettingError {
    fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        SettingError {
            setting,
            reason: reason.into(),
        }
    }
}

impl From<SettingError> for TransportError {
    fn from(e: SettingError) -> Self {
        TransportError::InvalidSetting {
            setting: e.setting,
            reason: e.reason,
        }
    }
}

impl From<SettingError> for ConfigError {
    fn from(e: SettingError) -> Self {
        ConfigError::Invalid {
            key: e.setting.to_owned(),
            reason: e.reason,
        }
    }
}

/// Checks a host: an IP literal (IPv6 with or without brackets) or a host
/// name (letters, digits, `-`, `_` and dots, at most 253 characters, no
/// empty label). Nothing else: no surrounding or inner whitespace (it
/// would go to the system resolver as is), no `:port` suffix (the port is
/// a setting of its own), no scheme.
///
/// Called by the builders, by [`AdapterConfig`] handling and by the
/// transports before any network activity; the command line calls it too.
///
/// ```
/// use hologram_tcp::settings::validate_host;
/// assert!(validate_host("cloudsocket.hologram.io").is_ok());
/// assert!(validate_host("::1").is_ok());
/// assert!(validate_host("[::1]").is_ok());
/// let e = validate_host("127.0.0.1:9999").unwrap_err();
/// assert_eq!(e.setting, "host");
/// assert!(e.reason.contains("port"), "{e}");
/// assert!(validate_host("127.0.0.1 ").is_err());
/// ```
pub fn validate_host(host: &str) -> Result<(), SettingError> {
    let fail = |reason: String| Err(SettingError::new("host", reason));
    if host.is_empty() {
        return fail("must not be empty".to_owned());
    }
    if ip_literal(host).is_some() {
        return Ok(());
    }
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail(format!(
            "{} holds spaces or control characters; give only the host name or address",
            shown(host)
        ));
    }
    if let Some((name, port)) = host.rsplit_once(':') {
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.contains("//") {
            return fail(format!(
                "{} ends in a port: give the host alone and the port ({port}) as the port \
                 setting",
                shown(host)
            ));
        }
        return fail(format!(
            "{} is neither a host name nor an IP address (no scheme, no port)",
            shown(host)
        ));
    }
    if host.len() > LONGEST_HOST {
        return fail(format!(
            "is {} characters long; a host name has at most {LONGEST_HOST}",
            host.len()
        ));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !name.split('.').all(valid_label) {
        return fail(format!(
            "{} is not a host name (letters, digits, '-', '_', dot-separated labels of 1 to 63) \
             nor an IP address",
            shown(host)
        ));
    }
    Ok(())
}

/// The IP literal in `host`, if it is one (`[::1]` is accepted as `::1`).
pub(crate) fn ip_literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// Checks a port: 1 to 65535 (0 is not a port one can send to).
pub fn validate_port(port: u16) -> Result<(), SettingError> {
    if port == 0 {
        return Err(SettingError::new("port", "must be within 1..=65535, not 0"));
    }
    Ok(())
}

/// A value as an error shows it: quoted (so spaces show), cut at 64 characters.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(64).collect();
    format!("{cut:?}")
}

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
    /// The one validation: the knobs, and the endpoint's parts that are set
    /// (an unset host or port is reported by `send`, as the Python SDK does).
    pub(crate) fn validate(&self, endpoint: &Endpoint) -> Result<(), SettingError> {
        if let Some(host) = &endpoint.host {
            validate_host(host)?;
        }
        if let Some(port) = endpoint.port {
            validate_port(port)?;
        }
        for (setting, d) in [
            ("connect_timeout", self.connect_timeout),
            ("write_timeout", self.write_timeout),
            ("read_timeout", self.read_timeout),
        ] {
            if d.is_zero() || d > LONGEST_TIMEOUT {
                return Err(SettingError::new(
                    setting,
                    format!("must be longer than zero and at most a day (86400 s), not {d:?}"),
                ));
            }
        }
        let within = |setting: &'static str, value: usize, ceiling: usize| {
            if (1..=ceiling).contains(&value) {
                Ok(())
            } else {
                Err(SettingError::new(
                    setting,
                    format!("must be within 1..={ceiling}, not {value}"),
                ))
            }
        };
        within("max_reply_bytes", self.max_reply_bytes, REPLY_BYTES_CEILING)?;
        within("max_in_flight", self.max_in_flight, IN_FLIGHT_CEILING)
    }

    /// Applies the keys of `config` (see [`CONFIG_KEYS`]) for the adapter
    /// `name`, then checks the result with [`validate`](Self::validate).
    pub(crate) fn apply(
        &mut self,
        endpoint: &mut Endpoint,
        config: &AdapterConfig,
        name: &str,
    ) -> Result<(), ConfigError> {
        config.check_known(name, &CONFIG_KEYS)?;
        if let Some(host) = config.get("host") {
            // Not trimmed: "127.0.0.1 " is refused here as anywhere else.
            endpoint.host = Some(host.to_owned());
        }
        if let Some(port) = config.parse::<u16>("port")? {
            endpoint.port = Some(port);
        }
        if let Some(t) = config.duration("timeout")? {
            self.connect_timeout = t;
            self.write_timeout = t;
            self.read_timeout = t;
        }
        if let Some(t) = config.duration("connect_timeout")? {
            self.connect_timeout = t;
        }
        if let Some(t) = config.duration("write_timeout")? {
            self.write_timeout = t;
        }
        if let Some(t) = config.duration("read_timeout")? {
            self.read_timeout = t;
        }
        if let Some(n) = config.parse::<usize>("max_reply_bytes")? {
            self.max_reply_bytes = n;
        }
        if let Some(n) = config.parse::<usize>("max_in_flight")? {
            self.max_in_flight = n;
        }
        Ok(self.validate(endpoint)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_accepted() {
        for host in [
            "cloudsocket.hologram.io",
            "cloudsocket.hologram.io.",
            "localhost",
            "relay_1.example",
            "127.0.0.1",
            "::1",
            "[::1]",
            "fe80::1",
            "2001:db8::1",
            &"a".repeat(63),
        ] {
            assert_eq!(validate_host(host), Ok(()), "{host:?}");
        }
    }

    #[test]
    fn hosts_refused_with_the_reason() {
        for (host, says) in [
            ("", "empty"),
            ("127.0.0.1 ", "spaces"),
            (" 127.0.0.1", "spaces"),
            ("cloud socket", "spaces"),
            ("host\n", "spaces"),
            ("127.0.0.1:9999", "port (9999)"),
            ("example.org:80", "port (80)"),
            ("[::1]:9999", "port (9999)"),
            ("tcp://example.org", "no scheme"),
            ("example.org:", "no scheme"),
            ("a..b", "not a host name"),
            (".example", "not a host name"),
            ("exa$mple", "not a host name"),
            ("日本.example", "not a host name"),
        ] {
            match validate_host(host) {
                Err(e) => {
                    assert_eq!(e.setting, "host");
                    assert!(e.reason.contains(says), "{host:?}: {e}");
                }
                Ok(()) => panic!("{host:?} was accepted"),
            }
        }
        let long = format!("{}.example", "a".repeat(64));
        assert!(validate_host(&long).is_err());
        let longer = ["abc"; 80].join(".");
        assert!(validate_host(&longer).unwrap_err().reason.contains("253"));
    }

    #[test]
    fn one_validation_for_config_and_builder() {
        let mut endpoint = Endpoint::default();
        let mut settings = Settings::default();
        let config = AdapterConfig::new().with("host", "127.0.0.1 ");
        let e = settings.apply(&mut endpoint, &config, "raw").unwrap_err();
        let direct: ConfigError = validate_host("127.0.0.1 ").unwrap_err().into();
        assert_eq!(e.to_string(), direct.to_string());

        let bad_port = Endpoint {
            host: None,
            port: Some(0),
        };
        assert_eq!(
            Settings::default().validate(&bad_port).unwrap_err().setting,
            "port"
        );
        let zero = Settings {
            read_timeout: Duration::ZERO,
            ..Settings::default()
        };
        let e = zero.validate(&Endpoint::default()).unwrap_err();
        assert_eq!(e.setting, "read_timeout");
        assert!(e.reason.contains("longer than zero"), "{e}");
    }
}
