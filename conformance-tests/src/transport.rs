//! The [`Transport`] rules.
//!
//! Each check builds fresh adapters with a factory
//! `Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>`:
//! the sink is a new [`RecordingSink`], the endpoint a [`LoopbackServer`]
//! of the kit, and the timeouts are short ([`KitTimeouts::FAST`]) so the
//! timeout rules run fast; the factory maps them to the adapter's own
//! settings. Every call into the transport runs in a thread the kit waits
//! on for a bounded time, so a transport that hangs fails instead of
//! hanging the test.
//!
//! The checks branch on [`TransportCapabilities::result_codes`]: a transport
//! that parses cloud result codes is answered `[c,0]` and checked on
//! [`Reply::code`]; any other is checked on the raw reply bytes.
//!
//! # The rules
//!
//! [`RULES`] lists them (`docs/conformance.md` shows the table); each has a
//! `check_transport_*` function.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use hologram_ports::{
    Endpoint, EventSink, Reply, ResultCode, Transport, TransportCapabilities, TransportError,
    TransportPhase,
};

use crate::report::{__conclude, fail, guard, panic_text, Outcome, Report};
use crate::rules::{find, outcome_of};
use crate::server::{Behaviour, LoopbackServer, StalledListener};
use crate::sink::RecordingSink;
use crate::vectors::wire_vectors;

/// The timeouts the kit asks a transport under test to use.
///
/// ```
/// use hologram_conformance::KitTimeouts;
/// assert_eq!(KitTimeouts::default(), KitTimeouts::FAST);
/// assert_eq!(KitTimeouts::FAST.read.as_millis(), 300);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KitTimeouts {
    /// Limit for connecting.
    pub connect: Duration,
    /// Limit for writing the payload (no progress for this long).
    pub write: Duration,
    /// Limit for reading the reply (no byte for this long).
    pub read: Duration,
}

impl KitTimeouts {
    /// 300 ms for each step: what the checks ask for.
    pub const FAST: KitTimeouts = KitTimeouts {
        connect: Duration::from_millis(300),
        write: Duration::from_millis(300),
        read: Duration::from_millis(300),
    };

    fn total(&self) -> Duration {
        self.connect + self.write + self.read
    }
}

impl Default for KitTimeouts {
    fn default() -> Self {
        KitTimeouts::FAST
    }
}

crate::__transport_rules!(__rule_table!(TransportCheck));

/// A transport factory, as the checks take it.
pub type MakeTransport<'a> =
    dyn Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport> + 'a;

/// The signature of a transport rule's check in [`RULES`].
pub type TransportCheck = fn(&MakeTransport<'_>) -> Outcome;

/// Slack on top of the timeouts before a call counts as hung.
const GENEROUS: Duration = Duration::from_secs(10);
/// Batch size of [`check_transport_batch_order`].
const BATCH: usize = 50;
/// Payload of [`check_transport_write_timeout`]: far more than loopback buffers hold.
const STALL_PAYLOAD: usize = 32 << 20;

type Tx = Box<dyn Transport>;
type Sent = Result<Reply, TransportError>;

fn build(make: &MakeTransport<'_>, endpoint: Endpoint) -> (Tx, Arc<RecordingSink>) {
    let sink = RecordingSink::new();
    let t = make(sink.clone(), endpoint, KitTimeouts::FAST);
    (t, sink)
}

fn capabilities(make: &MakeTransport<'_>) -> TransportCapabilities {
    build(make, LoopbackServer::refused_endpoint())
        .0
        .capabilities()
}

/// The answer a peer gives to a good payload.
fn ok_answer(caps: TransportCapabilities) -> &'static [u8] {
    if caps.result_codes {
        b"[0,0]"
    } else {
        b"kit-ok"
    }
}

