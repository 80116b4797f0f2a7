//! The Hologram socket API as the simulator reads it: framing and parsing of
//! one request. Pure functions: no I/O, no clock, no device registry (the
//! registry checks come after, in [`DeviceRegistry`](super::DeviceRegistry)).
//!
//! # Framing
//!
//! A request is everything before the first `\r\r`. A TOTP request (first
//! byte `C`) also ends right after its final NUL, since the seed-era TOTP
//! form has no `\r\r` (a trailing `\r\r` is then ignored). When the client
//! closes its write side first, everything it sent is the request.
//!
//! # Forms and codes
//!
//! | first byte | form | |
//! |---|---|---|
//! | `{` | a JSON object | `k`/`d`/`t`, seed-era `s`/`c`/`d`/`t`, or full-word `devicekey`/`data`/`tags`; `m` optional in all three |
//! | `S` | SMS | `S` + 8-character device key + `+digits` + ` ` + text (1 to 160 characters) |
//! | `C` | TOTP | `C<device_id> <unix time> <otp> `, then an optional metadata record `M<metadata>\0` (hologram-python 0.10.3 sends `M\x01<modem>-<version>\0`), `T<topic>\0`*, `B<message>\0`*, then `\0` |
//! | other | | 2 |
//!
//! Checks run in this order, and the first failure gives the code:
//!
//! - 2 *unparseable*: not UTF-8 / not JSON / not an object; a field other
//!   than those of the form; abbreviated or seed-era fields mixed with
//!   full-word ones, or `k` with `s`/`c`; an SMS with no `+destination text`
//!   or an invalid destination or text; a TOTP request with a bad header
//!   (time or otp not decimal), an unknown field tag or no final NUL.
//! - 3 *bad auth*: no device key; a device key that is not 8 characters of
//!   printable ASCII without space, quote or backslash; a seed-era `s`/`c`
//!   that is not 4 + 4 such characters; a TOTP device id that is empty or not
//!   printable ASCII.
//! - 4 *bad payload type*: no `d`/`data`, or one that is not a string; a TOTP
//!   request with no `B` field or a message that is not UTF-8.
//! - 7 *bad metadata*: an `m` that is not a string; a TOTP `M` record
//!   repeated or after a topic or message.
//! - 8 *bad topic*: a `t`/`tags` that is neither a string nor a list of
//!   strings, or a topic [`Topic::new`] rejects.

use std::fmt;

use hologram_ports::{Credentials, ResultCode, SmsDestination, SmsText, Topic};
use serde_json::{Map, Value};

/// The bytes that end a request.
pub const TERMINATOR: &[u8] = b"\r\r";

/// Longest TOTP header (`C<device_id> <time> <otp> `) the framer looks for.
const MAX_TOTP_HEADER: usize = 128;

/// Why a request was refused: the code to answer and a reason for the log.
/// The reason never holds a key, a device key or an OTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The code the simulator answers.
    pub code: ResultCode,
    /// What was wrong, for the log.
    pub reason: String,
}

impl Rejection {
    /// A rejection with `code` and `reason`.
    pub fn new(code: ResultCode, reason: impl Into<String>) -> Self {
        Rejection {
            code,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

fn reject<T>(code: ResultCode, reason: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection::new(code, reason))
}

/// An 8-character device key (for the seed-era form, cloud id + cloud key).
/// A secret: `Debug` and [`redacted`](Self::redacted) show only the first
/// four characters, the cloud id, which is not secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DeviceKey(String);

impl DeviceKey {
    /// Validates a device key: 8 characters of printable ASCII without
    /// space, quote or backslash.
    pub fn new(key: &str) -> Result<Self, hologram_ports::CredentialError> {
        Credentials::with_devicekey(key).map(|_| DeviceKey(key.to_owned()))
    }

    /// Validates a cloud id and cloud key (4 characters each) and joins them.
    pub fn from_pair(
        cloud_id: &str,
        cloud_key: &str,
    ) -> Result<Self, hologram_ports::CredentialError> {
        use hologram_ports::{CredentialError, CredentialField};
        for (field, value) in [
            (CredentialField::CloudId, cloud_id),
            (CredentialField::CloudKey, cloud_key),
        ] {
            if value.is_empty() {
                return Err(CredentialError::Missing { field });
            }
        }
        let creds = Credentials::new(cloud_id, cloud_key)?;
        Ok(DeviceKey(creds.require_devicekey()?.to_owned()))
    }

    /// The key itself. A secret: do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The cloud id (first four characters) followed by `****`: how records
    /// and logs name the device.
    pub fn redacted(&self) -> String {
        let id: String = self.0.chars().take(4).collect();
        format!("{id}****")
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({})", self.redacted())
    }
}

/// Which of the wire forms a message used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthForm {
    /// `{"k": ..., "d": ..., "t": ...}`: the modern abbreviated form.
    Abbreviated,
    /// `{"s": ..., "c": ..., "d": ..., "t": ...}`: the seed-era form.
    SeedEra,
    /// `{"devicekey": ..., "data": ..., "tags": ...}`: the full-word form.
    FullWord,
    /// `C<device_id> <time> <otp> ...`: the TOTP form.
    Totp,
}

impl AuthForm {
    /// A short name: `k`, `s/c`, `devicekey` or `totp`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthForm::Abbreviated => "k",
            AuthForm::SeedEra => "s/c",
            AuthForm::FullWord => "devicekey",
            AuthForm::Totp => "totp",
        }
    }
}

