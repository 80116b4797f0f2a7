//! The [`EventSink`] rules, and [`RecordingSink`], the sink every other
//! check hands its adapter.
//!
//! # The rules
//!
//! [`RULES`] lists them (`docs/conformance.md` shows the table); each has a
//! `check_sink_*` function.
//!
//! A sink under test must let the kit read back what it received and hook a
//! callback: implement [`ObservableSink`] for it (the core's event bus does;
//! so does [`RecordingSink`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::Duration;

use hologram_ports::{Event, EventSink};

use crate::report::{__conclude, fail, guard, Outcome, Report};
use crate::rules::{find, outcome_of};

/// How long a sink check waits for emitting threads before calling it a deadlock.
const SINK_LIMIT: Duration = Duration::from_secs(10);

/// A callback a sink calls for each event it receives.
pub type EventCallback = Box<dyn Fn(&Event) + Send + Sync>;

type SharedCallback = Arc<dyn Fn(&Event) + Send + Sync>;

/// A sink the kit can observe: it reads back what the sink received and
/// hooks a callback, to test re-entrancy.
///
/// # For implementers
///
/// `received` returns every event emitted so far, in the order the sink
/// took them. `on_event` registers a callback the sink calls for every
/// later event (a bus calls its subscribers); the callback may call
/// [`EventSink::emit`] on the same sink.
pub trait ObservableSink: EventSink {
    /// Every event received so far, in order.
    fn received(&self) -> Vec<Event>;
    /// Calls `callback` for every event received from now on.
    fn on_event(&self, callback: EventCallback);
}

/// A sink that records every event, for the checks (and your own tests).
///
/// Callbacks registered with [`ObservableSink::on_event`] run after the
/// event is recorded and outside any lock, so they may emit again.
///
/// ```
/// use hologram_conformance::RecordingSink;
/// use hologram_ports::{Event, EventSink};
///
/// let sink = RecordingSink::new();
/// sink.emit(&Event::NetworkConnected);
/// assert_eq!(sink.names(), ["network.connected"]);
/// sink.clear();
/// assert!(sink.events().is_empty());
/// sink.emit(&Event::NetworkDisconnected);
/// assert_eq!(sink.take_names(), ["network.disconnected"]);
/// assert!(sink.take().is_empty());
/// ```
#[derive(Default)]
pub struct RecordingSink {
    events: Mutex<Vec<Event>>,
    callbacks: Mutex<Vec<SharedCallback>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RecordingSink {
    /// A new, empty sink, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every event recorded so far, in order.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// The names of the events recorded so far, in order.
    pub fn names(&self) -> Vec<String> {
        lock(&self.events)
            .iter()
            .map(|e| e.name().to_owned())
            .collect()
    }

    /// Forgets the events recorded so far (callbacks stay).
    pub fn clear(&self) {
        lock(&self.events).clear();
    }

    /// Every event recorded so far, in order, forgetting them: what
    /// happened since the last call.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *lock(&self.events))
    }

    /// The names of the events recorded so far, in order, forgetting them.
    pub fn take_names(&self) -> Vec<String> {
        self.take().iter().map(|e| e.name().to_owned()).collect()
    }
}

impl fmt::Debug for RecordingSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingSink")
            .field("events", &self.names())
            .field("callbacks", &lock(&self.callbacks).len())
            .finish()
    }
}

impl EventSink for RecordingSink {
    fn emit(&self, event: &Event) {
        lock(&self.events).push(event.clone());
        let callbacks = lock(&self.callbacks).clone();
        for callback in callbacks {
            callback(event);
        }
    }
}

impl ObservableSink for RecordingSink {
    fn received(&self) -> Vec<Event> {
        self.events()
    }

    fn on_event(&self, callback: EventCallback) {
        lock(&self.callbacks).push(Arc::from(callback));
    }
}

crate::__sink_rules!(__rule_table!(SinkCheck));

/// A sink factory, as the checks take it.
pub type MakeSink<'a> = dyn Fn() -> Arc<dyn ObservableSink> + 'a;

/// The signature of a sink rule's check in [`RULES`].
pub type SinkCheck = fn(&MakeSink<'_>) -> Outcome;

/// The events the kit emitted, as the sink received them (foreign events dropped).
fn received_with_prefix(sink: &dyn ObservableSink, prefix: &str) -> Vec<Event> {
    sink.received()
        .into_iter()
        .filter(|e| e.name().starts_with(prefix))
        .collect()
}

/// Runs `f` in a thread and waits for it at most [`SINK_LIMIT`].
fn bounded<T: Send + 'static>(rule: &str, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(SINK_LIMIT) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => fail(
            rule,
            format_args!("{what} to return within {SINK_LIMIT:?}"),
            "no return (a deadlock?)",
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => fail(
            rule,
            format_args!("{what} to return"),
            "a panic inside the sink",
        ),
    }
}

/// `sink.order`: events emitted from one thread arrive in the order emitted, unchanged.
pub fn check_sink_order<F>(make: F) -> Outcome
where
    F: Fn() -> Arc<dyn ObservableSink>,
{
    order(&make)
}