/// Runs `f` in a thread; fails the rule if it panics or takes longer than `limit`.
fn bounded<T: Send + 'static>(
    rule: &str,
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let start = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(f)).map_err(|p| panic_text(p.as_ref()));
        let _ = tx.send((r, start.elapsed()));
    });
    match rx.recv_timeout(limit) {
        Ok((Ok(v), elapsed)) => (v, elapsed),
        Ok((Err(text), _)) => fail(
            rule,
            format_args!("{what} to return"),
            format_args!("a panic: {text}"),
        ),
        Err(_) => fail(
            rule,
            format_args!(
                "{what} to return within {limit:?} (timeouts {:?} each)",
                KitTimeouts::FAST.read
            ),
            "no return: it ignores its timeouts",
        ),
    }
}

fn send(rule: &str, t: Tx, payload: Vec<u8>, limit: Duration) -> (Tx, Sent, Duration) {
    let ((t, r), elapsed) = bounded(rule, "send()", limit, move || {
        let mut t = t;
        let r = t.send(&payload);
        (t, r)
    });
    (t, r, elapsed)
}

fn hex(b: Option<&u8>) -> String {
    b.map_or("nothing".to_owned(), |b| format!("0x{b:02x}"))
}

/// Fails unless `got == want`, naming the first difference.
#[track_caller]
fn expect_bytes(rule: &str, what: &str, want: &[u8], got: &[u8]) {
    if want == got {
        return;
    }
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    fail(
        rule,
        format_args!("{what}: {} bytes", want.len()),
        format_args!(
            "{} bytes, first difference at byte {at} (expected {}, got {})",
            got.len(),
            hex(want.get(at)),
            hex(got.get(at))
        ),
    );
}

#[track_caller]
fn expect_ok(rule: &str, what: &str, r: Sent) -> Reply {
    r.unwrap_or_else(|e| {
        fail(
            rule,
            format_args!("{what} to succeed"),
            format_args!("Err({e:?})"),
        )
    })
}

/// Deterministic pseudo-random bytes (xorshift), so a payload exercises every byte value.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// `transport.delivers_exact_bytes`: the peer receives exactly the bytes given (text, every byte value, 256 KiB), on one connection.
pub fn check_transport_delivers_exact_bytes<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    delivers_exact_bytes(&make)
}

fn delivers_exact_bytes(make: &MakeTransport<'_>) -> Outcome {
    let rule = DELIVERS_EXACT_BYTES;
    guard(rule, || {
        let caps = capabilities(make);
        let every_byte: Vec<u8> = (0..4).flat_map(|_| 0..=255u8).collect();
        for payload in [b"kit-exact".to_vec(), every_byte, noise(256 * 1024)] {
            let answer = ok_answer(caps);
            let server =
                LoopbackServer::start(Behaviour::answer(payload.len(), move |_| answer.to_vec()));
            let (t, _) = build(make, server.endpoint());
            let limit = KitTimeouts::FAST.total() + GENEROUS;
            let (_t, r, _) = send(rule, t, payload.clone(), limit);
            let got = server.wait_for_captures(1);
            if got.len() != 1 {
                fail(
                    rule,
                    "the payload on one connection",
                    format_args!("{} connections", got.len()),
                );
            }
            expect_bytes(rule, "the peer to receive the payload", &payload, &got[0]);
            expect_ok(rule, "send()", r);
        }
        Outcome::Passed
    })
}

/// `transport.returns_reply`: the bytes the peer answered come back in `Reply::bytes`, and for result-code transports each `[c,0]` in `Reply::code`.
pub fn check_transport_returns_reply<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    returns_reply(&make)
}

