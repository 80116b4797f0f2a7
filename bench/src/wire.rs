//! Bytes on the wire: the SDK's payload against hologram-python 0.10.3's
//! for every message and SMS of the reference vectors.

use hologram::{Authenticator, Credentials, Message, Sms};
use hologram_auth::Csrpsk;
use hologram_conformance::vectors::wire_vectors;

/// One vector: what each side sends.
#[derive(Debug, Clone)]
pub struct WireRow {
    /// What the vector is.
    pub label: String,
    /// Bytes hologram-python sends (from the vectors).
    pub python: usize,
    /// Bytes the SDK sends (`csrpsk`, default settings).
    pub sdk: usize,
}

fn short(s: &str) -> String {
    let s = s.escape_debug().to_string();
    if s.chars().count() > 24 {
        format!("{}...", s.chars().take(21).collect::<String>())
    } else {
        s
    }
}

/// Every `csrpsk_devicekey` message and every modern SMS of the vectors,
/// encoded by the SDK's default `csrpsk`.
pub fn compare() -> Result<Vec<WireRow>, String> {
    let vectors = wire_vectors();
    let mut rows = Vec::new();
    let mut csrpsk = Csrpsk::new();
    for v in &vectors.csrpsk_devicekey {
        let creds = Credentials::with_devicekey(&v.devicekey).map_err(|e| e.to_string())?;
        let topics = v.topics.clone().unwrap_or_default();
        let msg = Message::with_topic_strs(v.data.as_str(), &topics).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        csrpsk
            .encode_message(&creds, &msg, &mut out)
            .map_err(|e| e.to_string())?;
        rows.push(WireRow {
            label: format!("message {:?} topics {:?}", short(&v.data), topics),
            python: v.python_payload.len(),
            sdk: out.len(),
        });
    }
    for v in &vectors.sms {
        let (Some(key), Some(python)) = (&v.devicekey, &v.python_payload) else {
            continue;
        };
        let creds = Credentials::with_devicekey(key).map_err(|e| e.to_string())?;
        let sms = Sms::new(&v.destination, &v.message).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        csrpsk
            .encode_sms(&creds, &sms, &mut out)
            .map_err(|e| e.to_string())?;
        rows.push(WireRow {
            label: format!("SMS of {} characters", v.message.chars().count()),
            python: python.len(),
            sdk: out.len(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vector_is_compared() {
        let rows = compare().expect("the vectors encode");
        let v = wire_vectors();
        assert!(rows.len() >= v.csrpsk_devicekey.len());
        assert!(rows.iter().all(|r| r.python > 0 && r.sdk > 0));
    }
}
