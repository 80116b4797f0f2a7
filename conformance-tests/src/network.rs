//! The [`NetworkInterface`] rules.
//!
//! Each check builds fresh adapters with a factory
//! `Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>`, handing each a
//! new [`RecordingSink`] it then reads back.
//!
//! # The rules
//!
//! [`RULES`] lists them (`docs/conformance.md` shows the table); each has a
//! `check_network_*` function. The rules that need a connection are
//! skipped, and say so, when the suite is told `connect` cannot succeed
//! here ([`NetworkSuite::can_connect`]).
//!
//! The link-specific event is not named by the adapter: the kit reads it
//! from what is emitted. A link event is any `<family>.connected` /
//! `<family>.disconnected` other than `network.*` and `socket.*`
//! (`wifi.connected`, `cellular.connected`, a plugin's own); other events
//! are ignored.

use std::sync::Arc;

use hologram_ports::{Event, EventSink, NetworkCapabilities, NetworkError, NetworkInterface};

use crate::report::{__conclude, fail, guard, Outcome, Report};
use crate::rules::{find, outcome_of};
use crate::sink::RecordingSink;

/// What the machine running the suite allows.
///
/// ```
/// use hologram_conformance::NetworkSuite;
/// let suite = NetworkSuite::new(false); // e.g. wifi on a kernel without wireless
/// assert!(!suite.can_connect);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkSuite {
    /// `connect` can succeed here. When false, only the rules that need no
    /// connection run; the others are reported skipped.
    pub can_connect: bool,
}

impl NetworkSuite {
    /// A suite for a machine where `connect` can (or cannot) succeed.
    pub const fn new(can_connect: bool) -> Self {
        NetworkSuite { can_connect }
    }
}

crate::__network_rules!(__rule_table!(NetworkCheck));

/// A network factory, as the checks take it.
pub type MakeNetwork<'a> = dyn Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface> + 'a;

/// The signature of a network rule's check in [`RULES`].
pub type NetworkCheck = fn(&MakeNetwork<'_>, NetworkSuite) -> Outcome;

/// Why a rule that needs a connection was not run.
pub const NEEDS_CONNECTION: &str = "needs a connection (can_connect = false)";

type Net = Box<dyn NetworkInterface>;

fn fresh(make: &MakeNetwork<'_>) -> (Net, Arc<RecordingSink>) {
    let sink = RecordingSink::new();
    let net = make(sink.clone());
    (net, sink)
}

#[track_caller]
fn expect_ok(rule: &str, what: &str, r: Result<(), NetworkError>) {
    if let Err(e) = r {
        fail(
            rule,
            format_args!("{what} to succeed"),
            format_args!("Err({e:?})"),
        );
    }
}

#[track_caller]
fn expect_connected(rule: &str, net: &Net, want: bool, after: &str) {
    let got = net.is_connected();
    if got != want {
        fail(
            rule,
            format_args!("is_connected() == {want} after {after}"),
            got,
        );
    }
}

/// Brings a fresh interface to a known state: down.
fn bring_down(rule: &str, net: &mut Net, sink: &RecordingSink) {
    expect_ok(rule, "disconnect() on a fresh interface", net.disconnect());
    expect_connected(rule, net, false, "disconnect()");
    sink.clear();
}

/// The link transitions among `events`: `(family, up)` for each
/// `<family>.connected` / `<family>.disconnected`, `socket.*` excluded.
fn transitions(events: &[Event]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(|e| {
            let (family, state) = e.name().rsplit_once('.')?;
            let up = match state {
                "connected" => true,
                "disconnected" => false,
                _ => return None,
            };
            (family != "socket").then(|| (family.to_owned(), up))
        })
        .collect()
}

fn names(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.name().to_owned()).collect()
}