fn returns_reply(make: &MakeTransport<'_>) -> Outcome {
    let rule = RETURNS_REPLY;
    guard(rule, || {
        let caps = capabilities(make);
        let cases: Vec<(Vec<u8>, Option<ResultCode>)> = if caps.result_codes {
            wire_vectors()
                .response_codes
                .iter()
                .map(|v| {
                    (
                        v.reply.as_bytes().to_vec(),
                        Some(ResultCode::from_code(v.code)),
                    )
                })
                .chain([(b"[42,0]".to_vec(), Some(ResultCode::Unknown(42)))])
                // Both reply forms; a malformed answer is still an answer, without a code.
                .chain(
                    wire_vectors()
                        .reply_forms
                        .iter()
                        .filter(|v| !v.reply.is_empty())
                        .map(|v| {
                            (
                                v.reply.as_bytes().to_vec(),
                                v.code.map(ResultCode::from_code),
                            )
                        }),
                )
                .collect()
        } else {
            let mut reply: Vec<u8> = (0..2).flat_map(|_| 0..=255u8).collect();
            reply.extend_from_slice(b"kit-end");
            vec![(reply, None)]
        };
        let payload = b"kit-reply".to_vec();
        for (answer, code) in cases {
            let a = answer.clone();
            let server =
                LoopbackServer::start(Behaviour::answer(payload.len(), move |_| a.clone()));
            let (t, _) = build(make, server.endpoint());
            let (_t, r, _) = send(
                rule,
                t,
                payload.clone(),
                KitTimeouts::FAST.total() + GENEROUS,
            );
            let reply = expect_ok(rule, "send() to a peer that answers", r);
            expect_bytes(
                rule,
                "Reply::bytes to hold the answer",
                &answer,
                &reply.bytes,
            );
            if reply.code != code {
                fail(
                    rule,
                    format_args!(
                        "Reply::code == {code:?} for the answer {:?}",
                        String::from_utf8_lossy(&answer)
                    ),
                    format_args!("{:?}", reply.code),
                );
            }
        }
        Outcome::Passed
    })
}

#[track_caller]
fn expect_not_early(rule: &str, elapsed: Duration, limit: Duration, what: &str) {
    if elapsed < limit / 2 {
        fail(
            rule,
            format_args!("the {what} timeout to fire after {limit:?}"),
            format_args!("a timeout after {elapsed:?}"),
        );
    }
}

/// `transport.read_timeout`: a peer that never answers ends in `Timeout { phase: Read }` after the read timeout (a raw transport may instead return the empty reply read so far).
pub fn check_transport_read_timeout<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    read_timeout(&make)
}

fn read_timeout(make: &MakeTransport<'_>) -> Outcome {
    let rule = READ_TIMEOUT;
    guard(rule, || {
        let payload = b"kit-read-timeout".to_vec();
        let server = LoopbackServer::start(Behaviour::Silent {
            expect: payload.len(),
        });
        let (t, _) = build(make, server.endpoint());
        let caps = t.capabilities();
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let (_t, r, elapsed) = send(rule, t, payload, limit);
        match r {
            Err(TransportError::Timeout {
                phase: TransportPhase::Read,
                ..
            }) => {}
            Ok(reply) if !caps.result_codes && reply.bytes.is_empty() => {}
            other => fail(
                rule,
                "Err(Timeout { phase: Read, .. }) from a peer that never answers",
                format_args!("{other:?}"),
            ),
        }
        expect_not_early(rule, elapsed, KitTimeouts::FAST.read, "read");
        Outcome::Passed
    })
}

/// `transport.write_timeout`: a peer that never reads (its window fills) ends in `Timeout { phase: Write }`, not a hang.
pub fn check_transport_write_timeout<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    write_timeout(&make)
}

fn write_timeout(make: &MakeTransport<'_>) -> Outcome {
    let rule = WRITE_TIMEOUT;
    guard(rule, || {
        let server = LoopbackServer::start(Behaviour::NeverRead);
        let (t, _) = build(make, server.endpoint());
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let (_t, r, _) = send(rule, t, vec![b'w'; STALL_PAYLOAD], limit);
        match r {
            Err(TransportError::Timeout {
                phase: TransportPhase::Write,
                ..
            }) => Outcome::Passed,
            Err(TransportError::Timeout {
                phase: TransportPhase::Read,
                ..
            }) => Outcome::skipped(
                "the loopback buffers took the whole 32 MiB payload: a stalled write could not be provoked",
            ),
            Err(e @ TransportError::InvalidSetting { .. }) => fail(
                rule,
                "a 32 MiB payload to be sent (capabilities declare no payload limit) until the write times out",
                format_args!("it refused the payload: {e}"),
            ),
            other => fail(
                rule,
                "Err(Timeout { phase: Write, .. }) from a peer that never reads",
                format_args!("{:?}", other.map(|r| r.code)),
            ),
        }
    })
}

