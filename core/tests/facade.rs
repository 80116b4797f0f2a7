//! The facade against small in-test adapters: registry lookup, sending,
//! the outbox and its flush, SMS rules, events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use hologram::{
    AdapterContext, AdapterError, AdapterKind, AuthCapabilities, AuthError, Authenticator,
    Credentials, Delivery, Endpoint, Error, Event, EventSink, Hologram, Message,
    NetworkCapabilities, NetworkError, NetworkInterface, Origin, Registry, RegistryError, Reply,
    ResultCode, RetryPolicy, Sms, Transport, TransportCapabilities, TransportError, TransportExt,
};
use hologram_ports::AdapterDescriptor;

/// A link whose state the test flips through a shared flag.
struct Link {
    up: Arc<Mutex<bool>>,
    events: Arc<dyn EventSink>,
}

impl NetworkInterface for Link {
    fn capabilities(&self) -> NetworkCapabilities {
        NetworkCapabilities::NONE
    }
    fn connect(&mut self) -> Result<(), NetworkError> {
        let mut up = self.up.lock().unwrap();
        if !*up {
            *up = true;
            drop(up);
            self.events.emit(&Event::NetworkConnected);
        }
        Ok(())
    }
    fn disconnect(&mut self) -> Result<(), NetworkError> {
        let mut up = self.up.lock().unwrap();
        if *up {
            *up = false;
            drop(up);
            self.events.emit(&Event::NetworkDisconnected);
        }
        Ok(())
    }
    fn is_connected(&self) -> bool {
        *self.up.lock().unwrap()
    }
}

/// Records payloads; answers from a script (default `[0,0]`).
#[derive(Clone, Default)]
struct Wire {
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
    script: Arc<Mutex<VecDeque<Result<Reply, TransportError>>>>,
}

struct ScriptedTransport {
    wire: Wire,
    endpoint: Endpoint,
    codes: bool,
    /// Sends a batch last payload first, as a concurrent transport may.
    reverse_batches: bool,
}

impl Transport for ScriptedTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::default()
            .with_result_codes(self.codes)
            .with_sms(self.codes)
    }
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn set_endpoint(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }
    fn send(&mut self, payload: &[u8]) -> Result<Reply, TransportError> {
        let next = self.wire.script.lock().unwrap().pop_front();
        let result = next.unwrap_or_else(|| {
            Ok(Reply {
                bytes: b"[0,0]".to_vec(),
                code: self.codes.then_some(ResultCode::Sent),
            })
        });
        if result.is_ok() {
            self.wire.sent.lock().unwrap().push(payload.to_vec());
        }
        result
    }
    fn send_batch(&mut self, payloads: &[&[u8]]) -> Vec<Result<Reply, TransportError>> {
        if !self.reverse_batches {
            return payloads.iter().map(|p| self.send(p)).collect();
        }
        let mut results: Vec<_> = payloads.iter().rev().map(|p| self.send(p)).collect();
        results.reverse();
        results
    }
}

/// `data|topic,topic` framing; SMS as `S<dest> <text>`.
struct PlainAuth;

impl Authenticator for PlainAuth {
    fn capabilities(&self) -> AuthCapabilities {
        AuthCapabilities::MESSAGES_ONLY.with_sms(true)
    }
    fn encode_message(
        &mut self,
        creds: &Credentials,
        msg: &Message,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        creds.require_devicekey()?;
        if msg.data().contains('\0') {
            return Err(AuthError::Unframeable {
                authenticator: "plain",
                field: "data",
                reason: "NUL",
            });
        }
        out.extend_from_slice(msg.data().as_bytes());
        let topics: Vec<&str> = msg.topics().iter().map(|t| t.as_str()).collect();
        if !topics.is_empty() {
            out.push(b'|');
            out.extend_from_slice(topics.join(",").as_bytes());
        }
        Ok(())
    }
    fn encode_sms(
        &mut self,
        _creds: &Credentials,
        sms: &Sms,
        out: &mut Vec<u8>,
    ) -> Result<(), AuthError> {
        out.extend_from_slice(format!("S{} {}", sms.destination(), sms.text().as_str()).as_bytes());
        Ok(())
    }
}

struct Rig {
    up: Arc<Mutex<bool>>,
    wire: Wire,
    log: Arc<Mutex<Vec<String>>>,
    sdk: Hologram,
}

