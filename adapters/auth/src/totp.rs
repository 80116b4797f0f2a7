//! The `totp` authenticator: the seed-era wire form with a time-based
//! one-time password, and the clock it reads.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use hologram_ports::{
    AdapterConfig, AuthCapabilities, AuthError, Authenticator, ConfigError, CredentialField,
    Credentials, Message, Topic,
};
use sha1::Sha1;

/// The authenticator's name, as errors and the registry spell it.
const NAME: &str = "totp";

/// The default time window, in seconds.
pub const DEFAULT_TIME_WINDOW: u64 = 30;

const DEFAULT_WINDOW: NonZeroU64 = match NonZeroU64::new(DEFAULT_TIME_WINDOW) {
    Some(window) => window,
    None => panic!("the default time window is not zero"),
};

/// The RFC 4226 HOTP value of `counter` under `key`: HMAC-SHA1, dynamic
/// truncation, modulo 10^6 (six digits; the wire form writes it in decimal
/// without leading zeros).
///
/// ```
/// // RFC 4226, appendix D.
/// assert_eq!(hologram_auth::hotp(b"12345678901234567890", 0), 755224);
/// assert_eq!(hologram_auth::hotp(b"12345678901234567890", 9), 520489);
/// ```
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it
    // (the hmac crate's own `new` relies on this), whatever the input.
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let hash: &[u8] = hash.as_slice();
    // SHA-1 output is 20 bytes: offset <= 15, so offset + 3 <= 18 is in range.
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let code = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    code % 1_000_000
}

/// Where the TOTP authenticator reads the time: seconds since the Unix epoch.
/// Put behind a trait so tests (and devices with their own time source) can
/// supply it.
pub trait Clock: Send {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    fn now_unix(&self) -> u64;
}

/// The system clock. Reads 0 if the system time is before the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that reads what it was set to. Clones share the same time, so a
/// test keeps one handle and moves the time of the authenticator that owns
/// the other.
///
/// ```
/// use hologram_auth::{Clock, FixedClock};
/// let clock = FixedClock::new(100);
/// let handle = clock.clone();
/// handle.advance(30);
/// assert_eq!(clock.now_unix(), 130);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FixedClock {
    now: Arc<AtomicU64>,
}

impl FixedClock {
    /// A clock reading `now`.
    pub fn new(now: u64) -> Self {
        FixedClock {
            now: Arc::new(AtomicU64::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: u64) {
        self.now.store(now, Ordering::Relaxed);
    }

    /// Moves the time forward by `secs` (saturating).
    pub fn advance(&self, secs: u64) {
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(secs))
            });
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }
}

/// The `totp` authenticator (`TOTPAuthentication` in the Python SDK).
///
/// A payload is `C<device_id> <unix time> <otp> `, then `T<topic>\0` per
/// topic, `B<message>\0` per message, then a final `\0`, where `otp` is
/// [`hotp`]`(private key bytes, time / window)`.
///
/// # One password per time window, for every message in it
///
/// As the Python SDK does, every message sent in one time window carries
/// that window's one-time password; each message is its own payload.
///
/// ```
/// use hologram_auth::{FixedClock, Totp};
/// use hologram_ports::{AuthError, Authenticator, Credentials, Message};
///
/// let clock = FixedClock::new(1_700_000_000);
/// let mut totp = Totp::with_clock(Box::new(clock.clone()));
/// let creds = Credentials::totp("123456", "310150123456789").unwrap();
/// let mut out = Vec::new();
///
/// totp.encode_message(&creds, &Message::new("hello"), &mut out).unwrap();
/// assert_eq!(out, b"C123456 1700000000 249154 Bhello\0\0");
///
/// // Same window: the window's password again, as the Python SDK does.
/// out.clear();
/// totp.encode_message(&creds, &Message::new("again"), &mut out).unwrap();
/// assert_eq!(out, b"C123456 1700000000 249154 Bagain\0\0");
/// ```
pub struct Totp {
    clock: Box<dyn Clock>,
    window: NonZeroU64,
    last_counter: Option<u64>,
}

impl Totp {
    /// The name it is registered under.
    pub const NAME: &'static str = NAME;

