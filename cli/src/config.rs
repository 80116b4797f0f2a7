//! The HJSON credentials file (`-f`), and merging it with the options.
//!
//! Keys: `cloud_id`, `cloud_key`, `devicekey`, `device_id`, `private_key`,
//! and optionally `host`, `port`, `network`, `ssid`, `authtype`,
//! `passphrase`. Comments are allowed; an unknown key is an error naming it
//! (a typo must not silently drop a credential). Error messages give the
//! line, never the text near it (it may hold a key).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Deserialize;

use crate::args::AuthType;
use crate::exit::CliError;

/// The keys a credentials file may hold.
pub const KEYS: [&str; 12] = [
    "cloud_id",
    "cloud_key",
    "devicekey",
    "device_id",
    "private_key",
    "host",
    "port",
    "network",
    "ssid",
    "authtype",
    "passphrase",
    "network_options",
];

/// The environment variable holding the Wi-Fi passphrase.
pub const PASSPHRASE_ENV: &str = "HOLOGRAM_WIFI_PASSPHRASE";

/// The contents of a credentials file. Every value is read as text (HJSON
/// lets `port: 9999` and `cloud_key: 1234` go unquoted).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The 4-character cloud id.
    pub cloud_id: Option<String>,
    /// The 4-character cloud key.
    pub cloud_key: Option<String>,
    /// The 8-character device key.
    pub devicekey: Option<String>,
    /// The TOTP device id.
    pub device_id: Option<String>,
    /// The TOTP private key.
    pub private_key: Option<String>,
    /// Server host.
    pub host: Option<String>,
    /// Server port.
    pub port: Option<String>,
    /// Network interface name.
    pub network: Option<String>,
    /// Wi-Fi SSID.
    pub ssid: Option<String>,
    /// Authentication type.
    pub authtype: Option<String>,
    /// Wi-Fi passphrase.
    pub passphrase: Option<String>,
    /// More settings for the network interface (`interface: wlp2s0`).
    /// A key given twice is an error, as at the top level.
    #[serde(default, deserialize_with = "unique_map")]
    pub network_options: Option<BTreeMap<String, String>>,
}

/// A map of strings in which a key given twice is an error (serde's maps
/// keep the last one silently; a typo'd duplicate must not win quietly).
fn unique_map<'de, D>(d: D) -> Result<Option<BTreeMap<String, String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of settings")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<String, String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format_args!(
                        "duplicate field `network_options.{key}`"
                    )));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique).map(Some)
}

impl fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "<set>" } else { "unset" };
        f.debug_struct("FileConfig")
            .field("cloud_id", &self.cloud_id)
            .field("cloud_key", &shown(&self.cloud_key))
            .field("devicekey", &shown(&self.devicekey))
            .field("device_id", &self.device_id)
            .field("private_key", &shown(&self.private_key))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("network", &self.network)
            .field("ssid", &self.ssid)
            .field("authtype", &self.authtype)
            .field("passphrase", &shown(&self.passphrase))
            .field(
                "network_options",
                &self
                    .network_options
                    .as_ref()
                    .map(|m| m.keys().collect::<Vec<_>>()),
            )
            .finish()
    }
}

/// A loaded credentials file: where it came from and what it holds.
#[derive(Debug, Default)]
pub struct LoadedFile {
    /// The file, when one was given.
    pub path: Option<PathBuf>,
    /// Its values.
    pub values: FileConfig,
    /// A warning to show (the file is readable by other users).
    pub warning: Option<String>,
}

impl LoadedFile {
    /// Loads `path` (or nothing when `None`).
    pub fn load(path: Option<&Path>) -> Result<LoadedFile, CliError> {
        let Some(path) = path else {
            return Ok(LoadedFile::default());
        };
        let text = crate::input::read_capped(path, "credentials file", crate::input::CONFIG_CAP)?;
        let text = String::from_utf8(text).map_err(|_| {
            CliError::Config(format!(
                "credentials file {} is not UTF-8 text",
                path.display()
            ))
        })?;
        let values = parse(&text).map_err(|problem| {
            CliError::Config(format!("credentials file {}: {problem}", path.display()))
        })?;
        Ok(LoadedFile {
            path: Some(path.to_owned()),
            values,
            warning: if path == Path::new("-") {
                None
            } else {
                crate::input::permission_warning(path, "credentials file")
            },
        })
    }

    /// How to name a value of this file in an error (`file creds.hjson`).
    pub fn source(&self, key: &str) -> String {
        match &self.path {
            Some(p) => format!("key {key} of {}", p.display()),
            None => format!("key {key}"),
        }
    }

