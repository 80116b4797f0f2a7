//! Device credentials: the keys an authenticator needs.

use std::fmt;

/// Names a credential field in errors, so a message can say which one is wrong
/// without showing its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialField {
    /// The 4-character cloud id.
    CloudId,
    /// The 4-character cloud key.
    CloudKey,
    /// The 8-character device key (cloud id + cloud key).
    DeviceKey,
    /// The device id (SIM number) used by TOTP.
    DeviceId,
    /// The private key used by TOTP.
    PrivateKey,
}

impl CredentialField {
    /// The field's name as the spec, the CLI and the config file spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialField::CloudId => "cloud_id",
            CredentialField::CloudKey => "cloud_key",
            CredentialField::DeviceKey => "devicekey",
            CredentialField::DeviceId => "device_id",
            CredentialField::PrivateKey => "private_key",
        }
    }

    /// Whether the field's value is a secret that must never be shown.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            CredentialField::CloudKey | CredentialField::DeviceKey | CredentialField::PrivateKey
        )
    }
}

impl fmt::Display for CredentialField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential value was rejected. Never carries the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The value has the wrong number of characters.
    #[error("{field} must be {expected} characters long, got {actual}")]
    WrongLength {
        /// Which field.
        field: CredentialField,
        /// The required length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The value holds a character that cannot go on the wire (whitespace,
    /// a control character, a quote or backslash, or non-ASCII).
    #[error("{field} holds a character that is not allowed at position {position} (only printable ASCII without spaces, quotes or backslashes)")]
    InvalidCharacter {
        /// Which field.
        field: CredentialField,
        /// Zero-based character position.
        position: usize,
    },
    /// The value is required here but was not given.
    #[error("{field} is required but was not set")]
    Missing {
        /// Which field.
        field: CredentialField,
    },
    /// The device key and the cloud id + cloud key were both given and disagree.
    #[error("devicekey does not match cloud_id + cloud_key; give one or the other")]
    DeviceKeyMismatch,
}

/// The credentials of one device.
///
/// `cloud_id` and `cloud_key` are 4 characters each (or empty); the modern
/// 8-character `devicekey` is the two together. `device_id` and
/// `private_key` are used by TOTP. Setters validate and return a typed
/// error; `Debug` and `Display` never show a key.
///
/// ```
/// use hologram_ports::Credentials;
///
/// let creds = Credentials::new("abcd", "wxyz").unwrap();
/// assert_eq!(creds.devicekey(), Some("abcdwxyz"));
/// assert!(!format!("{creds:?}").contains("wxyz"));
/// assert!(Credentials::new("abc", "wxyz").is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    cloud_id: String,
    cloud_key: String,
    /// Explicit 8-character key, or derived from cloud id + cloud key.
    devicekey: String,
    devicekey_explicit: bool,
    device_id: String,
    private_key: String,
}

/// Characters allowed in keys: printable ASCII with no space, quote or backslash,
/// so a key can be framed in JSON and in the SMS line without escaping.
fn check_chars(field: CredentialField, value: &str) -> Result<(), CredentialError> {
    match value
        .chars()
        .position(|c| !c.is_ascii_graphic() || c == '"' || c == '\\')
    {
        Some(position) => Err(CredentialError::InvalidCharacter { field, position }),
        None => Ok(()),
    }
}

fn check_fixed(field: CredentialField, value: &str, len: usize) -> Result<(), CredentialError> {
    let actual = value.chars().count();
    if actual != len {
        return Err(CredentialError::WrongLength {
            field,
            expected: len,
            actual,
        });
    }
    check_chars(field, value)
}

impl Credentials {
    /// Credentials from a cloud id and cloud key, as the Python constructor's
    /// first two arguments. Either may be empty.
    pub fn new(cloud_id: &str, cloud_key: &str) -> Result<Self, CredentialError> {
        let mut c = Credentials::default();
        c.set_cloud_id(cloud_id)?;
        c.set_cloud_key(cloud_key)?;
        Ok(c)
    }

    /// Credentials from the modern 8-character device key.
    pub fn with_devicekey(devicekey: &str) -> Result<Self, CredentialError> {
        let mut c = Credentials::default();
        c.set_devicekey(devicekey)?;
        Ok(c)
    }

    /// Credentials for TOTP: device id and private key.
    pub fn totp(device_id: &str, private_key: &str) -> Result<Self, CredentialError> {
        let mut c = Credentials::default();
        c.set_device_id(device_id)?;
        c.set_private_key(private_key)?;
        Ok(c)
    }

    /// The 4-character cloud id, or `""`.
    pub fn cloud_id(&self) -> &str {
        &self.cloud_id
    }

    /// The 4-character cloud key, or `""`. A secret: do not log it.
    pub fn cloud_key(&self) -> &str {
        &self.cloud_key
    }