fn registry(up: &Arc<Mutex<bool>>, wire: &Wire) -> Registry {
    let mut reg = Registry::empty();
    // The built-in outboxes (`file`), for `outbox_dir`.
    for d in hologram_ports::inventory::iter::<AdapterDescriptor>() {
        if d.kind() == AdapterKind::Outbox {
            reg.register_descriptor(d).unwrap();
        }
    }
    let u = up.clone();
    reg.register::<dyn NetworkInterface>(
        "link",
        "test link",
        Origin::BuiltIn,
        Arc::new(move |ctx: &AdapterContext| {
            Ok(Box::new(Link {
                up: u.clone(),
                events: ctx.events.clone(),
            }))
        }),
    )
    .unwrap();
    for (name, codes, reverse_batches) in [
        ("cloud", true, false),
        ("raw", false, false),
        ("reversing", true, true),
    ] {
        let w = wire.clone();
        reg.register::<dyn Transport>(
            name,
            "scripted",
            Origin::BuiltIn,
            Arc::new(move |ctx: &AdapterContext| {
                let endpoint = Endpoint {
                    host: ctx.config.get("host").map(str::to_owned),
                    port: ctx.config.parse::<u16>("port")?,
                };
                Ok(Box::new(ScriptedTransport {
                    wire: w.clone(),
                    endpoint,
                    codes,
                    reverse_batches,
                }))
            }),
        )
        .unwrap();
    }
    reg.register::<dyn Authenticator>(
        "plain",
        "test framing",
        Origin::BuiltIn,
        Arc::new(|_: &AdapterContext| Ok(Box::new(PlainAuth))),
    )
    .unwrap();
    reg
}

fn rig(transport: &str, link_up: bool) -> Rig {
    let up = Arc::new(Mutex::new(link_up));
    let wire = Wire::default();
    let sdk = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678").unwrap())
        .registry(registry(&up, &wire))
        .network("link")
        .transport(transport)
        .authentication("plain")
        .retry(RetryPolicy::NONE)
        .build()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    sdk.events()
        .subscribe_all(move |e| l.lock().unwrap().push(e.to_string()));
    Rig { up, wire, log, sdk }
}

fn sent(r: &Rig) -> Vec<String> {
    sent_payloads(&r.wire)
}

/// A builder on the test link and the scripted `cloud` transport, with the
/// real `totp` authenticator on a clock the test controls.
fn totp_sdk(
    up: &Arc<Mutex<bool>>,
    wire: &Wire,
    clock: &hologram_auth::FixedClock,
) -> hologram::HologramBuilder {
    let clock = clock.clone();
    Hologram::builder()
        .credentials(Credentials::totp("123456", "310150123456789").unwrap())
        .registry(registry(up, wire))
        .network("link")
        .transport("cloud")
        .authentication_with("totp", move |_| {
            Ok(Box::new(hologram_auth::Totp::with_clock(Box::new(
                clock.clone(),
            ))))
        })
}

/// A builder on the test link, scripted transports and plain framing, with a
/// device key: each test adds what it is about.
fn plain_sdk(up: &Arc<Mutex<bool>>, wire: &Wire) -> hologram::HologramBuilder {
    Hologram::builder()
        // Backoff waits go to a clock that only counts them.
        .clock(Box::new(hologram::ManualClock::new()))
        .credentials(Credentials::with_devicekey("12345678").unwrap())
        .registry(registry(up, wire))
        .network("link")
        .authentication("plain")
}

#[test]
fn unknown_names_list_what_is_available() {
    let up = Arc::new(Mutex::new(true));
    let reg = registry(&up, &Wire::default());
    let err = Hologram::builder()
        .registry(reg.clone())
        .network("wifi")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        Error::Registry(RegistryError::Unknown {
            kind: AdapterKind::Network,
            name: "wifi".into(),
            available: vec!["link".into()],
        })
    );
    let err = Hologram::builder()
        .registry(reg)
        .transport("cloud")
        .authentication("totp")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown authentication \"totp\"; available: plain"
    );
}