fn order(make: &MakeSink<'_>) -> Outcome {
    guard(ORDER, || {
        let sink = make();
        let mut sent: Vec<Event> = (0..100)
            .map(|i| Event::from_name(&format!("kit.order.{i}")))
            .collect();
        // Every predefined event too, between custom ones: none may be renamed.
        for (i, e) in Event::PREDEFINED.iter().enumerate() {
            sent.insert(i * 7, e.clone());
        }
        for e in &sent {
            sink.emit(e);
        }
        let got: Vec<Event> = sink
            .received()
            .into_iter()
            .filter(|e| sent.contains(e))
            .collect();
        if got != sent {
            let at = got.iter().zip(&sent).position(|(a, b)| a != b);
            fail(
                ORDER,
                format_args!("the {} events in the order emitted", sent.len()),
                format_args!(
                    "{} events, first difference at index {:?} (got {:?})",
                    got.len(),
                    at.unwrap_or(got.len().min(sent.len())),
                    at.map(|i| got[i].name().to_owned())
                ),
            );
        }
        Outcome::Passed
    })
}

/// `sink.no_loss`: events emitted from several threads at once all arrive, once each, each thread's in order.
pub fn check_sink_no_loss<F>(make: F) -> Outcome
where
    F: Fn() -> Arc<dyn ObservableSink>,
{
    no_loss(&make)
}

fn no_loss(make: &MakeSink<'_>) -> Outcome {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250;
    guard(NO_LOSS, || {
        let sink = make();
        let emitter = Arc::clone(&sink);
        bounded(NO_LOSS, "emitting from 4 threads", move || {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let sink = Arc::clone(&emitter);
                    thread::spawn(move || {
                        for i in 0..PER_THREAD {
                            sink.emit(&Event::from_name(&format!("kit.loss.{t}.{i}")));
                        }
                    })
                })
                .collect();
            for h in handles {
                let _ = h.join();
            }
        });
        let got = received_with_prefix(sink.as_ref(), "kit.loss.");
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for e in &got {
            *seen.entry(e.name()).or_default() += 1;
        }
        if let Some((name, n)) = seen.iter().find(|(_, n)| **n > 1) {
            fail(
                NO_LOSS,
                format_args!("{name} once"),
                format_args!("{n} times"),
            );
        }
        if got.len() != THREADS * PER_THREAD {
            fail(
                NO_LOSS,
                format_args!("{} events", THREADS * PER_THREAD),
                format_args!("{} (some were lost)", got.len()),
            );
        }
        let mut next = [0usize; THREADS];
        for e in &got {
            let mut parts = e.name()["kit.loss.".len()..].split('.');
            let t: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0) % THREADS;
            let i: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            if next[t] != i {
                fail(
                    NO_LOSS,
                    format_args!(
                        "thread {t}'s event {} next (each thread's events in order)",
                        next[t]
                    ),
                    format_args!("its event {i}"),
                );
            }
            next[t] += 1;
        }
        Outcome::Passed
    })
}

/// `sink.reentrancy`: a callback that emits into the same sink neither deadlocks nor loses an event.
pub fn check_sink_reentrancy<F>(make: F) -> Outcome
where
    F: Fn() -> Arc<dyn ObservableSink>,
{
    reentrancy(&make)
}

fn reentrancy(make: &MakeSink<'_>) -> Outcome {
    guard(REENTRANCY, || {
        let sink = make();
        let weak: Weak<dyn ObservableSink> = Arc::downgrade(&sink);
        sink.on_event(Box::new(move |e| {
            if e.name() == "kit.reentry.outer" {
                if let Some(sink) = weak.upgrade() {
                    sink.emit(&Event::custom("kit.reentry.inner"));
                }
            }
        }));
        let emitter = Arc::clone(&sink);
        bounded(REENTRANCY, "emit() with a re-entrant callback", move || {
            emitter.emit(&Event::custom("kit.reentry.outer"));
            emitter.emit(&Event::custom("kit.reentry.after"));
        });
        let mut got: Vec<String> = received_with_prefix(sink.as_ref(), "kit.reentry.")
            .iter()
            .map(|e| e.name().to_owned())
            .collect();
        got.sort();
        let want = [
            "kit.reentry.after",
            "kit.reentry.inner",
            "kit.reentry.outer",
        ];
        if got != want {
            fail(
                REENTRANCY,
                "outer, the inner event its callback emitted, and after, once each",
                format_args!("{got:?}"),
            );
        }
        Outcome::Passed
    })
}

/// Runs every [`EventSink`] rule of [`RULES`] on sinks made by `make`.
/// Every rule runs; if one failed, this panics with the whole report.
pub fn run_sink_suite<F>(make: F) -> Report
where
    F: Fn() -> Arc<dyn ObservableSink>,
{
    let mut report = Report::new("sink");
    for rule in RULES {
        report.run(rule.id, || (rule.check)(&make));
    }
    report.finish()
}

/// Runs one rule for a `#[test]` of [`sink_tests!`](crate::sink_tests).
#[doc(hidden)]
#[track_caller]
pub fn __test<F>(rule: &str, make: F)
where
    F: Fn() -> Arc<dyn ObservableSink>,
{
    let check = find(RULES, rule).check;
    __conclude(rule, outcome_of(rule, || check(&make)));
}

/// The table: test name, rule-id constant, rule id, what it needs, the
/// check, to what it applies, what it checks. One row per rule;
/// everything else is written from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __sink_rules {
    ($cb:ident!($($args:tt)*)) => {
        $crate::$cb! { ($($args)*)
            sink_order ORDER "sink.order"
                [any] order "every sink"
                "112 events from one thread (every predefined one among them) arrive in order, unchanged";
            sink_no_loss NO_LOSS "sink.no_loss"
                [any] no_loss "every sink"
                "4 threads × 250 events all arrive, once each, each thread's in its order";
            sink_reentrancy REENTRANCY "sink.reentrancy"
                [any] reentrancy "every sink"
                "a callback that emits into the same sink neither deadlocks (bounded wait) nor loses the nested event";
        }
    };
}
