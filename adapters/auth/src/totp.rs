//! The `totp` authenticator: the TOTP wire form with a time-based one-time
//! password, and the clock it reads (and waits on).

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use hologram_ports::{
    AdapterConfig, AuthCapabilities, AuthError, Authenticator, ConfigError, CredentialField,
    Credentials, Message,
};
use sha1::Sha1;

use crate::metadata::{self, Metadata};

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

/// Where the TOTP authenticator reads the time (seconds since the Unix
/// epoch) and how it waits. Put behind a trait so tests (and devices with
/// their own time source) can supply both.
pub trait Clock: Send {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    fn now_unix(&self) -> u64;

    /// Waits `duration`. Only the opt-in
    /// [`one_password_per_window`](Totp::with_one_password_per_window) waits;
    /// the default sleeps the thread.
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
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

/// A clock that reads what it was set to; sleeping on it moves its time
/// forward instead of waiting. Clones share the same time, so a test keeps
/// one handle and moves the time of the authenticator that owns the other.
///
/// ```
/// use hologram_auth::{Clock, FixedClock};
/// use std::time::Duration;
/// let clock = FixedClock::new(100);
/// let handle = clock.clone();
/// handle.advance(30);
/// assert_eq!(clock.now_unix(), 130);
/// clock.sleep(Duration::from_millis(1500)); // whole seconds, rounded up
/// assert_eq!(handle.now_unix(), 132);
/// assert_eq!(handle.slept(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Default)]
pub struct FixedClock {
    now: Arc<AtomicU64>,
    slept: Arc<AtomicU64>,
}

impl FixedClock {
    /// A clock reading `now`.
    pub fn new(now: u64) -> Self {
        FixedClock {
            now: Arc::new(AtomicU64::new(now)),
            slept: Arc::new(AtomicU64::new(0)),
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

    /// How long [`sleep`](Clock::sleep) was asked to wait in all, in whole
    /// seconds (the time moved forward by it).
    pub fn slept(&self) -> Duration {
        Duration::from_secs(self.slept.load(Ordering::Relaxed))
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }

    fn sleep(&self, duration: Duration) {
        let secs = duration
            .as_secs()
            .saturating_add(u64::from(duration.subsec_nanos() > 0));
        let _ = self
            .slept
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(secs))
            });
        self.advance(secs);
    }
}

/// How many times [`one_password_per_window`](Totp::with_one_password_per_window)
/// sleeps, at most one window each, before it gives up on a clock that
/// stays in a used window (a clock that went back, or does not move).
const MAX_WINDOW_WAITS: u32 = 3;

/// The `totp` authenticator (`TOTPAuthentication` in the Python SDK).
///
/// A payload is `C<device_id> <unix time> <otp> `, then (with
/// [metadata](Totp::with_metadata) on) `M\x01<modem>-<version>\0`, then
/// `T<topic>\0` per topic, `B<message>\0`, then a final `\0`, where `otp`
/// is [`hotp`]`(private key bytes, time / window)`. Each message is its own
/// payload.
///
/// # One password per window, or not
///
/// As hologram-python 0.10.3 does, every payload carries the password of
/// the current time window: several messages in one window share it, and
/// nothing refuses or waits. A cloud that ever took each password only once
/// would need the opt-in
/// [`with_one_password_per_window`](Totp::with_one_password_per_window)
/// (setting `one_password_per_window = true`): the authenticator then
/// waits, on its [`Clock`], until a window it has not used opens.
///
/// Validation failures (missing device id or private key, a NUL in the
/// data or a topic) are reported before anything is written or waited for.
///
/// ```
/// use hologram_auth::{FixedClock, Metadata, Totp};
/// use hologram_ports::{Authenticator, Credentials, Message};
///
/// let clock = FixedClock::new(1_700_000_000);
/// let mut totp = Totp::with_clock(Box::new(clock.clone()));
/// let creds = Credentials::totp("123456", "310150123456789").unwrap();
/// let mut out = Vec::new();
///
/// totp.encode_message(&creds, &Message::new("hello"), &mut out).unwrap();
/// assert_eq!(out, b"C123456 1700000000 249154 Bhello\0\0");
///
/// // The same window, the same password, at once.
/// out.clear();
/// totp.encode_message(&creds, &Message::new("again"), &mut out).unwrap();
/// assert_eq!(out, b"C123456 1700000000 249154 Bagain\0\0");
///
/// // With the reference's metadata record (and its version, to compare).
/// let metadata = Metadata::new("agnostic", "0.9.1").unwrap();
/// let mut totp = Totp::with_clock(Box::new(clock)).with_metadata(Some(metadata));
/// out.clear();
/// totp.encode_message(&creds, &Message::new("hello"), &mut out).unwrap();
/// assert_eq!(out, b"C123456 1700000000 249154 M\x01agnostic-0.9.1\0Bhello\0\0");
/// ```
pub struct Totp {
    clock: Box<dyn Clock>,
    window: NonZeroU64,
    last_counter: Option<u64>,
    one_per_window: bool,
    metadata: Option<Metadata>,
}

impl Totp {
    /// The name it is registered under.
    pub const NAME: &'static str = NAME;