#[test]
fn duplicate_names_are_refused_with_both_origins() {
    fn make(_: &AdapterContext) -> Result<Box<dyn NetworkInterface>, AdapterError> {
        Err(AdapterError::Network(NetworkError::NotConnected))
    }
    let a = AdapterDescriptor::network("dup", "one", make);
    let b = AdapterDescriptor::network("dup", "two", make);
    let err = Registry::from_descriptors([&a, &b]).unwrap_err();
    assert!(matches!(err, RegistryError::Duplicate { ref name, .. } if name == "dup"));
    // The same name under another kind is fine.
    let t = AdapterDescriptor::authenticator("dup", "auth", |_| {
        Err(AdapterError::Network(NetworkError::NotConnected))
    });
    assert!(Registry::from_descriptors([&a, &t]).is_ok());
    let mut reg = Registry::from_descriptors([&a]).unwrap();
    let err = reg
        .register::<dyn NetworkInterface>(
            "dup",
            "plugin",
            Origin::Plugin {
                path: "/plugins/libdup.so".into(),
                version: "1.0".into(),
            },
            Arc::new(make),
        )
        .unwrap_err();
    assert!(err
        .to_string()
        .contains("built-in and plugin /plugins/libdup.so"));
}

#[test]
fn connected_send_is_acknowledged_without_touching_the_outbox() {
    let mut r = rig("cloud", true);
    let receipt = r.sdk.send_message("hello", &["t1", "t2"]).unwrap();
    assert_eq!(
        receipt.delivery(),
        &Delivery::Acknowledged {
            code: ResultCode::Sent
        }
    );
    assert_eq!(receipt.sequence(), 1);
    assert_eq!(sent(&r), ["hello|t1,t2"]);
    assert_eq!(r.sdk.pending(), 0);
}

#[test]
fn invalid_topics_are_refused_before_anything_is_sent() {
    let mut r = rig("cloud", true);
    assert!(matches!(
        r.sdk.send_message("x", &["bad topic"]),
        Err(Error::Topic(_))
    ));
    assert!(sent(&r).is_empty());
}

#[test]
fn messages_buffered_while_down_are_flushed_in_order_on_connect() {
    let mut r = rig("cloud", false);
    for i in 0..5 {
        let receipt = r
            .sdk
            .send_message(&format!("m{i}"), &[] as &[&str])
            .unwrap();
        assert!(receipt.is_queued());
    }
    assert_eq!(r.sdk.pending(), 5);
    assert!(sent(&r).is_empty());
    assert_eq!(
        r.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| *e == "message.buffered")
            .count(),
        5
    );
    let receipts = r.sdk.connect().unwrap();
    assert_eq!(receipts.len(), 5);
    assert!(receipts.iter().all(|r| r.is_delivered()));
    assert_eq!(sent(&r), ["m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(r.sdk.pending(), 0);
    // A second connect sends nothing again.
    r.sdk.disconnect().unwrap();
    r.sdk.connect().unwrap();
    assert_eq!(sent(&r).len(), 5);
}

#[test]
fn a_link_coming_up_by_itself_flushes_before_the_next_message() {
    let mut r = rig("cloud", false);
    r.sdk.send_message("old", &[] as &[&str]).unwrap();
    // The adapter reconnects on its own (e.g. Wi-Fi roaming back).
    r.sdk.network_mut().unwrap().connect().unwrap();
    let receipt = r.sdk.send_message("new", &[] as &[&str]).unwrap();
    assert!(receipt.is_delivered());
    assert_eq!(sent(&r), ["old", "new"]);
    let older = r.sdk.take_flushed_receipts();
    assert_eq!(older.len(), 1);
    assert!(older[0].is_delivered() && older[0].sequence() < receipt.sequence());
    assert!(r.sdk.take_flushed_receipts().is_empty());
}

#[test]
fn transport_failure_keeps_the_message_and_the_next_flush_sends_it() {
    let mut r = rig("cloud", true);
    r.wire
        .script
        .lock()
        .unwrap()
        .push_back(Err(TransportError::Refused {
            endpoint: "x:1".into(),
        }));
    let receipt = r.sdk.send_message("keep me", &[] as &[&str]).unwrap();
    assert!(matches!(
        receipt.delivery(),
        Delivery::Queued {
            reason: Some(TransportError::Refused { .. })
        }
    ));
    assert_eq!(r.sdk.pending(), 1);
    let receipts = r.sdk.flush().unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].sequence(), receipt.sequence());
    assert_eq!(sent(&r), ["keep me"]);
}

