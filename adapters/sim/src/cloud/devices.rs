//! Registered devices: which keys the simulator accepts, and TOTP
//! verification.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use hologram_ports::{CredentialError, CredentialField, Credentials, ResultCode};
use serde_json::Value;

use super::hotp;
use super::protocol::{DeviceKey, Rejection, TotpRequest};
use crate::error::DevicesFileError;

/// One device the simulator knows.
///
/// `Debug` shows no key.
#[derive(Clone, PartialEq, Eq)]
pub enum Device {
    /// A device that authenticates with its 8-character device key (or, in
    /// the seed-era form, with the cloud id + cloud key that make it up).
    DeviceKey(DeviceKey),
    /// A device that authenticates with TOTP.
    Totp {
        /// The device id (SIM number).
        device_id: String,
        /// The private key. A secret.
        private_key: String,
    },
}

impl Device {
    /// A device with an 8-character device key.
    pub fn devicekey(key: &str) -> Result<Self, CredentialError> {
        DeviceKey::new(key).map(Device::DeviceKey)
    }

    /// A device with a 4-character cloud id and 4-character cloud key.
    pub fn cloud_pair(cloud_id: &str, cloud_key: &str) -> Result<Self, CredentialError> {
        DeviceKey::from_pair(cloud_id, cloud_key).map(Device::DeviceKey)
    }

    /// A TOTP device: its device id and private key, both non-empty
    /// printable ASCII without spaces, quotes or backslashes.
    pub fn totp(device_id: &str, private_key: &str) -> Result<Self, CredentialError> {
        for (field, value) in [
            (CredentialField::DeviceId, device_id),
            (CredentialField::PrivateKey, private_key),
        ] {
            if value.is_empty() {
                return Err(CredentialError::Missing { field });
            }
        }
        Credentials::totp(device_id, private_key)?;
        Ok(Device::Totp {
            device_id: device_id.to_owned(),
            private_key: private_key.to_owned(),
        })
    }
}

impl FromStr for Device {
    type Err = CredentialError;

    /// The command-line form: `DEVICEKEY` (8 characters), `CLOUDID:CLOUDKEY`
    /// (4 + `:` + 4) or `totp:DEVICE_ID:PRIVATE_KEY`. Errors name the field,
    /// never the value.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(rest) = s.strip_prefix("totp:") {
            let (id, key) = rest.split_once(':').ok_or(CredentialError::Missing {
                field: CredentialField::PrivateKey,
            })?;
            return Device::totp(id, key);
        }
        match s.split_once(':') {
            Some((id, key)) if s.chars().count() == 9 && id.chars().count() == 4 => {
                Device::cloud_pair(id, key)
            }
            _ => Device::devicekey(s),
        }
    }
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::DeviceKey(key) => f.debug_tuple("DeviceKey").field(key).finish(),
            Device::Totp { device_id, .. } => f
                .debug_struct("Totp")
                .field("device_id", device_id)
                .field("private_key", &"<redacted>")
                .finish(),
        }
    }
}

/// The devices the simulator accepts, and the TOTP counters already used.
///
/// An empty registry accepts any well-formed device key. Once any device is
/// registered, only registered devices are accepted, in every form. TOTP
/// always needs the device registered, since verifying the OTP needs its
/// private key.
///
/// As the real cloud, a TOTP password may serve several messages of its
/// window (hologram-python sends each message with the current window's
/// password). [`set_single_use_passwords`](Self::set_single_use_passwords)
/// makes it stricter, for testing clients that wait for a fresh window.
#[derive(Clone, Default)]
pub struct DeviceRegistry {
    keys: HashSet<DeviceKey>,
    totp: HashMap<String, Vec<u8>>,
    single_use: bool,
    used_counters: HashMap<String, BTreeSet<u64>>,
}

impl fmt::Debug for DeviceRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRegistry")
            .field("device_keys", &self.keys.len())
            .field("totp_devices", &self.totp.len())
            .finish()
    }
}

impl DeviceRegistry {
    /// No device: any well-formed device key is accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a device (again: no change).
    pub fn register(&mut self, device: Device) {
        match device {
            Device::DeviceKey(key) => {
                self.keys.insert(key);
            }
            Device::Totp {
                device_id,
                private_key,
            } => {
                self.totp.insert(device_id, private_key.into_bytes());
            }
        }
    }

