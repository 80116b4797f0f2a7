//! The conformance kit's event-sink rules on the core's event bus: what
//! adapters report into must keep order, lose nothing and allow re-entry.

use std::sync::{Arc, Mutex};

use hologram::{Event, EventBus, EventSink};
use hologram_conformance::{EventCallback, ObservableSink};

/// The bus, observed through subscriptions like any application would.
struct ObservedBus {
    bus: EventBus,
    received: Arc<Mutex<Vec<Event>>>,
}

impl EventSink for ObservedBus {
    fn emit(&self, event: &Event) {
        self.bus.emit(event);
    }
}

impl ObservableSink for ObservedBus {
    fn received(&self) -> Vec<Event> {
        self.received.lock().unwrap().clone()
    }

    fn on_event(&self, callback: EventCallback) {
        self.bus.subscribe_all(move |e| callback(e));
    }
}

fn make() -> Arc<dyn ObservableSink> {
    let bus = EventBus::new();
    let received = Arc::new(Mutex::new(Vec::new()));
    let r = received.clone();
    bus.subscribe_all(move |e| r.lock().unwrap().push(e.clone()));
    Arc::new(ObservedBus { bus, received })
}

hologram_conformance::sink_tests!(make);
