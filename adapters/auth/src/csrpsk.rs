//! The `csrpsk` authenticator: a pre-shared device key in a compact JSON object.

use std::fmt;
use std::str::FromStr;

use hologram_ports::{
    AdapterConfig, AuthCapabilities, AuthError, Authenticator, ConfigError, CredentialField,
    Credentials, Message, Sms, Topic,
};

use crate::metadata::{self, Metadata};
use crate::{json, require_fixed};

/// The frame terminator of the Hologram socket API.
const TERMINATOR: &[u8; 2] = b"\r\r";

/// Which keys the CSRPSK JSON object uses. One object never mixes forms.
///
/// | form | authentication | data | topics |
/// |---|---|---|---|
/// | [`Compact`](CsrpskForm::Compact) (default) | `k`: device key | `d` | `t` |
/// | [`Seed`](CsrpskForm::Seed) | `s`: cloud id, `c`: cloud key | `d` | `t` |
/// | [`Full`](CsrpskForm::Full) | `devicekey`: device key | `data` | `tags` |
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CsrpskForm {
    /// Abbreviated modern keys `k`, `d`, `t`: the shortest payload.
    #[default]
    Compact,
    /// The seed-era form: `s` (cloud id) and `c` (cloud key), then `d`, `t`.
    Seed,
    /// Full-word keys `devicekey`, `data`, `tags`.
    Full,
}

impl CsrpskForm {
    /// Every form, in the order the `form` setting lists them.
    pub const ALL: [CsrpskForm; 3] = [CsrpskForm::Compact, CsrpskForm::Seed, CsrpskForm::Full];

    /// The name the `form` setting uses: `compact`, `seed` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            CsrpskForm::Compact => "compact",
            CsrpskForm::Seed => "seed",
            CsrpskForm::Full => "full",
        }
    }

    /// The JSON keys of the data and the topics, each with its opening
    /// separator and colon.
    fn data_and_topic_keys(self) -> (&'static [u8], &'static [u8]) {
        match self {
            CsrpskForm::Compact | CsrpskForm::Seed => (b",\"d\":", b",\"t\":"),
            CsrpskForm::Full => (b",\"data\":", b",\"tags\":"),
        }
    }
}

impl fmt::Display for CsrpskForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CsrpskForm {
    type Err = ConfigError;

    /// Parses `compact`, `seed` or `full` (surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        CsrpskForm::ALL
            .into_iter()
            .find(|form| form.as_str() == s)
            .ok_or_else(|| ConfigError::Invalid {
                key: "form".to_owned(),
                reason: format!("{s:?} is not one of compact, seed, full"),
            })
    }
}

/// The `csrpsk` authenticator (`CSRPSKAuthentication` in the Python SDK).
///
/// A message becomes one compact JSON object (no spaces) followed by
/// `\r\r`; an SMS becomes `S` + device key + destination + ` ` + text +
/// `\r\r`. It holds no credentials (they come with each call) and no state
/// between calls: a message without topics never carries a `t`, whatever
/// the previous message had.
///
/// With [metadata](Csrpsk::with_metadata) on, the object carries the
/// reference's metadata field right after the authentication, exactly as
/// hologram-python 0.10.3 writes its value: `"m":"\u0001<modem>-<version>"`.
///
/// ```
/// use hologram_auth::{Csrpsk, CsrpskForm, Metadata};
/// use hologram_ports::{Authenticator, Credentials, Message};
///
/// let creds = Credentials::with_devicekey("12345678").unwrap();
/// let msg = Message::with_topic_strs("hello", &["t1"]).unwrap();
/// let mut out = Vec::new();
///
/// Csrpsk::new().encode_message(&creds, &msg, &mut out).unwrap();
/// assert_eq!(out, b"{\"k\":\"12345678\",\"d\":\"hello\",\"t\":[\"t1\"]}\r\r");
///
/// out.clear();
/// let mut full = Csrpsk::new().with_form(CsrpskForm::Full).with_topic_list(true);
/// full.encode_message(&creds, &msg, &mut out).unwrap();
/// assert_eq!(out, b"{\"devicekey\":\"12345678\",\"data\":\"hello\",\"tags\":[\"t1\"]}\r\r");
///
/// // The reference's metadata record, with its version for comparison.
/// out.clear();
/// let metadata = Metadata::new("agnostic", "0.9.1").unwrap();
/// let mut with_m = Csrpsk::new().with_metadata(Some(metadata));
/// with_m.encode_message(&creds, &msg, &mut out).unwrap();
/// assert_eq!(
///     out,
///     b"{\"k\":\"12345678\",\"m\":\"\\u0001agnostic-0.9.1\",\"d\":\"hello\",\"t\":[\"t1\"]}\r\r"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csrpsk {
    form: CsrpskForm,
    topic_list: bool,
    metadata: Option<Metadata>,
}

