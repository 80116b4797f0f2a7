//! Registration, settings (metadata included), validation and the TOTP
//! window behaviour: the window's password reused at once by default, a
//! fresh window waited for with `one_password_per_window`.

use std::time::Duration;

use hologram_auth::{Clock, Csrpsk, FixedClock, Totp};
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
fn totp_reuses_the_window_password_without_waiting() {
    let clock = FixedClock::new(1_700_000_000); // 20 s into its window
    let mut totp = Totp::with_clock(Box::new(clock.clone()));
    assert!(!totp.one_password_per_window(), "off by default");
    let creds = Credentials::totp("123456", "310150123456789").expect("valid");
    let mut payloads = Vec::new();
    for data in ["first", "second", "third"] {
        let mut out = Vec::new();
        totp.encode_message(&creds, &Message::new(data), &mut out)
            .expect("every message in the window is encoded");
        payloads.push(out);
    }
    assert_eq!(
        payloads,
        [
            b"C123456 1700000000 249154 Bfirst\0\0".to_vec(),
            b"C123456 1700000000 249154 Bsecond\0\0".to_vec(),
            b"C123456 1700000000 249154 Bthird\0\0".to_vec(),
        ]
    );
    assert_eq!(clock.slept(), Duration::ZERO, "nothing waited");
    assert_eq!(clock.now_unix(), 1_700_000_000);
    assert_eq!(totp.last_counter(), Some(1_700_000_000 / 30));

    // A clock that goes back is followed, as the reference does.
    clock.set(1_699_999_900);
    let mut out = Vec::new();
    totp.encode_message(&creds, &Message::new("back"), &mut out)
        .expect("encoded");
    assert!(out.starts_with(b"C123456 1699999900 "));
    assert_eq!(clock.slept(), Duration::ZERO);
}