    /// The 8-character device key: the one set explicitly, or cloud id +
    /// cloud key when both are set. A secret: do not log it.
    pub fn devicekey(&self) -> Option<&str> {
        (!self.devicekey.is_empty()).then_some(self.devicekey.as_str())
    }

    /// The device id (SIM number), or `""`.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The TOTP private key, or `""`. A secret: do not log it.
    pub fn private_key(&self) -> &str {
        &self.private_key
    }

    /// Sets the cloud id: exactly 4 characters, or empty to clear it.
    pub fn set_cloud_id(&mut self, value: &str) -> Result<(), CredentialError> {
        if !value.is_empty() {
            check_fixed(CredentialField::CloudId, value, 4)?;
        }
        let mut next = self.clone();
        next.cloud_id = value.to_owned();
        self.commit(next)
    }

    /// Sets the cloud key: exactly 4 characters, or empty to clear it.
    pub fn set_cloud_key(&mut self, value: &str) -> Result<(), CredentialError> {
        if !value.is_empty() {
            check_fixed(CredentialField::CloudKey, value, 4)?;
        }
        let mut next = self.clone();
        next.cloud_key = value.to_owned();
        self.commit(next)
    }

    /// Re-derives the device key of `next` and keeps it; on a mismatch with
    /// an explicit device key, keeps the credentials as they were.
    fn commit(&mut self, mut next: Credentials) -> Result<(), CredentialError> {
        next.derive_devicekey()?;
        *self = next;
        Ok(())
    }

    /// Sets the modern device key: exactly 8 characters, or empty to clear it.
    /// When cloud id and cloud key are also set they must agree with it.
    pub fn set_devicekey(&mut self, value: &str) -> Result<(), CredentialError> {
        if value.is_empty() {
            self.devicekey_explicit = false;
            self.devicekey.clear();
            return self.derive_devicekey();
        }
        check_fixed(CredentialField::DeviceKey, value, 8)?;
        if self.has_cloud_pair() && !self.pair_matches(value) {
            return Err(CredentialError::DeviceKeyMismatch);
        }
        self.devicekey = value.to_owned();
        self.devicekey_explicit = true;
        Ok(())
    }

    /// Sets the device id: printable ASCII without spaces, or empty to clear it.
    pub fn set_device_id(&mut self, value: &str) -> Result<(), CredentialError> {
        check_chars(CredentialField::DeviceId, value)?;
        self.device_id = value.to_owned();
        Ok(())
    }

    /// Sets the TOTP private key: printable ASCII without spaces, or empty to clear it.
    pub fn set_private_key(&mut self, value: &str) -> Result<(), CredentialError> {
        check_chars(CredentialField::PrivateKey, value)?;
        self.private_key = value.to_owned();
        Ok(())
    }

    /// The device key, or [`CredentialError::Missing`] naming `devicekey`.
    pub fn require_devicekey(&self) -> Result<&str, CredentialError> {
        self.devicekey().ok_or(CredentialError::Missing {
            field: CredentialField::DeviceKey,
        })
    }

    /// Whether both cloud id and cloud key are set.
    pub fn has_cloud_pair(&self) -> bool {
        !self.cloud_id.is_empty() && !self.cloud_key.is_empty()
    }

    fn pair_matches(&self, devicekey: &str) -> bool {
        devicekey.len() == 8 && devicekey[..4] == self.cloud_id && devicekey[4..] == self.cloud_key
    }

    fn derive_devicekey(&mut self) -> Result<(), CredentialError> {
        if self.devicekey_explicit {
            if self.has_cloud_pair() && !self.pair_matches(&self.devicekey) {
                return Err(CredentialError::DeviceKeyMismatch);
            }
            return Ok(());
        }
        self.devicekey.clear();
        if self.has_cloud_pair() {
            self.devicekey.push_str(&self.cloud_id);
            self.devicekey.push_str(&self.cloud_key);
        }
        Ok(())
    }
}