    /// The settings [`from_config`](Self::from_config) knows.
    pub const SETTINGS: &'static [&'static str] = &["time_window"];

    /// On the system clock, with a 30-second window.
    pub fn new() -> Self {
        Self::with_clock(Box::new(SystemClock))
    }

    /// On the given clock, with a 30-second window.
    pub fn with_clock(clock: Box<dyn Clock>) -> Self {
        Totp {
            clock,
            window: DEFAULT_WINDOW,
            last_counter: None,
        }
    }

    /// On the system clock, from the adapter settings: `time_window` =
    /// whole seconds, greater than 0 (default 30). Unknown keys are rejected.
    pub fn from_config(config: &AdapterConfig) -> Result<Self, ConfigError> {
        Totp::new().apply_config(config)
    }

    /// Applies the adapter settings (see [`from_config`](Self::from_config))
    /// to this authenticator, keeping its clock.
    pub fn apply_config(mut self, config: &AdapterConfig) -> Result<Self, ConfigError> {
        config.check_known(NAME, Self::SETTINGS)?;
        if let Some(secs) = config.parse::<u64>("time_window")? {
            self.window = NonZeroU64::new(secs).ok_or_else(|| ConfigError::Invalid {
                key: "time_window".to_owned(),
                reason: "must be a whole number of seconds greater than 0".to_owned(),
            })?;
        }
        Ok(self)
    }

    /// Uses a time window of `secs` seconds; 0 is an
    /// [`AuthError::InvalidSetting`].
    pub fn with_time_window(mut self, secs: u64) -> Result<Self, AuthError> {
        self.window = NonZeroU64::new(secs).ok_or_else(|| AuthError::InvalidSetting {
            authenticator: NAME,
            setting: "time_window",
            reason: "must be a whole number of seconds greater than 0".to_owned(),
        })?;
        Ok(self)
    }

    /// The time window.
    pub fn time_window(&self) -> Duration {
        Duration::from_secs(self.window.get())
    }

    /// The counter (time / window) of the last payload encoded, if any.
    pub fn last_counter(&self) -> Option<u64> {
        self.last_counter
    }

    /// How long until a payload can be encoded: zero when the current
    /// window's one-time password is still unused.
    pub fn ready_in(&self) -> Duration {
        self.wait_secs(self.clock.now_unix())
            .map_or(Duration::ZERO, Duration::from_secs)
    }

    /// How many leading `messages` share the first one's topics (same topics,
    /// same order): the longest prefix [`encode_messages`](Self::encode_messages)
    /// can frame under one one-time password. 0 for an empty slice.
    pub fn batch_len(messages: &[Message]) -> usize {
        match messages.first() {
            Some(first) => messages
                .iter()
                .take_while(|m| m.topics() == first.topics())
                .count(),
            None => 0,
        }
    }

    /// Frames several messages in one payload under one one-time password:
    /// the topics once (`T<topic>\0` each), then `B<data>\0` per message,
    /// then the final `\0`. The topics belong to the whole payload, so every
    /// message must have the same topics in the same order as the first
    /// (see [`batch_len`](Self::batch_len) to split a queue); otherwise, or
    /// for an empty slice, it returns [`AuthError::Unframeable`].
    ///
    /// Takes the current window like [`Authenticator::encode_message`]; see
    /// [One payload per time window](Totp#one-payload-per-time-window).
    pub fn encode_messages(
        &mut self,
        creds: &Credentials,
        messages: &[Message],
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let Some(first) = messages.first() else {
            return Err(unframeable("data", "there is no message to send"));
        };
        let topics = first.topics();
        if messages.iter().any(|m| m.topics() != topics) {
            return Err(unframeable(
                "topic",
                "messages framed under one one-time password must all have the same topics",
            ));
        }
        let device_id = creds.device_id();
        if device_id.is_empty() {
            return Err(AuthError::missing(CredentialField::DeviceId));
        }
        let private_key = creds.private_key();
        if private_key.is_empty() {
            return Err(AuthError::missing(CredentialField::PrivateKey));
        }
        if topics.iter().any(|t| t.as_bytes().contains(&0)) {
            return Err(unframeable("topic", NUL_REASON));
        }
        if messages.iter().any(|m| m.data().contains('\0')) {
            return Err(unframeable("data", NUL_REASON));
        }

        let now = self.clock.now_unix();
        let counter = now / self.window.get();
        let otp = hotp(private_key.as_bytes(), counter);

        let start = out.len();
        write_payload(out, device_id, now, otp, topics, messages);
        self.last_counter = Some(counter);
        log::trace!(
            target: "Auth",
            "totp: encoded {} message(s) in a {} byte payload",
            messages.len(),
            out.len() - start
        );
        Ok(())
    }

    /// Seconds to wait before `now` reaches a window after the last one used,
    /// or `None` if it already has.
    fn wait_secs(&self, now: u64) -> Option<u64> {
        let last = self.last_counter?;
        let window = self.window.get();
        if now / window > last {
            return None;
        }
        let next_start = last.saturating_add(1).saturating_mul(window);
        Some(next_start.saturating_sub(now).max(1))
    }
}

