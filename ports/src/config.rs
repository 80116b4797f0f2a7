//! Adapter configuration: named settings handed to an adapter's factory.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A setting was missing, unknown or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key the adapter does not know (a typo must not silently drop a setting).
    #[error("unknown setting {key:?} for {adapter}; known settings: {}", known.join(", "))]
    UnknownKey {
        /// The adapter.
        adapter: String,
        /// The key given.
        key: String,
        /// The keys the adapter knows.
        known: Vec<&'static str>,
    },
    /// A value that does not parse or is out of range. Never holds a secret value.
    #[error("invalid value for setting {key:?}: {reason}")]
    Invalid {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A required setting is missing.
    #[error("setting {key:?} is required")]
    Missing {
        /// The key.
        key: String,
    },
}

#[derive(Clone, PartialEq, Eq)]
struct Value {
    text: String,
    secret: bool,
}

/// Named settings for one adapter (`interface = wlan0`, `timeout = 5`, ...).
/// Values marked secret are never shown by `Debug`.
///
/// ```
/// use hologram_ports::AdapterConfig;
/// let cfg = AdapterConfig::new().with("timeout", "2.5").with_secret("passphrase", "hunter22");
/// assert_eq!(cfg.duration("timeout").unwrap().unwrap().as_millis(), 2500);
/// assert!(!format!("{cfg:?}").contains("hunter22"));
/// assert!(cfg.check_known("wifi", &["timeout"]).is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AdapterConfig {
    values: BTreeMap<String, Value>,
}

impl AdapterConfig {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a plain value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.values.insert(
            key.into(),
            Value {
                text: value.into(),
                secret: false,
            },
        );
    }

    /// Sets a secret value (never shown by `Debug`).
    pub fn set_secret(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.values.insert(
            key.into(),
            Value {
                text: value.into(),
                secret: true,
            },
        );
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// Builder form of [`set_secret`](Self::set_secret).
    pub fn with_secret(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_secret(key, value);
        self
    }

    /// The raw text of a setting.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|v| v.text.as_str())
    }

    /// Whether `key` is present and was set with [`set_secret`](Self::set_secret).
    pub fn is_secret(&self, key: &str) -> bool {
        self.values.get(key).is_some_and(|v| v.secret)
    }

    /// Whether no setting is present.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The keys present, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// A setting parsed with [`FromStr`]; `Ok(None)` when absent.
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let Some(v) = self.values.get(key) else {
            return Ok(None);
        };
        v.text.trim().parse::<T>().map(Some).map_err(|e| {
            let reason = if v.secret {
                "does not parse".to_owned()
            } else {
                format!("{:?}: {e}", v.text)
            };
            ConfigError::Invalid {
                key: key.to_owned(),
                reason,
            }
        })
    }

    /// A duration in (possibly fractional) seconds, positive and at most a day.
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, ConfigError> {
        let Some(secs) = self.parse::<f64>(key)? else {
            return Ok(None);
        };
        if !(secs > 0.0 && secs <= 86_400.0) {
            return Err(ConfigError::Invalid {
                key: key.to_owned(),
                reason: format!("{secs} is not a number of seconds between 0 and 86400"),
            });
        }
        Ok(Some(Duration::from_secs_f64(secs)))
    }

    /// Fails on the first key not in `known`, naming it and listing the known ones.
    pub fn check_known(&self, adapter: &str, known: &[&'static str]) -> Result<(), ConfigError> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => Err(ConfigError::UnknownKey {
                adapter: adapter.to_owned(),
                key: key.clone(),
                known: known.to_vec(),
            }),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for AdapterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            if v.secret {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, &v.text);
            }
        }
        m.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_hide_secrets() {
        let cfg = AdapterConfig::new().with_secret("port", "s3cret");
        let err = cfg.parse::<u16>("port").unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
        let cfg = AdapterConfig::new().with("port", "70000");
        assert!(cfg
            .parse::<u16>("port")
            .unwrap_err()
            .to_string()
            .contains("70000"));
    }

    #[test]
    fn secrets_are_marked() {
        let cfg = AdapterConfig::new().with("a", "1").with_secret("b", "2");
        assert!(!cfg.is_secret("a") && cfg.is_secret("b") && !cfg.is_secret("c"));
    }

    #[test]
    fn durations_are_bounded() {
        for bad in ["0", "-1", "NaN", "inf", "1e9", "x"] {
            let cfg = AdapterConfig::new().with("t", bad);
            assert!(cfg.duration("t").is_err(), "{bad}");
        }
        assert_eq!(AdapterConfig::new().duration("t"), Ok(None));
    }
}