#[test]
fn one_password_per_window_waits_on_the_clock_for_a_fresh_window() {
    let clock = FixedClock::new(1_700_000_000); // 20 s into its window
    let cfg = AdapterConfig::new().with("one_password_per_window", "true");
    let mut totp = Totp::with_clock(Box::new(clock.clone()))
        .apply_config(&cfg)
        .expect("valid");
    assert!(totp.one_password_per_window());
    let creds = Credentials::totp("123456", "310150123456789").expect("valid");
    let mut heads = Vec::new();
    for data in ["first", "second", "third"] {
        let mut out = Vec::new();
        totp.encode_message(&creds, &Message::new(data), &mut out)
            .expect("encoded after the wait");
        heads.push(String::from_utf8_lossy(&out[..19]).into_owned());
    }
    // 10 s to the next window, then a whole window.
    assert_eq!(clock.slept(), Duration::from_secs(40));
    assert_eq!(
        heads,
        [
            "C123456 1700000000 ",
            "C123456 1700000010 ",
            "C123456 1700000040 "
        ]
    );
    assert_eq!(totp.last_counter(), Some(1_700_000_040 / 30));

    // A clock that went far back is waited for a bounded time, then the
    // message is refused (not sent, not lost), naming the setting.
    clock.set(1_699_990_000);
    let before = clock.slept();
    let mut out = Vec::new();
    let err = totp
        .encode_message(&creds, &Message::new("late"), &mut out)
        .expect_err("still in a used window");
    assert!(out.is_empty());
    assert!(
        matches!(
            err,
            AuthError::InvalidSetting {
                setting: "one_password_per_window",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("gone back"), "{err}");
    assert_eq!(
        clock.slept() - before,
        Duration::from_secs(90),
        "3 windows at most"
    );

    // A clock that does not move is not waited on for ever.
    struct Stuck;
    impl hologram_auth::Clock for Stuck {
        fn now_unix(&self) -> u64 {
            59
        }
        fn sleep(&self, _: Duration) {}
    }
    let mut totp = Totp::with_clock(Box::new(Stuck)).with_one_password_per_window(true);
    totp.encode_message(&creds, &Message::new("a"), &mut out)
        .expect("the first");
    assert!(totp
        .encode_message(&creds, &Message::new("b"), &mut out)
        .is_err());
}

#[test]
fn totp_one_payload_per_message_with_its_topics() {
    let mut totp = Totp::with_clock(Box::new(FixedClock::new(59)));
    let creds = Credentials::totp("42", "abc").expect("valid");
    let a = |d: &str| Message::with_topic_strs(d, &["a"]).expect("valid");
    let mut payloads = Vec::new();
    for msg in [a("1"), Message::new("2"), a("3")] {
        let mut out = Vec::new();
        totp.encode_message(&creds, &msg, &mut out)
            .expect("encodes");
        payloads.push(out);
    }
    assert_eq!(
        payloads,
        [
            b"C42 59 151739 Ta\0B1\0\0".to_vec(),
            b"C42 59 151739 B2\0\0".to_vec(),
            b"C42 59 151739 Ta\0B3\0\0".to_vec(),
        ]
    );
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
    let head = format!("C42 120 {} ", hologram_auth::hotp(b"abc", 2));
    assert!(out.starts_with(head.as_bytes()));
}

#[test]
fn metadata_settings_on_both() {
    let creds = Credentials::with_devicekey("12345678").expect("valid");
    let msg = Message::with_topic_strs("x", &["t"]).expect("valid");
    let encode = |name: &str, config: AdapterConfig, creds: &Credentials| {
        let mut auth = factory(name)(&ctx(config)).expect("valid settings");
        let mut out = Vec::new();
        auth.encode_message(creds, &msg, &mut out).expect("encodes");
        String::from_utf8(out).expect("UTF-8")
    };
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(hologram_auth::SDK_VERSION, version);

    // Off by default; `modem` alone does not turn it on.
    let plain = r#"{"k":"12345678","d":"x","t":["t"]}"#.to_owned() + "\r\r";
    assert_eq!(encode("csrpsk", AdapterConfig::new(), &creds), plain);
    assert_eq!(
        encode("csrpsk", AdapterConfig::new().with("modem", "e303"), &creds),
        plain
    );
    let on = AdapterConfig::new().with("metadata", "true");
    assert_eq!(
        encode("csrpsk", on.clone(), &creds),
        format!(r#"{{"k":"12345678","m":"\u0001agnostic-{version}","d":"x","t":["t"]}}"#) + "\r\r"
    );
    let named = on
        .clone()
        .with("modem", "bg96")
        .with("metadata_version", "0.9.1");
    assert!(encode("csrpsk", named.clone(), &creds).contains(r#""m":"\u0001bg96-0.9.1""#));

    let totp_creds = Credentials::totp("42", "abc").expect("valid");
    let totp = encode("totp", on, &totp_creds);
    assert!(
        totp.ends_with(&format!(" M\u{1}agnostic-{version}\0Tt\0Bx\0\0")),
        "{totp:?}"
    );
    let totp = encode("totp", named, &totp_creds);
    assert!(totp.ends_with(" M\u{1}bg96-0.9.1\0Tt\0Bx\0\0"), "{totp:?}");
    assert!(!encode("totp", AdapterConfig::new(), &totp_creds).contains('M'));

    for name in ["csrpsk", "totp"] {
        for (key, bad) in [
            ("metadata", "on"),
            ("modem", "my modem"),
            ("metadata_version", ""),
        ] {
            let Err(err) = factory(name)(&ctx(AdapterConfig::new().with(key, bad))) else {
                panic!("{name} accepted {key} = {bad:?}");
            };
            assert!(err.to_string().contains(key), "{err}");
        }
    }
    let Err(err) = factory("csrpsk")(&ctx(
        AdapterConfig::new().with("one_password_per_window", "true")
    )) else {
        panic!("csrpsk accepted a TOTP setting");
    };
    assert!(err.to_string().contains("one_password_per_window"), "{err}");
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