impl fmt::Display for AuthForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message in one of the JSON forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMessage {
    /// Which form.
    pub form: AuthForm,
    /// The device key.
    pub key: DeviceKey,
    /// The data (`d` or `data`).
    pub data: String,
    /// The topics (`t` or `tags`), in order.
    pub topics: Vec<Topic>,
    /// The `m` metadata field, if present.
    pub metadata: Option<String>,
}

/// An SMS request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRequest {
    /// The sender's device key.
    pub key: DeviceKey,
    /// Where it goes.
    pub destination: SmsDestination,
    /// What it says.
    pub text: SmsText,
}

/// A TOTP request, not yet verified.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpRequest {
    /// The device id (SIM number).
    pub device_id: String,
    /// The unix time the device claims.
    pub time: u64,
    /// The one-time password. A secret: not shown by `Debug`.
    pub otp: u32,
    /// The topics, in order.
    pub topics: Vec<Topic>,
    /// The messages (one per `B` field), in order; at least one.
    pub messages: Vec<String>,
    /// The `M` metadata record, if any (lossy UTF-8).
    pub metadata: Option<String>,
}

impl fmt::Debug for TotpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpRequest")
            .field("device_id", &self.device_id)
            .field("time", &self.time)
            .field("otp", &"<redacted>")
            .field("topics", &self.topics)
            .field("messages", &self.messages)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A message in a JSON form.
    Message(JsonMessage),
    /// An SMS.
    Sms(SmsRequest),
    /// A message in the TOTP form.
    Totp(TotpRequest),
}