    /// The file's port, validated.
    pub fn port(&self) -> Result<Option<u16>, CliError> {
        let Some(text) = self.values.port.as_deref() else {
            return Ok(None);
        };
        match text.trim().parse::<u32>() {
            Ok(p @ 1..=65535) => Ok(Some(p as u16)),
            _ => Err(CliError::Config(format!(
                "{}: {text:?} is not a port number (1 to 65535){}",
                self.source("port"),
                comment_hint(text)
            ))),
        }
    }

    /// The file's authtype, validated.
    pub fn authtype(&self) -> Result<Option<AuthType>, CliError> {
        let Some(text) = self.values.authtype.as_deref() else {
            return Ok(None);
        };
        AuthType::from_str(text.trim(), true)
            .map(Some)
            .map_err(|_| {
                CliError::Config(format!(
                    "{}: {text:?} is not an authentication type; use csrpsk or totp{}",
                    self.source("authtype"),
                    comment_hint(text)
                ))
            })
    }
}

/// A hint for a file value that failed validation and looks like it holds
/// a comment: in HJSON an unquoted value runs to the end of its line, so
/// `authtype: totp // note` is the value `totp // note`. Never quotes the
/// value (it may be a key).
pub fn comment_hint(value: &str) -> &'static str {
    if value.contains("//") || value.contains('#') || value.contains("/*") {
        " (in HJSON an unquoted value runs to the end of the line, comments included: \
         put the value in quotes)"
    } else {
        ""
    }
}

/// Parses the text of a credentials file. The error names the line (and the
/// key, for an unknown one) but never quotes the text.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    deser_hjson::from_str::<FileConfig>(text).map_err(|e| describe(&e))
}

fn describe(e: &deser_hjson::Error) -> String {
    match e {
        deser_hjson::Error::Syntax { line, col, .. } => {
            format!("HJSON syntax error at line {line}, column {col}")
        }
        deser_hjson::Error::Serde { line, col, message } => {
            serde_problem(message, Some((*line, *col)))
        }
        deser_hjson::Error::RawSerde(message) => serde_problem(message, None),
        _ => "not valid HJSON".to_owned(),
    }
}

fn serde_problem(message: &str, at: Option<(usize, usize)>) -> String {
    let place = match at {
        Some((line, _)) => format!(" at line {line}"),
        None => String::new(),
    };
    // Serde's messages quote key names with backticks; values are never
    // quoted back because every field is read as a string.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return format!(
            "unknown key {key:?}{place}; allowed keys: {}",
            KEYS.join(", ")
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return format!("key {key:?} is given twice{place}");
    }
    if message.starts_with("invalid type") {
        return format!("invalid value{place}: every value must be a string or a number");
    }
    format!("invalid HJSON{place}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_unquoted_values() {
        let c = parse(
            "{\n  // the id\n  cloud_id: abcd\n  # hash comment\n  cloud_key: \"1234\"\n  port: 9999\n}\n",
        )
        .unwrap();
        assert_eq!(c.cloud_id.as_deref(), Some("abcd"));
        assert_eq!(c.cloud_key.as_deref(), Some("1234"));
        assert_eq!(c.port.as_deref(), Some("9999"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = parse("{\n cloud_id: abcd\n cloudkey: wxyz\n}").unwrap_err();
        assert!(e.contains("unknown key \"cloudkey\""), "{e}");
        assert!(e.contains("line 3"), "{e}");
        assert!(!e.contains("wxyz"), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_line_not_the_text() {
        let e = parse("{\n cloud_id: \"abcd\"\n cloud_key: \"s3cr\n").unwrap_err();
        assert!(e.contains("line"), "{e}");
        assert!(!e.contains("s3cr"), "{e}");
        let e = parse("{\n cloud_id: \"abcd\",,\n\n [[[\n}").unwrap_err();
        assert!(e.contains("line"), "{e}");
    }

    #[test]
    fn duplicate_keys_are_errors_at_every_level() {
        let e = parse("{\n devicekey: a\n devicekey: b\n}").unwrap_err();
        assert!(e.contains("\"devicekey\" is given twice"), "{e}");
        let e = parse("{\n network_options: {\n  interface: a\n  interface: b\n }\n}").unwrap_err();
        assert!(
            e.contains("\"network_options.interface\" is given twice"),
            "{e}"
        );
        let ok = parse("{\n network_options: {\n  interface: a\n  driver: b\n }\n}").unwrap();
        assert_eq!(ok.network_options.unwrap().len(), 2);
    }

    #[test]
    fn empty_file_is_empty() {
        let c = parse("  \n").unwrap();
        assert!(c.cloud_id.is_none());
    }
}