    /// The settings [`from_config`](Self::from_config) knows.
    pub const SETTINGS: &'static [&'static str] = &[
        "time_window",
        "one_password_per_window",
        metadata::SETTINGS[0],
        metadata::SETTINGS[1],
        metadata::SETTINGS[2],
    ];

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
            one_per_window: false,
            metadata: None,
        }
    }

    /// On the system clock, from the adapter settings: `time_window` =
    /// whole seconds, greater than 0 (default 30);
    /// `one_password_per_window` = `true` | `false` (default, see
    /// [`with_one_password_per_window`](Self::with_one_password_per_window));
    /// `metadata` = `true` | `false` (default) with `modem` (default
    /// `agnostic`) and `metadata_version` (default this SDK's version), see
    /// [`with_metadata`](Self::with_metadata). Unknown keys are rejected.
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
        if let Some(one) = config.parse::<bool>("one_password_per_window")? {
            self.one_per_window = one;
        }
        self.metadata = Metadata::from_config(config)?;
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

    /// Uses each window's password for one payload only (`true`), waiting
    /// on the clock for the next window when this one's is used; or, the
    /// default (`false`) and what hologram-python 0.10.3 does, sends every
    /// payload with the current window's password at once.
    ///
    /// The wait is at most [`time_window`](Self::time_window) per sleep,
    /// three sleeps at most: a clock still in a used window after that (it
    /// went back, or it does not move) fails the encoding with
    /// [`AuthError::InvalidSetting`] naming this setting, and the message
    /// stays with the caller.
    pub fn with_one_password_per_window(mut self, one: bool) -> Self {
        self.one_per_window = one;
        self
    }

    /// Sends the metadata record `M\x01<modem>-<version>\0` after the
    /// header (`Some`), as hologram-python 0.10.3 does, or not (`None`, the
    /// default).
    pub fn with_metadata(mut self, metadata: Option<Metadata>) -> Self {
        self.metadata = metadata;
        self
    }

    /// The time window.
    pub fn time_window(&self) -> Duration {
        Duration::from_secs(self.window.get())
    }

    /// Whether each window's password is used for one payload only.
    pub fn one_password_per_window(&self) -> bool {
        self.one_per_window
    }

    /// The metadata record sent with every message, if any.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// The counter (time / window) of the last payload encoded, if any.
    pub fn last_counter(&self) -> Option<u64> {
        self.last_counter
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

    /// The time to encode at: now, or (one password per window) the first
    /// second of a window not used yet, waited for on the clock.
    fn encoding_time(&self) -> Result<u64, AuthError> {
        let mut now = self.clock.now_unix();
        if !self.one_per_window {
            return Ok(now);
        }
        let mut waited = 0u64;
        for _ in 0..MAX_WINDOW_WAITS {
            let Some(wait) = self.wait_secs(now) else {
                return Ok(now);
            };
            let wait = wait.min(self.window.get());
            log::debug!(
                target: "Auth",
                "totp: one password per window: waiting {wait} s for the next window"
            );
            self.clock.sleep(Duration::from_secs(wait));
            waited = waited.saturating_add(wait);
            now = self.clock.now_unix();
        }
        if self.wait_secs(now).is_none() {
            return Ok(now);
        }
        Err(AuthError::InvalidSetting {
            authenticator: NAME,
            setting: "one_password_per_window",
            reason: format!(
                "the clock is still in a time window whose password was used after waiting \
                 {waited} s (has it gone back?); the message was not sent"
            ),
        })
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
            .field("one_password_per_window", &self.one_per_window)
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

impl Authenticator for Totp {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_time_based(true)
    }

    /// Encodes one message in its own payload, with the current window's
    /// password (see [one password per window, or
    /// not](Totp#one-password-per-window-or-not)). Fails, appending
    /// nothing, when the device id or private key is missing or the data or
    /// a topic holds a NUL.
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        let device_id = creds.device_id();
        if device_id.is_empty() {
            return Err(AuthError::missing(CredentialField::DeviceId));
        }
        let private_key = creds.private_key();
        if private_key.is_empty() {
            return Err(AuthError::missing(CredentialField::PrivateKey));
        }
        if msg.topics().iter().any(|t| t.as_bytes().contains(&0)) {
            return Err(unframeable("topic", NUL_REASON));
        }
        if msg.data().contains('\0') {
            return Err(unframeable("data", NUL_REASON));
        }

        let now = self.encoding_time()?;
        let counter = now / self.window.get();
        let otp = hotp(private_key.as_bytes(), counter);

        let start = out.len();
        let topics_len: usize = msg.topics().iter().map(|t| t.len() + 2).sum();
        let metadata_len = self.metadata.as_ref().map_or(0, |m| m.len() + 2);
        out.reserve(
            1 + device_id.len()
                + 1
                + 20
                + 1
                + 6
                + 1
                + metadata_len
                + topics_len
                + msg.data().len()
                + 3,
        );
        out.push(b'C');
        out.extend_from_slice(device_id.as_bytes());
        out.push(b' ');
        write_decimal(out, now);
        out.push(b' ');
        write_decimal(out, u64::from(otp));
        out.push(b' ');
        if let Some(metadata) = &self.metadata {
            out.push(b'M');
            metadata.write(out);
            out.push(0);
        }
        for topic in msg.topics() {
            out.push(b'T');
            out.extend_from_slice(topic.as_bytes());
            out.push(0);
        }
        out.push(b'B');
        out.extend_from_slice(msg.data().as_bytes());
        out.push(0);
        out.push(0);
        self.last_counter = Some(counter);
        log::trace!(
            target: "Auth",
            "totp: encoded a {} byte message payload",
            out.len() - start
        );
        Ok(())
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
        assert_eq!(t.wait_secs(59), None);
        t.last_counter = Some(1);
        assert_eq!(t.wait_secs(59), Some(1));
        assert_eq!(t.wait_secs(30), Some(30));
        // The clock went back a window: wait until after the last one used.
        assert_eq!(t.wait_secs(10), Some(50));
        assert_eq!(t.wait_secs(60), None);
    }
}