/// Checks the events of one transition (`up` = connect) and returns its
/// link family (`None` when the adapter emits only `network.*`). When
/// `family` is given, the link family must be that one.
#[track_caller]
fn expect_transition(
    rule: &str,
    what: &str,
    up: bool,
    events: &[Event],
    family: Option<&Option<String>>,
) -> Option<String> {
    let state = if up { "connected" } else { "disconnected" };
    let shape = format!(
        "{what} to emit network.{state} exactly once, after at most one link-specific <link>.{state}"
    );
    let ts = transitions(events);
    let ok_shape = match ts.as_slice() {
        [(net, u)] => net == "network" && *u == up,
        [(link, lu), (net, nu)] => link != "network" && net == "network" && *lu == up && *nu == up,
        _ => false,
    };
    if !ok_shape {
        fail(rule, shape, format_args!("{:?}", names(events)));
    }
    let link = (ts.len() == 2).then(|| ts[0].0.clone());
    if let Some(want) = family {
        if *want != link {
            fail(
                rule,
                format_args!(
                    "{what} to use the same link event family as connect ({})",
                    want.as_deref().unwrap_or("none")
                ),
                format_args!("{:?}", names(events)),
            );
        }
    }
    link
}

#[track_caller]
fn expect_no_transition(rule: &str, what: &str, events: &[Event]) {
    if !transitions(events).is_empty() {
        fail(
            rule,
            format_args!("{what} to emit no connected/disconnected event"),
            format_args!("{:?}", names(events)),
        );
    }
}

/// One optional query of the port.
struct Query {
    name: &'static str,
    declared: fn(&NetworkCapabilities) -> bool,
    call: fn(&dyn NetworkInterface) -> Result<String, NetworkError>,
}

fn queries() -> [Query; 4] {
    [
        Query {
            name: "ssid()",
            declared: |c| c.ssid,
            call: |n| n.ssid().map(|v| format!("{v:?}")),
        },
        Query {
            name: "ap_address()",
            declared: |c| c.ap_address,
            call: |n| n.ap_address().map(|v| v.to_string()),
        },
        Query {
            name: "avg_signal_strength()",
            declared: |c| c.avg_signal_strength,
            call: |n| n.avg_signal_strength().map(|v| v.to_string()),
        },
        Query {
            name: "max_signal_strength()",
            declared: |c| c.max_signal_strength,
            call: |n| n.max_signal_strength().map(|v| v.to_string()),
        },
    ]
}

/// The variant's name, failing on a variant this kit does not know.
#[track_caller]
fn variant(rule: &str, what: &str, e: &NetworkError) -> &'static str {
    let name = match e {
        NetworkError::Unsupported { .. } => "Unsupported",
        NetworkError::NotConnected => "NotConnected",
        NetworkError::NoSuchInterface { .. } => "NoSuchInterface",
        NetworkError::WirelessUnsupported => "WirelessUnsupported",
        NetworkError::NotWireless { .. } => "NotWireless",
        NetworkError::PermissionDenied { .. } => "PermissionDenied",
        NetworkError::ServiceUnavailable { .. } => "ServiceUnavailable",
        NetworkError::Timeout { .. } => "Timeout",
        NetworkError::AuthenticationFailed => "AuthenticationFailed",
        NetworkError::ConnectFailed { .. } => "ConnectFailed",
        NetworkError::InvalidSetting { .. } => "InvalidSetting",
        NetworkError::Io { .. } => "Io",
        other => fail(
            rule,
            format_args!("{what} to fail with a documented NetworkError variant"),
            format_args!("{other:?}, a variant this kit does not know"),
        ),
    };
    if e.to_string().trim().is_empty() {
        fail(
            rule,
            format_args!("{what}'s error to have a message"),
            format_args!("{e:?} with an empty message"),
        );
    }
    name
}

/// Checks each query in the current state: not declared → `Unsupported`;
/// declared → an error while down, a value while up.
fn expect_queries(rule: &str, net: &Net, up: bool) {
    let caps = net.capabilities();
    let state = if up { "connected" } else { "disconnected" };
    for q in queries() {
        let declared = (q.declared)(&caps);
        match ((q.call)(net.as_ref()), declared) {
            (Err(NetworkError::Unsupported { .. }), false) => {}
            (Ok(v), false) => fail(
                rule,
                format_args!("{} to return Unsupported (not in capabilities)", q.name),
                format_args!("a made-up value Ok({v})"),
            ),
            (Err(e), false) => fail(
                rule,
                format_args!("{} to return Unsupported (not in capabilities)", q.name),
                format_args!("Err({e:?})"),
            ),
            (Err(e @ NetworkError::Unsupported { .. }), true) => fail(
                rule,
                format_args!("{} to answer: capabilities declare it", q.name),
                format_args!("Err({e:?}) while {state}"),
            ),
            (Ok(v), true) if !up => fail(
                rule,
                format_args!("{} to return an error while disconnected", q.name),
                format_args!("a made-up value Ok({v})"),
            ),
            (Err(e), true) if up => fail(
                rule,
                format_args!(
                    "{} to answer while connected (capabilities declare it)",
                    q.name
                ),
                format_args!("Err({e:?})"),
            ),
            (Err(e), true) => {
                variant(rule, q.name, &e);
            }
            (Ok(_), true) => {}
        }
    }
}

