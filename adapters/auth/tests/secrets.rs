//! No secret (cloud key, device key, private key, OTP) in a `Debug` output,
//! an error or a log line.

use std::sync::Mutex;

use hologram_auth::{Csrpsk, CsrpskForm, FixedClock, Totp};
use hologram_ports::{AuthError, Authenticator, Credentials, Message, Sms};

/// Captures every log record of this test binary.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!("{} {}", record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

const CLOUD_KEY: &str = "KeY9";
const PRIVATE_KEY: &str = "PrIvAtE-KeY-310150";

#[test]
fn secrets_stay_out_of_debug_errors_and_logs() {
    log::set_logger(&LOGS).expect("the only logger");
    log::set_max_level(log::LevelFilter::Trace);

    let pair = Credentials::new("IdI1", CLOUD_KEY).expect("valid");
    let key = pair.devicekey().expect("derived").to_owned();
    let msg = Message::with_topic_strs("data", &["t"]).expect("valid");
    let sms = Sms::new("+11234567890", "hi").expect("valid");
    let mut shown = Vec::new();
    let mut out = Vec::new();

    for form in CsrpskForm::ALL {
        let mut csrpsk = Csrpsk::new().with_form(form);
        csrpsk
            .encode_message(&pair, &msg, &mut out)
            .expect("encodes");
        csrpsk.encode_sms(&pair, &sms, &mut out).expect("encodes");
        shown.push(format!("{csrpsk:?} {csrpsk:#?}"));
    }

    let totp_creds = Credentials::totp("42", PRIVATE_KEY).expect("valid");
    let mut totp = Totp::with_clock(Box::new(FixedClock::new(1_700_000_000)));
    totp.encode_message(&totp_creds, &msg, &mut out)
        .expect("encodes");
    let otp = hologram_auth::hotp(PRIVATE_KEY.as_bytes(), 1_700_000_000 / 30).to_string();
    assert!(
        String::from_utf8_lossy(&out).contains(&otp),
        "the OTP is on the wire"
    );
    shown.push(format!("{totp:?} {totp:#?}"));

    let mut errors: Vec<AuthError> = Vec::new();
    errors.extend(
        totp.encode_message(&totp_creds, &Message::new("a\0b"), &mut out)
            .err(),
    );
    errors.extend(totp.encode_sms(&totp_creds, &sms, &mut out).err());
    let id_only = Credentials::new("IdI1", "").expect("valid");
    errors.extend(Csrpsk::new().encode_message(&id_only, &msg, &mut out).err());
    errors.extend(
        Csrpsk::new()
            .with_form(CsrpskForm::Seed)
            .encode_message(
                &Credentials::totp("42", PRIVATE_KEY).expect("valid"),
                &msg,
                &mut out,
            )
            .err(),
    );
    errors.extend(Totp::new().with_time_window(0).err());
    assert_eq!(errors.len(), 5);
    for e in &errors {
        shown.push(format!("{e} {e:?}"));
    }

    let logs = LOGS.0.lock().expect("not poisoned").clone();
    assert!(!logs.is_empty(), "the encoders log");
    assert!(logs.iter().all(|l| l.starts_with("Auth ")), "{logs:?}");
    shown.extend(logs);

    for s in &shown {
        for secret in [CLOUD_KEY, key.as_str(), PRIVATE_KEY, otp.as_str()] {
            assert!(!s.contains(secret), "{secret:?} shown in {s}");
        }
    }
}
