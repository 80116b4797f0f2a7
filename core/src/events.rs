//! The event bus: publish/subscribe by event name, as the Python `Event` class.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hologram_ports::{Event, EventSink};

/// Identifies one subscription, for [`EventBus::unsubscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

type Callback = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Clone)]
struct Subscription {
    id: SubscriptionId,
    /// `None` subscribes to every event.
    event: Option<Event>,
    callback: Callback,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// Copy-on-write: a broadcast clones the `Arc` and runs the callbacks
    /// without holding the lock, so callbacks may subscribe, unsubscribe or
    /// broadcast themselves, and a broadcast allocates nothing.
    subscriptions: Arc<Vec<Subscription>>,
}

/// The SDK's event bus.
///
/// Callbacks run in subscription order, on the thread that broadcasts. A
/// callback that panics is logged and skipped: the bus and the other
/// subscribers go on. Callbacks may subscribe, unsubscribe and broadcast
/// from inside a callback without deadlock.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use hologram::{Event, EventBus};
///
/// let bus = EventBus::new();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let id = bus.subscribe("wifi.connected", move |e| s.lock().unwrap().push(e.to_string()));
/// bus.broadcast("wifi.connected");
/// assert!(bus.unsubscribe("wifi.connected", id));
/// bus.broadcast(Event::WifiConnected);
/// assert_eq!(*seen.lock().unwrap(), ["wifi.connected"]);
/// ```
#[derive(Default)]
pub struct EventBus {
    state: Mutex<State>,
    /// One bit per predefined event with a subscriber, plus [`CUSTOM`] and
    /// [`ALL`]: a broadcast nobody listens to returns after one atomic load
    /// (a send broadcasts three events, usually to no one).
    interest: AtomicU32,
}

/// Some subscriber listens to a custom event.
const CUSTOM: u32 = 1 << 30;
/// Some subscriber listens to every event.
const ALL: u32 = 1 << 31;

fn interest_bit(event: &Event) -> u32 {
    let index = match event {
        Event::WifiConnected => 0,
        Event::WifiDisconnected => 1,
        Event::CellularConnected => 2,
        Event::CellularDisconnected => 3,
        Event::NetworkConnected => 4,
        Event::NetworkDisconnected => 5,
        Event::SocketConnected => 6,
        Event::SocketClosed => 7,
        Event::MessageSent => 8,
        Event::MessageBuffered => 9,
        Event::MessageRefused => 10,
        Event::MessageDropped => 11,
        Event::OutboxDamaged => 12,
        _ => return CUSTOM,
    };
    1 << index
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking callback never runs under the lock, so poisoning can
        // only come from a bug here; the state stays consistent either way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, event: Option<Event>, callback: Callback) -> SubscriptionId {
        let mut state = self.state();
        state.next_id += 1;
        let id = SubscriptionId(state.next_id);
        Arc::make_mut(&mut state.subscriptions).push(Subscription {
            id,
            event,
            callback,
        });
        self.update_interest(&state);
        id
    }

    /// Recomputes the interest bits; called with the state locked.
    fn update_interest(&self, state: &State) {
        let mask = state
            .subscriptions
            .iter()
            .fold(0, |m, s| m | s.event.as_ref().map_or(ALL, interest_bit));
        self.interest.store(mask, Ordering::Release);
    }

    /// Calls `callback` each time `event` is broadcast.
    pub fn subscribe(
        &self,
        event: impl Into<Event>,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add(Some(event.into()), Arc::new(callback))
    }

    /// Calls `callback` for every event.
    pub fn subscribe_all(
        &self,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.add(None, Arc::new(callback))
    }

    /// Removes a subscription made with [`subscribe`](Self::subscribe) for
    /// `event` (or with [`subscribe_all`](Self::subscribe_all), whatever
    /// `event` is). Returns whether it was there.
    pub fn unsubscribe(&self, event: impl Into<Event>, id: SubscriptionId) -> bool {
        let event = event.into();
        let mut state = self.state();
        let Some(pos) = state
            .subscriptions
            .iter()
            .position(|s| s.id == id && s.event.as_ref().is_none_or(|e| *e == event))
        else {
            return false;
        };
        Arc::make_mut(&mut state.subscriptions).remove(pos);
        self.update_interest(&state);
        true
    }

    /// How many subscriptions there are.
    pub fn subscriber_count(&self) -> usize {
        self.state().subscriptions.len()
    }

    /// Runs every callback subscribed to `event`, in subscription order.
    pub fn broadcast(&self, event: impl Into<Event>) {
        self.dispatch(&event.into());
    }

    fn dispatch(&self, event: &Event) {
        log::trace!(target: "Event", "{event}");
        if self.interest.load(Ordering::Acquire) & (interest_bit(event) | ALL) == 0 {
            return;
        }
        let subscriptions = Arc::clone(&self.state().subscriptions);
        for sub in subscriptions
            .iter()
            .filter(|s| s.event.as_ref().is_none_or(|e| e == event))
        {
            if catch_unwind(AssertUnwindSafe(|| (sub.callback)(event))).is_err() {
                log::error!(target: "Event", "a subscriber to {event} panicked; the others still run");
            }
        }
    }
}