/// `transport.connect_timeout`: a peer that never accepts (full listen queue) ends in `Timeout { phase: Connect }` after the connect timeout.
pub fn check_transport_connect_timeout<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    connect_timeout(&make)
}

fn connect_timeout(make: &MakeTransport<'_>) -> Outcome {
    let rule = CONNECT_TIMEOUT;
    guard(rule, || {
        let Some(stalled) = StalledListener::new() else {
            return Outcome::skipped(
                "this system does not leave a connect to a full listen queue pending",
            );
        };
        let (t, _) = build(make, stalled.endpoint());
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let (_t, r, elapsed) = send(rule, t, b"kit-connect-timeout".to_vec(), limit);
        match r {
            Err(TransportError::Timeout {
                phase: TransportPhase::Connect,
                ..
            }) => {}
            other => fail(
                rule,
                "Err(Timeout { phase: Connect, .. }) from a peer that never accepts",
                format_args!("{other:?}"),
            ),
        }
        expect_not_early(rule, elapsed, KitTimeouts::FAST.connect, "connect");
        Outcome::Passed
    })
}

/// `transport.refused`: sending where nothing listens is `Err(TransportError::Refused)`.
pub fn check_transport_refused<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    refused(&make)
}

fn refused(make: &MakeTransport<'_>) -> Outcome {
    let rule = REFUSED;
    guard(rule, || {
        let (t, _) = build(make, LoopbackServer::refused_endpoint());
        let (_t, r, _) = send(rule, t, b"kit-refused".to_vec(), GENEROUS);
        match r {
            Err(TransportError::Refused { .. }) => Outcome::Passed,
            other => fail(
                rule,
                "Err(Refused { .. }) where nothing listens",
                format_args!("{other:?}"),
            ),
        }
    })
}

/// `transport.closed`: a peer closing without an answer gives `Err(NoReply)` (result codes: delivery not confirmed, never a code) or an empty reply (raw); a peer resetting gives `Err(Reset)`.
pub fn check_transport_closed<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    closed(&make)
}

fn closed(make: &MakeTransport<'_>) -> Outcome {
    let rule = CLOSED;
    guard(rule, || {
        let payload = b"kit-closed".to_vec();
        let limit = KitTimeouts::FAST.total() + GENEROUS;

        let server = LoopbackServer::start(Behaviour::CloseWithoutAnswer {
            expect: payload.len(),
        });
        let (t, _) = build(make, server.endpoint());
        let caps = t.capabilities();
        let (_t, r, _) = send(rule, t, payload.clone(), limit);
        match (&r, caps.result_codes) {
            (Err(TransportError::NoReply { .. }), true) => {}
            (_, true) => fail(
                rule,
                "Err(NoReply { .. }) from a peer that closes without answering",
                format_args!("{r:?}"),
            ),
            (Ok(reply), false) if reply.bytes.is_empty() && reply.code.is_none() => {}
            (_, false) => fail(
                rule,
                "Ok(an empty reply) from a peer that closes without answering",
                format_args!("{r:?}"),
            ),
        }

        let server = LoopbackServer::start(Behaviour::ResetAfterPayload {
            expect: payload.len(),
        });
        let (t, _) = build(make, server.endpoint());
        let (_t, r, _) = send(rule, t, payload, limit);
        match r {
            Err(TransportError::Reset { .. }) => {}
            Err(TransportError::NoReply { .. }) if caps.result_codes => {}
            other => fail(
                rule,
                "Err(Reset { .. }) from a peer that resets the connection",
                format_args!("{other:?}"),
            ),
        }
        Outcome::Passed
    })
}

/// `transport.missing_endpoint`: an unset host or port is `Err(MissingEndpoint)`, and setting it back makes sends work.
pub fn check_transport_missing_endpoint<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    missing_endpoint(&make)
}

