//! Registration, settings, validation and the TOTP window rule.

use hologram_auth::{Csrpsk, FixedClock, Totp};
use hologram_ports::{
    AdapterConfig, AdapterContext, AdapterDescriptor, AdapterError, AdapterKind, AuthError,
    Authenticator, ConfigError, CredentialField, Credentials, Message, NullEventSink,
};

fn factory(name: &str) -> hologram_ports::AuthFactory {
    let d = hologram_ports::inventory::iter::<AdapterDescriptor>()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} is registered"));
    assert_eq!(d.kind(), AdapterKind::Authenticator);
    d.factory_for::<dyn hologram_ports::Authenticator>()
        .expect("an authenticator factory")
}

fn ctx(config: AdapterConfig) -> AdapterContext {
    AdapterContext::new(std::sync::Arc::new(NullEventSink), config)
}

#[test]
fn both_are_registered_with_their_capabilities() {
    let csrpsk = factory("csrpsk")(&AdapterContext::detached()).expect("builds");
    assert!(csrpsk.capabilities().sms);
    assert!(!csrpsk.capabilities().time_based);
    let totp = factory("totp")(&AdapterContext::detached()).expect("builds");
    assert!(!totp.capabilities().sms);
    assert!(totp.capabilities().time_based);
}

#[test]
fn factories_apply_and_check_settings() {
    let mut csrpsk = factory("csrpsk")(&ctx(AdapterConfig::new()
        .with("form", "seed")
        .with("topic_list", "true")))
    .expect("valid settings");
    let creds = Credentials::new("abcd", "wxyz").expect("valid");
    let msg = Message::with_topic_strs("x", &["t"]).expect("valid");
    let mut out = Vec::new();
    csrpsk
        .encode_message(&creds, &msg, &mut out)
        .expect("encodes");
    assert_eq!(
        out,
        b"{\"s\":\"abcd\",\"c\":\"wxyz\",\"d\":\"x\",\"t\":[\"t\"]}\r\r"
    );

    for (name, config, key) in [
        (
            "csrpsk",
            AdapterConfig::new().with("time_window", "30"),
            "time_window",
        ),
        ("csrpsk", AdapterConfig::new().with("form", "k"), "form"),
        ("totp", AdapterConfig::new().with("form", "compact"), "form"),
        (
            "totp",
            AdapterConfig::new().with("time_window", "0"),
            "time_window",
        ),
    ] {
        let Err(err) = factory(name)(&ctx(config)) else {
            panic!("{name} accepted a bad setting {key}");
        };
        match &err {
            AdapterError::Config(ConfigError::UnknownKey { key: k, known, .. }) => {
                assert_eq!(k, key);
                assert!(!known.is_empty());
            }
            AdapterError::Config(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains(key), "{err}");
    }
}

#[test]
fn totp_reuses_the_window_password_for_every_message_in_it() {
    let clock = FixedClock::new(1_700_000_000); // 20 s into its window
    let mut totp = Totp::with_clock(Box::new(clock.clone()));
    let creds = Credentials::totp("123456", "310150123456789").expect("valid");
    let mut out = Vec::new();

    totp.encode_message(&creds, &Message::new("first"), &mut out)
        .expect("first");
    let first = out.clone();
    out.clear();
    totp.encode_message(&creds, &Message::new("second"), &mut out)
        .expect("same window: the same password, as the Python SDK");
    assert_eq!(first[..26], out[..26], "same time and password");
    assert!(out.ends_with(b"Bsecond\0\0"));

    clock.advance(10);
    out.clear();
    totp.encode_message(&creds, &Message::new("second"), &mut out)
        .expect("next window");
    assert!(out.starts_with(b"C123456 1700000010 "));
    assert_ne!(first[19..26], out[19..26], "a new one-time password");
}

#[test]
fn totp_batches_share_one_password_and_one_topic_set() {
    let clock = FixedClock::new(59);
    let mut totp = Totp::with_clock(Box::new(clock.clone()));
    let creds = Credentials::totp("42", "abc").expect("valid");
    let a = |d: &str| Message::with_topic_strs(d, &["a"]).expect("valid");
    let queue = [a("1"), a("2"), Message::new("3"), a("4")];
    assert_eq!(Totp::batch_len(&queue), 2);
    assert_eq!(Totp::batch_len(&[]), 0);

    let mut out = Vec::new();
    let err = totp
        .encode_messages(&creds, &queue, &mut out)
        .expect_err("mixed topics");
    assert!(
        matches!(err, AuthError::Unframeable { field: "topic", .. }),
        "{err:?}"
    );
    let err = totp
        .encode_messages(&creds, &[], &mut out)
        .expect_err("empty");
    assert!(
        matches!(err, AuthError::Unframeable { field: "data", .. }),
        "{err:?}"
    );
    assert_eq!(totp.last_counter(), None, "errors do not take the window");

    totp.encode_messages(&creds, &queue[..2], &mut out)
        .expect("one window");
    assert_eq!(out, b"C42 59 151739 Ta\0B1\0B2\0\0");
}

#[test]
fn totp_validates_credentials_first() {
    let mut totp = Totp::with_clock(Box::new(FixedClock::new(59)));
    let msg = Message::new("x");
    let mut out = Vec::new();
    for (creds, field) in [
        (Credentials::totp("", "abc"), CredentialField::DeviceId),
        (Credentials::totp("42", ""), CredentialField::PrivateKey),
        (
            Credentials::with_devicekey("12345678"),
            CredentialField::DeviceId,
        ),
    ] {
        let err = totp
            .encode_message(&creds.expect("valid"), &msg, &mut out)
            .expect_err("missing");
        assert_eq!(err, AuthError::missing(field));
        assert!(err.to_string().contains(field.as_str()), "{err}");
    }
    assert!(out.is_empty());
    assert_eq!(totp.last_counter(), None);
}

#[test]
fn totp_window_setting() {
    let clock = FixedClock::new(119);
    let cfg = AdapterConfig::new().with("time_window", "60");
    let mut totp = Totp::with_clock(Box::new(clock.clone()))
        .apply_config(&cfg)
        .expect("valid");
    let creds = Credentials::totp("42", "abc").expect("valid");
    let mut out = Vec::new();
    totp.encode_message(&creds, &Message::new("x"), &mut out)
        .expect("encodes");
    assert_eq!(totp.last_counter(), Some(1));
    let head = format!("C42 119 {} ", hologram_auth::hotp(b"abc", 1));
    assert!(out.starts_with(head.as_bytes()));
    clock.advance(1);
    out.clear();
    totp.encode_message(&creds, &Message::new("y"), &mut out)
        .expect("next window");
}

#[test]
fn csrpsk_sms_needs_the_device_key() {
    let sms = hologram_ports::Sms::new("+11234567890", "hi").expect("valid");
    let mut out = Vec::new();
    let err = Csrpsk::new()
        .encode_sms(
            &Credentials::totp("42", "abc").expect("valid"),
            &sms,
            &mut out,
        )
        .expect_err("no key");
    assert_eq!(err, AuthError::missing(CredentialField::DeviceKey));
    assert!(out.is_empty());
}