#[test]
fn cloud_internal_error_keeps_the_message_and_final_codes_do_not() {
    let mut r = rig("cloud", true);
    let reply = |c: i64| {
        Ok(Reply {
            bytes: format!("[{c},0]").into_bytes(),
            code: Some(ResultCode::from_code(c)),
        })
    };
    r.wire.script.lock().unwrap().extend([reply(6), reply(3)]);
    assert!(r.sdk.send_message("a", &[] as &[&str]).unwrap().is_queued());
    let receipts = r.sdk.flush().unwrap();
    assert_eq!(
        receipts[0].delivery(),
        &Delivery::Refused {
            code: ResultCode::BadAuth
        }
    );
    assert_eq!(r.sdk.pending(), 0);
    assert!(r
        .log
        .lock()
        .unwrap()
        .contains(&"message.refused".to_owned()));
}

#[test]
fn a_missing_setting_is_reported_not_hidden_in_the_outbox() {
    let mut r = rig("raw", true);
    r.wire
        .script
        .lock()
        .unwrap()
        .push_back(Err(TransportError::MissingEndpoint { missing: "host" }));
    let err = r.sdk.send_message("x", &[] as &[&str]).unwrap_err();
    assert_eq!(err.to_string(), "the transport's host is not set");
    assert_eq!(r.sdk.pending(), 0);
}

#[test]
fn raw_returns_reply_bytes_and_refuses_sms() {
    let mut r = rig("raw", true);
    r.sdk.transport_mut().set_host("127.0.0.1");
    r.sdk.transport_mut().set_port(9999);
    assert_eq!(
        r.sdk.transport().endpoint(),
        &Endpoint::new("127.0.0.1", 9999)
    );
    let receipt = r.sdk.send_message("x", &[] as &[&str]).unwrap();
    assert_eq!(receipt.reply(), Some(&b"[0,0]"[..]));
    let err = r.sdk.send_sms("+11234567890", "hi").unwrap_err();
    assert_eq!(
        err.to_string(),
        "SMS is not supported with the raw transport"
    );
}

#[test]
fn sms_is_validated_then_sent_through_cloud() {
    let mut r = rig("cloud", true);
    assert!(matches!(
        r.sdk.send_sms("11234567890", "hi"),
        Err(Error::Sms(_))
    ));
    let receipt = r.sdk.send_sms("+11234567890", "hey there!").unwrap();
    assert!(receipt.is_delivered());
    assert_eq!(sent(&r), ["S+11234567890 hey there!"]);
}

#[test]
fn missing_credentials_are_a_typed_error_naming_the_field() {
    let up = Arc::new(Mutex::new(true));
    let mut sdk = Hologram::builder()
        .registry(registry(&up, &Wire::default()))
        .authentication("plain")
        .build()
        .unwrap();
    let err = sdk.send_message("x", &[] as &[&str]).unwrap_err();
    assert_eq!(err.to_string(), "devicekey is required but was not set");
}

#[test]
fn sequence_numbers_grow_across_sends_and_sdk_version_is_set() {
    let mut r = rig("cloud", true);
    let a = r.sdk.send_message("a", &[] as &[&str]).unwrap().sequence();
    let b = r.sdk.send_message("b", &[] as &[&str]).unwrap().sequence();
    assert!(b > a);
    assert_eq!(Hologram::sdk_version(), env!("CARGO_PKG_VERSION"));
    *r.up.lock().unwrap() = false;
    assert!(r.sdk.send_message("c", &[] as &[&str]).unwrap().is_queued());
}

#[test]
fn debug_output_shows_no_secret() {
    let mut creds = Credentials::new("abcd", "SeCr").unwrap();
    creds.set_private_key("PRIVATE").unwrap();
    let r = rig("cloud", true);
    let mut sdk = r.sdk;
    *sdk.credentials_mut() = creds;
    let dbg = format!("{sdk:?}");
    assert!(!dbg.contains("SeCr") && !dbg.contains("PRIVATE"), "{dbg}");
}

