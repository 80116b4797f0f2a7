//! RFC 4226 HOTP with HMAC-SHA1, as the TOTP wire form uses it.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// The number of decimal digits of a one-time password.
pub const DIGITS: u32 = 6;

/// The HOTP value of `counter` under `key`: HMAC-SHA1 over the 8-byte
/// big-endian counter, dynamic truncation, modulo 10^6 (RFC 4226 §5.3).
///
/// ```
/// use hologram_sim::cloud::hotp::hotp;
/// assert_eq!(hotp(b"12345678901234567890", 0), 755224);
/// ```
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC takes keys of any length, so this never falls back.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    word % 10u32.pow(DIGITS)
}

/// The TOTP value for unix time `time` with a window of `window` seconds:
/// [`hotp`] of `time / window`. A window of 0 counts as 1 second.
///
/// ```
/// use hologram_sim::cloud::hotp::totp;
/// assert_eq!(totp(b"abc", 59, 30), 151739);
/// ```
pub fn totp(key: &[u8], time: u64, window: u64) -> u32 {
    hotp(key, time / window.max(1))
}