fn missing_endpoint(make: &MakeTransport<'_>) -> Outcome {
    let rule = MISSING_ENDPOINT;
    guard(rule, || {
        let payload = b"kit-endpoint".to_vec();
        let caps = capabilities(make);
        let answer = ok_answer(caps);
        let server =
            LoopbackServer::start(Behaviour::answer(payload.len(), move |_| answer.to_vec()));
        let (mut t, _) = build(make, server.endpoint());
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let unset = [
            Endpoint::default(),
            Endpoint {
                host: Some("127.0.0.1".into()),
                port: None,
            },
            Endpoint {
                host: None,
                port: Some(server.addr().port()),
            },
        ];
        for endpoint in unset {
            t.set_endpoint(endpoint.clone());
            let (back, r, _) = send(rule, t, payload.clone(), limit);
            t = back;
            if !matches!(r, Err(TransportError::MissingEndpoint { .. })) {
                fail(
                    rule,
                    format_args!("Err(MissingEndpoint {{ .. }}) with endpoint {endpoint}"),
                    format_args!("{r:?}"),
                );
            }
        }
        t.set_endpoint(server.endpoint());
        let (_t, r, _) = send(rule, t, payload, limit);
        expect_ok(rule, "send() once the endpoint is set again", r);
        Outcome::Passed
    })
}

fn batch_payload(i: usize) -> Vec<u8> {
    format!("kit-batch-{i:03}").into_bytes()
}

fn batch_index(p: &[u8]) -> Option<usize> {
    std::str::from_utf8(p)
        .ok()?
        .strip_prefix("kit-batch-")?
        .parse()
        .ok()
}

/// `transport.batch_order`: `send_batch` of 50 payloads returns 50 results in input order, each payload delivered exactly once.
pub fn check_transport_batch_order<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    batch_order(&make)
}

fn batch_order(make: &MakeTransport<'_>) -> Outcome {
    let rule = BATCH_ORDER;
    guard(rule, || {
        let caps = capabilities(make);
        let payloads: Vec<Vec<u8>> = (0..BATCH).map(batch_payload).collect();
        let codes = caps.result_codes;
        // Raw: the echo tells which payload a reply answers. Cloud: `[0,i]`.
        let reply = move |p: &[u8]| match (codes, batch_index(p)) {
            (false, _) => p.to_vec(),
            (true, Some(i)) => format!("[0,{i}]").into_bytes(),
            (true, None) => b"[2,0]".to_vec(),
        };
        let server = LoopbackServer::start(Behaviour::answer(payloads[0].len(), reply));
        let (t, _) = build(make, server.endpoint());
        let sent = payloads.clone();
        let ((_, results), _) = bounded(rule, "send_batch()", 3 * GENEROUS, move || {
            let mut t = t;
            let refs: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
            let r = t.send_batch(&refs);
            (t, r)
        });
        if results.len() != BATCH {
            fail(
                rule,
                format_args!("{BATCH} results"),
                format_args!("{}", results.len()),
            );
        }
        for (i, r) in results.into_iter().enumerate() {
            let got = expect_ok(rule, &format!("payload {i} of the batch"), r);
            let want = reply(&payloads[i]);
            if got.bytes != want {
                fail(
                    rule,
                    format_args!(
                        "result {i} to answer payload {i} ({:?})",
                        String::from_utf8_lossy(&want)
                    ),
                    format_args!("{:?}", String::from_utf8_lossy(&got.bytes)),
                );
            }
            if codes && got.code != Some(ResultCode::Sent) {
                fail(
                    rule,
                    format_args!("result {i} to be code Sent"),
                    format_args!("{:?}", got.code),
                );
            }
        }
        let mut got = server.wait_for_captures(BATCH);
        got.sort();
        if got != payloads {
            fail(
                rule,
                format_args!("the peer to receive each of the {BATCH} payloads once"),
                format_args!(
                    "{} payloads: {:?}",
                    got.len(),
                    got.iter()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect::<Vec<_>>()
                ),
            );
        }
        Outcome::Passed
    })
}

