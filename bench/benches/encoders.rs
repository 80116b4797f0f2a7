//! Micro-benchmarks of the wire encoders, through the public API of
//! `hologram-auth`: `csrpsk` messages in each form and size, SMS, `totp`
//! (HMAC-SHA1 included) and the HOTP function alone, plus building the
//! `Message` the SDK's `send_message` builds for every call.
//!
//! `cargo bench -p hologram-bench --bench encoders`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hologram_auth::{hotp, Csrpsk, CsrpskForm, FixedClock, Totp, DEFAULT_TIME_WINDOW};
use hologram_ports::{Authenticator, Credentials, Message, Sms};

fn csrpsk_messages(c: &mut Criterion) {
    let creds = Credentials::with_devicekey("12345678").expect("valid key");
    let both = Credentials::new("1234", "5678").expect("valid pair");
    let kib = "x".repeat(1024);
    let cases: Vec<(&str, Message)> = vec![
        ("no topic", Message::new("hello")),
        (
            "one topic",
            Message::with_topic_strs("hello", &["sensor/temp"]).expect("valid"),
        ),
        (
            "two topics",
            Message::with_topic_strs("hello", &["t1", "t2"]).expect("valid"),
        ),
        (
            "escapes",
            Message::with_topic_strs("quote \" backslash \\ newline \n tab \t", &["a-b_c"])
                .expect("valid"),
        ),
        (
            "unicode",
            Message::with_topic_strs("unicode: éè ☃ 😀", &["x"]).expect("valid"),
        ),
        ("1 KiB data", Message::new(kib.as_str())),
    ];
    let mut group = c.benchmark_group("csrpsk/encode_message");
    let mut out = Vec::with_capacity(2048);
    for (name, msg) in &cases {
        group.throughput(Throughput::Bytes(msg.data().len() as u64));
        let mut auth = Csrpsk::new();
        group.bench_with_input(BenchmarkId::new("compact", name), msg, |b, msg| {
            b.iter(|| {
                out.clear();
                auth.encode_message(black_box(&creds), black_box(msg), &mut out)
                    .expect("encodes");
                black_box(out.len())
            })
        });
    }
    let msg = &cases[2].1;
    for (form, creds) in [(CsrpskForm::Full, &creds), (CsrpskForm::Seed, &both)] {
        let mut auth = Csrpsk::new().with_form(form);
        group.bench_with_input(
            BenchmarkId::new(form.as_str(), "two topics"),
            msg,
            |b, msg| {
                b.iter(|| {
                    out.clear();
                    auth.encode_message(black_box(creds), black_box(msg), &mut out)
                        .expect("encodes");
                    black_box(out.len())
                })
            },
        );
    }
    // A fresh buffer each time: what a caller without a reused buffer pays.
    let mut auth = Csrpsk::new();
    group.bench_with_input(
        BenchmarkId::new("compact, new Vec", "two topics"),
        msg,
        |b, msg| {
            b.iter(|| {
                let mut out = Vec::new();
                auth.encode_message(black_box(&creds), black_box(msg), &mut out)
                    .expect("encodes");
                out
            })
        },
    );
    group.finish();
}

fn csrpsk_sms(c: &mut Criterion) {
    let creds = Credentials::with_devicekey("12345678").expect("valid key");
    let sms = Sms::new("+11234567890", "hey there!").expect("valid SMS");
    let mut auth = Csrpsk::new();
    let mut out = Vec::with_capacity(256);
    c.bench_function("csrpsk/encode_sms", |b| {
        b.iter(|| {
            out.clear();
            auth.encode_sms(black_box(&creds), black_box(&sms), &mut out)
                .expect("encodes");
            black_box(out.len())
        })
    });
}

fn totp(c: &mut Criterion) {
    let creds = Credentials::totp("89014103211118510720", "310150123456789").expect("valid");
    let msg = Message::with_topic_strs("hello", &["t1", "t2"]).expect("valid");
    let clock = FixedClock::new(1_700_000_000);
    let mut auth = Totp::with_clock(Box::new(clock.clone()));
    let mut out = Vec::with_capacity(256);
    // One password per window: the clock moves one window per iteration.
    c.bench_function("totp/encode_message", |b| {
        b.iter(|| {
            clock.advance(DEFAULT_TIME_WINDOW);
            out.clear();
            auth.encode_message(black_box(&creds), black_box(&msg), &mut out)
                .expect("encodes");
            black_box(out.len())
        })
    });
    let mut counter = 0u64;
    c.bench_function("totp/hotp", |b| {
        b.iter(|| {
            counter += 1;
            hotp(black_box(b"310150123456789"), black_box(counter))
        })
    });
}

fn message(c: &mut Criterion) {
    c.bench_function(
        "message/with_topic_strs (send_message builds one per call)",
        |b| b.iter(|| Message::with_topic_strs(black_box("hello"), black_box(&["t1", "t2"]))),
    );
}

criterion_group!(benches, csrpsk_messages, csrpsk_sms, totp, message);
criterion_main!(benches);