impl EventSink for EventBus {
    fn emit(&self, event: &Event) {
        self.dispatch(event);
    }
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBus")
            .field("subscribers", &self.subscriber_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn log_into(v: &Arc<Mutex<Vec<String>>>, tag: &'static str) -> impl Fn(&Event) + Send + Sync {
        let v = v.clone();
        move |e| v.lock().unwrap().push(format!("{tag}:{e}"))
    }

    #[test]
    fn callbacks_run_in_subscription_order_and_only_for_their_event() {
        let bus = EventBus::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        bus.subscribe("a", log_into(&seen, "1"));
        bus.subscribe_all(log_into(&seen, "all"));
        bus.subscribe("a", log_into(&seen, "2"));
        bus.subscribe("b", log_into(&seen, "3"));
        bus.broadcast("a");
        bus.broadcast("b");
        assert_eq!(
            *seen.lock().unwrap(),
            ["1:a", "all:a", "2:a", "all:b", "3:b"]
        );
    }

    #[test]
    fn unsubscribe_removes_only_that_handle() {
        let bus = EventBus::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let one = bus.subscribe("a", log_into(&seen, "1"));
        bus.subscribe("a", log_into(&seen, "2"));
        assert!(!bus.unsubscribe("b", one), "wrong event name");
        assert!(bus.unsubscribe("a", one));
        assert!(!bus.unsubscribe("a", one), "already gone");
        bus.broadcast("a");
        assert_eq!(*seen.lock().unwrap(), ["2:a"]);
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_others() {
        let bus = EventBus::new();
        let count = Arc::new(AtomicUsize::new(0));
        bus.subscribe("x", |_| panic!("subscriber bug"));
        let c = count.clone();
        bus.subscribe("x", move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        bus.broadcast("x");
        bus.broadcast("x");
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn subscribing_and_broadcasting_from_a_callback_does_not_deadlock() {
        let bus = Arc::new(EventBus::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (b, s) = (bus.clone(), seen.clone());
        bus.subscribe("outer", move |_| {
            b.subscribe("inner", log_into(&s, "late"));
            b.broadcast("inner");
        });
        bus.broadcast("outer");
        assert_eq!(*seen.lock().unwrap(), ["late:inner"]);
        assert_eq!(bus.subscriber_count(), 2);
    }

    #[test]
    fn interest_follows_subscriptions() {
        let bus = EventBus::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        bus.broadcast("nobody.listens");
        let custom = bus.subscribe("door.opened", log_into(&seen, "c"));
        let sent = bus.subscribe(Event::MessageSent, log_into(&seen, "s"));
        bus.broadcast(Event::MessageSent);
        bus.broadcast(Event::SocketClosed);
        bus.broadcast("door.opened");
        bus.unsubscribe(Event::MessageSent, sent);
        bus.unsubscribe("door.opened", custom);
        bus.broadcast(Event::MessageSent);
        bus.broadcast("door.opened");
        let all = bus.subscribe_all(log_into(&seen, "all"));
        bus.broadcast(Event::SocketClosed);
        bus.unsubscribe("x", all);
        bus.broadcast(Event::SocketClosed);
        assert_eq!(
            *seen.lock().unwrap(),
            ["s:message.sent", "c:door.opened", "all:socket.closed"]
        );
    }

    #[test]
    fn no_loss_across_threads() {
        let bus = Arc::new(EventBus::new());
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        bus.subscribe("tick", move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let b = bus.clone();
                std::thread::spawn(move || (0..1000).for_each(|_| b.emit(&Event::custom("tick"))))
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(count.load(Ordering::SeqCst), 4000);
    }
}