impl Default for Csrpsk {
    /// The compact form; a single topic as a one-element list, so the
    /// payload parses to exactly the object the Python SDK sends.
    fn default() -> Self {
        Csrpsk {
            form: CsrpskForm::Compact,
            topic_list: true,
            metadata: None,
        }
    }
}

impl Csrpsk {
    /// The name it is registered under.
    pub const NAME: &'static str = "csrpsk";

    /// The settings [`from_config`](Self::from_config) knows.
    pub const SETTINGS: &'static [&'static str] = &[
        "form",
        "topic_list",
        metadata::SETTINGS[0],
        metadata::SETTINGS[1],
        metadata::SETTINGS[2],
    ];

    /// The compact form, a single topic sent as a one-element list.
    pub fn new() -> Self {
        Self::default()
    }

    /// From the adapter settings: `form` = `compact` (default) | `seed` |
    /// `full`; `topic_list` = `true` (default: a single topic goes as a
    /// one-element list, as the Python SDK sends it) | `false` (as a string,
    /// 2 bytes shorter); `metadata` = `true` | `false` (default) with
    /// `modem` (default `agnostic`) and `metadata_version` (default this
    /// SDK's version), see [`with_metadata`](Self::with_metadata). Unknown
    /// keys are rejected.
    pub fn from_config(config: &AdapterConfig) -> Result<Self, ConfigError> {
        config.check_known(Self::NAME, Self::SETTINGS)?;
        let mut csrpsk = Csrpsk::new();
        csrpsk.metadata = Metadata::from_config(config)?;
        if let Some(form) = config.get("form") {
            csrpsk.form = form.parse()?;
        }
        if let Some(topic_list) = config.parse::<bool>("topic_list")? {
            csrpsk.topic_list = topic_list;
        }
        Ok(csrpsk)
    }

    /// Uses the given form.
    pub fn with_form(mut self, form: CsrpskForm) -> Self {
        self.form = form;
        self
    }

    /// Sends a single topic as a one-element list (`true`, the default, the
    /// same JSON the Python SDK sends) or as a string (`false`, 2 bytes
    /// shorter; the cloud accepts both). Several topics always go as a list.
    pub fn with_topic_list(mut self, topic_list: bool) -> Self {
        self.topic_list = topic_list;
        self
    }

    /// Sends the metadata record `"m"` with every message (`Some`), as
    /// hologram-python 0.10.3 does, or not (`None`, the default: shorter,
    /// and the seed-era protocol has none). SMS never carry it.
    pub fn with_metadata(mut self, metadata: Option<Metadata>) -> Self {
        self.metadata = metadata;
        self
    }

    /// The metadata record sent with every message, if any.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// The form in use.
    pub fn form(&self) -> CsrpskForm {
        self.form
    }

    /// Whether a single topic goes as a one-element list.
    pub fn topic_list(&self) -> bool {
        self.topic_list
    }

    /// Appends the JSON object's opening and authentication fields, after
    /// checking the credentials this form needs (on error, appends nothing).
    fn write_auth(&self, creds: &Credentials, out: &mut Vec<u8>) -> Result<(), AuthError> {
        match self.form {
            CsrpskForm::Compact | CsrpskForm::Full => {
                let key = devicekey(creds)?;
                out.extend_from_slice(if self.form == CsrpskForm::Compact {
                    b"{\"k\":"
                } else {
                    b"{\"devicekey\":"
                });
                json::write_plain(out, key.as_bytes());
            }
            CsrpskForm::Seed => {
                let id = require_fixed(CredentialField::CloudId, creds.cloud_id(), 4)?;
                let key = require_fixed(CredentialField::CloudKey, creds.cloud_key(), 4)?;
                out.extend_from_slice(b"{\"s\":");
                json::write_plain(out, id.as_bytes());
                out.extend_from_slice(b",\"c\":");
                json::write_plain(out, key.as_bytes());
            }
        }
        Ok(())
    }

    fn write_topics(&self, topics: &[Topic], key: &[u8], out: &mut Vec<u8>) {
        match topics {
            [] => {}
            [one] if !self.topic_list => {
                out.extend_from_slice(key);
                json::write_plain(out, one.as_bytes());
            }
            _ => {
                out.extend_from_slice(key);
                out.push(b'[');
                for (i, topic) in topics.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::write_plain(out, topic.as_bytes());
                }
                out.push(b']');
            }
        }
    }
}

/// The 8-character device key, checked.
fn devicekey(creds: &Credentials) -> Result<&str, AuthError> {
    let key = creds
        .devicekey()
        .ok_or(AuthError::missing(CredentialField::DeviceKey))?;
    require_fixed(CredentialField::DeviceKey, key, 8)
}