#[test]
fn totp_messages_are_each_their_own_payload_and_receipt_in_every_path() {
    use hologram_auth::FixedClock;
    let clock = FixedClock::new(1_700_000_000);
    for ordered in [true, false] {
        let up = Arc::new(Mutex::new(false));
        let wire = Wire::default();
        let mut sdk = totp_sdk(&up, &wire, &clock)
            .ordered_delivery(ordered)
            .build()
            .unwrap();
        // Flush: three queued messages, three payloads, three receipts.
        for m in ["one", "two", "three"] {
            assert!(sdk.send_message(m, &["t1"]).unwrap().is_queued());
        }
        let receipts = sdk.connect().unwrap();
        assert_eq!(receipts.len(), 3, "ordered: {ordered}");
        assert!(receipts.iter().all(|r| r.is_delivered()));
        // Send, in the same window: no wait, one payload each.
        for m in ["four", "five"] {
            assert!(sdk.send_message(m, &["t1"]).unwrap().is_delivered());
        }
        // send_all: one receipt per message.
        let batch: Vec<Message> = ["six", "seven", "eight"]
            .into_iter()
            .map(|m| Message::new(m).with_topics(vec![hologram::Topic::new("t1").unwrap()]))
            .collect();
        let receipts = sdk.send_all(&batch).unwrap();
        assert_eq!(receipts.len(), 3);
        assert!(receipts.iter().all(|r| r.is_delivered()));

        let sent = sent_payloads(&wire);
        assert_eq!(sent.len(), 8, "one payload per message: {sent:?}");
        // The scripted transport sends a batch in order.
        let data = [
            "one", "two", "three", "four", "five", "six", "seven", "eight",
        ];
        for (payload, data) in sent.iter().zip(data) {
            // The window's password is the same for all: one per window,
            // reused, as the Python SDK does.
            assert!(payload.starts_with("C123456 1700000000 "), "{payload:?}");
            assert!(
                payload.ends_with(&format!("Tt1\0B{data}\0\0")),
                "{payload:?}"
            );
        }
    }
}

fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        initial_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(2),
    }
}

#[test]
fn transport_failures_and_code_6_are_retried_then_delivered() {
    let up = Arc::new(Mutex::new(true));
    let wire = Wire::default();
    let mut sdk = plain_sdk(&up, &wire)
        .retry(quick_retries(3))
        .build()
        .unwrap();
    wire.script.lock().unwrap().extend([
        Err(TransportError::Refused {
            endpoint: "x:1".into(),
        }),
        Ok(Reply {
            bytes: b"[6,0]".to_vec(),
            code: Some(ResultCode::CloudInternal),
        }),
    ]);
    let receipt = sdk
        .send_message("third time lucky", &[] as &[&str])
        .unwrap();
    assert!(receipt.is_delivered(), "{receipt}");
    assert_eq!(sdk.last_acknowledged(), Some(receipt.sequence()));
    assert!(
        wire.script.lock().unwrap().is_empty(),
        "both failures consumed"
    );
}

#[test]
fn final_codes_are_not_retried_and_exhausted_retries_keep_the_message() {
    let up = Arc::new(Mutex::new(true));
    let wire = Wire::default();
    let mut sdk = plain_sdk(&up, &wire)
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let code = |c: i64| {
        Ok(Reply {
            bytes: format!("[{c},0]").into_bytes(),
            code: Some(ResultCode::from_code(c)),
        })
    };
    wire.script
        .lock()
        .unwrap()
        .extend([code(8), code(6), code(6), code(6), code(6)]);
    let refused = sdk.send_message("bad", &[] as &[&str]).unwrap();
    assert_eq!(refused.result_code(), Some(ResultCode::BadTopic));
    assert_eq!(sdk.last_acknowledged(), None);
    let kept = sdk.send_message("cloud trouble", &[] as &[&str]).unwrap();
    assert!(kept.is_queued());
    assert_eq!(sdk.pending(), 1);
    // Two more 6s: the flush's two attempts fail too; it stays queued.
    let receipts = sdk.flush().unwrap();
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].is_queued());
    // The cloud recovers.
    let receipts = sdk.flush().unwrap();
    assert!(receipts[0].is_delivered());
    assert_eq!(sdk.pending(), 0);
    assert_eq!(sdk.last_acknowledged(), Some(kept.sequence()));
}

