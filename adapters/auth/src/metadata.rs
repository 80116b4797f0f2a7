//! The metadata record hologram-python 0.10.3 sends with every message:
//! `\x01<modem>-<version>`, as `"m"` in CSRPSK and as an `M` field in TOTP.
//!
//! Both authenticators leave it out by default (it costs bytes and the
//! seed-era protocol has none); the `metadata` setting turns it on.

use std::fmt;

use hologram_ports::{AdapterConfig, ConfigError};

/// The metadata format version byte the reference puts first
/// (`HologramAuthentication.metadata_version`).
pub(crate) const FORMAT_VERSION: u8 = 0x01;

/// The modem name sent when no modem is known, as the reference does.
pub const AGNOSTIC_MODEM: &str = "agnostic";

/// This SDK's version: what the metadata record carries unless told
/// otherwise.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The adapter settings that control the metadata record, shared by both
/// authenticators.
pub(crate) const SETTINGS: [&str; 3] = ["metadata", "modem", "metadata_version"];

/// What the metadata record says: the modem and the SDK version.
///
/// The reference builds the modem part from the modem class
/// (`build_modem_type_id_str`): its lower-cased name (`e303`, `bg96`,
/// `nova_u201`…), `nova-<id>` for the generic Nova, `agnostic` without a
/// modem. Both parts must be printable ASCII without spaces, since the
/// reference encodes them as ASCII and the TOTP form ends a field at NUL.
///
/// ```
/// use hologram_auth::Metadata;
///
/// let m = Metadata::new("agnostic", "0.9.1").unwrap();
/// assert_eq!(m.record(), "\u{1}agnostic-0.9.1");
/// assert!(Metadata::new("", "0.9.1").is_err());
/// assert!(Metadata::new("my modem", "0.9.1").is_err());
/// assert_eq!(Metadata::default().modem(), "agnostic");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Metadata {
    modem: String,
    version: String,
}

impl Default for Metadata {
    /// No modem known, this SDK's version.
    fn default() -> Self {
        Metadata {
            modem: AGNOSTIC_MODEM.to_owned(),
            version: SDK_VERSION.to_owned(),
        }
    }
}

impl Metadata {
    /// A record naming `modem` and `version`. Fails when either is empty or
    /// holds anything but printable ASCII without spaces.
    pub fn new(modem: &str, version: &str) -> Result<Self, ConfigError> {
        Ok(Metadata {
            modem: checked("modem", modem)?.to_owned(),
            version: checked("metadata_version", version)?.to_owned(),
        })
    }

    /// The modem part.
    pub fn modem(&self) -> &str {
        &self.modem
    }

    /// The version part.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The record's text: `\x01<modem>-<version>`.
    pub fn record(&self) -> String {
        let mut s = String::with_capacity(self.len());
        s.push(char::from(FORMAT_VERSION));
        s.push_str(&self.modem);
        s.push('-');
        s.push_str(&self.version);
        s
    }

    /// The record's length in bytes.
    pub(crate) fn len(&self) -> usize {
        1 + self.modem.len() + 1 + self.version.len()
    }

    /// Appends the record's bytes (no quoting, no terminator).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(FORMAT_VERSION);
        self.write_text(out);
    }

    /// Appends `<modem>-<version>`: the record without its format byte.
    pub(crate) fn write_text(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.modem.as_bytes());
        out.push(b'-');
        out.extend_from_slice(self.version.as_bytes());
    }

    /// From the adapter settings: `metadata` = `true` | `false` (default),
    /// `modem` (default `agnostic`), `metadata_version` (default this SDK's
    /// version). `None` when `metadata` is off; `modem` and
    /// `metadata_version` are still checked, so a typo never waits for the
    /// day the record is turned on.
    pub(crate) fn from_config(config: &AdapterConfig) -> Result<Option<Self>, ConfigError> {
        let on = config.parse::<bool>("metadata")?.unwrap_or(false);
        let metadata = Metadata::new(
            config.get("modem").unwrap_or(AGNOSTIC_MODEM),
            config.get("metadata_version").unwrap_or(SDK_VERSION),
        )?;
        Ok(on.then_some(metadata))
    }
}

impl fmt::Display for Metadata {
    /// `<modem>-<version>`, without the format byte.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.modem, self.version)
    }
}

fn checked<'a>(key: &str, value: &'a str) -> Result<&'a str, ConfigError> {
    let fits = |b: u8| b.is_ascii_graphic() && b != b'"' && b != b'\\';
    if value.is_empty() || !value.bytes().all(fits) {
        return Err(ConfigError::Invalid {
            key: key.to_owned(),
            reason: format!(
                "{value:?} must be non-empty printable ASCII without spaces, quotes or \
                 backslashes (the metadata record is sent as ASCII)"
            ),
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        assert_eq!(Metadata::from_config(&AdapterConfig::new()), Ok(None));
        let on = AdapterConfig::new().with("metadata", "true");
        let m = Metadata::from_config(&on).expect("valid").expect("on");
        assert_eq!(m, Metadata::default());
        assert_eq!(m.version(), env!("CARGO_PKG_VERSION"));
        let cfg = on
            .clone()
            .with("modem", "e303")
            .with("metadata_version", "0.9.1");
        let m = Metadata::from_config(&cfg).expect("valid").expect("on");
        assert_eq!(m.record(), "\u{1}e303-0.9.1");
        assert_eq!(m.len(), m.record().len());
        let mut out = Vec::new();
        m.write(&mut out);
        assert_eq!(out, m.record().as_bytes());
        for (key, bad) in [
            ("metadata", "yes"),
            ("modem", ""),
            ("modem", "a b"),
            ("modem", "nul\0"),
            ("modem", "q\"uote"),
            ("modem", "back\\slash"),
            ("metadata_version", "é"),
        ] {
            let cfg = AdapterConfig::new().with(key, bad);
            let err = Metadata::from_config(&cfg).expect_err(bad);
            assert!(err.to_string().contains(key), "{err}");
        }
    }
}