fn presence(value: &str) -> &'static str {
    if value.is_empty() {
        "unset"
    } else {
        "<redacted>"
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("cloud_id", &self.cloud_id)
            .field("cloud_key", &presence(&self.cloud_key))
            .field("devicekey", &presence(&self.devicekey))
            .field("device_id", &self.device_id)
            .field("private_key", &presence(&self.private_key))
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = if self.cloud_id.is_empty() {
            "-"
        } else {
            &self.cloud_id
        };
        let dev = if self.device_id.is_empty() {
            "-"
        } else {
            &self.device_id
        };
        write!(
            f,
            "cloud_id {id}, device_id {dev}, devicekey {}, private_key {}",
            presence(&self.devicekey),
            presence(&self.private_key)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn devicekey_derived_from_pair_and_cleared_with_it() {
        let mut c = Credentials::new("abcd", "wxyz").unwrap();
        assert_eq!(c.devicekey(), Some("abcdwxyz"));
        c.set_cloud_key("").unwrap();
        assert_eq!(c.devicekey(), None);
        assert_eq!(
            c.require_devicekey(),
            Err(CredentialError::Missing {
                field: CredentialField::DeviceKey
            })
        );
    }

    #[test]
    fn explicit_devicekey_must_agree_with_pair() {
        let mut c = Credentials::new("abcd", "wxyz").unwrap();
        assert_eq!(
            c.set_devicekey("12345678"),
            Err(CredentialError::DeviceKeyMismatch)
        );
        c.set_devicekey("abcdwxyz").unwrap();
        let mut d = Credentials::with_devicekey("12345678").unwrap();
        assert_eq!(d.set_cloud_id("abcd"), Ok(()));
        assert_eq!(
            d.set_cloud_key("wxyz"),
            Err(CredentialError::DeviceKeyMismatch)
        );
        // A refused value leaves the credentials as they were.
        assert_eq!(d.cloud_key(), "");
        assert_eq!(d.devicekey(), Some("12345678"));
        let mut e = Credentials::new("", "wxyz").unwrap();
        e.set_devicekey("abcdwxyz").unwrap();
        assert_eq!(
            e.set_cloud_id("zzzz"),
            Err(CredentialError::DeviceKeyMismatch)
        );
        assert_eq!(e.cloud_id(), "");
        assert_eq!(e.devicekey(), Some("abcdwxyz"));
    }

    #[test]
    fn wrong_lengths_name_the_field() {
        let e = Credentials::new("abc", "").unwrap_err();
        assert_eq!(
            e,
            CredentialError::WrongLength {
                field: CredentialField::CloudId,
                expected: 4,
                actual: 3
            }
        );
        assert!(e.to_string().contains("cloud_id"));
        let e = Credentials::with_devicekey("1234567").unwrap_err();
        assert!(e.to_string().contains("devicekey must be 8"));
    }

    #[test]
    fn debug_and_display_hide_secrets() {
        let mut c = Credentials::new("abcd", "SeCr").unwrap();
        c.set_private_key("PRIVATEKEY42").unwrap();
        c.set_device_id("1234").unwrap();
        for s in [format!("{c:?}"), format!("{c}"), format!("{c:#?}")] {
            assert!(!s.contains("SeCr"), "{s}");
            assert!(!s.contains("PRIVATEKEY42"), "{s}");
            assert!(s.contains("abcd"));
        }
    }

    proptest! {
        #[test]
        fn valid_pairs_accepted(id in "[!#-\\[\\]-~]{4}", key in "[!#-\\[\\]-~]{4}") {
            let c = Credentials::new(&id, &key).unwrap();
            prop_assert_eq!(c.devicekey().unwrap(), format!("{id}{key}"));
        }

        #[test]
        fn valid_devicekeys_accepted(key in "[!#-\\[\\]-~]{8}") {
            prop_assert!(Credentials::with_devicekey(&key).is_ok());
        }

        #[test]
        fn wrong_length_cloud_ids_rejected(id in "[a-z0-9]{1,3}|[a-z0-9]{5,12}") {
            let is_wrong_length = matches!(
                Credentials::new(&id, ""),
                Err(CredentialError::WrongLength { field: CredentialField::CloudId, expected: 4, .. })
            );
            prop_assert!(is_wrong_length);
        }

        #[test]
        fn keys_with_bad_characters_rejected(pre in "[a-z]{0,3}", bad in "[ \"\\\\\t\n\u{0}é]", post in "[a-z]{0,4}") {
            let key: String = format!("{pre}{bad}{post}").chars().take(4).collect();
            if key.chars().count() == 4 {
                let is_invalid_char = matches!(
                    Credentials::new("abcd", &key),
                    Err(CredentialError::InvalidCharacter { field: CredentialField::CloudKey, .. })
                );
                prop_assert!(is_invalid_char);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".*") {
            let mut c = Credentials::default();
            let _ = c.set_cloud_id(&s);
            let _ = c.set_cloud_key(&s);
            let _ = c.set_devicekey(&s);
            let _ = c.set_device_id(&s);
            let _ = c.set_private_key(&s);
            let _ = format!("{c:?}{c}");
        }

        #[test]
        fn a_refused_value_changes_nothing(
            start in 0usize..3, s in "[a-z0-9]{0,9}|.{0,9}", setter in 0usize..5
        ) {
            let mut c = match start {
                0 => Credentials::default(),
                1 => Credentials::new("abcd", "wxyz").unwrap(),
                _ => Credentials::with_devicekey("12345678").unwrap(),
            };
            let before = c.clone();
            let result = match setter {
                0 => c.set_cloud_id(&s),
                1 => c.set_cloud_key(&s),
                2 => c.set_devicekey(&s),
                3 => c.set_device_id(&s),
                _ => c.set_private_key(&s),
            };
            if result.is_err() {
                prop_assert_eq!(c, before);
            }
        }
    }
}