/// `network.connect_then_connected`: after `connect` succeeds `is_connected` is true, after `disconnect` false, and again on a second round.
pub fn check_network_connect_then_connected<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    connect_then_connected(&make, NetworkSuite::new(true))
}

fn connect_then_connected(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    if !suite.can_connect {
        return Outcome::skipped(NEEDS_CONNECTION);
    }
    let rule = CONNECT_THEN_CONNECTED;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        bring_down(rule, &mut net, &sink);
        for round in ["connect()", "a second connect()"] {
            expect_ok(rule, round, net.connect());
            expect_connected(rule, &net, true, round);
            expect_ok(rule, "disconnect()", net.disconnect());
            expect_connected(rule, &net, false, "disconnect()");
        }
        Outcome::Passed
    })
}

/// `network.events_in_order_once`: each transition emits `network.(dis)connected` exactly once, after its link event if any; a connect that is no transition emits none.
pub fn check_network_events_in_order_once<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    events_in_order_once(&make, NetworkSuite::new(true))
}

fn events_in_order_once(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    if !suite.can_connect {
        return Outcome::skipped(NEEDS_CONNECTION);
    }
    let rule = EVENTS_IN_ORDER_ONCE;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        bring_down(rule, &mut net, &sink);
        expect_ok(rule, "connect()", net.connect());
        let link = expect_transition(rule, "connect()", true, &sink.events(), None);
        sink.clear();
        // A connect on a link already up is not a transition: Ok or an error, but no event.
        let _ = net.connect();
        expect_no_transition(rule, "connect() on a link already up", &sink.events());
        expect_connected(rule, &net, true, "a second connect()");
        sink.clear();
        expect_ok(rule, "disconnect()", net.disconnect());
        expect_transition(rule, "disconnect()", false, &sink.events(), Some(&link));
        sink.clear();
        expect_ok(rule, "connect() after disconnect()", net.connect());
        expect_transition(
            rule,
            "connect() after disconnect()",
            true,
            &sink.events(),
            Some(&link),
        );
        let _ = net.disconnect();
        Outcome::Passed
    })
}

/// `network.disconnect_idempotent`: `disconnect` on a link already down succeeds, stays down and emits nothing.
pub fn check_network_disconnect_idempotent<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    disconnect_idempotent(&make, NetworkSuite::new(true))
}

fn disconnect_idempotent(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    if !suite.can_connect {
        return Outcome::skipped(NEEDS_CONNECTION);
    }
    let rule = DISCONNECT_IDEMPOTENT;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        bring_down(rule, &mut net, &sink);
        expect_ok(
            rule,
            "disconnect() on a link already down",
            net.disconnect(),
        );
        expect_connected(rule, &net, false, "a second disconnect()");
        expect_no_transition(rule, "disconnect() on a link already down", &sink.events());
        expect_ok(rule, "connect()", net.connect());
        expect_ok(rule, "disconnect()", net.disconnect());
        sink.clear();
        for _ in 0..2 {
            expect_ok(rule, "disconnect() after disconnect()", net.disconnect());
            expect_connected(rule, &net, false, "disconnect() after disconnect()");
        }
        expect_no_transition(rule, "disconnect() after disconnect()", &sink.events());
        Outcome::Passed
    })
}

/// `network.reconnect_events`: `reconnect` on a link up emits the disconnect events then the connect events, once each, and leaves it up.
pub fn check_network_reconnect_events<F>(make: F) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    reconnect_events(&make, NetworkSuite::new(true))
}