    /// Whether a TOTP password (a time window's counter) is refused once a
    /// device has used it (default: no, as the real cloud).
    pub fn set_single_use_passwords(&mut self, single_use: bool) {
        self.single_use = single_use;
    }

    /// Adds the devices of `other`.
    pub fn merge(&mut self, other: DeviceRegistry) {
        self.keys.extend(other.keys);
        self.totp.extend(other.totp);
    }

    /// How many devices are registered.
    pub fn len(&self) -> usize {
        self.keys.len() + self.totp.len()
    }

    /// Whether no device is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads a devices file (HJSON):
    ///
    /// ```text
    /// {
    ///   devices: [
    ///     { devicekey: "12345678" }
    ///     { cloud_id: "abcd", cloud_key: "wxyz" }
    ///     { device_id: "42", private_key: "abc" }
    ///   ]
    /// }
    /// ```
    ///
    /// The file must be a regular file (not a FIFO, a device or a
    /// directory) of at most [`MAX_DEVICES_FILE_BYTES`], with no line over
    /// [`MAX_DEVICES_FILE_LINE`] bytes; anything else is refused before it
    /// is read into memory.
    pub fn load(path: &Path) -> Result<Self, DevicesFileError> {
        let source = path.display().to_string();
        let text = read_capped(path).map_err(|problem| DevicesFileError {
            source_name: source.clone(),
            problem,
        })?;
        Self::from_hjson(&text).map_err(|mut e| {
            e.source_name = source;
            e
        })
    }

    /// Parses the text of a devices file; see [`load`](Self::load). Errors
    /// name the entry and the field, never a key.
    ///
    /// ```
    /// use hologram_sim::cloud::DeviceRegistry;
    /// let reg = DeviceRegistry::from_hjson("{ devices: [ { devicekey: \"12345678\" } ] }").unwrap();
    /// assert_eq!(reg.len(), 1);
    /// let err = DeviceRegistry::from_hjson("{ devices: [ { devicekey: \"1234\" } ] }").unwrap_err();
    /// assert!(err.to_string().contains("entry 1"));
    /// ```
    pub fn from_hjson(text: &str) -> Result<Self, DevicesFileError> {
        let fail = |problem: String| DevicesFileError {
            source_name: "devices file".to_owned(),
            problem,
        };
        let value: Value = deser_hjson::from_str(text).map_err(|e| fail(hjson_problem(&e)))?;
        let Value::Object(top) = value else {
            return Err(fail("the top level is not an object".to_owned()));
        };
        if let Some(key) = top.keys().find(|k| *k != "devices") {
            return Err(fail(format!(
                "unknown top-level key {key:?}; the only key is \"devices\""
            )));
        }
        let Some(Value::Array(entries)) = top.get("devices") else {
            return Err(fail("\"devices\" is missing or not a list".to_owned()));
        };
        let mut registry = DeviceRegistry::new();
        for (i, entry) in entries.iter().enumerate() {
            let device = device_entry(entry).map_err(|p| fail(format!("entry {}: {p}", i + 1)))?;
            registry.register(device);
        }
        Ok(registry)
    }

    /// Checks a device key against the registry.
    pub fn authorize_key(&self, key: &DeviceKey) -> Result<(), Rejection> {
        if self.is_empty() || self.keys.contains(key) {
            Ok(())
        } else {
            Err(Rejection::new(
                ResultCode::BadAuth,
                format!("device {} is not registered", key.redacted()),
            ))
        }
    }