/// Where the request at the start of `buf` ends, if it has ended before
/// EOF: the length of the request proper (without a `\r\r` terminator).
/// Bytes after it are not part of the request.
///
/// ```
/// use hologram_sim::cloud::protocol::request_end;
/// assert_eq!(request_end(b"{\"k\":1}\r\rjunk"), Some(7));
/// assert_eq!(request_end(b"{\"k\":1}\r"), None);
/// assert_eq!(request_end(b"C42 59 151739 Bx\0\0"), Some(18));
/// ```
pub fn request_end(buf: &[u8]) -> Option<usize> {
    if buf.first() == Some(&b'C') {
        match totp_frame(buf) {
            TotpFrame::Complete(len) => return Some(len),
            TotpFrame::Incomplete => return None,
            TotpFrame::NotTotp => {}
        }
    }
    find(buf, TERMINATOR)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

enum TotpFrame {
    Complete(usize),
    Incomplete,
    NotTotp,
}

/// Scans a TOTP request structurally: header, then fields, then a final NUL.
fn totp_frame(buf: &[u8]) -> TotpFrame {
    let mut spaces = 0;
    let mut pos = 1;
    while spaces < 3 {
        match buf.get(pos) {
            None if pos < MAX_TOTP_HEADER => return TotpFrame::Incomplete,
            None => return TotpFrame::NotTotp,
            Some(b' ') => spaces += 1,
            Some(b) if !b.is_ascii_graphic() => return TotpFrame::NotTotp,
            Some(_) if pos >= MAX_TOTP_HEADER => return TotpFrame::NotTotp,
            Some(_) => {}
        }
        pos += 1;
    }
    loop {
        match buf.get(pos) {
            None => return TotpFrame::Incomplete,
            Some(0) => return TotpFrame::Complete(pos + 1),
            Some(b'M' | b'T' | b'B') => match buf[pos..].iter().position(|&b| b == 0) {
                Some(nul) => pos += nul + 1,
                None => return TotpFrame::Incomplete,
            },
            Some(_) => return TotpFrame::NotTotp,
        }
    }
}

/// Parses one request (as cut by [`request_end`], or everything up to EOF).
///
/// ```
/// use hologram_sim::cloud::protocol::{parse_request, Request};
/// use hologram_ports::ResultCode;
///
/// let req = parse_request(br#"{"k": "12345678", "d": "hi", "t": ["a", "b"]}"#).unwrap();
/// assert!(matches!(req, Request::Message(m) if m.data == "hi" && m.topics.len() == 2));
/// let err = parse_request(br#"{"k": "12345678", "d": "hi", "t": "has space"}"#).unwrap_err();
/// assert_eq!(err.code, ResultCode::BadTopic);
/// ```
pub fn parse_request(request: &[u8]) -> Result<Request, Rejection> {
    match request.first() {
        Some(b'{') => parse_json(request).map(Request::Message),
        Some(b'S') => parse_sms(request).map(Request::Sms),
        Some(b'C') => parse_totp(request).map(Request::Totp),
        Some(_) => reject(
            ResultCode::Unparseable,
            "not a JSON object, an SMS or a TOTP request",
        ),
        None => reject(ResultCode::Unparseable, "empty request"),
    }
}

const ABBREVIATED_FIELDS: [&str; 5] = ["k", "s", "c", "d", "t"];
const FULL_WORD_FIELDS: [&str; 3] = ["devicekey", "data", "tags"];

fn shown(field: &str) -> String {
    let cut: String = field.chars().take(32).collect();
    format!("{cut:?}")
}

fn parse_json(request: &[u8]) -> Result<JsonMessage, Rejection> {
    let value: Value = serde_json::from_slice(request)
        .or_else(|_| reject(ResultCode::Unparseable, "not valid JSON"))?;
    let Value::Object(map) = value else {
        return reject(ResultCode::Unparseable, "not a JSON object");
    };
    let mut abbreviated = false;
    let mut full_word = false;
    for key in map.keys() {
        if ABBREVIATED_FIELDS.contains(&key.as_str()) {
            abbreviated = true;
        } else if FULL_WORD_FIELDS.contains(&key.as_str()) {
            full_word = true;
        } else if key != "m" {
            return reject(
                ResultCode::Unparseable,
                format!("unknown field {}", shown(key)),
            );
        }
    }
    if abbreviated && full_word {
        return reject(
            ResultCode::Unparseable,
            "abbreviated and full-word fields mixed in one object",
        );
    }
    let seed_era = map.contains_key("s") || map.contains_key("c");
    if seed_era && map.contains_key("k") {
        return reject(
            ResultCode::Unparseable,
            "device key 'k' mixed with seed-era 's'/'c'",
        );
    }
    let (form, data_field, topics_field) = if full_word {
        (AuthForm::FullWord, "data", "tags")
    } else if seed_era {
        (AuthForm::SeedEra, "d", "t")
    } else {
        (AuthForm::Abbreviated, "d", "t")
    };
    let key = json_key(form, &map)?;
    let data = match map.get(data_field) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return reject(
                ResultCode::BadPayloadType,
                format!("'{data_field}' is not a string"),
            )
        }
        None => {
            return reject(
                ResultCode::BadPayloadType,
                format!("no '{data_field}' field"),
            )
        }
    };
    let metadata = match map.get("m") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return reject(ResultCode::BadMetadata, "'m' is not a string"),
    };
    let topics = match map.get(topics_field) {
        None => Vec::new(),
        Some(Value::String(s)) => vec![topic(s)?],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => topic(s),
                _ => reject(ResultCode::BadTopic, "a topic is not a string"),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return reject(
                ResultCode::BadTopic,
                format!("'{topics_field}' is neither a string nor a list of strings"),
            )
        }
    };
    Ok(JsonMessage {
        form,
        key,
        data,
        topics,
        metadata,
    })
}

fn json_key(form: AuthForm, map: &Map<String, Value>) -> Result<DeviceKey, Rejection> {
    let string = |field: &str| match map.get(field) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => reject(ResultCode::BadAuth, format!("'{field}' is not a string")),
        None => reject(ResultCode::BadAuth, format!("no '{field}' field")),
    };
    match form {
        AuthForm::SeedEra => DeviceKey::from_pair(string("s")?, string("c")?)
            .or_else(|e| reject(ResultCode::BadAuth, e.to_string())),
        AuthForm::FullWord => DeviceKey::new(string("devicekey")?)
            .or_else(|e| reject(ResultCode::BadAuth, e.to_string())),
        AuthForm::Abbreviated | AuthForm::Totp => {
            DeviceKey::new(string("k")?).or_else(|e| reject(ResultCode::BadAuth, e.to_string()))
        }
    }
}