fn reconnect_events(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    if !suite.can_connect {
        return Outcome::skipped(NEEDS_CONNECTION);
    }
    let rule = RECONNECT_EVENTS;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        bring_down(rule, &mut net, &sink);
        expect_ok(rule, "connect()", net.connect());
        let link = expect_transition(rule, "connect()", true, &sink.events(), None);
        sink.clear();
        expect_ok(rule, "reconnect()", net.reconnect());
        expect_connected(rule, &net, true, "reconnect()");
        let events = sink.events();
        let split = events
            .iter()
            .position(|e| *e == Event::NetworkDisconnected)
            .map_or(0, |i| i + 1);
        if split == 0 {
            fail(
                rule,
                "reconnect() to emit network.disconnected then network.connected",
                format_args!("{:?}", names(&events)),
            );
        }
        let (down, up) = events.split_at(split);
        expect_transition(
            rule,
            "reconnect() (its disconnect half)",
            false,
            down,
            Some(&link),
        );
        expect_transition(
            rule,
            "reconnect() (its connect half)",
            true,
            up,
            Some(&link),
        );
        // From a link down, reconnect only connects.
        expect_ok(rule, "disconnect()", net.disconnect());
        sink.clear();
        expect_ok(rule, "reconnect() on a link down", net.reconnect());
        expect_connected(rule, &net, true, "reconnect() on a link down");
        expect_transition(
            rule,
            "reconnect() on a link down",
            true,
            &sink.events(),
            Some(&link),
        );
        let _ = net.disconnect();
        Outcome::Passed
    })
}

/// `network.unsupported_queries`: a query not in `capabilities` returns `Unsupported` and a declared one errs while disconnected: never a made-up value.
pub fn check_network_unsupported_queries<F>(make: F, suite: NetworkSuite) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    unsupported_queries(&make, suite)
}

fn unsupported_queries(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    let rule = UNSUPPORTED_QUERIES;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        if suite.can_connect {
            bring_down(rule, &mut net, &sink);
        }
        if !net.is_connected() {
            expect_queries(rule, &net, false);
        }
        if suite.can_connect {
            expect_ok(rule, "connect()", net.connect());
            expect_queries(rule, &net, true);
            expect_ok(rule, "disconnect()", net.disconnect());
            expect_queries(rule, &net, false);
        }
        Outcome::Passed
    })
}

/// `network.errors_typed`: connect (where it cannot succeed) and queries that cannot answer fail with a documented `NetworkError` variant, never a panic.
pub fn check_network_errors_typed<F>(make: F, suite: NetworkSuite) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    errors_typed(&make, suite)
}

fn errors_typed(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    let rule = ERRORS_TYPED;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        if suite.can_connect {
            bring_down(rule, &mut net, &sink);
        } else {
            match net.connect() {
                Ok(()) => {
                    let _ = net.disconnect();
                    return Outcome::skipped(
                        "connect() succeeded on this machine: run the suite with can_connect = true",
                    );
                }
                Err(e) => {
                    variant(rule, "connect()", &e);
                }
            }
            expect_connected(rule, &net, false, "a failed connect()");
            if sink.events().contains(&Event::NetworkConnected) {
                fail(
                    rule,
                    "no network.connected after a failed connect()",
                    format_args!("{:?}", sink.names()),
                );
            }
        }
        if !net.is_connected() {
            // Every query fails while down (Unsupported or another variant).
            for q in queries() {
                match (q.call)(net.as_ref()) {
                    Ok(v) => fail(
                        rule,
                        format_args!("{} to fail while disconnected", q.name),
                        format_args!("Ok({v})"),
                    ),
                    Err(e) => {
                        variant(rule, q.name, &e);
                    }
                }
            }
        }
        Outcome::Passed
    })
}

/// `network.calls_after_failure`: after a failed call the same interface still answers: capabilities unchanged, connect works (or fails typed again), queries answer.
pub fn check_network_calls_after_failure<F>(make: F, suite: NetworkSuite) -> Outcome
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    calls_after_failure(&make, suite)
}