#[test]
fn a_durable_outbox_survives_a_restart_and_is_flushed_once() {
    let dir = tempfile::tempdir().unwrap();
    let up = Arc::new(Mutex::new(false));
    let wire = Wire::default();
    let build = || {
        plain_sdk(&up, &wire)
            .retry(RetryPolicy::NONE)
            .outbox_dir(dir.path())
            .build()
            .unwrap()
    };
    let mut sdk = build();
    let first = sdk.send_message("before the crash", &["t"]).unwrap();
    assert!(first.is_queued());
    sdk.send_message("second", &[] as &[&str]).unwrap();
    drop(sdk);

    *up.lock().unwrap() = true;
    let mut sdk = build();
    assert_eq!(sdk.pending(), 2);
    let next = sdk
        .send_message("after the restart", &[] as &[&str])
        .unwrap();
    assert!(
        next.sequence() > first.sequence() + 1,
        "numbers survive restarts"
    );
    assert_eq!(
        sent_payloads(&wire),
        ["before the crash|t", "second", "after the restart"]
    );
    assert_eq!(sdk.pending(), 0);
    assert_eq!(sdk.last_acknowledged(), Some(next.sequence()));
    drop(sdk);

    let mut sdk = build();
    assert_eq!(sdk.pending(), 0);
    sdk.reconnect().unwrap();
    assert_eq!(sent_payloads(&wire).len(), 3, "nothing sent twice");
    assert_eq!(sdk.last_acknowledged(), Some(next.sequence()));
}

fn sent_payloads(wire: &Wire) -> Vec<String> {
    wire.sent
        .lock()
        .unwrap()
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

#[test]
fn a_full_outbox_refuses_or_drops_the_oldest_and_says_so() {
    use hologram_outbox::{FileOutbox, FullPolicy};
    let dir = tempfile::tempdir().unwrap();
    for policy in [FullPolicy::Refuse, FullPolicy::DropOldest] {
        let up = Arc::new(Mutex::new(false));
        let wire = Wire::default();
        let sub = dir.path().join(format!("{policy:?}"));
        let outbox = FileOutbox::builder(&sub)
            .max_messages(2)
            .when_full(policy)
            .open()
            .unwrap();
        let mut sdk = plain_sdk(&up, &wire)
            .outbox(Box::new(outbox))
            .build()
            .unwrap();
        let dropped = Arc::new(Mutex::new(0));
        let d = dropped.clone();
        sdk.events()
            .subscribe("message.dropped", move |_| *d.lock().unwrap() += 1);
        sdk.send_message("a", &[] as &[&str]).unwrap();
        sdk.send_message("b", &[] as &[&str]).unwrap();
        let third = sdk.send_message("c", &[] as &[&str]);
        *up.lock().unwrap() = true;
        match policy {
            FullPolicy::Refuse => {
                assert!(matches!(third, Err(Error::Outbox(_))), "{third:?}");
                assert_eq!(*dropped.lock().unwrap(), 0);
                sdk.flush().unwrap();
                assert_eq!(sent_payloads(&wire), ["a", "b"]);
            }
            _ => {
                assert!(third.unwrap().is_queued());
                assert_eq!(*dropped.lock().unwrap(), 1, "the drop is reported");
                sdk.flush().unwrap();
                assert_eq!(sent_payloads(&wire), ["b", "c"]);
            }
        }
    }
}

/// Log lines of the current test's thread, in the Python shape.
fn captured_logs() -> Vec<String> {
    use std::sync::Once;
    use std::thread::ThreadId;
    static LINES: Mutex<Vec<(ThreadId, String)>> = Mutex::new(Vec::new());
    struct Capture;
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            let line =
                hologram::logging::format_line(record.level(), record.target(), record.args());
            LINES
                .lock()
                .unwrap()
                .push((std::thread::current().id(), line));
        }
        fn flush(&self) {}
    }
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Info);
    });
    let me = std::thread::current().id();
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| *t == me)
        .map(|(_, l)| l.clone())
        .collect()
}

#[test]
fn each_flushed_message_logs_the_python_line() {
    captured_logs();
    let mut r = rig("raw", false);
    r.sdk.send_message("a", &[] as &[&str]).unwrap();
    r.sdk.send_message("b", &[] as &[&str]).unwrap();
    r.sdk.connect().unwrap();
    let line =
        "INFO:Raw:A buffered message has been sent since an active connection is established";
    let logs = captured_logs();
    assert_eq!(logs.iter().filter(|l| *l == line).count(), 2, "{logs:#?}");
}

