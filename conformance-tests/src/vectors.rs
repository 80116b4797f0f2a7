//! The reference wire vectors, shipped inside the crate.
//!
//! `vectors/wire-vectors.json` holds payloads made by the real
//! hologram-python 0.10.3 package, the RFC 4226 HOTP test values and the
//! seed-era TOTP form. The authenticator checks compare against them; an
//! adapter's own tests may use them too.
//!
//! ```
//! let v = hologram_conformance::vectors::wire_vectors();
//! assert_eq!(v.hotp_rfc4226[0].otp, 755224);
//! assert!(v.csrpsk_devicekey[0].python_payload.ends_with("\r\r"));
//! ```

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The vectors file, as shipped.
pub const WIRE_VECTORS_JSON: &str = include_str!("../vectors/wire-vectors.json");

/// All the vectors.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct WireVectors {
    /// CSRPSK messages with the 8-character device key.
    pub csrpsk_devicekey: Vec<CsrpskVector>,
    /// SMS payloads.
    pub sms: Vec<SmsVector>,
    /// RFC 4226 HOTP values.
    pub hotp_rfc4226: Vec<HotpVector>,
    /// Seed-era TOTP payloads.
    pub totp_legacy: Vec<TotpVector>,
    /// Cloud replies and their result codes.
    pub response_codes: Vec<ResponseCodeVector>,
    /// The forms a cloud reply comes in (JSON list, run of digits, empty,
    /// malformed) and the code each gives.
    pub reply_forms: Vec<ReplyFormVector>,
}

/// One CSRPSK message.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct CsrpskVector {
    /// The 8-character device key.
    pub devicekey: String,
    /// The message data.
    pub data: String,
    /// The topics, if any.
    pub topics: Option<Vec<String>>,
    /// Exactly what hologram-python sends.
    pub python_payload: String,
    /// The JSON fields a payload must parse to (`m` aside).
    pub expected_fields: Map<String, Value>,
}

/// One SMS.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct SmsVector {
    /// The 8-character device key, for the modern form.
    pub devicekey: Option<String>,
    /// The cloud id, for the seed-era form.
    pub cloud_id: Option<String>,
    /// The cloud key, for the seed-era form.
    pub cloud_key: Option<String>,
    /// The destination number.
    pub destination: String,
    /// The text.
    pub message: String,
    /// Exactly what hologram-python sends (modern form).
    pub python_payload: Option<String>,
    /// Exactly what the seed-era SDK sends.
    pub seed_era_payload: Option<String>,
}

impl SmsVector {
    /// The payload to reproduce, whichever form the vector is in.
    pub fn payload(&self) -> &str {
        self.python_payload
            .as_deref()
            .or(self.seed_era_payload.as_deref())
            .unwrap_or_default()
    }
}

/// One RFC 4226 HOTP value.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct HotpVector {
    /// The key, as ASCII.
    pub secret_ascii: String,
    /// The counter.
    pub counter: u64,
    /// The 6-digit one-time password.
    pub otp: u32,
}

/// One seed-era TOTP payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct TotpVector {
    /// The device id.
    pub device_id: String,
    /// The private key.
    pub private_key: String,
    /// The unix time of the clock.
    pub timestamp: u64,
    /// The time window, in seconds.
    pub time_window: u64,
    /// The messages (the port encodes one per payload).
    pub messages: Vec<String>,
    /// The topics, if any.
    pub topics: Option<Vec<String>>,
    /// The one-time password.
    pub otp: u32,
    /// Exactly the payload.
    pub payload: String,
}

/// One cloud reply.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ResponseCodeVector {
    /// The reply, e.g. `[0,0]`.
    pub reply: String,
    /// Its code.
    pub code: i64,
    /// The Python SDK's description.
    pub description: String,
    /// Whether it counts as sent.
    pub success: bool,
}

/// One form of a cloud reply.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ReplyFormVector {
    /// The reply bytes, as text.
    pub reply: String,
    /// The code it gives; `None` when it holds none (empty or malformed).
    pub code: Option<i64>,
    /// Which form: `json`, `digits`, `empty: ...`, `malformed`.
    pub form: String,
}

/// The parsed vectors (parsed once).
pub fn wire_vectors() -> &'static WireVectors {
    static PARSED: OnceLock<WireVectors> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str(WIRE_VECTORS_JSON)
            .expect("hologram-conformance: the shipped wire-vectors.json parses")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_vectors_parse_and_agree_with_the_ports() {
        let v = wire_vectors();
        assert_eq!(v.csrpsk_devicekey.len(), 7);
        assert_eq!(v.sms.len(), 3);
        assert!(v.sms.iter().all(|s| s.payload().ends_with("\r\r")));
        assert_eq!(v.hotp_rfc4226.len(), 10);
        assert_eq!(v.totp_legacy.len(), 3);
        for r in &v.response_codes {
            let code = hologram_ports::ResultCode::parse_reply(r.reply.as_bytes()).unwrap();
            assert_eq!(code.code(), r.code);
            assert_eq!(code.is_success(), r.success);
            assert_eq!(code.description(), r.description);
        }
    }
}

#[cfg(test)]
mod copy_tests {
    /// The shipped copy must stay identical to the reference file, which sits
    /// in `shared/` beside the repository on developer machines and in CI:
    /// without it, the test fails under `CI=true` and says SKIPPED elsewhere.
    #[test]
    fn the_copy_matches_the_shared_vectors_when_present() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/wire-vectors.json");
        match std::fs::read_to_string(&shared) {
            Ok(original) => assert_eq!(
                original,
                super::WIRE_VECTORS_JSON,
                "conformance-tests/vectors/wire-vectors.json is out of date"
            ),
            Err(e) => crate::testing::missing(
                "the_copy_matches_the_shared_vectors_when_present",
                &format!("no {} to compare with: {e}", shared.display()),
            ),
        }
    }
}