fn socket_events(sink: &RecordingSink) -> Vec<String> {
    sink.names()
        .into_iter()
        .filter(|n| n.starts_with("socket.") || n.starts_with("message."))
        .collect()
}

#[track_caller]
fn expect_events(rule: &str, what: &str, sink: &RecordingSink, want: &[&str]) {
    let got = socket_events(sink);
    if got != want {
        fail(
            rule,
            format_args!("{what} to emit {want:?}"),
            format_args!("{got:?}"),
        );
    }
}

/// `transport.events`: a send emits `socket.connected`, `message.sent`, `socket.closed` in order and once each; a send that times out emits no `message.sent` but still `socket.closed`.
pub fn check_transport_events<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    events(&make)
}

fn events(make: &MakeTransport<'_>) -> Outcome {
    let rule = EVENTS;
    guard(rule, || {
        let caps = capabilities(make);
        let payload = b"kit-events".to_vec();
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let answer = ok_answer(caps);
        let server =
            LoopbackServer::start(Behaviour::answer(payload.len(), move |_| answer.to_vec()));
        let (t, sink) = build(make, server.endpoint());
        let (_t, r, _) = send(rule, t, payload.clone(), limit);
        expect_ok(rule, "send()", r);
        expect_events(
            rule,
            "a send",
            &sink,
            &["socket.connected", "message.sent", "socket.closed"],
        );

        let silent = LoopbackServer::start(Behaviour::Silent {
            expect: payload.len(),
        });
        let (t, sink) = build(make, silent.endpoint());
        let (_t, r, _) = send(rule, t, payload.clone(), limit);
        if r.is_err() {
            expect_events(
                rule,
                "a send that times out",
                &sink,
                &["socket.connected", "socket.closed"],
            );
        }

        let (t, sink) = build(make, LoopbackServer::refused_endpoint());
        let (_t, _, _) = send(rule, t, payload, limit);
        let got = socket_events(&sink);
        if got
            .iter()
            .any(|n| n == "socket.connected" || n == "message.sent")
        {
            fail(
                rule,
                "a refused send to emit neither socket.connected nor message.sent",
                format_args!("{got:?}"),
            );
        }
        Outcome::Passed
    })
}

/// `transport.calls_after_failure`: after a failed send, `endpoint()` reports `set_endpoint` and the next send works.
pub fn check_transport_calls_after_failure<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    calls_after_failure(&make)
}

fn calls_after_failure(make: &MakeTransport<'_>) -> Outcome {
    let rule = CALLS_AFTER_FAILURE;
    guard(rule, || {
        let payload = b"kit-after-failure".to_vec();
        let limit = KitTimeouts::FAST.total() + GENEROUS;
        let refused = LoopbackServer::refused_endpoint();
        let (t, _) = build(make, refused.clone());
        if *t.endpoint() != refused {
            fail(
                rule,
                format_args!("endpoint() == the factory's {refused}"),
                t.endpoint(),
            );
        }
        let answer = ok_answer(t.capabilities());
        let (mut t, r, _) = send(rule, t, payload.clone(), limit);
        if let Ok(reply) = r {
            fail(
                rule,
                "a failed send where nothing listens",
                format_args!("Ok({reply:?})"),
            );
        }
        let server =
            LoopbackServer::start(Behaviour::answer(payload.len(), move |_| answer.to_vec()));
        t.set_endpoint(server.endpoint());
        if *t.endpoint() != server.endpoint() {
            fail(
                rule,
                format_args!("endpoint() == {} after set_endpoint", server.endpoint()),
                t.endpoint(),
            );
        }
        for _ in 0..2 {
            let (back, r, _) = send(rule, t, payload.clone(), limit);
            t = back;
            expect_ok(rule, "send() after a failed send", r);
        }
        let got = server.wait_for_captures(2);
        if got.len() != 2 || got.iter().any(|p| *p != payload) {
            fail(
                rule,
                "the new endpoint to receive both payloads",
                format_args!("{} connections", got.len()),
            );
        }
        Outcome::Passed
    })
}