fn calls_after_failure(make: &MakeNetwork<'_>, suite: NetworkSuite) -> Outcome {
    let rule = CALLS_AFTER_FAILURE;
    guard(rule, || {
        let (mut net, sink) = fresh(make);
        let caps = net.capabilities();
        if suite.can_connect {
            bring_down(rule, &mut net, &sink);
            // A query while down always fails (Unsupported or NotConnected...).
            for q in queries() {
                let _ = (q.call)(net.as_ref());
            }
            expect_ok(rule, "connect() after failed queries", net.connect());
            expect_connected(rule, &net, true, "connect() after failed queries");
            expect_queries(rule, &net, true);
            expect_ok(rule, "disconnect() after failed queries", net.disconnect());
            expect_connected(rule, &net, false, "disconnect()");
        } else {
            for attempt in ["connect()", "connect() after a failed connect()"] {
                match net.connect() {
                    Ok(()) => {
                        let _ = net.disconnect();
                        return Outcome::skipped(
                            "connect() succeeded on this machine: run the suite with can_connect = true",
                        );
                    }
                    Err(e) => {
                        variant(rule, attempt, &e);
                    }
                }
                expect_connected(rule, &net, false, attempt);
            }
            if let Err(e) = net.disconnect() {
                variant(rule, "disconnect() after a failed connect()", &e);
            }
            expect_queries(rule, &net, false);
        }
        let after = net.capabilities();
        if after != caps {
            fail(
                rule,
                format_args!("capabilities() to stay {caps:?}"),
                format_args!("{after:?} after a failure"),
            );
        }
        Outcome::Passed
    })
}

/// Runs every [`NetworkInterface`] rule of [`RULES`] on adapters made by
/// `make`; the rules that need a connection are skipped when
/// `suite.can_connect` is false. Every rule runs; if one failed, this
/// panics with the whole report.
pub fn run_network_suite<F>(make: F, suite: NetworkSuite) -> Report
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    let mut report = Report::new("network");
    for rule in RULES {
        report.run(rule.id, || (rule.check)(&make, suite));
    }
    report.finish()
}

/// Runs one rule for a `#[test]` of [`network_tests!`](crate::network_tests).
#[doc(hidden)]
#[track_caller]
pub fn __test<F>(rule: &str, make: F, can_connect: bool)
where
    F: Fn(Arc<dyn EventSink>) -> Box<dyn NetworkInterface>,
{
    let check = find(RULES, rule).check;
    __conclude(
        rule,
        outcome_of(rule, || check(&make, NetworkSuite::new(can_connect))),
    );
}

/// The table: test name, rule-id constant, rule id, what it needs
/// (`link`: a connection; `any`), the check, to what it applies, what it
/// checks. One row per rule; everything else is written from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __network_rules {
    ($cb:ident!($($args:tt)*)) => {
        $crate::$cb! { ($($args)*)
            network_connect_then_connected CONNECT_THEN_CONNECTED "network.connect_then_connected"
                [link] connect_then_connected "a link that can connect here"
                "after `connect` succeeds `is_connected()` is true, after `disconnect` false; twice";
            network_events_in_order_once EVENTS_IN_ORDER_ONCE "network.events_in_order_once"
                [link] events_in_order_once "a link that can connect here"
                "`connect` emits `network.connected` exactly once, after at most one link event; a `connect` on a link already up emits nothing; `disconnect` mirrors it with the same link family";
            network_disconnect_idempotent DISCONNECT_IDEMPOTENT "network.disconnect_idempotent"
                [link] disconnect_idempotent "a link that can connect here"
                "`disconnect` on a link already down succeeds and emits nothing";
            network_reconnect_events RECONNECT_EVENTS "network.reconnect_events"
                [link] reconnect_events "a link that can connect here"
                "`reconnect` on a link up emits the disconnect events, then the connect events; on a link down only the connect events";
            network_unsupported_queries UNSUPPORTED_QUERIES "network.unsupported_queries"
                [any] unsupported_queries "every interface"
                "a query that is `false` in `capabilities()` returns `NetworkError::Unsupported`; a declared query returns an error while disconnected and a value while connected: never a made-up value";
            network_errors_typed ERRORS_TYPED "network.errors_typed"
                [any] errors_typed "every interface"
                "a failing `connect` (when it cannot connect) and every query while disconnected return a documented `NetworkError` variant with a message, never a panic; no `network.connected` after a failed connect";
            network_calls_after_failure CALLS_AFTER_FAILURE "network.calls_after_failure"
                [any] calls_after_failure "every interface"
                "after a failure the same instance still works: capabilities unchanged, `connect` succeeds (or fails typed again), queries answer";
        }
    };
}