#[test]
fn flushes_are_in_order_by_default_even_on_a_concurrent_transport() {
    let mut r = rig("reversing", false);
    for m in ["m0", "m1", "m2"] {
        assert!(r.sdk.send_message(m, &[] as &[&str]).unwrap().is_queued());
    }
    let receipts = r.sdk.connect().unwrap();
    assert!(receipts.iter().all(|r| r.is_delivered()));
    assert_eq!(sent(&r), ["m0", "m1", "m2"]);

    // Opting out hands the transport the whole chunk.
    let up = Arc::new(Mutex::new(false));
    let wire = Wire::default();
    let mut sdk = Hologram::builder()
        .credentials(Credentials::with_devicekey("12345678").unwrap())
        .registry(registry(&up, &wire))
        .network("link")
        .transport("reversing")
        .authentication("plain")
        .ordered_delivery(false)
        .build()
        .unwrap();
    for m in ["m0", "m1", "m2"] {
        sdk.send_message(m, &[] as &[&str]).unwrap();
    }
    assert_eq!(sdk.connect().unwrap().len(), 3);
    // The oldest goes alone first (a dead cloud costs one attempt), then the
    // rest as one batch, which this transport sends last first.
    assert_eq!(sent_payloads(&wire), ["m0", "m2", "m1"]);
}

#[test]
fn an_ordered_flush_makes_as_many_attempts_as_the_policy_says() {
    let up = Arc::new(Mutex::new(false));
    let wire = Wire::default();
    let mut sdk = plain_sdk(&up, &wire)
        .retry(quick_retries(3))
        .ordered_delivery(true)
        .build()
        .unwrap();
    assert!(sdk.send_message("x", &[] as &[&str]).unwrap().is_queued());
    let six = || {
        Ok(Reply {
            bytes: b"[6,0]".to_vec(),
            code: Some(ResultCode::CloudInternal),
        })
    };
    wire.script.lock().unwrap().extend((0..5).map(|_| six()));
    let receipts = sdk.connect().unwrap();
    assert!(receipts[0].is_queued(), "{}", receipts[0]);
    assert_eq!(
        wire.script.lock().unwrap().len(),
        2,
        "3 attempts of 5 answers"
    );
}

#[test]
fn a_totp_message_that_cannot_be_encoded_is_refused_before_it_is_queued() {
    use hologram_auth::FixedClock;
    let up = Arc::new(Mutex::new(false));
    let wire = Wire::default();
    let clock = FixedClock::new(1_700_000_000);
    let mut sdk = totp_sdk(&up, &wire, &clock).build().unwrap();
    // Every message is encoded once when accepted, TOTP too (it is encoded
    // again, with the time of sending, when it goes out).
    sdk.send_message("one", &["t1"]).unwrap();
    let err = sdk.send_message("bad\0data", &["t2"]).unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::Unframeable { .. })),
        "{err}"
    );
    sdk.send_message("two", &["t1"]).unwrap();
    assert_eq!(sdk.pending(), 2);
    clock.advance(31);
    let receipts = sdk.connect().unwrap();
    assert_eq!(receipts.len(), 2);
    assert!(receipts.iter().all(|r| r.is_delivered()));
    let sent = sent_payloads(&wire);
    assert!(
        sent.iter().all(|p| p.starts_with("C123456 1700000031 ")),
        "encoded again when sent: {sent:?}"
    );
    assert_eq!(sdk.pending(), 0);
}

#[test]
fn a_message_refused_at_encoding_leaves_no_copy_in_a_durable_outbox() {
    use hologram_auth::FixedClock;
    let dir = tempfile::tempdir().unwrap();
    let up = Arc::new(Mutex::new(true));
    let wire = Wire::default();
    let mut sdk = totp_sdk(&up, &wire, &FixedClock::new(1_700_000_000))
        .outbox_dir(dir.path())
        .build()
        .unwrap();
    let err = sdk.send_message("bad\0data", &["t"]).unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::Unframeable { .. })),
        "{err}"
    );
    assert_eq!(sdk.pending(), 0);
}