impl Authenticator for Csrpsk {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_sms(true)
    }

    /// Encodes `{auth…,"d":data[,"t":topics]}\r\r` in the configured form.
    /// Fails, appending nothing, when a credential the form needs is missing
    /// or has the wrong length.
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let start = out.len();
        // One reservation covers the usual case (no escapes): keys, quotes,
        // separators, topics and the terminator.
        let topics_len: usize = msg.topics().iter().map(|t| t.len() + 3).sum();
        out.reserve(40 + msg.data().len() + topics_len);
        self.write_auth(creds, out)?;
        if let Some(metadata) = &self.metadata {
            // Where the reference puts it (after the key), and the same
            // escaping as Python's `json.dumps`: `\u0001`.
            // The modem and version hold nothing JSON escapes.
            out.extend_from_slice(b",\"m\":\"\\u0001");
            metadata.write_text(out);
            out.push(b'"');
        }
        let (data_key, topic_key) = self.form.data_and_topic_keys();
        out.extend_from_slice(data_key);
        json::write_str(out, msg.data());
        self.write_topics(msg.topics(), topic_key, out);
        out.push(b'}');
        out.extend_from_slice(TERMINATOR);
        log::trace!(
            target: "Auth",
            "csrpsk: encoded a {} byte message payload in the {} form",
            out.len() - start,
            self.form
        );
        Ok(())
    }

    /// Encodes `S<devicekey><destination> <text>\r\r`, in every form (the
    /// seed form's cloud id + cloud key is the device key).
    fn encode_sms(
        &mut self,
        creds: &Credentials,
        sms: &Sms,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let key = devicekey(creds)?;
        let destination = sms.destination().as_str();
        let text = sms.text().as_str();
        out.reserve(1 + key.len() + destination.len() + 1 + text.len() + TERMINATOR.len());
        out.push(b'S');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(destination.as_bytes());
        out.push(b' ');
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(TERMINATOR);
        log::trace!(target: "Auth", "csrpsk: encoded an SMS payload");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(c: Csrpsk, creds: &Credentials, msg: &Message) -> String {
        let mut c = c;
        let mut out = Vec::new();
        c.encode_message(creds, msg, &mut out).expect("encodes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn forms_never_mix_keys() {
        let creds = Credentials::new("abcd", "wxyz").expect("valid");
        let msg = Message::with_topic_strs("x", &["a", "b"]).expect("valid");
        assert_eq!(
            encode(Csrpsk::new(), &creds, &msg),
            "{\"k\":\"abcdwxyz\",\"d\":\"x\",\"t\":[\"a\",\"b\"]}\r\r"
        );
        assert_eq!(
            encode(Csrpsk::new().with_form(CsrpskForm::Seed), &creds, &msg),
            "{\"s\":\"abcd\",\"c\":\"wxyz\",\"d\":\"x\",\"t\":[\"a\",\"b\"]}\r\r"
        );
        assert_eq!(
            encode(Csrpsk::new().with_form(CsrpskForm::Full), &creds, &msg),
            "{\"devicekey\":\"abcdwxyz\",\"data\":\"x\",\"tags\":[\"a\",\"b\"]}\r\r"
        );
    }

    #[test]
    fn missing_keys_name_the_field_and_append_nothing() {
        let mut out = b"keep".to_vec();
        let msg = Message::new("x");
        let only_key = Credentials::with_devicekey("12345678").expect("valid");
        let err = Csrpsk::new()
            .with_form(CsrpskForm::Seed)
            .encode_message(&only_key, &msg, &mut out)
            .expect_err("seed needs the pair");
        assert_eq!(err, AuthError::missing(CredentialField::CloudId));
        let id_only = Credentials::new("abcd", "").expect("valid");
        let err = Csrpsk::new()
            .with_form(CsrpskForm::Seed)
            .encode_message(&id_only, &msg, &mut out)
            .expect_err("seed needs the key");
        assert_eq!(err, AuthError::missing(CredentialField::CloudKey));
        for form in [CsrpskForm::Compact, CsrpskForm::Full] {
            let err = Csrpsk::new()
                .with_form(form)
                .encode_message(&id_only, &msg, &mut out)
                .expect_err("needs a device key");
            assert_eq!(err, AuthError::missing(CredentialField::DeviceKey));
            assert!(err.to_string().contains("devicekey"));
        }
        assert_eq!(out, b"keep");
    }

    #[test]
    fn config_keys() {
        let c = Csrpsk::from_config(&AdapterConfig::new()).expect("defaults");
        assert_eq!((c.form(), c.topic_list()), (CsrpskForm::Compact, true));
        let cfg = AdapterConfig::new()
            .with("form", "full")
            .with("topic_list", "true");
        let c = Csrpsk::from_config(&cfg).expect("valid");
        assert_eq!((c.form(), c.topic_list()), (CsrpskForm::Full, true));
        for bad in [
            AdapterConfig::new().with("form", "short"),
            AdapterConfig::new().with("topic_list", "maybe"),
            AdapterConfig::new().with("fomr", "seed"),
        ] {
            assert!(Csrpsk::from_config(&bad).is_err(), "{bad:?}");
        }
    }
}
