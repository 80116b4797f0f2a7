//! The `csrpsk` and `totp` authenticators of the Hologram SDK: credentials +
//! message in, wire bytes out.
//!
//! Both implement the [`Authenticator`] port and register themselves by
//! name, so the core picks them with `.authentication("csrpsk")` or
//! `.authentication("totp")`:
//!
//! | name | type | message payload | SMS | settings |
//! |---|---|---|---|---|
//! | `csrpsk` | [`Csrpsk`] | `{"k":…,"d":…,"t":…}\r\r` (compact JSON) | `S<key><number> <text>\r\r` | `form` = `compact` \| `seed` \| `full`; `topic_list` = `true` (default) \| `false` |
//! | `totp` | [`Totp`] | `C<device_id> <time> <otp> T<topic>\0… B<data>\0… \0` | unsupported | `time_window` = seconds (default 30) |
//!
//! Encoders append straight into the caller's buffer: no intermediate JSON
//! value, no allocation beyond growing `out`. No key, password or OTP ever
//! appears in a log line, a `Debug` output or an error (logs go to the
//! `Auth` target).
//!
//! ```
//! use hologram_auth::{Csrpsk, FixedClock, Totp};
//! use hologram_ports::{AdapterContext, AdapterDescriptor, Authenticator, Credentials, Message};
//!
//! // CSRPSK, the default form: abbreviated keys, compact JSON, then \r\r.
//! let creds = Credentials::with_devicekey("12345678").unwrap();
//! let mut out = Vec::new();
//! Csrpsk::new().encode_message(&creds, &Message::new("hello"), &mut out).unwrap();
//! assert_eq!(out, b"{\"k\":\"12345678\",\"d\":\"hello\"}\r\r");
//!
//! // TOTP on a fixed clock: several messages under one one-time password.
//! let creds = Credentials::totp("42", "abc").unwrap();
//! let mut totp = Totp::with_clock(Box::new(FixedClock::new(59)));
//! let batch = [
//!     Message::with_topic_strs("x", &["only-topic"]).unwrap(),
//!     Message::with_topic_strs("y", &["only-topic"]).unwrap(),
//! ];
//! out.clear();
//! totp.encode_messages(&creds, &batch, &mut out).unwrap();
//! assert_eq!(out, b"C42 59 151739 Tonly-topic\0Bx\0By\0\0");
//!
//! // Both are registered by name.
//! let totp = hologram_ports::inventory::iter::<AdapterDescriptor>()
//!     .find(|d| d.name == "totp")
//!     .and_then(|d| d.factory_for::<dyn hologram_ports::Authenticator>())
//!     .unwrap();
//! assert!(totp(&AdapterContext::detached()).unwrap().capabilities().time_based);
//! ```
#![deny(missing_docs, missing_debug_implementations, unsafe_code)]

mod csrpsk;
mod json;
mod totp;

pub use csrpsk::{Csrpsk, CsrpskForm};
pub use totp::{hotp, Clock, FixedClock, SystemClock, Totp, DEFAULT_TIME_WINDOW};

use hologram_ports::{
    AdapterContext, AdapterDescriptor, AdapterError, AuthError, Authenticator, CredentialError,
    CredentialField,
};

/// `value` if it is set and `len` characters long, else an error naming
/// `field` (never showing the value).
pub(crate) fn require_fixed(
    field: CredentialField,
    value: &str,
    len: usize,
) -> Result<&str, AuthError> {
    if value.is_empty() {
        return Err(AuthError::missing(field));
    }
    let actual = value.chars().count();
    if actual != len {
        return Err(CredentialError::WrongLength {
            field,
            expected: len,
            actual,
        }
        .into());
    }
    Ok(value)
}

fn make_csrpsk(ctx: &AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError> {
    let csrpsk = Csrpsk::from_config(&ctx.config)?;
    log::debug!(
        target: "Auth",
        "csrpsk: {} form, single topic as a list: {}",
        csrpsk.form(),
        csrpsk.topic_list()
    );
    Ok(Box::new(csrpsk))
}

fn make_totp(ctx: &AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError> {
    let totp = Totp::from_config(&ctx.config)?;
    log::debug!(target: "Auth", "totp: time window {:?}", totp.time_window());
    Ok(Box::new(totp))
}

hologram_ports::inventory::submit! {
    AdapterDescriptor::authenticator(
        Csrpsk::NAME,
        "pre-shared device key in a compact JSON object (messages and SMS)",
        make_csrpsk,
    )
}

hologram_ports::inventory::submit! {
    AdapterDescriptor::authenticator(
        Totp::NAME,
        "device id + time-based one-time password, seed-era wire form (messages only)",
        make_totp,
    )
}
