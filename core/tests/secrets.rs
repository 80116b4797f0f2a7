//! No secret in the SDK's logs, `Debug` output or errors, with every log
//! level on, through the real adapters: csrpsk messages and SMS, TOTP,
//! buffering and flushing, and failures.

use std::time::{SystemTime, UNIX_EPOCH};

use hologram::{Credentials, Hologram, RetryPolicy};
use hologram_sim::cloud::{CloudSim, Device};

const CLOUD_ID: &str = "Qz7w";
const CLOUD_KEY: &str = "Kq8v";
const PRIVATE_KEY: &str = "Pv7SecretTotpKey";
const DEVICE_ID: &str = "89014103211118510720";

fn otps_around_now() -> Vec<String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (0..4)
        .map(|i| hologram_auth::hotp(PRIVATE_KEY.as_bytes(), now / 30 + i - 1).to_string())
        .collect()
}

#[test]
fn logs_debug_and_errors_hold_no_secret() {
    let capture = hologram_conformance::testing::capture_logs();
    let mut seen = String::new();

    let cloud = CloudSim::builder()
        .device(Device::cloud_pair(CLOUD_ID, CLOUD_KEY).unwrap())
        .device(Device::totp(DEVICE_ID, PRIVATE_KEY).unwrap())
        .start()
        .unwrap();

    // CSRPSK: buffered while down, flushed, sent, SMS, refused.
    let mut sdk = Hologram::builder()
        .credentials(Credentials::new(CLOUD_ID, CLOUD_KEY).unwrap())
        .network("sim")
        .endpoint("127.0.0.1", cloud.port())
        .retry(RetryPolicy::NONE)
        .build()
        .unwrap();
    seen += &format!("{sdk:?}\n{:?}\n", sdk.credentials());
    seen += &format!("{:?}\n", sdk.send_message("while down", &["t"]).unwrap());
    seen += &format!("{:?}\n", sdk.connect().unwrap());
    seen += &format!("{:?}\n", sdk.send_message("up", &[] as &[&str]).unwrap());
    seen += &format!("{:?}\n", sdk.send_sms("+11234567890", "hi").unwrap());
    seen += &format!("{:?}\n", sdk.send_sms("+1", "").unwrap_err());
    sdk.credentials_mut().set_cloud_key("Zzzz").unwrap();
    let refused = sdk.send_message("wrong key", &[] as &[&str]).unwrap();
    assert!(!refused.is_delivered(), "{refused}");
    seen += &format!("{refused:?}\n");
    let mut bad = Credentials::default();
    seen += &format!(
        "{:?}\n",
        bad.set_cloud_key(&format!("{CLOUD_KEY}!")).unwrap_err()
    );
    seen += &format!(
        "{}\n",
        bad.set_devicekey(&format!("{CLOUD_ID}{CLOUD_KEY}x"))
            .unwrap_err()
    );

    // TOTP; then a transport failure.
    let mut totp = Hologram::builder()
        .credentials(Credentials::totp(DEVICE_ID, PRIVATE_KEY).unwrap())
        .authentication("totp")
        .endpoint("127.0.0.1", cloud.port())
        .build()
        .unwrap();
    seen += &format!("{totp:?}\n");
    seen += &format!("{:?}\n", totp.send_message("totp reading", &["t"]).unwrap());
    sdk.transport_mut()
        .set_endpoint(hologram::Endpoint::new("127.0.0.1", 1));
    seen += &format!("{:?}\n", sdk.send_message("no listener", &[] as &[&str]));

    assert!(cloud.wait_for_messages(3, std::time::Duration::from_secs(10)));
    seen += &format!("{:?}\n", cloud.messages());
    let logs = capture.text();
    let levels: Vec<log::Level> = capture.lines().iter().map(|l| l.level).collect();
    assert!(
        levels.contains(&log::Level::Debug) && levels.contains(&log::Level::Info),
        "{logs}"
    );

    let all = format!("{logs}\n{seen}");
    for secret in [
        CLOUD_KEY,
        PRIVATE_KEY,
        &format!("{CLOUD_ID}{CLOUD_KEY}"),
        "Zzzz",
    ] {
        assert!(!all.contains(secret), "{secret:?} leaked:\n{all}");
    }
    for otp in otps_around_now() {
        assert!(!all.contains(&format!(" {otp} ")), "an OTP leaked:\n{all}");
    }
}