const NUL_REASON: &str = "it holds a NUL character, which ends a field in the TOTP wire form";

fn unframeable(field: &'static str, reason: &'static str) -> AuthError {
    AuthError::Unframeable {
        authenticator: NAME,
        field,
        reason,
    }
}

fn write_payload(
    out: &mut Vec<u8>,
    device_id: &str,
    now: u64,
    otp: u32,
    topics: &[Topic],
    messages: &[Message],
) {
    let topics_len: usize = topics.iter().map(|t| t.len() + 2).sum();
    let data_len: usize = messages.iter().map(|m| m.data().len() + 2).sum();
    out.reserve(1 + device_id.len() + 1 + 20 + 1 + 6 + 1 + topics_len + data_len + 1);
    out.push(b'C');
    out.extend_from_slice(device_id.as_bytes());
    out.push(b' ');
    write_decimal(out, now);
    out.push(b' ');
    write_decimal(out, u64::from(otp));
    out.push(b' ');
    for topic in topics {
        out.push(b'T');
        out.extend_from_slice(topic.as_bytes());
        out.push(0);
    }
    for message in messages {
        out.push(b'B');
        out.extend_from_slice(message.data().as_bytes());
        out.push(0);
    }
    out.push(0);
}

/// Appends `n` in decimal, without leading zeros and without allocating.
fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

impl Default for Totp {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("time_window", &self.window)
            .field("last_counter", &self.last_counter)
            .finish_non_exhaustive()
    }
}

impl Authenticator for Totp {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_time_based(true)
    }

    /// Encodes one message; see [`Totp::encode_messages`].
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        self.encode_messages(creds, std::slice::from_ref(msg), out)
    }

    /// Always [`AuthError::Unsupported`]: SMS goes with `csrpsk` only.
    fn encode_sms(
        &mut self,
        _creds: &Credentials,
        _sms: &hologram_ports::Sms,
        _out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        Err(AuthError::Unsupported {
            authenticator: NAME,
            operation: "SMS",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        for n in [0, 7, 10, 249_154, u64::MAX] {
            let mut out = Vec::new();
            write_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn default_window_is_30_seconds() {
        assert_eq!(Totp::new().time_window(), Duration::from_secs(30));
        assert!(Totp::new().with_time_window(0).is_err());
        let cfg = AdapterConfig::new().with("time_window", "60");
        assert_eq!(
            Totp::from_config(&cfg).expect("valid").time_window(),
            Duration::from_secs(60)
        );
        for bad in ["0", "-1", "1.5", "x"] {
            let cfg = AdapterConfig::new().with("time_window", bad);
            assert!(Totp::from_config(&cfg).is_err(), "{bad}");
        }
        let cfg = AdapterConfig::new().with("window", "60");
        assert!(Totp::from_config(&cfg).is_err());
    }

    #[test]
    fn wait_until_next_window() {
        let clock = FixedClock::new(59);
        let mut t = Totp::with_clock(Box::new(clock.clone()));
        assert_eq!(t.ready_in(), Duration::ZERO);
        t.last_counter = Some(1);
        assert_eq!(t.ready_in(), Duration::from_secs(1));
        clock.set(30);
        assert_eq!(t.ready_in(), Duration::from_secs(30));
        // The clock went back a window: wait until after the last one used.
        clock.set(10);
        assert_eq!(t.ready_in(), Duration::from_secs(50));
        clock.set(60);
        assert_eq!(t.ready_in(), Duration::ZERO);
    }
}
