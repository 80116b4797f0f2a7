//! The `csrpsk` and `totp` authenticators of the Hologram SDK: credentials +
//! message in, wire bytes out.
//!
//! Both implement the [`Authenticator`] port and register themselves by
//! name, so the core picks them with `.authentication("csrpsk")` or
//! `.authentication("totp")`:
//!
//! | name | type | message payload | SMS | settings |
//! |---|---|---|---|---|
//! | `csrpsk` | [`Csrpsk`] | `{"k":…,"d":…,"t":…}\r\r` (compact JSON) | `S<key><number> <text>\r\r` | `form` = `compact` \| `seed` \| `full`; `topic_list` = `true` (default) \| `false`; metadata |
//! | `totp` | [`Totp`] | `C<device_id> <time> <otp> T<topic>\0… B<data>\0 \0` | unsupported | `time_window` = seconds (default 30); `one_password_per_window` = `true` \| `false` (default); metadata |
//!
//! Metadata settings, on both: `metadata` = `true` | `false` (default)
//! sends hologram-python 0.10.3's metadata record with every message
//! (`"m":"\u0001<modem>-<version>"` in CSRPSK, `M\x01<modem>-<version>\0`
//! in TOTP, byte for byte as the reference builds it); `modem` names the
//! modem (default `agnostic`, what the reference sends without one);
//! `metadata_version` replaces this SDK's version ([`SDK_VERSION`]). See
//! [`Metadata`].
//!
//! TOTP sends every message in its own payload with the current window's
//! password, several per window, never waiting, as the reference does;
//! `one_password_per_window` is there for a cloud that would take each
//! password once (see [`Totp`]).
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
//! // TOTP on a fixed clock: one payload per message, each with the
//! // current window's password.
//! let creds = Credentials::totp("42", "abc").unwrap();
//! let mut totp = Totp::with_clock(Box::new(FixedClock::new(59)));
//! for data in ["x", "y"] {
//!     out.clear();
//!     let msg = Message::with_topic_strs(data, &["only-topic"]).unwrap();
//!     totp.encode_message(&creds, &msg, &mut out).unwrap();
//!     assert_eq!(out, format!("C42 59 151739 Tonly-topic\0B{data}\0\0").as_bytes());
//! }
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
mod metadata;
mod totp;

pub use csrpsk::{Csrpsk, CsrpskForm};
pub use metadata::{Metadata, AGNOSTIC_MODEM, SDK_VERSION};
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
        "csrpsk: {} form, single topic as a list: {}, metadata: {}",
        csrpsk.form(),
        csrpsk.topic_list(),
        shown(csrpsk.metadata())
    );
    Ok(Box::new(csrpsk))
}

fn make_totp(ctx: &AdapterContext) -> Result<Box<dyn Authenticator>, AdapterError> {
    let totp = Totp::from_config(&ctx.config)?;
    log::debug!(
        target: "Auth",
        "totp: time window {:?}, one password per window: {}, metadata: {}",
        totp.time_window(),
        totp.one_password_per_window(),
        shown(totp.metadata())
    );
    Ok(Box::new(totp))
}

fn shown(metadata: Option<&Metadata>) -> String {
    metadata.map_or_else(|| "off".to_owned(), Metadata::to_string)
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
        "device id + time-based one-time password (messages only)",
        make_totp,
    )
}