/// Runs every [`Transport`] rule of [`RULES`] on transports made by
/// `make`. Every rule runs; if one failed, this panics with the whole
/// report.
pub fn run_transport_suite<F>(make: F) -> Report
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    let mut report = Report::new("transport");
    for rule in RULES {
        report.run(rule.id, || (rule.check)(&make));
    }
    report.finish()
}

/// Runs one rule for a `#[test]` of [`transport_tests!`](crate::transport_tests).
#[doc(hidden)]
#[track_caller]
pub fn __test<F>(rule: &str, make: F)
where
    F: Fn(Arc<dyn EventSink>, Endpoint, KitTimeouts) -> Box<dyn Transport>,
{
    let check = find(RULES, rule).check;
    __conclude(rule, outcome_of(rule, || check(&make)));
}

/// The table: test name, rule-id constant, rule id, what it needs, the
/// check, to what it applies, what it checks. One row per rule;
/// everything else is written from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __transport_rules {
    ($cb:ident!($($args:tt)*)) => {
        $crate::$cb! { ($($args)*)
            transport_delivers_exact_bytes DELIVERS_EXACT_BYTES "transport.delivers_exact_bytes"
                [any] delivers_exact_bytes "every transport"
                "the peer receives exactly the payload (text, all 256 byte values, 256 KiB of noise) on one connection; nothing added, nothing dropped";
            transport_returns_reply RETURNS_REPLY "transport.returns_reply"
                [any] returns_reply "every transport"
                "`Reply::bytes` holds exactly what the peer sent; with result codes, each reply of `wire-vectors.json` (`response_codes`, every non-empty `reply_forms` entry, and `[42,0]`) gives its `ResultCode`, and a malformed one `code: None`";
            transport_read_timeout READ_TIMEOUT "transport.read_timeout"
                [any] read_timeout "every transport"
                "a peer that never answers ends in `Err(Timeout { phase: Read })` after the read timeout (a raw transport may instead return the empty reply read so far)";
            transport_write_timeout WRITE_TIMEOUT "transport.write_timeout"
                [any] write_timeout "every transport, where loopback writes can stall"
                "a peer that never reads a 32 MiB payload ends in `Err(Timeout { phase: Write })`; refusing the payload fails the rule (capabilities declare no payload limit)";
            transport_connect_timeout CONNECT_TIMEOUT "transport.connect_timeout"
                [any] connect_timeout "every transport, where a full listen queue leaves connects pending"
                "a peer whose accept queue is full ends in `Err(Timeout { phase: Connect })` after the connect timeout";
            transport_refused REFUSED "transport.refused"
                [any] refused "every transport"
                "nothing listening is `Err(Refused)`";
            transport_closed CLOSED "transport.closed"
                [any] closed "every transport"
                "a peer that closes without answering is `Err(NoReply)` (result codes: delivery not confirmed, never code 1) or an empty reply (raw); a peer that resets is `Err(Reset)` (with result codes, `Err(NoReply)` is also accepted)";
            transport_missing_endpoint MISSING_ENDPOINT "transport.missing_endpoint"
                [any] missing_endpoint "every transport"
                "an unset host, port or both is `Err(MissingEndpoint)`; setting it back makes sends work";
            transport_batch_order BATCH_ORDER "transport.batch_order"
                [any] batch_order "every transport"
                "`send_batch` of 50 payloads returns 50 results in input order (the peer echoes each, or answers `[0,i]`), each payload delivered once";
            transport_events EVENTS "transport.events"
                [any] events "every transport"
                "a send emits `socket.connected`, `message.sent`, `socket.closed` in that order, once each; a send that times out emits `socket.connected`, `socket.closed`; a refused send emits neither `socket.connected` nor `message.sent`";
            transport_calls_after_failure CALLS_AFTER_FAILURE "transport.calls_after_failure"
                [any] calls_after_failure "every transport"
                "after a failed send, `endpoint()` reports what `set_endpoint` set and the next sends work";
        }
    };
}