    /// Verifies a TOTP request at unix time `now` with a window of `window`
    /// seconds: the device must be registered, its time within one window of
    /// `now`, and its OTP the HOTP of `time / window` under its private key.
    /// With [single-use passwords](Self::set_single_use_passwords), that
    /// counter must also not have been used before by that device, and is
    /// used up on success.
    pub fn verify_totp(
        &mut self,
        request: &TotpRequest,
        now: u64,
        window: u64,
    ) -> Result<(), Rejection> {
        let bad = |reason: &str| Err(Rejection::new(ResultCode::BadAuth, reason));
        let Some(key) = self.totp.get(&request.device_id) else {
            return bad("TOTP device is not registered");
        };
        let window = window.max(1);
        let counter = request.time / window;
        let current = now / window;
        if counter.abs_diff(current) > 1 {
            return bad("TOTP time is more than one window away from the simulator's clock");
        }
        if hotp::hotp(key, counter) != request.otp {
            return bad("TOTP one-time password does not match");
        }
        if !self.single_use {
            return Ok(());
        }
        let used = self
            .used_counters
            .entry(request.device_id.clone())
            .or_default();
        // Counters older than the acceptance range can never come back.
        while used.first().is_some_and(|&c| c.saturating_add(1) < current) {
            used.pop_first();
        }
        if !used.insert(counter) {
            return bad("TOTP counter already used by this device");
        }
        Ok(())
    }
}

/// The largest devices file accepted, in bytes (1 MiB: thousands of devices).
pub const MAX_DEVICES_FILE_BYTES: u64 = 1 << 20;
/// The longest line accepted in a devices file, in bytes.
pub const MAX_DEVICES_FILE_LINE: usize = 4096;

/// Reads a devices file within the caps, as text. Never allocates more
/// than the size cap, whatever the path names: the type is checked before
/// opening (a FIFO would block the open), the open does not block, and the
/// read stops one byte past the cap.
fn read_capped(path: &Path) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let cannot = |e: std::io::Error| format!("cannot be read: {e}");
    let not_regular = "is not a regular file (a FIFO, a device or a directory cannot be a \
                       devices file)";
    let too_large = format!("is larger than {MAX_DEVICES_FILE_BYTES} bytes");
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(not_regular.to_owned());
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(cannot)?;
    // Checked again on what was opened: the path may have changed since.
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular.to_owned());
    }
    if meta.len() > MAX_DEVICES_FILE_BYTES {
        return Err(too_large);
    }
    let mut bytes = Vec::new();
    file.take(MAX_DEVICES_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_DEVICES_FILE_BYTES {
        // It grew while being read.
        return Err(too_large);
    }
    if let Some((n, _)) = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .find(|(_, line)| line.len() > MAX_DEVICES_FILE_LINE)
    {
        return Err(format!(
            "line {} is longer than {MAX_DEVICES_FILE_LINE} bytes",
            n + 1
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn hjson_problem(e: &deser_hjson::Error) -> String {
    // Never echo the text near the error: it may hold a key.
    match e {
        deser_hjson::Error::Syntax {
            line, col, code, ..
        } => format!("HJSON syntax error at line {line}, column {col} ({code:?})"),
        deser_hjson::Error::Serde { line, col, .. } => {
            format!("invalid HJSON at line {line}, column {col}")
        }
        _ => "not valid HJSON".to_owned(),
    }
}

const ENTRY_FIELDS: [&str; 5] = [
    "devicekey",
    "cloud_id",
    "cloud_key",
    "device_id",
    "private_key",
];

fn device_entry(entry: &Value) -> Result<Device, String> {
    let Value::Object(map) = entry else {
        return Err("not an object".to_owned());
    };
    if let Some(key) = map.keys().find(|k| !ENTRY_FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {key:?}; known fields: {}",
            ENTRY_FIELDS.join(", ")
        ));
    }
    let mut fields = HashMap::new();
    for (name, value) in map {
        let Value::String(s) = value else {
            return Err(format!("{name} must be a quoted string"));
        };
        fields.insert(name.as_str(), s.as_str());
    }
    let has = |f: &str| fields.contains_key(f);
    let get = |f: &str| fields.get(f).copied().unwrap_or_default();
    let result = match (
        has("devicekey"),
        has("cloud_id") || has("cloud_key"),
        has("device_id") || has("private_key"),
    ) {
        (true, false, false) => Device::devicekey(get("devicekey")),
        (false, true, false) => Device::cloud_pair(get("cloud_id"), get("cloud_key")),
        (false, false, true) => Device::totp(get("device_id"), get("private_key")),
        _ => {
            return Err(
                "give exactly one of: devicekey; cloud_id + cloud_key; device_id + private_key"
                    .to_owned(),
            )
        }
    };
    result.map_err(|e| e.to_string())
}