fn topic(text: &str) -> Result<Topic, Rejection> {
    Topic::new(text).or_else(|e| reject(ResultCode::BadTopic, e.to_string()))
}

fn parse_sms(request: &[u8]) -> Result<SmsRequest, Rejection> {
    let text = std::str::from_utf8(&request[1..])
        .or_else(|_| reject(ResultCode::Unparseable, "SMS is not UTF-8"))?;
    let Some((split, _)) = text.char_indices().nth(8) else {
        return reject(ResultCode::Unparseable, "SMS too short for a device key");
    };
    let (key, rest) = text.split_at(split);
    let key = DeviceKey::new(key).or_else(|e| reject(ResultCode::BadAuth, e.to_string()))?;
    if !rest.starts_with('+') {
        return reject(
            ResultCode::Unparseable,
            "SMS destination does not start with '+'",
        );
    }
    let Some((destination, body)) = rest.split_once(' ') else {
        return reject(
            ResultCode::Unparseable,
            "SMS has no space after the destination",
        );
    };
    let destination = SmsDestination::new(destination)
        .or_else(|e| reject(ResultCode::Unparseable, e.to_string()))?;
    let text = SmsText::new(body).or_else(|e| reject(ResultCode::Unparseable, e.to_string()))?;
    Ok(SmsRequest {
        key,
        destination,
        text,
    })
}

fn parse_totp(request: &[u8]) -> Result<TotpRequest, Rejection> {
    let mut header = request[1..].splitn(4, |&b| b == b' ');
    let (Some(device_id), Some(time), Some(otp), Some(mut rest)) =
        (header.next(), header.next(), header.next(), header.next())
    else {
        return reject(
            ResultCode::Unparseable,
            "TOTP header is not 'C<id> <time> <otp> '",
        );
    };
    if device_id.is_empty() || !device_id.iter().all(u8::is_ascii_graphic) {
        return reject(
            ResultCode::BadAuth,
            "TOTP device id is empty or not printable ASCII",
        );
    }
    let device_id = String::from_utf8_lossy(device_id).into_owned();
    let time = decimal(time, 20).ok_or_else(|| {
        Rejection::new(ResultCode::Unparseable, "TOTP time is not a decimal number")
    })?;
    let otp = decimal(otp, 9).ok_or_else(|| {
        Rejection::new(ResultCode::Unparseable, "TOTP OTP is not a decimal number")
    })?;
    let otp = u32::try_from(otp).unwrap_or(u32::MAX);
    let mut topics = Vec::new();
    let mut messages = Vec::new();
    let mut metadata = None;
    loop {
        let Some((&tag, after)) = rest.split_first() else {
            return reject(ResultCode::Unparseable, "TOTP request has no final NUL");
        };
        if tag == 0 {
            if after.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                break;
            }
            return reject(ResultCode::Unparseable, "bytes after the final NUL");
        }
        let Some(nul) = after.iter().position(|&b| b == 0) else {
            return reject(ResultCode::Unparseable, "TOTP field without a NUL");
        };
        let field = &after[..nul];
        rest = &after[nul + 1..];
        match tag {
            b'M' if metadata.is_none() && topics.is_empty() && messages.is_empty() => {
                metadata = Some(String::from_utf8_lossy(field).into_owned());
            }
            b'M' => {
                return reject(
                    ResultCode::BadMetadata,
                    "TOTP metadata record repeated or after a topic or message",
                )
            }
            b'T' => {
                let text = std::str::from_utf8(field)
                    .or_else(|_| reject(ResultCode::BadTopic, "TOTP topic is not UTF-8"))?;
                topics.push(topic(text)?);
            }
            b'B' => {
                let text = std::str::from_utf8(field)
                    .or_else(|_| reject(ResultCode::BadPayloadType, "TOTP message is not UTF-8"))?;
                messages.push(text.to_owned());
            }
            _ => return reject(ResultCode::Unparseable, "unknown TOTP field tag"),
        }
    }
    if messages.is_empty() {
        return reject(ResultCode::BadPayloadType, "TOTP request has no message");
    }
    Ok(TotpRequest {
        device_id,
        time,
        otp,
        topics,
        messages,
        metadata,
    })
}

/// A decimal number of 1 to `max_digits` digits.
fn decimal(bytes: &[u8], max_digits: usize) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > max_digits || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}