#[test]
fn last_acknowledged_skips_refusals_with_a_durable_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let up = Arc::new(Mutex::new(true));
    let wire = Wire::default();
    let mut sdk = plain_sdk(&up, &wire)
        .outbox_dir(dir.path())
        .build()
        .unwrap();
    let ok = sdk.send_message("fine", &[] as &[&str]).unwrap();
    assert!(ok.is_delivered());
    wire.script.lock().unwrap().push_back(Ok(Reply {
        bytes: b"[3,0]".to_vec(),
        code: Some(ResultCode::BadAuth),
    }));
    let refused = sdk.send_message("refused", &[] as &[&str]).unwrap();
    assert_eq!(refused.result_code(), Some(ResultCode::BadAuth));
    assert_eq!(sdk.last_acknowledged(), Some(ok.sequence()));
}

#[test]
fn an_unencodable_queued_message_is_dropped_by_either_kind_of_flush() {
    use hologram::{MemoryOutbox, Outbox};
    for ordered in [true, false] {
        // Queued by an earlier run (a durable outbox), with another framing.
        let mut outbox = MemoryOutbox::default();
        for (seq, data) in [(1, "a"), (2, "bad\0"), (3, "b")] {
            outbox.push(seq, &Message::new(data)).unwrap();
        }
        let up = Arc::new(Mutex::new(false));
        let wire = Wire::default();
        let mut sdk = plain_sdk(&up, &wire)
            .outbox(Box::new(outbox))
            .ordered_delivery(ordered)
            .build()
            .unwrap();
        let dropped = Arc::new(Mutex::new(0));
        let d = dropped.clone();
        sdk.events()
            .subscribe("message.dropped", move |_| *d.lock().unwrap() += 1);
        let receipts = sdk.connect().unwrap();
        let delivered: Vec<u64> = receipts.iter().map(|r| r.sequence()).collect();
        assert_eq!(delivered, [1, 3], "ordered: {ordered}");
        assert_eq!(sent_payloads(&wire), ["a", "b"], "ordered: {ordered}");
        assert_eq!(sdk.pending(), 0);
        assert_eq!(*dropped.lock().unwrap(), 1);
    }
}

#[test]
fn send_all_accepts_the_whole_batch_before_sending_and_returns_a_receipt_each() {
    let up = Arc::new(Mutex::new(true));
    let wire = Wire::default();
    let mut sdk = plain_sdk(&up, &wire).build().unwrap();
    let msgs: Vec<Message> = ["a", "b", "c"].into_iter().map(Message::new).collect();
    let receipts = sdk.send_all(&msgs).unwrap();
    assert_eq!(receipts.len(), 3);
    assert!(receipts.iter().all(|r| r.is_delivered()));
    let seqs: Vec<u64> = receipts.iter().map(|r| r.sequence()).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(sent_payloads(&wire), ["a", "b", "c"]);
    assert_eq!(sdk.pending(), 0);

    // Down: all are queued, none is sent.
    *up.lock().unwrap() = false;
    let receipts = sdk.send_all(&msgs).unwrap();
    assert!(receipts.iter().all(|r| r.is_queued()));
    assert_eq!(sdk.pending(), 3);
    // A message that cannot be encoded refuses the batch: nothing accepted.
    let bad = [Message::new("fine"), Message::new("bad\0")];
    assert!(matches!(sdk.send_all(&bad), Err(Error::Auth(_))));
    assert_eq!(sdk.pending(), 3);
}

#[test]
fn send_all_keeps_the_whole_batch_in_a_durable_outbox_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let up = Arc::new(Mutex::new(false));
    let wire = Wire::default();
    let build = || {
        plain_sdk(&up, &wire)
            .outbox_dir(dir.path())
            .build()
            .unwrap()
    };
    let mut sdk = build();
    let msgs: Vec<Message> = ["a", "b", "c"].into_iter().map(Message::new).collect();
    let receipts = sdk.send_all(&msgs).unwrap();
    assert!(receipts.iter().all(|r| r.is_queued()));
    drop(sdk);

    *up.lock().unwrap() = true;
    let mut sdk = build();
    assert_eq!(sdk.pending(), 3);
    let receipts = sdk.flush().unwrap();
    assert_eq!(receipts.len(), 3);
    assert_eq!(sent_payloads(&wire), ["a", "b", "c"], "all, once, in order");
}
